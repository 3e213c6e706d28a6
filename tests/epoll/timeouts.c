/*
 * Timeouts.  epoll_wait/epoll_pwait: 0 polls, any negative value blocks
 * forever, a positive one blocks at least that many milliseconds
 * (ep_timeout_to_timespec: an absolute deadline, never early).
 * epoll_pwait2: NULL blocks, {0,0} polls, otherwise at least the timespec,
 * with sub-millisecond resolution; a timespec that is not normalised is
 * EINVAL before the epfd is even looked at.
 */
#include "config.h"

#include "ep_test.h"

#include <limits.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* An instance with one idle pipe (p[1] makes it ready, data 1). */
static int
idle_instance(int p[2])
{
	int epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	return epfd;
}

START_TEST(wait_zero_timeout_returns_at_once)
{
	int p[2], epfd = idle_instance(p);
	struct epoll_event ev;
	long long t0 = ep_now_us();
	ck_assert_int_eq(epoll_wait(epfd, &ev, 1, 0), 0);
	ck_assert_int_lt(ep_now_us() - t0, EP_SOON * 1000LL / 5);
}
END_TEST

START_TEST(wait_positive_timeout_waits_at_least_that_long)
{
	int p[2], epfd = idle_instance(p);
	struct epoll_event ev;
	long long t0 = ep_now_us();
	ck_assert_int_eq(epoll_wait(epfd, &ev, 1, 150), 0);
	ck_assert_int_ge(ep_now_us() - t0, 150000);
}
END_TEST

START_TEST(wait_minus_one_blocks_until_an_event)
{
	int p[2], epfd = idle_instance(p);
	struct ep_poker pk;
	struct epoll_event ev;
	long long t0 = ep_now_us();
	ep_poker_start(&pk, epfd, p[1]);
	ck_assert_int_eq(epoll_wait(epfd, &ev, 1, -1), 1);
	ep_poker_join(&pk);
	ck_assert_int_ge(ep_now_us() - t0, EP_QUIET * 1000LL);
}
END_TEST

START_TEST(wait_any_negative_timeout_blocks_until_an_event)
{
	int p[2], epfd = idle_instance(p);
	struct ep_poker pk;
	struct epoll_event ev;
	long long t0 = ep_now_us();
	ep_poker_start(&pk, epfd, p[1]);
	ck_assert_int_eq(epoll_wait(epfd, &ev, 1, INT_MIN), 1);
	ep_poker_join(&pk);
	ck_assert_int_ge(ep_now_us() - t0, EP_QUIET * 1000LL);
}
END_TEST

START_TEST(wait_returns_early_when_an_event_arrives)
{
	int p[2], epfd = idle_instance(p);
	struct ep_poker pk;
	struct epoll_event ev;
	long long t0 = ep_now_us();
	ep_poker_start(&pk, epfd, p[1]);
	ck_assert_int_eq(epoll_wait(epfd, &ev, 1, 60000), 1);
	ep_poker_join(&pk);
	ck_assert_int_lt(ep_now_us() - t0, EP_SOON * 1000LL);
}
END_TEST

START_TEST(wait_with_a_ready_fd_does_not_wait)
{
	int p[2], epfd = idle_instance(p);
	ep_poke(p[1]);
	struct epoll_event ev;
	long long t0 = ep_now_us();
	ck_assert_int_eq(epoll_wait(epfd, &ev, 1, INT_MAX), 1);
	ck_assert_int_lt(ep_now_us() - t0, EP_SOON * 1000LL / 5);
}
END_TEST

START_TEST(pwait_positive_timeout_waits_at_least_that_long)
{
	int p[2], epfd = idle_instance(p);
	struct epoll_event ev;
	long long t0 = ep_now_us();
	ck_assert_int_eq(epoll_pwait(epfd, &ev, 1, 150, NULL), 0);
	ck_assert_int_ge(ep_now_us() - t0, 150000);
}
END_TEST

START_TEST(pwait2_null_timeout_blocks_until_an_event)
{
	int p[2], epfd = idle_instance(p);
	struct ep_poker pk;
	struct epoll_event ev;
	long long t0 = ep_now_us();
	ep_poker_start(&pk, epfd, p[1]);
	ck_assert_int_eq(epoll_pwait2(epfd, &ev, 1, NULL, NULL), 1);
	ep_poker_join(&pk);
	ck_assert_int_ge(ep_now_us() - t0, EP_QUIET * 1000LL);
}
END_TEST

START_TEST(pwait2_zero_timespec_returns_at_once)
{
	int p[2], epfd = idle_instance(p);
	struct epoll_event ev;
	struct timespec ts = { 0, 0 };
	long long t0 = ep_now_us();
	ck_assert_int_eq(epoll_pwait2(epfd, &ev, 1, &ts, NULL), 0);
	ck_assert_int_lt(ep_now_us() - t0, EP_SOON * 1000LL / 5);
}
END_TEST

START_TEST(pwait2_positive_timespec_waits_at_least_that_long)
{
	int p[2], epfd = idle_instance(p);
	struct epoll_event ev;
	struct timespec ts = { 0, 150 * 1000000L };
	long long t0 = ep_now_us();
	ck_assert_int_eq(epoll_pwait2(epfd, &ev, 1, &ts, NULL), 0);
	ck_assert_int_ge(ep_now_us() - t0, 150000);
}
END_TEST

START_TEST(pwait2_sub_millisecond_timespec_is_not_rounded_to_zero)
{
	int p[2], epfd = idle_instance(p);
	struct epoll_event ev;
	struct timespec ts = { 0, 700 * 1000L };	/* 0.7 ms */
	long long t0 = ep_now_us();
	ck_assert_int_eq(epoll_pwait2(epfd, &ev, 1, &ts, NULL), 0);
	ck_assert_int_ge(ep_now_us() - t0, 700);
}
END_TEST

START_TEST(pwait2_whole_seconds_are_honoured)
{
	int p[2], epfd = idle_instance(p);
	struct epoll_event ev;
	struct timespec ts = { 1, 0 };
	long long t0 = ep_now_us();
	ck_assert_int_eq(epoll_pwait2(epfd, &ev, 1, &ts, NULL), 0);
	ck_assert_int_ge(ep_now_us() - t0, 1000000);
}
END_TEST

START_TEST(pwait2_unnormalised_timespec_fails_with_einval)
{
	int p[2], epfd = idle_instance(p);
	ep_poke(p[1]);	/* even with an event ready */
	struct epoll_event ev;
	struct timespec big = { 0, 1000000000L };
	struct timespec neg_ns = { 0, -1 };
	struct timespec neg_s = { -1, 0 };
	ck_assert_fails_with(epoll_pwait2(epfd, &ev, 1, &big, NULL), EINVAL);
	ck_assert_fails_with(epoll_pwait2(epfd, &ev, 1, &neg_ns, NULL), EINVAL);
	ck_assert_fails_with(epoll_pwait2(epfd, &ev, 1, &neg_s, NULL), EINVAL);
	/* Nothing was consumed. */
	ep_expect(epfd, 1, EPOLLIN, 0);
}
END_TEST

START_TEST(pwait2_timespec_is_checked_before_the_epfd)
{
	struct epoll_event ev;
	struct timespec big = { 0, 1000000000L };
	ck_assert_fails_with(epoll_pwait2(-1, &ev, 1, &big, NULL), EINVAL);
}
END_TEST

Suite *
ep_timeouts_suite(void)
{
	Suite *s = suite_create("timeouts");
	TCase *tc = tcase_create("wait");
	tcase_add_test(tc, wait_zero_timeout_returns_at_once);
	tcase_add_test(tc, wait_positive_timeout_waits_at_least_that_long);
	tcase_add_test(tc, wait_minus_one_blocks_until_an_event);
	tcase_add_test(tc, wait_any_negative_timeout_blocks_until_an_event);
	tcase_add_test(tc, wait_returns_early_when_an_event_arrives);
	tcase_add_test(tc, wait_with_a_ready_fd_does_not_wait);
	tcase_add_test(tc, pwait_positive_timeout_waits_at_least_that_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("pwait2");
	tcase_add_test(tc, pwait2_null_timeout_blocks_until_an_event);
	tcase_add_test(tc, pwait2_zero_timespec_returns_at_once);
	tcase_add_test(tc, pwait2_positive_timespec_waits_at_least_that_long);
	tcase_add_test(tc, pwait2_sub_millisecond_timespec_is_not_rounded_to_zero);
	tcase_add_test(tc, pwait2_whole_seconds_are_honoured);
	tcase_add_test(tc, pwait2_unnormalised_timespec_fails_with_einval);
	tcase_add_test(tc, pwait2_timespec_is_checked_before_the_epfd);
	suite_add_tcase(s, tc);
	return s;
}
