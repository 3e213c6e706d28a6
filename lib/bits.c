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

#include <poll.h>

#ifndef POLLRDHUP
#define POLLRDHUP 0 /* not on this host: EPOLLRDHUP comes from EV_EOF alone */
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

uint32_t
ekq_linux_bits(int fd, uint8_t kind)
{
	(void)kind;
	struct pollfd pfd = { .fd = fd, .revents = 0,
		.events = POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLRDBAND |
		    POLLWRNORM | POLLWRBAND | POLLRDHUP };
	if (poll(&pfd, 1, 0) != 1 || (pfd.revents & POLLNVAL))
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
	return bits;
}
