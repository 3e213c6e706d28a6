/*
 * epoll_wait(2) errors.  EINTR lives in signals.c, timespec errors of
 * epoll_pwait2 in timeouts.c.
 *
 * The events buffer is only range-checked up front (access_ok); it is
 * written, and so found to be bad, only when there is an event to copy
 * (ep_send_events -> epoll_put_uevent).  An event that could not be copied
 * stays ready for the next call.
 */
#include "config.h"

#include "ep_test.h"

#include <limits.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * glibc declares epoll_wait's buffer and count with access attributes; pass
 * deliberately bad arguments through these so that the kernel, not the
 * compiler, gets to judge them.
 */
static int
opaque_int(int v)
{
	volatile int x = v;
	return x;
}

static struct epoll_event *
opaque_ptr(void *p)
{
	struct epoll_event *volatile x = p;
	return x;
}

static int
ready_instance(uint64_t data)
{
	int epfd = ep_create(), p[2];
	ekq_make_pipe(p);
	ep_add(epfd, p[1], EPOLLOUT, data);
	return epfd;
}

START_TEST(wait_negative_epfd_fails_with_ebadf)
{
	struct epoll_event ev;
	ck_assert_fails_with(epoll_wait(-1, &ev, 1, 0), EBADF);
}
END_TEST

START_TEST(wait_closed_epfd_fails_with_ebadf)
{
	struct epoll_event ev;
	int epfd = ready_instance(1);
	close(epfd);
	ck_assert_fails_with(epoll_wait(epfd, &ev, 1, 0), EBADF);
}
END_TEST

START_TEST(wait_on_non_epoll_fd_fails_with_einval)
{
	struct epoll_event ev;
	int p[2];
	ekq_make_pipe(p);
	ck_assert_fails_with(epoll_wait(p[1], &ev, 1, 0), EINVAL);
	int fd = ep_open_regular_file();
	ck_assert_fails_with(epoll_wait(fd, &ev, 1, 0), EINVAL);
}
END_TEST

START_TEST(wait_zero_maxevents_fails_with_einval)
{
	struct epoll_event ev;
	int epfd = ready_instance(1);
	ck_assert_fails_with(epoll_wait(epfd, &ev, opaque_int(0), 0), EINVAL);
	/* The ready event was not consumed. */
	ep_expect(epfd, 1, EPOLLOUT, 0);
}
END_TEST

START_TEST(wait_negative_maxevents_fails_with_einval)
{
	struct epoll_event ev;
	int epfd = ready_instance(1);
	ck_assert_fails_with(epoll_wait(epfd, &ev, opaque_int(-1), 0), EINVAL);
	ck_assert_fails_with(epoll_wait(epfd, &ev, opaque_int(INT_MIN), 0), EINVAL);
}
END_TEST

START_TEST(wait_maxevents_beyond_limit_fails_with_einval)
{
	/* EP_MAX_EVENTS is INT_MAX / sizeof(struct epoll_event). */
	struct epoll_event ev;
	int epfd = ready_instance(1);
	ck_assert_fails_with(epoll_wait(epfd, &ev, opaque_int(INT_MAX), 0), EINVAL);
	ck_assert_fails_with(epoll_wait(epfd, &ev,
	    opaque_int((int)(INT_MAX / sizeof(struct epoll_event)) + 1), 0),
	    EINVAL);
}
END_TEST

START_TEST(wait_maxevents_error_on_non_epoll_fd_is_einval)
{
	struct epoll_event ev;
	int p[2];
	ekq_make_pipe(p);
	ck_assert_fails_with(epoll_wait(p[0], &ev, opaque_int(0), 0), EINVAL);
}
END_TEST

START_TEST(wait_bad_epfd_with_zero_maxevents_fails)
{
	/*
	 * Linux changed this order in 6.15 (ep_check_params): before, the
	 * maxevents check came first (EINVAL); since, the descriptor does
	 * (EBADF).  Either is Linux; success or any other errno is not.
	 */
	struct epoll_event ev;
	errno = 0;
	ck_assert_int_eq(epoll_wait(-1, &ev, opaque_int(0), 0), -1);
	ck_assert_msg(errno == EBADF || errno == EINVAL, "errno %s",
	    strerror(errno));
}
END_TEST

START_TEST(wait_null_events_with_a_ready_fd_fails_with_efault)
{
	int epfd = ready_instance(1);
	ck_assert_fails_with(epoll_wait(epfd, opaque_ptr(NULL), 1, 0), EFAULT);
}
END_TEST

START_TEST(wait_efault_leaves_the_event_ready)
{
	int epfd = ep_create(), p[2];
	ekq_make_pipe(p);
	/* Edge-triggered: were the event consumed, it would be gone. */
	ep_add(epfd, p[1], EPOLLOUT | EPOLLET, 5);
	ck_assert_fails_with(epoll_wait(epfd, opaque_ptr(NULL), 1, 0), EFAULT);
	ep_expect(epfd, 5, EPOLLOUT, 0);
	ep_expect_none(epfd, 0);
}
END_TEST

START_TEST(wait_null_events_with_nothing_ready_times_out)
{
	/* Nothing to copy, so nothing is found wrong with the buffer. */
	int epfd = ep_create();
	ck_assert_int_eq(epoll_wait(epfd, opaque_ptr(NULL), 1, 0), 0);
	ck_assert_int_eq(epoll_wait(epfd, opaque_ptr(NULL), 1, 20), 0);
}
END_TEST

START_TEST(wait_null_events_fails_for_the_descriptor_and_maxevents_first)
{
	/* The same answers as with a buffer: nothing is copied before. */
	int epfd = ep_create(), p[2];
	ekq_make_pipe(p);
	ck_assert_fails_with(epoll_wait(epfd, opaque_ptr(NULL), opaque_int(0),
	    0), EINVAL);
	ck_assert_fails_with(epoll_wait(p[0], opaque_ptr(NULL), 1, 0), EINVAL);
	close(p[0]);
	ck_assert_fails_with(epoll_wait(p[0], opaque_ptr(NULL), 1, 0), EBADF);
	close(epfd);
	ck_assert_fails_with(epoll_wait(epfd, opaque_ptr(NULL), 1, 0), EBADF);
}
END_TEST

START_TEST(wait_returns_at_most_maxevents)
{
	int epfd = ep_create();
	int p[3][2];
	for (int i = 0; i < 3; i++) {
		ekq_make_pipe(p[i]);
		ep_add(epfd, p[i][1], EPOLLOUT, (uint64_t)i);
	}
	struct epoll_event ev[3];
	ck_assert_int_eq(ep_wait(epfd, ev, 1, 0), 1);
	ck_assert_int_eq(ep_wait(epfd, ev, 2, 0), 2);
	ck_assert_int_eq(ep_wait(epfd, ev, 3, 0), 3);
}
END_TEST

START_TEST(wait_does_not_touch_entries_beyond_the_count)
{
	int epfd = ready_instance(9);
	struct epoll_event ev[3];
	memset(ev, 0xa5, sizeof ev);
	ck_assert_int_eq(ep_wait(epfd, ev, 3, 0), 1);
	unsigned char *rest = (unsigned char *)&ev[1];
	for (size_t i = 0; i < 2 * sizeof ev[0]; i++)
		ck_assert_int_eq(rest[i], 0xa5);
}
END_TEST

START_TEST(wait_event_layout_matches_the_header)
{
	/* x86-64 packs the struct (12 bytes); elsewhere it is 16. */
#if defined(__x86_64__)
	ck_assert_uint_eq(sizeof(struct epoll_event), 12);
#else
	ck_assert_uint_eq(sizeof(struct epoll_event),
	    offsetof(struct epoll_event, data) + sizeof(epoll_data_t));
#endif
	ck_assert_uint_eq(sizeof(epoll_data_t), 8);
	/* And the full 64 bits of data come back. */
	int epfd = ready_instance(UINT64_C(0xfedcba9876543210));
	ep_expect(epfd, UINT64_C(0xfedcba9876543210), EPOLLOUT, 0);
}
END_TEST

Suite *
ep_wait_errors_suite(void)
{
	Suite *s = suite_create("wait_errors");
	TCase *tc = tcase_create("errors");
	tcase_add_test(tc, wait_negative_epfd_fails_with_ebadf);
	tcase_add_test(tc, wait_closed_epfd_fails_with_ebadf);
	tcase_add_test(tc, wait_on_non_epoll_fd_fails_with_einval);
	tcase_add_test(tc, wait_zero_maxevents_fails_with_einval);
	tcase_add_test(tc, wait_negative_maxevents_fails_with_einval);
	tcase_add_test(tc, wait_maxevents_beyond_limit_fails_with_einval);
	tcase_add_test(tc, wait_maxevents_error_on_non_epoll_fd_is_einval);
	tcase_add_test(tc, wait_bad_epfd_with_zero_maxevents_fails);
	tcase_add_test(tc, wait_null_events_with_a_ready_fd_fails_with_efault);
	tcase_add_test(tc, wait_efault_leaves_the_event_ready);
	tcase_add_test(tc, wait_null_events_with_nothing_ready_times_out);
	tcase_add_test(tc,
	    wait_null_events_fails_for_the_descriptor_and_maxevents_first);
	tcase_add_test(tc, wait_returns_at_most_maxevents);
	tcase_add_test(tc, wait_does_not_touch_entries_beyond_the_count);
	tcase_add_test(tc, wait_event_layout_matches_the_header);
	suite_add_tcase(s, tc);
	return s;
}
