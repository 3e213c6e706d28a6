/*
 * The helper thread, and the knotes it fires: EVFILT_TIMER and
 * EVFILT_SIGNAL.
 *
 * These knotes watch no descriptor, so nothing in a kqueue's epoll can tell
 * when they fire, and a descriptor per knote (a timerfd, a signalfd) would
 * cost what a kqueue must not: a program may hold 10,000 kqueues with a
 * timer each.  Instead one thread per process, started with the first such
 * knote, sleeps until the nearest timer expires or a watched signal
 * arrives, counts the firing in the knote, and puts the knote on its
 * kqueue's pending list with the marker armed -- as a triggered EVFILT_USER
 * knote does -- so that kevent() returns it and poll() sees the kqueue
 * readable.  Timers need no descriptor at all (a condition variable wakes
 * the thread); signals need two, process-wide (kq_signal.c).
 *
 * The thread blocks every signal, so it never runs a handler and never
 * takes a signal that the program's threads all block.
 *
 * Each round the thread takes ekq_table_lock, then ekq_helper_lock: a
 * kqueue is freed only under the table lock, so the kqueues it collected
 * stay alive until it has taken a reference on each (or found it closed,
 * and forgotten it: a closed kqueue's timers go the first time they fire).
 * It then queues their knotes under each kqueue's own lock.
 */
#include "config.h"

#include "kq.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t ekq_hlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ekq_hcond;
static bool ekq_hcond_ready;
static bool ekq_hrunning;
/*
 * The thread has begun helper_main().  Until then it is inside the C
 * library's (or a sanitizer's) thread start-up, which may hold allocator
 * locks that none of ours cover; a fork() then would hand the child a
 * locked allocator.  So a start returns only once the thread runs our
 * code, and atfork_prepare() waits the same way.
 */
static bool ekq_hstarted;
static bool ekq_hkicked;           /* look again before sleeping */
static struct ekq_kq *ekq_pokes;   /* kqueues with knotes to queue */
/*
 * Rounds the helper has made, for a kevent() that removed the last watched
 * signal: it waits (unlocked, at its end) for the round that closes the
 * signal descriptors, as a kernel would have let go of everything by the
 * time kevent() returns.  Without it a program that closes what it opened
 * could look at its descriptor table in between and find two of ours.
 */
static pthread_cond_t ekq_hdone = PTHREAD_COND_INITIALIZER;
static uint64_t ekq_hround;
static atomic_bool ekq_settle_wanted;

void
ekq_helper_lock(void)
{
	ekq_kq_lock(&ekq_hlock);
}

void
ekq_helper_unlock(void)
{
	ekq_kq_unlock(&ekq_hlock);
}

uint64_t
ekq_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
ekq_helper_wake_locked(void)
{
	ekq_hkicked = true;
	pthread_cond_signal(&ekq_hcond);
	ekq_signal_kick_locked();
}

/* The next kevent() to return waits for the helper's next round. */
void
ekq_helper_settle_later_locked(void)
{
	atomic_store(&ekq_settle_wanted, true);
}

void
ekq_helper_settle(void)
{
	if (!atomic_exchange(&ekq_settle_wanted, false))
		return;
	ekq_kq_lock(&ekq_hlock);
	if (ekq_hrunning) {
		/* Two: the round under way may have looked already. */
		uint64_t target = ekq_hround + 2;
		while (ekq_hrunning && ekq_hround < target) {
			ekq_helper_wake_locked(); /* each round needs a kick */
			ekq_kq_cond_wait(&ekq_hdone, &ekq_hlock);
		}
	}
	ekq_kq_unlock(&ekq_hlock);
}

void
ekq_helper_fired_locked(struct ekq_hknote *hk, int64_t n)
{
	struct ekq_kq *kq = hk->kq;
	hk->count += n;
	if (!kq->poked) {
		kq->poked = true;
		kq->poke_next = ekq_pokes;
		ekq_pokes = kq;
	}
}

bool
ekq_helper_ready(struct ekq_hknote *hk)
{
	/* filt_timer(): kn_data != 0; the signal filter is the same. */
	return hk->count != 0;
}

/* Queue the knotes of `kq` that fired; a reference on it is held. */
static void
deliver_to(struct ekq_kq *kq)
{
	ekq_kq_lock(&kq->lock);
	ekq_table_lock_acquire();
	bool current = ekq_kq_current_locked(kq);
	ekq_table_lock_release();
	if (!current) {
		/* Closed since it was held: its number may be another's.
		 * (A kqueue living on in a dup() gets its events once a
		 * kevent() through the dup() has told compat its number.) */
		ekq_kq_unlock(&kq->lock);
		ekq_kq_release(kq);
		return;
	}
	ekq_kq_lock(&ekq_hlock);
	for (struct ekq_hknote *hk = kq->hknotes; hk != NULL; hk = hk->next)
		if (ekq_helper_ready(hk) &&
		    !(hk->kn.status & (EKQ_KN_DISABLED | EKQ_KN_QUEUED)))
			ekq_pending_add(kq, &hk->kn);
	ekq_kq_unlock(&ekq_hlock);
	ekq_kq_arm_marker(kq, kq->pending.next != &kq->pending);
	ekq_kq_unlock(&kq->lock);
	ekq_kq_release(kq);
}

static struct timespec
abs_deadline(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u),
		.tv_nsec = (long)(ns % 1000000000u) };
	return ts;
}

/* Sleep until `next` (CLOCK_MONOTONIC ns), a kick, or a signal. */
static void
sleep_locked(uint64_t next, int pollfd, int recheck_ms)
{
	if (ekq_hkicked)
		return;
	if (pollfd < 0) {
		if (next == UINT64_MAX) {
			ekq_kq_cond_wait(&ekq_hcond, &ekq_hlock);
		} else {
			struct timespec ts = abs_deadline(next);
			ekq_kq_cond_timedwait(&ekq_hcond, &ekq_hlock, &ts);
		}
		return;
	}
	/* Only this thread closes pollfd, so it stays open while it polls
	 * it unlocked. */
	uint64_t now = ekq_now_ns(), wait = UINT64_MAX;
	if (next != UINT64_MAX)
		wait = next > now ? next - now : 0;
	if (recheck_ms >= 0 && wait > (uint64_t)recheck_ms * 1000000u)
		wait = (uint64_t)recheck_ms * 1000000u;
	struct timespec ts = abs_deadline(wait);
	struct pollfd pfd = { .fd = pollfd, .events = POLLIN, .revents = 0 };
	ekq_kq_unlock(&ekq_hlock);
	ppoll(&pfd, 1, wait == UINT64_MAX ? NULL : &ts, NULL);
	ekq_kq_lock(&ekq_hlock);
	ekq_signal_after_wait_locked();
}

static void *
helper_main(void *arg)
{
	(void)arg;
	ekq_kq_lock(&ekq_hlock);
	ekq_hstarted = true;
	pthread_cond_broadcast(&ekq_hdone);
	ekq_kq_unlock(&ekq_hlock);
	for (;;) {
		ekq_table_lock_acquire();
		ekq_kq_lock(&ekq_hlock);
		ekq_hkicked = false;
		ekq_timer_expire_locked(ekq_now_ns());
		int pollfd, recheck_ms;
		ekq_signal_collect_locked(&pollfd, &recheck_ms);
		struct ekq_kq *list = ekq_pokes;
		ekq_pokes = NULL;
		for (struct ekq_kq *kq = list; kq != NULL; kq = kq->poke_next)
			kq->poked = false;
		ekq_kq_unlock(&ekq_hlock);

		/* Under the table lock nothing on the list can be freed but
		 * by ekq_kq_hold_locked() itself. */
		struct ekq_kq *held = NULL;
		while (list != NULL) {
			struct ekq_kq *kq = list;
			list = kq->poke_next;
			if (ekq_kq_hold_locked(kq) != NULL) {
				kq->poke_next = held;
				held = kq;
			}
		}
		ekq_table_lock_release();
		while (held != NULL) {
			struct ekq_kq *kq = held;
			held = kq->poke_next;
			deliver_to(kq);
		}

		ekq_kq_lock(&ekq_hlock);
		/* The round is done when what it fired is queued. */
		ekq_hround++;
		pthread_cond_broadcast(&ekq_hdone);
		sleep_locked(ekq_timer_next_locked(), pollfd, recheck_ms);
		ekq_kq_unlock(&ekq_hlock);
	}
	return NULL;
}

int
ekq_helper_start_locked(void)
{
	if (ekq_hrunning)
		return 0;
	if (!ekq_hcond_ready) {
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&ekq_hcond, &ca);
		pthread_condattr_destroy(&ca);
		ekq_hcond_ready = true;
	}
	/* The thread inherits a mask that blocks everything. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	int err = pthread_create(&t, &attr, helper_main, NULL);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0)
		return ENOMEM;
	ekq_hrunning = true;
	ekq_helper_wait_started_locked();
	return 0;
}

/* The helper lock is held; it is let go while waiting. */
void
ekq_helper_wait_started_locked(void)
{
	while (ekq_hrunning && !ekq_hstarted)
		ekq_kq_cond_wait(&ekq_hdone, &ekq_hlock);
}

void
ekq_helper_atfork_child(void)
{
	/* The thread did not come along; the kqueues are abandoned (their
	 * memory with them, as kq_instance.c's atfork_child does). */
	ekq_hrunning = false;
	ekq_hstarted = false;
	ekq_hkicked = false;
	ekq_pokes = NULL;
	ekq_timer_forget_all_locked();
	ekq_signal_forget_all_locked();
	/* The parent's thread may have been waiting on it: start afresh. */
	ekq_hcond_ready = false;
	ekq_kq_unlock(&ekq_hlock);
}

struct ekq_hknote *
ekq_helper_of(struct ekq_knote *kn)
{
	return (struct ekq_hknote *)kn;
}

static struct ekq_hknote **
find(struct ekq_kq *kq, uintptr_t ident, short filter)
{
	struct ekq_hknote **link = &kq->hknotes;
	while (*link != NULL &&
	    ((*link)->ident != ident || (*link)->filter != filter))
		link = &(*link)->next;
	return link;
}

/* Stop watching; helper lock held. */
static void
detach_locked(struct ekq_hknote *hk)
{
	if (hk->filter == EVFILT_TIMER)
		ekq_timer_disarm_locked(hk);
	else
		ekq_signal_detach_locked(hk);
}

static void
hk_remove(struct ekq_kq *kq, struct ekq_hknote *hk)
{
	struct ekq_hknote **link = find(kq, hk->ident, hk->filter);
	*link = hk->next;
	if (hk->kn.status & EKQ_KN_QUEUED)
		ekq_pending_remove(kq, &hk->kn);
	ekq_kq_lock(&ekq_hlock);
	detach_locked(hk);
	ekq_kq_unlock(&ekq_hlock);
	free(hk);
}

static int
hk_add(struct ekq_kq *kq, struct kevent *kev)
{
	struct ekq_hknote *hk = calloc(1, sizeof *hk);
	if (hk == NULL)
		return ENOMEM;
	hk->kn.slot = EKQ_SLOT_HELPER;
	hk->kn.status = EKQ_KN_PRESENT;
	if (kev->flags & EV_DISABLE)
		hk->kn.status |= EKQ_KN_DISABLED;
	hk->kn.flags = kev->flags &
	    (EV_ONESHOT | EV_CLEAR | EV_DISPATCH | EV_RECEIPT);
	hk->kn.sfflags = kev->fflags;
	hk->kn.sdata = kev->data;
	hk->kn.udata = kev->udata;
	memcpy(hk->kn.ext, kev->ext, sizeof hk->kn.ext);
	hk->ident = kev->ident;
	hk->filter = kev->filter;
	hk->kq = kq;
	hk->heap = EKQ_NOHEAP;

	ekq_kq_lock(&ekq_hlock);
	int err = ekq_helper_start_locked();
	if (err == 0)
		err = hk->filter == EVFILT_TIMER ? ekq_timer_arm_locked(hk) :
		    ekq_signal_attach_locked(hk);
	ekq_kq_unlock(&ekq_hlock);
	if (err != 0) {
		free(hk);
		return err;
	}
	/*
	 * filt_timerattach() sets EV_CLEAR unless NOTE_ABSTIME, and
	 * filt_sigattach() always (FreeBSD sys/kern/kern_event.c,
	 * sys/kern/kern_sig.c).
	 */
	if (hk->filter == EVFILT_SIGNAL || !(kev->fflags & NOTE_ABSTIME))
		hk->kn.flags |= EV_CLEAR;
	hk->next = kq->hknotes;
	kq->hknotes = hk;
	kev->fflags = 0;
	kev->data = 0;
	return 0;
}

/* filt_timertouch(EVENT_REGISTER) for a re-added timer. */
static void
timer_readd(struct ekq_kq *kq, struct ekq_hknote *hk,
    const struct kevent *kev)
{
	if (hk->kn.status & EKQ_KN_QUEUED)
		ekq_pending_remove(kq, &hk->kn);
	ekq_kq_lock(&ekq_hlock);
	/* Undelivered expirations of the old timer are thrown away. */
	hk->count = 0;
	hk->kn.sfflags = kev->fflags;
	hk->kn.sdata = kev->data;
	int err = ekq_timer_arm_locked(hk);
	if (err != 0) {
		/* FreeBSD reports a bad re-add through the knote itself:
		 * EV_ERROR in its flags (for good), the errno as its data. */
		hk->kn.flags |= EV_ERROR;
		hk->count = err;
	}
	ekq_kq_unlock(&ekq_hlock);
}

int
ekq_helper_change(struct ekq_kq *kq, struct kevent *kev)
{
	struct ekq_hknote *hk = *find(kq, kev->ident, kev->filter);
	if (hk == NULL) {
		if (!(kev->flags & EV_ADD))
			return ENOENT;
		return hk_add(kq, kev);
	}
	if (kev->flags & EV_DELETE) {
		hk_remove(kq, hk);
		return 0;
	}
	hk->kn.udata = kev->udata;
	if (kev->flags & EV_ADD) {
		if (hk->filter == EVFILT_TIMER) {
			timer_readd(kq, hk, kev);
		} else {
			hk->kn.sfflags = kev->fflags;
			hk->kn.sdata = kev->data;
		}
	}
	if (kev->flags & EV_DISABLE) {
		hk->kn.status |= EKQ_KN_DISABLED;
		if (hk->kn.status & EKQ_KN_QUEUED)
			ekq_pending_remove(kq, &hk->kn);
	}
	if (kev->flags & EV_ENABLE)
		hk->kn.status &= (uint8_t)~EKQ_KN_DISABLED;
	ekq_kq_lock(&ekq_hlock);
	bool ready = ekq_helper_ready(hk);
	ekq_kq_unlock(&ekq_hlock);
	if (ready && !(hk->kn.status & (EKQ_KN_DISABLED | EKQ_KN_QUEUED)))
		ekq_pending_add(kq, &hk->kn);
	return 0;
}

bool
ekq_helper_deliver(struct ekq_kq *kq, struct ekq_hknote *hk,
    struct kevent *out)
{
	if (hk->kn.status & EKQ_KN_DISABLED)
		return false;
	ekq_kq_lock(&ekq_hlock);
	if (!ekq_helper_ready(hk)) {
		ekq_kq_unlock(&ekq_hlock);
		return false;
	}
	/* filt_timertouch(EVENT_PROCESS): data is the count, fflags 0. */
	out->ident = hk->ident;
	out->filter = hk->filter;
	out->flags = hk->kn.flags;
	out->fflags = 0;
	out->data = hk->count;
	out->udata = hk->kn.udata;
	memcpy(out->ext, hk->kn.ext, sizeof out->ext);
	if (hk->kn.flags & EV_CLEAR)
		hk->count = 0;
	if (hk->filter == EVFILT_SIGNAL)
		ekq_signal_retrieved_locked((int)hk->ident);
	bool still = ekq_helper_ready(hk);
	ekq_kq_unlock(&ekq_hlock);
	if (hk->kn.flags & EV_ONESHOT) {
		hk_remove(kq, hk);
		return true;
	}
	if (hk->kn.flags & EV_DISPATCH)
		hk->kn.status |= EKQ_KN_DISABLED;
	else if (still)
		ekq_pending_add(kq, &hk->kn); /* level: back at the tail */
	return true;
}

void
ekq_helper_free_all(struct ekq_kq *kq)
{
	if (kq->hknotes == NULL && !kq->poked)
		return;
	ekq_kq_lock(&ekq_hlock);
	for (struct ekq_hknote *hk = kq->hknotes; hk != NULL; hk = hk->next)
		detach_locked(hk);
	if (kq->poked) {
		struct ekq_kq **link = &ekq_pokes;
		while (*link != kq)
			link = &(*link)->poke_next;
		*link = kq->poke_next;
		kq->poked = false;
	}
	ekq_kq_unlock(&ekq_hlock);
	while (kq->hknotes != NULL) {
		struct ekq_hknote *hk = kq->hknotes;
		kq->hknotes = hk->next;
		free(hk);
	}
}
