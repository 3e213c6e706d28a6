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
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
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

START_TEST(threads_nested_edge_event_goes_to_only_one_waiter)
{
	/* outer -ET-> inner -ET-> socket: one write, one event in all. */
	int sv[2], outer = ep_create(), inner = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_add(inner, sv[0], EPOLLIN | EPOLLET, 1);
	ep_add(outer, inner, EPOLLIN | EPOLLET, 2);
	struct waiter a, b;
	waiter_start(&a, outer, 5 * EP_QUIET);
	waiter_start(&b, outer, 5 * EP_QUIET);
	waiter_still_blocked(&a);
	waiter_still_blocked(&b);
	ep_poke(sv[1]);
	waiter_join(&a);
	waiter_join(&b);
	ck_assert_msg(a.n + b.n == 1, "%d and %d events", a.n, b.n);
}
END_TEST

/*
 * No event lost between two threads.  A takes a round's events one call
 * at a time (maxevents 1); B meanwhile polls the instance (or one holding
 * it) and, when it is readable, waits with a zero timeout.  When B's wait
 * returns nothing, every event it could have had must have been taken:
 * Linux makes B wait for A's collection (ep->mtx) and then sees what A
 * left on the ready list.  A's call in flight may hold one event not yet
 * counted, so two or more untaken events at that point is a lost event.
 */
#define RACE_FDS 4
#define RACE_ROUNDS 4000
#define RACE_US 3000000LL /* the most a case loops */

struct race {
	int epfd;               /* the instance A waits on */
	int pollfd;             /* the one B polls and waits on */
	bool nested;            /* B's events are the instance's, not fds' */
	uint32_t events;
	int sv[RACE_FDS][2];
	_Atomic int round;      /* 2k - 1 while round k is made, then 2k */
	_Atomic int got;        /* events of the round taken */
	_Atomic int taken[RACE_FDS]; /* the round each was last taken in */
	_Atomic bool stop;
	_Atomic int lost;
};

/* A thread returned fd i's event: counted once a round, then drained. */
static void
race_take(struct race *r, int i, int round)
{
	if (i < 0 || i >= RACE_FDS || atomic_exchange(&r->taken[i], round) == round)
		return;
	ep_drain(r->sv[i][0]);
	atomic_fetch_add(&r->got, 1);
}

static void *
race_b(void *arg)
{
	struct race *r = arg;
	while (!atomic_load(&r->stop)) {
		int r1 = atomic_load(&r->round);
		if (r1 & 1)
			continue;
		struct pollfd pfd = { .fd = r->pollfd, .events = POLLIN };
		if (poll(&pfd, 1, 0) != 1)
			continue;
		struct epoll_event ev;
		int n = epoll_wait(r->pollfd, &ev, 1, 0);
		/* Its event is the round's now under way (the last one's
		 * were all taken before it began). */
		if (n == 1 && !r->nested)
			race_take(r, (int)ev.data.u64,
			    (atomic_load(&r->round) + 1) / 2);
		if (n != 0)
			continue;
		int got = atomic_load(&r->got);
		if (atomic_load(&r->round) == r1 && RACE_FDS - got >= 2)
			atomic_fetch_add(&r->lost, 1);
	}
	return NULL;
}

static void
race_run(uint32_t events, bool nested)
{
	static struct race r;
	memset(&r, 0, sizeof r);
	r.epfd = ep_create();
	r.pollfd = r.epfd;
	r.events = events;
	r.nested = nested;
	for (int i = 0; i < RACE_FDS; i++) {
		ekq_make_socketpair(SOCK_STREAM, r.sv[i]);
		ep_add(r.epfd, r.sv[i][0], events, (uint64_t)i);
	}
	if (nested) {
		r.pollfd = ep_create();
		ep_add(r.pollfd, r.epfd, EPOLLIN, 100);
	}
	pthread_t b;
	ck_assert_int_eq(pthread_create(&b, NULL, race_b, &r), 0);
	long long end = ep_now_us() + RACE_US;
	int rounds = 0;
	for (; rounds < RACE_ROUNDS && ep_now_us() < end; rounds++) {
		int round = rounds + 1;
		atomic_store(&r.round, 2 * round - 1);
		atomic_store(&r.got, 0);
		for (int i = 0; i < RACE_FDS; i++)
			ep_poke(r.sv[i][1]);
		atomic_store(&r.round, 2 * round);
		while (atomic_load(&r.got) < RACE_FDS && ep_now_us() < end) {
			struct epoll_event ev;
			/* Odd rounds block (the timeout is only a backstop for
			 * when B has taken the last one). */
			int n = ep_wait(r.epfd, &ev, 1, round & 1 ? 10 : 0);
			if (n == 1)
				race_take(&r, (int)ev.data.u64, round);
		}
	}
	atomic_store(&r.stop, true);
	ck_assert_int_eq(pthread_join(b, NULL), 0);
	int lost = atomic_load(&r.lost);
	if (getenv("EP_RACE_REPORT") != NULL)
		fprintf(stderr, "race %s%s: %d lost in %d rounds\n",
		    nested ? "nested " : "", ep_str(events), lost, rounds);
	ck_assert_msg(lost == 0, "%d times in %d rounds B's poll said readable "
	    "and its wait found nothing, with events untaken", lost, rounds);
	for (int i = 0; i < RACE_FDS; i++) {
		close(r.sv[i][0]);
		close(r.sv[i][1]);
	}
	if (nested)
		close(r.pollfd);
	close(r.epfd);
}

START_TEST(threads_no_event_lost_between_threads_edge)
{
	race_run(EPOLLIN | EPOLLET, false);
}
END_TEST

START_TEST(threads_no_event_lost_between_threads_level)
{
	race_run(EPOLLIN, false);
}
END_TEST

START_TEST(threads_no_event_lost_between_threads_nested_edge)
{
	race_run(EPOLLIN | EPOLLET, true);
}
END_TEST

START_TEST(threads_no_event_lost_between_threads_nested_level)
{
	race_run(EPOLLIN, true);
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
	tcase_add_test(tc, threads_nested_edge_event_goes_to_only_one_waiter);
	tcase_add_test(tc, threads_no_event_lost_between_threads_edge);
	tcase_add_test(tc, threads_no_event_lost_between_threads_level);
	tcase_add_test(tc, threads_no_event_lost_between_threads_nested_edge);
	tcase_add_test(tc, threads_no_event_lost_between_threads_nested_level);
	suite_add_tcase(s, tc);
	return s;
}
