/* epoll_create(2) and epoll_create1(2). */
#include "config.h"

#include "ep_test.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/resource.h>
#include <unistd.h>

static int
fd_flags(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	ck_assert_msg(flags != -1, "F_GETFD %d: %s", fd, strerror(errno));
	return flags;
}

START_TEST(create1_returns_a_usable_epoll_fd)
{
	int epfd = epoll_create1(0);
	ck_assert_int_ge(epfd, 0);
	/* Usable means: it waits (and nothing is ready in a new instance). */
	ep_expect_none(epfd, 0);
	close(epfd);
}
END_TEST

START_TEST(create1_without_flags_is_not_close_on_exec)
{
	int epfd = epoll_create1(0);
	ck_assert_int_ge(epfd, 0);
	ck_assert_int_eq(fd_flags(epfd) & FD_CLOEXEC, 0);
	close(epfd);
}
END_TEST

START_TEST(create1_cloexec_sets_fd_cloexec)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(epfd, 0);
	ck_assert_int_ne(fd_flags(epfd) & FD_CLOEXEC, 0);
	close(epfd);
}
END_TEST

START_TEST(create1_unknown_flags_fail_with_einval)
{
	/* do_epoll_create: flags & ~EPOLL_CLOEXEC -> EINVAL, O_NONBLOCK too. */
	static const int bad[] = { 1, O_NONBLOCK, EPOLL_CLOEXEC | O_NONBLOCK,
	    EPOLL_CLOEXEC | 1, INT_MIN, -1 };
	int before = ekq_count_open_fds();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_fails_with(epoll_create1(bad[i]), EINVAL);
	/* A failed create leaves no descriptor behind. */
	ck_assert_int_eq(ekq_count_open_fds(), before);
}
END_TEST

START_TEST(create_size_zero_fails_with_einval)
{
	ck_assert_fails_with(epoll_create(0), EINVAL);
}
END_TEST

START_TEST(create_negative_size_fails_with_einval)
{
	ck_assert_fails_with(epoll_create(-1), EINVAL);
	ck_assert_fails_with(epoll_create(INT_MIN), EINVAL);
}
END_TEST

START_TEST(create_size_is_only_a_hint)
{
	/* size 1 still holds several fds; a huge size is not refused. */
	int epfd = epoll_create(1);
	ck_assert_int_ge(epfd, 0);
	int a[2], b[2];
	ekq_make_pipe(a);
	ekq_make_pipe(b);
	ep_add(epfd, a[0], EPOLLIN, 1);
	ep_add(epfd, a[1], EPOLLOUT, 2);
	ep_add(epfd, b[1], EPOLLOUT, 3);
	struct epoll_event ev[4];
	ck_assert_int_eq(ep_wait(epfd, ev, 4, 0), 2);
	int big = epoll_create(INT_MAX);
	ck_assert_int_ge(big, 0);
	close(big);
	close(epfd);
}
END_TEST

START_TEST(create_is_not_close_on_exec)
{
	int epfd = epoll_create(1);
	ck_assert_int_ge(epfd, 0);
	ck_assert_int_eq(fd_flags(epfd) & FD_CLOEXEC, 0);
	close(epfd);
}
END_TEST

START_TEST(create1_returns_lowest_free_descriptor)
{
	/* Like open(2): programs that juggle numbers (dup2 dances) rely on it. */
	int hole[2];
	ekq_make_pipe(hole);
	int low = hole[0] < hole[1] ? hole[0] : hole[1];
	close(low);
	int epfd = epoll_create1(0);
	ck_assert_int_eq(epfd, low);
	close(epfd);
}
END_TEST

START_TEST(create_at_descriptor_limit_fails_with_emfile)
{
	/* Check runs each case in its own child: lowering the limit is local. */
	int fds[2];
	ekq_make_pipe(fds);
	int top = fds[0] > fds[1] ? fds[0] : fds[1];
	struct rlimit rl, saved;
	ck_assert_ok(getrlimit(RLIMIT_NOFILE, &saved));
	rl = saved;
	rl.rlim_cur = (rlim_t)top + 1;
	ck_assert_ok(setrlimit(RLIMIT_NOFILE, &rl));
	/* Fill every free slot below the limit. */
	int dups[1024], ndups = 0, fd;
	while (ndups < 1024 && (fd = dup(fds[0])) != -1)
		dups[ndups++] = fd;
	ck_assert_int_eq(errno, EMFILE);
	ck_assert_fails_with(epoll_create1(0), EMFILE);
	ck_assert_fails_with(epoll_create(1), EMFILE);
	/* Give the table back: leak checkers need descriptors at exit. */
	while (ndups > 0)
		close(dups[--ndups]);
	ck_assert_ok(setrlimit(RLIMIT_NOFILE, &saved));
}
END_TEST

START_TEST(instances_are_independent)
{
	int e1 = ep_create(), e2 = ep_create();
	int p[2];
	ekq_make_pipe(p);
	ep_add(e1, p[1], EPOLLOUT, 1);
	ep_expect(e1, 1, EPOLLOUT, 0);
	ep_expect_none(e2, 0);
	/* The same fd may be registered in both, each with its own data. */
	ep_add(e2, p[1], EPOLLOUT, 2);
	ep_expect(e2, 2, EPOLLOUT, 0);
	ep_expect(e1, 1, EPOLLOUT, 0);
	close(e1);
	close(e2);
}
END_TEST

START_TEST(closing_epfd_leaves_registered_fds_open)
{
	int epfd = ep_create();
	int p[2];
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	close(epfd);
	ck_assert_int_ne(fcntl(p[0], F_GETFD), -1);
	ep_poke(p[1]);
	char c;
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	/* And a new instance can register it afresh. */
	epfd = ep_create();
	ep_add(epfd, p[0], EPOLLIN, 2);
	close(epfd);
}
END_TEST

Suite *
ep_create_suite(void)
{
	Suite *s = suite_create("create");
	TCase *tc = tcase_create("create");
	tcase_add_test(tc, create1_returns_a_usable_epoll_fd);
	tcase_add_test(tc, create1_without_flags_is_not_close_on_exec);
	tcase_add_test(tc, create1_cloexec_sets_fd_cloexec);
	tcase_add_test(tc, create1_unknown_flags_fail_with_einval);
	tcase_add_test(tc, create_size_zero_fails_with_einval);
	tcase_add_test(tc, create_negative_size_fails_with_einval);
	tcase_add_test(tc, create_size_is_only_a_hint);
	tcase_add_test(tc, create_is_not_close_on_exec);
	tcase_add_test(tc, create1_returns_lowest_free_descriptor);
	tcase_add_test(tc, create_at_descriptor_limit_fails_with_emfile);
	tcase_add_test(tc, instances_are_independent);
	tcase_add_test(tc, closing_epfd_leaves_registered_fds_open);
	suite_add_tcase(s, tc);
	return s;
}
