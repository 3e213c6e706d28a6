/*
 * EPOLL_CTL_MOD and EPOLL_CTL_DEL, and the zero event mask.
 *
 * ep_modify stores the new mask and data, then polls the file: if it is
 * ready for the new mask the registration is queued -- so MOD "re-arms"
 * an edge-triggered fd that is still ready.  A queued event is recomputed
 * at delivery, so MOD between the event and the wait changes what (and
 * whether) it reports.  A zero mask still gets EPOLLHUP|EPOLLERR added by
 * epoll_ctl, so only those are reported.
 */
#include "config.h"

#include "ep_test.h"

#include <sys/socket.h>
#include <unistd.h>

START_TEST(mod_rearms_a_ready_edge_fd)
{
	/* A ready fd re-armed with MOD is reported again, no new data. */
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, 0);
	ep_mod(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(mod_changes_the_data)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[1], EPOLLOUT, EP_COOKIE(1));
	ep_expect(epfd, EP_COOKIE(1), EPOLLOUT, EP_SOON);
	ep_mod(epfd, p[1], EPOLLOUT, EP_COOKIE(2));
	ep_expect(epfd, EP_COOKIE(2), EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(mod_changes_the_mask_from_in_to_out)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_poke(sv[1]);
	ep_add(epfd, sv[0], EPOLLIN, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_mod(epfd, sv[0], EPOLLOUT, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(mod_adding_a_bit_reports_it)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_add(epfd, sv[0], EPOLLIN, 1);
	ep_expect_none(epfd, 0);
	ep_mod(epfd, sv[0], EPOLLIN | EPOLLOUT, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(mod_removing_the_ready_bit_stops_reports)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_mod(epfd, p[0], EPOLLOUT, 1);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(mod_updates_the_data_of_a_pending_event)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, EP_COOKIE(1));
	ep_poke(p[1]);	/* queued, not yet collected */
	ep_mod(epfd, p[0], EPOLLIN, EP_COOKIE(2));
	ep_expect(epfd, EP_COOKIE(2), EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(mod_removing_the_bit_of_a_pending_event_drops_it)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_poke(p[1]);
	ep_mod(epfd, p[0], EPOLLOUT | EPOLLET, 1);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(mod_level_to_edge)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_mod(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(mod_edge_to_level)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, 0);
	ep_mod(epfd, p[0], EPOLLIN, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(mod_to_request_rdhup_reports_it)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_add(epfd, sv[0], EPOLLIN, 1);
	ck_assert_ok(shutdown(sv[1], SHUT_WR));
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_mod(epfd, sv[0], EPOLLIN | EPOLLRDHUP, 1);
	ep_expect(epfd, 1, EPOLLIN | EPOLLRDHUP, EP_SOON);
}
END_TEST

START_TEST(del_of_a_ready_fd_before_the_wait_reports_nothing)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_poke(p[1]);
	ep_del(epfd, p[0]);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(del_leaves_other_registrations_alone)
{
	int p[2], q[2], epfd = ep_create();
	ekq_make_pipe(p);
	ekq_make_pipe(q);
	ep_add(epfd, p[1], EPOLLOUT, 1);
	ep_add(epfd, q[1], EPOLLOUT, 2);
	ep_del(epfd, p[1]);
	ep_expect(epfd, 2, EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(del_then_add_reports_the_new_data)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[1], EPOLLOUT | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
	ep_del(epfd, p[1]);
	ep_add(epfd, p[1], EPOLLOUT | EPOLLET, 2);
	ep_expect(epfd, 2, EPOLLOUT, EP_SOON);
}
END_TEST

/* ---- the zero mask --------------------------------------------------- */

START_TEST(zero_mask_ready_fd_reports_nothing)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_poke(sv[1]);
	ep_add(epfd, sv[0], 0, 1);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(zero_mask_reports_hup)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ep_add(epfd, p[0], 0, 1);
	ep_expect_none(epfd, 0);
	close(p[1]);
	ep_expect(epfd, 1, EPOLLHUP, EP_SOON);
}
END_TEST

START_TEST(zero_mask_reports_err)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[1], 0, 1);
	ep_expect_none(epfd, 0);
	close(p[0]);
	ep_expect(epfd, 1, EPOLLERR, EP_SOON);
}
END_TEST

START_TEST(zero_mask_ignores_a_half_close)
{
	/* RDHUP is not HUP: a peer's SHUT_WR is not reported. */
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_add(epfd, sv[0], 0, 1);
	ck_assert_ok(shutdown(sv[1], SHUT_WR));
	ep_expect_none(epfd, EP_QUIET);
	ck_assert_ok(shutdown(sv[1], SHUT_RD));
	ep_expect(epfd, 1, EPOLLHUP, EP_SOON);
}
END_TEST

START_TEST(mod_to_zero_mask_reports_only_hup_and_err)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_poke(sv[1]);
	ep_add(epfd, sv[0], EPOLLIN | EPOLLOUT, 1);
	ep_expect(epfd, 1, EPOLLIN | EPOLLOUT, EP_SOON);
	ep_mod(epfd, sv[0], 0, 1);
	ep_expect_none(epfd, EP_QUIET);
	ep_poke(sv[0]);	/* unread by sv[1]: its close will reset sv[0] */
	close(sv[1]);
	ep_expect(epfd, 1, EPOLLHUP | EPOLLERR, EP_SOON);
}
END_TEST

Suite *
ep_modify_suite(void)
{
	Suite *s = suite_create("modify");
	TCase *tc = tcase_create("mod");
	tcase_add_test(tc, mod_rearms_a_ready_edge_fd);
	tcase_add_test(tc, mod_changes_the_data);
	tcase_add_test(tc, mod_changes_the_mask_from_in_to_out);
	tcase_add_test(tc, mod_adding_a_bit_reports_it);
	tcase_add_test(tc, mod_removing_the_ready_bit_stops_reports);
	tcase_add_test(tc, mod_updates_the_data_of_a_pending_event);
	tcase_add_test(tc, mod_removing_the_bit_of_a_pending_event_drops_it);
	tcase_add_test(tc, mod_level_to_edge);
	tcase_add_test(tc, mod_edge_to_level);
	tcase_add_test(tc, mod_to_request_rdhup_reports_it);
	suite_add_tcase(s, tc);

	tc = tcase_create("del");
	tcase_add_test(tc, del_of_a_ready_fd_before_the_wait_reports_nothing);
	tcase_add_test(tc, del_leaves_other_registrations_alone);
	tcase_add_test(tc, del_then_add_reports_the_new_data);
	suite_add_tcase(s, tc);

	tc = tcase_create("zero_mask");
	tcase_add_test(tc, zero_mask_ready_fd_reports_nothing);
	tcase_add_test(tc, zero_mask_reports_hup);
	tcase_add_test(tc, zero_mask_reports_err);
	tcase_add_test(tc, zero_mask_ignores_a_half_close);
	tcase_add_test(tc, mod_to_zero_mask_reports_only_hup_and_err);
	suite_add_tcase(s, tc);
	return s;
}
