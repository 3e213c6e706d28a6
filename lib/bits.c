/*
 * The bits Linux reports for a descriptor.
 *
 * The fast path takes them from the kqueue event alone: a read knote that
 * fired means EPOLLIN|EPOLLRDNORM, a write knote EPOLLOUT|EPOLLWRNORM (and
 * EPOLLWRBAND where Linux's poll sets it).  Whenever the event says more
 * than "ready" -- EOF, an error, a hidden knote, an edge on a descriptor
 * watched in several directions -- the descriptor is asked with poll(),
 * which is what Linux's epoll itself does (ep_item_poll).
 *
 * Where poll() never says POLLHUP or POLLERR of a socket or FIFO (no
 * HAVE_POLL_SOCKET_HUP: NetBSD's sopoll() tests only soreadable(),
 * sowritable() and the out-of-band mark: NetBSD/src @ 00c232c0,
 * sys/kern/uipc_socket.c; fifofs polls through it), those two bits come
 * from what the knotes said last instead: EV_EOF on a socket's read knote
 * is SS_CANTRCVMORE, on its write knote SS_CANTSENDMORE, and fflags is
 * so_error (filt_soread(), filt_sowrite(), same file); a FIFO's read knote
 * has EV_EOF exactly while no writer is left (filt_fiforead(),
 * sys/miscfs/fifofs/fifo_vnops.c).  What no knote of the registration
 * tells is asked of the socket (quiet_bits()).  Linux says EPOLLHUP once
 * both directions are shut and EPOLLERR while an error is pending
 * (tcp_poll(), unix_poll(), datagram_poll()).
 */
#include "config.h"

#include "ep.h"
#include "fdobj.h"
#include "sys.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

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

#ifndef HAVE_POLL_SOCKET_HUP
static void
set_seen(struct ekq_reg *reg, uint8_t bit, bool on)
{
	reg->seen = (uint8_t)(on ? reg->seen | bit : reg->seen & ~bit);
}

/* What a knote says of the EPOLLHUP/EPOLLERR that poll() keeps quiet. */
static void
note_quiet(struct ekq_reg *reg, const struct kevent *kev)
{
	bool eof = (kev->flags & EV_EOF) != 0;
	if (reg->kind == EKQ_FD_PIPE_R || reg->kind == EKQ_FD_PIPE_W) {
		/* A read end's read knote, or either knote of a write end
		 * (filt_fifowrite(): SS_CANTSENDMORE once no reader is
		 * left), tells whether the peer is there now. */
		if (reg->kind == EKQ_FD_PIPE_W || kev->filter == EVFILT_READ)
			set_seen(reg, EKQ_SEEN_PIPE_EOF, eof);
		return;
	}
	if (!ekq_kind_socket(reg->kind) || (reg->seen & EKQ_SEEN_LISTENER))
		return;
	if (kev->filter == EVFILT_WRITE && eof)
		reg->seen |= EKQ_SEEN_WREOF;
	if (eof)
		set_seen(reg, EKQ_SEEN_ERR, kev->fflags != 0);
}

/*
 * A connection-mode socket that is not connected: EPOLLOUT|EPOLLHUP to
 * Linux (tcp_poll() and unix_poll() on TCP_CLOSE), nothing to NetBSD's
 * sopoll() and knotes.  One whose connect() is in progress is nothing to
 * Linux either, and as unconnected to getpeername(): a TCP socket counts
 * only while it has no local port (or was a listener), so a bound socket
 * that never connects is missed.  A unix socket's connect() completes at
 * once (unp_connect()).
 */
static bool
unconnected(int fd, const struct ekq_reg *reg)
{
	if ((reg->kind != EKQ_FD_TCP && reg->kind != EKQ_FD_STREAM) ||
	    (reg->seen & (EKQ_SEEN_CONNECTED | EKQ_SEEN_RDEOF |
	    EKQ_SEEN_WREOF)))
		return false;
	int saved = errno;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	bool un = getpeername(fd, (struct sockaddr *)&ss, &len) == -1 &&
	    errno == ENOTCONN && !ekq_fd_listening(fd);
	if (un && reg->kind == EKQ_FD_TCP && !(reg->seen & EKQ_SEEN_LISTENER)) {
		len = sizeof ss;
		ss.ss_family = AF_UNSPEC;
		in_port_t port = 1;
		if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
			if (ss.ss_family == AF_INET)
				port = ((struct sockaddr_in *)&ss)->sin_port;
			else if (ss.ss_family == AF_INET6)
				port = ((struct sockaddr_in6 *)&ss)->sin6_port;
		}
		un = port == 0;
	}
	errno = saved;
	return un;
}

/*
 * The read side of a connection-mode socket is shut, and no write knote
 * watches it (the registration has no EPOLLOUT): is the send side shut
 * too?  A connection that ended shut both (soisdisconnected()), and so did
 * an error with EOF (tcp_drop() before tcp_close()); getpeername() then
 * fails with ENOTCONN, as it does for Linux's TCP in TCP_CLOSE.  A peer's
 * shutdown(SHUT_WR) or our own shutdown(SHUT_RD) leaves it connected.  A
 * unix stream socket's send side is asked directly: sosend() fails with
 * EPIPE on SS_CANTSENDMORE before it looks at so_error (none is pending:
 * EV_EOF said so), and a zero-length send moves no data.
 */
static bool
disconnected(int fd, const struct ekq_reg *reg)
{
	if (reg->kind != EKQ_FD_TCP && reg->kind != EKQ_FD_STREAM)
		return false;
	if (reg->seen & EKQ_SEEN_ERR)
		return true;
	int saved = errno;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	bool dis = getpeername(fd, (struct sockaddr *)&ss, &len) == -1 &&
	    errno == ENOTCONN;
#ifdef MSG_NOSIGNAL
	int type = 0;
	len = sizeof type;
	if (!dis && reg->kind == EKQ_FD_STREAM &&
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    type == SOCK_STREAM)
		dis = send(fd, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL) == -1 &&
		    errno == EPIPE;
#endif
	errno = saved;
	return dis;
}

/* The host's poll() bits of a socket or FIFO, with what it keeps quiet. */
static uint32_t
quiet_bits(uint32_t bits, const struct ekq_reg *reg, int fd)
{
	if (reg->kind == EKQ_FD_PIPE_R && (reg->seen & EKQ_SEEN_PIPE_EOF))
		return bits | EPOLLHUP;
	if (reg->kind == EKQ_FD_PIPE_W && (reg->seen & EKQ_SEEN_PIPE_EOF))
		return bits | EPOLLERR;
	if (!ekq_kind_socket(reg->kind))
		return bits;
	/*
	 * soreadable() is true with data, with the read side shut, or while
	 * so_error is set.  A datagram socket's error comes without EOF (an
	 * ICMP error, "temporary udp error" in filt_soread()): readable with
	 * nothing to read and the read side open, it is EPOLLERR without
	 * EPOLLIN to Linux.  A connection's error comes with both sides shut
	 * (soisdisconnected()), and only EV_EOF's fflags tell it; nor could
	 * poll() tell it from the EOF that a knote not yet collected in this
	 * pass may be about to report.
	 */
	/*
	 * A poll() that says POLLHUP of a socket may say it of a read side
	 * shut alone (macOS: POLLHUP with every read bit asked, POLLPRI
	 * too, and no POLLOUT; profiles/macos.h), or of both sides down
	 * without POLLOUT (OpenBSD's, DragonFly's sopoll()); Linux says
	 * EPOLLHUP only once both are shut, and EPOLLOUT whenever the send
	 * side is shut (tcp_poll()) or has room (unix_poll()).  So EPOLLHUP
	 * comes from the knotes here too, and a socket poll() called hung
	 * up is said writable: with its send side shut it is to Linux; with
	 * only its read side shut (macOS) poll() no longer tells, and room
	 * is assumed, as for an idle connection.
	 */
	bool poll_hup = (bits & EPOLLHUP) != 0;
	bits &= ~(uint32_t)EPOLLHUP;
	if (poll_hup)
		bits &= ~(uint32_t)(EPOLLPRI | EPOLLRDBAND);
	int n = 0;
	if (reg->kind == EKQ_FD_DGRAM && !(reg->seen & EKQ_SEEN_RDEOF) &&
	    (bits & EPOLLIN) && ioctl(fd, FIONREAD, &n) == 0 && n == 0)
		bits = (bits & ~(uint32_t)(EPOLLIN | EPOLLRDNORM)) | EPOLLERR;
	else if ((reg->seen & EKQ_SEEN_RDEOF) && (reg->seen & EKQ_SEEN_ERR))
		bits |= EPOLLERR;
	if ((reg->seen & EKQ_SEEN_RDEOF) && ((reg->seen & EKQ_SEEN_WREOF) ||
	    disconnected(fd, reg)))
		bits |= EPOLLHUP;
	else if (unconnected(fd, reg))
		bits |= EPOLLHUP | ekq_fast_bits(reg->kind, EVFILT_WRITE);
	if ((reg->kind == EKQ_FD_TCP || reg->kind == EKQ_FD_STREAM) &&
	    (poll_hup || (bits & EPOLLHUP)))
		bits |= ekq_fast_bits(reg->kind, EVFILT_WRITE);
	return bits;
}
#endif

/*
 * The knotes of a registration were added again (EPOLL_CTL_MOD): what they
 * said of a state that can pass (an error, a FIFO's peer) is said again by
 * them if it still holds, and must not outlive it meanwhile.  What cannot
 * pass (a direction shut) stays.
 */
void
ekq_note_rearmed(struct ekq_reg *reg)
{
#ifndef HAVE_POLL_SOCKET_HUP
	reg->seen &= (uint8_t)~(EKQ_SEEN_ERR | EKQ_SEEN_PIPE_EOF);
#else
	(void)reg;
#endif
}

/* Remember what a knote said that poll() may not say again. */
void
ekq_note_kevent(struct ekq_reg *reg, const struct kevent *kev)
{
#ifndef HAVE_POLL_SOCKET_HUP
	note_quiet(reg, kev);
#endif
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
	/* Linux's pipe_poll() has no out-of-band bits; macOS's
	 * poll_callback() says them of a pipe at EOF when they are asked. */
	if (reg->kind == EKQ_FD_PIPE_R || reg->kind == EKQ_FD_PIPE_W ||
	    reg->kind == EKQ_FD_PIPE_RW)
		bits &= ~(uint32_t)(EPOLLPRI | EPOLLRDBAND);
	bool poll_err = (bits & EPOLLERR) != 0;
#ifndef HAVE_POLL_SOCKET_HUP
	bits = quiet_bits(bits, reg, fd);
#endif
	if (reg->kind == EKQ_FD_PIPE_R && (bits & EPOLLHUP) &&
	    (bits & (EPOLLIN | EPOLLRDNORM))) {
		int n = 0;
		if (ioctl(fd, FIONREAD, &n) == 0 && n == 0)
			bits &= ~(uint32_t)(EPOLLIN | EPOLLRDNORM);
	}
	if (reg->kind == EKQ_FD_PIPE_W) {
		/* Widowed, said by a BSD's POLLHUP or by the knotes: the
		 * reader's buffer, which the write end wrote into, went with
		 * it (pipeclose()), so it is writable, as FreeBSD's
		 * pipe_poll() says even where OpenBSD's or macOS's does not.
		 * Linux's POLLERR comes with POLLOUT only while there is room. */
		if ((bits & (EPOLLHUP | EPOLLERR)) && !poll_err)
			bits |= EPOLLOUT | EPOLLWRNORM;
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
	/* Nothing from poll() may still be EPOLLHUP (quiet_bits()). */
	if (ekq_sys_poll(&pfd, 1, 0) == -1 || (pfd.revents & POLLNVAL))
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
