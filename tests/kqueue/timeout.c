/*
 * Timeouts: NULL waits forever, zero polls, a positive one waits at least
 * that long.  A caught signal ends the wait with EINTR, SA_RESTART or not
 * (FreeBSD kqueue_scan turns ERESTART into EINTR), after the changes were
 * applied.
 */
#include "config.h"

#include "kq_util.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

struct pinger {
	pthread_t target;
	atomic_int done;
};

static void
on_signal(int sig)
{
	(void)sig;
}

static void
catch_sigusr1(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	ck_assert_ok(sigaction(SIGUSR1, &sa, NULL));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ck_assert_int_eq(pthread_sigmask(SIG_UNBLOCK, &set, NULL), 0);
}

/* Signal the target until it says its wait returned. */
static void *
ping(void *arg)
{
	struct pinger *p = arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	while (!atomic_load(&p->done)) {
		pthread_kill(p->target, SIGUSR1);
		struct timespec pace = kqt_ms(2);
		nanosleep(&pace, NULL);
	}
	return NULL;
}

/* Block in kevent(changes, NULL timeout) while being signalled. */
static int
interrupted_wait(int kq, const struct kevent *changes, int nchanges)
{
	struct pinger p = { .target = pthread_self() };
	atomic_init(&p.done, 0);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, ping, &p), 0);
	struct kevent ev;
	errno = 0;
	int rc = kevent(kq, changes, nchanges, &ev, 1, NULL);
	int err = errno;
	atomic_store(&p.done, 1);
	pthread_join(t, NULL);
	ck_assert_int_eq(rc, -1);
	return err;
}

static void *
write_byte(void *arg)
{
	int fd = *(int *)arg;
	ekq_write_all(fd, "x", 1);
	return NULL;
}

START_TEST(zero_timeout_returns_at_once_without_events)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	long long start = ekq_now_ms();
	struct kevent ev;
	ck_assert_int_eq(kqt_poll(kq, &ev, 1), 0);
	ck_assert_int_lt(ekq_now_ms() - start, 1000);
}
END_TEST

START_TEST(positive_timeout_waits_at_least_the_time_asked)
{
	int kq = kqt_new();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct kevent ev;
	ck_assert_int_eq(kqt_wait(kq, &ev, 1, 100), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long us = (t1.tv_sec - t0.tv_sec) * 1000000LL +
	    (t1.tv_nsec - t0.tv_nsec) / 1000;
	ck_assert_int_ge(us, 100000 - 1000);
}
END_TEST

START_TEST(positive_timeout_returns_early_for_a_pending_event)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ekq_write_all(p[1], "x", 1);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	long long start = ekq_now_ms();
	struct kevent ev;
	ck_assert_int_eq(kqt_wait(kq, &ev, 1, 10000), 1);
	ck_assert_int_lt(ekq_now_ms() - start, 5000);
}
END_TEST

START_TEST(null_timeout_waits_until_an_event_arrives)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, write_byte, &p[1]), 0);
	struct kevent ev;
	ck_assert_int_eq(kevent(kq, NULL, 0, &ev, 1, NULL), 1);
	ck_assert_uint_eq(ev.ident, (uintptr_t)p[0]);
	pthread_join(t, NULL);
}
END_TEST

START_TEST(signal_interrupts_a_wait_with_eintr)
{
	catch_sigusr1(0);
	int kq = kqt_new();
	ck_assert_int_eq(interrupted_wait(kq, NULL, 0), EINTR);
}
END_TEST

START_TEST(signal_interrupts_a_wait_even_with_sa_restart)
{
	catch_sigusr1(SA_RESTART);
	int kq = kqt_new();
	ck_assert_int_eq(interrupted_wait(kq, NULL, 0), EINTR);
}
END_TEST

START_TEST(changes_are_applied_when_the_wait_is_interrupted)
{
	catch_sigusr1(0);
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	struct kevent ch;
	EV_SET(&ch, (uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
	ck_assert_int_eq(interrupted_wait(kq, &ch, 1), EINTR);
	ekq_write_all(p[1], "x", 1);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

Suite *
kq_timeout_suite(void)
{
	Suite *s = suite_create("timeout");
	TCase *tc = tcase_create("timeout");
	tcase_add_test(tc, zero_timeout_returns_at_once_without_events);
	tcase_add_test(tc, positive_timeout_waits_at_least_the_time_asked);
	tcase_add_test(tc, positive_timeout_returns_early_for_a_pending_event);
	tcase_add_test(tc, null_timeout_waits_until_an_event_arrives);
	suite_add_tcase(s, tc);
	TCase *intr = tcase_create("eintr");
	tcase_add_test(intr, signal_interrupts_a_wait_with_eintr);
	tcase_add_test(intr, signal_interrupts_a_wait_even_with_sa_restart);
	tcase_add_test(intr, changes_are_applied_when_the_wait_is_interrupted);
	suite_add_tcase(s, intr);
	return s;
}
