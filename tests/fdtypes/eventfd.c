/*
 * eventfd(2): an 8-byte counter.  read() returns it and resets it to zero
 * (EFD_SEMAPHORE: returns 1 and decrements); write() adds to it, up to
 * 0xfffffffffffffffe; readable while non-zero, writable while a write of 1
 * would fit.  Linux: fs/eventfd.c (eventfd_read, eventfd_write,
 * eventfd_poll, do_eventfd).
 */
#include "config.h"

#include "fd_test.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

static int
efd(unsigned int initval, int flags)
{
	int fd = eventfd(initval, flags);
	ck_assert_msg(fd >= 0, "eventfd: %s", strerror(errno));
	return fd;
}

/* ---- the counter -------------------------------------------------------- */

START_TEST(eventfd_initval_is_read_back)
{
	int fd = efd(5, EFD_NONBLOCK);
	ck_assert_uint_eq(fd_read_u64(fd), 5);
	close(fd);
}
END_TEST

START_TEST(eventfd_largest_initval_is_read_back)
{
	int fd = efd(0xffffffffu, EFD_NONBLOCK);
	ck_assert_uint_eq(fd_read_u64(fd), 0xffffffffu);
	close(fd);
}
END_TEST

START_TEST(eventfd_writes_add_to_the_counter)
{
	int fd = efd(0, EFD_NONBLOCK);
	fd_write_u64(fd, 3);
	fd_write_u64(fd, 4);
	ck_assert_uint_eq(fd_read_u64(fd), 7);
	close(fd);
}
END_TEST

START_TEST(eventfd_write_adds_to_initval)
{
	int fd = efd(10, EFD_NONBLOCK);
	fd_write_u64(fd, 32);
	ck_assert_uint_eq(fd_read_u64(fd), 42);
	close(fd);
}
END_TEST

START_TEST(eventfd_read_resets_the_counter_to_zero)
{
	int fd = efd(0, EFD_NONBLOCK);
	fd_write_u64(fd, 9);
	ck_assert_uint_eq(fd_read_u64(fd), 9);
	uint64_t v;
	ck_assert_fails_with(read(fd, &v, sizeof v), EAGAIN);
	close(fd);
}
END_TEST

START_TEST(eventfd_read_of_empty_nonblocking_fails_with_eagain)
{
	int fd = efd(0, EFD_NONBLOCK);
	uint64_t v;
	ck_assert_fails_with(read(fd, &v, sizeof v), EAGAIN);
	close(fd);
}
END_TEST

START_TEST(eventfd_read_with_larger_buffer_returns_eight_bytes)
{
	int fd = efd(6, EFD_NONBLOCK);
	uint64_t buf[2] = { 0, 0xdeadbeef };
	ck_assert_int_eq(read(fd, buf, sizeof buf), 8);
	ck_assert_uint_eq(buf[0], 6);
	ck_assert_uint_eq(buf[1], 0xdeadbeef);
	close(fd);
}
END_TEST

START_TEST(eventfd_read_with_buffer_under_eight_bytes_fails_with_einval)
{
	int fd = efd(6, EFD_NONBLOCK);
	char buf[7];
	ck_assert_fails_with(read(fd, buf, sizeof buf), EINVAL);
	/* ... and changes nothing. */
	ck_assert_uint_eq(fd_read_u64(fd), 6);
	close(fd);
}
END_TEST

START_TEST(eventfd_write_with_buffer_under_eight_bytes_fails_with_einval)
{
	int fd = efd(6, EFD_NONBLOCK);
	char buf[7] = { 1, 1, 1, 1, 1, 1, 1 };
	ck_assert_fails_with(write(fd, buf, sizeof buf), EINVAL);
	ck_assert_uint_eq(fd_read_u64(fd), 6);
	close(fd);
}
END_TEST

START_TEST(eventfd_write_of_all_ones_fails_with_einval)
{
	int fd = efd(2, EFD_NONBLOCK);
	uint64_t v = UINT64_C(0xffffffffffffffff);
	ck_assert_fails_with(write(fd, &v, sizeof v), EINVAL);
	ck_assert_uint_eq(fd_read_u64(fd), 2);
	close(fd);
}
END_TEST

START_TEST(eventfd_write_of_zero_leaves_it_unreadable)
{
	int fd = efd(0, EFD_NONBLOCK);
	fd_write_u64(fd, 0);
	ck_assert_int_eq(fd_poll(fd, POLLIN, 0), 0);
	uint64_t v;
	ck_assert_fails_with(read(fd, &v, sizeof v), EAGAIN);
	close(fd);
}
END_TEST

START_TEST(eventfd_write_up_to_the_maximum_succeeds)
{
	int fd = efd(0, EFD_NONBLOCK);
	fd_write_u64(fd, FD_EVENTFD_MAX);
	ck_assert_uint_eq(fd_read_u64(fd), FD_EVENTFD_MAX);
	close(fd);
}
END_TEST

START_TEST(eventfd_write_past_the_maximum_nonblocking_fails_with_eagain)
{
	int fd = efd(0, EFD_NONBLOCK);
	fd_write_u64(fd, FD_EVENTFD_MAX);
	uint64_t one = 1;
	ck_assert_fails_with(write(fd, &one, sizeof one), EAGAIN);
	ck_assert_uint_eq(fd_read_u64(fd), FD_EVENTFD_MAX);
	close(fd);
}
END_TEST

START_TEST(eventfd_large_write_past_the_maximum_fails_with_eagain)
{
	int fd = efd(10, EFD_NONBLOCK);
	uint64_t v = FD_EVENTFD_MAX - 9;	/* 10 + v = max + 1 */
	ck_assert_fails_with(write(fd, &v, sizeof v), EAGAIN);
	ck_assert_uint_eq(fd_read_u64(fd), 10);
	close(fd);
}
END_TEST

static void
read_it(void *arg)
{
	uint64_t v;
	(void)read(*(int *)arg, &v, sizeof v);
}

static void
write_one(void *arg)
{
	uint64_t v = 1;
	(void)write(*(int *)arg, &v, sizeof v);
}

START_TEST(eventfd_blocking_write_past_the_maximum_waits_for_a_read)
{
	int fd = efd(0, 0);
	fd_write_u64(fd, FD_EVENTFD_MAX);
	struct fd_later l;
	long long start = ekq_now_ms();
	/* The counter stays full (not writable) until the thread reads it. */
	fd_later_start(&l, fd, POLLOUT, read_it, &fd);
	fd_write_u64(fd, 1);
	ck_assert_int_ge(ekq_now_ms() - start, FD_QUIET);
	fd_later_join(&l);
	ck_assert_uint_eq(fd_read_u64(fd), 1);
	close(fd);
}
END_TEST

START_TEST(eventfd_blocking_read_waits_for_a_write)
{
	int fd = efd(0, 0);
	struct fd_later l;
	long long start = ekq_now_ms();
	fd_later_start(&l, fd, POLLIN, write_one, &fd);
	ck_assert_uint_eq(fd_read_u64(fd), 1);
	ck_assert_int_ge(ekq_now_ms() - start, FD_QUIET);
	fd_later_join(&l);
	close(fd);
}
END_TEST

START_TEST(eventfd_blocking_read_returns_at_once_when_counter_is_set)
{
	int fd = efd(4, 0);
	ck_assert_uint_eq(fd_read_u64(fd), 4);
	close(fd);
}
END_TEST

/* ---- EFD_SEMAPHORE ----------------------------------------------------- */

START_TEST(eventfd_semaphore_read_returns_one)
{
	int fd = efd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	ck_assert_uint_eq(fd_read_u64(fd), 1);
	close(fd);
}
END_TEST

START_TEST(eventfd_semaphore_read_decrements_by_one)
{
	int fd = efd(0, EFD_SEMAPHORE | EFD_NONBLOCK);
	fd_write_u64(fd, 3);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(fd_read_u64(fd), 1);
	uint64_t v;
	ck_assert_fails_with(read(fd, &v, sizeof v), EAGAIN);
	close(fd);
}
END_TEST

START_TEST(eventfd_semaphore_stays_readable_until_zero)
{
	int fd = efd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	(void)fd_read_u64(fd);
	ck_assert_int_eq(fd_poll(fd, POLLIN, 0), POLLIN);
	(void)fd_read_u64(fd);
	ck_assert_int_eq(fd_poll(fd, POLLIN, 0), 0);
	close(fd);
}
END_TEST

START_TEST(eventfd_semaphore_read_of_empty_nonblocking_fails_with_eagain)
{
	int fd = efd(0, EFD_SEMAPHORE | EFD_NONBLOCK);
	uint64_t v;
	ck_assert_fails_with(read(fd, &v, sizeof v), EAGAIN);
	close(fd);
}
END_TEST

/* ---- readiness ---------------------------------------------------------- */

START_TEST(eventfd_empty_is_writable_not_readable_in_poll)
{
	int fd = efd(0, EFD_NONBLOCK);
	ck_assert_int_eq(fd_poll(fd, POLLIN | POLLOUT, 0), POLLOUT);
	close(fd);
}
END_TEST

START_TEST(eventfd_with_count_is_readable_and_writable_in_poll)
{
	int fd = efd(1, EFD_NONBLOCK);
	ck_assert_int_eq(fd_poll(fd, POLLIN | POLLOUT, 0), POLLIN | POLLOUT);
	close(fd);
}
END_TEST

START_TEST(eventfd_one_below_the_maximum_is_writable_in_poll)
{
	int fd = efd(0, EFD_NONBLOCK);
	fd_write_u64(fd, FD_EVENTFD_MAX - 1);
	ck_assert_int_eq(fd_poll(fd, POLLOUT, 0), POLLOUT);
	close(fd);
}
END_TEST

START_TEST(eventfd_at_the_maximum_is_not_writable_in_poll)
{
	int fd = efd(0, EFD_NONBLOCK);
	fd_write_u64(fd, FD_EVENTFD_MAX);
	ck_assert_int_eq(fd_poll(fd, POLLIN | POLLOUT, 0), POLLIN);
	close(fd);
}
END_TEST

START_TEST(eventfd_at_the_maximum_is_not_writable_in_epoll)
{
	int fd = efd(0, EFD_NONBLOCK);
	fd_write_u64(fd, FD_EVENTFD_MAX);
	ck_assert_uint_eq(fd_epoll_mask(fd, EPOLLIN | EPOLLOUT, 0), EPOLLIN);
	close(fd);
}
END_TEST

START_TEST(eventfd_empty_is_writable_in_epoll)
{
	int fd = efd(0, EFD_NONBLOCK);
	ck_assert_uint_eq(fd_epoll_mask(fd, EPOLLIN | EPOLLOUT, 0), EPOLLOUT);
	close(fd);
}
END_TEST

START_TEST(eventfd_with_count_is_readable_in_epoll)
{
	int fd = efd(0, EFD_NONBLOCK);
	fd_write_u64(fd, 1);
	ck_assert_uint_eq(fd_epoll_mask(fd, EPOLLIN, 0), EPOLLIN);
	close(fd);
}
END_TEST

START_TEST(eventfd_after_read_is_not_readable_in_epoll)
{
	int fd = efd(1, EFD_NONBLOCK);
	(void)fd_read_u64(fd);
	ck_assert_uint_eq(fd_epoll_mask(fd, EPOLLIN, FD_QUIET), 0);
	close(fd);
}
END_TEST

START_TEST(eventfd_read_makes_a_full_counter_writable_again)
{
	int fd = efd(0, EFD_NONBLOCK);
	fd_write_u64(fd, FD_EVENTFD_MAX);
	(void)fd_read_u64(fd);
	ck_assert_uint_eq(fd_epoll_mask(fd, EPOLLIN | EPOLLOUT, 0), EPOLLOUT);
	close(fd);
}
END_TEST

/* ---- eventfd_read / eventfd_write --------------------------------------- */

START_TEST(eventfd_write_function_adds_to_the_counter)
{
	int fd = efd(1, EFD_NONBLOCK);
	ck_assert_int_eq(eventfd_write(fd, 41), 0);
	ck_assert_uint_eq(fd_read_u64(fd), 42);
	close(fd);
}
END_TEST

START_TEST(eventfd_read_function_returns_the_counter)
{
	int fd = efd(0, EFD_NONBLOCK);
	fd_write_u64(fd, 17);
	eventfd_t v = 0;
	ck_assert_int_eq(eventfd_read(fd, &v), 0);
	ck_assert_uint_eq(v, 17);
	close(fd);
}
END_TEST

START_TEST(eventfd_read_function_of_empty_nonblocking_fails_with_eagain)
{
	int fd = efd(0, EFD_NONBLOCK);
	eventfd_t v;
	ck_assert_fails_with(eventfd_read(fd, &v), EAGAIN);
	close(fd);
}
END_TEST

START_TEST(eventfd_write_function_past_the_maximum_fails_with_eagain)
{
	int fd = efd(0, EFD_NONBLOCK);
	ck_assert_int_eq(eventfd_write(fd, FD_EVENTFD_MAX), 0);
	ck_assert_fails_with(eventfd_write(fd, 1), EAGAIN);
	close(fd);
}
END_TEST

/* glibc's eventfd_read()/eventfd_write() are read()/write() of 8 bytes,
 * whatever the descriptor is. */
START_TEST(eventfd_read_and_write_functions_work_on_a_pipe)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(eventfd_write(p[1], 0x0102030405060708ULL), 0);
	eventfd_t v = 0;
	ck_assert_int_eq(eventfd_read(p[0], &v), 0);
	ck_assert_uint_eq(v, 0x0102030405060708ULL);
	close(p[1]);
	ck_assert_int_eq(eventfd_read(p[0], &v), -1);
	close(p[0]);
}
END_TEST

/* ---- flags -------------------------------------------------------------- */

START_TEST(eventfd_cloexec_flag_shows_in_f_getfd)
{
	int fd = efd(0, EFD_CLOEXEC);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
}
END_TEST

START_TEST(eventfd_without_cloexec_flag_has_no_fd_cloexec)
{
	int fd = efd(0, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	close(fd);
}
END_TEST

START_TEST(eventfd_nonblock_flag_shows_in_f_getfl)
{
	int fd = efd(0, EFD_NONBLOCK);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(fd);
}
END_TEST

START_TEST(eventfd_without_nonblock_flag_is_blocking_in_f_getfl)
{
	int fd = efd(0, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
}
END_TEST

START_TEST(eventfd_is_open_for_reading_and_writing)
{
	int fd = efd(0, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(fd);
}
END_TEST

START_TEST(eventfd_o_nonblock_set_by_fcntl_makes_empty_read_fail_with_eagain)
{
	int fd = efd(0, 0);
	ck_assert_ok(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK));
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	uint64_t v;
	ck_assert_fails_with(read(fd, &v, sizeof v), EAGAIN);
	close(fd);
}
END_TEST

START_TEST(eventfd_fd_cloexec_set_by_fcntl_shows_in_f_getfd)
{
	int fd = efd(0, 0);
	ck_assert_ok(fcntl(fd, F_SETFD, FD_CLOEXEC));
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fd);
}
END_TEST

START_TEST(eventfd_unknown_flag_fails_with_einval)
{
	int known = EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE;
	int bit = 1;
	while (known & bit)
		bit <<= 1;
	ck_assert_fails_with(eventfd(0, bit), EINVAL);
}
END_TEST

START_TEST(eventfd_close_frees_the_descriptor)
{
	int fd = efd(0, 0);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_fails_with(fcntl(fd, F_GETFD), EBADF);
}
END_TEST

START_TEST(eventfds_are_independent)
{
	int a = efd(0, EFD_NONBLOCK), b = efd(0, EFD_NONBLOCK);
	fd_write_u64(a, 2);
	uint64_t v;
	ck_assert_fails_with(read(b, &v, sizeof v), EAGAIN);
	ck_assert_uint_eq(fd_read_u64(a), 2);
	close(a);
	close(b);
}
END_TEST

Suite *
fd_eventfd_suite(void)
{
	Suite *s = suite_create("eventfd");
	TCase *tc = tcase_create("counter");
	fd_add_hygiene(tc);
	tcase_add_test(tc, eventfd_initval_is_read_back);
	tcase_add_test(tc, eventfd_largest_initval_is_read_back);
	tcase_add_test(tc, eventfd_writes_add_to_the_counter);
	tcase_add_test(tc, eventfd_write_adds_to_initval);
	tcase_add_test(tc, eventfd_read_resets_the_counter_to_zero);
	tcase_add_test(tc, eventfd_read_of_empty_nonblocking_fails_with_eagain);
	tcase_add_test(tc, eventfd_read_with_larger_buffer_returns_eight_bytes);
	tcase_add_test(tc, eventfd_read_with_buffer_under_eight_bytes_fails_with_einval);
	tcase_add_test(tc, eventfd_write_with_buffer_under_eight_bytes_fails_with_einval);
	tcase_add_test(tc, eventfd_write_of_all_ones_fails_with_einval);
	tcase_add_test(tc, eventfd_write_of_zero_leaves_it_unreadable);
	tcase_add_test(tc, eventfd_write_up_to_the_maximum_succeeds);
	tcase_add_test(tc, eventfd_write_past_the_maximum_nonblocking_fails_with_eagain);
	tcase_add_test(tc, eventfd_large_write_past_the_maximum_fails_with_eagain);
	tcase_add_test(tc, eventfd_blocking_write_past_the_maximum_waits_for_a_read);
	tcase_add_test(tc, eventfd_blocking_read_waits_for_a_write);
	tcase_add_test(tc, eventfd_blocking_read_returns_at_once_when_counter_is_set);
	tcase_add_test(tc, eventfds_are_independent);
	suite_add_tcase(s, tc);

	tc = tcase_create("semaphore");
	fd_add_hygiene(tc);
	tcase_add_test(tc, eventfd_semaphore_read_returns_one);
	tcase_add_test(tc, eventfd_semaphore_read_decrements_by_one);
	tcase_add_test(tc, eventfd_semaphore_stays_readable_until_zero);
	tcase_add_test(tc, eventfd_semaphore_read_of_empty_nonblocking_fails_with_eagain);
	suite_add_tcase(s, tc);

	tc = tcase_create("readiness");
	fd_add_hygiene(tc);
	tcase_add_test(tc, eventfd_empty_is_writable_not_readable_in_poll);
	tcase_add_test(tc, eventfd_with_count_is_readable_and_writable_in_poll);
	tcase_add_test(tc, eventfd_one_below_the_maximum_is_writable_in_poll);
	tcase_add_test(tc, eventfd_at_the_maximum_is_not_writable_in_poll);
	tcase_add_test(tc, eventfd_at_the_maximum_is_not_writable_in_epoll);
	tcase_add_test(tc, eventfd_empty_is_writable_in_epoll);
	tcase_add_test(tc, eventfd_with_count_is_readable_in_epoll);
	tcase_add_test(tc, eventfd_after_read_is_not_readable_in_epoll);
	tcase_add_test(tc, eventfd_read_makes_a_full_counter_writable_again);
	suite_add_tcase(s, tc);

	tc = tcase_create("functions");
	fd_add_hygiene(tc);
	tcase_add_test(tc, eventfd_write_function_adds_to_the_counter);
	tcase_add_test(tc, eventfd_read_function_returns_the_counter);
	tcase_add_test(tc, eventfd_read_function_of_empty_nonblocking_fails_with_eagain);
	tcase_add_test(tc, eventfd_write_function_past_the_maximum_fails_with_eagain);
	tcase_add_test(tc, eventfd_read_and_write_functions_work_on_a_pipe);
	suite_add_tcase(s, tc);

	tc = tcase_create("flags");
	fd_add_hygiene(tc);
	tcase_add_test(tc, eventfd_cloexec_flag_shows_in_f_getfd);
	tcase_add_test(tc, eventfd_without_cloexec_flag_has_no_fd_cloexec);
	tcase_add_test(tc, eventfd_nonblock_flag_shows_in_f_getfl);
	tcase_add_test(tc, eventfd_without_nonblock_flag_is_blocking_in_f_getfl);
	tcase_add_test(tc, eventfd_is_open_for_reading_and_writing);
	tcase_add_test(tc, eventfd_o_nonblock_set_by_fcntl_makes_empty_read_fail_with_eagain);
	tcase_add_test(tc, eventfd_fd_cloexec_set_by_fcntl_shows_in_f_getfd);
	tcase_add_test(tc, eventfd_unknown_flag_fails_with_einval);
	tcase_add_test(tc, eventfd_close_frees_the_descriptor);
	suite_add_tcase(s, tc);
	return s;
}
