/*
 * Signals and the waits.
 *
 * ep_poll returns ready events first, then 0 if the timeout was zero, and
 * only then -EINTR for a pending signal -- never a restart, so SA_RESTART
 * does not help.  epoll_pwait/epoll_pwait2 install their mask for the
 * duration of the call, atomically (set_user_sigmask), and put the old one
 * back afterwards; a signal that the wait's mask unblocks is delivered only
 * when the call ends with EINTR (restore_saved_sigmask_unless).
 *
 * Interrupting a blocked wait: a helper thread keeps sending the signal
 * until the waiter says it has returned, so it does not matter whether the
 * first one arrives before the waiter is blocked.
 */
#include "config.h"

#include "ep_test.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	(void)sig;
	caught++;
}

static void
catch_signal(int sig, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	ck_assert_ok(sigaction(sig, &sa, NULL));
	caught = 0;
}

static void
block(int sig, int how)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	ck_assert_int_eq(pthread_sigmask(how, &set, NULL), 0);
}

static int
is_blocked(int sig)
{
	sigset_t cur;
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &cur), 0);
	return sigismember(&cur, sig);
}

static int
is_pending(int sig)
{
	sigset_t set;
	ck_assert_ok(sigpending(&set));
	return sigismember(&set, sig);
}

/* The current mask with `sig` removed / added. */
static sigset_t
mask_without(int sig)
{
	sigset_t set;
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &set), 0);
	sigdelset(&set, sig);
	return set;
}

static sigset_t
mask_with(int sig)
{
	sigset_t set;
	ck_assert_int_eq(pthread_sigmask(SIG_SETMASK, NULL, &set), 0);
	sigaddset(&set, sig);
	return set;
}

/* ---- the nagger: signals a thread until told to stop ---------------- */

struct nagger {
	pthread_t thread, target;
	int sig;
	int stop[2];
};

static void *
nag(void *arg)
{
	struct nagger *ng = arg;
	struct pollfd pfd = { .fd = ng->stop[0], .events = POLLIN };
	/* Resend every few ms: the first may land before the wait starts. */
	do
		pthread_kill(ng->target, ng->sig);
	while (poll(&pfd, 1, 5) == 0);
	return NULL;
}

static void
nag_start(struct nagger *ng, int sig)
{
	ng->target = pthread_self();
	ng->sig = sig;
	ekq_make_pipe(ng->stop);
	ck_assert_int_eq(pthread_create(&ng->thread, NULL, nag, ng), 0);
}

static void
nag_stop(struct nagger *ng)
{
	ekq_write_all(ng->stop[1], "s", 1);
	ck_assert_int_eq(pthread_join(ng->thread, NULL), 0);
	close(ng->stop[0]);
	close(ng->stop[1]);
}

/* An instance with an idle pipe registered: waits on it block. */
static int
idle_instance(int p[2])
{
	int epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	return epfd;
}

enum wait_kind { WAIT, PWAIT, PWAIT2 };

/* One call of the given kind, blocking up to EP_SOON, no signal mask. */
static int
one_wait(enum wait_kind kind, int epfd, struct epoll_event *ev)
{
	struct timespec ts = { EP_SOON / 1000, 0 };
	switch (kind) {
	case WAIT:
		return epoll_wait(epfd, ev, 1, EP_SOON);
	case PWAIT:
		return epoll_pwait(epfd, ev, 1, EP_SOON, NULL);
	case PWAIT2:
		return epoll_pwait2(epfd, ev, 1, &ts, NULL);
	}
	return -2;
}

static void
interrupted(enum wait_kind kind, int sa_flags)
{
	int p[2], epfd = idle_instance(p);
	catch_signal(SIGUSR1, sa_flags);
	struct nagger ng;
	struct epoll_event ev;
	nag_start(&ng, SIGUSR1);
	errno = 0;
	int n = one_wait(kind, epfd, &ev);
	int err = errno;
	nag_stop(&ng);
	ck_assert_msg(n == -1 && err == EINTR, "got %d/%s", n, strerror(err));
	ck_assert_int_gt(caught, 0);
}

START_TEST(wait_caught_signal_gives_eintr)
{
	interrupted(WAIT, 0);
}
END_TEST

START_TEST(wait_caught_signal_gives_eintr_despite_sa_restart)
{
	interrupted(WAIT, SA_RESTART);
}
END_TEST

START_TEST(pwait_caught_signal_gives_eintr)
{
	interrupted(PWAIT, SA_RESTART);
}
END_TEST

START_TEST(pwait2_caught_signal_gives_eintr)
{
	interrupted(PWAIT2, SA_RESTART);
}
END_TEST

START_TEST(wait_ignored_signal_does_not_interrupt)
{
	int p[2], epfd = idle_instance(p);
	ck_assert(signal(SIGUSR1, SIG_IGN) != SIG_ERR);
	struct nagger ng;
	struct ep_poker pk;
	nag_start(&ng, SIGUSR1);
	/* The byte comes after EP_QUIET ms of signals. */
	ep_poker_start(&pk, epfd, p[1]);
	struct epoll_event ev;
	int n = epoll_wait(epfd, &ev, 1, EP_SOON);
	nag_stop(&ng);
	ep_poker_join(&pk);
	ck_assert_msg(n == 1, "got %d/%s", n, strerror(errno));
}
END_TEST

START_TEST(pwait_mask_unblocking_a_pending_signal_gives_eintr_at_once)
{
	int p[2], epfd = idle_instance(p);
	catch_signal(SIGUSR1, 0);
	block(SIGUSR1, SIG_BLOCK);
	raise(SIGUSR1);
	ck_assert_int_eq(caught, 0);
	sigset_t during = mask_without(SIGUSR1);
	struct epoll_event ev;
	long long t0 = ep_now_us();
	ck_assert_fails_with(epoll_pwait(epfd, &ev, 1, EP_SOON, &during), EINTR);
	ck_assert_int_lt(ep_now_us() - t0, EP_SOON * 1000LL / 2);
	ck_assert_int_eq(caught, 1);
	/* The caller's mask is back. */
	ck_assert(is_blocked(SIGUSR1));
}
END_TEST

START_TEST(pwait2_mask_unblocking_a_pending_signal_gives_eintr_at_once)
{
	int p[2], epfd = idle_instance(p);
	catch_signal(SIGUSR1, 0);
	block(SIGUSR1, SIG_BLOCK);
	raise(SIGUSR1);
	sigset_t during = mask_without(SIGUSR1);
	struct epoll_event ev;
	ck_assert_fails_with(epoll_pwait2(epfd, &ev, 1, NULL, &during), EINTR);
	ck_assert_int_eq(caught, 1);
	ck_assert(is_blocked(SIGUSR1));
}
END_TEST

START_TEST(pwait_mask_keeping_a_pending_signal_blocked_does_not_interrupt)
{
	int p[2], epfd = idle_instance(p);
	catch_signal(SIGUSR1, 0);
	block(SIGUSR1, SIG_BLOCK);
	raise(SIGUSR1);
	sigset_t during = mask_with(SIGUSR1);
	struct epoll_event ev;
	long long t0 = ep_now_us();
	ck_assert_int_eq(epoll_pwait(epfd, &ev, 1, EP_QUIET, &during), 0);
	ck_assert_int_ge(ep_now_us() - t0, EP_QUIET * 1000LL);
	ck_assert_int_eq(caught, 0);
	ck_assert(is_pending(SIGUSR1));
}
END_TEST

START_TEST(pwait_mask_blocks_a_signal_sent_during_the_wait)
{
	/* SIGUSR1 is deliverable outside the call; the call's mask blocks it:
	 * sent while the thread waits, it must not interrupt. */
	int p[2], epfd = idle_instance(p);
	catch_signal(SIGUSR1, 0);
	sigset_t during = mask_with(SIGUSR1);
	struct nagger ng;
	struct ep_poker pk;
	ep_poker_start(&pk, epfd, p[1]);
	nag_start(&ng, SIGUSR1);
	struct epoll_event ev;
	int n = epoll_pwait(epfd, &ev, 1, EP_SOON, &during);
	int err = errno;
	nag_stop(&ng);
	ep_poker_join(&pk);
	ck_assert_msg(n == 1, "got %d/%s", n, strerror(err));
}
END_TEST

START_TEST(pwait_restores_the_callers_mask)
{
	int p[2], epfd = idle_instance(p);
	block(SIGUSR2, SIG_BLOCK);
	block(SIGUSR1, SIG_UNBLOCK);
	sigset_t during;
	sigemptyset(&during);
	sigaddset(&during, SIGUSR1);
	struct epoll_event ev;
	ck_assert_int_eq(epoll_pwait(epfd, &ev, 1, 0, &during), 0);
	ck_assert(is_blocked(SIGUSR2));
	ck_assert(!is_blocked(SIGUSR1));
}
END_TEST

START_TEST(pwait_null_mask_leaves_the_mask_alone)
{
	int p[2], epfd = idle_instance(p);
	catch_signal(SIGUSR1, 0);
	block(SIGUSR1, SIG_BLOCK);
	raise(SIGUSR1);
	struct epoll_event ev;
	ck_assert_int_eq(epoll_pwait(epfd, &ev, 1, EP_QUIET, NULL), 0);
	ck_assert_int_eq(caught, 0);
	ck_assert(is_pending(SIGUSR1));
}
END_TEST

START_TEST(pwait_ready_event_wins_over_a_pending_signal)
{
	/* Events are collected before signals are looked at. */
	int p[2], epfd = idle_instance(p);
	catch_signal(SIGUSR1, 0);
	block(SIGUSR1, SIG_BLOCK);
	raise(SIGUSR1);
	ep_poke(p[1]);
	sigset_t during = mask_without(SIGUSR1);
	struct epoll_event ev;
	ck_assert_int_eq(epoll_pwait(epfd, &ev, 1, EP_SOON, &during), 1);
	ck_assert(ev.data.u64 == 1);
}
END_TEST

START_TEST(pwait_zero_timeout_ignores_a_pending_signal)
{
	/* timeout 0 returns before the signal check: 0, not EINTR. */
	int p[2], epfd = idle_instance(p);
	catch_signal(SIGUSR1, 0);
	block(SIGUSR1, SIG_BLOCK);
	raise(SIGUSR1);
	sigset_t during = mask_without(SIGUSR1);
	struct epoll_event ev;
	ck_assert_int_eq(epoll_pwait(epfd, &ev, 1, 0, &during), 0);
	ck_assert(is_blocked(SIGUSR1));
}
END_TEST

/* ---- stop signals ---------------------------------------------------- */

static int
wait_in_child(int ready_fd)
{
	int p[2];
	if (pipe(p) != 0)
		return 10;
	int epfd = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, p[0], &ev) != 0)
		return 11;
	if (write(ready_fd, "r", 1) != 1)
		return 12;
	int n = epoll_wait(epfd, &ev, 1, 2 * EP_SOON);
	if (n == -1 && errno == EINTR)
		return 0;
	return n == 0 ? 2 : 3;
}

START_TEST(wait_stopped_and_continued_gives_eintr)
{
	/* No handler at all: SIGSTOP + SIGCONT alone end the wait (see
	 * signal(7), "Interruption ... by stop signals"). */
	int ready[2], gone[2];
	ck_assert_ok(pipe(ready));
	ck_assert_ok(pipe(gone));
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		close(gone[0]);	/* gone[1] closes when this child exits */
		_exit(wait_in_child(ready[1]));
	}
	close(ready[1]);
	close(gone[1]);
	char c;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	struct pollfd pfd = { .fd = gone[0], .events = POLLIN };
	int status = 0, reaped = 0;
	/* Stop and continue until the child's wait ends (the first stop may
	 * come before it is blocked). */
	for (int i = 0; i < 200; i++) {
		ck_assert_ok(kill(pid, SIGSTOP));
		ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
		if (!WIFSTOPPED(status)) {
			reaped = 1;	/* it was already on its way out */
			break;
		}
		ck_assert_ok(kill(pid, SIGCONT));
		if (poll(&pfd, 1, 20) == 1)
			break;
	}
	if (!reaped)
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

Suite *
ep_signals_suite(void)
{
	Suite *s = suite_create("signals");
	TCase *tc = tcase_create("eintr");
	tcase_add_test(tc, wait_caught_signal_gives_eintr);
	tcase_add_test(tc, wait_caught_signal_gives_eintr_despite_sa_restart);
	tcase_add_test(tc, pwait_caught_signal_gives_eintr);
	tcase_add_test(tc, pwait2_caught_signal_gives_eintr);
	tcase_add_test(tc, wait_ignored_signal_does_not_interrupt);
	tcase_add_test(tc, wait_stopped_and_continued_gives_eintr);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigmask");
	tcase_add_test(tc, pwait_mask_unblocking_a_pending_signal_gives_eintr_at_once);
	tcase_add_test(tc, pwait2_mask_unblocking_a_pending_signal_gives_eintr_at_once);
	tcase_add_test(tc, pwait_mask_keeping_a_pending_signal_blocked_does_not_interrupt);
	tcase_add_test(tc, pwait_mask_blocks_a_signal_sent_during_the_wait);
	tcase_add_test(tc, pwait_restores_the_callers_mask);
	tcase_add_test(tc, pwait_null_mask_leaves_the_mask_alone);
	tcase_add_test(tc, pwait_ready_event_wins_over_a_pending_signal);
	tcase_add_test(tc, pwait_zero_timeout_ignores_a_pending_signal);
	suite_add_tcase(s, tc);
	return s;
}
