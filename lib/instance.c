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
	if (ep->signal_rd != -1) {
		close(ep->signal_rd);
		close(ep->signal_wr);
	}
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

/*
 * The instance's "held events" signal: an EVFILT_USER knote, level
 * triggered, so the kqueue stays readable while it is on.  Hosts without
 * EVFILT_USER get a pipe instead.
 */
static int
signal_init(struct ekq_ep *ep)
{
	ep->signal_rd = ep->signal_wr = -1;
	struct kevent kev;
#ifdef HAVE_EVFILT_USER
	EV_SET(&kev, EKQ_USER_IDENT, EVFILT_USER, EV_ADD, 0, 0, NULL);
#else
	int p[2];
	if (pipe(p) == -1)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(p[i], F_SETFD, FD_CLOEXEC);
		fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
	}
	ep->signal_rd = p[0];
	ep->signal_wr = p[1];
	EV_SET(&kev, p[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
#endif
	return ekq_sys_kevent(ep->epfd, &kev, 1, NULL, 0, NULL);
}

int
ekq_signal_register(struct ekq_ep *ep)
{
	struct kevent kev;
#ifdef HAVE_EVFILT_USER
	EV_SET(&kev, EKQ_USER_IDENT, EVFILT_USER, EV_ADD, 0, 0, NULL);
#else
	EV_SET(&kev, ep->signal_rd, EVFILT_READ, EV_ADD, 0, 0, NULL);
#endif
	if (ekq_sys_kevent(ep->epfd, &kev, 1, NULL, 0, NULL) == -1)
		return -1;
	bool on = ep->user_triggered;
	ep->user_triggered = false;
	ekq_ep_set_user(ep, on);
	return 0;
}

bool
ekq_is_signal(const struct ekq_ep *ep, const struct kevent *kev)
{
#ifdef HAVE_EVFILT_USER
	(void)ep;
	return kev->filter == EVFILT_USER && kev->ident == EKQ_USER_IDENT;
#else
	return kev->filter == EVFILT_READ && (int)kev->ident == ep->signal_rd;
#endif
}

void
ekq_ep_set_user(struct ekq_ep *ep, bool on)
{
	if (ep->user_triggered == on)
		return;
#ifdef HAVE_EVFILT_USER
	struct kevent kev;
	if (on)
		EV_SET(&kev, EKQ_USER_IDENT, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
	else
		EV_SET(&kev, EKQ_USER_IDENT, EVFILT_USER, EV_CLEAR, 0, 0, NULL);
	/* Out of memory in the kernel: once more, as a signal that is not
	 * in step with the held list misleads every later pass. */
	if (ekq_sys_kevent(ep->epfd, &kev, 1, NULL, 0, NULL) == -1 &&
	    (errno != ENOMEM ||
	    ekq_sys_kevent(ep->epfd, &kev, 1, NULL, 0, NULL) == -1))
		return;
#else
	char buf[64];
	if (on) {
		if (write(ep->signal_wr, "", 1) != 1)
			return;
	} else {
		while (read(ep->signal_rd, buf, sizeof buf) > 0)
			;
	}
#endif
	ep->user_triggered = on;
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

static int
set_cloexec(int fd, bool on)
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
	if (set_cloexec(kq, cloexec) == -1) {
		int saved = errno;
		close(kq);
		errno = saved;
		return -1;
	}
	return kq;
}

EKQ_EXPORT int
ekq_epoll_create1(int flags)
{
	if (flags & ~EPOLL_CLOEXEC) {
		errno = EINVAL;
		return -1;
	}
	struct ekq_ep *ep = ekq_calloc(1, sizeof *ep);
	if (ep == NULL) {
		errno = ENOMEM;
		return -1;
	}
	ep->cloexec = (flags & EPOLL_CLOEXEC) != 0;
	ep->signal_rd = ep->signal_wr = -1;
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
	if (signal_init(ep) == -1 || table_insert(kq, ep) == -1) {
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
	return ekq_epoll_create1(0);
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
