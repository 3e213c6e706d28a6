/*
 * EPOLLONESHOT.  After one delivery Linux clears every event bit of the
 * registration (ep_send_events: events &= EP_PRIVATE_BITS), HUP and ERR
 * included: the fd stays registered but reports nothing until
 * EPOLL_CTL_MOD re-arms it.
 */
#include "config.h"

#include "ep_test.h"

#include <sys/socket.h>
#include <unistd.h>

static int
armed(int p[2], uint32_t extra)
{
	int epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN | EPOLLONESHOT | extra, 1);
	return epfd;
}

START_TEST(oneshot_reports_once)
{
	int p[2], epfd = armed(p, 0);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(oneshot_disarmed_fd_ignores_new_data)
{
	int p[2], epfd = armed(p, 0);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_poke(p[1]);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(oneshot_disarmed_fd_does_not_report_hup)
{
	int p[2], epfd = armed(p, 0);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	close(p[1]);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(oneshot_mod_rearms)
{
	int p[2], epfd = armed(p, 0);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_mod(epfd, p[0], EPOLLIN | EPOLLONESHOT, 2);
	/* Still readable, so reported at once, with the new data; once. */
	ep_expect(epfd, 2, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(oneshot_rearmed_idle_fd_waits_for_the_next_event)
{
	int p[2], epfd = armed(p, 0);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_drain(p[0]);
	ep_mod(epfd, p[0], EPOLLIN | EPOLLONESHOT, 1);
	ep_expect_none(epfd, 0);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(oneshot_disarmed_fd_is_still_registered)
{
	int p[2], epfd = armed(p, 0);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 9 };
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	ep_del(epfd, p[0]);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
}
END_TEST

START_TEST(oneshot_reports_all_ready_bits_in_its_one_event)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_poke(sv[1]);
	ep_add(epfd, sv[0], EPOLLIN | EPOLLOUT | EPOLLONESHOT, 1);
	ep_expect(epfd, 1, EPOLLIN | EPOLLOUT, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(oneshot_with_edge_reports_once)
{
	int p[2], epfd = armed(p, EPOLLET);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_poke(p[1]);
	ep_expect_none(epfd, EP_QUIET);
	ep_mod(epfd, p[0], EPOLLIN | EPOLLET | EPOLLONESHOT, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(oneshot_mod_without_oneshot_makes_it_level)
{
	int p[2], epfd = armed(p, 0);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_mod(epfd, p[0], EPOLLIN, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(oneshot_not_ready_at_add_stays_armed)
{
	/* Arming is not firing: nothing is consumed until an event is. */
	int p[2], epfd = armed(p, 0);
	ep_expect_none(epfd, 0);
	ep_expect_none(epfd, 0);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(oneshot_rearm_with_a_zero_mask_still_reports_hup)
{
	int p[2], epfd = armed(p, 0);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_mod(epfd, p[0], EPOLLONESHOT, 1);
	ep_expect_none(epfd, 0);
	close(p[1]);
	ep_expect(epfd, 1, EPOLLHUP, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

Suite *
ep_oneshot_suite(void)
{
	Suite *s = suite_create("oneshot");
	TCase *tc = tcase_create("oneshot");
	tcase_add_test(tc, oneshot_reports_once);
	tcase_add_test(tc, oneshot_disarmed_fd_ignores_new_data);
	tcase_add_test(tc, oneshot_disarmed_fd_does_not_report_hup);
	tcase_add_test(tc, oneshot_mod_rearms);
	tcase_add_test(tc, oneshot_rearmed_idle_fd_waits_for_the_next_event);
	tcase_add_test(tc, oneshot_disarmed_fd_is_still_registered);
	tcase_add_test(tc, oneshot_reports_all_ready_bits_in_its_one_event);
	tcase_add_test(tc, oneshot_with_edge_reports_once);
	tcase_add_test(tc, oneshot_mod_without_oneshot_makes_it_level);
	tcase_add_test(tc, oneshot_not_ready_at_add_stays_armed);
	tcase_add_test(tc, oneshot_rearm_with_a_zero_mask_still_reports_hup);
	suite_add_tcase(s, tc);
	return s;
}
