/*
 * EVFILT_TIMER, from kqueue(2): data is the period (or, with NOTE_ABSTIME,
 * the moment) in the unit fflags names, milliseconds by default; periodic
 * unless EV_ONESHOT or NOTE_ABSTIME; data on return counts the expirations
 * since the last retrieval; re-adding a timer cancels it, throws away what
 * it had not delivered, and starts it again.  The errors are those of
 * FreeBSD's filt_timervalidate() (sys/kern/kern_event.c).
 */
#include "config.h"

#include "kq_util.h"

#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef EVFILT_TIMER

#define TID 77u
#define HOUR_MS (3600 * 1000)

static char marker;

static int64_t
now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = kqt_ms(ms);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

static int
timer_kq(unsigned short flags, unsigned int fflags, int64_t data)
{
	int kq = kqt_new();
	kqt_change(kq, TID, EVFILT_TIMER, EV_ADD | flags, fflags, data,
	    &marker);
	return kq;
}

/* One-shot timer of `data` in `fflags`' unit: the ns until it fired. */
static int64_t
oneshot_elapsed(unsigned int fflags, int64_t data)
{
	int64_t start = now_ns(CLOCK_MONOTONIC);
	int kq = timer_kq(EV_ONESHOT, fflags, data);
	struct kevent ev = kqt_expect_one(kq, TID, EVFILT_TIMER);
	int64_t elapsed = now_ns(CLOCK_MONOTONIC) - start;
	ck_assert_int_eq(ev.data, 1);
	close(kq);
	return elapsed;
}

/* A timer of 20 ms fires after 20 ms, not much earlier, not an age later. */
static void
assert_about_20ms(int64_t elapsed)
{
	ck_assert_msg(elapsed >= 19000000, "fired after %lld ns",
	    (long long)elapsed);
	ck_assert_msg(elapsed < 3000000000LL, "fired after %lld ns",
	    (long long)elapsed);
}

START_TEST(timer_does_not_fire_before_its_period)
{
	int kq = timer_kq(0, 0, HOUR_MS);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(timer_fires_with_its_ident_udata_and_ev_clear)
{
	int kq = timer_kq(0, 0, 10);
	struct kevent ev = kqt_expect_one(kq, TID, EVFILT_TIMER);
	ck_assert_ptr_eq(ev.udata, &marker);
	ck_assert_int_ge(ev.data, 1);
	ck_assert_uint_eq(ev.fflags, 0);
	/* "automatically sets the EV_CLEAR flag internally" */
	ck_assert_uint_eq(ev.flags & EV_CLEAR, EV_CLEAR);
}
END_TEST

START_TEST(timer_periodic_counts_the_expirations_since_last_retrieval)
{
	int kq = timer_kq(0, 0, 10);
	kqt_expect_one(kq, TID, EVFILT_TIMER);
	int64_t since = now_ns(CLOCK_MONOTONIC);
	sleep_ms(100);
	struct kevent ev = kqt_expect_one(kq, TID, EVFILT_TIMER);
	int64_t elapsed = now_ns(CLOCK_MONOTONIC) - since;
	/* Ten periods passed for sure; no more than the time allows. */
	ck_assert_int_ge(ev.data, 9);
	ck_assert_int_le(ev.data, elapsed / 10000000 + 1);
}
END_TEST

START_TEST(timer_periodic_keeps_firing)
{
	int kq = timer_kq(0, 0, 5);
	for (int i = 0; i < 3; i++)
		kqt_expect_one(kq, TID, EVFILT_TIMER);
}
END_TEST

START_TEST(timer_oneshot_fires_once_and_is_deleted)
{
	int kq = timer_kq(EV_ONESHOT, 0, 10);
	struct kevent ev = kqt_expect_one(kq, TID, EVFILT_TIMER);
	ck_assert_int_eq(ev.data, 1);
	ck_assert_uint_eq(ev.flags & EV_ONESHOT, EV_ONESHOT);
	kqt_expect_none(kq);
	ck_assert_int_eq(kqt_change_errno(kq, TID, EVFILT_TIMER, EV_DELETE),
	    ENOENT);
}
END_TEST

START_TEST(timer_default_unit_is_milliseconds)
{
	assert_about_20ms(oneshot_elapsed(0, 20));
}
END_TEST

START_TEST(timer_note_mseconds_counts_milliseconds)
{
	assert_about_20ms(oneshot_elapsed(NOTE_MSECONDS, 20));
}
END_TEST

START_TEST(timer_note_useconds_counts_microseconds)
{
	assert_about_20ms(oneshot_elapsed(NOTE_USECONDS, 20000));
}
END_TEST

START_TEST(timer_note_nseconds_counts_nanoseconds)
{
	assert_about_20ms(oneshot_elapsed(NOTE_NSECONDS, 20000000));
}
END_TEST

START_TEST(timer_note_seconds_counts_seconds)
{
	int64_t elapsed = oneshot_elapsed(NOTE_SECONDS, 1);
	ck_assert_int_ge(elapsed, 999000000);
	ck_assert_int_lt(elapsed, 4000000000LL);
}
END_TEST

START_TEST(timer_zero_period_is_one_unit)
{
	/* filt_timervalidate(): data 0 without EV_ONESHOT becomes 1. */
	int kq = timer_kq(0, NOTE_MSECONDS, 0);
	kqt_expect_one(kq, TID, EVFILT_TIMER);
	kqt_expect_one(kq, TID, EVFILT_TIMER);
}
END_TEST

START_TEST(timer_zero_oneshot_fires_at_once)
{
	int kq = timer_kq(EV_ONESHOT, NOTE_SECONDS, 0);
	struct kevent ev;
	ck_assert_int_eq(kqt_wait(kq, &ev, 1, 1000), 1);
	ck_assert_int_eq(ev.data, 1);
}
END_TEST

START_TEST(timer_abstime_fires_at_the_given_realtime)
{
	int64_t target_ms = now_ns(CLOCK_REALTIME) / 1000000 + 50;
	int kq = timer_kq(0, NOTE_ABSTIME | NOTE_MSECONDS, target_ms);
	struct kevent ev = kqt_expect_one(kq, TID, EVFILT_TIMER);
	ck_assert_int_ge(now_ns(CLOCK_REALTIME) / 1000000, target_ms - 1);
	ck_assert_int_eq(ev.data, 1);
}
END_TEST

START_TEST(timer_abstime_fires_once_and_stays_triggered)
{
	/* Not periodic, and no EV_CLEAR is set for it: the one expiration
	 * is reported until the timer is deleted. */
	int64_t target_us = now_ns(CLOCK_REALTIME) / 1000 + 20000;
	int kq = timer_kq(0, NOTE_ABSTIME | NOTE_USECONDS, target_us);
	struct kevent ev = kqt_expect_one(kq, TID, EVFILT_TIMER);
	ck_assert_int_eq(ev.data, 1);
	ck_assert_uint_eq(ev.flags & EV_CLEAR, 0);
	sleep_ms(30);
	ev = kqt_expect_one(kq, TID, EVFILT_TIMER);
	ck_assert_int_eq(ev.data, 1);
	kqt_change(kq, TID, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(timer_abstime_with_clear_fires_once)
{
	int64_t target_s = now_ns(CLOCK_REALTIME) / 1000000000 + 1;
	int kq = timer_kq(EV_CLEAR, NOTE_ABSTIME | NOTE_SECONDS, target_s);
	struct kevent ev = kqt_expect_one(kq, TID, EVFILT_TIMER);
	ck_assert_int_ge(now_ns(CLOCK_REALTIME) / 1000000000, target_s);
	ck_assert_int_eq(ev.data, 1);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(timer_abstime_in_the_past_fires_at_once)
{
	int64_t past_s = now_ns(CLOCK_REALTIME) / 1000000000 - 10;
	int kq = timer_kq(EV_ONESHOT, NOTE_ABSTIME | NOTE_SECONDS, past_s);
	struct kevent ev;
	ck_assert_int_eq(kqt_wait(kq, &ev, 1, 1000), 1);
	ck_assert_int_eq(ev.data, 1);
}
END_TEST

START_TEST(timer_delete_stops_it)
{
	int kq = timer_kq(0, 0, 10);
	kqt_change(kq, TID, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(timer_delete_discards_an_undelivered_expiration)
{
	int kq = timer_kq(0, 0, 5);
	struct pollfd pfd = { .fd = kq, .events = POLLIN, .revents = 0 };
	ck_assert_int_eq(poll(&pfd, 1, KQT_WAIT_MS), 1);
	kqt_change(kq, TID, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(timer_change_of_a_missing_timer_fails_with_enoent)
{
	int kq = kqt_new();
	ck_assert_int_eq(kqt_change_errno(kq, TID, EVFILT_TIMER, EV_DELETE),
	    ENOENT);
	ck_assert_int_eq(kqt_change_errno(kq, TID, EVFILT_TIMER, EV_ENABLE),
	    ENOENT);
}
END_TEST

START_TEST(timer_readd_rearms_with_the_new_period)
{
	int kq = timer_kq(0, 0, HOUR_MS);
	kqt_change(kq, TID, EVFILT_TIMER, EV_ADD, 0, 10, &marker);
	kqt_expect_one(kq, TID, EVFILT_TIMER);
}
END_TEST

START_TEST(timer_readd_discards_undelivered_expirations)
{
	int kq = timer_kq(0, 0, 5);
	struct pollfd pfd = { .fd = kq, .events = POLLIN, .revents = 0 };
	ck_assert_int_eq(poll(&pfd, 1, KQT_WAIT_MS), 1);
	kqt_change(kq, TID, EVFILT_TIMER, EV_ADD, 0, HOUR_MS, &marker);
	kqt_expect_none(kq);
	pfd.revents = 0;
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
}
END_TEST

START_TEST(timer_readd_restarts_the_period)
{
	int kq = timer_kq(EV_ONESHOT, 0, 200);
	sleep_ms(150);
	int64_t start = now_ns(CLOCK_MONOTONIC);
	kqt_change(kq, TID, EVFILT_TIMER, EV_ADD, 0, 200, &marker);
	kqt_expect_one(kq, TID, EVFILT_TIMER);
	ck_assert_int_ge(now_ns(CLOCK_MONOTONIC) - start, 199000000);
}
END_TEST

START_TEST(timer_disabled_does_not_fire_and_keeps_counting)
{
	int kq = timer_kq(EV_DISABLE, 0, 10);
	kqt_expect_none(kq);
	struct pollfd pfd = { .fd = kq, .events = POLLIN, .revents = 0 };
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	kqt_change(kq, TID, EVFILT_TIMER, EV_ENABLE, 0, 0, &marker);
	/* filt_timerexpire() counts while the knote is disabled. */
	struct kevent ev = kqt_expect_one(kq, TID, EVFILT_TIMER);
	ck_assert_int_ge(ev.data, 5);
}
END_TEST

START_TEST(timer_disable_hides_a_pending_expiration)
{
	int kq = timer_kq(EV_ONESHOT, 0, 5);
	struct pollfd pfd = { .fd = kq, .events = POLLIN, .revents = 0 };
	ck_assert_int_eq(poll(&pfd, 1, KQT_WAIT_MS), 1);
	kqt_change(kq, TID, EVFILT_TIMER, EV_DISABLE, 0, 0, &marker);
	pfd.revents = 0;
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	kqt_expect_none(kq);
	kqt_change(kq, TID, EVFILT_TIMER, EV_ENABLE, 0, 0, &marker);
	struct kevent ev = kqt_expect_one(kq, TID, EVFILT_TIMER);
	ck_assert_int_eq(ev.data, 1);
}
END_TEST

START_TEST(timer_dispatch_disables_after_delivery)
{
	int kq = timer_kq(EV_DISPATCH, 0, 5);
	kqt_expect_one(kq, TID, EVFILT_TIMER);
	kqt_expect_none(kq);
	kqt_change(kq, TID, EVFILT_TIMER, EV_ENABLE, 0, 0, &marker);
	struct kevent ev = kqt_expect_one(kq, TID, EVFILT_TIMER);
	ck_assert_int_ge(ev.data, 2);
}
END_TEST

START_TEST(timer_timers_of_one_kqueue_are_independent)
{
	int kq = kqt_new();
	kqt_change(kq, 1, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 10, NULL);
	kqt_change(kq, 2, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, HOUR_MS, NULL);
	kqt_expect_one(kq, 1, EVFILT_TIMER);
	kqt_expect_none(kq);
}
END_TEST

/* One change with EV_RECEIPT: the errno reported in its EV_ERROR entry. */
static int64_t
receipt_errno(int kq, unsigned short flags, unsigned int fflags,
    int64_t data)
{
	struct kevent ch, ev;
	EV_SET(&ch, TID, EVFILT_TIMER, flags | EV_RECEIPT, fflags, data, NULL);
	ck_assert_int_eq(kevent(kq, &ch, 1, &ev, 1, NULL), 1);
	ck_assert_uint_eq(ev.flags & EV_ERROR, EV_ERROR);
	ck_assert_uint_eq(ev.ident, TID);
	return ev.data;
}

START_TEST(timer_receipt_reports_success_as_zero)
{
	int kq = kqt_new();
	ck_assert_int_eq(receipt_errno(kq, EV_ADD, 0, HOUR_MS), 0);
}
END_TEST

START_TEST(timer_negative_data_fails_with_einval)
{
	int kq = kqt_new();
	ck_assert_int_eq(receipt_errno(kq, EV_ADD, 0, -1), EINVAL);
	ck_assert_int_eq(kqt_change_errno(kq, TID, EVFILT_TIMER, EV_DELETE),
	    ENOENT);
}
END_TEST

START_TEST(timer_unknown_fflags_fail_with_einval)
{
	int kq = kqt_new();
	ck_assert_int_eq(receipt_errno(kq, EV_ADD, 0x100, 10), EINVAL);
	ck_assert_int_eq(kqt_change_errno(kq, TID, EVFILT_TIMER, EV_DELETE),
	    ENOENT);
}
END_TEST

START_TEST(timer_two_units_fail_with_einval)
{
	int kq = kqt_new();
	ck_assert_int_eq(receipt_errno(kq, EV_ADD,
	    NOTE_SECONDS | NOTE_MSECONDS, 10), EINVAL);
}
END_TEST

START_TEST(timer_bad_add_without_receipt_fails_the_call)
{
	int kq = kqt_new();
	struct kevent ch;
	EV_SET(&ch, TID, EVFILT_TIMER, EV_ADD, 0, -5, NULL);
	ck_assert_fails_with(kevent(kq, &ch, 1, NULL, 0, NULL), EINVAL);
}
END_TEST

START_TEST(timer_bad_readd_is_reported_through_the_knote)
{
	/* filt_timertouch(): validation fails after the old timer is gone;
	 * the knote then carries EV_ERROR and the errno. */
	int kq = timer_kq(0, 0, HOUR_MS);
	kqt_change(kq, TID, EVFILT_TIMER, EV_ADD, 0, -1, &marker);
	struct kevent ev;
	ck_assert_int_eq(kqt_wait(kq, &ev, 1, KQT_WAIT_MS), 1);
	ck_assert_uint_eq(ev.ident, TID);
	ck_assert_uint_eq(ev.flags & EV_ERROR, EV_ERROR);
	ck_assert_int_eq(ev.data, EINVAL);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(timer_kqueue_polls_readable_exactly_while_it_has_the_event)
{
	int kq = timer_kq(EV_ONESHOT, 0, 30);
	struct pollfd pfd = { .fd = kq, .events = POLLIN, .revents = 0 };
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	ck_assert_int_eq(poll(&pfd, 1, KQT_WAIT_MS), 1);
	ck_assert(pfd.revents & POLLIN);
	kqt_expect_one(kq, TID, EVFILT_TIMER);
	pfd.revents = 0;
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
}
END_TEST

START_TEST(timer_wakes_a_blocked_kevent)
{
	int kq = timer_kq(EV_ONESHOT, 0, 30);
	struct kevent ev;
	ck_assert_int_eq(kevent(kq, NULL, 0, &ev, 1, NULL), 1);
	ck_assert_uint_eq(ev.ident, TID);
}
END_TEST

/* Descriptors open in the process, by asking each number. */
static int
count_open_fds(void)
{
	struct rlimit rl;
	ck_assert_ok(getrlimit(RLIMIT_NOFILE, &rl));
	int n = 0;
	for (rlim_t fd = 0; fd < rl.rlim_cur; fd++)
		if (fcntl((int)fd, F_GETFD) != -1)
			n++;
	return n;
}

#define NKQ 10000

START_TEST(timer_ten_thousand_kqueues_cost_only_their_descriptors)
{
	struct rlimit rl;
	ck_assert_ok(getrlimit(RLIMIT_NOFILE, &rl));
	ck_assert_msg(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= NKQ + 100,
	    "RLIMIT_NOFILE hard limit %llu is too low for this case",
	    (unsigned long long)rl.rlim_max);
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? NKQ + 1000 :
	    rl.rlim_max;
	ck_assert_ok(setrlimit(RLIMIT_NOFILE, &rl));

	int before = count_open_fds();
	int *kqs = calloc(NKQ, sizeof *kqs);
	ck_assert_ptr_nonnull(kqs);
	for (int i = 0; i < NKQ; i++) {
		kqs[i] = kqt_new();
		kqt_change(kqs[i], TID, EVFILT_TIMER, EV_ADD, 0, HOUR_MS, NULL);
	}
	ck_assert_int_eq(count_open_fds() - before, NKQ);
	/* Every timer works: replaced by a short one-shot (a re-add would
	 * keep the flags it was added with), each fires in its kqueue. */
	for (int i = 0; i < NKQ; i++) {
		struct kevent ch[2];
		EV_SET(&ch[0], TID, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
		EV_SET(&ch[1], TID, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 1,
		    NULL);
		ck_assert_int_eq(kevent(kqs[i], ch, 2, NULL, 0, NULL), 0);
	}
	for (int i = 0; i < NKQ; i++)
		kqt_expect_one(kqs[i], TID, EVFILT_TIMER);
	ck_assert_int_eq(count_open_fds() - before, NKQ);
	for (int i = 0; i < NKQ; i++)
		close(kqs[i]);
	free(kqs);
	ck_assert_int_eq(count_open_fds(), before);
}
END_TEST

START_TEST(timer_of_a_closed_kqueue_reaches_no_later_kqueue)
{
	int kq = timer_kq(0, 0, 1);
	struct pollfd pfd = { .fd = kq, .events = POLLIN, .revents = 0 };
	ck_assert_int_eq(poll(&pfd, 1, KQT_WAIT_MS), 1);
	close(kq);
	/* Most likely the same number again. */
	int kq2 = kqt_new();
	kqt_expect_none(kq2);
	pfd.fd = kq2;
	pfd.revents = 0;
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
}
END_TEST

START_TEST(timer_close_of_the_kqueue_gives_back_what_its_timers_held)
{
	int before = count_open_fds();
	int kq = timer_kq(0, 0, 1);
	struct pollfd pfd = { .fd = kq, .events = POLLIN, .revents = 0 };
	ck_assert_int_eq(poll(&pfd, 1, KQT_WAIT_MS), 1);
	close(kq);
	/* No further kqueue call: the timers must go by themselves. */
	int64_t deadline = now_ns(CLOCK_MONOTONIC) + 5000000000LL;
	while (count_open_fds() != before &&
	    now_ns(CLOCK_MONOTONIC) < deadline)
		sleep_ms(1);
	ck_assert_int_eq(count_open_fds(), before);
}
END_TEST

START_TEST(timer_goes_on_in_a_dup_of_the_kqueue)
{
	int kq = timer_kq(0, 0, 10);
	int copy = dup(kq);
	ck_assert_ok(copy);
	kqt_expect_one(copy, TID, EVFILT_TIMER);
	close(kq);
	struct kevent ev = kqt_expect_one(copy, TID, EVFILT_TIMER);
	ck_assert_ptr_eq(ev.udata, &marker);
}
END_TEST

static int
child_uses_a_timer(void)
{
	int kq = kqueue();
	if (kq == -1)
		return 1;
	struct kevent ch, ev;
	EV_SET(&ch, TID, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 10, NULL);
	if (kevent(kq, &ch, 1, NULL, 0, NULL) != 0)
		return 2;
	struct timespec ts = kqt_ms(KQT_WAIT_MS);
	if (kevent(kq, NULL, 0, &ev, 1, &ts) != 1 || ev.ident != TID)
		return 3;
	return 0;
}

START_TEST(timer_works_in_a_fork_child)
{
	int kq = timer_kq(0, 0, 1);
	kqt_expect_one(kq, TID, EVFILT_TIMER);
	pid_t pid = fork();
	ck_assert_ok(pid);
	if (pid == 0)
		_exit(child_uses_a_timer());
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	/* And the parent's timer runs on. */
	kqt_expect_one(kq, TID, EVFILT_TIMER);
}
END_TEST

#endif

Suite *
kq_timer_suite(void)
{
	Suite *s = suite_create("timer");
#ifdef EVFILT_TIMER
	TCase *tc = tcase_create("timer");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, timer_does_not_fire_before_its_period);
	tcase_add_test(tc, timer_fires_with_its_ident_udata_and_ev_clear);
	tcase_add_test(tc, timer_periodic_counts_the_expirations_since_last_retrieval);
	tcase_add_test(tc, timer_periodic_keeps_firing);
	tcase_add_test(tc, timer_oneshot_fires_once_and_is_deleted);
	tcase_add_test(tc, timer_default_unit_is_milliseconds);
	tcase_add_test(tc, timer_note_mseconds_counts_milliseconds);
	tcase_add_test(tc, timer_note_useconds_counts_microseconds);
	tcase_add_test(tc, timer_note_nseconds_counts_nanoseconds);
	tcase_add_test(tc, timer_note_seconds_counts_seconds);
	tcase_add_test(tc, timer_zero_period_is_one_unit);
	tcase_add_test(tc, timer_zero_oneshot_fires_at_once);
	tcase_add_test(tc, timer_abstime_fires_at_the_given_realtime);
	tcase_add_test(tc, timer_abstime_fires_once_and_stays_triggered);
	tcase_add_test(tc, timer_abstime_with_clear_fires_once);
	tcase_add_test(tc, timer_abstime_in_the_past_fires_at_once);
	tcase_add_test(tc, timer_delete_stops_it);
	tcase_add_test(tc, timer_delete_discards_an_undelivered_expiration);
	tcase_add_test(tc, timer_change_of_a_missing_timer_fails_with_enoent);
	tcase_add_test(tc, timer_readd_rearms_with_the_new_period);
	tcase_add_test(tc, timer_readd_discards_undelivered_expirations);
	tcase_add_test(tc, timer_readd_restarts_the_period);
	tcase_add_test(tc, timer_disabled_does_not_fire_and_keeps_counting);
	tcase_add_test(tc, timer_disable_hides_a_pending_expiration);
	tcase_add_test(tc, timer_dispatch_disables_after_delivery);
	tcase_add_test(tc, timer_timers_of_one_kqueue_are_independent);
	tcase_add_test(tc, timer_receipt_reports_success_as_zero);
	tcase_add_test(tc, timer_negative_data_fails_with_einval);
	tcase_add_test(tc, timer_unknown_fflags_fail_with_einval);
	tcase_add_test(tc, timer_two_units_fail_with_einval);
	tcase_add_test(tc, timer_bad_add_without_receipt_fails_the_call);
	tcase_add_test(tc, timer_bad_readd_is_reported_through_the_knote);
	tcase_add_test(tc, timer_kqueue_polls_readable_exactly_while_it_has_the_event);
	tcase_add_test(tc, timer_wakes_a_blocked_kevent);
	tcase_add_test(tc, timer_ten_thousand_kqueues_cost_only_their_descriptors);
	tcase_add_test(tc, timer_of_a_closed_kqueue_reaches_no_later_kqueue);
	tcase_add_test(tc, timer_close_of_the_kqueue_gives_back_what_its_timers_held);
	tcase_add_test(tc, timer_goes_on_in_a_dup_of_the_kqueue);
	tcase_add_test(tc, timer_works_in_a_fork_child);
	suite_add_tcase(s, tc);
#endif
	return s;
}
