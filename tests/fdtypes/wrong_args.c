/*
 * Calls of the fd types given a NULL pointer, or a descriptor of another
 * of the three types: Linux's errno, and the descriptor unchanged.
 * (Non-NULL pointers to inaccessible memory: README's difference.)
 */
#include "config.h"

#include "fd_test.h"

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <unistd.h>

/* NULL, as the compiler cannot see (the headers mark some nonnull). */
static void *volatile null_ptr = NULL;

START_TEST(timerfd_settime_with_a_null_new_value_fails_with_efault)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_fails_with(timerfd_settime(fd, 0, null_ptr, NULL), EFAULT);
	struct itimerspec cur;
	ck_assert_int_eq(timerfd_gettime(fd, &cur), 0);
	ck_assert_int_eq(cur.it_value.tv_sec, 0);
	ck_assert_int_eq(cur.it_value.tv_nsec, 0);
	close(fd);
}
END_TEST

START_TEST(timerfd_gettime_with_a_null_buffer_fails_with_efault)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_fails_with(timerfd_gettime(fd, null_ptr), EFAULT);
	close(fd);
}
END_TEST

START_TEST(timerfd_calls_on_an_eventfd_fail_with_einval)
{
	int fd = eventfd(3, EFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	struct itimerspec its = { .it_value = { 1, 0 } }, cur;
	ck_assert_fails_with(timerfd_settime(fd, 0, &its, NULL), EINVAL);
	ck_assert_fails_with(timerfd_gettime(fd, &cur), EINVAL);
	/* Still the eventfd, counter untouched. */
	ck_assert_uint_eq(fd_read_u64(fd), 3);
	close(fd);
}
END_TEST

START_TEST(signalfd_with_a_null_mask_fails_with_efault)
{
	ck_assert_fails_with(signalfd(-1, null_ptr, 0), EFAULT);
}
END_TEST

START_TEST(signalfd_update_of_an_eventfd_fails_with_einval)
{
	int fd = eventfd(2, EFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ck_assert_fails_with(signalfd(fd, &set, 0), EINVAL);
	ck_assert_uint_eq(fd_read_u64(fd), 2);
	close(fd);
}
END_TEST

START_TEST(timerfd_far_in_the_future_stays_armed_and_quiet)
{
	/* Seconds beyond what nanoseconds in 64 bits can count: armed,
	 * never expiring, gettime far off. */
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	struct itimerspec its = { .it_value = { (time_t)1 << 62, 0 } }, cur;
	ck_assert_int_eq(timerfd_settime(fd, 0, &its, NULL), 0);
	ck_assert_int_eq(fd_poll(fd, POLLIN, 50), 0);
	ck_assert_int_eq(timerfd_gettime(fd, &cur), 0);
	ck_assert_int_gt(cur.it_value.tv_sec, (time_t)1 << 32);
	close(fd);
}
END_TEST

Suite *
fd_wrong_args_suite(void)
{
	Suite *s = suite_create("wrong_args");
	TCase *tc = tcase_create("wrong_args");
	fd_add_hygiene(tc);
	tcase_add_test(tc, timerfd_settime_with_a_null_new_value_fails_with_efault);
	tcase_add_test(tc, timerfd_gettime_with_a_null_buffer_fails_with_efault);
	tcase_add_test(tc, timerfd_calls_on_an_eventfd_fail_with_einval);
	tcase_add_test(tc, signalfd_with_a_null_mask_fails_with_efault);
	tcase_add_test(tc, signalfd_update_of_an_eventfd_fails_with_einval);
	tcase_add_test(tc, timerfd_far_in_the_future_stays_armed_and_quiet);
	suite_add_tcase(s, tc);
	return s;
}
