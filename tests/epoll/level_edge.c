/*
 * Level- vs edge-triggered.  Linux (fs/eventpoll.c: ep_send_events) re-polls
 * every queued fd when it delivers: the mask reported is the fd's whole
 * current readiness (masked by the registration), and an fd whose readiness
 * vanished before the wait is not reported at all.  A level-triggered fd is
 * queued again after delivery; an edge-triggered one only on the next wakeup
 * from the file (for a pipe reader: every write; for a pipe writer: room
 * freed in a full pipe; for a socket: any state change).
 */
#include "config.h"

#include "ep_test.h"

#include <sys/socket.h>
#include <unistd.h>

START_TEST(level_readable_pipe_is_reported_on_every_wait)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_poke(p[1]);
	for (int i = 0; i < 3; i++)
		ep_expect(epfd, 1, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(level_stops_reporting_once_drained)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_drain(p[0]);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(level_writable_pipe_is_reported_on_every_wait)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[1], EPOLLOUT, 1);
	for (int i = 0; i < 3; i++)
		ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(level_hup_is_reported_on_every_wait)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	close(p[1]);
	for (int i = 0; i < 3; i++)
		ep_expect(epfd, 1, EPOLLHUP, EP_SOON);
}
END_TEST

START_TEST(level_readiness_gone_before_the_wait_is_not_reported)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_poke(p[1]);
	ep_drain(p[0]);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(edge_readable_pipe_is_reported_once)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(edge_new_data_reports_again_without_reading)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(edge_partial_read_does_not_report_again)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ekq_write_all(p[1], "abc", 3);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	char c;
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	if (ep_differs("diff-et-pipe-partial-read")) {
		/* The read freed PIPE_BUF bytes and more: it may wake the read
		 * knote once more (README).  If so, as the same EPOLLIN, and
		 * nothing after that without new data. */
		struct epoll_event ev[2];
		int n = ep_wait(epfd, ev, 2, EP_QUIET);
		ck_assert_int_le(n, 1);
		if (n == 1) {
			ck_assert(ev[0].data.u64 == 1);
			ck_assert_mask(ev[0].events, EPOLLIN);
		}
	}
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(edge_reports_again_after_drain_and_new_data)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_drain(p[0]);
	ep_expect_none(epfd, 0);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(edge_fd_ready_at_add_is_reported_once)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(edge_writable_pipe_is_reported_once)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[1], EPOLLOUT | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(edge_write_end_reports_again_when_a_full_pipe_is_drained)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[1], EPOLLOUT | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
	ekq_fill(p[1]);
	ep_expect_none(epfd, 0);
	ep_drain(p[0]);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(edge_hup_is_reported_once)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	close(p[1]);
	ep_expect(epfd, 1, EPOLLHUP, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(edge_readiness_gone_before_the_wait_is_not_reported)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_poke(p[1]);
	ep_drain(p[0]);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(edge_socket_each_write_reports_again)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_add(epfd, sv[0], EPOLLIN | EPOLLET, 1);
	ep_poke(sv[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_poke(sv[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(edge_socket_event_reports_the_whole_current_mask)
{
	/* Registered for IN|OUT, edge: the initial OUT is consumed; data
	 * arriving later is reported as IN|OUT, not as IN alone. */
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_add(epfd, sv[0], EPOLLIN | EPOLLOUT | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
	ep_expect_none(epfd, 0);
	ep_poke(sv[1]);
	ep_expect(epfd, 1, EPOLLIN | EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(edge_socket_peer_close_is_reported_once)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_add(epfd, sv[0], EPOLLIN | EPOLLRDHUP | EPOLLET, 1);
	ep_expect_none(epfd, 0);
	close(sv[1]);
	ep_expect(epfd, 1, EPOLLIN | EPOLLRDHUP | EPOLLHUP, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(edge_and_level_in_two_instances_are_independent)
{
	int p[2], lt = ep_create(), et = ep_create();
	ekq_make_pipe(p);
	ep_add(lt, p[0], EPOLLIN, 1);
	ep_add(et, p[0], EPOLLIN | EPOLLET, 2);
	ep_poke(p[1]);
	ep_expect(et, 2, EPOLLIN, EP_SOON);
	ep_expect(lt, 1, EPOLLIN, EP_SOON);
	ep_expect_none(et, 0);
	ep_expect(lt, 1, EPOLLIN, EP_SOON);
}
END_TEST

/*
 * One wakeup, one report: a descriptor that is readable and writable when
 * it is added edge-triggered for both is reported once, also when
 * epoll_wait() takes a single event at a time.
 */
START_TEST(edge_in_out_is_reported_once_one_event_at_a_time)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_poke(sv[1]);
	int epfd = ep_create();
	ep_add(epfd, sv[0], EPOLLIN | EPOLLOUT | EPOLLET, 1);
	struct epoll_event ev;
	ck_assert_int_eq(ep_wait(epfd, &ev, 1, EP_SOON), 1);
	ck_assert_mask(ev.events, EPOLLIN | EPOLLOUT);
	ck_assert_int_eq(ep_wait(epfd, &ev, 1, EP_QUIET), 0);
}
END_TEST

/* Readiness held back for want of room is looked at again when it is
 * finally returned: gone by then, it is not reported. */
START_TEST(edge_readiness_gone_before_its_turn_is_not_reported)
{
	int p1[2], p2[2];
	ekq_make_pipe(p1);
	ekq_make_pipe(p2);
	int epfd = ep_create();
	ep_add(epfd, p1[0], EPOLLIN | EPOLLET, 1);
	ep_add(epfd, p2[0], EPOLLIN | EPOLLET, 2);
	ep_poke(p1[1]);
	ep_poke(p2[1]);
	struct epoll_event ev;
	ck_assert_int_eq(ep_wait(epfd, &ev, 1, EP_SOON), 1);
	/* Drain the one not returned yet. */
	ep_drain(ev.data.u64 == 1 ? p2[0] : p1[0]);
	ck_assert_int_eq(ep_wait(epfd, &ev, 1, EP_QUIET), 0);
}
END_TEST

Suite *
ep_level_edge_suite(void)
{
	Suite *s = suite_create("level_edge");
	TCase *tc = tcase_create("level");
	tcase_add_test(tc, level_readable_pipe_is_reported_on_every_wait);
	tcase_add_test(tc, level_stops_reporting_once_drained);
	tcase_add_test(tc, level_writable_pipe_is_reported_on_every_wait);
	tcase_add_test(tc, level_hup_is_reported_on_every_wait);
	tcase_add_test(tc, level_readiness_gone_before_the_wait_is_not_reported);
	suite_add_tcase(s, tc);

	tc = tcase_create("edge");
	tcase_add_test(tc, edge_readable_pipe_is_reported_once);
	tcase_add_test(tc, edge_new_data_reports_again_without_reading);
	tcase_add_test(tc, edge_reports_again_after_drain_and_new_data);
	tcase_add_test(tc, edge_fd_ready_at_add_is_reported_once);
	tcase_add_test(tc, edge_writable_pipe_is_reported_once);
	tcase_add_test(tc, edge_write_end_reports_again_when_a_full_pipe_is_drained);
	tcase_add_test(tc, edge_hup_is_reported_once);
	tcase_add_test(tc, edge_readiness_gone_before_the_wait_is_not_reported);
	tcase_add_test(tc, edge_socket_each_write_reports_again);
	tcase_add_test(tc, edge_socket_event_reports_the_whole_current_mask);
	tcase_add_test(tc, edge_socket_peer_close_is_reported_once);
	tcase_add_test(tc, edge_and_level_in_two_instances_are_independent);
	tcase_add_test(tc, edge_in_out_is_reported_once_one_event_at_a_time);
	tcase_add_test(tc, edge_readiness_gone_before_its_turn_is_not_reported);
	suite_add_tcase(s, tc);
	/* README: a BSD pipe wakes its read knote when a read frees space;
	 * where that row says so, the case allows that one wakeup. */
	tc = tcase_create("edge_pipe_partial_read");
	tcase_set_tags(tc, "diff-et-pipe-partial-read");
	tcase_add_test(tc, edge_partial_read_does_not_report_again);
	suite_add_tcase(s, tc);
	return s;
}
