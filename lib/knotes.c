/*
 * A registration's knotes: which filters, with which flags, and the
 * changelists that move the kqueue from one registration to the next.
 *
 * kqueue keeps a knote's EV_CLEAR/EV_DISPATCH from the EV_ADD that made it
 * (kqueue_register() never updates kn_flags), so a knote whose mode
 * changes is deleted and added again.  Every change carries EV_RECEIPT,
 * so each one's result comes back and a failed call can be undone.
 */
#include "config.h"

#include "ep.h"
#include "sys.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

static const short ekq_filters[3] = { EVFILT_READ, EVFILT_WRITE,
#ifdef HAVE_EVFILT_EXCEPT
	EVFILT_EXCEPT
#else
	0
#endif
};

#define EKQ_IN_BITS  (EPOLLIN | EPOLLRDNORM)
#define EKQ_OUT_BITS (EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND)

void
ekq_knotes_plan(uint8_t kind, uint32_t events, uint8_t *want, uint8_t *hidden)
{
	uint8_t w = 0, h = 0;
	if (events & (EKQ_IN_BITS | EPOLLRDHUP))
		w |= EKQ_KN_READ;
	if (events & EKQ_OUT_BITS)
		w |= EKQ_KN_WRITE;
#ifdef HAVE_EVFILT_EXCEPT
	if ((events & (EPOLLPRI | EPOLLRDBAND)) &&
	    (ekq_kind_socket(kind) || kind == EKQ_FD_TTY))
		w |= EKQ_KN_EXCEPT;
#endif
	switch (kind) {
	case EKQ_FD_EVENTFD:
		/*
		 * Everything an eventfd tells comes from user space: the poke
		 * knote (EVFILT_USER, in the write slot; fdobj.h) carries it.
		 * The read knote on its kqueue is added disabled, only so that
		 * close() ends the registration as it ends any other.
		 */
		w = EKQ_KN_WRITE;
		h = EKQ_KN_READ;
		break;
	case EKQ_FD_EMUL:
		/* A timerfd or signalfd is readable when its kqueue is. */
		w &= EKQ_KN_READ;
		break;
	case EKQ_FD_EPOLL:
		/* An epoll descriptor is only ever readable (ep_eventpoll_poll). */
		w &= EKQ_KN_READ;
		break;
	case EKQ_FD_PIPE_R:
		/* pipe_poll(): a read end is never writable, HUP needs a reader. */
		w &= EKQ_KN_READ;
		if (!w)
			h = EKQ_KN_READ;
		break;
	case EKQ_FD_PIPE_W:
		/*
		 * A write end is never readable; its EPOLLERR (no reader left)
		 * shows as EOF on a read knote, which -- unlike a write knote --
		 * fires for nothing else (filt_piperead sees its peer gone).
		 */
		w &= EKQ_KN_WRITE;
		if (!w)
			h = EKQ_KN_READ;
		break;
	case EKQ_FD_PIPE_RW:
		break; /* it is its own reader and writer: never HUP nor ERR */
	case EKQ_FD_TCP:
	case EKQ_FD_STREAM:
	case EKQ_FD_DGRAM:
		/*
		 * A level read knote sees EOF and errors as long as they last;
		 * an edge-triggered write knote misses the read side closing.
		 */
		if (!(w & EKQ_KN_READ) &&
		    (!(w & EKQ_KN_WRITE) || (events & EPOLLET)))
			h |= EKQ_KN_READ;
		if (!(w & (EKQ_KN_READ | EKQ_KN_WRITE)))
			h |= EKQ_KN_WRITE;
#ifndef HAVE_POLL_SOCKET_HUP
		/* poll() keeps EPOLLHUP and EPOLLERR quiet (bits.c): the read
		 * side's EOF and the error come from the read knote.  (The
		 * send side, without a write knote, is asked: bits.c.) */
		h |= (uint8_t)(~w & EKQ_KN_READ);
#endif
		break;
	default:
		if (!(w & (EKQ_KN_READ | EKQ_KN_WRITE)))
			h = EKQ_KN_READ;
		break;
	}
	/*
	 * Every registration keeps a knote, even one that can report nothing:
	 * the kqueue drops it when the descriptor is closed, and that is how
	 * a registration is known to have ended with its file.
	 */
	if (!(w | h))
		h = EKQ_KN_READ;
	*want = w;
	*hidden = h;
}

/* How a knote is held: hidden (only for HUP/ERR), muted (see below). */
#define HOW_HIDDEN 1u
#define HOW_MUTED  2u

static unsigned
how_of(uint8_t hidden, uint8_t bit)
{
	return ((hidden & bit) ? HOW_HIDDEN : 0) |
	    ((hidden & (uint8_t)(bit << EKQ_MUTED_SHIFT)) ? HOW_MUTED : 0);
}

/* The EV_ADD parameters of knote `bit` of a registration. */
static void
params(uint8_t kind, uint32_t events, uint8_t bit, unsigned how,
    unsigned short *mode, unsigned *fflags, int64_t *data)
{
	bool hid = how & HOW_HIDDEN;
	*mode = 0;
	if ((events & EPOLLET) || how)
		*mode |= EV_CLEAR;
#ifdef HAVE_EV_DISPATCH
	/* Not on an EV_CLEAR knote (edge, hidden, muted): when it fires with
	 * nothing to report, the one shot is not spent, and a dispatched
	 * knote would stay off.  epoll_wait() disables those itself. */
	if ((events & EPOLLONESHOT) && !(*mode & EV_CLEAR))
		*mode |= EV_DISPATCH;
#endif
	*fflags = 0;
	*data = 0;
	/*
	 * A socket knote that only watches for EOF and errors asks for a
	 * low-water mark no buffer reaches: filt_soread/filt_sowrite then
	 * fire on EOF and errors alone.
	 */
	bool eof_only = (bit == EKQ_KN_READ && !(events & EKQ_IN_BITS)) ||
	    (bit == EKQ_KN_WRITE && hid);
	if (ekq_kind_socket(kind) && eof_only) {
		*fflags = NOTE_LOWAT;
		*data = INT_MAX;
	}
#ifdef HAVE_EVFILT_EXCEPT
	if (bit == EKQ_KN_EXCEPT)
		*fflags = NOTE_OOB;
#endif
}

static short
filter_of(uint8_t kind, uint8_t bit)
{
#ifdef HAVE_EVFILT_USER
	if (kind == EKQ_FD_EVENTFD && bit == EKQ_KN_WRITE)
		return EVFILT_USER;
#else
	(void)kind;
#endif
	return ekq_filters[bit == EKQ_KN_READ ? 0 : bit == EKQ_KN_WRITE ? 1 : 2];
}

static void
set_change(struct kevent *kev, int fd, uint8_t bit, unsigned short flags,
    uint8_t kind, uint32_t events, unsigned how, uint32_t gen)
{
	unsigned short mode;
	unsigned fflags;
	int64_t data;
	params(kind, events, bit, how, &mode, &fflags, &data);
	short filter = filter_of(kind, bit);
	if (flags & EV_ADD) {
		flags |= mode;
		if (kind == EKQ_FD_EVENTFD && bit == EKQ_KN_READ)
			flags = (unsigned short)((flags & ~EV_ENABLE) | EV_DISABLE);
#ifdef HAVE_EVFILT_USER
		/* A poke knote starts triggered: the pass that takes it asks
		 * the eventfd, as Linux's ep_insert() polls the file. */
		if (filter == EVFILT_USER)
			fflags |= NOTE_TRIGGER;
#endif
	}
	EV_SET(kev, (uintptr_t)fd, filter, flags | EV_RECEIPT, fflags,
	    data, (void *)(uintptr_t)gen);
}

int
ekq_kevent_change(int kq, struct kevent *changes, int n)
{
	if (n == 0)
		return 0;
#ifdef HAVE_EV_RECEIPT
	struct timespec zero = { 0, 0 };
	int got = ekq_sys_kevent(kq, changes, n, changes, n, &zero);
	if (got == -1)
		return errno;
	for (int i = got; i < n; i++) {
		/* Not reported: cannot happen with room for every receipt. */
		changes[i].flags = EV_ERROR;
		changes[i].data = EINVAL;
	}
#else
	for (int i = 0; i < n; i++) {
		struct kevent one = changes[i];
		one.flags &= ~EV_RECEIPT;
		int rc = ekq_sys_kevent(kq, &one, 1, NULL, 0, NULL);
		changes[i].flags = EV_ERROR;
		changes[i].data = rc == -1 ? errno : 0;
	}
#endif
	return 0;
}

static int
first_error(const struct kevent *changes, int from, int n)
{
	for (int i = from; i < n; i++)
		if ((changes[i].flags & EV_ERROR) && changes[i].data != 0)
			return (int)changes[i].data;
	return 0;
}

static uint8_t
any_bit(uint8_t set)
{
	return set & (uint8_t)-set;
}

/*
 * Move the kqueue to registration (want, hidden, events).  With `probe`,
 * an existing knote is touched first without EV_ADD: ENOENT then means the
 * registration is stale (its descriptor was closed), and nothing is left
 * changed.  On failure the old knotes are restored as far as possible.
 */
int
ekq_knotes_apply(struct ekq_ep *ep, int fd, struct ekq_reg *reg,
    uint8_t want, uint8_t hidden, uint32_t events, bool disarmed, bool probe,
    uint32_t gen)
{
	struct kevent ch[8], undo[8];
	int n = 0, nundo = 0;
	uint8_t old = reg->knotes, oldhid = reg->hidden;
	uint32_t oldev = reg->events, oldgen = reg->gen;
	uint8_t now = want | hidden;

	if (probe && old) {
		uint8_t bit = any_bit(old);
		set_change(&ch[n++], fd, bit, 0, reg->kind, oldev,
		    how_of(oldhid, bit), oldgen);
	}
	int first = n;
	for (uint8_t bit = 1; bit <= EKQ_KN_EXCEPT; bit <<= 1) {
		bool was = old & bit, will = now & bit;
		unsigned hid = how_of(hidden, bit), washid = how_of(oldhid, bit);
		if (!will) {
			if (was) {
				set_change(&ch[n++], fd, bit, EV_DELETE, reg->kind,
				    oldev, washid, oldgen);
				set_change(&undo[nundo++], fd, bit, EV_ADD, reg->kind,
				    oldev, washid, oldgen);
			}
			continue;
		}
		unsigned short m_old, m_new;
		unsigned ff, ff_old;
		int64_t d, d_old;
		params(reg->kind, oldev, bit, washid, &m_old, &ff_old, &d_old);
		params(reg->kind, events, bit, hid, &m_new, &ff, &d);
		/*
		 * A level knote that stays as it is, with the same udata and
		 * enabled, is left alone: touching it would change nothing.
		 * (An EV_CLEAR one is touched: EPOLL_CTL_MOD looks at the
		 * descriptor again, and so does kqueue at a touch.)
		 */
		if (was && m_old == m_new && !(m_new & (EV_CLEAR | EV_DISPATCH)) &&
		    ff == ff_old && d == d_old && gen == oldgen && !disarmed &&
		    !(reg->state & EKQ_REG_DISARMED))
			continue;
		if (was && m_old != m_new) {
			set_change(&ch[n++], fd, bit, EV_DELETE, reg->kind, oldev,
			    washid, oldgen);
		}
		unsigned short flags = EV_ADD | (disarmed ? EV_DISABLE : EV_ENABLE);
		set_change(&ch[n++], fd, bit, flags, reg->kind, events, hid, gen);
		if (was)
			set_change(&undo[nundo++], fd, bit, EV_ADD, reg->kind, oldev,
			    washid, oldgen);
		else
			set_change(&undo[nundo++], fd, bit, EV_DELETE, reg->kind,
			    events, hid, gen);
	}
	int err = ekq_kevent_change(ep->epfd, ch, n);
	if (err != 0)
		return err;
	if (probe && old && (ch[0].flags & EV_ERROR) && ch[0].data != 0) {
		/* Stale: take back whatever the changes after it created. */
		struct kevent rm[3];
		int nrm = 0;
		for (uint8_t bit = 1; bit <= EKQ_KN_EXCEPT; bit <<= 1)
			if (now & bit)
				set_change(&rm[nrm++], fd, bit, EV_DELETE, reg->kind,
				    events, how_of(hidden, bit), gen);
		ekq_kevent_change(ep->epfd, rm, nrm);
		return (int)ch[0].data == ENOENT ? ENOENT : (int)ch[0].data;
	}
	err = first_error(ch, first, n);
	if (err != 0) {
		ekq_kevent_change(ep->epfd, undo, nundo);
		return err;
	}
	reg->knotes = now;
	reg->hidden = hidden;
	return 0;
}

/*
 * Does the kqueue still hold this registration's knotes?  0, ENOENT, errno.
 *
 * Touching a knote runs its filter again (kqueue_register()): a level knote
 * is touched if there is one, as that changes nothing.  An EV_CLEAR knote
 * whose condition holds is queued anew, and an edge-triggered registration
 * reports once more (README: differences); the file's identity cannot
 * stand in, as it does not tell a FIFO opened again from the open file
 * it replaced.
 */
int
ekq_knotes_probe(struct ekq_ep *ep, int fd, const struct ekq_reg *reg)
{
	if (!reg->knotes)
		return 0;
	uint8_t bit = any_bit(reg->knotes);
	/* An eventfd's poke knote outlives its descriptor: ask the read
	 * knote, which does not (and, disabled, never fires). */
	for (uint8_t b = 1; b <= EKQ_KN_EXCEPT &&
	    reg->kind != EKQ_FD_EVENTFD; b <<= 1) {
		unsigned short mode;
		unsigned ff;
		int64_t d;
		if (!(reg->knotes & b))
			continue;
		params(reg->kind, reg->events, b, how_of(reg->hidden, b), &mode,
		    &ff, &d);
		if (!(mode & EV_CLEAR)) {
			bit = b;
			break;
		}
	}
	struct kevent ch;
	set_change(&ch, fd, bit, 0, reg->kind, reg->events,
	    how_of(reg->hidden, bit), reg->gen);
	int err = ekq_kevent_change(ep->epfd, &ch, 1);
	return err != 0 ? err : (int)ch.data;
}

/* Delete the knotes; ENOENT when they were already gone (a stale one). */
int
ekq_knotes_delete(struct ekq_ep *ep, int fd, const struct ekq_reg *reg)
{
	struct kevent ch[3];
	int n = 0;
	for (uint8_t bit = 1; bit <= EKQ_KN_EXCEPT; bit <<= 1)
		if (reg->knotes & bit)
			set_change(&ch[n++], fd, bit, EV_DELETE, reg->kind,
			    reg->events, how_of(reg->hidden, bit), reg->gen);
	if (n == 0)
		return 0;
	int err = ekq_kevent_change(ep->epfd, ch, n);
	if (err != 0)
		return err;
	return (int)ch[0].data;
}

/* EPOLLONESHOT fired: no knote of the registration may fire again.
 * Appends the changes to ch[*n]. */
void
ekq_knotes_disable(int fd, const struct ekq_reg *reg, struct kevent *ch,
    int *n)
{
	for (uint8_t bit = 1; bit <= EKQ_KN_EXCEPT; bit <<= 1)
		if (reg->knotes & bit)
			set_change(&ch[(*n)++], fd, bit, EV_DISABLE, reg->kind,
			    reg->events, how_of(reg->hidden, bit), reg->gen);
}

/*
 * Touch knote `bit` (EV_ADD again, changing nothing): the kqueue runs the
 * filter at once and queues the knote if its condition holds
 * (kqueue_register()), even an EV_CLEAR one already delivered.  Appends
 * the change to ch[*n].
 */
void
ekq_knotes_touch(int fd, const struct ekq_reg *reg, uint8_t bit,
    struct kevent *ch, int *n)
{
	set_change(&ch[(*n)++], fd, bit, EV_ADD, reg->kind, reg->events,
	    how_of(reg->hidden, bit), reg->gen);
}

/*
 * A level knote that fires while nothing it says is wanted (a listener's
 * pending connection for an EPOLLRDHUP-only registration, EOF for an
 * EPOLLPRI-only one) would fire on every kevent(): it is "muted" to an
 * edge-triggered knote until it fires with something to report, when it
 * becomes level-triggered again.  Appends the changes to ch[*n].
 */
void
ekq_knotes_mute(int fd, struct ekq_reg *reg, uint8_t bit, bool mute,
    struct kevent *ch, int *n)
{
	uint8_t mbit = (uint8_t)(bit << EKQ_MUTED_SHIFT);
	set_change(&ch[(*n)++], fd, bit, EV_DELETE, reg->kind, reg->events,
	    how_of(reg->hidden, bit), reg->gen);
	reg->hidden = mute ? reg->hidden | mbit : reg->hidden & (uint8_t)~mbit;
	set_change(&ch[(*n)++], fd, bit, EV_ADD | EV_ENABLE, reg->kind,
	    reg->events, how_of(reg->hidden, bit), reg->gen);
}

/*
 * A one-shot registration's EV_DISPATCH knotes after one of them fired for
 * an event epoll_wait() did not report (it was held, and was gone when its
 * turn came): the kqueue disabled the knote when it delivered it, but the
 * one shot is not spent.  Enabled again with EV_ADD, so that the filter is
 * run at once (kqueue_register()) and a condition that holds now fires.
 * Appends the changes to ch[*n] (at most three).
 */
void
ekq_knotes_rearm(int fd, const struct ekq_reg *reg, struct kevent *ch, int *n)
{
#ifdef HAVE_EV_DISPATCH
	for (uint8_t bit = 1; bit <= EKQ_KN_EXCEPT; bit <<= 1) {
		unsigned short mode;
		unsigned ff;
		int64_t d;
		if (!(reg->knotes & bit))
			continue;
		params(reg->kind, reg->events, bit, how_of(reg->hidden, bit),
		    &mode, &ff, &d);
		if (mode & EV_DISPATCH)
			set_change(&ch[(*n)++], fd, bit, EV_ADD | EV_ENABLE,
			    reg->kind, reg->events, how_of(reg->hidden, bit),
			    reg->gen);
	}
#else
	/* Without EV_DISPATCH, only disarm() disables knotes. */
	(void)fd;
	(void)reg;
	(void)ch;
	(void)n;
#endif
}
