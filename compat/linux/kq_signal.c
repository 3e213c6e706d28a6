/*
 * EVFILT_SIGNAL: count the signals sent to the process, without taking
 * them from anyone.
 *
 * FreeBSD counts every attempt to send the signal (tdsendsignal() in
 * sys/kern/kern_sig.c runs the process's signal knotes before it looks at
 * the disposition), so its knote fires whether the signal is caught,
 * ignored (SIGCHLD excepted, which is never sent while ignored) or blocked,
 * and the signal itself is delivered as if no knote existed.  Linux offers
 * no such tap, so compat watches two ways, both from the helper thread:
 *
 * - A signal that every thread blocks stays pending.  A signalfd (one per
 *   process, never read) shows it, and wakes its pollers whenever a signal
 *   is sent to the process.  The helper counts a watched signal when it
 *   finds it newly pending; a signal still pending is counted again only
 *   after its event was retrieved and a signal has been sent since (the
 *   signalfd sits edge-triggered in the helper's own epoll, so each sending
 *   is one wakeup): the taker -- sigtimedwait(), or a handler once
 *   unblocked -- may have taken it and a new one come, which pending
 *   alone cannot tell.  The retrieval first takes the wakeups waiting in
 *   that epoll: the helper may have counted a sending, seen pending, before
 *   it took that sending's wakeup, which must not count it again.  Every
 *   EKQ_RECHECK_MS it also looks whether such a signal was taken.
 * - A signal that is caught, or ignored, never stays pending.  While it is
 *   watched, compat's own handler stands in for the disposition the program
 *   set (when the first knote for the signal is added): it counts the
 *   signal, wakes the helper through an eventfd, and then does what that
 *   disposition says: calls the program's handler, or nothing for SIG_IGN
 *   and for SIG_DFL where the default is to ignore.  Signals whose default
 *   is to stop or end the process keep SIG_DFL: the handler cannot do that
 *   for them.  The program's disposition comes back when the last knote for
 *   the signal goes, unless the program has set another meanwhile.
 *
 * A signal seen pending by the helper may be taken by a handler a moment
 * later; `claim` makes sure it is counted once: the helper sets it before
 * looking, the handler that finds it set leaves the counting to the helper.
 *
 * Descriptors: the epoll, the signalfd and the eventfd, process-wide, while
 * some signal is watched.
 */
#include "config.h"

#include "kq.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define EKQ_RECHECK_MS 10

#ifdef _NSIG
#define EKQ_NSIG _NSIG
#else
#define EKQ_NSIG 65
#endif

static struct ekq_hknote *ekq_watchers[EKQ_NSIG];
static bool ekq_installed[EKQ_NSIG];
static struct sigaction ekq_saved[EKQ_NSIG];
static bool ekq_held[EKQ_NSIG];      /* counted while pending */
static bool ekq_taken[EKQ_NSIG];     /* held, and its event retrieved */
static uint64_t ekq_taken_at[EKQ_NSIG]; /* ekq_sendings at the retrieval */
static uint64_t ekq_sendings;        /* signalfd wakeups taken */
static int ekq_hepfd = -1;           /* the helper's epoll */
static atomic_uint ekq_caught[EKQ_NSIG];
static atomic_int ekq_claim[EKQ_NSIG];
static atomic_int ekq_wakefd = -1;
static atomic_int ekq_inflight;      /* handlers using ekq_wakefd */
static int ekq_sigfd = -1;
static sigset_t ekq_fdmask;
static unsigned ekq_nwatched;        /* signals with knotes */

static void
trampoline(int sig, siginfo_t *info, void *uc)
{
	int saved_errno = errno;
	if (atomic_exchange(&ekq_claim[sig], 0) == 0)
		atomic_fetch_add(&ekq_caught[sig], 1);
	atomic_fetch_add(&ekq_inflight, 1);
	int fd = atomic_load(&ekq_wakefd);
	if (fd >= 0) {
		uint64_t one = 1;
		ssize_t w = write(fd, &one, sizeof one);
		(void)w;
	}
	atomic_fetch_sub(&ekq_inflight, 1);
	errno = saved_errno;
	const struct sigaction *sa = &ekq_saved[sig];
	if (sa->sa_flags & SA_SIGINFO)
		sa->sa_sigaction(sig, info, uc);
	else if (sa->sa_handler != SIG_IGN && sa->sa_handler != SIG_DFL)
		sa->sa_handler(sig);
}

/* Signals whose default action is to do nothing. */
static bool
default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
	    sig == SIGCONT;
}

static void
install(int sig)
{
	struct sigaction old;
	if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &old) != 0)
		return;
	bool dfl = !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL;
	bool ign = !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN;
	if (ign && sig == SIGCHLD)
		return; /* not recorded, as on FreeBSD; and it reaps children */
	if (dfl && !default_ignored(sig))
		return;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = trampoline;
	sa.sa_mask = old.sa_mask;
	sa.sa_flags = old.sa_flags | SA_SIGINFO;
	if (ign || dfl)
		sa.sa_flags |= SA_RESTART;
	ekq_saved[sig] = old;
	if (sigaction(sig, &sa, NULL) == 0)
		ekq_installed[sig] = true;
}

static void
uninstall(int sig)
{
	if (!ekq_installed[sig])
		return;
	ekq_installed[sig] = false;
	struct sigaction cur;
	if (sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
	    cur.sa_sigaction == trampoline)
		sigaction(sig, &ekq_saved[sig], NULL);
}

static int
open_fds(void)
{
	if (ekq_hepfd != -1)
		return 0;
	sigset_t none;
	sigemptyset(&none);
	/* High, as markers are (kq_fd.c): these come and go with the
	 * first and last signal knote. */
	int epfd = ekq_move_high(epoll_create1(EPOLL_CLOEXEC));
	int sfd = ekq_move_high(signalfd(-1, &none, SFD_CLOEXEC | SFD_NONBLOCK));
	int wfd = ekq_move_high(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	struct epoll_event sev = { .events = EPOLLIN | EPOLLET, .data.u32 = 1 };
	struct epoll_event wev = { .events = EPOLLIN, .data.u32 = 2 };
	if (epfd == -1 || sfd == -1 || wfd == -1 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &sev) == -1 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, wfd, &wev) == -1) {
		int err = errno;
		if (epfd != -1)
			close(epfd);
		if (sfd != -1)
			close(sfd);
		if (wfd != -1)
			close(wfd);
		return err;
	}
	ekq_hepfd = epfd;
	ekq_sigfd = sfd;
	ekq_fdmask = none;
	atomic_store(&ekq_wakefd, wfd);
	return 0;
}

static void
close_fds(void)
{
	int fd = atomic_exchange(&ekq_wakefd, -1);
	if (fd != -1) {
		/* A handler that read the number may still write to it. */
		while (atomic_load(&ekq_inflight) != 0)
			sched_yield();
		close(fd);
	}
	if (ekq_sigfd != -1)
		close(ekq_sigfd);
	if (ekq_hepfd != -1)
		close(ekq_hepfd);
	ekq_sigfd = ekq_hepfd = -1;
}

int
ekq_signal_attach_locked(struct ekq_hknote *hk)
{
	/*
	 * filt_sigattach() takes any ident; a number that is no signal here
	 * never fires.  kn_id is compared as an int.
	 */
	int sig = (int)hk->ident;
	if (sig <= 0 || sig >= EKQ_NSIG)
		return 0;
	if (ekq_watchers[sig] == NULL) {
		int err = open_fds();
		if (err != 0)
			return err;
		ekq_nwatched++;
		install(sig);
		ekq_helper_wake_locked();
	}
	hk->snext = ekq_watchers[sig];
	ekq_watchers[sig] = hk;
	return 0;
}

void
ekq_signal_detach_locked(struct ekq_hknote *hk)
{
	int sig = (int)hk->ident;
	if (sig <= 0 || sig >= EKQ_NSIG)
		return;
	struct ekq_hknote **link = &ekq_watchers[sig];
	while (*link != hk)
		link = &(*link)->snext;
	*link = hk->snext;
	if (ekq_watchers[sig] != NULL)
		return;
	uninstall(sig);
	ekq_held[sig] = ekq_taken[sig] = false;
	atomic_store(&ekq_claim[sig], 0);
	atomic_store(&ekq_caught[sig], 0);
	ekq_nwatched--;
	ekq_helper_wake_locked(); /* the helper closes or narrows sigfd */
	if (ekq_nwatched == 0)
		ekq_helper_settle_later_locked();
}

static void
fire(int sig, int64_t n)
{
	for (struct ekq_hknote *hk = ekq_watchers[sig]; hk != NULL;
	    hk = hk->snext)
		ekq_helper_fired_locked(hk, n);
}

/* sigset_t has room beyond the signals, which glibc leaves undefined. */
static bool
same_signals(const sigset_t *a, const sigset_t *b)
{
	for (int sig = 1; sig < EKQ_NSIG; sig++)
		if (sigismember(a, sig) != sigismember(b, sig))
			return false;
	return true;
}

/*
 * Count the signalfd's wakeups (sendings).  The helper itself also empties
 * the eventfd; another thread (a retrieval) leaves it: a kick it took
 * would never wake the helper's poll.
 */
static void
take_wakeups_locked(bool by_helper)
{
	if (ekq_hepfd == -1)
		return;
	struct epoll_event evs[2];
	int n = epoll_wait(ekq_hepfd, evs, 2, 0);
	for (int i = 0; i < n; i++) {
		if (evs[i].data.u32 == 1) {
			ekq_sendings++;
		} else if (by_helper) {
			uint64_t v;
			while (read(atomic_load(&ekq_wakefd), &v, sizeof v) > 0)
				continue;
		}
	}
}

void
ekq_signal_collect_locked(int *pollfd, int *recheck_ms)
{
	*pollfd = *recheck_ms = -1;
	if (ekq_nwatched == 0) {
		/* Only the helper closes them: it polls them unlocked. */
		close_fds();
		return;
	}
	for (int sig = 1; sig < EKQ_NSIG; sig++) {
		if (ekq_watchers[sig] == NULL)
			continue;
		unsigned n = atomic_exchange(&ekq_caught[sig], 0);
		if (n > 0)
			fire(sig, n);
		if (!ekq_held[sig])
			atomic_store(&ekq_claim[sig], 1);
	}
	sigset_t pending, mask;
	sigpending(&pending);
	sigemptyset(&mask);
	bool held = false;
	for (int sig = 1; sig < EKQ_NSIG; sig++) {
		if (ekq_watchers[sig] == NULL)
			continue;
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaddset(&mask, sig);
		bool is_pending = sigismember(&pending, sig) == 1;
		if (ekq_held[sig]) {
			if (!is_pending) {
				/* Taken: by a handler (which found the claim
				 * and counted nothing) or by sigwait() and
				 * the like. */
				atomic_store(&ekq_claim[sig], 0);
				ekq_held[sig] = ekq_taken[sig] = false;
				continue;
			}
			held = true;
			if (ekq_taken[sig] &&
			    ekq_sendings != ekq_taken_at[sig]) {
				fire(sig, 1);
				ekq_taken[sig] = false;
			}
		} else if (is_pending) {
			fire(sig, 1);
			ekq_held[sig] = true;
			held = true;
		} else if (atomic_exchange(&ekq_claim[sig], 0) == 0) {
			/* A handler ran since the claim was set and left the
			 * counting to us. */
			fire(sig, 1);
		}
	}
	if (!same_signals(&mask, &ekq_fdmask))
		take_wakeups_locked(true); /* before the new mask's own */
	if (!same_signals(&mask, &ekq_fdmask) &&
	    signalfd(ekq_sigfd, &mask, 0) != -1) {
		ekq_fdmask = mask;
		/* The new mask woke the signalfd, though nothing was sent:
		 * take that edge (the eventfd's level stays). */
		struct epoll_event evs[2];
		(void)epoll_wait(ekq_hepfd, evs, 2, 0);
	}
	*pollfd = ekq_hepfd;
	*recheck_ms = held ? EKQ_RECHECK_MS : -1;
}

void
ekq_signal_retrieved_locked(int sig)
{
	if (sig <= 0 || sig >= EKQ_NSIG || !ekq_held[sig])
		return;
	/* Sendings up to now are behind this event. */
	take_wakeups_locked(false);
	ekq_taken[sig] = true;
	ekq_taken_at[sig] = ekq_sendings;
}

void
ekq_signal_after_wait_locked(void)
{
	take_wakeups_locked(true);
}

void
ekq_signal_kick_locked(void)
{
	int fd = atomic_load(&ekq_wakefd);
	if (fd >= 0) {
		uint64_t one = 1;
		ssize_t w = write(fd, &one, sizeof one);
		(void)w;
	}
}

void
ekq_signal_forget_all_locked(void)
{
	for (int sig = 1; sig < EKQ_NSIG; sig++) {
		uninstall(sig);
		ekq_watchers[sig] = NULL;
		ekq_held[sig] = ekq_taken[sig] = false;
		atomic_store(&ekq_claim[sig], 0);
		atomic_store(&ekq_caught[sig], 0);
	}
	ekq_nwatched = 0;
	close_fds();
}

/* kq_selfsig.c: `sig` was sent to this process by this process. */
void
ekq_signal_sent_to_self(int sig)
{
	if (sig <= 0 || sig >= EKQ_NSIG)
		return;
	ekq_helper_lock();
	bool watched = ekq_watchers[sig] != NULL;
	if (watched)
		ekq_helper_settle_later_locked();
	ekq_helper_unlock();
	if (watched)
		ekq_helper_settle();
}
