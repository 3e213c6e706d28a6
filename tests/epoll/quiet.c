/*
 * A descriptor can be ready in ways its registration did not ask about.
 * Linux then reports nothing and epoll_wait() sleeps out its timeout; it
 * must not spin on the readiness it filters away (the CPU time a blocked
 * wait uses stays small).
 */
#include "config.h"

#include "ep_test.h"

#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define QUIET_MS 300

static long long
cpu_us(void)
{
	struct rusage ru;
	ck_assert_ok(getrusage(RUSAGE_SELF, &ru));
	return (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* Wait QUIET_MS for nothing; fail if the wait reported or burned CPU. */
static void
expect_quiet_sleep(int epfd)
{
	long long cpu = cpu_us(), wall = ep_now_us();
	ep_expect_none(epfd, QUIET_MS);
	cpu = cpu_us() - cpu;
	wall = ep_now_us() - wall;
	ck_assert_msg(wall >= QUIET_MS * 1000LL, "woke early: %lld us", wall);
	/* A spinning wait would use about all of it. */
	ck_assert_msg(cpu < wall / 4, "waiting used %lld us of CPU in %lld us",
	    cpu, wall);
}

START_TEST(quiet_listener_with_a_pending_connection_asked_for_rdhup_only)
{
	unsigned short port;
	int l = ekq_make_tcp_listener(&port);
	int c = ekq_start_tcp_connect(port);
	ekq_wait_fd(l, POLLIN, EP_SOON);
	int epfd = ep_create();
	ep_add(epfd, l, EPOLLRDHUP, 1);
	expect_quiet_sleep(epfd);
	close(c);
}
END_TEST

START_TEST(quiet_socket_at_eof_asked_for_pri_only)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	close(b);
	ekq_wait_fd(a, POLLIN, EP_SOON);
	int epfd = ep_create();
	ep_add(epfd, a, EPOLLPRI, 1);
	expect_quiet_sleep(epfd);
}
END_TEST

START_TEST(quiet_half_closed_socket_with_an_empty_mask)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	ck_assert_ok(shutdown(sv[1], SHUT_WR));
	int epfd = ep_create();
	ep_add(epfd, sv[0], 0, 1);
	expect_quiet_sleep(epfd);
}
END_TEST

START_TEST(quiet_readable_pipe_asked_for_out_only)
{
	int p[2];
	ekq_make_pipe(p);
	ep_poke(p[1]);
	int epfd = ep_create();
	ep_add(epfd, p[0], EPOLLOUT, 1);
	expect_quiet_sleep(epfd);
}
END_TEST

START_TEST(quiet_writable_socket_asked_for_in_only)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	int epfd = ep_create();
	ep_add(epfd, sv[0], EPOLLIN, 1);
	expect_quiet_sleep(epfd);
}
END_TEST

Suite *
ep_quiet_suite(void)
{
	Suite *s = suite_create("quiet");
	TCase *tc = tcase_create("quiet");
	tcase_add_test(tc, quiet_listener_with_a_pending_connection_asked_for_rdhup_only);
	tcase_add_test(tc, quiet_socket_at_eof_asked_for_pri_only);
	tcase_add_test(tc, quiet_half_closed_socket_with_an_empty_mask);
	tcase_add_test(tc, quiet_readable_pipe_asked_for_out_only);
	tcase_add_test(tc, quiet_writable_socket_asked_for_in_only);
	suite_add_tcase(s, tc);
	return s;
}
