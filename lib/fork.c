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
#include "fdobj.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static pthread_once_t ekq_fork_once = PTHREAD_ONCE_INIT;

/*
 * Before fork(), in the parent: which instances still own their number.
 * The program may have closed an instance with close() and the number may
 * now be anything (nginx's master closes a probe epoll descriptor, and its
 * listening socket takes the number); such an instance is stale, and the
 * child must not touch its number.  Also whether each live instance is
 * close-on-exec now: the caller may have changed it with fcntl().
 */
static void
note_instance(int epfd, struct ekq_ep *ep, void *arg)
{
	(void)arg;
	int err = ekq_ep_alive(epfd);
	/* Stale only when the number is known not to be ours. */
	ep->fork_live = err != EBADF && err != ENOENT;
	if (!ep->fork_live)
		return;
	int flags = ekq_sys_fcntl(epfd, F_GETFD, 0);
	if (flags != -1)
		ep->cloexec = (flags & FD_CLOEXEC) != 0;
}

static void
prepare(void)
{
	ekq_table_lock();
	ekq_each_instance_locked(note_instance, NULL);
	ekq_fdobj_fork_prepare();
}

/* The parent forgets the stale instances too: nothing will find them. */
static void
drop_stale(int epfd, struct ekq_ep *ep, void *arg)
{
	(void)arg;
	if (!ep->fork_live)
		ekq_table_drop_locked(epfd);
}

static void
parent(void)
{
	ekq_fdobj_fork_parent();
	ekq_each_instance_locked(drop_stale, NULL);
	ekq_table_unlock();
}

/*
 * Phase 1: a fresh, empty kqueue under the instance's number.
 *
 * No BSD copies a kqueue into a fork child (FreeBSD's fdcopy() skips files
 * without DFLAG_PASSABLE, NetBSD's and OpenBSD's skip DTYPE_KQUEUE, macOS
 * marks kqueues FP_CLOFORK), so in the child the number of a live instance
 * is free.  If it is not, another thread of the parent closed the instance
 * and reused its number after prepare() looked: the number is the
 * program's, and the instance is forgotten.  An instance that cannot be
 * rebuilt is gone in the child, as a kqueue is on the BSDs: its number
 * ends up free, and calls on it fail with EBADF.  ep->fork_live now says
 * whether a kqueue of ours sits at the number.
 */
static void
renumber(int epfd, struct ekq_ep *ep, void *arg)
{
	(void)arg;
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	ep->lock = fresh; /* another thread may have held it at fork() */
	/* Asked past the fault-injection door: a made-up EBADF here would
	 * have the rebuild replace whatever holds the number. */
	if (!ep->fork_live ||
	    fcntl(epfd, F_GETFD) != -1 || errno != EBADF) {
		ekq_table_drop_locked(epfd);
		return;
	}
	int kq = ekq_sys_kqueue(ep->cloexec);
	if (kq == -1) {
		ep->broken = true;
		ep->fork_live = false;
		return;
	}
	/* dup2() onto a free number replaces nothing. */
	if (kq != epfd && ekq_sys_dup2(kq, epfd) == -1) {
		close(kq);
		ep->broken = true;
		ep->fork_live = false;
		return;
	}
	/*
	 * From here a kqueue of ours holds the number: if the rest fails, it
	 * goes in phase 3.  dup2() dropped close-on-exec, and some kqueues
	 * come close-on-exec whatever was asked: it is set as the instance
	 * had it.  A copy is probed through the new number while the old one
	 * still names it.
	 */
	if (ekq_set_cloexec(epfd, ep->cloexec) == -1 ||
	    (kq != epfd &&
	    ekq_sys_kevent(epfd, NULL, 0, NULL, 0, NULL) == -1))
		ep->broken = true;
	if (kq != epfd)
		close(kq);
}

/* An instance rebuilt only in part: its new kqueue goes, in phase 3. */
static void
give_up(int epfd, struct ekq_ep *ep)
{
	(void)epfd;
	ep->broken = true;
}

/*
 * Phase 3: the numbers of instances given up in phase 2 are closed, once
 * every other instance is rebuilt, so that no descriptor made meanwhile
 * (compat/'s kqueue opens some) lands on them.  Those given up in phase 1
 * before a kqueue sat at their number hold nothing of ours.
 */
static void
close_broken(int epfd, struct ekq_ep *ep, void *arg)
{
	(void)arg;
	if (ep->broken && ep->fork_live) {
		close(epfd);
		ep->fork_live = false;
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

/* The parent's knotes on the beacon went with its kqueues. */
static void
forget_beacon(int epfd, struct ekq_ep *ep, void *arg)
{
	(void)epfd;
	(void)arg;
	ep->beacon_fd = -1;
}

static void
child(void)
{
	ekq_each_instance_locked(forget_beacon, NULL);
	ekq_signal_fork_child();
	/* Every number is taken before anything is registered: registering
	 * may open descriptors (compat/'s marker), which must land on none
	 * of ours.  Objects' knotes go in before the registrations that
	 * watch them. */
	ekq_fdobj_fork_renumber();
	ekq_each_instance_locked(renumber, NULL);
	ekq_fdobj_fork_rebuild();
	ekq_each_instance_locked(reregister, NULL);
	ekq_each_instance_locked(close_broken, NULL);
	ekq_signal_fork_done();
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
