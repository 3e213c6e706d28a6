/*
 * EVFILT_SIGNAL, from kqueue(2): ident is the signal number; the filter
 * "coexists with the signal() and sigaction() facilities, and has a lower
 * precedence", records every attempt to deliver the signal "even if the
 * signal has been marked as SIG_IGN, except for the SIGCHLD signal, which,
 * if ignored, will not be recorded"; data counts the signals since the
 * last retrieval, and EV_CLEAR is set internally.
 *
 * The signals are sent with kill() to the process: kqueue(2) speaks of
 * signals delivered to the process.
 */
#include "config.h"

#include "kq_util.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef EVFILT_SIGNAL

static char marker;
static volatile sig_atomic_t handled;

static void
on_signal(int sig)
{
	(void)sig;
	handled++;
}

static void
set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	ck_assert_ok(sigaction(sig, &sa, NULL));
}

static int
signal_kq(int sig)
{
	int kq = kqt_new();
	kqt_change(kq, (uintptr_t)sig, EVFILT_SIGNAL, EV_ADD, 0, 0, &marker);
	return kq;
}

static void
send_self(int sig)
{
	ck_assert_ok(kill(getpid(), sig));
}

/* Collect events for `sig` until they count `want` in all, or time out. */
static int64_t
count_up_to(int kq, int sig, int64_t want)
{
	int64_t total = 0;
	struct kevent ev;
	while (total < want && kqt_wait(kq, &ev, 1, KQT_WAIT_MS) == 1) {
		ck_assert_uint_eq(ev.ident, (uintptr_t)sig);
		ck_assert_int_eq(ev.filter, EVFILT_SIGNAL);
		total += ev.data;
	}
	return total;
}

START_TEST(signal_caught_by_a_handler_is_counted_and_handled)
{
	set_handler(SIGUSR1, on_signal);
	int kq = signal_kq(SIGUSR1);
	send_self(SIGUSR1);
	ck_assert_int_eq(handled, 1);
	struct kevent ev = kqt_expect_one(kq, SIGUSR1, EVFILT_SIGNAL);
	ck_assert_int_eq(ev.data, 1);
	ck_assert_ptr_eq(ev.udata, &marker);
	ck_assert_uint_eq(ev.flags & EV_CLEAR, EV_CLEAR);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(signal_is_not_reported_before_it_is_sent)
{
	set_handler(SIGUSR1, on_signal);
	int kq = signal_kq(SIGUSR1);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(signal_ignored_is_still_counted)
{
	set_handler(SIGUSR1, SIG_IGN);
	int kq = signal_kq(SIGUSR1);
	send_self(SIGUSR1);
	struct kevent ev = kqt_expect_one(kq, SIGUSR1, EVFILT_SIGNAL);
	ck_assert_int_eq(ev.data, 1);
}
END_TEST

START_TEST(signal_default_ignored_sigchld_is_counted)
{
	set_handler(SIGCHLD, SIG_DFL);
	int kq = signal_kq(SIGCHLD);
	pid_t pid = fork();
	ck_assert_ok(pid);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	struct kevent ev = kqt_expect_one(kq, SIGCHLD, EVFILT_SIGNAL);
	ck_assert_int_eq(ev.data, 1);
}
END_TEST

START_TEST(signal_ignored_sigchld_is_not_counted)
{
	set_handler(SIGCHLD, SIG_IGN);
	int kq = signal_kq(SIGCHLD);
	pid_t pid = fork();
	ck_assert_ok(pid);
	if (pid == 0)
		_exit(0);
	/* Ignored SIGCHLD: the child is reaped by the system. */
	while (waitpid(pid, NULL, 0) == pid)
		continue;
	kqt_expect_none(kq);
}
END_TEST

START_TEST(signal_blocked_is_counted_and_stays_pending)
{
	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	int kq = signal_kq(SIGUSR2);
	send_self(SIGUSR2);
	struct kevent ev = kqt_expect_one(kq, SIGUSR2, EVFILT_SIGNAL);
	ck_assert_int_eq(ev.data, 1);
	kqt_expect_none(kq);
	ck_assert_int_eq(sigpending(&pending), 0);
	ck_assert_int_eq(sigismember(&pending, SIGUSR2), 1);
	struct timespec zero = { 0, 0 };
	ck_assert_int_eq(sigtimedwait(&set, NULL, &zero), SIGUSR2);
}
END_TEST

/*
 * A signal sent while timers keep firing on many kqueues and another
 * thread keeps changing timers: an implementation that looks at the
 * pending signals in the middle of that may see this sending before it
 * notices that a signal was sent, and then count the one sending twice.
 */
#define BUSY_KQUEUES 100
#define ROUNDS 60

static atomic_bool stop_changing;

static void *
change_timers(void *arg)
{
	int kq = *(int *)arg;
	struct kevent add, del;
	EV_SET(&add, 1, EVFILT_TIMER, EV_ADD, 0, 60000, NULL);
	EV_SET(&del, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
	while (!atomic_load(&stop_changing))
		if (kevent(kq, &add, 1, NULL, 0, NULL) != 0 ||
		    kevent(kq, &del, 1, NULL, 0, NULL) != 0)
			return (void *)(intptr_t)errno;
	return NULL;
}

START_TEST(signal_blocked_sent_once_counts_once_while_timers_fire)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	int kq = signal_kq(SIGUSR2), tkq = kqt_new();
	for (int i = 0; i < BUSY_KQUEUES; i++)
		kqt_change(kqt_new(), 1, EVFILT_TIMER, EV_ADD, 0, 1, NULL);
	struct timespec zero = { 0, 0 };
	for (int i = 0; i < ROUNDS; i++) {
		atomic_store(&stop_changing, false);
		pthread_t t;
		ck_assert_int_eq(pthread_create(&t, NULL, change_timers, &tkq),
		    0);
		send_self(SIGUSR2);
		struct kevent ev = kqt_expect_one(kq, SIGUSR2, EVFILT_SIGNAL);
		ck_assert_int_eq(ev.data, 1);
		atomic_store(&stop_changing, true);
		void *err;
		ck_assert_int_eq(pthread_join(t, &err), 0);
		ck_assert_ptr_null(err);
		/* Still pending, and sent only once. */
		struct kevent more;
		ck_assert_msg(kqt_wait(kq, &more, 1, 30) == 0,
		    "round %d: counted again, data %lld", i,
		    (long long)more.data);
		ck_assert_int_eq(sigtimedwait(&set, NULL, &zero), SIGUSR2);
	}
}
END_TEST

START_TEST(signal_blocked_then_taken_is_counted_again_when_sent_again)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	int kq = signal_kq(SIGUSR2);
	struct timespec zero = { 0, 0 };
	for (int i = 0; i < 3; i++) {
		send_self(SIGUSR2);
		struct kevent ev = kqt_expect_one(kq, SIGUSR2, EVFILT_SIGNAL);
		ck_assert_int_eq(ev.data, 1);
		ck_assert_int_eq(sigtimedwait(&set, NULL, &zero), SIGUSR2);
	}
}
END_TEST

START_TEST(signal_blocked_then_unblocked_runs_the_handler_and_counts_once)
{
	set_handler(SIGUSR1, on_signal);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	int kq = signal_kq(SIGUSR1);
	send_self(SIGUSR1);
	struct kevent ev = kqt_expect_one(kq, SIGUSR1, EVFILT_SIGNAL);
	ck_assert_int_eq(ev.data, 1);
	ck_assert_int_eq(handled, 0);
	ck_assert_int_eq(sigprocmask(SIG_UNBLOCK, &set, NULL), 0);
	ck_assert_int_eq(handled, 1);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(signal_realtime_sent_twice_counts_two)
{
	set_handler(SIGRTMIN, on_signal);
	int kq = signal_kq(SIGRTMIN);
	union sigval v = { .sival_int = 0 };
	ck_assert_ok(sigqueue(getpid(), SIGRTMIN, v));
	ck_assert_ok(sigqueue(getpid(), SIGRTMIN, v));
	ck_assert_int_eq(handled, 2);
	ck_assert_int_eq(count_up_to(kq, SIGRTMIN, 2), 2);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(signal_ignored_sent_three_times_counts_three)
{
	set_handler(SIGUSR1, SIG_IGN);
	int kq = signal_kq(SIGUSR1);
	for (int i = 0; i < 3; i++)
		send_self(SIGUSR1);
	ck_assert_int_eq(count_up_to(kq, SIGUSR1, 3), 3);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(signal_reaches_every_kqueue_watching_it)
{
	set_handler(SIGUSR1, on_signal);
	int kq1 = signal_kq(SIGUSR1), kq2 = signal_kq(SIGUSR1);
	send_self(SIGUSR1);
	kqt_expect_one(kq1, SIGUSR1, EVFILT_SIGNAL);
	kqt_expect_one(kq2, SIGUSR1, EVFILT_SIGNAL);
}
END_TEST

START_TEST(signal_other_signals_are_not_reported)
{
	set_handler(SIGUSR1, on_signal);
	set_handler(SIGUSR2, on_signal);
	int kq = signal_kq(SIGUSR1);
	send_self(SIGUSR2);
	ck_assert_int_eq(handled, 1);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(signal_delete_stops_counting)
{
	set_handler(SIGUSR1, on_signal);
	int kq = signal_kq(SIGUSR1);
	kqt_change(kq, SIGUSR1, EVFILT_SIGNAL, EV_DELETE, 0, 0, NULL);
	send_self(SIGUSR1);
	ck_assert_int_eq(handled, 1);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(signal_handler_set_before_the_knote_is_in_force_after_delete)
{
	set_handler(SIGUSR1, on_signal);
	int kq = signal_kq(SIGUSR1);
	kqt_change(kq, SIGUSR1, EVFILT_SIGNAL, EV_DELETE, 0, 0, NULL);
	struct sigaction sa;
	ck_assert_int_eq(sigaction(SIGUSR1, NULL, &sa), 0);
	ck_assert(!(sa.sa_flags & SA_SIGINFO));
	ck_assert(sa.sa_handler == on_signal);
}
END_TEST

START_TEST(signal_ignore_set_before_the_knote_is_in_force_after_delete)
{
	set_handler(SIGUSR1, SIG_IGN);
	int kq = signal_kq(SIGUSR1);
	kqt_change(kq, SIGUSR1, EVFILT_SIGNAL, EV_DELETE, 0, 0, NULL);
	struct sigaction sa;
	ck_assert_int_eq(sigaction(SIGUSR1, NULL, &sa), 0);
	ck_assert(!(sa.sa_flags & SA_SIGINFO));
	ck_assert(sa.sa_handler == SIG_IGN);
}
END_TEST

START_TEST(signal_disabled_is_not_reported_until_enabled)
{
	set_handler(SIGUSR1, on_signal);
	int kq = signal_kq(SIGUSR1);
	kqt_change(kq, SIGUSR1, EVFILT_SIGNAL, EV_DISABLE, 0, 0, &marker);
	send_self(SIGUSR1);
	kqt_expect_none(kq);
	kqt_change(kq, SIGUSR1, EVFILT_SIGNAL, EV_ENABLE, 0, 0, &marker);
	struct kevent ev = kqt_expect_one(kq, SIGUSR1, EVFILT_SIGNAL);
	ck_assert_int_eq(ev.data, 1);
}
END_TEST

START_TEST(signal_kqueue_polls_readable_exactly_while_it_has_the_event)
{
	set_handler(SIGUSR1, on_signal);
	int kq = signal_kq(SIGUSR1);
	struct pollfd pfd = { .fd = kq, .events = POLLIN, .revents = 0 };
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	send_self(SIGUSR1);
	ck_assert_int_eq(poll(&pfd, 1, KQT_WAIT_MS), 1);
	kqt_expect_one(kq, SIGUSR1, EVFILT_SIGNAL);
	pfd.revents = 0;
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
}
END_TEST

START_TEST(signal_oneshot_is_deleted_after_delivery)
{
	set_handler(SIGUSR1, on_signal);
	int kq = kqt_new();
	kqt_change(kq, SIGUSR1, EVFILT_SIGNAL, EV_ADD | EV_ONESHOT, 0, 0, NULL);
	send_self(SIGUSR1);
	kqt_expect_one(kq, SIGUSR1, EVFILT_SIGNAL);
	ck_assert_int_eq(kqt_change_errno(kq, SIGUSR1, EVFILT_SIGNAL,
	    EV_DELETE), ENOENT);
}
END_TEST

START_TEST(signal_delete_of_a_missing_knote_fails_with_enoent)
{
	int kq = kqt_new();
	ck_assert_int_eq(kqt_change_errno(kq, SIGUSR1, EVFILT_SIGNAL,
	    EV_DELETE), ENOENT);
}
END_TEST

#endif

Suite *
kq_signal_suite(void)
{
	Suite *s = suite_create("signal");
#ifdef EVFILT_SIGNAL
	TCase *tc = tcase_create("signal");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, signal_caught_by_a_handler_is_counted_and_handled);
	tcase_add_test(tc, signal_is_not_reported_before_it_is_sent);
	tcase_add_test(tc, signal_ignored_is_still_counted);
	tcase_add_test(tc, signal_default_ignored_sigchld_is_counted);
	tcase_add_test(tc, signal_ignored_sigchld_is_not_counted);
	tcase_add_test(tc, signal_blocked_is_counted_and_stays_pending);
	tcase_add_test(tc, signal_blocked_then_taken_is_counted_again_when_sent_again);
	tcase_add_test(tc, signal_blocked_then_unblocked_runs_the_handler_and_counts_once);
	tcase_add_test(tc, signal_realtime_sent_twice_counts_two);
	tcase_add_test(tc, signal_ignored_sent_three_times_counts_three);
	tcase_add_test(tc, signal_reaches_every_kqueue_watching_it);
	tcase_add_test(tc, signal_other_signals_are_not_reported);
	tcase_add_test(tc, signal_delete_stops_counting);
	tcase_add_test(tc, signal_handler_set_before_the_knote_is_in_force_after_delete);
	tcase_add_test(tc, signal_ignore_set_before_the_knote_is_in_force_after_delete);
	tcase_add_test(tc, signal_disabled_is_not_reported_until_enabled);
	tcase_add_test(tc, signal_kqueue_polls_readable_exactly_while_it_has_the_event);
	tcase_add_test(tc, signal_oneshot_is_deleted_after_delivery);
	tcase_add_test(tc, signal_delete_of_a_missing_knote_fails_with_enoent);
	suite_add_tcase(s, tc);
	/* 60 rounds beside 100 kqueues' timers: about 5 s, 20 under TSan. */
	TCase *busy = tcase_create("signal_busy");
	tcase_set_timeout(busy, 120);
	tcase_add_test(busy, signal_blocked_sent_once_counts_once_while_timers_fire);
	suite_add_tcase(s, busy);
#endif
	return s;
}
