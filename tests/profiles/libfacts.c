/*
 * lib/ over one platform profile's compat/ (the facts lib/ copes with):
 * cases that only a profile's host answers can break, named for the
 * Linux behaviour they pin.  Built once per profile (tests/profiles/
 * local.mk); every case holds on Linux.
 */
#include "config.h"

#include "ekq_test.h"

#include <sys/epoll.h>

#include <stdlib.h>
#include <unistd.h>

/* The events one epoll_wait() reports for `fd` registered with `mask`. */
static uint32_t
reported(int fd, uint32_t mask)
{
	int epfd = epoll_create1(0);
	ck_assert_ok(epfd);
	struct epoll_event ev = { .events = mask, .data.fd = fd };
	ck_assert_ok(epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev));
	struct epoll_event out = { 0 };
	int n = epoll_wait(epfd, &out, 1, 1000);
	ck_assert_int_eq(n, 1);
	close(epfd);
	return out.events;
}

/* fs/pipe.c pipe_poll() never says EPOLLPRI or EPOLLRDBAND; macOS's
 * poll_callback() says them of a pipe at EOF when asked. */
START_TEST(pipe_at_eof_asked_for_pri_reports_hup_alone)
{
	int p[2];
	ekq_make_pipe(p);
	close(p[1]);
	ck_assert_uint_eq(reported(p[0], EPOLLIN | EPOLLPRI | EPOLLRDBAND),
	    EPOLLHUP);
}
END_TEST

static Suite *
libfacts_suite(void)
{
	Suite *s = suite_create("libfacts");
	TCase *tc = tcase_create("pipes");
	tcase_add_test(tc, pipe_at_eof_asked_for_pri_reports_hup_alone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	static Suite *(*const suites[])(void) = { libfacts_suite, NULL };
	return ekq_run_suites(suites);
}
