/*
 * eventfd, timerfd and signalfd inside epoll: level, edge, one-shot,
 * nesting, epoll_ctl leaving the descriptor's flags alone, and poll() and
 * select() agreeing with epoll.  Linux: fs/eventpoll.c (ep_poll_callback:
 * an edge registration is queued again at every wakeup of the file).
 * eventfd wakes its waiters at every write (fs/eventfd.c eventfd_write);
 * a timerfd at its expiry, and a periodic one is restarted only by read()
 * (fs/timerfd.c timerfd_tmrproc returns HRTIMER_NORESTART, timerfd_read
 * forwards and restarts it), so an unread periodic timer makes one edge.
 */
#include "config.h"

#include "fd_test.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

static int
efd(unsigned int initval)
{
	int fd = eventfd(initval, EFD_NONBLOCK | EFD_CLOEXEC);
	ck_assert_msg(fd >= 0, "eventfd: %s", strerror(errno));
	return fd;
}

static int
tfd(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ck_assert_msg(fd >= 0, "timerfd_create: %s", strerror(errno));
	return fd;
}

static int
sfd_usr1(void)
{
	fd_block(SIGUSR1);
	return fd_signalfd_for(SIGUSR1, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* ---- level-triggered ---------------------------------------------------- */

START_TEST(epoll_level_eventfd_is_reported_until_read)
{
	int fd = efd(0), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN, 1);
	fd_write_u64(fd, 1);
	fd_epoll_expect(ep, 1, EPOLLIN, FD_SOON);
	fd_epoll_expect(ep, 1, EPOLLIN, 0);
	(void)fd_read_u64(fd);
	fd_epoll_expect_none(ep, FD_QUIET);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_level_eventfd_reports_in_and_out_together)
{
	int fd = efd(1), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLOUT, 1);
	fd_epoll_expect(ep, 1, EPOLLIN | EPOLLOUT, FD_SOON);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_level_timerfd_is_reported_until_read)
{
	int fd = tfd(), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN, 2);
	fd_timer_arm_ms(fd, 10, 0);
	fd_epoll_expect(ep, 2, EPOLLIN, FD_SOON);
	fd_epoll_expect(ep, 2, EPOLLIN, 0);
	(void)fd_read_u64(fd);
	fd_epoll_expect_none(ep, FD_QUIET);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_timerfd_is_never_writable)
{
	int fd = tfd(), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLOUT, 2);
	fd_epoll_expect_none(ep, FD_QUIET);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_signalfd_is_never_writable)
{
	int fd = sfd_usr1(), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLOUT, 2);
	fd_epoll_expect_none(ep, FD_QUIET);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_del_of_eventfd_stops_its_reports)
{
	int fd = efd(1), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN, 1);
	fd_epoll_expect(ep, 1, EPOLLIN, FD_SOON);
	ck_assert_int_eq(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL), 0);
	fd_epoll_expect_none(ep, FD_QUIET);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_reports_eventfd_timerfd_and_signalfd_together)
{
	int e = efd(1), t = tfd(), s = sfd_usr1(), ep = fd_epoll();
	fd_epoll_add(ep, e, EPOLLIN, 1);
	fd_epoll_add(ep, t, EPOLLIN, 2);
	fd_epoll_add(ep, s, EPOLLIN, 3);
	fd_timer_arm_ms(t, 1, 0);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_int_eq(fd_poll(t, POLLIN, FD_SOON), POLLIN);
	struct epoll_event evs[8];
	ck_assert_int_eq(fd_epoll_wait(ep, evs, 8, FD_SOON), 3);
	unsigned seen = 0;
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(evs[i].events, EPOLLIN);
		seen |= 1u << evs[i].data.u64;
	}
	ck_assert_uint_eq(seen, 0xe);
	close(ep);
	close(e);
	close(t);
	close(s);
}
END_TEST

/* ---- edge-triggered ----------------------------------------------------- */

START_TEST(epoll_edge_eventfd_is_reported_once_per_write)
{
	int fd = efd(0), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLET, 1);
	fd_write_u64(fd, 1);
	fd_epoll_expect(ep, 1, EPOLLIN, FD_SOON);
	fd_epoll_expect_none(ep, FD_QUIET);
	/* A second write, the counter still unread: a new edge. */
	fd_write_u64(fd, 1);
	fd_epoll_expect(ep, 1, EPOLLIN, FD_SOON);
	fd_epoll_expect_none(ep, FD_QUIET);
	ck_assert_uint_eq(fd_read_u64(fd), 2);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_edge_eventfd_writes_before_a_wait_make_one_report)
{
	int fd = efd(0), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLET, 1);
	fd_write_u64(fd, 1);
	fd_write_u64(fd, 1);
	fd_epoll_expect(ep, 1, EPOLLIN, FD_SOON);
	fd_epoll_expect_none(ep, FD_QUIET);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_edge_eventfd_readable_at_add_is_reported_once)
{
	int fd = efd(3), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLET, 1);
	fd_epoll_expect(ep, 1, EPOLLIN, FD_SOON);
	fd_epoll_expect_none(ep, FD_QUIET);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_edge_unread_periodic_timerfd_is_reported_once)
{
	int fd = tfd(), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLET, 2);
	fd_timer_arm_ms(fd, 20, 20);
	fd_epoll_expect(ep, 2, EPOLLIN, FD_SOON);
	/* Several periods pass unread: no new edge. */
	fd_epoll_expect_none(ep, 2 * FD_QUIET);
	ck_assert_uint_ge(fd_read_u64(fd), 2);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_edge_periodic_timerfd_is_reported_again_after_a_read)
{
	int fd = tfd(), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLET, 2);
	fd_timer_arm_ms(fd, 20, 20);
	fd_epoll_expect(ep, 2, EPOLLIN, FD_SOON);
	(void)fd_read_u64(fd);
	fd_epoll_expect(ep, 2, EPOLLIN, FD_SOON);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_edge_one_shot_timerfd_is_reported_once)
{
	int fd = tfd(), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLET, 2);
	fd_timer_arm_ms(fd, 10, 0);
	fd_epoll_expect(ep, 2, EPOLLIN, FD_SOON);
	fd_epoll_expect_none(ep, 2 * FD_QUIET);
	ck_assert_uint_eq(fd_read_u64(fd), 1);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_edge_signalfd_is_reported_once_for_a_pending_signal)
{
	int fd = sfd_usr1(), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLET, 3);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	fd_epoll_expect(ep, 3, EPOLLIN, FD_SOON);
	fd_epoll_expect_none(ep, FD_QUIET);
	close(ep);
	close(fd);
}
END_TEST

/* ---- one-shot ----------------------------------------------------------- */

START_TEST(epoll_oneshot_eventfd_is_disabled_after_one_report)
{
	int fd = efd(1), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLONESHOT, 1);
	fd_epoll_expect(ep, 1, EPOLLIN, FD_SOON);
	fd_write_u64(fd, 1);
	fd_epoll_expect_none(ep, FD_QUIET);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_oneshot_eventfd_is_rearmed_by_mod)
{
	int fd = efd(1), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLONESHOT, 1);
	fd_epoll_expect(ep, 1, EPOLLIN, FD_SOON);
	fd_epoll_mod(ep, fd, EPOLLIN | EPOLLONESHOT, 9);
	fd_epoll_expect(ep, 9, EPOLLIN, FD_SOON);
	fd_epoll_expect_none(ep, FD_QUIET);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_oneshot_timerfd_is_rearmed_by_mod)
{
	int fd = tfd(), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLONESHOT, 2);
	fd_timer_arm_ms(fd, 10, 10);
	fd_epoll_expect(ep, 2, EPOLLIN, FD_SOON);
	fd_epoll_expect_none(ep, FD_QUIET);
	fd_epoll_mod(ep, fd, EPOLLIN | EPOLLONESHOT, 2);
	fd_epoll_expect(ep, 2, EPOLLIN, FD_SOON);
	close(ep);
	close(fd);
}
END_TEST

START_TEST(epoll_oneshot_signalfd_is_rearmed_by_mod)
{
	int fd = sfd_usr1(), ep = fd_epoll();
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLONESHOT, 3);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	fd_epoll_expect(ep, 3, EPOLLIN, FD_SOON);
	fd_epoll_expect_none(ep, FD_QUIET);
	fd_epoll_mod(ep, fd, EPOLLIN | EPOLLONESHOT, 3);
	fd_epoll_expect(ep, 3, EPOLLIN, FD_SOON);
	close(ep);
	close(fd);
}
END_TEST

/* ---- nested ------------------------------------------------------------- */

static void
nested_reports(int fd, void (*make_ready)(int))
{
	int inner = fd_epoll(), outer = fd_epoll();
	fd_epoll_add(inner, fd, EPOLLIN, 1);
	fd_epoll_add(outer, inner, EPOLLIN, 2);
	fd_epoll_expect_none(outer, 0);
	make_ready(fd);
	fd_epoll_expect(outer, 2, EPOLLIN, FD_SOON);
	fd_epoll_expect(inner, 1, EPOLLIN, 0);
	close(outer);
	close(inner);
}

static void
ready_eventfd(int fd)
{
	fd_write_u64(fd, 1);
}

static void
ready_timerfd(int fd)
{
	fd_timer_arm_ms(fd, 10, 0);
}

static void
ready_signalfd(int fd)
{
	(void)fd;
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
}

START_TEST(epoll_nested_eventfd_makes_the_inner_epoll_readable)
{
	int fd = efd(0);
	nested_reports(fd, ready_eventfd);
	close(fd);
}
END_TEST

START_TEST(epoll_nested_timerfd_makes_the_inner_epoll_readable)
{
	int fd = tfd();
	nested_reports(fd, ready_timerfd);
	close(fd);
}
END_TEST

START_TEST(epoll_nested_signalfd_makes_the_inner_epoll_readable)
{
	int fd = sfd_usr1();
	nested_reports(fd, ready_signalfd);
	close(fd);
}
END_TEST

/* ---- epoll_ctl leaves O_NONBLOCK alone ---------------------------------- */

static void
ctl_keeps_flags(int blocking_fd, int nonblocking_fd)
{
	int ep = fd_epoll();
	int fl_b = fcntl(blocking_fd, F_GETFL);
	int fl_n = fcntl(nonblocking_fd, F_GETFL);
	ck_assert_int_eq(fl_b & O_NONBLOCK, 0);
	ck_assert_int_eq(fl_n & O_NONBLOCK, O_NONBLOCK);
	fd_epoll_add(ep, blocking_fd, EPOLLIN | EPOLLET, 1);
	fd_epoll_add(ep, nonblocking_fd, EPOLLIN, 2);
	fd_epoll_mod(ep, blocking_fd, EPOLLIN, 1);
	ck_assert_int_eq(fcntl(blocking_fd, F_GETFL), fl_b);
	ck_assert_int_eq(fcntl(nonblocking_fd, F_GETFL), fl_n);
	close(ep);
	ck_assert_int_eq(fcntl(blocking_fd, F_GETFL), fl_b);
	ck_assert_int_eq(fcntl(nonblocking_fd, F_GETFL), fl_n);
}

START_TEST(epoll_ctl_leaves_eventfd_o_nonblock_unchanged)
{
	int b = eventfd(0, 0), n = eventfd(0, EFD_NONBLOCK);
	ck_assert(b >= 0 && n >= 0);
	ctl_keeps_flags(b, n);
	close(b);
	close(n);
}
END_TEST

START_TEST(epoll_ctl_leaves_timerfd_o_nonblock_unchanged)
{
	int b = timerfd_create(CLOCK_MONOTONIC, 0);
	int n = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	ck_assert(b >= 0 && n >= 0);
	ctl_keeps_flags(b, n);
	close(b);
	close(n);
}
END_TEST

START_TEST(epoll_ctl_leaves_signalfd_o_nonblock_unchanged)
{
	fd_block(SIGUSR1);
	int b = fd_signalfd_for(SIGUSR1, 0);
	int n = fd_signalfd_for(SIGUSR1, SFD_NONBLOCK);
	ctl_keeps_flags(b, n);
	close(b);
	close(n);
}
END_TEST

static void
write_one(void *arg)
{
	uint64_t one = 1;
	(void)write(*(int *)arg, &one, sizeof one);
}

START_TEST(epoll_registered_blocking_eventfd_read_still_blocks)
{
	int fd = eventfd(0, 0), ep = fd_epoll();
	ck_assert_int_ge(fd, 0);
	fd_epoll_add(ep, fd, EPOLLIN | EPOLLET, 1);
	/* A read that did not block would fail with EAGAIN here. */
	struct fd_later l;
	fd_later_start(&l, fd, POLLIN, write_one, &fd);
	ck_assert_uint_eq(fd_read_u64(fd), 1);
	fd_later_join(&l);
	close(ep);
	close(fd);
}
END_TEST

/* ---- poll() and select() agree with epoll ------------------------------- */

static void
agree(int fd, bool readable, bool writable)
{
	short want = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
	uint32_t ewant = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
	ck_assert_int_eq(fd_poll(fd, POLLIN | POLLOUT, 0), want);
	ck_assert_int_eq(fd_select_readable(fd), readable);
	/* select() for writing: the select_* cases below. */
	/* The "not" answers after a real wait: nothing is merely late. */
	ck_assert_uint_eq(fd_epoll_mask(fd, EPOLLIN | EPOLLOUT,
	    ewant ? FD_SOON : FD_QUIET), ewant);
}

START_TEST(poll_select_and_epoll_agree_on_an_empty_eventfd)
{
	int fd = efd(0);
	agree(fd, false, true);
	close(fd);
}
END_TEST

START_TEST(poll_select_and_epoll_agree_on_a_readable_eventfd)
{
	int fd = efd(1);
	agree(fd, true, true);
	close(fd);
}
END_TEST

START_TEST(poll_select_and_epoll_agree_on_a_full_eventfd)
{
	int fd = efd(0);
	fd_write_u64(fd, FD_EVENTFD_MAX);
	agree(fd, true, false);
	close(fd);
}
END_TEST

/* select() for writing, apart: an emulated eventfd is a kqueue, never
 * writable to select() (diff-select-writable). */
START_TEST(select_sees_an_eventfd_with_room_writable)
{
	int fd = efd(1);
	ck_assert_int_eq(fd_select_writable(fd), 1);
	close(fd);
}
END_TEST

START_TEST(select_sees_a_full_eventfd_not_writable)
{
	int fd = efd(0);
	fd_write_u64(fd, FD_EVENTFD_MAX);
	ck_assert_int_eq(fd_select_writable(fd), 0);
	close(fd);
}
END_TEST

START_TEST(select_sees_timerfd_and_signalfd_never_writable)
{
	int t = tfd();
	fd_timer_arm_ms(t, 1, 0);
	ck_assert_int_eq(fd_poll(t, POLLIN, FD_SOON), POLLIN);
	ck_assert_int_eq(fd_select_writable(t), 0);
	close(t);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	int s = signalfd(-1, &set, SFD_NONBLOCK);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(fd_select_writable(s), 0);
	close(s);
}
END_TEST

START_TEST(poll_select_and_epoll_agree_on_an_unexpired_timerfd)
{
	int fd = tfd();
	fd_timer_arm_ms(fd, 10000, 0);
	agree(fd, false, false);
	close(fd);
}
END_TEST

START_TEST(poll_select_and_epoll_agree_on_an_expired_timerfd)
{
	int fd = tfd();
	fd_timer_arm_ms(fd, 1, 0);
	ck_assert_int_eq(fd_poll(fd, POLLIN, FD_SOON), POLLIN);
	agree(fd, true, false);
	close(fd);
}
END_TEST

START_TEST(poll_select_and_epoll_agree_on_a_signalfd_with_nothing_pending)
{
	int fd = sfd_usr1();
	agree(fd, false, false);
	close(fd);
}
END_TEST

START_TEST(poll_select_and_epoll_agree_on_a_signalfd_with_a_signal_pending)
{
	int fd = sfd_usr1();
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	agree(fd, true, false);
	close(fd);
}
END_TEST

Suite *
fd_epoll_suite(void)
{
	Suite *s = suite_create("in_epoll");
	TCase *tc = tcase_create("level");
	fd_add_hygiene(tc);
	tcase_add_test(tc, epoll_level_eventfd_is_reported_until_read);
	tcase_add_test(tc, epoll_level_eventfd_reports_in_and_out_together);
	tcase_add_test(tc, epoll_level_timerfd_is_reported_until_read);
	tcase_add_test(tc, epoll_timerfd_is_never_writable);
	tcase_add_test(tc, epoll_signalfd_is_never_writable);
	tcase_add_test(tc, epoll_del_of_eventfd_stops_its_reports);
	tcase_add_test(tc, epoll_reports_eventfd_timerfd_and_signalfd_together);
	suite_add_tcase(s, tc);

	tc = tcase_create("edge");
	fd_add_hygiene(tc);
	tcase_add_test(tc, epoll_edge_eventfd_is_reported_once_per_write);
	tcase_add_test(tc, epoll_edge_eventfd_writes_before_a_wait_make_one_report);
	tcase_add_test(tc, epoll_edge_eventfd_readable_at_add_is_reported_once);
	tcase_add_test(tc, epoll_edge_unread_periodic_timerfd_is_reported_once);
	tcase_add_test(tc, epoll_edge_periodic_timerfd_is_reported_again_after_a_read);
	tcase_add_test(tc, epoll_edge_one_shot_timerfd_is_reported_once);
	tcase_add_test(tc, epoll_edge_signalfd_is_reported_once_for_a_pending_signal);
	suite_add_tcase(s, tc);

	tc = tcase_create("oneshot");
	fd_add_hygiene(tc);
	tcase_add_test(tc, epoll_oneshot_eventfd_is_disabled_after_one_report);
	tcase_add_test(tc, epoll_oneshot_eventfd_is_rearmed_by_mod);
	tcase_add_test(tc, epoll_oneshot_timerfd_is_rearmed_by_mod);
	tcase_add_test(tc, epoll_oneshot_signalfd_is_rearmed_by_mod);
	suite_add_tcase(s, tc);

	tc = tcase_create("nested");
	fd_add_hygiene(tc);
	tcase_add_test(tc, epoll_nested_eventfd_makes_the_inner_epoll_readable);
	tcase_add_test(tc, epoll_nested_timerfd_makes_the_inner_epoll_readable);
	tcase_add_test(tc, epoll_nested_signalfd_makes_the_inner_epoll_readable);
	suite_add_tcase(s, tc);

	tc = tcase_create("flags");
	fd_add_hygiene(tc);
	tcase_add_test(tc, epoll_ctl_leaves_eventfd_o_nonblock_unchanged);
	tcase_add_test(tc, epoll_ctl_leaves_timerfd_o_nonblock_unchanged);
	tcase_add_test(tc, epoll_ctl_leaves_signalfd_o_nonblock_unchanged);
	tcase_add_test(tc, epoll_registered_blocking_eventfd_read_still_blocks);
	suite_add_tcase(s, tc);

	tc = tcase_create("agree");
	fd_add_hygiene(tc);
	tcase_add_test(tc, poll_select_and_epoll_agree_on_an_empty_eventfd);
	tcase_add_test(tc, poll_select_and_epoll_agree_on_a_readable_eventfd);
	tcase_add_test(tc, poll_select_and_epoll_agree_on_a_full_eventfd);
	tcase_add_test(tc, poll_select_and_epoll_agree_on_an_unexpired_timerfd);
	tcase_add_test(tc, poll_select_and_epoll_agree_on_an_expired_timerfd);
	tcase_add_test(tc, poll_select_and_epoll_agree_on_a_signalfd_with_nothing_pending);
	tcase_add_test(tc, poll_select_and_epoll_agree_on_a_signalfd_with_a_signal_pending);
	tcase_add_test(tc, select_sees_a_full_eventfd_not_writable);
	tcase_add_test(tc, select_sees_timerfd_and_signalfd_never_writable);
	suite_add_tcase(s, tc);

	tc = tcase_create("select_writable");
	tcase_set_tags(tc, "diff-select-writable");
	fd_add_hygiene(tc);
	tcase_add_test(tc, select_sees_an_eventfd_with_room_writable);
	suite_add_tcase(s, tc);
	return s;
}
