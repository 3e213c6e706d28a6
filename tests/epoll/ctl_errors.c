/*
 * epoll_ctl(2) errors, the order in which Linux checks them, and that a
 * failing call changes nothing.
 *
 * The order (fs/eventpoll.c: the epoll_ctl syscall, then do_epoll_ctl):
 *   1. EFAULT  copying the event in, for every op but EPOLL_CTL_DEL (so an
 *              unknown op with a NULL event is EFAULT, and EFAULT beats EBADF)
 *   2. EBADF   epfd, then fd
 *   3. EPERM   fd does not support poll (regular file, directory)
 *   4. EINVAL  epfd == fd (same open file) or epfd not an epoll fd
 *   5. EINVAL  EPOLLEXCLUSIVE with MOD, on an epoll fd, or with other bits
 *   6. ELOOP   ADD of an epoll fd that would close a cycle / nest too deep
 *   7. EINVAL  unknown op (only now!), EEXIST (ADD), ENOENT (MOD, DEL),
 *              EINVAL for MOD of a registration added with EPOLLEXCLUSIVE
 */
#include "config.h"

#include "ep_test.h"

#include <sys/mman.h>
#include <unistd.h>

#define BAD_OP 99

static int
ctl(int epfd, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.u64 = data;
	return epoll_ctl(epfd, op, fd, &ev);
}

/* A pipe read end with a byte in it: registered, it reports at once. */
static void
ready_pipe(int p[2])
{
	ekq_make_pipe(p);
	ep_poke(p[1]);
}

/* fd is registered in epfd for EPOLLIN with `data`: still reported so. */
static void
assert_registered(int epfd, uint64_t data)
{
	ep_expect(epfd, data, EPOLLIN, EP_SOON);
}

static void
assert_unregistered(int epfd, int fd)
{
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL), ENOENT);
}

/* An address that is mapped but inaccessible. */
static void *
no_access_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	    0);
	ck_assert(p != MAP_FAILED);
	return p;
}

/* ---- EEXIST / ENOENT ------------------------------------------------- */

START_TEST(ctl_add_existing_fd_fails_with_eexist)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, 1), EEXIST);
}
END_TEST

START_TEST(ctl_failed_add_keeps_original_events_and_data)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, EP_COOKIE(1));
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, p[0],
	    EPOLLIN | EPOLLOUT | EPOLLET, EP_COOKIE(2)), EEXIST);
	/* Still level-triggered, still the first data. */
	assert_registered(epfd, EP_COOKIE(1));
	assert_registered(epfd, EP_COOKIE(1));
}
END_TEST

START_TEST(ctl_mod_unregistered_fd_fails_with_enoent)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_MOD, p[0], EPOLLIN, 1), ENOENT);
	/* The failed MOD did not register it. */
	ep_expect_none(epfd, 0);
	assert_unregistered(epfd, p[0]);
}
END_TEST

START_TEST(ctl_del_unregistered_fd_fails_with_enoent)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
}
END_TEST

START_TEST(ctl_del_twice_fails_with_enoent)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_del(epfd, p[0]);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	ep_expect_none(epfd, 0);
}
END_TEST

START_TEST(ctl_add_after_del_succeeds)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_del(epfd, p[0]);
	ep_add(epfd, p[0], EPOLLIN, 2);
	assert_registered(epfd, 2);
}
END_TEST

/* ---- EBADF ----------------------------------------------------------- */

START_TEST(ctl_negative_epfd_fails_with_ebadf)
{
	int p[2];
	ready_pipe(p);
	ck_assert_fails_with(ctl(-1, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EBADF);
	ck_assert_fails_with(ctl(-1, EPOLL_CTL_MOD, p[0], EPOLLIN, 0), EBADF);
	ck_assert_fails_with(epoll_ctl(-1, EPOLL_CTL_DEL, p[0], NULL), EBADF);
}
END_TEST

START_TEST(ctl_closed_epfd_fails_with_ebadf)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	close(epfd);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EBADF);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], NULL), EBADF);
}
END_TEST

START_TEST(ctl_negative_fd_fails_with_ebadf)
{
	int epfd = ep_create();
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, -1, EPOLLIN, 0), EBADF);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_MOD, -1, EPOLLIN, 0), EBADF);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, -1, NULL), EBADF);
}
END_TEST

START_TEST(ctl_closed_fd_fails_with_ebadf)
{
	int epfd = ep_create(), p[2];
	ekq_make_pipe(p);
	close(p[0]);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), EBADF);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_MOD, p[0], EPOLLIN, 0), EBADF);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], NULL), EBADF);
}
END_TEST

START_TEST(ctl_bad_fd_is_checked_before_non_epoll_epfd)
{
	/* EBADF for fd comes before EINVAL for "epfd is not an epoll fd". */
	int p[2];
	ready_pipe(p);
	ck_assert_fails_with(ctl(p[0], EPOLL_CTL_ADD, -1, EPOLLIN, 0), EBADF);
}
END_TEST

START_TEST(ctl_bad_epfd_is_checked_before_unknown_op)
{
	int p[2];
	ready_pipe(p);
	ck_assert_fails_with(ctl(-1, BAD_OP, p[0], EPOLLIN, 0), EBADF);
}
END_TEST

/* ---- EPERM ----------------------------------------------------------- */

START_TEST(ctl_regular_file_fails_with_eperm)
{
	int epfd = ep_create(), fd = ep_open_regular_file();
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, fd, EPOLLIN, 0), EPERM);
	/* Nothing was registered. */
	ep_expect_none(epfd, 0);
}
END_TEST

START_TEST(ctl_directory_fails_with_eperm)
{
	int epfd = ep_create(), fd = ep_open_directory();
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, fd, EPOLLIN, 0), EPERM);
	ep_expect_none(epfd, 0);
}
END_TEST

START_TEST(ctl_regular_file_mod_and_del_fail_with_eperm_not_enoent)
{
	/* EPERM is decided before the interest list is searched. */
	int epfd = ep_create(), fd = ep_open_regular_file();
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_MOD, fd, EPOLLIN, 0), EPERM);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL), EPERM);
}
END_TEST

START_TEST(ctl_eperm_is_checked_before_non_epoll_epfd)
{
	int p[2], fd = ep_open_regular_file();
	ready_pipe(p);
	ck_assert_fails_with(ctl(p[0], EPOLL_CTL_ADD, fd, EPOLLIN, 0), EPERM);
}
END_TEST

START_TEST(ctl_eperm_is_checked_before_unknown_op)
{
	int epfd = ep_create(), fd = ep_open_regular_file();
	ck_assert_fails_with(ctl(epfd, BAD_OP, fd, EPOLLIN, 0), EPERM);
}
END_TEST

/* ---- EINVAL ---------------------------------------------------------- */

START_TEST(ctl_epfd_equal_to_fd_fails_with_einval)
{
	/* Not ELOOP: do_epoll_ctl refuses "same file" before any loop check. */
	int epfd = ep_create();
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, epfd, EPOLLIN, 0), EINVAL);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_MOD, epfd, EPOLLIN, 0), EINVAL);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, epfd, NULL), EINVAL);
}
END_TEST

START_TEST(ctl_dup_of_epfd_into_itself_fails_with_einval)
{
	/* "Same file", not "same number": a dup of the epfd is refused too. */
	int epfd = ep_create();
	int d = dup(epfd);
	ck_assert_int_ge(d, 0);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, d, EPOLLIN, 0), EINVAL);
	ck_assert_fails_with(ctl(d, EPOLL_CTL_ADD, epfd, EPOLLIN, 0), EINVAL);
}
END_TEST

START_TEST(ctl_unknown_op_fails_with_einval)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ck_assert_fails_with(ctl(epfd, BAD_OP, p[0], EPOLLIN | EPOLLOUT, 2),
	    EINVAL);
	ck_assert_fails_with(ctl(epfd, 0, p[0], EPOLLIN, 2), EINVAL);
	ck_assert_fails_with(ctl(epfd, -1, p[0], EPOLLIN, 2), EINVAL);
	/* The registration is untouched. */
	assert_registered(epfd, 1);
}
END_TEST

START_TEST(ctl_unknown_op_on_unregistered_fd_fails_with_einval_not_enoent)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_fails_with(ctl(epfd, BAD_OP, p[0], EPOLLIN, 0), EINVAL);
	/* ...and registered nothing. */
	ep_expect_none(epfd, 0);
	assert_unregistered(epfd, p[0]);
}
END_TEST

START_TEST(ctl_non_epoll_epfd_fails_with_einval)
{
	int p[2], q[2];
	ready_pipe(p);
	ready_pipe(q);
	ck_assert_fails_with(ctl(p[0], EPOLL_CTL_ADD, q[0], EPOLLIN, 0), EINVAL);
	ck_assert_fails_with(ctl(p[0], EPOLL_CTL_MOD, q[0], EPOLLIN, 0), EINVAL);
	ck_assert_fails_with(epoll_ctl(p[0], EPOLL_CTL_DEL, q[0], NULL), EINVAL);
}
END_TEST

START_TEST(ctl_non_epoll_epfd_is_checked_before_eexist_and_enoent)
{
	/* A pipe as epfd with a fd number that some epoll instance holds:
	 * the answer is still EINVAL, never EEXIST/ENOENT. */
	int epfd = ep_create(), p[2], q[2];
	ready_pipe(p);
	ready_pipe(q);
	ep_add(epfd, q[0], EPOLLIN, 1);
	ck_assert_fails_with(ctl(p[0], EPOLL_CTL_ADD, q[0], EPOLLIN, 0), EINVAL);
	ck_assert_fails_with(ctl(p[0], EPOLL_CTL_MOD, q[1], EPOLLIN, 0), EINVAL);
	assert_registered(epfd, 1);
}
END_TEST

/* ---- EFAULT ---------------------------------------------------------- */

START_TEST(ctl_add_null_event_fails_with_efault)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_ADD, p[0], NULL), EFAULT);
	ep_expect_none(epfd, 0);
	assert_unregistered(epfd, p[0]);
}
END_TEST

START_TEST(ctl_mod_null_event_fails_with_efault)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 7);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_MOD, p[0], NULL), EFAULT);
	assert_registered(epfd, 7);
}
END_TEST

START_TEST(ctl_del_ignores_null_event)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ck_assert_int_eq(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], NULL), 0);
	ep_expect_none(epfd, 0);
}
END_TEST

START_TEST(ctl_del_ignores_inaccessible_event)
{
	/* DEL never reads the event: an unreadable pointer is fine. */
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ck_assert_int_eq(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], no_access_page()),
	    0);
	ep_expect_none(epfd, 0);
}
END_TEST

START_TEST(ctl_efault_is_checked_before_ebadf)
{
	/* The event is copied in before either descriptor is looked at. */
	ck_assert_fails_with(epoll_ctl(-1, EPOLL_CTL_ADD, -1, NULL), EFAULT);
	ck_assert_fails_with(epoll_ctl(-1, EPOLL_CTL_MOD, -1, NULL), EFAULT);
	/* ...but DEL copies nothing, so there EBADF it is. */
	ck_assert_fails_with(epoll_ctl(-1, EPOLL_CTL_DEL, -1, NULL), EBADF);
}
END_TEST

START_TEST(ctl_unknown_op_with_null_event_fails_with_efault)
{
	/* Every op but DEL "has an event", including ones that do not exist. */
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_fails_with(epoll_ctl(epfd, BAD_OP, p[0], NULL), EFAULT);
}
END_TEST

START_TEST(ctl_efault_is_checked_before_eperm_and_einval)
{
	int epfd = ep_create(), fd = ep_open_regular_file();
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, NULL), EFAULT);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_ADD, epfd, NULL), EFAULT);
}
END_TEST

/* ---- EPOLLEXCLUSIVE -------------------------------------------------- */

START_TEST(ctl_exclusive_is_accepted_on_add)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_int_eq(ctl(epfd, EPOLL_CTL_ADD, p[0],
	    EPOLLIN | EPOLLEXCLUSIVE, 1), 0);
	/* And it still reports like any registration. */
	assert_registered(epfd, 1);
}
END_TEST

START_TEST(ctl_exclusive_accepts_in_out_et_hup_err_wakeup)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_int_eq(ctl(epfd, EPOLL_CTL_ADD, p[1],
	    EPOLLIN | EPOLLOUT | EPOLLET | EPOLLHUP | EPOLLERR | EPOLLWAKEUP |
	    EPOLLEXCLUSIVE, 1), 0);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(ctl_exclusive_with_mod_fails_with_einval)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_MOD, p[0],
	    EPOLLIN | EPOLLEXCLUSIVE, 2), EINVAL);
	assert_registered(epfd, 1);
}
END_TEST

START_TEST(ctl_exclusive_mod_of_unregistered_fd_fails_with_einval_not_enoent)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_MOD, p[0],
	    EPOLLIN | EPOLLEXCLUSIVE, 1), EINVAL);
}
END_TEST

START_TEST(ctl_mod_of_exclusive_registration_fails_with_einval)
{
	/* Even a MOD that does not ask for EPOLLEXCLUSIVE itself. */
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_int_eq(ctl(epfd, EPOLL_CTL_ADD, p[0],
	    EPOLLIN | EPOLLEXCLUSIVE, 1), 0);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_MOD, p[0], EPOLLIN, 2), EINVAL);
	assert_registered(epfd, 1);
	/* DEL is fine. */
	ep_del(epfd, p[0]);
}
END_TEST

/* Reopen `num` as a new pipe's read end: the number reused by a new file. */
static void
reuse_number(int num)
{
	int q[2];
	ekq_make_pipe(q);
	if (q[0] == num)
		return;
	ck_assert_int_eq(dup2(q[0], num), num);
	close(q[0]);
}

/* The registration ended with its file: a new file at the number is not
 * it, so MOD finds nothing (ENOENT, not EPOLLEXCLUSIVE's EINVAL). */
static void
exclusive_then_reused(uint32_t extra)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_int_eq(ctl(epfd, EPOLL_CTL_ADD, p[0],
	    EPOLLIN | EPOLLEXCLUSIVE | extra, 1), 0);
	close(p[0]);
	reuse_number(p[0]);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_MOD, p[0], EPOLLIN, 2),
	    ENOENT);
	ck_assert_int_eq(ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, 3), 0);
}

START_TEST(ctl_mod_of_exclusive_registration_on_a_reused_number_is_enoent)
{
	exclusive_then_reused(0);
}
END_TEST

START_TEST(ctl_mod_of_exclusive_edge_registration_on_a_reused_number_is_enoent)
{
	exclusive_then_reused(EPOLLET);
}
END_TEST

START_TEST(ctl_mod_on_the_reused_number_of_a_nested_epoll_fd_is_enoent)
{
	int outer = ep_create(), inner = ep_create();
	ep_add(outer, inner, EPOLLIN, 1);
	close(inner);
	reuse_number(inner);
	ck_assert_fails_with(ctl(outer, EPOLL_CTL_MOD, inner, EPOLLIN, 2),
	    ENOENT);
	ck_assert_int_eq(ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, 3), 0);
}
END_TEST

START_TEST(ctl_exclusive_on_epoll_fd_fails_with_einval)
{
	int outer = ep_create(), inner = ep_create();
	ck_assert_fails_with(ctl(outer, EPOLL_CTL_ADD, inner,
	    EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	assert_unregistered(outer, inner);
}
END_TEST

START_TEST(ctl_exclusive_with_oneshot_fails_with_einval)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, p[0],
	    EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL);
	assert_unregistered(epfd, p[0]);
}
END_TEST

START_TEST(ctl_exclusive_with_rdhup_or_pri_fails_with_einval)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, p[0],
	    EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP, 0), EINVAL);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, p[0],
	    EPOLLIN | EPOLLEXCLUSIVE | EPOLLPRI, 0), EINVAL);
	assert_unregistered(epfd, p[0]);
}
END_TEST

START_TEST(ctl_exclusive_einval_is_checked_before_eexist)
{
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, p[0],
	    EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 2), EINVAL);
	/* A valid exclusive ADD of the registered fd: EEXIST. */
	ck_assert_fails_with(ctl(epfd, EPOLL_CTL_ADD, p[0],
	    EPOLLIN | EPOLLEXCLUSIVE, 2), EEXIST);
	assert_registered(epfd, 1);
}
END_TEST

/* ---- ELOOP ----------------------------------------------------------- */

START_TEST(ctl_two_instance_cycle_fails_with_eloop)
{
	int a = ep_create(), b = ep_create();
	ep_add(a, b, EPOLLIN, 1);
	ck_assert_fails_with(ctl(b, EPOLL_CTL_ADD, a, EPOLLIN, 2), ELOOP);
	/* Nothing was added to b; a still holds b. */
	assert_unregistered(b, a);
	ck_assert_fails_with(ctl(a, EPOLL_CTL_ADD, b, EPOLLIN, 1), EEXIST);
}
END_TEST

START_TEST(ctl_three_instance_cycle_fails_with_eloop)
{
	int a = ep_create(), b = ep_create(), c = ep_create();
	ep_add(a, b, EPOLLIN, 1);
	ep_add(b, c, EPOLLIN, 2);
	ck_assert_fails_with(ctl(c, EPOLL_CTL_ADD, a, EPOLLIN, 3), ELOOP);
	assert_unregistered(c, a);
}
END_TEST

START_TEST(ctl_cycle_through_a_dup_fails_with_eloop)
{
	/* Loops are about instances, not numbers. */
	int a = ep_create(), b = ep_create();
	int a2 = dup(a);
	ck_assert_int_ge(a2, 0);
	ep_add(a, b, EPOLLIN, 1);
	ck_assert_fails_with(ctl(b, EPOLL_CTL_ADD, a2, EPOLLIN, 2), ELOOP);
}
END_TEST

/* A chain of n instances: chain[i + 1] holds chain[i]. */
static void
make_chain(int *chain, int n)
{
	for (int i = 0; i < n; i++)
		chain[i] = ep_create();
	for (int i = 0; i + 1 < n; i++)
		ep_add(chain[i + 1], chain[i], EPOLLIN, (uint64_t)i);
}

START_TEST(ctl_nesting_five_instances_deep_is_allowed)
{
	int chain[5];
	make_chain(chain, 5);
	/* And an event at the bottom climbs all the way up. */
	int p[2];
	ready_pipe(p);
	ep_add(chain[0], p[0], EPOLLIN, 42);
	ep_expect(chain[4], 3, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(ctl_nesting_a_sixth_instance_on_top_fails_with_eloop)
{
	int chain[5];
	make_chain(chain, 5);
	int top = ep_create();
	ck_assert_fails_with(ctl(top, EPOLL_CTL_ADD, chain[4], EPOLLIN, 0),
	    ELOOP);
	assert_unregistered(top, chain[4]);
}
END_TEST

START_TEST(ctl_nesting_a_sixth_instance_at_the_bottom_fails_with_eloop)
{
	/* The depth above the insertion point counts too. */
	int chain[5];
	make_chain(chain, 5);
	int bottom = ep_create();
	ck_assert_fails_with(ctl(chain[0], EPOLL_CTL_ADD, bottom, EPOLLIN, 0),
	    ELOOP);
	assert_unregistered(chain[0], bottom);
}
END_TEST

START_TEST(ctl_joining_two_chains_too_deep_fails_with_eloop)
{
	/* 3 + 3 instances in one path is one too many; 2 + 3 is fine. */
	int x[3], y[3], u[2], v[3];
	make_chain(x, 3);
	make_chain(y, 3);
	ck_assert_fails_with(ctl(y[0], EPOLL_CTL_ADD, x[2], EPOLLIN, 0), ELOOP);
	make_chain(u, 2);
	make_chain(v, 3);
	ck_assert_int_eq(ctl(v[0], EPOLL_CTL_ADD, u[1], EPOLLIN, 0), 0);
}
END_TEST

/* ---- accepted oddities ----------------------------------------------- */

START_TEST(ctl_add_with_epollwakeup_is_accepted)
{
	/* Without CAP_BLOCK_SUSPEND Linux silently drops the flag. */
	int epfd = ep_create(), p[2];
	ready_pipe(p);
	ck_assert_int_eq(ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLWAKEUP,
	    1), 0);
	assert_registered(epfd, 1);
	ck_assert_int_eq(ctl(epfd, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLWAKEUP,
	    2), 0);
	assert_registered(epfd, 2);
}
END_TEST

START_TEST(ctl_add_of_an_epoll_fd_is_accepted)
{
	int outer = ep_create(), inner = ep_create();
	ck_assert_int_eq(ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, 1), 0);
	ck_assert_int_eq(ctl(outer, EPOLL_CTL_MOD, inner, EPOLLIN | EPOLLET, 2),
	    0);
	ep_del(outer, inner);
}
END_TEST

Suite *
ep_ctl_errors_suite(void)
{
	Suite *s = suite_create("ctl_errors");
	TCase *tc = tcase_create("exist");
	tcase_add_test(tc, ctl_add_existing_fd_fails_with_eexist);
	tcase_add_test(tc, ctl_failed_add_keeps_original_events_and_data);
	tcase_add_test(tc, ctl_mod_unregistered_fd_fails_with_enoent);
	tcase_add_test(tc, ctl_del_unregistered_fd_fails_with_enoent);
	tcase_add_test(tc, ctl_del_twice_fails_with_enoent);
	tcase_add_test(tc, ctl_add_after_del_succeeds);
	suite_add_tcase(s, tc);

	tc = tcase_create("ebadf");
	tcase_add_test(tc, ctl_negative_epfd_fails_with_ebadf);
	tcase_add_test(tc, ctl_closed_epfd_fails_with_ebadf);
	tcase_add_test(tc, ctl_negative_fd_fails_with_ebadf);
	tcase_add_test(tc, ctl_closed_fd_fails_with_ebadf);
	tcase_add_test(tc, ctl_bad_fd_is_checked_before_non_epoll_epfd);
	tcase_add_test(tc, ctl_bad_epfd_is_checked_before_unknown_op);
	suite_add_tcase(s, tc);

	tc = tcase_create("eperm");
	tcase_add_test(tc, ctl_regular_file_fails_with_eperm);
	tcase_add_test(tc, ctl_directory_fails_with_eperm);
	tcase_add_test(tc, ctl_regular_file_mod_and_del_fail_with_eperm_not_enoent);
	tcase_add_test(tc, ctl_eperm_is_checked_before_non_epoll_epfd);
	tcase_add_test(tc, ctl_eperm_is_checked_before_unknown_op);
	suite_add_tcase(s, tc);

	tc = tcase_create("einval");
	tcase_add_test(tc, ctl_epfd_equal_to_fd_fails_with_einval);
	tcase_add_test(tc, ctl_dup_of_epfd_into_itself_fails_with_einval);
	tcase_add_test(tc, ctl_unknown_op_fails_with_einval);
	tcase_add_test(tc, ctl_unknown_op_on_unregistered_fd_fails_with_einval_not_enoent);
	tcase_add_test(tc, ctl_non_epoll_epfd_fails_with_einval);
	tcase_add_test(tc, ctl_non_epoll_epfd_is_checked_before_eexist_and_enoent);
	suite_add_tcase(s, tc);

	tc = tcase_create("efault");
	tcase_add_test(tc, ctl_add_null_event_fails_with_efault);
	tcase_add_test(tc, ctl_mod_null_event_fails_with_efault);
	tcase_add_test(tc, ctl_del_ignores_null_event);
	tcase_add_test(tc, ctl_del_ignores_inaccessible_event);
	tcase_add_test(tc, ctl_efault_is_checked_before_ebadf);
	tcase_add_test(tc, ctl_unknown_op_with_null_event_fails_with_efault);
	tcase_add_test(tc, ctl_efault_is_checked_before_eperm_and_einval);
	suite_add_tcase(s, tc);

	tc = tcase_create("exclusive");
	tcase_add_test(tc, ctl_exclusive_is_accepted_on_add);
	tcase_add_test(tc, ctl_exclusive_accepts_in_out_et_hup_err_wakeup);
	tcase_add_test(tc, ctl_exclusive_with_mod_fails_with_einval);
	tcase_add_test(tc, ctl_exclusive_mod_of_unregistered_fd_fails_with_einval_not_enoent);
	tcase_add_test(tc, ctl_mod_of_exclusive_registration_fails_with_einval);
	tcase_add_test(tc,
	    ctl_mod_of_exclusive_registration_on_a_reused_number_is_enoent);
	tcase_add_test(tc,
	    ctl_mod_of_exclusive_edge_registration_on_a_reused_number_is_enoent);
	tcase_add_test(tc,
	    ctl_mod_on_the_reused_number_of_a_nested_epoll_fd_is_enoent);
	tcase_add_test(tc, ctl_exclusive_on_epoll_fd_fails_with_einval);
	tcase_add_test(tc, ctl_exclusive_with_oneshot_fails_with_einval);
	tcase_add_test(tc, ctl_exclusive_with_rdhup_or_pri_fails_with_einval);
	tcase_add_test(tc, ctl_exclusive_einval_is_checked_before_eexist);
	suite_add_tcase(s, tc);

	tc = tcase_create("eloop");
	tcase_add_test(tc, ctl_two_instance_cycle_fails_with_eloop);
	tcase_add_test(tc, ctl_three_instance_cycle_fails_with_eloop);
	tcase_add_test(tc, ctl_cycle_through_a_dup_fails_with_eloop);
	tcase_add_test(tc, ctl_nesting_five_instances_deep_is_allowed);
	tcase_add_test(tc, ctl_nesting_a_sixth_instance_on_top_fails_with_eloop);
	tcase_add_test(tc, ctl_nesting_a_sixth_instance_at_the_bottom_fails_with_eloop);
	tcase_add_test(tc, ctl_joining_two_chains_too_deep_fails_with_eloop);
	suite_add_tcase(s, tc);

	tc = tcase_create("accepted");
	tcase_add_test(tc, ctl_add_with_epollwakeup_is_accepted);
	tcase_add_test(tc, ctl_add_of_an_epoll_fd_is_accepted);
	suite_add_tcase(s, tc);
	return s;
}
