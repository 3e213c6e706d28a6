/*
 * epoll_wait(), epoll_pwait(), epoll_pwait2(): collect kevents and turn
 * them into one epoll_event per descriptor.
 *
 * A pass first returns what is held from earlier calls (edge-triggered or
 * one-shot events that did not fit, and "sticky" EPOLLHUP/EPOLLERR seen
 * through a hidden knote on a level-triggered registration), then asks the
 * kqueue.  Level-triggered events that do not fit are simply dropped: the
 * kqueue reports them again, behind the ones that were waiting, which
 * gives Linux's round-robin fairness.
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
/* Linux's EP_MAX_EVENTS */
#define EKQ_MAX_EVENTS ((int)(INT_MAX / sizeof(struct epoll_event)))

struct pass {
	struct epoll_event *out;
	int n, max;
	uint32_t id;
	struct kevent changes[EKQ_CHANGES]; /* knote changes to send */
	int nchanges;
};

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
	/* The knote that fired is disabled already (EV_DISPATCH); any other
	 * would still fire once. */
	if (popcount3(reg->knotes) < 2)
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
	if (reg->stamp == p->id) {
		p->out[reg->outidx].events |= bits;
		return;
	}
	if (p->n == p->max) {
		/* No room: it comes first next time, when its bits are read
		 * again (held level events keep the round-robin fair). */
		ekq_held_push(ep, fd, reg);
		return;
	}
	reg->stamp = p->id;
	reg->outidx = (uint32_t)p->n;
	p->out[p->n].events = bits;
	p->out[p->n].data.u64 = reg->data;
	p->n++;
	if (reg->events & EPOLLONESHOT)
		disarm(ep, p, fd, reg);
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
		uint32_t mask = reg->events | EPOLLHUP | EPOLLERR;
		if (!ekq_fd_same(fd, reg->ident)) {
			/* Closed while held (maybe reused): its knotes are gone,
			 * and so is the registration. */
			if (reg->kind == EKQ_FD_EPOLL)
				ekq_nest_remove(ep, fd);
			ekq_reg_release(ep, fd, reg);
		} else if (reg->state & EKQ_REG_STICKY) {
			/* Level: report while it lasts, then let go. */
			uint32_t bits = ekq_linux_bits(fd, reg->kind) & mask;
			ekq_held_unlink(ep, fd, reg);
			if (bits & (EPOLLHUP | EPOLLERR)) {
				emit(ep, p, fd, reg, bits);
				ekq_held_push(ep, fd, reg);
				reg->state |= EKQ_REG_STICKY;
			}
		} else {
			/* Re-read, as ep_send_events() re-polls each ready item:
			 * readiness that went away is not reported, not even to
			 * an edge-triggered registration. */
			ekq_held_unlink(ep, fd, reg);
			uint32_t bits = (reg->state & EKQ_REG_DISARMED) ? 0 :
			    ekq_linux_bits(fd, reg->kind) & mask;
			if (bits)
				emit(ep, p, fd, reg, bits);
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
	if (kev->filter == EVFILT_READ && kev->data == 0)
		return true; /* an error, or a zero-length datagram */
	if (reg->kind == EKQ_FD_TTY || reg->kind == EKQ_FD_OTHER)
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
	if (filter == EVFILT_WRITE)
		return EKQ_KN_WRITE;
	return EKQ_KN_EXCEPT;
}

static void
collect(struct ekq_ep *ep, struct pass *p, const struct kevent *kev, int nkev,
    bool truncated)
{
	for (int i = 0; i < nkev; i++) {
		if (ekq_is_signal(ep, &kev[i]))
			continue;
		int fd = (int)kev[i].ident;
		struct ekq_reg *reg = ekq_reg_find(ep, fd);
		if (reg == NULL || reg->gen != (uint32_t)(uintptr_t)kev[i].udata)
			continue; /* from a registration since replaced */
		if ((reg->state & EKQ_REG_DISARMED) && reg->stamp != p->id)
			continue;
		uint8_t bit = bit_of(kev[i].filter);
		uint32_t mask = reg->events | EPOLLHUP | EPOLLERR;
		uint32_t bits;
		if (needs_poll(reg, &kev[i], bit, truncated))
			bits = ekq_linux_bits(fd, reg->kind);
		else
			bits = ekq_fast_bits(reg->kind, kev[i].filter);
		bits &= mask;
		bool muted = reg->hidden & (uint8_t)(bit << EKQ_MUTED_SHIFT);
		if ((bits == 0) != muted && !(reg->hidden & bit) && !reg_edge(reg)) {
			/* Level and firing for nothing: mute it; muted and
			 * firing for something: level again. */
			if (p->nchanges + 2 > EKQ_CHANGES)
				flush_changes(ep, p);
			ekq_knotes_mute(fd, reg, bit, bits == 0, p->changes,
			    &p->nchanges);
		}
		if (bits == 0)
			continue;
		emit(ep, p, fd, reg, bits);
		/*
		 * A hidden knote is edge-triggered; on a level registration its
		 * EPOLLHUP/EPOLLERR must go on being reported while it lasts.
		 */
		if ((reg->hidden & bit) && !reg_edge(reg) &&
		    (bits & (EPOLLHUP | EPOLLERR)) && !(reg->state & EKQ_REG_HELD)) {
			ekq_held_push(ep, fd, reg);
			reg->state |= EKQ_REG_STICKY;
		}
	}
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

/* One kevent() and its collection; -1 with errno on failure. */
static int
fetch(struct ekq_ep *ep, struct pass *p, const struct timespec *timeout,
    int *fetched)
{
	struct kevent kev[EKQ_KBUF];
	/*
	 * As many kevents as there is room for, one more (a descriptor's
	 * other filter often comes right behind the first: merged, not
	 * reported twice), and one for the signal knote.  What does not fit
	 * is held for the next call, which keeps the round-robin fair.
	 */
	int want = p->max - p->n + 1 + (ep->user_triggered ? 1 : 0);
	if (want > EKQ_KBUF)
		want = EKQ_KBUF;
	int got = ekq_sys_kevent(ep->epfd, NULL, 0, kev, want, timeout);
	*fetched = got;
	if (got == -1)
		return -1;
	pthread_mutex_lock(&ep->lock);
	collect(ep, p, kev, got, got == want);
	*fetched = got == want ? got : 0;
	return 0;
}

static int
do_wait(int epfd, struct epoll_event *events, int maxevents,
    const struct timespec *timeout, const sigset_t *sigmask)
{
	if (maxevents <= 0 || maxevents > EKQ_MAX_EVENTS)
		return fail(EINVAL);
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
		p->id = ++ep->pass;
		p->n = 0;
		p->nchanges = 0;
		take_held(ep, p);
		pthread_mutex_unlock(&ep->lock);

		/* Block only while nothing is there to return. */
		bool block = p->n == 0 && sigmask == NULL;
		struct timespec left = timeout ? ts_left(&deadline) : zero;
		const struct timespec *ts = !block ? &zero :
		    timeout ? &left : NULL;
		int more, before;
		do {
			before = p->n;
			if (fetch(ep, p, ts, &more) == -1) {
				err = errno;
				pthread_mutex_lock(&ep->lock);
				more = 0;
			}
			flush_changes(ep, p);
			ekq_ep_set_user(ep, ep->held_head != -1);
			pthread_mutex_unlock(&ep->lock);
			ts = &zero;
		/* Again only while full batches bring new descriptors: level
		 * events come back round and would be taken forever. */
		} while (err == 0 && more && p->n < p->max && p->n > before);

		if (p->n > 0) {
			rc = p->n;
			break;
		}
		if (err != 0) {
			if (err == EBADF) {
				/* The instance's kqueue was closed under it. */
				ekq_ep_forget(epfd, ep);
				err = fcntl_valid(epfd) ? EINVAL : EBADF;
			}
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

/* Events wanted into a NULL array: Linux fails only when there are some. */
static int
wait_no_buffer(int epfd, int maxevents, const struct timespec *timeout,
    const sigset_t *sigmask)
{
	if (maxevents <= 0 || maxevents > EKQ_MAX_EVENTS)
		return fail(EINVAL);
	if (!ekq_is_instance(epfd))
		return fail(fcntl_valid(epfd) ? EINVAL : EBADF);
	int r = wait_readable(epfd, timeout, sigmask);
	if (r == -1)
		return -1;
	return r == 0 ? 0 : fail(EFAULT);
}

EKQ_EXPORT int
ekq_epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
    const struct timespec *timeout, const sigset_t *sigmask)
{
	if (timeout != NULL && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
	    timeout->tv_nsec >= 1000000000L))
		return fail(EINVAL);
	if (events == NULL)
		return wait_no_buffer(epfd, maxevents, timeout, sigmask);
	return do_wait(epfd, events, maxevents, timeout, sigmask);
}

EKQ_EXPORT int
ekq_epoll_pwait(int epfd, struct epoll_event *events, int maxevents,
    int timeout, const sigset_t *sigmask)
{
	struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000L };
	return ekq_epoll_pwait2(epfd, events, maxevents,
	    timeout < 0 ? NULL : &ts, sigmask);
}

EKQ_EXPORT int
ekq_epoll_wait(int epfd, struct epoll_event *events, int maxevents,
    int timeout)
{
	return ekq_epoll_pwait(epfd, events, maxevents, timeout, NULL);
}
