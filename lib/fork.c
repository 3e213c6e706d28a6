/*
 * fork(): Linux children inherit their parent's epoll instances; BSD
 * children inherit no kqueue.  So the child rebuilds every instance: a new
 * kqueue moved onto the old descriptor number, holding the same
 * registrations.  (Unlike Linux, the child's instance is its own, not one
 * shared with the parent.)
 *
 * The handler is registered after the first kqueue() has succeeded, so it
 * runs after compat/'s, which closes the child's kqueues.
 */
#include "config.h"

#include "ep.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static pthread_once_t ekq_fork_once = PTHREAD_ONCE_INIT;

/* Whether each instance's descriptor is close-on-exec now: the caller
 * may have changed it with fcntl() since epoll_create1(). */
static void
note_cloexec(int epfd, struct ekq_ep *ep, void *arg)
{
	(void)arg;
	int flags = ekq_sys_fcntl(epfd, F_GETFD, 0);
	if (flags != -1)
		ep->cloexec = (flags & FD_CLOEXEC) != 0;
}

static void
prepare(void)
{
	ekq_table_lock();
	ekq_each_instance_locked(note_cloexec, NULL);
}

static void
parent(void)
{
	ekq_table_unlock();
}

/*
 * An instance that cannot be rebuilt whole is gone in the child, as a
 * kqueue is on the BSDs: its number is closed (once the others are
 * rebuilt, so that none of their descriptors lands on it), and calls on
 * it fail.
 */
static void
give_up(int epfd, struct ekq_ep *ep)
{
	(void)epfd;
	ep->broken = true;
}

static void
close_broken(int epfd, struct ekq_ep *ep, void *arg)
{
	(void)arg;
	if (ep->broken)
		close(epfd);
}

/* Phase 1: a fresh, empty kqueue under the instance's number. */
static void
renumber(int epfd, struct ekq_ep *ep, void *arg)
{
	(void)arg;
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	ep->lock = fresh; /* another thread may have held it at fork() */
	int kq = ekq_new_kqueue(ep->cloexec);
	if (kq == -1) {
		give_up(epfd, ep);
		return;
	}
	if (kq != epfd) {
		/* dup2() drops close-on-exec; the kqueue is probed through
		 * the new number while the old one still names it. */
		if (ekq_sys_dup2(kq, epfd) == -1 ||
		    ekq_sys_fcntl(epfd, F_SETFD,
		    ep->cloexec ? FD_CLOEXEC : 0) == -1 ||
		    ekq_sys_kevent(epfd, NULL, 0, NULL, 0, NULL) == -1) {
			close(kq);
			give_up(epfd, ep);
			return;
		}
		close(kq);
	}
}

/* Phase 2: the registrations, once every instance exists again. */
static void
reregister(int epfd, struct ekq_ep *ep, void *arg)
{
	(void)arg;
	if (ep->broken)
		return;
	if (ekq_signal_register(ep) == -1) {
		give_up(epfd, ep);
		return;
	}
	for (int page = 0; page < ep->npages; page++) {
		if (ep->pages[page] == NULL)
			continue;
		for (int i = 0; i < EKQ_PAGE_SIZE; i++) {
			struct ekq_reg *reg = &ep->pages[page][i];
			if (!(reg->state & EKQ_REG_USED))
				continue;
			int fd = (page << EKQ_PAGE_SHIFT) | i;
			uint8_t want, hidden;
			ekq_knotes_plan(reg->kind, reg->events, &want, &hidden);
			reg->knotes = reg->hidden = 0;
			int err = ekq_knotes_apply(ep, fd, reg, want, hidden,
			    reg->events, (reg->state & EKQ_REG_DISARMED) != 0,
			    false, reg->gen);
			if (err == EBADF || err == ENOENT || err == EPERM ||
			    err == EINVAL || err == EPIPE) {
				/* Its descriptor is gone or unusable here. */
				ekq_reg_release(ep, fd, reg);
			} else if (err != 0) {
				/* A registration lost: not the same instance. */
				give_up(epfd, ep);
				return;
			}
		}
	}
}

static void
child(void)
{
	ekq_each_instance_locked(renumber, NULL);
	ekq_each_instance_locked(reregister, NULL);
	ekq_each_instance_locked(close_broken, NULL);
	ekq_table_unlock();
}

static void
register_handlers(void)
{
	pthread_atfork(prepare, parent, child);
}

void
ekq_fork_init(void)
{
	pthread_once(&ekq_fork_once, register_handlers);
}
