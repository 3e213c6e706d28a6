/*
 * poll() and select() on an epoll fd: readable (POLLIN) while an event is
 * really ready, never writable; looking consumes nothing.
 */
#include "config.h"

#include "ep_test.h"

#include <poll.h>
#include <sys/select.h>
#include <unistd.h>

static short
poll_revents(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
	int rc;
	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc == -1 && errno == EINTR);
	ck_assert_int_ge(rc, 0);
	return rc == 0 ? 0 : pfd.revents;
}

/* An instance holding one pipe read end (data 1); p[1] writes to it. */
static int
instance(int p[2], uint32_t events)
{
	int epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], events, 1);
	return epfd;
}

START_TEST(poll_on_epfd_with_a_ready_fd_reports_pollin_only)
{
	int p[2], epfd = instance(p, EPOLLIN);
	ep_poke(p[1]);
	ck_assert_int_eq(poll_revents(epfd, POLLIN | POLLOUT | POLLPRI, EP_SOON),
	    POLLIN);
}
END_TEST

START_TEST(poll_on_idle_epfd_times_out)
{
	int p[2], epfd = instance(p, EPOLLIN);
	ck_assert_int_eq(poll_revents(epfd, POLLIN | POLLOUT, EP_QUIET), 0);
}
END_TEST

START_TEST(poll_on_epfd_ignores_unrequested_readiness)
{
	/* A writable pipe end registered for EPOLLIN does not count. */
	int epfd = ep_create(), p[2];
	ekq_make_pipe(p);
	ep_add(epfd, p[1], EPOLLIN, 1);
	ck_assert_int_eq(poll_revents(epfd, POLLIN, EP_QUIET), 0);
}
END_TEST

START_TEST(poll_on_epfd_does_not_consume_edge_events)
{
	int p[2], epfd = instance(p, EPOLLIN | EPOLLET);
	ep_poke(p[1]);
	ck_assert_int_eq(poll_revents(epfd, POLLIN, EP_SOON), POLLIN);
	ck_assert_int_eq(poll_revents(epfd, POLLIN, EP_SOON), POLLIN);
	ep_expect(epfd, 1, EPOLLIN, 0);
	/* Consumed by epoll_wait, it is gone for poll() too. */
	ck_assert_int_eq(poll_revents(epfd, POLLIN, EP_QUIET), 0);
}
END_TEST

START_TEST(poll_on_epfd_drops_readiness_that_went_away)
{
	int p[2], epfd = instance(p, EPOLLIN);
	ep_poke(p[1]);
	ck_assert_int_eq(poll_revents(epfd, POLLIN, EP_SOON), POLLIN);
	ep_drain(p[0]);
	if (ep_differs("diff-poll-stale")) {
		/* kqueue_poll() counts the knote until the next scan: it may
		 * still say POLLIN, and nothing else; epoll_wait() finds
		 * nothing, and then it says nothing either. */
		short r = poll_revents(epfd, POLLIN, 0);
		ck_assert(r == 0 || r == POLLIN);
		ep_expect_none(epfd, 0);
	}
	ck_assert_int_eq(poll_revents(epfd, POLLIN, EP_QUIET), 0);
}
END_TEST

START_TEST(poll_on_epfd_wakes_when_a_registered_fd_becomes_ready)
{
	int p[2], epfd = instance(p, EPOLLIN);
	struct ep_poker pk;
	long long t0 = ep_now_us();
	ep_poker_start(&pk, epfd, p[1]);
	ck_assert_int_eq(poll_revents(epfd, POLLIN, EP_SOON), POLLIN);
	ep_poker_join(&pk);
	/* It blocked until the poke, and the poke woke it. */
	ck_assert_int_ge(ep_now_us() - t0, EP_QUIET * 1000LL);
}
END_TEST

START_TEST(select_on_epfd_reports_readable_not_writable)
{
	int p[2], epfd = instance(p, EPOLLIN);
	ep_poke(p[1]);
	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(epfd, &rd);
	FD_SET(epfd, &wr);
	struct timeval tv = { EP_SOON / 1000, 0 };
	ck_assert_int_eq(select(epfd + 1, &rd, &wr, NULL, &tv), 1);
	ck_assert(FD_ISSET(epfd, &rd));
	ck_assert(!FD_ISSET(epfd, &wr));
}
END_TEST

START_TEST(select_on_idle_epfd_times_out)
{
	int p[2], epfd = instance(p, EPOLLIN);
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(epfd, &rd);
	struct timeval tv = { 0, EP_QUIET * 1000 };
	ck_assert_int_eq(select(epfd + 1, &rd, NULL, NULL, &tv), 0);
}
END_TEST

Suite *
ep_poll_epfd_suite(void)
{
	Suite *s = suite_create("poll_epfd");
	TCase *tc = tcase_create("poll_epfd");
	tcase_add_test(tc, poll_on_epfd_with_a_ready_fd_reports_pollin_only);
	tcase_add_test(tc, poll_on_idle_epfd_times_out);
	tcase_add_test(tc, poll_on_epfd_ignores_unrequested_readiness);
	tcase_add_test(tc, poll_on_epfd_does_not_consume_edge_events);
	tcase_add_test(tc, poll_on_epfd_wakes_when_a_registered_fd_becomes_ready);
	tcase_add_test(tc, select_on_epfd_reports_readable_not_writable);
	tcase_add_test(tc, select_on_idle_epfd_times_out);
	suite_add_tcase(s, tc);
	/* README: poll() on an epoll descriptor asks the kernel's kqueue_poll();
	 * where that row says so, readiness may linger until the next wait. */
	tc = tcase_create("poll_epfd_stale");
	tcase_set_tags(tc, "diff-poll-stale");
	tcase_add_test(tc, poll_on_epfd_drops_readiness_that_went_away);
	suite_add_tcase(s, tc);
	return s;
}
