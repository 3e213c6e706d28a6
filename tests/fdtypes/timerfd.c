/*
 * timerfd(2): creation, its errors and flags, timerfd_settime() and
 * timerfd_gettime() without waiting for anything to fire.  Linux:
 * fs/timerfd.c (timerfd_create, do_timerfd_settime, do_timerfd_gettime,
 * timerfd_read).
 */
#include "config.h"

#include "fd_test.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
tfd(clockid_t clock, int flags)
{
	int fd = timerfd_create(clock, flags);
	ck_assert_msg(fd >= 0, "timerfd_create: %s", strerror(errno));
	return fd;
}

static void
settime_fails(int fd, int flags, long long vs, long vns, long long is,
    long ins, int err)
{
	struct itimerspec its;
	its.it_value.tv_sec = (time_t)vs;
	its.it_value.tv_nsec = vns;
	its.it_interval.tv_sec = (time_t)is;
	its.it_interval.tv_nsec = ins;
	ck_assert_fails_with(timerfd_settime(fd, flags, &its, NULL), err);
}

/* ---- create ------------------------------------------------------------- */

START_TEST(timerfd_create_with_unknown_clock_fails_with_einval)
{
	ck_assert_fails_with(timerfd_create((clockid_t)12345, 0), EINVAL);
}
END_TEST

START_TEST(timerfd_create_with_cputime_clock_fails_with_einval)
{
	ck_assert_fails_with(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0),
	    EINVAL);
}
END_TEST

START_TEST(timerfd_create_with_unknown_flag_fails_with_einval)
{
	int known = TFD_CLOEXEC | TFD_NONBLOCK;
	int bit = 1;
	while (known & bit)
		bit <<= 1;
	ck_assert_fails_with(timerfd_create(CLOCK_MONOTONIC, bit), EINVAL);
}
END_TEST

/*
 * Linux lets only a process with CAP_WAKE_ALARM make a timer that wakes the
 * system (fs/timerfd.c timerfd_create: EPERM without it); the emulation
 * answers as Linux answers a process without it.
 * Where the host has Linux's capset(2), the child drops CAP_WAKE_ALARM
 * (capability 35, include/uapi/linux/capability.h) from its effective
 * set first, so that the case means the same when the tests run as root.
 */
#ifdef SYS_capset
struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
#define CAP_VERSION_3 0x20080522u
#define CAP_WAKE_ALARM_BIT 35

static int
drop_wake_alarm(void)
{
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data d[2];
	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	d[CAP_WAKE_ALARM_BIT / 32].effective &= ~(1u << (CAP_WAKE_ALARM_BIT % 32));
	if (syscall(SYS_capset, &h, d) != 0)
		return -1;
	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	return (d[CAP_WAKE_ALARM_BIT / 32].effective &
	    (1u << (CAP_WAKE_ALARM_BIT % 32))) ? -1 : 0;
}
#else
static int
drop_wake_alarm(void)
{
	return 0;	/* no capabilities to drop */
}
#endif

static int
alarm_clock_child(void *arg)
{
	clockid_t clock = *(clockid_t *)arg;
	if (drop_wake_alarm() != 0)
		return 10;
	errno = 0;
	int fd = timerfd_create(clock, 0);
	if (fd >= 0)
		return 11;
	return errno == EPERM ? 0 : 12;
}

START_TEST(timerfd_create_realtime_alarm_without_cap_wake_alarm_fails_with_eperm)
{
	clockid_t clock = CLOCK_REALTIME_ALARM;
	ck_assert_int_eq(fd_run_child(alarm_clock_child, &clock), 0);
}
END_TEST

START_TEST(timerfd_create_boottime_alarm_without_cap_wake_alarm_fails_with_eperm)
{
	clockid_t clock = CLOCK_BOOTTIME_ALARM;
	ck_assert_int_eq(fd_run_child(alarm_clock_child, &clock), 0);
}
END_TEST

START_TEST(timerfd_cloexec_flag_shows_in_f_getfd)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_CLOEXEC);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
}
END_TEST

START_TEST(timerfd_without_cloexec_flag_has_no_fd_cloexec)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
}
END_TEST

START_TEST(timerfd_nonblock_flag_shows_in_f_getfl)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(fd);
}
END_TEST

START_TEST(timerfd_without_nonblock_flag_is_blocking_in_f_getfl)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
}
END_TEST

START_TEST(timerfd_o_nonblock_set_by_fcntl_makes_read_fail_with_eagain)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	ck_assert_ok(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK));
	uint64_t v;
	ck_assert_fails_with(read(fd, &v, sizeof v), EAGAIN);
	close(fd);
}
END_TEST

/* ---- reads and writes that fail ---------------------------------------- */

START_TEST(timerfd_read_of_new_timer_nonblocking_fails_with_eagain)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	uint64_t v;
	ck_assert_fails_with(read(fd, &v, sizeof v), EAGAIN);
	close(fd);
}
END_TEST

START_TEST(timerfd_read_of_unexpired_timer_nonblocking_fails_with_eagain)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	fd_timer_arm_ms(fd, 10000, 0);
	uint64_t v;
	ck_assert_fails_with(read(fd, &v, sizeof v), EAGAIN);
	close(fd);
}
END_TEST

START_TEST(timerfd_read_with_buffer_under_eight_bytes_fails_with_einval)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	fd_timer_arm_ms(fd, 1, 0);
	ck_assert_int_eq(fd_poll(fd, POLLIN, FD_SOON), POLLIN);
	char buf[7];
	ck_assert_fails_with(read(fd, buf, sizeof buf), EINVAL);
	/* ... and the expiration is still there. */
	ck_assert_uint_eq(fd_read_u64(fd), 1);
	close(fd);
}
END_TEST

START_TEST(timerfd_write_fails_with_einval)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	uint64_t v = 1;
	ck_assert_fails_with(write(fd, &v, sizeof v), EINVAL);
	close(fd);
}
END_TEST

/* ---- settime errors ----------------------------------------------------- */

START_TEST(timerfd_settime_with_nsec_of_a_second_fails_with_einval)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	settime_fails(fd, 0, 1, 1000000000L, 0, 0, EINVAL);
	close(fd);
}
END_TEST

START_TEST(timerfd_settime_with_negative_nsec_fails_with_einval)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	settime_fails(fd, 0, 1, -1, 0, 0, EINVAL);
	close(fd);
}
END_TEST

START_TEST(timerfd_settime_with_negative_sec_fails_with_einval)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	settime_fails(fd, 0, -1, 0, 0, 0, EINVAL);
	close(fd);
}
END_TEST

START_TEST(timerfd_settime_with_bad_interval_nsec_fails_with_einval)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	settime_fails(fd, 0, 1, 0, 0, 1000000000L, EINVAL);
	close(fd);
}
END_TEST

START_TEST(timerfd_settime_with_negative_interval_fails_with_einval)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	settime_fails(fd, 0, 1, 0, -1, 0, EINVAL);
	close(fd);
}
END_TEST

START_TEST(timerfd_settime_with_unknown_flag_fails_with_einval)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	int known = TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET;
	int bit = 1;
	while (known & bit)
		bit <<= 1;
	settime_fails(fd, bit, 1, 0, 0, 0, EINVAL);
	close(fd);
}
END_TEST

START_TEST(timerfd_settime_einval_leaves_the_timer_as_it_was)
{
	int fd = tfd(CLOCK_MONOTONIC, TFD_NONBLOCK);
	fd_timer_arm_ms(fd, 10000, 3000);
	settime_fails(fd, 0, 1, 1000000000L, 0, 0, EINVAL);
	struct itimerspec cur;
	ck_assert_int_eq(timerfd_gettime(fd, &cur), 0);
	ck_assert_int_gt(fd_ts_to_ms(cur.it_value), 5000);
	ck_assert_int_eq(fd_ts_to_ms(cur.it_interval), 3000);
	close(fd);
}
END_TEST

START_TEST(timerfd_settime_on_a_pipe_fails_with_einval)
{
	int p[2];
	ekq_make_pipe(p);
	settime_fails(p[0], 0, 1, 0, 0, 0, EINVAL);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(timerfd_gettime_on_a_pipe_fails_with_einval)
{
	int p[2];
	ekq_make_pipe(p);
	struct itimerspec cur;
	ck_assert_fails_with(timerfd_gettime(p[0], &cur), EINVAL);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(timerfd_settime_on_a_closed_descriptor_fails_with_ebadf)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	close(fd);
	settime_fails(fd, 0, 1, 0, 0, 0, EBADF);
}
END_TEST

START_TEST(timerfd_gettime_on_a_closed_descriptor_fails_with_ebadf)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	close(fd);
	struct itimerspec cur;
	ck_assert_fails_with(timerfd_gettime(fd, &cur), EBADF);
}
END_TEST

/* ---- gettime / settime's old value -------------------------------------- */

START_TEST(timerfd_new_timer_is_disarmed_in_gettime)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	struct itimerspec cur;
	memset(&cur, 0xff, sizeof cur);
	ck_assert_int_eq(timerfd_gettime(fd, &cur), 0);
	ck_assert_int_eq(fd_ts_to_ms(cur.it_value), 0);
	ck_assert_int_eq(cur.it_value.tv_nsec, 0);
	ck_assert_int_eq(fd_ts_to_ms(cur.it_interval), 0);
	close(fd);
}
END_TEST

START_TEST(timerfd_gettime_reports_the_remaining_time)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	fd_timer_arm_ms(fd, 10000, 0);
	struct itimerspec cur;
	ck_assert_int_eq(timerfd_gettime(fd, &cur), 0);
	long long ms = fd_ts_to_ms(cur.it_value);
	ck_assert_int_le(ms, 10000);
	ck_assert_int_gt(ms, 5000);
	close(fd);
}
END_TEST

START_TEST(timerfd_gettime_reports_the_interval)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	fd_timer_arm_ms(fd, 10000, 2500);
	struct itimerspec cur;
	ck_assert_int_eq(timerfd_gettime(fd, &cur), 0);
	ck_assert_int_eq(cur.it_interval.tv_sec, 2);
	ck_assert_int_eq(cur.it_interval.tv_nsec, 500000000L);
	close(fd);
}
END_TEST

START_TEST(timerfd_gettime_remaining_time_decreases)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	fd_timer_arm_ms(fd, 10000, 0);
	struct itimerspec a, b;
	ck_assert_int_eq(timerfd_gettime(fd, &a), 0);
	long long start = ekq_now_ms();
	while (ekq_now_ms() - start < 20)
		(void)fd_poll(fd, POLLIN, 20);
	ck_assert_int_eq(timerfd_gettime(fd, &b), 0);
	ck_assert_int_le(fd_ts_to_ms(b.it_value), fd_ts_to_ms(a.it_value) - 20);
	close(fd);
}
END_TEST

START_TEST(timerfd_settime_returns_the_old_value)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	fd_timer_arm_ms(fd, 10000, 1500);
	struct itimerspec its, old;
	its.it_value = fd_ts_ms(20000);
	its.it_interval = fd_ts_ms(0);
	memset(&old, 0, sizeof old);
	ck_assert_int_eq(timerfd_settime(fd, 0, &its, &old), 0);
	long long ms = fd_ts_to_ms(old.it_value);
	ck_assert_int_le(ms, 10000);
	ck_assert_int_gt(ms, 5000);
	ck_assert_int_eq(fd_ts_to_ms(old.it_interval), 1500);
	close(fd);
}
END_TEST

START_TEST(timerfd_settime_old_value_of_a_disarmed_timer_is_zero)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	struct itimerspec its, old;
	its.it_value = fd_ts_ms(10000);
	its.it_interval = fd_ts_ms(0);
	memset(&old, 0xff, sizeof old);
	ck_assert_int_eq(timerfd_settime(fd, 0, &its, &old), 0);
	ck_assert_int_eq(old.it_value.tv_sec, 0);
	ck_assert_int_eq(old.it_value.tv_nsec, 0);
	ck_assert_int_eq(old.it_interval.tv_sec, 0);
	ck_assert_int_eq(old.it_interval.tv_nsec, 0);
	close(fd);
}
END_TEST

START_TEST(timerfd_settime_with_zero_value_disarms_in_gettime)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	fd_timer_arm_ms(fd, 10000, 1000);
	fd_timer_arm_ms(fd, 0, 0);
	struct itimerspec cur;
	ck_assert_int_eq(timerfd_gettime(fd, &cur), 0);
	ck_assert_int_eq(cur.it_value.tv_sec, 0);
	ck_assert_int_eq(cur.it_value.tv_nsec, 0);
	close(fd);
}
END_TEST

START_TEST(timerfd_gettime_of_abstime_timer_is_relative)
{
	int fd = tfd(CLOCK_MONOTONIC, 0);
	struct itimerspec its;
	its.it_value = fd_ts_ms(fd_clock_ms(CLOCK_MONOTONIC) + 10000);
	its.it_interval = fd_ts_ms(0);
	ck_assert_int_eq(timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL), 0);
	struct itimerspec cur;
	ck_assert_int_eq(timerfd_gettime(fd, &cur), 0);
	long long ms = fd_ts_to_ms(cur.it_value);
	ck_assert_int_le(ms, 10000);
	ck_assert_int_gt(ms, 5000);
	close(fd);
}
END_TEST

Suite *
fd_timerfd_suite(void)
{
	Suite *s = suite_create("timerfd");
	TCase *tc = tcase_create("create");
	fd_add_hygiene(tc);
	tcase_add_test(tc, timerfd_create_with_unknown_clock_fails_with_einval);
	tcase_add_test(tc, timerfd_create_with_cputime_clock_fails_with_einval);
	tcase_add_test(tc, timerfd_create_with_unknown_flag_fails_with_einval);
	tcase_add_test(tc, timerfd_create_realtime_alarm_without_cap_wake_alarm_fails_with_eperm);
	tcase_add_test(tc, timerfd_create_boottime_alarm_without_cap_wake_alarm_fails_with_eperm);
	tcase_add_test(tc, timerfd_cloexec_flag_shows_in_f_getfd);
	tcase_add_test(tc, timerfd_without_cloexec_flag_has_no_fd_cloexec);
	tcase_add_test(tc, timerfd_nonblock_flag_shows_in_f_getfl);
	tcase_add_test(tc, timerfd_without_nonblock_flag_is_blocking_in_f_getfl);
	tcase_add_test(tc, timerfd_o_nonblock_set_by_fcntl_makes_read_fail_with_eagain);
	suite_add_tcase(s, tc);

	tc = tcase_create("io_errors");
	fd_add_hygiene(tc);
	tcase_add_test(tc, timerfd_read_of_new_timer_nonblocking_fails_with_eagain);
	tcase_add_test(tc, timerfd_read_of_unexpired_timer_nonblocking_fails_with_eagain);
	tcase_add_test(tc, timerfd_read_with_buffer_under_eight_bytes_fails_with_einval);
	tcase_add_test(tc, timerfd_write_fails_with_einval);
	suite_add_tcase(s, tc);

	tc = tcase_create("settime_errors");
	fd_add_hygiene(tc);
	tcase_add_test(tc, timerfd_settime_with_nsec_of_a_second_fails_with_einval);
	tcase_add_test(tc, timerfd_settime_with_negative_nsec_fails_with_einval);
	tcase_add_test(tc, timerfd_settime_with_negative_sec_fails_with_einval);
	tcase_add_test(tc, timerfd_settime_with_bad_interval_nsec_fails_with_einval);
	tcase_add_test(tc, timerfd_settime_with_negative_interval_fails_with_einval);
	tcase_add_test(tc, timerfd_settime_with_unknown_flag_fails_with_einval);
	tcase_add_test(tc, timerfd_settime_einval_leaves_the_timer_as_it_was);
	tcase_add_test(tc, timerfd_settime_on_a_pipe_fails_with_einval);
	tcase_add_test(tc, timerfd_gettime_on_a_pipe_fails_with_einval);
	tcase_add_test(tc, timerfd_settime_on_a_closed_descriptor_fails_with_ebadf);
	tcase_add_test(tc, timerfd_gettime_on_a_closed_descriptor_fails_with_ebadf);
	suite_add_tcase(s, tc);

	tc = tcase_create("gettime");
	fd_add_hygiene(tc);
	tcase_add_test(tc, timerfd_new_timer_is_disarmed_in_gettime);
	tcase_add_test(tc, timerfd_gettime_reports_the_remaining_time);
	tcase_add_test(tc, timerfd_gettime_reports_the_interval);
	tcase_add_test(tc, timerfd_gettime_remaining_time_decreases);
	tcase_add_test(tc, timerfd_settime_returns_the_old_value);
	tcase_add_test(tc, timerfd_settime_old_value_of_a_disarmed_timer_is_zero);
	tcase_add_test(tc, timerfd_settime_with_zero_value_disarms_in_gettime);
	tcase_add_test(tc, timerfd_gettime_of_abstime_timer_is_relative);
	suite_add_tcase(s, tc);
	return s;
}
