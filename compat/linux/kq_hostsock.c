/*
 * poll() of a socket as a BSD kernel answers it, from what Linux's poll()
 * says of the same socket (profiles/README, the EKQ_PROFILE_POLL_SOCKET_*
 * facts).  Linux's tcp_poll() and unix_poll() say more than any BSD:
 * POLLERR while an error is pending, POLLHUP and POLLOUT on a stream socket
 * that was never connected, and POLLOUT beside POLLHUP once both directions
 * are down.  Each BSD derives its bits from socket buffer state instead
 * (FreeBSD's sopoll_generic()) or from its kevent filters (OpenBSD's
 * ppollcollect(), DragonFly's poll_copyout(), macOS's poll_callback()).
 *
 * The Linux state read here: POLLRDHUP (the receive side is shut: the
 * BSDs' SBS_CANTRCVMORE), POLLHUP (Linux: both sides shut, or TCP_CLOSE),
 * POLLERR (sk_err: the BSDs' so_error).  A connection-mode socket that says
 * POLLHUP without POLLRDHUP was never connected (TCP_CLOSE with
 * sk_shutdown 0, net/ipv4/tcp.c tcp_poll(), net/unix/af_unix.c
 * unix_poll()); one that says both has both directions down, which is
 * what the BSDs' soisdisconnected() leaves (SS_ISDISCONNECTED,
 * SBS_CANTRCVMORE and SBS_CANTSENDMORE).  That is an approximation: a
 * local shutdown(SHUT_RDWR) shuts both sides on Linux but sets
 * SS_ISDISCONNECTED on a BSD only once the protocol says so.  A local
 * shutdown(SHUT_WR) alone is not told apart on Linux (POLLOUT either way),
 * so DragonFly's and macOS's POLLHUP for it is not modelled.
 */
#include "config.h"

#include "kq.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>

#if defined(EKQ_PROFILE_POLL_SOCKET_NOERR) || \
    defined(EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET) || \
    defined(EKQ_PROFILE_POLL_SOCKET_DOWN_NOOUT) || \
    defined(EKQ_PROFILE_POLL_SOCKET_RDEOF_HUP)
static bool
connection_mode(int fd)
{
	int type = 0;
	socklen_t len = sizeof type;
	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    (type == SOCK_STREAM || type == SOCK_SEQPACKET);
}

static bool
listening(int fd)
{
	int on = 0;
	socklen_t len = sizeof on;
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
	    on;
}
#endif

void
ekq_host_socket_bits(struct pollfd *pfd)
{
#if defined(EKQ_PROFILE_POLL_SOCKET_NOERR) || \
    defined(EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET) || \
    defined(EKQ_PROFILE_POLL_SOCKET_DOWN_NOOUT) || \
    defined(EKQ_PROFILE_POLL_SOCKET_RDEOF_HUP)
	short in = (short)(pfd->events & (POLLIN | POLLRDNORM));
	short out = (short)(pfd->events & (POLLOUT | POLLWRNORM));
	/* The caller's events may lack POLLRDHUP (the BSD has none). */
	struct pollfd lin = { .fd = pfd->fd, .revents = 0,
		.events = POLLIN | POLLOUT | POLLRDHUP };
	if (poll(&lin, 1, 0) != 1)
		return;
	bool rdeof = lin.revents & POLLRDHUP;
	bool hup = lin.revents & POLLHUP;
	bool err = lin.revents & POLLERR;
	bool stream = connection_mode(pfd->fd) && !listening(pfd->fd);
	(void)in, (void)out, (void)rdeof, (void)hup, (void)err, (void)stream;

#ifdef EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET
	/* Not connected and PR_CONNREQUIRED: not writable (sowriteable(),
	 * filt_sowrite()), nothing to read, no EOF. */
	if (stream && hup && !rdeof) {
		pfd->revents = 0;
		return;
	}
#endif
#ifdef EKQ_PROFILE_POLL_SOCKET_RDEOF_HUP
	/* macOS poll_callback(): EV_EOF on the read filter (SS_CANTRCVMORE,
	 * filt_soread_common()) is POLLHUP, with every read bit asked; a
	 * POLLHUP already said keeps the write filter's bits out. */
	if (stream && rdeof) {
		pfd->revents = (short)(POLLHUP | (pfd->events &
		    (POLLIN | POLLRDNORM | POLLPRI | POLLRDBAND)));
		return;
	}
#endif
#ifdef EKQ_PROFILE_POLL_SOCKET_DOWN_NOOUT
	/* The write filter's EOF is POLLHUP instead of POLLOUT (OpenBSD
	 * ppollcollect(), DragonFly poll_copyout()); the read filter fired
	 * at SBS_CANTRCVMORE says POLLIN. */
	if (stream && hup && rdeof) {
		short keep = 0;
#ifdef EKQ_PROFILE_POLL_SOCKET_EOF_KEEPS_ERR
		/* DragonFly: EV_EOF with so_error in fflags is POLLERR. */
		keep = (short)(lin.revents & POLLERR);
#endif
		pfd->revents = (short)((pfd->revents & (POLLPRI | POLLRDBAND)) |
		    in | POLLHUP | keep);
		return;
	}
#endif
#ifdef EKQ_PROFILE_POLL_SOCKET_NOERR
	/* No POLLERR: a pending so_error makes the socket readable and
	 * writable (soreadabledata(), sowriteable(); filt_soread() and
	 * filt_sowrite() fire on it). */
	if (err)
		pfd->revents = (short)((pfd->revents & ~POLLERR) | in | out);
#endif
#else
	(void)pfd;
#endif
}
