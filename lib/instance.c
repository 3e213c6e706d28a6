/*
 * Epoll instances: creation, and the table from descriptor to instance.
 *
 * The table can hold an instance whose descriptor the caller has closed
 * (nothing tells us).  Such an entry is found out when a kevent() on the
 * descriptor fails, or when epoll_create1() gets the number back, and is
 * then forgotten.
 */
#include "config.h"

#include "ep.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t ekq_table_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct ekq_ep **ekq_eps;
static int ekq_neps;

void
ekq_table_lock(void)
{
	pthread_mutex_lock(&ekq_table_mutex);
}

void
ekq_table_unlock(void)
{
	pthread_mutex_unlock(&ekq_table_mutex);
}

struct ekq_ep *
ekq_ep_peek_locked(int fd)
{
	return fd >= 0 && fd < ekq_neps ? ekq_eps[fd] : NULL;
}

static void
ep_free(struct ekq_ep *ep)
{
	ekq_reg_free_all(ep);
	free(ep->nested);
	ekq_signal_release(ep);
	pthread_mutex_destroy(&ep->lock);
	free(ep);
}

void
ekq_ep_put(struct ekq_ep *ep)
{
	ekq_table_lock();
	bool last = --ep->refs == 0;
	ekq_table_unlock();
	if (last)
		ep_free(ep);
}

struct ekq_ep *
ekq_ep_get(int epfd)
{
	ekq_table_lock();
	struct ekq_ep *ep = ekq_ep_peek_locked(epfd);
	if (ep != NULL)
		ep->refs++;
	ekq_table_unlock();
	return ep;
}

/* The kqueue behind `epfd` is gone: drop the table's reference. */
void
ekq_ep_forget(int epfd, struct ekq_ep *ep)
{
	bool last = false;
	ekq_table_lock();
	if (ekq_ep_peek_locked(epfd) == ep) {
		ekq_eps[epfd] = NULL;
		last = --ep->refs == 0;
	}
	ekq_table_unlock();
	if (last)
		ep_free(ep);
}

/*
 * Forget the instance at table entry `fd`, the table lock held: its number
 * is no longer its kqueue.  Freed here if nothing else holds it.
 */
void
ekq_table_drop_locked(int fd)
{
	struct ekq_ep *ep = ekq_ep_peek_locked(fd);
	if (ep == NULL)
		return;
	ekq_eps[fd] = NULL;
	if (--ep->refs == 0)
		ep_free(ep);
}

/*
 * Is descriptor `fd` still an instance's kqueue?  0 if so; EBADF if
 * it is not a kqueue at all, ENOENT if it is another kqueue (it lacks the
 * instance's signal knote, touched here without EV_ADD, which changes
 * nothing: kqueue_register() only copies udata, fflags and data into a
 * knote that exists); another errno if we cannot tell.  Without
 * EVFILT_USER the signal is a knote only while it is on, so then any
 * kqueue under the number is taken for the instance's.
 */
int
ekq_ep_alive(int fd)
{
	if (ekq_sys_kevent(fd, NULL, 0, NULL, 0, NULL) == -1)
		return errno;
#ifdef HAVE_EVFILT_USER
	struct kevent kev;
	EV_SET(&kev, EKQ_USER_IDENT, EVFILT_USER, EV_RECEIPT, 0, 0, NULL);
	int err = ekq_kevent_change(fd, &kev, 1);
	if (err == 0)
		err = (int)kev.data;
	return err;
#else
	return 0;
#endif
}

/* 0 if `fd` is an instance's kqueue, EBADF if not, or why we cannot tell. */
int
ekq_instance_check(int fd)
{
	ekq_table_lock();
	bool yes = ekq_ep_peek_locked(fd) != NULL;
	ekq_table_unlock();
	if (!yes)
		return EBADF;
	/* Still a kqueue?  (A closed one's number may have been reused.) */
	if (ekq_sys_kevent(fd, NULL, 0, NULL, 0, NULL) == 0)
		return 0;
	return errno == ENOMEM ? ENOMEM : EBADF;
}

bool
ekq_is_instance(int fd)
{
	return ekq_instance_check(fd) == 0;
}

static int
table_insert(int fd, struct ekq_ep *ep)
{
	struct ekq_ep *stale = NULL;
	ekq_table_lock();
	if (fd >= ekq_neps) {
		int n = ekq_neps ? ekq_neps : 16;
		while (n <= fd)
			n *= 2;
		struct ekq_ep **t = ekq_realloc(ekq_eps, (size_t)n * sizeof *t);
		if (t == NULL) {
			ekq_table_unlock();
			return -1;
		}
		memset(t + ekq_neps, 0, (size_t)(n - ekq_neps) * sizeof *t);
		ekq_eps = t;
		ekq_neps = n;
	}
	/* The kernel handed out the number, so its old instance is gone. */
	stale = ekq_eps[fd];
	if (stale != NULL && --stale->refs != 0)
		stale = NULL;
	ekq_eps[fd] = ep;
	ekq_table_unlock();
	if (stale != NULL)
		ep_free(stale);
	return 0;
}

int
ekq_set_cloexec(int fd, bool on)
{
	int flags = ekq_sys_fcntl(fd, F_GETFD, 0);
	if (flags == -1)
		return -1;
	flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
	return ekq_sys_fcntl(fd, F_SETFD, flags);
}

int
ekq_new_kqueue(bool cloexec)
{
	int kq = ekq_sys_kqueue(cloexec);
	if (kq == -1)
		return -1;
	/* Some kqueues come close-on-exec whatever was asked (macOS, compat). */
	if (ekq_set_cloexec(kq, cloexec) == -1) {
		int saved = errno;
		close(kq);
		errno = saved;
		return -1;
	}
	return kq;
}

/*
 * Instances closed with close() while their signal was on hold a share of
 * the process's beacon (signal.c) until something meets their number.
 * epoll_create1() looks for them, so that a program that closed its
 * instances gets the beacon back at its next epoll_create1().  Only those
 * with the signal on are asked: few, and only while events are held.
 * With EVFILT_USER there is no beacon, and nothing to look for.
 */
static void
sweep_signalled(void)
{
#ifndef HAVE_EVFILT_USER
	ekq_table_lock();
	for (int fd = 0; fd < ekq_neps; fd++) {
		struct ekq_ep *ep = ekq_eps[fd];
		if (ep == NULL || ep->beacon_fd == -1)
			continue;
		int err = ekq_ep_alive(fd);
		if (err == EBADF || err == ENOENT)
			ekq_table_drop_locked(fd);
	}
	ekq_table_unlock();
#endif
}

/*
 * The exported functions call each other through hidden twins: a program
 * that defines its own ekq_epoll_create1 (a test's wrapper of
 * epoll_create1(), compiled with our header) must not change what
 * epoll_create() does -- glibc's never calls through the PLT either.
 */
static int create1(int flags);

EKQ_EXPORT int
ekq_epoll_create1(int flags)
{
	return create1(flags);
}

static int
create1(int flags)
{
	if (flags & ~EPOLL_CLOEXEC) {
		errno = EINVAL;
		return -1;
	}
	sweep_signalled();
	struct ekq_ep *ep = ekq_calloc(1, sizeof *ep);
	if (ep == NULL) {
		errno = ENOMEM;
		return -1;
	}
	ep->cloexec = (flags & EPOLL_CLOEXEC) != 0;
	ep->beacon_fd = -1;
	int kq = ekq_new_kqueue(ep->cloexec);
	if (kq == -1) {
		/* epoll_create1() fails with EMFILE, ENFILE or ENOMEM only. */
		int saved = errno == EMFILE || errno == ENFILE ? errno : ENOMEM;
		free(ep);
		errno = saved;
		return -1;
	}
	pthread_mutex_init(&ep->lock, NULL);
	ep->epfd = kq;
	ep->next_gen = 1;
	static uint64_t serials;
	ekq_table_lock();
	ep->serial = ++serials;
	ekq_table_unlock();
	ep->held_head = ep->held_tail = -1;
	ep->refs = 1;
	if (ekq_signal_init(ep) == -1 || table_insert(kq, ep) == -1) {
		int saved = errno == EMFILE || errno == ENFILE ? errno : ENOMEM;
		close(kq);
		ep_free(ep);
		errno = saved;
		return -1;
	}
	/* After the first kqueue(): compat/'s fork handler must run first. */
	ekq_fork_init();
	return kq;
}

EKQ_EXPORT int
ekq_epoll_create(int size)
{
	if (size <= 0) {
		errno = EINVAL;
		return -1;
	}
	return create1(0);
}

/* Call fn for every instance; the table lock is held.  For fork(). */
void
ekq_each_instance_locked(void (*fn)(int epfd, struct ekq_ep *ep, void *arg),
    void *arg)
{
	for (int fd = 0; fd < ekq_neps; fd++)
		if (ekq_eps[fd] != NULL)
			fn(fd, ekq_eps[fd], arg);
}
