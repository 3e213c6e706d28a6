/*
 * epoll_ctl(): checks in the order Linux's do_epoll_ctl() makes them, so
 * that a call with several faults fails with the errno Linux gives, and a
 * failed call changes nothing.
 */
#include "config.h"

#include "ep.h"
#include "fdobj.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

/* EPOLLEXCLUSIVE may only come with these (Linux's EPOLLEXCLUSIVE_OK_BITS). */
#define EKQ_EXCLUSIVE_OK (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | \
    EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

static int
fail(int err)
{
	errno = err;
	return -1;
}

/* The kqueue refused a change: say it as epoll would. */
static int
map_kqueue_error(int err)
{
	switch (err) {
	case EBADF:
		return EINVAL; /* the instance's kqueue is gone */
	case ENOSPC:
	case ENOMEM:
		return ENOMEM;
	default:
		return err;
	}
}

static bool
fd_valid(int fd)
{
	return ekq_sys_fcntl(fd, F_GETFD, 0) != -1;
}

/*
 * Move the kqueue to the registration `events` asks for.  A pipe whose
 * reader is gone refuses a write knote (pipe_kqfilter(): EPIPE on FreeBSD,
 * EBADF on NetBSD); its EPOLLERR|EPOLLOUT then comes through a read knote,
 * which sees the EOF.
 */
static int
apply(struct ekq_ep *ep, int fd, struct ekq_reg *reg, uint32_t events,
    bool probe, uint32_t gen)
{
	uint8_t want, hidden;
	ekq_knotes_plan(reg->kind, events, &want, &hidden);
	/* Known widowed (pipe_poll: EPOLLERR) before the kqueue refuses:
	 * a refused change could not be undone either. */
	bool widowed = reg->kind == EKQ_FD_PIPE_W && (want & EKQ_KN_WRITE) &&
	    (ekq_linux_bits(fd, reg) & EPOLLERR);
	int err = widowed ? EPIPE : ekq_knotes_apply(ep, fd, reg, want, hidden,
	    events, false, probe, gen);
	if (reg->kind == EKQ_FD_PIPE_W && (want & EKQ_KN_WRITE) &&
	    (err == EPIPE || (err == EBADF && fd_valid(fd)))) {
		want &= (uint8_t)~EKQ_KN_WRITE;
		hidden = (uint8_t)((hidden & ~EKQ_KN_WRITE) |
		    (want & EKQ_KN_READ ? 0 : EKQ_KN_READ));
		err = ekq_knotes_apply(ep, fd, reg, want, hidden, events, false,
		    probe, gen);
	}
	/* An eventfd pokes the instances that registered it (fdobj.h). */
	if (err == 0 && reg->kind == EKQ_FD_EVENTFD)
		ekq_fdobj_watch(fd, ep->epfd, events, gen);
	return err;
}

/*
 * Linux reports some states that no knote fires for: a connection-mode
 * socket that is not connected (yet) is EPOLLOUT|EPOLLHUP to Linux
 * (tcp_poll, unix_poll on TCP_CLOSE).  Such a registration is held, to be
 * reported (and re-checked) by epoll_wait() like a level event.
 */
static void
note_initial_state(struct ekq_ep *ep, int fd, struct ekq_reg *reg)
{
	if (reg->kind != EKQ_FD_TCP && reg->kind != EKQ_FD_STREAM)
		return;
	/*
	 * Seen connected once, a socket is not asked again: from then on it
	 * leaves the connected state only through EOF, which its knotes
	 * report.  (Linux's connect() with AF_UNSPEC, which BSD sockets do
	 * not have, dissolves a TCP connection without one.)
	 */
	if (reg->seen & EKQ_SEEN_CONNECTED)
		return;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		reg->seen |= EKQ_SEEN_CONNECTED;
		return;
	}
	if (errno != ENOTCONN)
		return;
	/* A listener is never EPOLLRDHUP to Linux, whatever its EV_EOF says
	 * (bits.c; Linux's shutdown() of a listener stops it listening,
	 * NetBSD's does not). */
	if (ekq_fd_listening(fd))
		reg->seen |= EKQ_SEEN_LISTENER;
	uint32_t bits = ekq_linux_bits(fd, reg) &
	    (reg->events | EPOLLHUP | EPOLLERR);
	if (!(bits & (EPOLLHUP | EPOLLERR)))
		return;
	ekq_held_push(ep, fd, reg);
	if (!(reg->events & (EPOLLET | EPOLLONESHOT)))
		reg->state |= EKQ_REG_STICKY;
	ekq_ep_set_user(ep, true);
}

/* `seen`: EKQ_SEEN_* known of the file already (EKQ_SEEN_CONNECTED). */
static int
ctl_add(struct ekq_ep *ep, int fd, uint8_t kind, uint32_t ident,
    uint8_t seen, const struct epoll_event *ev, struct ekq_reg *reg)
{
	if (reg != NULL) {
		/* Another file than the registration's (a closed number,
		 * reused): its knotes went with the close, nothing to ask. */
		int err = reg->ident != ident ? ENOENT :
		    ekq_knotes_probe(ep, fd, reg);
		if (err == 0)
			return EEXIST;
		if (err != ENOENT && err != EBADF)
			return map_kqueue_error(err);
		/* Stale: its descriptor was closed, this is a new file. */
		if (reg->kind == EKQ_FD_EPOLL)
			ekq_nest_remove(ep, fd);
		ekq_reg_release(ep, fd, reg);
	}
	reg = ekq_reg_slot(ep, fd);
	if (reg == NULL)
		return ENOMEM;
	memset(reg, 0, sizeof *reg);
	reg->kind = kind;
	reg->ident = ident;
	reg->seen = seen;
	reg->next_held = -1;
	uint32_t gen = ep->next_gen++;
	int err = apply(ep, fd, reg, ev->events, false, gen);
	if (err == 0 && kind == EKQ_FD_EPOLL)
		err = ekq_nest_add(ep, fd);
	if (err != 0) {
		if (reg->knotes)
			ekq_knotes_delete(ep, fd, reg);
		memset(reg, 0, sizeof *reg);
		return map_kqueue_error(err);
	}
	reg->events = ev->events;
	reg->data = ev->data.u64;
	reg->gen = gen;
	reg->state = EKQ_REG_USED;
	ep->nregs++;
	if (kind == EKQ_FD_EPOLL)
		ekq_nest_mark(fd, (ev->events & EPOLLET) != 0);
	note_initial_state(ep, fd, reg);
	return 0;
}

static int
ctl_del(struct ekq_ep *ep, int fd, struct ekq_reg *reg)
{
	if (reg == NULL)
		return ENOENT;
	int err = ekq_knotes_delete(ep, fd, reg);
	if (err != 0 && err != ENOENT && err != EBADF)
		return map_kqueue_error(err);
	if (reg->kind == EKQ_FD_EPOLL)
		ekq_nest_remove(ep, fd);
	uint8_t kind = reg->kind, seen = reg->seen;
	uint32_t ident = reg->ident;
	ekq_reg_release(ep, fd, reg);
	/*
	 * The descriptor is open (its knotes were there to delete): the slot
	 * remembers what it is, for an ADD of the same file (ctl_add_known()).
	 * Sockets only: their identity (device, inode) is theirs alone, where
	 * a pipe's two ends share an inode and their kinds differ (a dup2() of
	 * one end onto the other's number would pass for the same file).
	 */
	if (err == 0 && ekq_kind_socket(kind)) {
		reg->kind = kind;
		reg->ident = ident;
		reg->seen = (uint8_t)(EKQ_SEEN_KNOWN |
		    (seen & EKQ_SEEN_CONNECTED));
	}
	/* Knotes already gone: the descriptor was closed since the ADD. */
	return err == 0 ? 0 : ENOENT;
}

static int
ctl_mod(struct ekq_ep *ep, int fd, const struct epoll_event *ev,
    struct ekq_reg *reg)
{
	if (reg == NULL)
		return ENOENT;
	if (reg->events & EPOLLEXCLUSIVE) {
		/* Unless the registration ended with its file.  (A probe
		 * would make an edge-triggered one report again: see
		 * ekq_knotes_probe(); then the file's identity must do, where
		 * it has one.  A pipe whose fstat() gives no inode -- NetBSD,
		 * OpenBSD -- has none, and only the probe can tell: there the
		 * edge may come once more, as after README's EEXIST of an
		 * edge registration.) */
		int err = (reg->events & EPOLLET) &&
		    reg->ident != EKQ_IDENT_NONE ?
		    (ekq_fd_same(fd, reg->ident) ? 0 : ENOENT) :
		    ekq_knotes_probe(ep, fd, reg);
		if (err == ENOENT || err == EBADF) {
			if (reg->kind == EKQ_FD_EPOLL)
				ekq_nest_remove(ep, fd);
			ekq_reg_release(ep, fd, reg);
			return ENOENT;
		}
		return EINVAL;
	}
	/* The same registration, modified: events in flight stay its own
	 * (and are read with the new mask, as ep_send_events() would). */
	uint32_t gen = reg->gen;
	int err = apply(ep, fd, reg, ev->events, true, gen);
	if (err == ENOENT || err == EBADF) {
		if (reg->kind == EKQ_FD_EPOLL)
			ekq_nest_remove(ep, fd);
		ekq_reg_release(ep, fd, reg);
		return ENOENT;
	}
	if (err != 0)
		return map_kqueue_error(err);
	/* A re-arm: whatever was held for the old mask is void. */
	if (reg->state & EKQ_REG_HELD)
		ekq_held_unlink(ep, fd, reg);
	reg->events = ev->events;
	reg->data = ev->data.u64;
	reg->gen = gen;
	reg->state &= (uint8_t)~EKQ_REG_DISARMED;
	ekq_note_rearmed(reg);
	if (reg->kind == EKQ_FD_EPOLL)
		ekq_nest_mark(fd, (ev->events & EPOLLET) != 0);
	note_initial_state(ep, fd, reg);
	return 0;
}

/*
 * MOD or DEL of a descriptor the instance holds: the registration already
 * knows what the descriptor is, so nothing is asked of it, and the kqueue
 * change is the one system call (churn: five fewer per call).  If the
 * registration ended with its file, or anything else fails, the caller
 * judges the call again with every check, in Linux's order.  Returns 0,
 * or -1 for "judge again".
 */
static int
ctl_registered(int epfd, int op, int fd, const struct epoll_event *ev)
{
	if (epfd == fd || (op == EPOLL_CTL_MOD && (ev->events & EPOLLEXCLUSIVE)))
		return -1;
	struct ekq_ep *ep = ekq_ep_get(epfd);
	if (ep == NULL)
		return -1;
	int err = ENOENT;
	pthread_mutex_lock(&ep->lock);
	struct ekq_reg *reg = ekq_reg_find(ep, fd);
	if (reg != NULL)
		err = op == EPOLL_CTL_MOD ? ctl_mod(ep, fd, ev, reg) :
		    ctl_del(ep, fd, reg);
	pthread_mutex_unlock(&ep->lock);
	ekq_ep_put(ep);
	return err == 0 ? 0 : -1;
}

/*
 * ADD of the file a DEL took out of this slot (an event loop that deletes
 * a descriptor when it has nothing to wait for, and adds it back): fstat()
 * says it is the same file, so its kind is known and nothing else is asked
 * of it (two or three system calls fewer).  Returns 0, or -1 for "judge
 * again" with every check, as ctl_registered().
 */
static int
ctl_add_known(int epfd, int fd, const struct epoll_event *ev)
{
	if (epfd == fd || fd < 0 || (ev->events & EPOLLEXCLUSIVE))
		return -1;
	int page = fd >> EKQ_PAGE_SHIFT;
	struct ekq_ep *ep = ekq_ep_get(epfd);
	if (ep == NULL)
		return -1;
	int err = -1;
	pthread_mutex_lock(&ep->lock);
	struct ekq_reg *reg = page < ep->npages && ep->pages[page] != NULL ?
	    &ep->pages[page][fd & (EKQ_PAGE_SIZE - 1)] : NULL;
	if (reg != NULL && !(reg->state & EKQ_REG_USED) &&
	    (reg->seen & EKQ_SEEN_KNOWN) && ekq_fd_same(fd, reg->ident))
		err = ctl_add(ep, fd, reg->kind, reg->ident,
		    reg->seen & EKQ_SEEN_CONNECTED, ev, NULL);
	pthread_mutex_unlock(&ep->lock);
	ekq_ep_put(ep);
	return err == 0 ? 0 : -1;
}

EKQ_EXPORT int
ekq_epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	/* copy_from_user() comes first, for every op but DEL. */
	if (op != EPOLL_CTL_DEL) {
		if (event == NULL)
			return fail(EFAULT);
		memcpy(&ev, event, sizeof ev);
	}
	if ((op == EPOLL_CTL_MOD || op == EPOLL_CTL_DEL) &&
	    ctl_registered(epfd, op, fd, &ev) == 0)
		return 0;
	if (op == EPOLL_CTL_ADD && ctl_add_known(epfd, fd, &ev) == 0)
		return 0;
	/*
	 * Linux's order: a bad epfd, a bad fd (EBADF), a file that cannot be
	 * polled (EPERM), then the rest.  fstat() in ekq_fd_kind() answers
	 * for fd; epfd is asked only when something failed -- a closed epfd
	 * still in the table fails its kevent() (below).
	 */
	uint8_t kind = EKQ_FD_OTHER;
	uint32_t ident = 0;
	int err = ekq_fd_kind(fd, &kind, &ident);
	if (err != 0)
		return fail(fd_valid(epfd) ? err : EBADF);
	struct ekq_ep *ep = ekq_ep_get(epfd);
	if (ep == NULL)
		return fail(fd_valid(epfd) ? EINVAL : EBADF);
	if (epfd == fd) {
		ekq_ep_put(ep);
		return fail(EINVAL);
	}
	if (op != EPOLL_CTL_DEL && (ev.events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || (op == EPOLL_CTL_ADD &&
	    (kind == EKQ_FD_EPOLL || (ev.events & ~EKQ_EXCLUSIVE_OK))))) {
		ekq_ep_put(ep);
		return fail(EINVAL);
	}

	pthread_mutex_lock(&ep->lock);
	if (op == EPOLL_CTL_ADD && kind == EKQ_FD_EPOLL)
		err = ekq_nest_check(ep, fd);
	if (err == 0) {
		struct ekq_reg *reg = ekq_reg_find(ep, fd);
		switch (op) {
		case EPOLL_CTL_ADD:
			err = ctl_add(ep, fd, kind, ident, 0, &ev, reg);
			break;
		case EPOLL_CTL_DEL:
			err = ctl_del(ep, fd, reg);
			break;
		case EPOLL_CTL_MOD:
			err = ctl_mod(ep, fd, &ev, reg);
			break;
		default:
			err = EINVAL;
			break;
		}
	}
	pthread_mutex_unlock(&ep->lock);
	/*
	 * An answer taken from the table alone may come from an instance whose
	 * descriptor was closed, its number now another file's: to Linux that
	 * file is not an epoll file (EINVAL).
	 */
	if ((err == EINVAL || err == ENOENT || err == EEXIST) &&
	    ekq_sys_kevent(epfd, NULL, 0, NULL, 0, NULL) == -1 && errno != ENOMEM) {
		ekq_ep_forget(epfd, ep); /* the kqueue itself is gone */
		err = fd_valid(epfd) ? EINVAL : EBADF;
	}
	ekq_ep_put(ep);
	return err == 0 ? 0 : fail(err);
}
