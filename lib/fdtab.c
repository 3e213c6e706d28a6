/*
 * The descriptor-object table (fdobj.h): numbers to objects, their
 * references, and the epoll instances watching them.
 */
#include "config.h"

#include "ep.h"
#include "fdobj.h"
#include "sys.h"

#include <epollkq_fdtypes.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* Numbers up to 2^20, in pages of 1024 allocated on first use: the
 * lookup of a number that is not ours is two loads. */
#define EKQ_FDTAB_SHIFT 10
#define EKQ_FDTAB_PAGE (1 << EKQ_FDTAB_SHIFT)
#define EKQ_FDTAB_PAGES 1024
#define EKQ_FDTAB_MAX (EKQ_FDTAB_PAGE * EKQ_FDTAB_PAGES)

typedef _Atomic(struct ekq_fdobj *) ekq_slot_t;

/* Recursive: fork()'s child handler holds it while it rebuilds, and the
 * library's own close() and dup2() there come back through interpose.c. */
static pthread_mutex_t ekq_fdtab_mutex;
_Thread_local bool ekq_in_fork __attribute__((tls_model("initial-exec")));

__attribute__((constructor)) static void
fdtab_mutex_init(void)
{
	pthread_mutexattr_t attr;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&ekq_fdtab_mutex, &attr);
	pthread_mutexattr_destroy(&attr);
}
static _Atomic(ekq_slot_t *) ekq_fdtab[EKQ_FDTAB_PAGES];
static uint32_t ekq_fdobj_serial;
atomic_uint ekq_fdobj_live;

void
ekq_fdtab_lock(void)
{
	ekq_mutex_lock(&ekq_fdtab_mutex);
}

void
ekq_fdtab_unlock(void)
{
	ekq_mutex_unlock(&ekq_fdtab_mutex);
}

static ekq_slot_t *
slot_of(int fd, bool create)
{
	if (fd < 0 || fd >= EKQ_FDTAB_MAX)
		return NULL;
	ekq_slot_t *page = atomic_load_explicit(&ekq_fdtab[fd >> EKQ_FDTAB_SHIFT],
	    memory_order_acquire);
	if (page == NULL && create) {
		/* Under the table lock: nobody else creates it meanwhile. */
		page = ekq_calloc(EKQ_FDTAB_PAGE, sizeof *page);
		if (page == NULL)
			return NULL;
		atomic_store_explicit(&ekq_fdtab[fd >> EKQ_FDTAB_SHIFT], page,
		    memory_order_release);
	}
	return page == NULL ? NULL : &page[fd & (EKQ_FDTAB_PAGE - 1)];
}

int
ekq_fdobj_init(struct ekq_fdobj *obj, uint8_t type,
    const struct ekq_fdops *ops, bool nonblock)
{
	if (pthread_mutex_init(&obj->lock, NULL) != 0)
		return ENOMEM;
	obj->ops = ops;
	obj->type = type;
	obj->nonblock = nonblock;
	obj->refs = 0;
	obj->watchers = NULL;
	obj->nwatchers = obj->capwatchers = 0;
	obj->fork_fd = -1;
	return 0;
}

static void
destroy(struct ekq_fdobj *obj)
{
#ifdef HAVE_EVFILT_USER
	/* Poke knotes are not tied to a descriptor: they go with the object
	 * (an instance closed since just fails the call). */
	for (int i = 0; i < obj->nwatchers; i++) {
		struct kevent kev;
		EV_SET(&kev, (uintptr_t)obj->watchers[i].fd, EVFILT_USER,
		    EV_DELETE, 0, 0, NULL);
		(void)kevent(obj->watchers[i].epfd, &kev, 1, NULL, 0, NULL);
	}
#endif
	free(obj->watchers);
	pthread_mutex_destroy(&obj->lock);
	obj->ops->destroy(obj);
	atomic_fetch_sub_explicit(&ekq_fdobj_live, 1, memory_order_relaxed);
}

/* Drop a reference; the table lock is held. */
static bool
unref_locked(struct ekq_fdobj *obj)
{
	return --obj->refs == 0;
}

/* Map `fd` (a new kqueue of ours) to `obj`.  ENOMEM, or EMFILE for a
 * number beyond the table: the caller then closes fd. */
int
ekq_fdobj_install(int fd, struct ekq_fdobj *obj)
{
	if (fd >= EKQ_FDTAB_MAX)
		return EMFILE;
	/* After the first kqueue(): our fork() handler then runs after
	 * compat/'s, which closes the child's kqueues (fork.c). */
	ekq_fork_init();
	ekq_fdtab_lock();
	ekq_slot_t *slot = slot_of(fd, true);
	if (slot == NULL) {
		ekq_fdtab_unlock();
		return ENOMEM;
	}
	/* A stale object at this number (its descriptor closed behind our
	 * back, by a raw system call): the number is the kernel's word. */
	struct ekq_fdobj *old = atomic_load_explicit(slot, memory_order_relaxed);
	obj->serial = ++ekq_fdobj_serial;
	obj->refs = 1;
	atomic_fetch_add_explicit(&ekq_fdobj_live, 1, memory_order_relaxed);
	atomic_store_explicit(slot, obj, memory_order_release);
	bool gone = old != NULL && unref_locked(old);
	ekq_fdtab_unlock();
	if (gone)
		destroy(old);
	return 0;
}

struct ekq_fdobj *
ekq_fdobj_get(int fd)
{
	ekq_slot_t *slot = slot_of(fd, false);
	if (slot == NULL ||
	    atomic_load_explicit(slot, memory_order_relaxed) == NULL)
		return NULL;
	ekq_fdtab_lock();
	struct ekq_fdobj *obj = atomic_load_explicit(slot, memory_order_relaxed);
	if (obj != NULL)
		obj->refs++;
	ekq_fdtab_unlock();
	return obj;
}

void
ekq_fdobj_put(struct ekq_fdobj *obj)
{
	ekq_fdtab_lock();
	bool gone = unref_locked(obj);
	ekq_fdtab_unlock();
	if (gone)
		destroy(obj);
}

/* The object's read() or write(), then its reference given back; errno
 * is the call's.  Every interposed entry point ends so. */
ssize_t
ekq_fdobj_read_put(struct ekq_fdobj *obj, int fd, void *buf, size_t n)
{
	ssize_t r = obj->ops->read(obj, fd, buf, n);
	int err = errno;
	ekq_fdobj_put(obj);
	errno = err;
	return r;
}

ssize_t
ekq_fdobj_write_put(struct ekq_fdobj *obj, int fd, const void *buf, size_t n)
{
	ssize_t r = obj->ops->write(obj, fd, buf, n);
	int err = errno;
	ekq_fdobj_put(obj);
	errno = err;
	return r;
}

/* Does the table map `fd`?  Without the lock: a number being closed or
 * made by dup() is not being installed meanwhile (the kernel hands out a
 * number only once it is free). */
static bool
mapped(int fd)
{
	ekq_slot_t *slot = slot_of(fd, false);
	return slot != NULL &&
	    atomic_load_explicit(slot, memory_order_relaxed) != NULL;
}

/* dup(): `newfd` now names what `fd` names (and nothing it named before). */
int
ekq_fdobj_alias(int fd, int newfd)
{
	if (!mapped(fd) && !mapped(newfd))
		return 0;
	ekq_fdtab_lock();
	ekq_slot_t *from = slot_of(fd, false);
	struct ekq_fdobj *obj = from == NULL ? NULL :
	    atomic_load_explicit(from, memory_order_relaxed);
	ekq_slot_t *to = slot_of(newfd, obj != NULL);
	struct ekq_fdobj *old = to == NULL ? NULL :
	    atomic_load_explicit(to, memory_order_relaxed);
	int err = 0;
	if (obj != NULL && to == NULL)
		err = newfd >= EKQ_FDTAB_MAX ? EMFILE : ENOMEM;
	else if (to != NULL) {
		if (obj != NULL)
			obj->refs++;
		atomic_store_explicit(to, obj, memory_order_release);
	}
	bool gone = old != NULL && old != obj && unref_locked(old);
	if (old != NULL && old == obj)
		unref_locked(old); /* dup2(fd, fd) */
	ekq_fdtab_unlock();
	if (gone)
		destroy(old);
	/*
	 * The new number is used once, while the old one still names the
	 * kqueue: a kqueue kept in user space (compat/ on Linux) knows its
	 * descriptors only by the numbers it has seen, and would not find
	 * its state through this one once the old number is closed.  To a
	 * kernel's kqueue it is an empty kevent() call.
	 */
	if (obj != NULL && err == 0)
		(void)kevent(newfd, NULL, 0, NULL, 0, NULL);
	return err;
}

void
ekq_fdobj_forget(int fd)
{
	if (!mapped(fd))
		return;
	ekq_fdtab_lock();
	ekq_slot_t *slot = slot_of(fd, false);
	struct ekq_fdobj *obj = slot == NULL ? NULL :
	    atomic_load_explicit(slot, memory_order_relaxed);
	if (obj != NULL)
		atomic_store_explicit(slot, NULL, memory_order_release);
	bool gone = obj != NULL && unref_locked(obj);
	ekq_fdtab_unlock();
	if (gone) {
		/*
		 * The last number is about to close: its knotes are taken out
		 * first.  A kernel would drop them with the descriptor; a
		 * kqueue in user space (compat/) cannot see close(), and would
		 * keep what backs them -- its marker, its signal watch --
		 * until it next looked.
		 */
		struct kevent kev[2];
		EV_SET(&kev[0], 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
		EV_SET(&kev[1], 0, EVFILT_USER, EV_DELETE, 0, 0, NULL);
		(void)kevent(fd, &kev[0], 1, NULL, 0, NULL);
		(void)kevent(fd, &kev[1], 1, NULL, 0, NULL);
		if (obj->ops->detach != NULL)
			obj->ops->detach(obj, fd);
		ekq_fdobj_drain(fd);
		destroy(obj);
	}
}

/* The object type at `fd` (0 if none) and its serial. */
uint8_t
ekq_fdobj_type(int fd, uint32_t *serial)
{
	struct ekq_fdobj *obj = ekq_fdobj_get(fd);
	if (obj == NULL)
		return 0;
	uint8_t type = obj->type;
	if (serial != NULL)
		*serial = obj->serial;
	ekq_fdobj_put(obj);
	return type;
}

uint32_t
ekq_fdobj_bits(int fd)
{
	struct ekq_fdobj *obj = ekq_fdobj_get(fd);
	if (obj == NULL)
		return 0;
	uint32_t bits = obj->ops->bits(obj, fd);
	ekq_fdobj_put(obj);
	return bits;
}

void
ekq_fdobj_each_locked(uint8_t type,
    void (*fn)(int fd, struct ekq_fdobj *obj, void *arg), void *arg)
{
	for (int p = 0; p < EKQ_FDTAB_PAGES; p++) {
		ekq_slot_t *page = atomic_load_explicit(&ekq_fdtab[p],
		    memory_order_relaxed);
		if (page == NULL)
			continue;
		for (int i = 0; i < EKQ_FDTAB_PAGE; i++) {
			struct ekq_fdobj *obj = atomic_load_explicit(&page[i],
			    memory_order_relaxed);
			if (obj != NULL && obj->type == type)
				fn((p << EKQ_FDTAB_SHIFT) | i, obj, arg);
		}
	}
}

/*
 * An instance registered `fd`: remember it, so that the object can poke
 * it.  One entry per (instance number, registered number): a number holds
 * one instance at a time, so entries of instances closed without
 * EPOLL_CTL_DEL are replaced, never piled up.
 */
void
ekq_fdobj_watch(int fd, int epfd, uint32_t events, uint32_t gen)
{
	struct ekq_fdobj *obj = ekq_fdobj_get(fd);
	if (obj == NULL)
		return;
	ekq_mutex_lock(&obj->lock);
	int i = 0;
	while (i < obj->nwatchers && (obj->watchers[i].epfd != epfd ||
	    obj->watchers[i].fd != fd))
		i++;
	if (i == obj->nwatchers && obj->nwatchers == obj->capwatchers) {
		int cap = obj->capwatchers ? obj->capwatchers * 2 : 2;
		struct ekq_watcher *w = ekq_realloc(obj->watchers,
		    (size_t)cap * sizeof *w);
		if (w == NULL)
			i = -1; /* no room: it gets no pokes (level still works) */
		else {
			obj->watchers = w;
			obj->capwatchers = cap;
		}
	}
	if (i >= 0) {
		if (i == obj->nwatchers)
			obj->nwatchers++;
		obj->watchers[i].epfd = epfd;
		obj->watchers[i].fd = fd;
		obj->watchers[i].events = events;
		obj->watchers[i].gen = gen;
	}
	ekq_mutex_unlock(&obj->lock);
	ekq_fdobj_put(obj);
}

void
ekq_fdobj_unwatch(int fd, int epfd)
{
	struct ekq_fdobj *obj = ekq_fdobj_get(fd);
	if (obj == NULL)
		return;
	ekq_mutex_lock(&obj->lock);
	for (int i = 0; i < obj->nwatchers; i++) {
		if (obj->watchers[i].epfd == epfd && obj->watchers[i].fd == fd) {
			obj->watchers[i] = obj->watchers[--obj->nwatchers];
			break;
		}
	}
	ekq_mutex_unlock(&obj->lock);
	ekq_fdobj_put(obj);
}

/*
 * Something changed that Linux would wake the object's waiters for, with
 * poll key `key` (EPOLLIN after a write, EPOLLOUT after a read).  A
 * registration hears of it if it asked for that key: ep_poll_callback()
 * skips the others.  Its poke knote, level-triggered for a level
 * registration, then stays on until the pass that takes it finds nothing
 * to report (and mutes it: wait.c).  Called with obj->lock held.
 */
void
ekq_fdobj_poke(struct ekq_fdobj *obj, uint32_t key)
{
#ifdef HAVE_EVFILT_USER
	for (int i = 0; i < obj->nwatchers; i++) {
		const struct ekq_watcher *w = &obj->watchers[i];
		if (!(w->events & key))
			continue;
		struct kevent kev;
		EV_SET(&kev, (uintptr_t)w->fd, EVFILT_USER, 0,
		    NOTE_TRIGGER, 0, (void *)(uintptr_t)w->gen);
		/* An instance closed since is a failed call, and no harm. */
		(void)kevent(w->epfd, &kev, 1, NULL, 0, NULL);
	}
#else
	(void)obj;
	(void)key;
#endif
}

int
ekq_fdobj_kqueue(bool cloexec)
{
	int kq = ekq_new_kqueue(cloexec);
	if (kq == -1) {
		/* eventfd(), timerfd_create() and signalfd() fail only for
		 * the descriptor table or memory on Linux: an fcntl() of the
		 * new kqueue that failed is not the caller's EBADF (as
		 * epoll_create1() maps it, instance.c). */
		if (errno != EMFILE && errno != ENFILE)
			errno = ENOMEM;
		return -1;
	}
	if (kq >= EKQ_FDTAB_MAX) {
		ekq_real_close(kq);
		errno = EMFILE;
		return -1;
	}
	return kq;
}

/* Make the object readable: trigger its user knote `ident` (added
 * EV_CLEAR on first use). */
int
ekq_fdobj_trigger(int kq, uintptr_t ident)
{
#ifdef HAVE_EVFILT_USER
	struct kevent kev[2];
	EV_SET(&kev[0], ident, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL);
	EV_SET(&kev[1], ident, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
	return kevent(kq, kev, 2, NULL, 0, NULL) == -1 ? errno : 0;
#else
	(void)kq;
	(void)ident;
	return ENOSYS;
#endif
}

int
ekq_fdobj_drain(int kq)
{
	struct kevent ev[8];
	struct timespec zero = { 0, 0 };
	int total = 0, n;
	while ((n = kevent(kq, NULL, 0, ev, 8, &zero)) > 0) {
		total += n;
		if (n < 8)
			break;
	}
	return total;
}

int
ekq_fdobj_wait(int kq)
{
	struct pollfd pfd = { .fd = kq, .events = POLLIN, .revents = 0 };
	int n = ekq_real_poll(&pfd, 1, -1);
	return n == -1 ? -1 : 0;
}

/*
 * Creation flags in Linux's values (the headers give Linux's: they are
 * Linux's O_CLOEXEC and O_NONBLOCK), plus `extra` bits the call allows.
 * False for anything else, which Linux refuses with EINVAL.
 */
bool
ekq_linux_flags(int flags, int extra, bool *cloexec, bool *nonblock)
{
	if (flags & ~(EKQ_LINUX_O_CLOEXEC | EKQ_LINUX_O_NONBLOCK | extra))
		return false;
	*cloexec = (flags & EKQ_LINUX_O_CLOEXEC) != 0;
	*nonblock = (flags & EKQ_LINUX_O_NONBLOCK) != 0;
	return true;
}

/*
 * fork(): no BSD copies a kqueue into the child (fork.c), so each object's
 * number is free there.  Each object is rebuilt as a copy of its own -- a
 * new kqueue holding its knotes, moved onto every number that named it --
 * before the epoll instances, whose registrations need them.  Like the
 * child's epoll instances, it is the child's alone: an eventfd's counter
 * is no longer shared with the parent (README).
 */
void
ekq_fdobj_fork_prepare(void)
{
	ekq_fdtab_lock();
	ekq_in_fork = true;
	for (int p = 0; p < EKQ_FDTAB_PAGES; p++) {
		ekq_slot_t *page = atomic_load_explicit(&ekq_fdtab[p],
		    memory_order_relaxed);
		for (int i = 0; page != NULL && i < EKQ_FDTAB_PAGE; i++) {
			struct ekq_fdobj *obj = atomic_load_explicit(&page[i],
			    memory_order_relaxed);
			if (obj == NULL)
				continue;
			int fl = fcntl((p << EKQ_FDTAB_SHIFT) | i, F_GETFD);
			obj->fork_cloexec = fl != -1 && (fl & FD_CLOEXEC);
		}
	}
}

void
ekq_fdobj_fork_parent(void)
{
	ekq_in_fork = false;
	ekq_fdtab_unlock();
}

/* Drop number `fd`'s mapping: gone in the child, as a kqueue is. */
static void
lose(int fd, struct ekq_fdobj *obj)
{
	atomic_store_explicit(slot_of(fd, false), NULL, memory_order_relaxed);
	if (unref_locked(obj))
		destroy(obj);
}

/*
 * Phase 1: a bare kqueue on each number (a copy for a number that shares
 * its object with an earlier one).  Every number of ours is taken before
 * anything is registered anywhere, so that what registering opens
 * (compat/'s marker) lands on none of them.
 */
static void
renumber_one(int fd, struct ekq_fdobj *obj)
{
	if (obj->fork_fd != -1) {
		if (dup2(obj->fork_fd, fd) == -1 ||
		    ekq_set_cloexec(fd, obj->fork_cloexec) == -1)
			lose(fd, obj);
		return;
	}
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	obj->lock = fresh;
	/* Asked of the system itself: is the number free, as it should be? */
	if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) {
		lose(fd, obj);
		return;
	}
	int kq = ekq_sys_kqueue(false);
	bool ok = kq != -1 && (kq == fd || dup2(kq, fd) != -1);
	if (kq != -1 && kq != fd)
		close(kq);
	if (ok && ekq_set_cloexec(fd, obj->fork_cloexec) == -1) {
		close(fd);
		ok = false;
	}
	if (!ok) {
		lose(fd, obj);
		return;
	}
	obj->fork_fd = fd;
}

/* Phase 2: the object's knotes, in its first number's kqueue. */
static void
rebuild_one(int fd, struct ekq_fdobj *obj)
{
	if (obj->fork_fd != fd)
		return;
	if (obj->ops->rebuild(obj, fd) != 0) {
		/* Half made: gone, its numbers closed. */
		obj->fork_fd = -2;
	}
}

static void
each_number(void (*fn)(int fd, struct ekq_fdobj *obj))
{
	for (int p = 0; p < EKQ_FDTAB_PAGES; p++) {
		ekq_slot_t *page = atomic_load_explicit(&ekq_fdtab[p],
		    memory_order_relaxed);
		for (int i = 0; page != NULL && i < EKQ_FDTAB_PAGE; i++) {
			struct ekq_fdobj *obj = atomic_load_explicit(&page[i],
			    memory_order_relaxed);
			if (obj != NULL)
				fn((p << EKQ_FDTAB_SHIFT) | i, obj);
		}
	}
}

static void
close_failed(int fd, struct ekq_fdobj *obj)
{
	if (obj->fork_fd == -2) {
		close(fd);
		lose(fd, obj);
	}
}

static void
reset_fork_fd(int fd, struct ekq_fdobj *obj)
{
	(void)fd;
	obj->fork_fd = -1;
}

void
ekq_fdobj_fork_renumber(void)
{
	/* Made anew, not unlocked: a recursive mutex knows its owner by
	 * thread id, and the child's thread has another.  ThreadSanitizer
	 * is told of the unlock all the same: it would otherwise take this
	 * thread for the holder ever after, and each lock taken later for
	 * one taken inside it. */
	EKQ_TSAN_UNLOCKED(&ekq_fdtab_mutex);
	fdtab_mutex_init();
	each_number(renumber_one);
}

void
ekq_fdobj_fork_rebuild(void)
{
	each_number(rebuild_one);
	each_number(close_failed);
	each_number(reset_fork_fd);
	ekq_in_fork = false;
}
