/*
 * read(), write(), close(), fcntl(), poll() and dup*() for descriptor
 * objects (fdobj.h), by symbol interposition: the library defines them, so
 * a program linked with it calls these first, with no change to its code
 * and no macro named read or close to break C++.  Any other descriptor
 * goes straight on to the system's function (dlsym(RTLD_NEXT)), after one
 * load that says whether any object exists at all.
 *
 * clock_settime() and settimeofday() are here too: a clock set by this
 * process cancels the timerfds armed with TFD_TIMER_CANCEL_ON_SET, which
 * Linux tells at once and a kqueue does not tell at all.
 *
 * How a call reaches us depends on the object format.  ELF: the first
 * definition in load order wins, and ours come before libc's; the
 * system's function is the next one (dlsym(RTLD_NEXT)).  Mach-O binds a
 * program's read() to libSystem's when it is linked (two-level
 * namespace); dyld's interposing section (__DATA,__interpose) redirects
 * it, in every image loaded at launch but the one holding the section --
 * so there our own calls of read() are the system's.
 *
 * A program that bypasses libc (raw system calls) must not close, dup or
 * read an object that way: README says so.
 */
#undef _FORTIFY_SOURCE
#include "config.h"

#include "ep.h"
#include "fdobj.h"
#include "sys.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define EKQ_LIKELY(x) __builtin_expect(!!(x), 1)

#ifdef HAVE_DYLD_INTERPOSE
#define WRAP(name) ekq_wrap_##name
#define INTERPOSE(name)                                                   \
	__attribute__((used, section("__DATA,__interpose")))              \
	static const struct { const void *ours, *theirs; }                \
	ekq_interpose_##name = { (const void *)&ekq_wrap_##name,          \
	    (const void *)&name };
#define REAL(type, name)                                                  \
	static type get_##name(void) { return name; }
#else
#ifndef RTLD_NEXT
#error "symbol interposition needs dlsym(RTLD_NEXT) or dyld's __interpose"
#endif
#define WRAP(name) name
#define INTERPOSE(name)
/* The system's function `name`, looked up once. */
#define REAL(type, name)                                                  \
	static _Atomic(type) real_##name;                                 \
	static type                                                       \
	get_##name(void)                                                  \
	{                                                                 \
		type fn = atomic_load_explicit(&real_##name,              \
		    memory_order_relaxed);                                \
		if (fn == NULL) {                                         \
			*(void **)&fn = dlsym(RTLD_NEXT, #name);          \
			atomic_store_explicit(&real_##name, fn,           \
			    memory_order_relaxed);                        \
		}                                                         \
		return fn;                                                \
	}
#endif

typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef int (*close_fn)(int);
typedef int (*fcntl_fn)(int, int, ...);
typedef int (*poll_fn)(struct pollfd *, nfds_t, int);
typedef int (*dup_fn)(int);
typedef int (*dup2_fn)(int, int);
typedef int (*dup3_fn)(int, int, int);
typedef int (*clock_settime_fn)(clockid_t, const struct timespec *);
typedef int (*settimeofday_fn)(const struct timeval *,
    const struct timezone *);

REAL(read_fn, read)
REAL(write_fn, write)
REAL(close_fn, close)
REAL(fcntl_fn, fcntl)
REAL(poll_fn, poll)
REAL(dup_fn, dup)
REAL(dup2_fn, dup2)
REAL(clock_settime_fn, clock_settime)
REAL(settimeofday_fn, settimeofday)
#ifdef HAVE_DUP3
REAL(dup3_fn, dup3)
#endif
/* glibc's other names for them: fcntl() under _FILE_OFFSET_BITS=64, and
 * the _FORTIFY_SOURCE checking variants. */
typedef ssize_t (*read_chk_fn)(int, void *, size_t, size_t);
typedef int (*poll_chk_fn)(struct pollfd *, nfds_t, int, size_t);
#ifdef HAVE_FCNTL64
REAL(fcntl_fn, fcntl64)
#endif
#ifdef HAVE___READ_CHK
REAL(read_chk_fn, __read_chk)
#endif
#ifdef HAVE___POLL_CHK
REAL(poll_chk_fn, __poll_chk)
#endif

static bool
none_live(void)
{
	return EKQ_LIKELY(atomic_load_explicit(&ekq_fdobj_live,
	    memory_order_relaxed) == 0) || ekq_in_fork;
}

ssize_t
ekq_real_read(int fd, void *buf, size_t n)
{
	return get_read()(fd, buf, n);
}

ssize_t
ekq_real_write(int fd, const void *buf, size_t n)
{
	return get_write()(fd, buf, n);
}

int
ekq_real_close(int fd)
{
	return get_close()(fd);
}

int
ekq_real_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	return get_poll()(fds, nfds, timeout);
}

EKQ_EXPORT ssize_t
WRAP(read)(int fd, void *buf, size_t n)
{
	struct ekq_fdobj *obj;
	if (none_live() || (obj = ekq_fdobj_get(fd)) == NULL)
		return get_read()(fd, buf, n);
	return ekq_fdobj_read_put(obj, fd, buf, n);
}

EKQ_EXPORT ssize_t
WRAP(write)(int fd, const void *buf, size_t n)
{
	struct ekq_fdobj *obj;
	if (none_live() || (obj = ekq_fdobj_get(fd)) == NULL)
		return get_write()(fd, buf, n);
	return ekq_fdobj_write_put(obj, fd, buf, n);
}

EKQ_EXPORT int
WRAP(close)(int fd)
{
	if (!none_live())
		ekq_fdobj_forget(fd);
	return get_close()(fd);
}

EKQ_EXPORT int
WRAP(dup)(int fd)
{
	int newfd = get_dup()(fd);
	if (newfd != -1 && !none_live() && ekq_fdobj_alias(fd, newfd) != 0) {
		get_close()(newfd);
		errno = EMFILE;
		return -1;
	}
	return newfd;
}

EKQ_EXPORT int
WRAP(dup2)(int fd, int newfd)
{
	int r = get_dup2()(fd, newfd);
	if (r != -1 && fd != newfd && !none_live() &&
	    ekq_fdobj_alias(fd, newfd) != 0) {
		get_close()(newfd);
		errno = EMFILE;
		return -1;
	}
	return r;
}

#ifdef HAVE_DUP3
EKQ_EXPORT int
WRAP(dup3)(int fd, int newfd, int flags)
{
	int r = get_dup3()(fd, newfd, flags);
	if (r != -1 && !none_live() && ekq_fdobj_alias(fd, newfd) != 0) {
		get_close()(newfd);
		errno = EMFILE;
		return -1;
	}
	return r;
}
#endif

/*
 * An object's status flags are ours: its kqueue's may not take O_NONBLOCK
 * (FreeBSD's kqueue has no FIONBIO), and Linux says O_RDWR for all three
 * (anon_inode_getfile() with O_RDWR).
 */
static int
obj_fcntl(struct ekq_fdobj *obj, int fd, int cmd, uintptr_t arg)
{
	switch (cmd) {
	case F_GETFL: {
		if (get_fcntl()(fd, F_GETFD) == -1)
			return -1;
		pthread_mutex_lock(&obj->lock);
		int fl = O_RDWR | (obj->nonblock ? O_NONBLOCK : 0);
		pthread_mutex_unlock(&obj->lock);
		return fl;
	}
	case F_SETFL:
		if (get_fcntl()(fd, F_GETFD) == -1)
			return -1;
		pthread_mutex_lock(&obj->lock);
		obj->nonblock = ((int)arg & O_NONBLOCK) != 0;
		pthread_mutex_unlock(&obj->lock);
		return 0;
	default: {
		int r = get_fcntl()(fd, cmd, arg);
		if (r != -1 && (cmd == F_DUPFD
#ifdef F_DUPFD_CLOEXEC
		    || cmd == F_DUPFD_CLOEXEC
#endif
		    ) && ekq_fdobj_alias(fd, r) != 0) {
			get_close()(r);
			errno = EMFILE;
			return -1;
		}
		return r;
	}
	}
}

EKQ_EXPORT int
WRAP(fcntl)(int fd, int cmd, ...)
{
	/* Every command's argument is an int or a pointer, passed in the
	 * place of one machine word. */
	va_list ap;
	va_start(ap, cmd);
	uintptr_t arg = va_arg(ap, uintptr_t);
	va_end(ap);
	struct ekq_fdobj *obj;
	if (none_live() || (obj = ekq_fdobj_get(fd)) == NULL)
		return get_fcntl()(fd, cmd, arg);
	int r = obj_fcntl(obj, fd, cmd, arg);
	int err = errno;
	ekq_fdobj_put(obj);
	errno = err;
	return r;
}

#ifdef HAVE_FCNTL64
EKQ_EXPORT int
fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	uintptr_t arg = va_arg(ap, uintptr_t);
	va_end(ap);
	struct ekq_fdobj *obj;
	if (none_live() || (obj = ekq_fdobj_get(fd)) == NULL)
		return get_fcntl64()(fd, cmd, arg);
	int r = obj_fcntl(obj, fd, cmd, arg);
	int err = errno;
	ekq_fdobj_put(obj);
	errno = err;
	return r;
}
#endif

#ifdef HAVE___READ_CHK
EKQ_EXPORT ssize_t
__read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	struct ekq_fdobj *obj;
	/* An overflow is the system's to report (__chk_fail()). */
	if (n > buflen || none_live() || (obj = ekq_fdobj_get(fd)) == NULL)
		return get___read_chk()(fd, buf, n, buflen);
	return ekq_fdobj_read_put(obj, fd, buf, n);
}
#endif

/* POLL* bits from EPOLL* bits (the same values on Linux; not elsewhere). */
static short
poll_bits(uint32_t ep)
{
	short p = 0;
	if (ep & EPOLLIN) p |= POLLIN;
	if (ep & EPOLLRDNORM) p |= POLLRDNORM;
	if (ep & EPOLLOUT) p |= POLLOUT;
	if (ep & EPOLLWRNORM) p |= POLLWRNORM;
	if (ep & EPOLLERR) p |= POLLERR;
	if (ep & EPOLLHUP) p |= POLLHUP;
	return p;
}

static int
ms_left(const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ns = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000000000 +
	    (deadline->tv_nsec - now.tv_nsec);
	int64_t ms = (ns + 999999) / 1000000; /* never wake early */
	return ms < 0 ? 0 : ms > INT32_MAX ? INT32_MAX : (int)ms;
}

/*
 * poll() over objects: their bits come from the objects; the wait is the
 * system's poll() with each object's kqueue asked for POLLIN, which it
 * becomes when the object may have changed.  A wakeup that changed
 * nothing the caller asked for waits again for the time left.
 */
EKQ_EXPORT int
WRAP(poll)(struct pollfd *fds, nfds_t nfds, int timeout)
{
	if (none_live())
		return get_poll()(fds, nfds, timeout);
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (timeout > 0) {
		deadline.tv_sec += timeout / 1000;
		deadline.tv_nsec += (long)(timeout % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_nsec -= 1000000000L;
			deadline.tv_sec++;
		}
	}
	short small[32];
	short *asked = small;
	if (nfds > 32 && (asked = ekq_malloc(nfds * sizeof *asked)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	int n;
	for (;;) {
		bool ours = false, ready = false;
		for (nfds_t i = 0; i < nfds; i++) {
			asked[i] = fds[i].events;
			struct ekq_fdobj *obj = ekq_fdobj_get(fds[i].fd);
			if (obj == NULL)
				continue;
			ours = true;
			uint32_t bits = obj->ops->bits(obj, fds[i].fd);
			ekq_fdobj_put(obj);
			if (poll_bits(bits) & (asked[i] | POLLERR | POLLHUP))
				ready = true;
			/* Its kqueue is readable when the object may have
			 * become so; nothing tells of room to write. */
			fds[i].events = (asked[i] & (POLLIN | POLLRDNORM)) ?
			    POLLIN : 0;
		}
		int t = (ready || timeout == 0) ? 0 :
		    timeout < 0 ? -1 : ms_left(&deadline);
		n = get_poll()(fds, nfds, t);
		int err = errno;
		for (nfds_t i = 0; i < nfds; i++)
			fds[i].events = asked[i];
		if (n == -1 || !ours) {
			errno = err;
			break;
		}
		n = 0;
		for (nfds_t i = 0; i < nfds; i++) {
			struct ekq_fdobj *obj = ekq_fdobj_get(fds[i].fd);
			if (obj != NULL) {
				uint32_t bits = obj->ops->bits(obj, fds[i].fd);
				ekq_fdobj_put(obj);
				fds[i].revents = poll_bits(bits) &
				    (fds[i].events | POLLERR | POLLHUP);
			}
			if (fds[i].revents)
				n++;
		}
		if (n > 0 || t == 0)
			break;
	}
	if (asked != small)
		free(asked);
	return n;
}

#ifdef HAVE___POLL_CHK
EKQ_EXPORT int
__poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
	if (none_live() || fdslen / sizeof *fds < nfds)
		return get___poll_chk()(fds, nfds, timeout, fdslen);
	return WRAP(poll)(fds, nfds, timeout);
}
#endif

EKQ_EXPORT int
WRAP(clock_settime)(clockid_t clock, const struct timespec *ts)
{
	int r = get_clock_settime()(clock, ts);
	if (r == 0 && clock == CLOCK_REALTIME)
		ekq_timerfd_clock_was_set();
	return r;
}

EKQ_EXPORT int
WRAP(settimeofday)(const struct timeval *tv, const struct timezone *tz)
{
	int r = get_settimeofday()(tv, tz);
	if (r == 0 && tv != NULL)
		ekq_timerfd_clock_was_set();
	return r;
}

INTERPOSE(read)
INTERPOSE(write)
INTERPOSE(close)
INTERPOSE(dup)
INTERPOSE(dup2)
INTERPOSE(fcntl)
INTERPOSE(poll)
INTERPOSE(clock_settime)
INTERPOSE(settimeofday)
#ifdef HAVE_DUP3
INTERPOSE(dup3)
#endif
