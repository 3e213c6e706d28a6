/*
 * The bits Linux reports for a descriptor.
 *
 * The fast path takes them from the kqueue event alone: a read knote that
 * fired means EPOLLIN|EPOLLRDNORM, a write knote EPOLLOUT|EPOLLWRNORM (and
 * EPOLLWRBAND where Linux's poll sets it).  Whenever the event says more
 * than "ready" -- EOF, an error, a hidden knote, an edge on a descriptor
 * watched in several directions -- the descriptor is asked with poll(),
 * which is what Linux's epoll itself does (ep_item_poll).
 */
#include "config.h"

#include "ep.h"
#include "fdobj.h"
#include "sys.h"

#include <poll.h>
#include <sys/ioctl.h>

#ifndef HAVE_POLLRDHUP
#undef POLLRDHUP
#define POLLRDHUP 0 /* not on this host: EPOLLRDHUP comes from EV_EOF */
#endif

uint32_t
ekq_fast_bits(uint8_t kind, short filter)
{
	if (filter == EVFILT_READ)
		return EPOLLIN | EPOLLRDNORM;
	if (filter == EVFILT_WRITE) {
		/* sock_writeable() sets WRBAND; tcp_poll and pipe_poll do not. */
		if (kind == EKQ_FD_STREAM || kind == EKQ_FD_DGRAM)
			return EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
		return EPOLLOUT | EPOLLWRNORM;
	}
	return EPOLLPRI;
}

/* Remember what a knote said that poll() may not say again. */
void
ekq_note_kevent(struct ekq_reg *reg, const struct kevent *kev)
{
	/* filt_soread(): EV_EOF once SBS_CANTRCVMORE is set, which nothing
	 * clears while the socket lives.  A listening socket is never
	 * EPOLLRDHUP to Linux (tcp_poll() answers for listeners first). */
	if (kev->filter != EVFILT_READ || !(kev->flags & EV_EOF) ||
	    !ekq_kind_socket(reg->kind) ||
	    (reg->seen & (EKQ_SEEN_RDEOF | EKQ_SEEN_LISTENER)))
		return;
	if (!ekq_fd_listening((int)kev->ident))
		reg->seen |= EKQ_SEEN_RDEOF;
}

/*
 * The host's poll() bits, said as Linux says them for this kind.  A pipe's
 * write end whose reader has gone is POLLHUP to FreeBSD's and NetBSD's
 * pipe_poll() but EPOLLERR, never EPOLLHUP, to Linux's.  A read end whose
 * writer has gone is POLLIN with POLLHUP to FreeBSD's, OpenBSD's and
 * DragonFly's pipe_poll() (the read would not block: it returns 0), but
 * EPOLLIN to Linux's only while bytes are left (fs/pipe.c pipe_poll()).
 */
static uint32_t
as_linux(uint32_t bits, const struct ekq_reg *reg, int fd)
{
	if (reg->kind == EKQ_FD_PIPE_R && (bits & EPOLLHUP) &&
	    (bits & (EPOLLIN | EPOLLRDNORM))) {
		int n = 0;
		if (ioctl(fd, FIONREAD, &n) == 0 && n == 0)
			bits &= ~(uint32_t)(EPOLLIN | EPOLLRDNORM);
	}
	if (reg->kind == EKQ_FD_PIPE_W) {
		if (bits & (EPOLLHUP | EPOLLERR))
			bits = (bits & ~(uint32_t)EPOLLHUP) | EPOLLERR;
		bits &= ~(uint32_t)(EPOLLIN | EPOLLRDNORM | EPOLLRDHUP);
	}
	if (!POLLRDHUP && (reg->seen & EKQ_SEEN_RDEOF))
		bits |= EPOLLRDHUP;
#ifndef HAVE_EVFILT_EXCEPT
	/* No knote watches for urgent data (knotes.c): its POLLPRI could
	 * only ride along with another event, and never wake a waiter.
	 * Never reported, as README's table says. */
	bits &= ~(uint32_t)EPOLLPRI;
#endif
	return bits;
}

uint32_t
ekq_linux_bits(int fd, const struct ekq_reg *reg)
{
	if (ekq_kind_object(reg->kind))
		return ekq_fdobj_bits(fd);
	struct pollfd pfd = { .fd = fd, .revents = 0,
		.events = POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLRDBAND |
		    POLLWRNORM | POLLWRBAND | POLLRDHUP };
	if (ekq_sys_poll(&pfd, 1, 0) != 1 || (pfd.revents & POLLNVAL))
		return 0;
	static const struct {
		short poll;
		uint32_t epoll;
	} map[] = {
		{ POLLIN, EPOLLIN }, { POLLPRI, EPOLLPRI }, { POLLOUT, EPOLLOUT },
		{ POLLERR, EPOLLERR }, { POLLHUP, EPOLLHUP },
		{ POLLRDNORM, EPOLLRDNORM }, { POLLRDBAND, EPOLLRDBAND },
		{ POLLWRNORM, EPOLLWRNORM }, { POLLWRBAND, EPOLLWRBAND },
		{ POLLRDHUP, EPOLLRDHUP },
	};
	uint32_t bits = 0;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].poll != 0 && (pfd.revents & map[i].poll))
			bits |= map[i].epoll;
	return as_linux(bits, reg, fd);
}
