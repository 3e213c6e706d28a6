/*
 * kevent(): apply the changelist, then collect events.
 *
 * Collection is FreeBSD's kqueue_scan(): knotes waiting in user space (the
 * pending list: triggered EVFILT_USER knotes, EV_CLEAR events that did not
 * fit last time) are considered first, then the kernel's ready list is
 * harvested and each ready registration's knotes are run through their
 * filters.  Each knote is returned at most once per call, as FreeBSD's scan
 * marker ensures; a level knote the kernel hands back again in the same
 * call is simply left for the next one.
 */
#include "config.h"

#include "kq.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EKQ_HARVEST 64 /* epoll_events fetched per epoll_wait() */
#define EKQ_FRUITLESS 4 /* full batches of nothing looked past per call */

/*
 * One scan.  Level knotes at edge-triggered locations are re-armed when
 * the scan ends (re-arming at once would let the scan take them twice).
 */
struct rearm {
	uint64_t data;          /* fd, generation and location */
};
struct scan_ctx {
	uint32_t id;            /* this scan; see ekq_fdrec.scan_id */
	int64_t counted;        /* prefetch: ready level knotes seen */
	bool repeat;            /* the kernel handed back a knote already taken */
	unsigned stale;         /* stale registrations harvested */
	struct rearm local[EKQ_HARVEST];
	struct rearm *list;
	size_t n, cap;
};

static void
ctx_init(struct ekq_kq *kq, struct scan_ctx *ctx)
{
	memset(ctx, 0, offsetof(struct scan_ctx, local));
	ctx->id = ++kq->next_scan;
	ctx->list = ctx->local;
	ctx->n = 0;
	ctx->cap = EKQ_HARVEST;
}

static void
defer_rearm(struct scan_ctx *ctx, const struct ekq_fdrec *rec, unsigned loc)
{
	if (ctx->n == ctx->cap) {
		size_t cap = ctx->cap * 2;
		struct rearm *list = ctx->list == ctx->local ? NULL : ctx->list;
		list = realloc(list, cap * sizeof *list);
		if (list == NULL)
			return; /* the knote then waits for its next edge */
		if (ctx->list == ctx->local)
			memcpy(list, ctx->local, sizeof ctx->local);
		ctx->list = list;
		ctx->cap = cap;
	}
	ctx->list[ctx->n++].data = ekq_data_pack(rec->fd, rec->gen, loc);
}

static void
rearm_all(struct ekq_kq *kq, struct scan_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n; i++) {
		uint64_t data = ctx->list[i].data;
		struct ekq_fdrec *rec = ekq_fd_lookup(kq, data);
		unsigned loc = EKQ_DATA_LOC(data);
		if (rec != NULL && (rec->locreg & (1u << loc)))
			ekq_fd_rearm(kq, rec, loc);
	}
	if (ctx->list != ctx->local)
		free(ctx->list);
	ctx->list = ctx->local;
	ctx->n = 0;
}

void
ekq_pending_add(struct ekq_kq *kq, struct ekq_knote *kn)
{
	struct ekq_qlink *q = &kn->q, *head = &kq->pending;
	q->prev = head->prev;
	q->next = head;
	head->prev->next = q;
	head->prev = q;
	kn->status |= EKQ_KN_QUEUED;
	kq->npending++;
	kq->pending_adds++;
}

void
ekq_pending_remove(struct ekq_kq *kq, struct ekq_knote *kn)
{
	kq->npending--;
	kn->q.prev->next = kn->q.next;
	kn->q.next->prev = kn->q.prev;
	kn->q.next = kn->q.prev = NULL;
	kn->status &= (uint8_t)~EKQ_KN_QUEUED;
}

static bool
pending_empty(const struct ekq_kq *kq)
{
	return kq->pending.next == &kq->pending;
}

static bool
knote_level(const struct ekq_knote *kn)
{
	return !(kn->flags & (EV_CLEAR | EV_ONESHOT | EV_DISPATCH));
}

static void
fill(struct kevent *out, const struct ekq_fdrec *rec, unsigned slot,
    const struct ekq_eval *ev)
{
	static const short filters[EKQ_NSLOTS] = {
		EVFILT_READ, EVFILT_WRITE, EVFILT_EXCEPT
	};
	const struct ekq_knote *kn = &rec->kn[slot];
	out->ident = (uintptr_t)rec->fd;
	out->filter = filters[slot];
	out->flags = (unsigned short)(kn->flags | ev->flags);
	out->fflags = ev->fflags;
	out->data = ev->data;
	out->udata = kn->udata;
	memcpy(out->ext, kn->ext, sizeof out->ext);
}

static void
mark_taken(struct scan_ctx *ctx, struct ekq_fdrec *rec, unsigned slot)
{
	if (rec->scan_id != ctx->id) {
		rec->scan_id = ctx->id;
		rec->scan_slots = 0;
	}
	rec->scan_slots |= (uint8_t)(1u << slot);
}

static bool
taken(const struct scan_ctx *ctx, const struct ekq_fdrec *rec, unsigned slot)
{
	return rec->scan_id == ctx->id && (rec->scan_slots & (1u << slot));
}

/*
 * Run the knotes of `rec` registered at `loc` against the kernel's report
 * `revents`; deliver into out[0..room).  Returns the number delivered.
 * With out == NULL (a prefetch), nothing is delivered: ready level knotes
 * are counted, ready edges are moved to the pending list.
 */
static int
process_fd(struct ekq_kq *kq, struct scan_ctx *ctx, struct ekq_fdrec *rec,
    unsigned loc, uint32_t revents, struct kevent *out, int room)
{
	bool prefetch = out == NULL;
	bool level_loc = ekq_loc_level(rec, loc);
	if (!ekq_fd_valid(kq, rec)) {
		/* Closed (or closed and reused): its knotes are gone. */
		if (level_loc)
			ekq_fd_neutralize(kq, kq->epfd,
			    ekq_loc_number(rec, loc));
		ekq_fd_drop(kq, rec);
		ctx->stale++;
		return 0;
	}
	int n = 0;
	bool rearm = false, idle = false;
	for (unsigned slot = 0; slot < EKQ_NSLOTS; slot++) {
		struct ekq_knote *kn = &rec->kn[slot];
		if (!(kn->status & EKQ_KN_PRESENT) || rec->loc[slot] != loc ||
		    (kn->status & (EKQ_KN_DISABLED | EKQ_KN_QUEUED)))
			continue;
		uint32_t mine = ekq_slot_events(rec, slot) | EPOLLHUP | EPOLLERR;
		if (!(revents & mine))
			continue;
		if (taken(ctx, rec, slot)) {
			/* Handed back in the same call: next call's. */
			ctx->repeat = true;
			if (!knote_level(kn))
				ekq_pending_add(kq, kn);
			else if (!level_loc)
				rearm = true;
			continue;
		}
		struct ekq_eval ev;
		if (!ekq_probe_filter(rec, slot, revents, &ev)) {
			idle = true;
			continue;
		}
		if (prefetch && knote_level(kn)) {
			/* Counted where it stands, in the kernel's list. */
			if (!level_loc)
				rearm = true;
			ctx->counted++;
			mark_taken(ctx, rec, slot);
			continue;
		}
		if (prefetch || n == room) {
			/*
			 * Not delivered now.  kqueue_scan() would leave the
			 * knote at the head of its queue, but the kernel has
			 * moved this one to the tail of its list: it waits
			 * here, to be looked at first next time.
			 */
			ekq_pending_add(kq, kn);
			continue;
		}
		fill(&out[n++], rec, slot, &ev);
		mark_taken(ctx, rec, slot);
		if (knote_level(kn)) {
			if (!level_loc)
				rearm = true;
		} else if (ekq_fd_delivered(kq, rec, slot)) {
			return n; /* the record went with its last knote */
		}
	}
	if (rearm)
		defer_rearm(ctx, rec, loc);
	else if (idle && level_loc && n == 0)
		/* Linux says ready, the filter says no: stop the kernel
		 * from reporting it until something changes. */
		ekq_loc_demote(kq, rec, loc, true);
	return n;
}

/* A pending descriptor knote: check it again now, as kqueue_scan() does. */
static int
process_pending_fd(struct ekq_kq *kq, struct scan_ctx *ctx,
    struct ekq_knote *kn, struct kevent *out)
{
	struct ekq_fdrec *rec = ekq_fd_of(kn);
	unsigned slot = kn->slot;
	ekq_pending_remove(kq, kn);
	if (!ekq_fd_valid(kq, rec)) {
		ekq_fd_drop(kq, rec);
		return 0;
	}
	struct pollfd pfd = { .fd = rec->fd, .revents = 0,
		.events = (short)(ekq_slot_events(rec, slot) & 0xffff) };
	if (poll(&pfd, 1, 0) != 1)
		return 0;
	struct ekq_eval ev;
	if (!ekq_probe_filter(rec, slot, (uint32_t)pfd.revents, &ev))
		return 0;
	fill(out, rec, slot, &ev);
	mark_taken(ctx, rec, slot);
	if (knote_level(kn))
		defer_rearm(ctx, rec, rec->loc[slot]);
	else
		ekq_fd_delivered(kq, rec, slot);
	return 1;
}

static int
scan_pending(struct ekq_kq *kq, struct scan_ctx *ctx, struct kevent *out,
    int room)
{
	int n = 0;
	/*
	 * Each knote is looked at once per scan: level knotes go back on the
	 * tail.  So the scan counts the knotes that were there at entry and
	 * are still there: those on the list less those put on it since.  A
	 * pointer to the last one would not do: a record dropped while its
	 * first knote is looked at takes its other knotes off the list, the
	 * last one among them maybe, and freed (rec_free()).
	 */
	unsigned long adds = kq->pending_adds;
	while (n < room && !pending_empty(kq) &&
	    kq->npending > kq->pending_adds - adds) {
		struct ekq_qlink *q = kq->pending.next;
		struct ekq_knote *kn = (struct ekq_knote *)q;
		if (kn->slot == EKQ_SLOT_USER) {
			struct ekq_uknote *u = ekq_user_of(kn);
			ekq_pending_remove(kq, kn);
			if (ekq_user_deliver(kq, u, &out[n]))
				n++;
		} else if (kn->slot == EKQ_SLOT_HELPER) {
			ekq_pending_remove(kq, kn);
			if (ekq_helper_deliver(kq, ekq_helper_of(kn), &out[n]))
				n++;
		} else {
			n += process_pending_fd(kq, ctx, kn, &out[n]);
		}
	}
	return n;
}

static int
wait_epoll(int epfd, struct epoll_event *evs, int max, int timeout_ms,
    const struct timespec *ts)
{
#ifdef HAVE_EPOLL_PWAIT2
	int r = epoll_pwait2(epfd, evs, max, ts, NULL);
	if (r != -1 || errno != ENOSYS)
		return r;
#else
	(void)ts;
#endif
	return epoll_wait(epfd, evs, max, timeout_ms);
}

/*
 * The events of `got` epoll_events: deliver (or, with out == NULL,
 * prefetch) them.
 */
static int
process(struct ekq_kq *kq, struct scan_ctx *ctx,
    const struct epoll_event *evs, int got, struct kevent *out, int room)
{
	int n = 0;
	for (int i = 0; i < got; i++) {
		uint64_t data = evs[i].data.u64;
		int left = out == NULL ? 0 : room - n;
		if (data & EKQ_DATA_MARKER) {
			/* The pending list is scanned by the caller. */
			if ((uint32_t)data != kq->id)
				ekq_kq_drop_foreign_marker(kq);
			continue;
		}
		struct ekq_fdrec *rec = ekq_fd_lookup(kq, data);
		unsigned loc = EKQ_DATA_LOC(data);
		if (rec == NULL || !(rec->locreg & (1u << loc))) {
			ctx->stale++;
			continue; /* a stale registration */
		}
		n += process_fd(kq, ctx, rec, loc, evs[i].events,
		    out == NULL ? NULL : out + n, left);
	}
	return n;
}

/*
 * One epoll_wait() on the main epoll, without kq->lock when it may block
 * (out != NULL: a kevent() scan); then the events are processed under it.
 * Returns events delivered, or -1; *got is what the kernel returned.
 */
static int
harvest(struct ekq_kq *kq, struct scan_ctx *ctx, int timeout_ms,
    const struct timespec *ts, struct kevent *out, int room, int *got)
{
	struct epoll_event evs[EKQ_HARVEST];
	int max = out == NULL || room > EKQ_HARVEST ? EKQ_HARVEST : room;
	bool unlock = out != NULL;

	if (unlock)
		ekq_kq_unlock(&kq->lock);
	*got = wait_epoll(kq->epfd, evs, max, timeout_ms, ts);
	int saved = errno;
	if (unlock)
		ekq_kq_lock(&kq->lock);
	if (*got == -1) {
		errno = saved;
		return -1;
	}
	return process(kq, ctx, evs, *got, out, room);
}

/*
 * Harvest, without blocking and delivering nothing, all the kernel has
 * ready, then rearm: edges go to the pending list, ready level knotes are
 * counted in ctx->counted.
 */
static void
harvest_all(struct ekq_kq *kq, struct scan_ctx *ctx)
{
	static const struct timespec zero = { 0, 0 };
	ctx_init(kq, ctx);
	int got;
	do {
		/* Level knotes come back round: stop at the first repeat. */
		if (harvest(kq, ctx, 0, &zero, NULL, 0, &got) == -1)
			break;
	} while (got == EKQ_HARVEST && !ctx->repeat);
	rearm_all(kq, ctx);
}

/*
 * filt_kqueue(): another kqueue asks how many events this one has.  Ready
 * level knotes are counted where they stand; edges, which a harvest
 * consumes, are moved to the pending list and counted there.
 */
int64_t
ekq_kq_count_pending(int kqfd)
{
	struct ekq_kq *kq = ekq_kq_acquire(kqfd);
	if (kq == NULL)
		return -1;
	ekq_kq_lock(&kq->lock);
	struct scan_ctx ctx;
	harvest_all(kq, &ctx);
	int64_t count = ctx.counted;
	for (struct ekq_qlink *q = kq->pending.next; q != &kq->pending;
	    q = q->next) {
		struct ekq_knote *kn = (struct ekq_knote *)q;
		if (kn->slot != EKQ_SLOT_USER || ekq_user_of(kn)->triggered)
			count++;
	}
	ekq_kq_arm_marker(kq, !pending_empty(kq));
	ekq_kq_unlock(&kq->lock);
	ekq_kq_release(kq);
	return count;
}

/*
 * filt_kqueue() for an EV_CLEAR knote, whose poll of the kqueue said
 * readable: the pending list, or 1 for what the kernel holds.  No
 * harvest: the marker that would then keep the kqueue readable is a new
 * wakeup of its descriptor, which an edge-triggered watcher takes for a
 * second activation (FreeBSD's kqueue is activated only when a knote is
 * queued).  data may count a level knote whose condition has gone, as a
 * real kernel's lazily scanned queue does.
 */
int64_t
ekq_kq_count_quick(int kqfd)
{
	struct ekq_kq *kq = ekq_kq_acquire(kqfd);
	if (kq == NULL)
		return -1;
	ekq_kq_lock(&kq->lock);
	int64_t count = 0;
	for (struct ekq_qlink *q = kq->pending.next; q != &kq->pending;
	    q = q->next) {
		struct ekq_knote *kn = (struct ekq_knote *)q;
		if (kn->slot != EKQ_SLOT_USER || ekq_user_of(kn)->triggered)
			count++;
	}
	ekq_kq_unlock(&kq->lock);
	ekq_kq_release(kq);
	return count > 0 ? count : 1;
}

static bool
timeout_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L;
}

static struct timespec
ts_now(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now;
}

/* deadline - now, clamped at zero */
static struct timespec
ts_left(const struct timespec *deadline)
{
	struct timespec now = ts_now(), left;
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

/* Milliseconds for epoll_wait(), rounded up: never wake early. */
static int
ts_to_ms(const struct timespec *ts)
{
	if (ts->tv_sec >= INT_MAX / 1000 - 1)
		return INT_MAX;
	return (int)(ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000);
}

/*
 * A scan that found only stale registrations will find them again at once
 * if they are level-triggered and could not be removed (a file kept open by
 * another process): wait a little before looking again, rather than spin.
 */
static void
stale_backoff(struct ekq_kq *kq)
{
	static const struct timespec pause = { 0, 1000000 };
	ekq_kq_unlock(&kq->lock);
	nanosleep(&pause, NULL);
	ekq_kq_lock(&kq->lock);
}

/* Is an edge-triggered descriptor knote waiting on the pending list? */
static bool
pending_has_edge(const struct ekq_kq *kq)
{
	for (const struct ekq_qlink *q = kq->pending.next; q != &kq->pending;
	    q = q->next) {
		const struct ekq_knote *kn = (const struct ekq_knote *)q;
		if (kn->slot != EKQ_SLOT_USER && kn->slot != EKQ_SLOT_HELPER &&
		    !knote_level(kn))
			return true;
	}
	return false;
}

/*
 * An edge on the pending list (put there by another kqueue's poll, which
 * harvests: ekq_kq_count_pending()) is a queued knote, and an activation
 * since merges into it, as FreeBSD's knote_activate() finds KN_QUEUED set.
 * The kernel's reports of such activations are taken before the pending
 * list is delivered, so that they find the knotes still queued; after it,
 * they would come back as second events of the same edge.
 */
static void
merge_into_pending(struct ekq_kq *kq)
{
	struct scan_ctx ctx;
	harvest_all(kq, &ctx);
}

static int
scan(struct ekq_kq *kq, struct kevent *out, int nevents,
    const struct timespec *timeout)
{
	struct timespec deadline = { 0, 0 };
	if (timeout != NULL) {
		struct timespec now = ts_now();
		deadline.tv_sec = now.tv_sec + timeout->tv_sec;
		deadline.tv_nsec = now.tv_nsec + timeout->tv_nsec;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_nsec -= 1000000000L;
			deadline.tv_sec++;
		}
	}
	if (pending_has_edge(kq))
		merge_into_pending(kq);
	struct scan_ctx ctx;
	ctx_init(kq, &ctx);
	int n = 0, fruitless = 0;
	for (;;) {
		/* The pending list is walked once per call, as FreeBSD walks
		 * its queue up to a marker; again only if nothing came yet. */
		if (n == 0)
			n = scan_pending(kq, &ctx, out, nevents);
		if (n == nevents)
			break;
		/* Block only while there is nothing to return. */
		struct timespec left = { 0, 0 };
		const struct timespec *tsp = &left;
		int ms = 0;
		if (n == 0 && pending_empty(kq)) {
			if (timeout == NULL) {
				tsp = NULL;
				ms = -1;
			} else {
				left = ts_left(&deadline);
				ms = ts_to_ms(&left);
			}
		}
		ekq_kq_arm_marker(kq, !pending_empty(kq));
		ctx.repeat = false;
		ctx.stale = 0;
		int got;
		int r = harvest(kq, &ctx, ms, tsp, out + n,
		    nevents - n, &got);
		if (r == -1) {
			if (errno == EINTR && n > 0)
				break;
			int saved = errno;
			rearm_all(kq, &ctx);
			errno = saved;
			return -1;
		}
		n += r;
		/*
		 * More only while batches come full.  A full batch that gave
		 * nothing (the marker, stale registrations) says nothing of what
		 * is behind it: look a few times more, as FreeBSD never returns
		 * fewer events than asked while knotes are active.
		 */
		int asked = nevents - (n - r) < EKQ_HARVEST ?
		    nevents - (n - r) : EKQ_HARVEST;
		bool full = got == asked;
		if (full && r == 0 && ++fruitless <= EKQ_FRUITLESS)
			continue;
		if (n > 0 && (n == nevents || !full || ctx.repeat || r == 0))
			break;
		if (n == 0 && pending_empty(kq) && timeout != NULL) {
			struct timespec rest = ts_left(&deadline);
			if (rest.tv_sec == 0 && rest.tv_nsec == 0)
				break;
		}
		if (n == 0 && got > 0 && ctx.stale == (unsigned)got)
			stale_backoff(kq);
	}
	rearm_all(kq, &ctx);
	ekq_kq_arm_marker(kq, !pending_empty(kq));
	return n;
}

static int
apply(struct ekq_kq *kq, struct kevent *kev)
{
	if ((kev->flags & (EV_ENABLE | EV_DISABLE)) == (EV_ENABLE | EV_DISABLE))
		return EINVAL;
	switch (kev->filter) {
	case EVFILT_READ:
	case EVFILT_WRITE:
	case EVFILT_EXCEPT:
		return ekq_fd_change(kq, kev);
	case EVFILT_USER:
		return ekq_user_change(kq, kev);
	case EVFILT_TIMER:
	case EVFILT_SIGNAL:
		return ekq_helper_change(kq, kev);
	default:
		return EINVAL;
	}
}

int
kevent(int kqfd, const struct kevent *changelist, int nchanges,
    struct kevent *eventlist, int nevents, const struct timespec *timeout)
{
	struct ekq_kq *kq = ekq_kq_acquire(kqfd);
	if (kq == NULL)
		return -1;
	/* kqueue_kevent() loops while nchanges > 0: a negative count is 0. */
	if (nchanges < 0)
		nchanges = 0;
	if (nevents < 0 || (nchanges > 0 && changelist == NULL) ||
	    (nevents > 0 && eventlist == NULL)) {
		ekq_kq_release(kq);
		errno = nevents < 0 ? EINVAL : EFAULT;
		return -1;
	}

	ekq_kq_lock(&kq->lock);
	int nerrors = 0, rc, saved = 0;
	for (int i = 0; i < nchanges; i++) {
		/* A copy: the changelist may be the eventlist. */
		struct kevent kev = changelist[i];
		if (kev.filter == 0)
			continue;
		kev.flags &= (unsigned short)~EV_SYSFLAGS;
		int err = apply(kq, &kev);
		if (err == 0 && !(kev.flags & EV_RECEIPT))
			continue;
		if (nevents == 0) {
			/* No room to report it: stop here. */
			rc = err == 0 ? 0 : -1;
			saved = err;
			goto out;
		}
		kev.flags = EV_ERROR;
		kev.data = err;
		eventlist[nerrors++] = kev;
		nevents--;
	}
	if (nerrors > 0) {
		rc = nerrors;
	} else if (nevents == 0) {
		rc = 0;
	} else if (timeout != NULL && !timeout_valid(timeout)) {
		rc = -1;
		errno = EINVAL;
	} else {
		rc = scan(kq, eventlist, nevents, timeout);
	}
	saved = errno;
out:
	ekq_kq_arm_marker(kq, !pending_empty(kq));
	ekq_kq_unlock(&kq->lock);
	ekq_kq_release(kq);
	ekq_helper_settle();
	errno = saved;
	return rc;
}
