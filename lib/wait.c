/*
 * epoll_wait(), epoll_pwait(), epoll_pwait2(): collect kevents and turn
 * them into one epoll_event per descriptor.
 *
 * A pass first returns what is held from earlier calls (events that did
 * not fit, and the EPOLLHUP of a connection-mode socket that was never
 * connected, which no knote reports), then asks the kqueue.  Linux puts a
 * returned level-triggered item at the tail of its ready list; the kqueue
 * does the same with level knotes, and what is held and reported again
 * goes back on the held list only after the kqueue's events of the pass.
 */
#include "config.h"

#include "ep.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#define EKQ_KBUF 128    /* kevents fetched per kevent() */
#define EKQ_CHANGES 24  /* knote changes batched within a pass */
#define EKQ_REQUEUE 16  /* held level registrations put back after a pass */
#define EKQ_NOT_OUT UINT32_MAX /* reg->outidx: seen in the pass, not output */
/* Linux's EP_MAX_EVENTS */
#define EKQ_MAX_EVENTS ((int)(INT_MAX / sizeof(struct epoll_event)))

/* An event that did not fit, on its way to the held list. */
struct over {
	int fd;
	uint32_t gen;
	uint32_t key;   /* its index in the last call's output, or EKQ_NOT_OUT */
	int seq;        /* its place in the kqueue's order */
};

struct pass {
	struct epoll_event *out;
	int n, max;
	uint32_t id;
	struct kevent changes[EKQ_CHANGES]; /* knote changes to send */
	int nchanges;
	struct {
		int fd;
		uint32_t gen;
	} requeue[EKQ_REQUEUE], /* sticky ones reported from the held list */
	    defer[EKQ_REQUEUE];  /* level ones whose turn was last time */
	int nrequeue, ndefer;
	/* Events of this fetch that did not fit, before they join the held
	 * list: those the last call returned go in the order it returned
	 * them (Linux re-queued them at the tail of its ready list in that
	 * order), then the others in the kqueue's. */
	struct over over[EKQ_KBUF];
	int nover;
	uint32_t key;   /* the key of the registration being collected */
	bool wide;    /* a fetch took all it could, fitting or not */
	int drain;    /* knotes still queued of edges this pass reported */
	int tails;    /* other knotes mark_tail() looked at, still queued */
};

static void
pass_start(struct ekq_ep *ep, struct pass *p)
{
	p->id = ++ep->pass;
	p->n = 0;
	p->nchanges = 0;
	p->nrequeue = 0;
	p->ndefer = 0;
	p->nover = 0;
	p->wide = false;
	p->drain = 0;
	p->tails = 0;
}

/* Has the registration an entry in this pass's output? */
static bool
emitted(const struct ekq_reg *reg, const struct pass *p)
{
	return reg->stamp == p->id && reg->outidx != EKQ_NOT_OUT;
}

static int
fail(int err)
{
	errno = err;
	return -1;
}

static bool
fcntl_valid(int fd)
{
	return ekq_sys_fcntl(fd, F_GETFD, 0) != -1;
}

static bool
reg_edge(const struct ekq_reg *reg)
{
	return (reg->events & (EPOLLET | EPOLLONESHOT)) != 0;
}

/*
 * What Linux would report for the registration's descriptor now.  An epoll
 * descriptor is asked exactly (ekq_ep_poll()) for a level registration; an
 * edge-triggered one takes the kqueue's word, as the exact answer moves
 * the inner instance's events to its held list, whose signal would be a
 * new edge for it.
 */
static uint32_t
reg_bits(int fd, const struct ekq_reg *reg)
{
	if (reg->kind == EKQ_FD_EPOLL && !(reg->events & EPOLLET))
		return ekq_ep_poll(fd);
	return ekq_linux_bits(fd, reg);
}

/* Of those, what the registration reports (HUP and ERR always). */
static uint32_t
wanted_bits(int fd, const struct ekq_reg *reg)
{
	return reg_bits(fd, reg) & (reg->events | EPOLLHUP | EPOLLERR);
}

static int
popcount3(uint8_t v)
{
	return (v & 1) + ((v >> 1) & 1) + ((v >> 2) & 1);
}

static void
flush_changes(struct ekq_ep *ep, struct pass *p)
{
	if (p->nchanges > 0)
		ekq_kevent_change(ep->epfd, p->changes, p->nchanges);
	p->nchanges = 0;
}

/* A one-shot registration has fired: nothing more until EPOLL_CTL_MOD. */
static void
disarm(struct ekq_ep *ep, struct pass *p, int fd, struct ekq_reg *reg)
{
	reg->state |= EKQ_REG_DISARMED;
	/* The knote that fired is disabled already if it is EV_DISPATCH (not
	 * EV_CLEAR: see params()); any other would still fire. */
	if (popcount3(reg->knotes) < 2 && !(reg->hidden & 0x77) &&
	    !(reg->events & EPOLLET))
		return;
	if (p->nchanges + 3 > EKQ_CHANGES)
		flush_changes(ep, p);
	ekq_knotes_disable(fd, reg, p->changes, &p->nchanges);
}

/* Add `bits` for `fd` to the pass: merged, emitted, or held. */
static void
emit(struct ekq_ep *ep, struct pass *p, int fd, struct ekq_reg *reg,
    uint32_t bits)
{
	if (emitted(reg, p)) {
		p->out[reg->outidx].events |= bits;
		return;
	}
	if (p->n == p->max) {
		/* No room: it comes first next time, when its bits are read
		 * again (held level events keep the round-robin fair). */
		if (p->nover == EKQ_KBUF) {
			ekq_held_push(ep, fd, reg);
			return;
		}
		p->over[p->nover].fd = fd;
		p->over[p->nover].gen = reg->gen;
		p->over[p->nover].key = p->key;
		p->over[p->nover].seq = p->nover;
		p->nover++;
		return;
	}
	if (reg->stamp != p->id) {
		reg->stamp = p->id;
		reg->state &= (uint8_t)~(7u << EKQ_REG_SEEN_SHIFT);
	}
	reg->outidx = (uint32_t)p->n;
	p->out[p->n].events = bits;
	p->out[p->n].data.u64 = reg->data;
	p->n++;
	if (reg->events & EPOLLONESHOT)
		disarm(ep, p, fd, reg);
}

/* A sticky registration reported from the held list goes back on it
 * behind what the kqueue gives in the same pass (see put_back()). */
static void
requeue(struct ekq_ep *ep, struct pass *p, int fd, struct ekq_reg *reg)
{
	if (p->nrequeue == EKQ_REQUEUE) {
		ekq_held_push(ep, fd, reg);
		reg->state |= EKQ_REG_STICKY;
		return;
	}
	p->requeue[p->nrequeue].fd = fd;
	p->requeue[p->nrequeue].gen = reg->gen;
	p->nrequeue++;
}

/* The end of the pass: the deferred ones if there is room, then the
 * requeued ones, if they are still registered. */
static void
put_back(struct ekq_ep *ep, struct pass *p)
{
	for (int i = 0; i < p->ndefer && p->n < p->max; i++) {
		int fd = p->defer[i].fd;
		struct ekq_reg *reg = ekq_reg_find(ep, fd);
		if (reg == NULL || reg->gen != p->defer[i].gen ||
		    emitted(reg, p) || (reg->state & EKQ_REG_DISARMED))
			continue;
		uint32_t bits = wanted_bits(fd, reg);
		if (bits)
			emit(ep, p, fd, reg, bits);
	}
	p->ndefer = 0;
	for (int i = 0; i < p->nrequeue; i++) {
		int fd = p->requeue[i].fd;
		struct ekq_reg *reg = ekq_reg_find(ep, fd);
		if (reg == NULL || reg->gen != p->requeue[i].gen)
			continue;
		ekq_held_push(ep, fd, reg);
		reg->state |= EKQ_REG_STICKY;
	}
	p->nrequeue = 0;
}

/*
 * A held registration whose descriptor was closed (and maybe reused) went
 * with its knotes: it is released, and false returned.
 *
 * The file's identity tells, except where it has none: NetBSD's, OpenBSD's
 * and DragonFly's pipe_stat() leave st_dev and st_ino 0 (profiles/), so
 * any pipe passes for any other; nor does it tell a FIFO opened again
 * from the open file that was closed.  Then the kqueue is asked whether
 * the knotes are still there.
 */
static bool
held_live(struct ekq_ep *ep, int fd, struct ekq_reg *reg)
{
	if (ekq_fd_same(fd, reg->ident)) {
		if (reg->ident != EKQ_IDENT_NONE && reg->kind != EKQ_FD_PIPE_R &&
		    reg->kind != EKQ_FD_PIPE_W && reg->kind != EKQ_FD_PIPE_RW)
			return true;
		int err = ekq_knotes_probe(ep, fd, reg);
		if (err != ENOENT && err != EBADF)
			return true;
	}
	if (reg->kind == EKQ_FD_EPOLL)
		ekq_nest_remove(ep, fd);
	ekq_reg_release(ep, fd, reg);
	return false;
}

/*
 * What a held registration reports now.  Re-read, as ep_send_events()
 * re-polls each ready item: readiness that went away is not reported, not
 * even to an edge-triggered registration.  A sticky one reports while its
 * EPOLLHUP/EPOLLERR lasts; a disarmed one nothing.
 */
static uint32_t
held_bits(int fd, const struct ekq_reg *reg)
{
	if (reg->state & EKQ_REG_DISARMED)
		return 0;
	uint32_t bits = wanted_bits(fd, reg);
	if ((reg->state & EKQ_REG_STICKY) && !(bits & (EPOLLHUP | EPOLLERR)))
		return 0;
	return bits;
}

/*
 * A held registration that is not ready when its turn comes is let go
 * unreported.  A one-shot one is still armed (ep_send_events() changes an
 * item's mask only when it reports it), but the knote whose event held it
 * was EV_DISPATCH: the kqueue disabled it when it delivered the event.
 */
static void
held_dropped(struct ekq_ep *ep, struct pass *p, int fd, struct ekq_reg *reg)
{
	if (!(reg->events & EPOLLONESHOT) || (reg->state & EKQ_REG_DISARMED))
		return;
	if (p->nchanges + 3 > EKQ_CHANGES)
		flush_changes(ep, p);
	ekq_knotes_rearm(fd, reg, p->changes, &p->nchanges);
}

/* Events held from earlier calls come first. */
static void
take_held(struct ekq_ep *ep, struct pass *p)
{
	int fd = ep->held_head;
	int last = ep->held_tail;
	while (fd != -1 && p->n < p->max) {
		struct ekq_reg *reg = ekq_reg_find(ep, fd);
		int next = reg->next_held;
		bool stop = fd == last;
		if (held_live(ep, fd, reg)) {
			bool sticky = reg->state & EKQ_REG_STICKY;
			uint32_t bits = held_bits(fd, reg);
			ekq_held_unlink(ep, fd, reg);
			if (bits)
				emit(ep, p, fd, reg, bits);
			else
				held_dropped(ep, p, fd, reg);
			if (bits && sticky)
				requeue(ep, p, fd, reg);
			/* An edge's other knotes' events are the same edge:
			 * take them in this pass, where they merge. */
			else if (bits && (reg->events & EPOLLET))
				p->drain += popcount3(reg->knotes &
				    (uint8_t)~reg->hidden) - 1;
		}
		if (stop)
			break;
		fd = next;
	}
}

/*
 * Does this event need the descriptor's own word (poll) on which bits are
 * set, or does "this filter fired" say it all?
 */
static bool
needs_poll(const struct ekq_reg *reg, const struct kevent *kev, uint8_t bit,
    bool truncated)
{
	if (kev->flags & (EV_EOF | EV_ERROR))
		return true;
#ifdef HAVE_EVFILT_EXCEPT
	if (kev->fflags != 0 && kev->filter != EVFILT_EXCEPT)
		return true;
#else
	if (kev->fflags != 0)
		return true;
#endif
	if (reg->hidden & bit)
		return true;
	/* A kqueue counts events its epoll_wait() may find nobody wants. */
	if (reg->kind == EKQ_FD_EPOLL)
		return true;
	if (kev->filter == EVFILT_READ && kev->data == 0)
		return true; /* an error, or a zero-length datagram */
	if (reg->kind == EKQ_FD_TTY || reg->kind == EKQ_FD_OTHER ||
	    ekq_kind_object(reg->kind))
		return true;
	/* An edge reports every ready direction, as Linux re-polls; so does a
	 * level event from a batch that may have cut the others off. */
	if (popcount3(reg->knotes & (uint8_t)~reg->hidden) > 1 &&
	    ((reg->events & EPOLLET) || truncated))
		return true;
	return false;
}

static uint8_t
bit_of(short filter)
{
	if (filter == EVFILT_READ)
		return EKQ_KN_READ;
	/* An eventfd's poke knote sits in the write slot (knotes.c). */
	if (filter == EVFILT_WRITE
#ifdef HAVE_EVFILT_USER
	    || filter == EVFILT_USER
#endif
	    )
		return EKQ_KN_WRITE;
	return EKQ_KN_EXCEPT;
}

/*
 * A batch that was cut short may have left knotes of a level registration
 * it reported in the queue, ahead of registrations that have not had their
 * turn; Linux has moved the item to the tail of its ready list.  Such a
 * registration is marked, and its next event, the leftover, is passed over
 * (a level knote comes round again by itself).
 */
static void
mark_tail(struct ekq_ep *ep, struct pass *p, const struct kevent *kev,
    int nkev)
{
	for (int i = 0; i < nkev; i++) {
		if (ekq_is_signal(ep, &kev[i]))
			continue;
		int fd = (int)kev[i].ident;
		struct ekq_reg *reg = ekq_reg_find(ep, fd);
		if (reg == NULL || reg->gen != (uint32_t)(uintptr_t)kev[i].udata ||
		    !emitted(reg, p) || ((reg->events & EPOLLONESHOT) &&
		    !(reg->events & EPOLLET)))
			continue;
		uint8_t seen = (uint8_t)((reg->state >> EKQ_REG_SEEN_SHIFT) & 7);
		uint8_t rest = reg->knotes & (uint8_t)~reg->hidden & (uint8_t)~seen;
		if (!rest)
			continue;
		uint32_t bits = wanted_bits(fd, reg);
		uint32_t ready = 0;
		if (rest & EKQ_KN_READ)
			ready |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP | EPOLLHUP |
			    EPOLLERR;
		if (rest & EKQ_KN_WRITE)
			ready |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND | EPOLLHUP |
			    EPOLLERR;
		if (rest & EKQ_KN_EXCEPT)
			ready |= EPOLLPRI | EPOLLRDBAND;
		/* An edge's leftovers are the same edge: the pass goes on
		 * until it has taken them (do_wait()). */
		if ((bits & ready) && (reg->events & EPOLLET))
			p->drain += popcount3(rest);
		else {
			if (bits & ready)
				reg->state |= EKQ_REG_TAIL;
			p->tails += popcount3(rest);
		}
		/* Looked at once: the seen bits now say so. */
		reg->state |= (uint8_t)(rest << EKQ_REG_SEEN_SHIFT);
	}
}

/*
 * Is this event a knote the pass left behind (mark_tail(), take_held()),
 * now taken?  It merges into the registration's entry, and counts as new
 * to the pass: a full batch of them says more may be queued.
 */
static bool
take_leftover(struct pass *p, const struct ekq_reg *reg, bool seen)
{
	if (!emitted(reg, p))
		return false;
	if ((reg->events & EPOLLET) && p->drain > 0) {
		p->drain--;
		return true;
	}
	if (!seen || p->tails == 0)
		return false;
	p->tails--;
	return true;
}

static int
over_cmp(const void *a, const void *b)
{
	const struct over *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* What did not fit joins the held list, in Linux's ready-list order. */
static void
over_flush(struct ekq_ep *ep, struct pass *p)
{
	if (p->nover > 1)
		qsort(p->over, (size_t)p->nover, sizeof p->over[0], over_cmp);
	for (int i = 0; i < p->nover; i++) {
		struct ekq_reg *reg = ekq_reg_find(ep, p->over[i].fd);
		if (reg != NULL && reg->gen == p->over[i].gen)
			ekq_held_push(ep, p->over[i].fd, reg);
	}
	p->nover = 0;
}

/* The kevents into the pass; returns how many knotes were new to it. */
static int
collect(struct ekq_ep *ep, struct pass *p, const struct kevent *kev, int nkev,
    bool truncated)
{
	int fresh = 0;
#ifndef HAVE_POLL_SOCKET_HUP
	/* Where EPOLLHUP/EPOLLERR come from what knotes said (bits.c), one
	 * knote's event is judged with what its sibling of the same batch
	 * said, whichever comes first. */
	for (int i = 0; i < nkev; i++) {
		struct ekq_reg *reg = ekq_is_signal(ep, &kev[i]) ? NULL :
		    ekq_reg_find(ep, (int)kev[i].ident);
		if (reg != NULL && reg->gen == (uint32_t)(uintptr_t)kev[i].udata)
			ekq_note_kevent(reg, &kev[i]);
	}
#endif
	for (int i = 0; i < nkev; i++) {
		if (ekq_is_signal(ep, &kev[i]))
			continue;
		int fd = (int)kev[i].ident;
		struct ekq_reg *reg = ekq_reg_find(ep, fd);
		if (reg == NULL || reg->gen != (uint32_t)(uintptr_t)kev[i].udata)
			continue; /* from a registration since replaced */
		if ((reg->state & EKQ_REG_DISARMED) && !emitted(reg, p))
			continue;
		uint8_t bit = bit_of(kev[i].filter);
		p->key = EKQ_NOT_OUT;
		if (reg->stamp != p->id) {
			if (reg->stamp == ep->out_pass)
				p->key = reg->outidx;
			reg->stamp = p->id;
			reg->outidx = EKQ_NOT_OUT;
			reg->state &= (uint8_t)~(7u << EKQ_REG_SEEN_SHIFT);
			if ((reg->state & EKQ_REG_TAIL) && !reg_edge(reg) &&
			    p->ndefer < EKQ_REQUEUE) {
				/* Its turn was last time (see mark_tail()):
				 * after the others, if there is room. */
				reg->state &= (uint8_t)~EKQ_REG_TAIL;
				reg->state |= (uint8_t)(bit << EKQ_REG_SEEN_SHIFT);
				p->defer[p->ndefer].fd = fd;
				p->defer[p->ndefer].gen = reg->gen;
				p->ndefer++;
				continue;
			}
		}
		uint8_t seen = (uint8_t)((reg->state >> EKQ_REG_SEEN_SHIFT) & 7);
		if (take_leftover(p, reg, seen & bit) || !(seen & bit))
			fresh++;
		reg->state |= (uint8_t)(bit << EKQ_REG_SEEN_SHIFT);
		/* Another of its knotes was passed over: ask the descriptor. */
		if ((seen & (uint8_t)~bit) && !emitted(reg, p))
			truncated = true;
#ifdef HAVE_POLL_SOCKET_HUP
		ekq_note_kevent(reg, &kev[i]);
#endif
		uint32_t mask = reg->events | EPOLLHUP | EPOLLERR;
		uint32_t bits;
		if (needs_poll(reg, &kev[i], bit, truncated))
			bits = reg_bits(fd, reg);
		else
			bits = ekq_fast_bits(reg->kind, kev[i].filter);
		bits &= mask;
		bool muted = reg->hidden & (uint8_t)(bit << EKQ_MUTED_SHIFT);
		/*
		 * A one-shot registration's knote is not made level again
		 * here: added again (EV_DISPATCH, enabled) while its condition
		 * holds, it would fire a second time for the event this one
		 * reports, and disarm() would not disable it (the muted bit
		 * already gone); a thread whose kevent() took that second
		 * event and collects it after the EPOLL_CTL_MOD that re-armed
		 * the registration would report it again.  Left muted, the
		 * knote is disabled by disarm(), and the re-arming MOD adds it
		 * back level-triggered.  Nor is a disarmed one muted: that
		 * would enable it again before the MOD.
		 */
		bool oneshot_keep = (reg->events & EPOLLONESHOT) &&
		    (muted || (reg->state & EKQ_REG_DISARMED));
		/*
		 * Nor is a pipe's muted write knote that fires because the
		 * reader is gone: FreeBSD's pipe_kqfilter() refuses a new
		 * EVFILT_WRITE knote then (EPIPE), so deleted and added again
		 * it would be lost.  It stays muted, and is touched as a
		 * hidden one is, for as long as its EPOLLERR lasts.
		 */
		bool widowed = muted && (kev[i].flags & EV_EOF) &&
		    kev[i].filter == EVFILT_WRITE && reg->kind == EKQ_FD_PIPE_W;
		if ((bits == 0) != muted && !(reg->hidden & bit) &&
		    !(reg->events & EPOLLET) && !oneshot_keep && !widowed) {
			/* Level and firing for nothing: mute it; muted and
			 * firing for something: level again. */
			if (p->nchanges + 2 > EKQ_CHANGES)
				flush_changes(ep, p);
			ekq_knotes_mute(fd, reg, bit, bits == 0, p->changes,
			    &p->nchanges);
		}
		if (bits == 0)
			continue;
		/* One waiting its turn on the held list keeps its place there
		 * (Linux's ready list holds an item once); it is polled again
		 * when its turn comes. */
		if (!(reg->state & EKQ_REG_HELD) || emitted(reg, p))
			emit(ep, p, fd, reg, bits);
		/*
		 * A hidden knote is edge-triggered; on a level registration its
		 * EPOLLHUP/EPOLLERR must go on being reported while it lasts.
		 * Touched, the knote is looked at again and, while the state
		 * lasts, queued behind the others, as a level knote would be.
		 */
		if (((reg->hidden & bit) || widowed) && !reg_edge(reg) &&
		    (bits & (EPOLLHUP | EPOLLERR))) {
			if (p->nchanges + 1 > EKQ_CHANGES)
				flush_changes(ep, p);
			ekq_knotes_touch(fd, reg, bit, p->changes, &p->nchanges);
		}
	}
	over_flush(ep, p);
	return fresh;
}

static struct timespec
now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

static struct timespec
ts_add(struct timespec a, const struct timespec *b)
{
	a.tv_sec += b->tv_sec;
	a.tv_nsec += b->tv_nsec;
	if (a.tv_nsec >= 1000000000L) {
		a.tv_nsec -= 1000000000L;
		a.tv_sec++;
	}
	return a;
}

/* deadline - now, clamped at zero */
static struct timespec
ts_left(const struct timespec *deadline)
{
	struct timespec now = now_mono(), left;
	left.tv_sec = deadline->tv_sec - now.tv_sec;
	left.tv_nsec = deadline->tv_nsec - now.tv_nsec;
	if (left.tv_nsec < 0) {
		left.tv_nsec += 1000000000L;
		left.tv_sec--;
	}
	if (left.tv_sec < 0)
		left.tv_sec = left.tv_nsec = 0;
	return left;
}

static bool
ts_zero(const struct timespec *ts)
{
	return ts->tv_sec == 0 && ts->tv_nsec == 0;
}

/*
 * Wait for the kqueue to become readable with `sigmask` in force, as one
 * atomic step (Linux installs the mask for the wait only).
 */
static int
wait_readable(int kq, const struct timespec *timeout, const sigset_t *sigmask)
{
	struct pollfd pfd = { .fd = kq, .events = POLLIN, .revents = 0 };
#ifdef HAVE_PPOLL
	return ppoll(&pfd, 1, timeout, sigmask);
#else
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(kq, &rd);
	(void)pfd;
	return pselect(kq + 1, &rd, NULL, NULL, timeout, sigmask);
#endif
}

/*
 * How many kevents a pass asks for.  A zero-timeout fetch (made with the
 * lock held) takes all it can: what does not fit goes to the held list in
 * Linux's ready-list order (over_flush()), so that successive calls with a
 * small maxevents cycle through every ready descriptor, as Linux's do,
 * whatever knotes each has.  Only where that cannot be done asks for no
 * more than the pass has room for (and one for the signal knote while
 * that is on):
 *  - a blocking fetch drops the lock, and an event taken then that did not
 *    fit would be on no list while another thread looks;
 *  - an instance registered edge-triggered in another: holding an event
 *    turns the held-events signal on, a new edge to the outer one, where
 *    Linux leaves what did not fit on its ready list and wakes nobody.
 * An edge's leftovers are taken even when the pass is full (p->drain):
 * they merge into its entry.
 */
static int
batch_size(const struct ekq_ep *ep, const struct pass *p, bool block)
{
	if (p->out == NULL || (!block && !ep->edge_outer))
		return EKQ_KBUF;
	int want = p->max - p->n;
	if (want == 0)
		want = 1;
	if (want > EKQ_KBUF - 1)
		want = EKQ_KBUF - 1;
	return want + (ep->user_triggered ? 1 : 0);
}

/*
 * One kevent() and its collection; called and returns with ep->lock held,
 * -1 with errno on failure.  A zero timeout keeps the lock across the
 * kevent(), so another thread never finds the kqueue emptied of events
 * still on their way to the held list.  A blocking call (the pass has
 * nothing yet) drops it for the wait, and asks for no more than the pass
 * can return: what it takes is all returned by this call.  *more: a full
 * batch brought knotes new to the pass, so the kqueue may hold more
 * (level knotes that come round again do not count: they would be taken
 * forever).
 */
static int
fetch(struct ekq_ep *ep, struct pass *p, const struct timespec *timeout,
    bool *more)
{
	struct kevent kev[EKQ_KBUF];
	bool block = timeout == NULL || !ts_zero(timeout);
	/* Nothing is held when a pass blocks: a signal still on is stale,
	 * and its slot would let in an event that does not fit. */
	if (block)
		ekq_ep_set_user(ep, ep->held_head != -1);
	int want = batch_size(ep, p, block);
	/*
	 * A wide fetch may take every event out of the kqueue before what did
	 * not fit is held.  Another thread's epoll_wait() on an instance this
	 * one is registered in would find it unreadable meanwhile, and return
	 * nothing, where Linux's waits for this one's mutex and finds them
	 * (ep_item_poll()): the signal is on from before the fetch, so that it
	 * asks, and waits for the lock (ekq_ep_poll()).
	 */
	if (want == EKQ_KBUF && p->out != NULL) {
		p->wide = true;
		if (ep->nested_in)
			ekq_ep_set_user(ep, true);
	}
	*more = false;
	if (block)
		pthread_mutex_unlock(&ep->lock);
	int got = ekq_sys_kevent(ep->epfd, NULL, 0, kev, want, timeout);
	if (block) {
		int saved = errno;
		pthread_mutex_lock(&ep->lock);
		errno = saved;
	}
	if (got == -1)
		return -1;
	int fresh = collect(ep, p, kev, got, got == want);
	if (got == want && p->out != NULL)
		mark_tail(ep, p, kev, got);
	*more = got == want && fresh > 0;
	return 0;
}

static int
do_wait(int epfd, struct epoll_event *events, int maxevents,
    const struct timespec *timeout, const sigset_t *sigmask)
{
	/*
	 * Linux (6.x) looks the descriptor up before it checks maxevents: a
	 * bad descriptor is EBADF whatever maxevents is.  Asked only when the
	 * call fails (an fcntl() per wait would cost a ping-pong hop 5-10%);
	 * a closed descriptor still in the table fails its kevent() below.
	 */
	if (maxevents <= 0 || maxevents > EKQ_MAX_EVENTS)
		return fail(fcntl_valid(epfd) ? EINVAL : EBADF);
	struct ekq_ep *ep = ekq_ep_get(epfd);
	if (ep == NULL)
		return fail(fcntl_valid(epfd) ? EINVAL : EBADF);
	if (ep->broken) {
		ekq_ep_put(ep);
		return fail(EBADF);
	}

	struct timespec deadline = { 0, 0 };
	static const struct timespec zero = { 0, 0 };
	if (timeout != NULL)
		deadline = ts_add(now_mono(), timeout);

	struct pass pass, *p = &pass;
	p->out = events;
	p->max = maxevents;
	int rc = 0, err = 0;
	for (;;) {
		pthread_mutex_lock(&ep->lock);
		pass_start(ep, p);
		take_held(ep, p);

		/* Block only while nothing is there to return. */
		bool block = p->n == 0 && sigmask == NULL;
		struct timespec left = timeout ? ts_left(&deadline) : zero;
		const struct timespec *ts = !block ? &zero :
		    timeout ? &left : NULL;
		bool more, again;
		do {
			int r = fetch(ep, p, ts, &more);
			/* An edge's leftovers not taken now would be reported
			 * again later: a failed kevent() gets a second try. */
			if (r == -1 && p->drain > 0 && errno != EINTR &&
			    errno != EBADF)
				r = fetch(ep, p, ts, &more);
			if (r == -1)
				err = errno;
			flush_changes(ep, p);
			/* A pass that filled up from a narrow fetch goes on
			 * with a wide one, where it may (batch_size()), and
			 * a wide one that came back full goes on until the
			 * kqueue has nothing new: what it leaves there was
			 * on Linux's ready list ahead of the level events
			 * this call returns, which its knotes' requeueing
			 * would put first next time (over_flush()). */
			again = err == 0 && more && (p->n < p->max ||
			    p->drain > 0 || !ep->edge_outer);
			if (!again)
				put_back(ep, p);
			ekq_ep_set_user(ep, ep->held_head != -1);
			ts = &zero;
		} while (again);
		if (p->n > 0)
			ep->out_pass = p->id;
		pthread_mutex_unlock(&ep->lock);

		if (err == EBADF) {
			/* The instance's kqueue was closed under it: what was
			 * held was the dead instance's. */
			ekq_ep_forget(epfd, ep);
			err = fcntl_valid(epfd) ? EINVAL : EBADF;
			rc = -1;
			break;
		}
		if (p->n > 0) {
			rc = p->n;
			break;
		}
		if (err != 0) {
			rc = -1;
			break;
		}
		if (timeout != NULL) {
			left = ts_left(&deadline);
			if (ts_zero(&left))
				break;
		}
		if (sigmask != NULL) {
			int r = wait_readable(ep->epfd, timeout ? &left : NULL,
			    sigmask);
			if (r == -1) {
				err = errno;
				rc = -1;
				break;
			}
			if (r == 0)
				break; /* timed out */
		}
		/* Woken for nothing we could return: wait again. */
	}
	ekq_ep_put(ep);
	if (rc == -1)
		errno = err;
	return rc;
}

/*
 * Is a held registration still ready?  Those that are not are let go, as
 * ep_send_events() drops items whose poll comes back empty.
 */
static bool
held_ready(struct ekq_ep *ep, struct pass *p)
{
	int fd = ep->held_head;
	while (fd != -1) {
		struct ekq_reg *reg = ekq_reg_find(ep, fd);
		int next = reg->next_held;
		if (held_live(ep, fd, reg)) {
			if (held_bits(fd, reg))
				return true;
			ekq_held_unlink(ep, fd, reg);
			held_dropped(ep, p, fd, reg);
		}
		fd = next;
	}
	return false;
}

/*
 * What an epoll descriptor polls as, to an instance it is registered in:
 * readable when its epoll_wait() would return something (Linux's
 * ep_eventpoll_poll() polls the items on the ready list).  Its kqueue is
 * readable for less -- a hidden knote that fired for data nobody asked
 * for -- so the kqueue's events are taken onto the held list, where
 * epoll_wait() will find them, and what nobody wants is dropped.
 */
uint32_t
ekq_ep_poll(int epfd)
{
	static const struct timespec zero = { 0, 0 };
	struct ekq_ep *ep = ekq_ep_get(epfd);
	if (ep == NULL || ep->broken) {
		if (ep != NULL)
			ekq_ep_put(ep);
		struct pollfd pfd = { .fd = epfd, .events = POLLIN, .revents = 0 };
		return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) ?
		    EPOLLIN | EPOLLRDNORM : 0;
	}
	struct pass pass, *p = &pass;
	p->out = NULL;
	p->max = 0;
	pthread_mutex_lock(&ep->lock);
	pass_start(ep, p);
	bool ready = held_ready(ep, p);
	flush_changes(ep, p);
	bool more = !ready;
	while (more) {
		if (fetch(ep, p, &zero, &more) == -1) {
			more = false;
			ready = true; /* cannot tell: say what the kqueue says */
		}
		flush_changes(ep, p);
		if (ep->held_head != -1)
			ready = true;
		ekq_ep_set_user(ep, ep->held_head != -1);
		more = more && !ready;
	}
	pthread_mutex_unlock(&ep->lock);
	ekq_ep_put(ep);
	return ready ? EPOLLIN | EPOLLRDNORM : 0;
}

/* Events wanted into a NULL array: Linux fails only when there are some. */
static int
wait_no_buffer(int epfd, int maxevents, const struct timespec *timeout,
    const sigset_t *sigmask)
{
	if (!fcntl_valid(epfd))
		return fail(EBADF);
	if (maxevents <= 0 || maxevents > EKQ_MAX_EVENTS)
		return fail(EINVAL);
	if (!ekq_is_instance(epfd))
		return fail(fcntl_valid(epfd) ? EINVAL : EBADF);
	struct timespec deadline = { 0, 0 }, left = { 0, 0 };
	if (timeout != NULL)
		deadline = ts_add(now_mono(), timeout);
	for (;;) {
		/* The kqueue may be readable for events nobody wants. */
		if (ekq_ep_poll(epfd) != 0)
			return fail(EFAULT);
		if (timeout != NULL) {
			left = ts_left(&deadline);
			if (ts_zero(&left))
				return 0;
		}
		int r = wait_readable(epfd, timeout ? &left : NULL, sigmask);
		if (r == -1)
			return -1;
		if (r == 0)
			return 0;
	}
}

/* The exported functions call each other through these (instance.c's
 * create1() says why). */
static int
pwait2(int epfd, struct epoll_event *events, int maxevents,
    const struct timespec *timeout, const sigset_t *sigmask)
{
	if (timeout != NULL && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
	    timeout->tv_nsec >= 1000000000L))
		return fail(EINVAL);
	if (events == NULL)
		return wait_no_buffer(epfd, maxevents, timeout, sigmask);
	return do_wait(epfd, events, maxevents, timeout, sigmask);
}

static int
pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
    const sigset_t *sigmask)
{
	struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000L };
	return pwait2(epfd, events, maxevents, timeout < 0 ? NULL : &ts,
	    sigmask);
}

EKQ_EXPORT int
ekq_epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
    const struct timespec *timeout, const sigset_t *sigmask)
{
	return pwait2(epfd, events, maxevents, timeout, sigmask);
}

EKQ_EXPORT int
ekq_epoll_pwait(int epfd, struct epoll_event *events, int maxevents,
    int timeout, const sigset_t *sigmask)
{
	return pwait(epfd, events, maxevents, timeout, sigmask);
}

EKQ_EXPORT int
ekq_epoll_wait(int epfd, struct epoll_event *events, int maxevents,
    int timeout)
{
	return pwait(epfd, events, maxevents, timeout, NULL);
}
