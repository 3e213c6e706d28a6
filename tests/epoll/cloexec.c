/*
 * Close-on-exec across execve: this binary is re-executed with a special
 * argv (handled in main.c) that reports on a descriptor number.
 */
#include "config.h"

#include "ep_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static int
fd_open_after_exec(int fd)
{
	char num[16];
	snprintf(num, sizeof num, "%d", fd);
	int status = ep_exec_self("--ep-fd-open", num, NULL);
	ck_assert_msg(status == 0 || status == 1, "exec helper exited %d",
	    status);
	return status == 0;
}

static void
set_cloexec(int fd, int on)
{
	int flags = fcntl(fd, F_GETFD);
	ck_assert_int_ne(flags, -1);
	flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
	ck_assert_ok(fcntl(fd, F_SETFD, flags));
}

START_TEST(create1_cloexec_epfd_is_closed_across_exec)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(epfd, 0);
	ck_assert(!fd_open_after_exec(epfd));
}
END_TEST

START_TEST(create1_plain_epfd_stays_open_across_exec)
{
	int epfd = epoll_create1(0);
	ck_assert_int_ge(epfd, 0);
	ck_assert(fd_open_after_exec(epfd));
}
END_TEST

START_TEST(create_epfd_stays_open_across_exec)
{
	int epfd = epoll_create(8);
	ck_assert_int_ge(epfd, 0);
	ck_assert(fd_open_after_exec(epfd));
}
END_TEST

START_TEST(cloexec_cleared_with_fcntl_keeps_epfd_across_exec)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(epfd, 0);
	set_cloexec(epfd, 0);
	ck_assert(fd_open_after_exec(epfd));
}
END_TEST

START_TEST(cloexec_set_with_fcntl_closes_epfd_across_exec)
{
	int epfd = epoll_create1(0);
	ck_assert_int_ge(epfd, 0);
	set_cloexec(epfd, 1);
	ck_assert(!fd_open_after_exec(epfd));
}
END_TEST

Suite *
ep_cloexec_suite(void)
{
	Suite *s = suite_create("cloexec");
	TCase *tc = tcase_create("cloexec");
	tcase_add_test(tc, create1_cloexec_epfd_is_closed_across_exec);
	tcase_add_test(tc, create1_plain_epfd_stays_open_across_exec);
	tcase_add_test(tc, create_epfd_stays_open_across_exec);
	tcase_add_test(tc, cloexec_cleared_with_fcntl_keeps_epfd_across_exec);
	tcase_add_test(tc, cloexec_set_with_fcntl_closes_epfd_across_exec);
	suite_add_tcase(s, tc);
	return s;
}
