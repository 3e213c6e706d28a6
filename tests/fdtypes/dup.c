/*
 * dup(), dup2(), dup3() and fcntl(F_DUPFD_CLOEXEC) of an eventfd: the new number
 * names the same open file, with the same counter.  Built with a 64-bit
 * off_t, as meson builds by default: glibc then calls fcntl64() (Wayland
 * duplicates each descriptor it watches this way).
 */
#define _FILE_OFFSET_BITS 64

#include "config.h"

#include "fd_test.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

static int
efd(unsigned int initval)
{
	int fd = eventfd(initval, EFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(dup_of_an_eventfd_shares_its_counter)
{
	int fd = efd(0);
	int d = dup(fd);
	ck_assert_int_ge(d, 0);
	fd_write_u64(d, 5);
	ck_assert_uint_eq(fd_read_u64(fd), 5);
	close(d);
	close(fd);
}
END_TEST

START_TEST(dup2_of_an_eventfd_shares_its_counter)
{
	int fd = efd(2);
	int spare = efd(0);
	ck_assert_int_eq(dup2(fd, spare), spare);
	ck_assert_uint_eq(fd_read_u64(spare), 2);
	fd_write_u64(fd, 1);
	ck_assert_uint_eq(fd_read_u64(spare), 1);
	close(spare);
	close(fd);
}
END_TEST

START_TEST(fcntl_dupfd_cloexec_of_an_eventfd_shares_its_counter)
{
	int fd = efd(7);
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	ck_assert_int_ge(d, 0);
	ck_assert_int_eq(fcntl(d, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_uint_eq(fd_read_u64(d), 7);
	close(d);
	close(fd);
}
END_TEST

#ifdef HAVE_DUP3
START_TEST(dup3_of_an_eventfd_shares_its_counter_and_sets_cloexec)
{
	int fd = efd(3);
	int spare = efd(0);
	ck_assert_int_eq(dup3(fd, spare, O_CLOEXEC), spare);
	ck_assert_int_eq(fcntl(spare, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_uint_eq(fd_read_u64(spare), 3);
	fd_write_u64(spare, 6);
	ck_assert_uint_eq(fd_read_u64(fd), 6);
	/* Onto itself: EINVAL, and the descriptor is untouched. */
	errno = 0;
	ck_assert_int_eq(dup3(fd, fd, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	fd_write_u64(fd, 1);
	ck_assert_uint_eq(fd_read_u64(spare), 1);
	close(spare);
	close(fd);
}
END_TEST
#endif

START_TEST(eventfd_dup_works_after_the_original_is_closed)
{
	int fd = efd(0);
	int d = dup(fd);
	ck_assert_int_ge(d, 0);
	close(fd);
	fd_write_u64(d, 4);
	ck_assert_uint_eq(fd_read_u64(d), 4);
	ck_assert_int_eq(fd_poll(d, POLLIN, 0), 0);
	close(d);
}
END_TEST

START_TEST(dup_of_an_eventfd_is_readable_in_poll_with_it)
{
	int fd = efd(0);
	int d = dup(fd);
	ck_assert_int_ge(d, 0);
	fd_write_u64(fd, 1);
	ck_assert_int_eq(fd_poll(d, POLLIN, FD_SOON), POLLIN);
	ck_assert_uint_eq(fd_read_u64(d), 1);
	ck_assert_int_eq(fd_poll(fd, POLLIN, 0), 0);
	close(d);
	close(fd);
}
END_TEST

Suite *
fd_dup_suite(void)
{
	Suite *s = suite_create("dup");
	TCase *tc = tcase_create("dup");
	fd_add_hygiene(tc);
	tcase_add_test(tc, dup_of_an_eventfd_shares_its_counter);
	tcase_add_test(tc, dup2_of_an_eventfd_shares_its_counter);
	tcase_add_test(tc, fcntl_dupfd_cloexec_of_an_eventfd_shares_its_counter);
#ifdef HAVE_DUP3
	tcase_add_test(tc, dup3_of_an_eventfd_shares_its_counter_and_sets_cloexec);
#endif
	tcase_add_test(tc, eventfd_dup_works_after_the_original_is_closed);
	tcase_add_test(tc, dup_of_an_eventfd_is_readable_in_poll_with_it);
	suite_add_tcase(s, tc);
	return s;
}
