/*
 * Nested epoll fds: an epoll fd registered in another.  The inner fd is
 * readable (EPOLLIN, never EPOLLOUT: ep_eventpoll_poll) while it has an
 * event that is really ready -- queued events are re-checked, so readiness
 * that went away does not count -- and looking does not consume anything.
 * Nesting limits and cycles are in ctl_errors.c.
 */
#include "config.h"

#include "ep_test.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

struct nest {
	int outer, inner, p[2];
};

/* outer holds inner (data 100, outer_events); inner holds pipe p[0]. */
static void
make_nest(struct nest *n, uint32_t outer_events, uint32_t inner_events)
{
	n->outer = ep_create();
	n->inner = ep_create();
	ekq_make_pipe(n->p);
	ep_add(n->inner, n->p[0], inner_events, 7);
	ep_add(n->outer, n->inner, outer_events, 100);
}

START_TEST(nested_ready_inner_reports_in_on_outer)
{
	struct nest n;
	make_nest(&n, EPOLLIN, EPOLLIN);
	ep_poke(n.p[1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(nested_idle_inner_reports_nothing_on_outer)
{
	struct nest n;
	make_nest(&n, EPOLLIN, EPOLLIN);
	ep_expect_none(n.outer, EP_QUIET);
}
END_TEST

START_TEST(nested_epoll_fd_never_reports_out)
{
	struct nest n;
	make_nest(&n, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI, EPOLLIN);
	ep_expect_none(n.outer, 0);
	ep_poke(n.p[1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(nested_outer_wait_does_not_consume_inner_events)
{
	/* Even an edge-triggered inner event survives the outer's look. */
	struct nest n;
	make_nest(&n, EPOLLIN, EPOLLIN | EPOLLET);
	ep_poke(n.p[1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
	ep_expect(n.inner, 7, EPOLLIN, EP_SOON);
	ep_expect_none(n.inner, 0);
}
END_TEST

START_TEST(nested_level_outer_reports_repeatedly)
{
	struct nest n;
	make_nest(&n, EPOLLIN, EPOLLIN);
	ep_poke(n.p[1]);
	for (int i = 0; i < 3; i++)
		ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(nested_level_outer_stops_once_the_inner_fd_is_drained)
{
	struct nest n;
	make_nest(&n, EPOLLIN, EPOLLIN);
	ep_poke(n.p[1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
	ep_drain(n.p[0]);
	ep_expect_none(n.outer, EP_QUIET);
}
END_TEST

START_TEST(nested_edge_outer_reports_once)
{
	struct nest n;
	make_nest(&n, EPOLLIN | EPOLLET, EPOLLIN);
	ep_poke(n.p[1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
	ep_expect_none(n.outer, EP_QUIET);
}
END_TEST

START_TEST(nested_edge_outer_reports_again_on_a_new_inner_event)
{
	int q[2];
	struct nest n;
	make_nest(&n, EPOLLIN | EPOLLET, EPOLLIN);
	ekq_make_pipe(q);
	ep_add(n.inner, q[0], EPOLLIN, 8);
	ep_poke(n.p[1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
	ep_expect_none(n.outer, 0);
	ep_poke(q[1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(nested_inner_readiness_that_went_away_is_not_reported)
{
	struct nest n;
	make_nest(&n, EPOLLIN, EPOLLIN);
	ep_poke(n.p[1]);
	ep_drain(n.p[0]);
	ep_expect_none(n.outer, EP_QUIET);
}
END_TEST

START_TEST(nested_unrequested_readiness_does_not_make_inner_ready)
{
	/* The inner holds a writable pipe end registered for EPOLLIN only. */
	int outer = ep_create(), inner = ep_create(), p[2];
	ekq_make_pipe(p);
	ep_add(inner, p[1], EPOLLIN, 1);
	ep_add(outer, inner, EPOLLIN, 100);
	ep_expect_none(outer, EP_QUIET);
}
END_TEST

START_TEST(nested_inner_hup_makes_the_outer_report_in)
{
	struct nest n;
	make_nest(&n, EPOLLIN, 0);
	ep_expect_none(n.outer, 0);
	close(n.p[1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
	ep_expect(n.inner, 7, EPOLLHUP, EP_SOON);
}
END_TEST

START_TEST(nested_del_of_inner_stops_the_outer_reporting)
{
	struct nest n;
	make_nest(&n, EPOLLIN, EPOLLIN);
	ep_poke(n.p[1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
	ep_del(n.outer, n.inner);
	ep_expect_none(n.outer, EP_QUIET);
	ep_expect(n.inner, 7, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(nested_one_inner_in_two_outers)
{
	struct nest n;
	make_nest(&n, EPOLLIN, EPOLLIN);
	int outer2 = ep_create();
	ep_add(outer2, n.inner, EPOLLIN, 200);
	ep_poke(n.p[1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
	ep_expect(outer2, 200, EPOLLIN, EP_SOON);
}
END_TEST

/*
 * An edge-triggered outer over an edge-triggered inner holding a socket:
 * one write is one edge, one event at the outer, however the outer is
 * looked at.  (outer data 100, inner data 7 and 8.)
 */
static void
make_socket_nest(struct nest *n, uint32_t inner_events, int sv[2][2])
{
	n->outer = ep_create();
	n->inner = ep_create();
	for (int i = 0; i < 2; i++) {
		ekq_make_socketpair(SOCK_STREAM, sv[i]);
		ep_add(n->inner, sv[i][0], inner_events, (uint64_t)(7 + i));
	}
	ep_add(n->outer, n->inner, EPOLLIN | EPOLLET, 100);
}

START_TEST(nested_edge_in_edge_reports_one_write_once)
{
	int sv[2][2];
	struct nest n;
	make_socket_nest(&n, EPOLLIN | EPOLLET, sv);
	ep_poke(sv[0][1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
	ep_expect_none(n.outer, 0);
	ep_expect_none(n.outer, EP_QUIET);
}
END_TEST

START_TEST(nested_edge_in_edge_poll_then_one_event)
{
	int sv[2][2];
	struct nest n;
	make_socket_nest(&n, EPOLLIN | EPOLLET, sv);
	ep_poke(sv[0][1]);
	struct pollfd pfd = { .fd = n.outer, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, EP_SOON), 1);
	ep_expect(n.outer, 100, EPOLLIN, 0);
	ep_expect_none(n.outer, 0);
}
END_TEST

START_TEST(nested_edge_in_edge_inner_wait_between_adds_no_edge)
{
	int sv[2][2];
	struct nest n;
	make_socket_nest(&n, EPOLLIN | EPOLLET, sv);
	ep_poke(sv[0][1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
	ep_expect(n.inner, 7, EPOLLIN, 0);
	ep_expect_none(n.outer, 0);
}
END_TEST

START_TEST(nested_level_in_edge_reports_one_write_once)
{
	int sv[2][2];
	struct nest n;
	make_socket_nest(&n, EPOLLIN, sv);
	ep_poke(sv[0][1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
	ep_expect_none(n.outer, 0);
	ep_expect(n.inner, 7, EPOLLIN, 0);
	ep_expect_none(n.outer, 0);
}
END_TEST

/* What the inner's epoll_wait() leaves for later is no new edge. */
static void
inner_wait_leaves_one(uint32_t inner_events)
{
	int sv[2][2];
	struct nest n;
	make_socket_nest(&n, inner_events, sv);
	ep_poke(sv[0][1]);
	ep_poke(sv[1][1]);
	ep_expect(n.outer, 100, EPOLLIN, EP_SOON);
	struct epoll_event ev;
	ck_assert_int_eq(ep_wait(n.inner, &ev, 1, 0), 1);
	ep_expect_none(n.outer, 0);
}

START_TEST(nested_edge_in_edge_inner_leftover_is_no_new_edge)
{
	inner_wait_leaves_one(EPOLLIN | EPOLLET);
}
END_TEST

START_TEST(nested_level_in_edge_inner_leftover_is_no_new_edge)
{
	inner_wait_leaves_one(EPOLLIN);
}
END_TEST

Suite *
ep_nested_suite(void)
{
	Suite *s = suite_create("nested");
	TCase *tc = tcase_create("nested");
	tcase_add_test(tc, nested_ready_inner_reports_in_on_outer);
	tcase_add_test(tc, nested_idle_inner_reports_nothing_on_outer);
	tcase_add_test(tc, nested_epoll_fd_never_reports_out);
	tcase_add_test(tc, nested_outer_wait_does_not_consume_inner_events);
	tcase_add_test(tc, nested_level_outer_reports_repeatedly);
	tcase_add_test(tc, nested_level_outer_stops_once_the_inner_fd_is_drained);
	tcase_add_test(tc, nested_edge_outer_reports_once);
	tcase_add_test(tc, nested_edge_outer_reports_again_on_a_new_inner_event);
	tcase_add_test(tc, nested_inner_readiness_that_went_away_is_not_reported);
	tcase_add_test(tc, nested_unrequested_readiness_does_not_make_inner_ready);
	tcase_add_test(tc, nested_inner_hup_makes_the_outer_report_in);
	tcase_add_test(tc, nested_del_of_inner_stops_the_outer_reporting);
	tcase_add_test(tc, nested_one_inner_in_two_outers);
	tcase_add_test(tc, nested_edge_in_edge_reports_one_write_once);
	tcase_add_test(tc, nested_edge_in_edge_poll_then_one_event);
	tcase_add_test(tc, nested_edge_in_edge_inner_wait_between_adds_no_edge);
	tcase_add_test(tc, nested_level_in_edge_reports_one_write_once);
	tcase_add_test(tc, nested_edge_in_edge_inner_leftover_is_no_new_edge);
	tcase_add_test(tc, nested_level_in_edge_inner_leftover_is_no_new_edge);
	suite_add_tcase(s, tc);
	return s;
}
