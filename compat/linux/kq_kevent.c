/*
 * kevent(): apply the changelist, then collect events.
 *
 * Collection is FreeBSD's kqueue_scan(): knotes waiting in user space (the
 * pending list: triggered EVFILT_USER knotes, EV_CLEAR events that did not
 * fit last time) are considered first, then the kernel's ready list is
 * harvested and each ready registration's knotes are run through their
 * filters.  A level-triggered knote that fires is re-armed, which puts it
 * back at the tail of the kernel's ready list if it still holds.
 */
#include "config.h"

#include "kq.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EKQ_HARVEST 64 /* epoll_events fetched per epoll_wait() */

/*
 * Registrations to re-arm when the scan ends.  Re-arming at once would let
 * the same scan harvest a level knote twice; FreeBSD returns each knote at
 * most once per kevent().
 */
struct rearm {
	uint64_t data;          /* fd, generation and location */
};
struct scan_ctx {
	uint32_t id;            /* this scan; see ekq_fdrec.scan_id */
	struct rearm local[EKQ_HARVEST];
	struct rearm *list;
	size_t n, cap;
};

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
}

void
ekq_pending_remove(struct ekq_kq *kq, struct ekq_knote *kn)
{
	(void)kq;
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

/*
 * Run the knotes of `rec` registered at `loc` against the kernel's report
 * `revents`; deliver into out[0..room).  Returns the number delivered.
 */
static int
process_fd(struct ekq_kq *kq, struct scan_ctx *ctx, struct ekq_fdrec *rec,
    unsigned loc, uint32_t revents, struct kevent *out, int room)
{
	bool prefetch = out == NULL; /* queue everything, deliver nothing */
	if (!ekq_fd_valid(kq, rec)) {
		/* Closed (or closed and reused): its knotes are gone. */
		ekq_fd_drop(kq, rec);
		return 0;
	}
	int n = 0;
	bool rearm = false;
	for (unsigned slot = 0; slot < EKQ_NSLOTS; slot++) {
		struct ekq_knote *kn = &rec->kn[slot];
		if (!(kn->status & EKQ_KN_PRESENT) || rec->loc[slot] != loc ||
		    (kn->status & (EKQ_KN_DISABLED | EKQ_KN_QUEUED)))
			continue;
		uint32_t mine = ekq_slot_events(rec, slot) | EPOLLHUP | EPOLLERR;
		if (!(revents & mine))
			continue;
		struct ekq_eval ev;
		if (!ekq_probe_filter(rec, slot, revents, &ev))
			continue;
		bool again = rec->scan_id == ctx->id &&
		    (rec->scan_slots & (1u << slot));
		if (n == room || again) {
			/* No room, or already returned by this scan (FreeBSD
			 * returns a knote once per call): a level knote stays
			 * queued in the kernel, an edge waits here. */
			if (knote_level(kn) && !prefetch)
				rearm = true;
			else
				ekq_pending_add(kq, kn);
			continue;
		}
		fill(&out[n++], rec, slot, &ev);
		if (rec->scan_id != ctx->id) {
			rec->scan_id = ctx->id;
			rec->scan_slots = 0;
		}
		rec->scan_slots |= (uint8_t)(1u << slot);
		if (knote_level(kn))
			rearm = true;
		else if (ekq_fd_delivered(kq, rec, slot))
			return n; /* the record went with its last knote */
	}
	if (rearm)
		defer_rearm(ctx, rec, loc);
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
	if (rec->scan_id != ctx->id) {
		rec->scan_id = ctx->id;
		rec->scan_slots = 0;
	}
	rec->scan_slots |= (uint8_t)(1u << slot);
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
	/* Each knote is looked at once per scan: level EVFILT_USER knotes go
	 * back on the tail, so stop at the knote that was last at entry. */
	struct ekq_qlink *last = kq->pending.prev;
	bool done = pending_empty(kq);
	while (!done && n < room) {
		struct ekq_qlink *q = kq->pending.next;
		done = q == last;
		struct ekq_knote *kn = (struct ekq_knote *)q;
		if (kn->slot == EKQ_SLOT_USER) {
			struct ekq_uknote *u = ekq_user_of(kn);
			/* Re-queue at the tail: fair among level knotes. */
			ekq_pending_remove(kq, kn);
			if (ekq_user_deliver(kq, u, &out[n]))
				n++;
		} else {
			n += process_pending_fd(kq, ctx, kn, &out[n]);
		}
	}
	return n;
}

static int harvest(struct ekq_kq *kq, struct scan_ctx *ctx, int epfd,
    int timeout_ms, const struct timespec *ts, struct kevent *out, int room);

/* Harvest what a side epoll has ready (it signalled the main one). */
static int
harvest_side(struct ekq_kq *kq, struct scan_ctx *ctx, unsigned loc,
    struct kevent *out, int room)
{
	if (loc >= EKQ_NLOCS || kq->side[loc] == -1 || room == 0)
		return 0;
	static const struct timespec zero = { 0, 0 };
	int n = harvest(kq, ctx, kq->side[loc], 0, &zero, out, room);
	return n < 0 ? 0 : n;
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
 * One epoll_wait() on `epfd` (main or side), without kq->lock; then the
 * events are processed under it.  Returns events delivered, or -1.
 */
static int
harvest(struct ekq_kq *kq, struct scan_ctx *ctx, int epfd, int timeout_ms,
    const struct timespec *ts, struct kevent *out, int room)
{
	struct epoll_event evs[EKQ_HARVEST];
	int max = room < EKQ_HARVEST ? room : EKQ_HARVEST;
	bool main = epfd == kq->epfd;

	if (main)
		pthread_mutex_unlock(&kq->lock);
	int got = wait_epoll(epfd, evs, max, timeout_ms, ts);
	int saved = errno;
	if (main)
		pthread_mutex_lock(&kq->lock);
	if (got == -1) {
		errno = saved;
		return -1;
	}
	int n = 0;
	for (int i = 0; i < got; i++) {
		uint64_t data = evs[i].data.u64;
		if (data & EKQ_DATA_MARKER)
			continue; /* the pending list is scanned by the caller */
		if (data & EKQ_DATA_SIDE) {
			n += harvest_side(kq, ctx, (unsigned)(data & 3),
			    out + n, room - n);
			continue;
		}
		struct ekq_fdrec *rec = ekq_fd_lookup(kq, data);
		unsigned loc = EKQ_DATA_LOC(data);
		if (rec == NULL || !(rec->locreg & (1u << loc)) ||
		    ekq_loc_epfd(kq, loc) != epfd)
			continue; /* a stale registration */
		n += process_fd(kq, ctx, rec, loc, evs[i].events, out + n,
		    room - n);
	}
	return n;
}

/*
 * Move whatever the kernel has ready for `epfd` (the main epoll or a side
 * one) onto the pending list, without delivering.
 */
static void
prefetch(struct ekq_kq *kq, struct scan_ctx *ctx, int epfd)
{
	struct epoll_event evs[EKQ_HARVEST];
	int got;
	do {
		got = epoll_wait(epfd, evs, EKQ_HARVEST, 0);
		for (int i = 0; i < got; i++) {
			uint64_t data = evs[i].data.u64;
			if (data & EKQ_DATA_MARKER)
				continue;
			if (data & EKQ_DATA_SIDE) {
				unsigned loc = (unsigned)(data & 3);
				if (loc < EKQ_NLOCS && kq->side[loc] != -1)
					prefetch(kq, ctx, kq->side[loc]);
				continue;
			}
			struct ekq_fdrec *rec = ekq_fd_lookup(kq, data);
			unsigned loc = EKQ_DATA_LOC(data);
			if (rec != NULL && (rec->locreg & (1u << loc)) &&
			    ekq_loc_epfd(kq, loc) == epfd)
				process_fd(kq, ctx, rec, loc, evs[i].events, NULL, 0);
		}
	} while (got == EKQ_HARVEST);
}

/*
 * filt_kqueue(): another kqueue asks how many events this one has.  The
 * kernel's ready list cannot be counted without taking it, so it is moved
 * to the pending list, where the next kevent() finds it as it would have.
 */
int64_t
ekq_kq_count_pending(int kqfd)
{
	struct ekq_kq *kq = ekq_kq_acquire(kqfd);
	if (kq == NULL)
		return -1;
	pthread_mutex_lock(&kq->lock);
	struct scan_ctx ctx = { .id = ++kq->next_scan, .list = NULL, .n = 0,
		.cap = EKQ_HARVEST };
	ctx.list = ctx.local;
	prefetch(kq, &ctx, kq->epfd);
	rearm_all(kq, &ctx);
	int64_t count = 0;
	for (struct ekq_qlink *q = kq->pending.next; q != &kq->pending;
	    q = q->next) {
		struct ekq_knote *kn = (struct ekq_knote *)q;
		if (kn->slot != EKQ_SLOT_USER || ekq_user_of(kn)->triggered)
			count++;
	}
	ekq_kq_arm_marker(kq, count > 0 || !pending_empty(kq));
	pthread_mutex_unlock(&kq->lock);
	ekq_kq_release(kq);
	return count;
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
	struct scan_ctx ctx = { .id = ++kq->next_scan, .list = NULL, .n = 0,
		.cap = EKQ_HARVEST };
	ctx.list = ctx.local;
	int n = 0;
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
		int got = harvest(kq, &ctx, kq->epfd, ms, tsp, out + n,
		    nevents - n);
		if (got == -1) {
			if (errno == EINTR && n > 0)
				break;
			int saved = errno;
			rearm_all(kq, &ctx);
			errno = saved;
			return -1;
		}
		n += got;
		if (n > 0 && (n == nevents || got == 0))
			break;
		if (n == 0 && pending_empty(kq) && timeout != NULL) {
			struct timespec rest = ts_left(&deadline);
			if (rest.tv_sec == 0 && rest.tv_nsec == 0)
				break;
		}
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

	pthread_mutex_lock(&kq->lock);
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
	ekq_kq_arm_marker(kq, !pending_empty(kq));
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
	pthread_mutex_unlock(&kq->lock);
	ekq_kq_release(kq);
	errno = saved;
	return rc;
}
