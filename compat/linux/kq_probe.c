/*
 * The filters: given what Linux says of a descriptor (its poll bits) and
 * what ioctl()/getsockopt() tell of its buffers, decide as FreeBSD's
 * filt_soread/filt_sowrite/filt_solisten/filt_piperead/filt_pipewrite would
 * whether a knote fires, with which data, and whether it is EOF.
 *
 * The pending socket error (FreeBSD's fflags on EV_EOF) cannot be read on
 * Linux without consuming it -- SO_ERROR and every receive path clear it --
 * so it is inferred from the socket's state; see sock_error_guess().
 */
#include "config.h"

#include "kq.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* Linux's TCP states (include/net/tcp_states.h), as TCP_INFO reports them. */
enum {
	EKQ_TCP_ESTABLISHED = 1, EKQ_TCP_SYN_SENT, EKQ_TCP_SYN_RECV,
	EKQ_TCP_FIN_WAIT1, EKQ_TCP_FIN_WAIT2, EKQ_TCP_TIME_WAIT,
	EKQ_TCP_CLOSE, EKQ_TCP_CLOSE_WAIT, EKQ_TCP_LAST_ACK,
	EKQ_TCP_LISTEN, EKQ_TCP_CLOSING
};

static bool
is_kqueue_fd(int fd)
{
	char path[64], target[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventpoll]") == 0;
}

int
ekq_probe_kind(int fd, struct ekq_fdrec *rec)
{
	struct stat st;
	if (fstat(fd, &st) == -1)
		return errno;
	rec->dev = st.st_dev;
	rec->ino = st.st_ino;
	switch (st.st_mode & S_IFMT) {
	case S_IFIFO:
		rec->kind = EKQ_KIND_PIPE;
		return 0;
	case S_IFSOCK: {
		int type = 0, proto = 0, family = 0;
		socklen_t len = sizeof type;
		getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
		len = sizeof family;
		getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len);
		len = sizeof proto;
		getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
		rec->sotype = (uint8_t)type;
		rec->family = (uint8_t)family;
		if ((family == AF_INET || family == AF_INET6) &&
		    type == SOCK_STREAM && proto == IPPROTO_TCP)
			rec->kind = EKQ_KIND_TCP;
		else if (family == AF_UNIX &&
		    (type == SOCK_STREAM || type == SOCK_SEQPACKET))
			rec->kind = EKQ_KIND_STREAM;
		else
			rec->kind = EKQ_KIND_DGRAM;
		return 0;
	}
	case S_IFCHR:
		rec->kind = isatty(fd) ? EKQ_KIND_TTY : EKQ_KIND_OTHER;
		return 0;
	case S_IFREG:
	case S_IFDIR:
	case S_IFBLK:
	case S_IFLNK:
		/* Vnode filters are not part of compat/. */
		return EOPNOTSUPP;
	default:
		/* Anonymous inodes: epoll (a kqueue), eventfd, timerfd... */
		rec->kind = is_kqueue_fd(fd) ? EKQ_KIND_KQUEUE : EKQ_KIND_OTHER;
		return 0;
	}
}

uint32_t
ekq_slot_events(const struct ekq_fdrec *rec, unsigned slot)
{
	bool sock = rec->kind == EKQ_KIND_STREAM || rec->kind == EKQ_KIND_TCP ||
	    rec->kind == EKQ_KIND_DGRAM;
	switch (slot) {
	case EKQ_SLOT_READ:
		return EPOLLIN | (sock ? EPOLLRDHUP : 0);
	case EKQ_SLOT_WRITE:
		return EPOLLOUT;
	default:
		return EPOLLPRI | (sock ? EPOLLRDHUP : 0);
	}
}

static int64_t
bytes_readable(int fd, bool *listening)
{
	int n = 0;
	if (ioctl(fd, FIONREAD, &n) == -1) {
		/* SIOCINQ refuses listening TCP and unix sockets. */
		if (listening != NULL)
			*listening = errno == EINVAL;
		return 0;
	}
	if (listening != NULL)
		*listening = false;
	return n;
}

static bool
tcp_info(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof *ti;
	memset(ti, 0, sizeof *ti);
	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) == 0;
}

/* Pending connections of a listening unix socket, from sock_diag. */
static int64_t
unix_backlog(const struct ekq_fdrec *rec)
{
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (nl == -1)
		return 1;
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} msg;
	memset(&msg, 0, sizeof msg);
	msg.nlh.nlmsg_len = sizeof msg;
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST;
	msg.req.sdiag_family = AF_UNIX;
	msg.req.udiag_states = ~0u;
	msg.req.udiag_ino = (uint32_t)rec->ino;
	msg.req.udiag_show = UDIAG_SHOW_RQLEN;
	msg.req.udiag_cookie[0] = msg.req.udiag_cookie[1] = ~0u;
	int64_t count = 1;
	if (send(nl, &msg, sizeof msg, 0) == (ssize_t)sizeof msg) {
		union {
			char buf[1024];
			struct nlmsghdr align;
		} reply;
		ssize_t n = recv(nl, reply.buf, sizeof reply.buf, 0);
		struct nlmsghdr *h = &reply.align;
		if (n > 0 && NLMSG_OK(h, (size_t)n) &&
		    h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			struct unix_diag_msg *um = NLMSG_DATA(h);
			struct rtattr *attr = (struct rtattr *)(um + 1);
			int len = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof *um);
			for (; RTA_OK(attr, len); attr = RTA_NEXT(attr, len))
				if (attr->rta_type == UNIX_DIAG_RQLEN) {
					struct unix_diag_rqlen *rq = RTA_DATA(attr);
					count = rq->udiag_rqueue;
				}
		}
	}
	close(nl);
	return count;
}

static int64_t
listen_backlog(const struct ekq_fdrec *rec)
{
	if (rec->kind == EKQ_KIND_TCP) {
		struct tcp_info ti;
		/* For a listener, tcpi_unacked is the accept queue's length. */
		return tcp_info(rec->fd, &ti) ? (int64_t)ti.tcpi_unacked : 1;
	}
	return unix_backlog(rec);
}

/*
 * Linux's pending socket error, without consuming it.  What the kernel
 * stores for the common cases: a refused connection (RST to a SYN), a reset
 * connection, a unix peer that closed with unread data, an ICMP error on a
 * connected UDP socket.
 */
static uint32_t
sock_error_guess(const struct ekq_fdrec *rec)
{
	if (rec->kind == EKQ_KIND_TCP) {
		struct tcp_info ti;
		/* A connection never established has no RTT sample. */
		if (tcp_info(rec->fd, &ti) && ti.tcpi_state == EKQ_TCP_CLOSE &&
		    ti.tcpi_rtt == 0 && ti.tcpi_bytes_received == 0)
			return ECONNREFUSED;
		return ECONNRESET;
	}
	if (rec->kind == EKQ_KIND_DGRAM && rec->family != AF_UNIX)
		return ECONNREFUSED;
	return ECONNRESET;
}

/* Has RCV_SHUTDOWN been set?  (Needed where the registration lacks it.) */
static bool
read_side_shut(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP, .revents = 0 };
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLRDHUP);
}

/*
 * Is the send side shut down (FreeBSD's SBS_CANTSENDMORE)?  Linux's poll
 * bits show it only together with the receive side (EPOLLHUP).
 */
static bool
send_side_shut(struct ekq_fdrec *rec, uint32_t revents)
{
	if (rec->send_shut)
		return true;
	bool shut = false;
	if ((revents & EPOLLHUP) && read_side_shut(rec->fd)) {
		shut = true;
	} else if (rec->kind == EKQ_KIND_TCP) {
		struct tcp_info ti;
		if (tcp_info(rec->fd, &ti))
			shut = ti.tcpi_state == EKQ_TCP_FIN_WAIT1 ||
			    ti.tcpi_state == EKQ_TCP_FIN_WAIT2 ||
			    ti.tcpi_state == EKQ_TCP_TIME_WAIT ||
			    ti.tcpi_state == EKQ_TCP_LAST_ACK ||
			    ti.tcpi_state == EKQ_TCP_CLOSING;
	} else if (rec->kind == EKQ_KIND_STREAM && rec->sotype == SOCK_STREAM) {
		/*
		 * A zero-length send on a unix stream socket moves no data and
		 * touches no socket error: it only reports EPIPE once the send
		 * side is shut.  (On datagram and seqpacket sockets it would
		 * send an empty message, so they are not asked.)
		 */
		shut = send(rec->fd, "", 0, MSG_DONTWAIT | MSG_NOSIGNAL) == -1 &&
		    errno == EPIPE;
	}
	if (shut)
		rec->send_shut = true;
	return shut;
}

/* A connection-mode socket that is not connected: EPOLLHUP without EOF. */
static bool
unconnected(const struct ekq_fdrec *rec, uint32_t revents)
{
	if (rec->kind != EKQ_KIND_TCP && rec->kind != EKQ_KIND_STREAM)
		return false;
	return (revents & EPOLLHUP) && !read_side_shut(rec->fd);
}

static bool unconnected(const struct ekq_fdrec *rec, uint32_t revents);

static bool
lowat_met(const struct ekq_knote *kn, int64_t data)
{
	return (kn->sfflags & NOTE_LOWAT) ? data >= kn->sdata : true;
}

static bool
sock_read(struct ekq_fdrec *rec, const struct ekq_knote *kn, uint32_t revents,
    struct ekq_eval *ev)
{
	bool listening;
	ev->data = bytes_readable(rec->fd, &listening);
	if (listening) {
		rec->listened = true;
		/* filt_solisten(): data is the number of pending connections. */
		if (revents & (EPOLLRDHUP | EPOLLHUP)) {
			ev->flags = EV_EOF;
			ev->fflags = ECONNABORTED;
			ev->data = 0;
			return true;
		}
		if (!(revents & EPOLLIN))
			return false;
		ev->data = listen_backlog(rec);
		return ev->data > 0;
	}
	if (rec->listened && unconnected(rec, revents)) {
		/*
		 * A listener shut down for reading: FreeBSD's soshutdown()
		 * aborts it (so_error ECONNABORTED, filt_solisten fires EOF);
		 * Linux drops it back to a closed socket.
		 */
		ev->flags = EV_EOF;
		ev->fflags = ECONNABORTED;
		return true;
	}
	if (revents & EPOLLRDHUP) {
		ev->flags = EV_EOF;
		ev->fflags = (revents & EPOLLERR) ? sock_error_guess(rec) : 0;
		return true;
	}
	if (revents & EPOLLERR)
		return true; /* a transient (UDP) error wakes the reader */
	if (!(revents & EPOLLIN))
		return false;
	return (kn->sfflags & NOTE_LOWAT) ? ev->data >= kn->sdata : true;
}

static int64_t
send_space(const struct ekq_fdrec *rec)
{
	int queued = 0;
	if (ioctl(rec->fd, SIOCOUTQ, &queued) == -1)
		queued = 0;
	int64_t space = (int64_t)rec->sndbuf - queued;
	return space > 0 ? space : 0;
}

static bool
sock_write(struct ekq_fdrec *rec, const struct ekq_knote *kn, uint32_t revents,
    struct ekq_eval *ev)
{
	if (send_side_shut(rec, revents)) {
		ev->flags = EV_EOF;
		ev->fflags = (revents & EPOLLERR) ? sock_error_guess(rec) : 0;
		ev->data = send_space(rec);
		return true;
	}
	if (revents & EPOLLERR) {
		ev->data = send_space(rec);
		return true;
	}
	/* filt_sowrite(): not writable until connected. */
	if (!(revents & EPOLLOUT) || unconnected(rec, revents))
		return false;
	ev->data = send_space(rec);
	return lowat_met(kn, ev->data);
}

static bool
sock_except(struct ekq_fdrec *rec, const struct ekq_knote *kn,
    uint32_t revents, struct ekq_eval *ev)
{
	if (revents & EPOLLRDHUP) {
		ev->flags = EV_EOF;
		ev->fflags = (revents & EPOLLERR) ? sock_error_guess(rec) : 0;
		return true;
	}
	if ((revents & EPOLLPRI) && (kn->sfflags & NOTE_OOB)) {
		ev->fflags = NOTE_OOB;
		ev->data = bytes_readable(rec->fd, NULL);
		return true;
	}
	return false;
}

/*
 * Pipes and FIFOs ignore NOTE_LOWAT (filt_piperead, filt_pipewrite).  A
 * FIFO reader sees EOF only once a writer has come and gone since it
 * opened; Linux's EPOLLHUP follows the same rule (pipe_poll's w_counter).
 */
static bool
pipe_read(struct ekq_fdrec *rec, uint32_t revents, struct ekq_eval *ev)
{
	ev->data = bytes_readable(rec->fd, NULL);
	/* No writer left (Linux: EPOLLHUP on a read end); watched from the
	 * write end, no reader left (EPOLLERR), as filt_piperead sees its
	 * peer gone. */
	if (revents & (EPOLLHUP | EPOLLERR)) {
		ev->flags = EV_EOF;
		return true;
	}
	return (revents & EPOLLIN) && ev->data > 0;
}

/* FreeBSD's PIPE_BUF: a pipe is writable once this much space is free. */
#define EKQ_BSD_PIPE_BUF 512

static bool
pipe_write(struct ekq_fdrec *rec, uint32_t revents, struct ekq_eval *ev)
{
	/* No reader left (Linux: EPOLLERR on the write side). */
	if (revents & EPOLLERR) {
		ev->flags = EV_EOF;
		ev->data = 0;
		return true;
	}
	if (!(revents & EPOLLOUT))
		return false;
	int size = fcntl(rec->fd, F_GETPIPE_SZ);
	int64_t used = bytes_readable(rec->fd, NULL);
	ev->data = size > used ? size - used : 0;
	return ev->data >= EKQ_BSD_PIPE_BUF;
}

bool
ekq_pipe_widowed(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT, .revents = 0 };
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
}

static bool
tty_read(struct ekq_fdrec *rec, const struct ekq_knote *kn, uint32_t revents,
    struct ekq_eval *ev)
{
	ev->data = bytes_readable(rec->fd, NULL);
	if (revents & EPOLLHUP) {
		ev->flags = EV_EOF;
		return true;
	}
	if (!(revents & EPOLLIN))
		return false;
	return (kn->sfflags & NOTE_LOWAT) ? ev->data >= kn->sdata : true;
}

static bool
tty_write(struct ekq_fdrec *rec, const struct ekq_knote *kn, uint32_t revents,
    struct ekq_eval *ev)
{
	if (revents & (EPOLLHUP | EPOLLERR)) {
		ev->flags = EV_EOF;
		return true;
	}
	if (!(revents & EPOLLOUT))
		return false;
	int queued = 0;
	if (ioctl(rec->fd, TIOCOUTQ, &queued) == -1)
		queued = 0;
	/* Linux's n_tty buffer size; the room left is not exposed exactly. */
	ev->data = queued < 4096 ? 4096 - queued : 1;
	return lowat_met(kn, ev->data);
}

bool
ekq_probe_filter(struct ekq_fdrec *rec, unsigned slot, uint32_t revents,
    struct ekq_eval *ev)
{
	const struct ekq_knote *kn = &rec->kn[slot];
	memset(ev, 0, sizeof *ev);
	switch (rec->kind) {
	case EKQ_KIND_TCP:
	case EKQ_KIND_STREAM:
	case EKQ_KIND_DGRAM:
		if (slot == EKQ_SLOT_READ)
			return sock_read(rec, kn, revents, ev);
		if (slot == EKQ_SLOT_WRITE)
			return sock_write(rec, kn, revents, ev);
		return sock_except(rec, kn, revents, ev);
	case EKQ_KIND_PIPE:
		if (slot == EKQ_SLOT_READ)
			return pipe_read(rec, revents, ev);
		return pipe_write(rec, revents, ev);
	case EKQ_KIND_TTY:
		if (slot == EKQ_SLOT_READ)
			return tty_read(rec, kn, revents, ev);
		if (slot == EKQ_SLOT_WRITE)
			return tty_write(rec, kn, revents, ev);
		if ((revents & EPOLLPRI) && (kn->sfflags & NOTE_OOB)) {
			ev->fflags = NOTE_OOB;
			return true;
		}
		return false;
	case EKQ_KIND_KQUEUE: {
		/* filt_kqueue(): data counts the pending events.  An EV_CLEAR
		 * knote is answered without a harvest (see ekq_kq_count_quick). */
		if (!(revents & EPOLLIN))
			return false;
		int64_t count = (kn->flags & EV_CLEAR) ?
		    ekq_kq_count_quick(rec->fd) : ekq_kq_count_pending(rec->fd);
		ev->data = count < 0 ? 1 : count;
		return ev->data > 0;
	}
	default:
		if (slot == EKQ_SLOT_READ) {
			if (revents & EPOLLHUP)
				ev->flags = EV_EOF;
			ev->data = bytes_readable(rec->fd, NULL);
			return (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0;
		}
		if (revents & (EPOLLHUP | EPOLLERR))
			ev->flags = EV_EOF;
		ev->data = 1;
		return (revents & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0;
	}
}
