/*
 * fork(): the child's epoll fd keeps its number and its registrations and
 * works there -- reports events for registered fds, accepts epoll_ctl.
 *
 * Not asserted (see main.c): that parent and child share one instance.
 * Linux shares it; epollkq rebuilds a separate copy in the child.  So no
 * case looks at the parent's instance after the child has touched it, and
 * no case has the parent act on the instance while the child runs.
 *
 * The child runs plain code and reports through its exit status (0 = as
 * expected, otherwise the number of the check that failed); Check's
 * assertions stay in the parent.
 */
#include "config.h"

#include "ep_test.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct ctx {
	int epfd, inner;
	int p[2], q[2];
};

/* One event, with this data and mask, within EP_SOON: 0 if so. */
static int
child_expect(int epfd, uint64_t data, uint32_t events)
{
	struct epoll_event ev[2];
	int n;
	do
		n = epoll_wait(epfd, ev, 2, EP_SOON);
	while (n == -1 && errno == EINTR);
	if (n != 1)
		return 1;
	if (ev[0].data.u64 != data)
		return 2;
	return ev[0].events == events ? 0 : 3;
}

static int
child_expect_none(int epfd, int timeout_ms)
{
	struct epoll_event ev[2];
	int n;
	do
		n = epoll_wait(epfd, ev, 2, timeout_ms);
	while (n == -1 && errno == EINTR);
	return n == 0 ? 0 : 4;
}

static int
child_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.u64 = data;
	return epoll_ctl(epfd, op, fd, &ev);
}

static void
setup(struct ctx *c)
{
	c->epfd = ep_create();
	ekq_make_pipe(c->p);
	ekq_make_pipe(c->q);
}

/* ---- children -------------------------------------------------------- */

static int
keeps_number(void *arg)
{
	struct ctx *c = arg;
	struct epoll_event ev;
	if (fcntl(c->epfd, F_GETFD) == -1)
		return 10;
	return epoll_wait(c->epfd, &ev, 1, 0) == 0 ? 0 : 11;
}

static int
reports_ready(void *arg)
{
	struct ctx *c = arg;
	return child_expect(c->epfd, EP_COOKIE(1), EPOLLOUT);
}

static int
reports_new_event(void *arg)
{
	struct ctx *c = arg;
	if (child_expect_none(c->epfd, 0) != 0)
		return 10;
	if (write(c->p[1], "x", 1) != 1)
		return 11;
	return child_expect(c->epfd, EP_COOKIE(2), EPOLLIN);
}

static int
adds(void *arg)
{
	struct ctx *c = arg;
	if (child_ctl(c->epfd, EPOLL_CTL_ADD, c->q[1], EPOLLOUT, 5) != 0)
		return 10;
	return child_expect(c->epfd, 5, EPOLLOUT);
}

static int
mods(void *arg)
{
	struct ctx *c = arg;
	if (child_ctl(c->epfd, EPOLL_CTL_MOD, c->p[1], EPOLLOUT, 6) != 0)
		return 10;
	return child_expect(c->epfd, 6, EPOLLOUT);
}

static int
dels(void *arg)
{
	struct ctx *c = arg;
	if (epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->p[1], NULL) != 0)
		return 10;
	if (child_expect_none(c->epfd, EP_QUIET) != 0)
		return 11;
	if (epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->p[1], NULL) != -1 ||
	    errno != ENOENT)
		return 12;
	return 0;
}

static int
sees_eexist(void *arg)
{
	struct ctx *c = arg;
	if (child_ctl(c->epfd, EPOLL_CTL_ADD, c->p[1], EPOLLOUT, 9) != -1)
		return 10;
	if (errno != EEXIST)
		return 11;
	/* ...and the registration is the parent's, data and all. */
	return child_expect(c->epfd, EP_COOKIE(1), EPOLLOUT);
}

static int
keeps_edge(void *arg)
{
	struct ctx *c = arg;
	if (write(c->p[1], "x", 1) != 1)
		return 10;
	int rc = child_expect(c->epfd, 3, EPOLLIN);
	if (rc != 0)
		return rc;
	return child_expect_none(c->epfd, EP_QUIET);
}

static int
keeps_oneshot_disarmed(void *arg)
{
	struct ctx *c = arg;
	if (child_expect_none(c->epfd, EP_QUIET) != 0)
		return 10;
	if (child_ctl(c->epfd, EPOLL_CTL_MOD, c->p[0], EPOLLIN | EPOLLONESHOT,
	    4) != 0)
		return 11;
	return child_expect(c->epfd, 4, EPOLLIN);
}

static int
nested_works(void *arg)
{
	struct ctx *c = arg;
	if (child_expect_none(c->epfd, 0) != 0)
		return 10;
	if (write(c->p[1], "x", 1) != 1)
		return 11;
	int rc = child_expect(c->epfd, 100, EPOLLIN);
	if (rc != 0)
		return rc;
	return child_expect(c->inner, 7, EPOLLIN);
}

static int
keeps_every_registration(void *arg)
{
	struct ctx *c = arg;
	struct epoll_event ev[4];
	int n;
	do
		n = epoll_wait(c->epfd, ev, 4, EP_SOON);
	while (n == -1 && errno == EINTR);
	if (n != 2)
		return 10;
	uint64_t sum = ev[0].data.u64 + ev[1].data.u64;
	if (sum != EP_COOKIE(1) + EP_COOKIE(2))
		return 11;
	return ev[0].events == EPOLLOUT && ev[1].events == EPOLLOUT ? 0 : 12;
}

/*
 * A number the program closed with close() belongs to whatever took it
 * next: the child has exactly the parent's descriptors (nginx's master
 * probes with epoll_create() and close(), then its listening socket takes
 * the number).
 */
struct reuse {
	int num;            /* the closed epoll descriptor's number */
	int peer;           /* the other end of what took the number */
};

/* `num` is still the pipe's read end: data written to `peer` arrives. */
static int
still_the_pipe(void *arg)
{
	struct reuse *r = arg;
	struct stat st;
	if (fstat(r->num, &st) != 0)
		return 10;
	if (!S_ISFIFO(st.st_mode))
		return 11;
	if (write(r->peer, "x", 1) != 1)
		return 12;
	char c = 0;
	if (read(r->num, &c, 1) != 1 || c != 'x')
		return 13;
	return 0;
}

/* `num` is still the connected socket: data passes both ways. */
static int
still_the_socket(void *arg)
{
	struct reuse *r = arg;
	int type = 0;
	socklen_t len = sizeof type;
	if (getsockopt(r->num, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
		return 10;
	if (type != SOCK_STREAM)
		return 11;
	char c = 0;
	if (write(r->num, "y", 1) != 1 || read(r->peer, &c, 1) != 1 || c != 'y')
		return 12;
	if (write(r->peer, "z", 1) != 1 || read(r->num, &c, 1) != 1 || c != 'z')
		return 13;
	return 0;
}

/* `num` stays closed: nothing appears under it. */
static int
still_closed(void *arg)
{
	struct reuse *r = arg;
	return fcntl(r->num, F_GETFD) == -1 && errno == EBADF ? 0 : 10;
}

struct reuse_wait {
	int epfd;
	int wr;
};

/* The new instance works, and sees the pipe's data. */
static int
new_instance_works(void *arg)
{
	struct reuse_wait *w = arg;
	int rc = child_expect(w->epfd, 21, EPOLLIN);
	if (rc != 0)
		return rc;
	if (write(w->wr, "x", 1) != 1)
		return 20;
	return child_expect(w->epfd, 21, EPOLLIN);
}

static int
does_nothing(void *arg)
{
	(void)arg;
	return 0;
}

/* ---- cases ----------------------------------------------------------- */

START_TEST(fork_child_keeps_the_epfd_number)
{
	struct ctx c;
	setup(&c);
	ck_assert_int_eq(ep_run_child(keeps_number, &c), 0);
}
END_TEST

START_TEST(fork_child_reports_a_registered_ready_fd)
{
	struct ctx c;
	setup(&c);
	ep_add(c.epfd, c.p[1], EPOLLOUT, EP_COOKIE(1));
	ck_assert_int_eq(ep_run_child(reports_ready, &c), 0);
}
END_TEST

START_TEST(fork_child_reports_events_that_arrive_after_fork)
{
	struct ctx c;
	setup(&c);
	ep_add(c.epfd, c.p[0], EPOLLIN, EP_COOKIE(2));
	ck_assert_int_eq(ep_run_child(reports_new_event, &c), 0);
}
END_TEST

START_TEST(fork_child_can_add)
{
	struct ctx c;
	setup(&c);
	ck_assert_int_eq(ep_run_child(adds, &c), 0);
}
END_TEST

START_TEST(fork_child_can_mod)
{
	struct ctx c;
	setup(&c);
	ep_add(c.epfd, c.p[1], EPOLLOUT, EP_COOKIE(1));
	ck_assert_int_eq(ep_run_child(mods, &c), 0);
}
END_TEST

START_TEST(fork_child_can_del)
{
	struct ctx c;
	setup(&c);
	ep_add(c.epfd, c.p[1], EPOLLOUT, EP_COOKIE(1));
	ck_assert_int_eq(ep_run_child(dels, &c), 0);
}
END_TEST

START_TEST(fork_child_sees_inherited_registrations_as_existing)
{
	struct ctx c;
	setup(&c);
	ep_add(c.epfd, c.p[1], EPOLLOUT, EP_COOKIE(1));
	ck_assert_int_eq(ep_run_child(sees_eexist, &c), 0);
}
END_TEST

START_TEST(fork_child_keeps_edge_triggering)
{
	struct ctx c;
	setup(&c);
	ep_add(c.epfd, c.p[0], EPOLLIN | EPOLLET, 3);
	ck_assert_int_eq(ep_run_child(keeps_edge, &c), 0);
}
END_TEST

START_TEST(fork_child_keeps_a_fired_oneshot_disarmed)
{
	struct ctx c;
	setup(&c);
	ep_add(c.epfd, c.p[0], EPOLLIN | EPOLLONESHOT, 4);
	ep_poke(c.p[1]);
	ep_expect(c.epfd, 4, EPOLLIN, EP_SOON);
	ck_assert_int_eq(ep_run_child(keeps_oneshot_disarmed, &c), 0);
}
END_TEST

START_TEST(fork_child_nested_instances_work)
{
	struct ctx c;
	setup(&c);
	c.inner = ep_create();
	ep_add(c.inner, c.p[0], EPOLLIN, 7);
	ep_add(c.epfd, c.inner, EPOLLIN, 100);
	ck_assert_int_eq(ep_run_child(nested_works, &c), 0);
}
END_TEST

START_TEST(fork_child_keeps_every_registration_and_its_data)
{
	struct ctx c;
	setup(&c);
	ep_add(c.epfd, c.p[1], EPOLLOUT, EP_COOKIE(1));
	ep_add(c.epfd, c.q[1], EPOLLOUT, EP_COOKIE(2));
	ep_add(c.epfd, c.q[0], EPOLLIN, EP_COOKIE(3));	/* idle */
	ck_assert_int_eq(ep_run_child(keeps_every_registration, &c), 0);
}
END_TEST

START_TEST(fork_parent_keeps_working_after_the_child_exits)
{
	struct ctx c;
	setup(&c);
	ep_add(c.epfd, c.p[0], EPOLLIN, 8);
	ck_assert_int_eq(ep_run_child(does_nothing, &c), 0);
	ep_poke(c.p[1]);
	ep_expect(c.epfd, 8, EPOLLIN, EP_SOON);
	ep_add(c.epfd, c.q[1], EPOLLOUT, 9);
	ep_del(c.epfd, c.p[0]);
	ep_expect(c.epfd, 9, EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(fork_child_keeps_a_pipe_on_a_closed_epfd_number)
{
	int p[2];
	ekq_make_pipe(p);
	struct reuse r = { ep_create(), p[1] };
	close(r.num);
	ck_assert_int_eq(dup2(p[0], r.num), r.num);
	close(p[0]);
	ck_assert_int_eq(ep_run_child(still_the_pipe, &r), 0);
	/* ...and so does the parent, after the fork. */
	ck_assert_int_eq(still_the_pipe(&r), 0);
	close(r.num);
	close(p[1]);
}
END_TEST

START_TEST(fork_child_keeps_a_socket_on_a_closed_epfd_number)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	/* An instance with a registration, like a probe that did some work. */
	int epfd = ep_create();
	ep_add(epfd, sv[1], EPOLLIN, 1);
	struct reuse r = { epfd, sv[1] };
	close(epfd);
	ck_assert_int_eq(dup2(sv[0], r.num), r.num);
	close(sv[0]);
	ck_assert_int_eq(ep_run_child(still_the_socket, &r), 0);
	ck_assert_int_eq(still_the_socket(&r), 0);
	close(r.num);
	close(sv[1]);
}
END_TEST

START_TEST(fork_child_has_nothing_on_a_closed_epfd_number)
{
	int p[2];
	ekq_make_pipe(p);
	int epfd = ep_create();
	ep_add(epfd, p[0], EPOLLIN, 1);
	struct reuse r = { epfd, -1 };
	close(epfd);
	ck_assert_int_eq(ep_run_child(still_closed, &r), 0);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(fork_child_works_after_a_widowed_writer_was_closed)
{
	/* A write end registered, its reader closed, MOD to an empty mask,
	 * then the write end and the instance closed with close(). */
	int a[2];
	ekq_make_pipe(a);
	int old = ep_create();
	ep_add(old, a[1], EPOLLOUT, 1);
	close(a[0]);
	ep_mod(old, a[1], 0, 1);
	close(a[1]);
	close(old);
	/* A new instance watches a new pipe, which may take those numbers. */
	struct reuse_wait w;
	int b[2];
	w.epfd = ep_create();
	ekq_make_pipe(b);
	w.wr = b[1];
	ep_add(w.epfd, b[0], EPOLLIN, 21);
	ep_poke(b[1]);
	ck_assert_int_eq(ep_run_child(new_instance_works, &w), 0);
	close(w.epfd);
	close(b[0]);
	close(b[1]);
}
END_TEST

Suite *
ep_fork_suite(void)
{
	Suite *s = suite_create("fork");
	TCase *tc = tcase_create("fork");
	tcase_add_test(tc, fork_child_keeps_the_epfd_number);
	tcase_add_test(tc, fork_child_reports_a_registered_ready_fd);
	tcase_add_test(tc, fork_child_reports_events_that_arrive_after_fork);
	tcase_add_test(tc, fork_child_can_add);
	tcase_add_test(tc, fork_child_can_mod);
	tcase_add_test(tc, fork_child_can_del);
	tcase_add_test(tc, fork_child_sees_inherited_registrations_as_existing);
	tcase_add_test(tc, fork_child_keeps_edge_triggering);
	tcase_add_test(tc, fork_child_keeps_a_fired_oneshot_disarmed);
	tcase_add_test(tc, fork_child_nested_instances_work);
	tcase_add_test(tc, fork_child_keeps_every_registration_and_its_data);
	tcase_add_test(tc, fork_parent_keeps_working_after_the_child_exits);
	tcase_add_test(tc, fork_child_keeps_a_pipe_on_a_closed_epfd_number);
	tcase_add_test(tc, fork_child_keeps_a_socket_on_a_closed_epfd_number);
	tcase_add_test(tc, fork_child_has_nothing_on_a_closed_epfd_number);
	tcase_add_test(tc, fork_child_works_after_a_widowed_writer_was_closed);
	suite_add_tcase(s, tc);
	return s;
}
