/*
 * Programs built with _FORTIFY_SOURCE (Debian's default for its packages)
 * reach read() and poll() through glibc's checking entry points,
 * __read_chk() and __poll_chk(), whenever the compiler knows the buffer's
 * size but not the count.  They must answer for an eventfd exactly as
 * read() and poll() do.  The cases call the entry points by name, as such
 * a build does, so that they run whatever this suite's own flags are.
 */
#include "config.h"

#include "fd_test.h"

#include <poll.h>
#include <stdint.h>
#include <unistd.h>

#if defined(HAVE___READ_CHK) && defined(HAVE___POLL_CHK)
extern ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);
extern int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout,
    size_t fdslen);

START_TEST(fortified_read_takes_an_eventfd_counter)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	fd_write_u64(fd, 9);
	uint64_t v = 0;
	ck_assert_int_eq(__read_chk(fd, &v, sizeof v, sizeof v), sizeof v);
	ck_assert_uint_eq(v, 9);
	/* Now empty: EAGAIN, as read() says. */
	errno = 0;
	ck_assert_int_eq(__read_chk(fd, &v, sizeof v, sizeof v), -1);
	ck_assert_int_eq(errno, EAGAIN);
	close(fd);
}
END_TEST

START_TEST(fortified_poll_sees_an_eventfd_become_readable)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	ck_assert_int_eq(__poll_chk(&pfd, 1, 0, sizeof pfd), 1);
	ck_assert_int_eq(pfd.revents, POLLOUT);
	fd_write_u64(fd, 1);
	pfd.revents = 0;
	ck_assert_int_eq(__poll_chk(&pfd, 1, 0, sizeof pfd), 1);
	ck_assert_int_eq(pfd.revents, POLLIN | POLLOUT);
	close(fd);
}
END_TEST
#endif

Suite *
fd_fortify_suite(void)
{
	Suite *s = suite_create("fortify");
	TCase *tc = tcase_create("fortify");
	fd_add_hygiene(tc);
#if defined(HAVE___READ_CHK) && defined(HAVE___POLL_CHK)
	tcase_add_test(tc, fortified_read_takes_an_eventfd_counter);
	tcase_add_test(tc, fortified_poll_sees_an_eventfd_become_readable);
#endif
	suite_add_tcase(s, tc);
	return s;
}
