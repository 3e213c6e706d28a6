/*
 * Several threads and one epoll instance.
 *
 * Waiters sleep on the instance exclusively and an event wakes one of them
 * (ep_poll_callback -> wake_up); but after collecting, a waiter that leaves
 * level-triggered items on the ready list wakes the next one
 * (ep_done_scan), so a level event reaches every waiter while an edge (or
 * one-shot) event reaches exactly one.  epoll_ctl from another thread takes
 * effect for a waiter that is already blocked.
 *
 * "Blocked" is arranged without sleeps: before acting, the main thread
 * checks that the waiters have not returned within EP_QUIET ms -- a real
 * negative check whose window lets them get to sleep.
 */
#include "config.h"

#include "ep_test.h"

#include <poll.h>
#include <unistd.h>

struct waiter {
	pthread_t thread;
	int epfd, timeout_ms;
	int n, err;
	struct epoll_event ev;
	int done[2];	/* written once epoll_wait has returned */
};

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;
	do
		w->n = epoll_wait(w->epfd, &w->ev, 1, w->timeout_ms);
	while (w->n == -1 && errno == EINTR);
	w->err = w->n == -1 ? errno : 0;
	ekq_write_all(w->done[1], "d", 1);
	return NULL;
}

static void
waiter_start(struct waiter *w, int epfd, int timeout_ms)
{
	memset(w, 0, sizeof *w);
	w->epfd = epfd;
	w->timeout_ms = timeout_ms;
	ekq_make_pipe(w->done);
	ck_assert_int_eq(pthread_create(&w->thread, NULL, waiter_main, w), 0);
}

/* The waiter has not returned within EP_QUIET ms. */
static void
waiter_still_blocked(struct waiter *w)
{
	struct pollfd pfd = { .fd = w->done[0], .events = POLLIN };
	ck_assert_msg(poll(&pfd, 1, EP_QUIET) == 0,
	    "waiter returned before anything happened");
}

static void
waiter_join(struct waiter *w)
{
	ck_assert_int_eq(pthread_join(w->thread, NULL), 0);
	ck_assert_msg(w->n >= 0, "epoll_wait: %s", strerror(w->err));
	close(w->done[0]);
	close(w->done[1]);
}

START_TEST(threads_write_wakes_a_blocked_waiter)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	struct waiter w;
	waiter_start(&w, epfd, EP_SOON);
	waiter_still_blocked(&w);
	ep_poke(p[1]);
	waiter_join(&w);
	ck_assert_int_eq(w.n, 1);
	ck_assert(w.ev.data.u64 == 1);
	ck_assert_mask(w.ev.events, EPOLLIN);
}
END_TEST

START_TEST(threads_level_event_wakes_every_waiter)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	struct waiter a, b;
	waiter_start(&a, epfd, EP_SOON);
	waiter_start(&b, epfd, EP_SOON);
	waiter_still_blocked(&a);
	waiter_still_blocked(&b);
	ep_poke(p[1]);
	waiter_join(&a);
	waiter_join(&b);
	ck_assert_int_eq(a.n, 1);
	ck_assert_int_eq(b.n, 1);
	ck_assert(a.ev.data.u64 == 1 && b.ev.data.u64 == 1);
}
END_TEST

/* Two waiters with a short timeout; exactly one gets the event. */
static void
exactly_one_waiter_gets_it(uint32_t events)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], events, 1);
	struct waiter a, b;
	waiter_start(&a, epfd, 5 * EP_QUIET);
	waiter_start(&b, epfd, 5 * EP_QUIET);
	waiter_still_blocked(&a);
	waiter_still_blocked(&b);
	ep_poke(p[1]);
	waiter_join(&a);
	waiter_join(&b);
	ck_assert_msg(a.n + b.n == 1, "%d and %d events", a.n, b.n);
}

START_TEST(threads_edge_event_wakes_only_one_waiter)
{
	exactly_one_waiter_gets_it(EPOLLIN | EPOLLET);
}
END_TEST

START_TEST(threads_oneshot_event_goes_to_only_one_waiter)
{
	exactly_one_waiter_gets_it(EPOLLIN | EPOLLONESHOT);
}
END_TEST

START_TEST(threads_add_from_another_thread_wakes_a_blocked_waiter)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_poke(p[1]);
	struct waiter w;
	waiter_start(&w, epfd, EP_SOON);
	waiter_still_blocked(&w);
	ep_add(epfd, p[0], EPOLLIN, EP_COOKIE(3));
	waiter_join(&w);
	ck_assert_int_eq(w.n, 1);
	ck_assert(w.ev.data.u64 == EP_COOKIE(3));
	ck_assert_mask(w.ev.events, EPOLLIN);
}
END_TEST

START_TEST(threads_mod_from_another_thread_wakes_a_blocked_waiter)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ep_add(epfd, p[0], 0, 1);
	struct waiter w;
	waiter_start(&w, epfd, EP_SOON);
	waiter_still_blocked(&w);
	ep_mod(epfd, p[0], EPOLLIN, 2);
	waiter_join(&w);
	ck_assert_int_eq(w.n, 1);
	ck_assert(w.ev.data.u64 == 2);
	ck_assert_mask(w.ev.events, EPOLLIN);
}
END_TEST

START_TEST(threads_del_from_another_thread_takes_effect_for_a_blocked_waiter)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	struct waiter w;
	waiter_start(&w, epfd, 5 * EP_QUIET);
	waiter_still_blocked(&w);
	ep_del(epfd, p[0]);
	ep_poke(p[1]);
	waiter_join(&w);
	ck_assert_int_eq(w.n, 0);
}
END_TEST

START_TEST(threads_waiters_on_different_instances_are_independent)
{
	int p[2], q[2], e1 = ep_create(), e2 = ep_create();
	ekq_make_pipe(p);
	ekq_make_pipe(q);
	ep_add(e1, p[0], EPOLLIN, 1);
	ep_add(e2, q[0], EPOLLIN, 2);
	struct waiter a, b;
	waiter_start(&a, e1, EP_SOON);
	waiter_start(&b, e2, 5 * EP_QUIET);
	waiter_still_blocked(&a);
	ep_poke(p[1]);
	waiter_join(&a);
	waiter_join(&b);
	ck_assert_int_eq(a.n, 1);
	ck_assert_int_eq(b.n, 0);
}
END_TEST

Suite *
ep_threads_suite(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tcase_create("threads");
	tcase_add_test(tc, threads_write_wakes_a_blocked_waiter);
	tcase_add_test(tc, threads_level_event_wakes_every_waiter);
	tcase_add_test(tc, threads_edge_event_wakes_only_one_waiter);
	tcase_add_test(tc, threads_oneshot_event_goes_to_only_one_waiter);
	tcase_add_test(tc, threads_add_from_another_thread_wakes_a_blocked_waiter);
	tcase_add_test(tc, threads_mod_from_another_thread_wakes_a_blocked_waiter);
	tcase_add_test(tc, threads_del_from_another_thread_takes_effect_for_a_blocked_waiter);
	tcase_add_test(tc, threads_waiters_on_different_instances_are_independent);
	suite_add_tcase(s, tc);
	return s;
}
