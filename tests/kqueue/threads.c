/*
 * Several threads on one kqueue: a change made by one thread applies to a
 * thread already blocked in kevent(), and concurrent waiters each get
 * events.
 */
#include "config.h"

#include "kq_util.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

struct waiter {
	int kq;
	int done[2];	/* written once kevent() returned */
	int rc;
	struct kevent ev;
	pthread_t thread;
};

static void *
wait_forever(void *arg)
{
	struct waiter *w = arg;
	w->rc = kevent(w->kq, NULL, 0, &w->ev, 1, NULL);
	ekq_write_all(w->done[1], "d", 1);
	return NULL;
}

static void
start_waiter(struct waiter *w, int kq)
{
	memset(w, 0, sizeof *w);
	w->kq = kq;
	ekq_make_pipe(w->done);
	ck_assert_int_eq(pthread_create(&w->thread, NULL, wait_forever, w), 0);
}

/* Wait until the waiter's kevent() returned, then reap the thread. */
static void
finish_waiter(struct waiter *w)
{
	ekq_wait_fd(w->done[0], POLLIN, KQT_WAIT_MS);
	pthread_join(w->thread, NULL);
	ck_assert_int_eq(w->rc, 1);
}

START_TEST(add_from_another_thread_wakes_a_blocked_waiter)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ekq_write_all(p[1], "x", 1);
	struct waiter w;
	start_waiter(&w, kq);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	finish_waiter(&w);
	ck_assert_uint_eq(w.ev.ident, (uintptr_t)p[0]);
}
END_TEST

START_TEST(enable_from_another_thread_wakes_a_blocked_waiter)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ekq_write_all(p[1], "x", 1);
	kqt_add(kq, p[0], EVFILT_READ, EV_DISABLE);
	struct waiter w;
	start_waiter(&w, kq);
	kqt_change(kq, (uintptr_t)p[0], EVFILT_READ, EV_ENABLE, 0, 0, NULL);
	finish_waiter(&w);
	ck_assert_uint_eq(w.ev.ident, (uintptr_t)p[0]);
}
END_TEST

START_TEST(data_arriving_while_blocked_wakes_the_waiter)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	struct waiter w;
	start_waiter(&w, kq);
	ekq_write_all(p[1], "x", 1);
	finish_waiter(&w);
	ck_assert_uint_eq(w.ev.ident, (uintptr_t)p[0]);
}
END_TEST

#if defined(HAVE_EVFILT_USER) && defined(EVFILT_USER)
START_TEST(trigger_from_another_thread_wakes_a_blocked_waiter)
{
	int kq = kqt_new();
	kqt_change(kq, 7, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL);
	struct waiter w;
	start_waiter(&w, kq);
	kqt_change(kq, 7, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
	finish_waiter(&w);
	ck_assert_int_eq(w.ev.filter, EVFILT_USER);
}
END_TEST
#endif

/* Two waiters, two one-shot events: each waiter gets one of them. */
START_TEST(concurrent_waiters_each_receive_an_event)
{
	int kq = kqt_new(), p[2], q[2];
	ekq_make_pipe(p);
	ekq_make_pipe(q);
	kqt_add(kq, p[0], EVFILT_READ, EV_ONESHOT);
	kqt_add(kq, q[0], EVFILT_READ, EV_ONESHOT);
	struct waiter a, b;
	start_waiter(&a, kq);
	start_waiter(&b, kq);
	ekq_write_all(p[1], "x", 1);
	ekq_write_all(q[1], "y", 1);
	finish_waiter(&a);
	finish_waiter(&b);
	ck_assert_uint_ne(a.ev.ident, b.ev.ident);
}
END_TEST

struct poller {
	int kq;
	atomic_int *remaining;
};

static void *
collect(void *arg)
{
	struct poller *p = arg;
	while (atomic_load(p->remaining) > 0) {
		struct kevent ev[4];
		struct timespec ts = kqt_ms(10);
		int n = kevent(p->kq, NULL, 0, ev, 4, &ts);
		if (n > 0)
			atomic_fetch_sub(p->remaining, n);
	}
	return NULL;
}

/* Many one-shot events collected by racing threads: none lost, none twice. */
START_TEST(racing_collectors_see_each_oneshot_event_once)
{
	enum { NPIPES = 32, NTHREADS = 4 };
	int kq = kqt_new();
	int p[NPIPES][2];
	for (int i = 0; i < NPIPES; i++) {
		ekq_make_pipe(p[i]);
		kqt_add(kq, p[i][0], EVFILT_READ, EV_ONESHOT);
	}
	atomic_int remaining;
	atomic_init(&remaining, NPIPES);
	struct poller arg = { .kq = kq, .remaining = &remaining };
	pthread_t t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, collect, &arg), 0);
	for (int i = 0; i < NPIPES; i++)
		ekq_write_all(p[i][1], "x", 1);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(atomic_load(&remaining), 0);
	kqt_expect_none(kq);
}
END_TEST

Suite *
kq_threads_suite(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tcase_create("threads");
	tcase_add_test(tc, add_from_another_thread_wakes_a_blocked_waiter);
	tcase_add_test(tc, enable_from_another_thread_wakes_a_blocked_waiter);
	tcase_add_test(tc, data_arriving_while_blocked_wakes_the_waiter);
#if defined(HAVE_EVFILT_USER) && defined(EVFILT_USER)
	tcase_add_test(tc, trigger_from_another_thread_wakes_a_blocked_waiter);
#endif
	tcase_add_test(tc, concurrent_waiters_each_receive_an_event);
	tcase_add_test(tc, racing_collectors_see_each_oneshot_event_once);
	suite_add_tcase(s, tc);
	return s;
}
