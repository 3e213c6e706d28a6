/*
 * Linux's other event descriptors -- eventfd, timerfd, signalfd -- where
 * the system has none: "descriptor objects".
 *
 * Each is a real descriptor, a kqueue of its own, whose knotes make it
 * readable exactly when Linux's would be: an EVFILT_USER knote triggered
 * while an eventfd's counter is above zero, an EVFILT_TIMER knote at a
 * timerfd's next expiry, EVFILT_SIGNAL knotes for a signalfd's signals.
 * So select(), poll(), kevent() and another kqueue see it without us.
 * What a kqueue cannot say -- the counter, an eventfd's room to write, the
 * signal's siginfo -- lives here, reached through read(), write(),
 * close(), fcntl(), poll() and dup*(), which the library interposes
 * (interpose.c): on any other descriptor they cost one load and an
 * indirect call.
 *
 * The table maps descriptor numbers to objects.  A dup() of one maps its
 * new number to the same object; close() unmaps a number, and the last
 * number's close frees the object, so memory is bounded by the descriptor
 * table whatever the program does.
 *
 * Watchers: an epoll instance with an eventfd registered (kind
 * EKQ_FD_EVENTFD) holds, besides a disabled read knote on the descriptor
 * (kept only so that close() ends the registration), an EVFILT_USER "poke"
 * knote keyed on the registered number.  The eventfd pokes it when user
 * space changes what Linux would report: room to write after a read, and
 * each write for an edge-triggered registration (Linux wakes the waiters
 * on every write and read: eventfd_write(), eventfd_read()).
 *
 * Locks: ekq_fdtab_mutex (fdtab.c, taken through ekq_fdtab_lock()) guards
 * the table and every object's refs; obj->lock guards the object's state
 * and watchers.  lib/'s lock order, written here once:
 *
 *   ep->lock, then ekq_table_mutex (instance.c: the instance table), then
 *   ekq_fdtab_mutex;  ep->lock, then obj->lock, then ekq_fdtab_mutex;
 *   ekq_beacon_lock (signal.c) is a leaf;
 *
 * then the kqueue's own locks (compat/'s, on Linux), which lib/ takes
 * inside any of its own through kevent(); fork()'s prepare handler takes
 * ekq_table_mutex, then ekq_fdtab_mutex, then compat/'s.  compat/'s
 * kqueue lock may be held while lib/ takes obj->lock or ekq_fdtab_mutex
 * (a kqueue polling a descriptor object it watches goes through poll()),
 * never the other locks of compat/ (kq.h).  An eventfd pokes its watchers'
 * kqueues under obj->lock; so that no kqueue lock is ever both inside and
 * outside one obj->lock, its read knote in a watcher stays disabled, and
 * the watcher never polls it.  Never blocked in a wait with a lock held.
 */
#ifndef EKQ_LIB_FDOBJ_H
#define EKQ_LIB_FDOBJ_H

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define EKQ_HIDDEN __attribute__((visibility("hidden")))

/*
 * The objects' code locks and waits through these.  Under ThreadSanitizer
 * they also tell it what each mutex orders: a program's read(), write() or
 * poll() reaches the interposers through TSan's interceptor of that call,
 * which ignores every interceptor until it returns -- pthread_mutex_lock()
 * and pthread_cond_wait() among them -- so the locks taken in there would
 * be invisible to it, and what they order would look like races.
 */
#if defined(__SANITIZE_THREAD__)
#define EKQ_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EKQ_TSAN 1
#endif
#endif
#ifdef EKQ_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void __tsan_mutex_pre_unlock(void *addr, unsigned flags);
void __tsan_mutex_post_unlock(void *addr, unsigned flags);
#define EKQ_ACQUIRED(m) __tsan_acquire(m)
#define EKQ_RELEASING(m) __tsan_release(m)
/* `m`, held by this thread, is let go of other than by unlocking it. */
#define EKQ_TSAN_UNLOCKED(m) \
	(__tsan_mutex_pre_unlock((m), 0), __tsan_mutex_post_unlock((m), 0))
#else
#define EKQ_ACQUIRED(m) ((void)(m))
#define EKQ_RELEASING(m) ((void)(m))
#define EKQ_TSAN_UNLOCKED(m) ((void)(m))
#endif

static inline void
ekq_mutex_lock(pthread_mutex_t *m)
{
	pthread_mutex_lock(m);
	EKQ_ACQUIRED(m);
}

static inline void
ekq_mutex_unlock(pthread_mutex_t *m)
{
	EKQ_RELEASING(m);
	pthread_mutex_unlock(m);
}

static inline void
ekq_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	EKQ_RELEASING(m);
	pthread_cond_wait(c, m);
	EKQ_ACQUIRED(m);
}

enum ekq_fdtype {
	EKQ_FDT_EVENTFD = 1,
	EKQ_FDT_TIMERFD,
	EKQ_FDT_SIGNALFD
};

struct ekq_fdobj;

struct ekq_fdops {
	ssize_t (*read)(struct ekq_fdobj *obj, int fd, void *buf, size_t n);
	ssize_t (*write)(struct ekq_fdobj *obj, int fd, const void *buf,
	    size_t n);
	/* What Linux's poll would say now (EPOLL* bits); may update the
	 * object from the clock or the pending signals. */
	uint32_t (*bits)(struct ekq_fdobj *obj, int fd);
	/* fork() child: the knotes again, in `kq`, a new kqueue; its locks
	 * made anew (a thread of the parent may have held them). */
	int (*rebuild)(struct ekq_fdobj *obj, int kq);
	/* Its last number closes: knotes of its own to take out (fdtab.c
	 * takes the user and timer knotes). */
	void (*detach)(struct ekq_fdobj *obj, int kq);
	void (*destroy)(struct ekq_fdobj *obj);
};

struct ekq_watcher {
	int epfd;               /* the instance's kqueue (its epoll number) */
	int fd;                 /* the number registered there */
	uint32_t events;        /* the registration's mask */
	uint32_t gen;           /* its generation: the knotes' udata, which
				 * any change to a knote sets (kqueue_register) */
};

struct ekq_fdobj {
	pthread_mutex_t lock;
	const struct ekq_fdops *ops;
	uint8_t type;           /* enum ekq_fdtype */
	bool nonblock;          /* O_NONBLOCK, as fcntl() and the flags set it */
	unsigned refs;          /* numbers mapped to it + calls in flight */
	uint32_t serial;        /* tells it from an earlier object */
	struct ekq_watcher *watchers;
	int nwatchers, capwatchers;
	int fork_fd;            /* fork() child: its first number rebuilt */
	bool fork_cloexec;      /* fork(): FD_CLOEXEC of that number */
};

/* How many objects exist: read() and friends look no further while 0. */
EKQ_HIDDEN extern atomic_uint ekq_fdobj_live;

/* fdtab.c */
EKQ_HIDDEN int ekq_fdobj_init(struct ekq_fdobj *obj, uint8_t type,
    const struct ekq_fdops *ops, bool nonblock);
EKQ_HIDDEN int ekq_fdobj_install(int fd, struct ekq_fdobj *obj);
EKQ_HIDDEN struct ekq_fdobj *ekq_fdobj_get(int fd);
EKQ_HIDDEN void ekq_fdobj_put(struct ekq_fdobj *obj);
EKQ_HIDDEN ssize_t ekq_fdobj_read_put(struct ekq_fdobj *obj, int fd,
    void *buf, size_t n);
EKQ_HIDDEN ssize_t ekq_fdobj_write_put(struct ekq_fdobj *obj, int fd,
    const void *buf, size_t n);
EKQ_HIDDEN int ekq_fdobj_alias(int fd, int newfd);
EKQ_HIDDEN void ekq_fdobj_forget(int fd);
EKQ_HIDDEN uint8_t ekq_fdobj_type(int fd, uint32_t *serial);
EKQ_HIDDEN uint32_t ekq_fdobj_bits(int fd);
EKQ_HIDDEN void ekq_fdobj_watch(int fd, int epfd, uint32_t events,
    uint32_t gen);
EKQ_HIDDEN void ekq_fdobj_unwatch(int fd, int epfd);
EKQ_HIDDEN void ekq_fdobj_poke(struct ekq_fdobj *obj, uint32_t key);
EKQ_HIDDEN void ekq_fdobj_each_locked(uint8_t type,
    void (*fn)(int fd, struct ekq_fdobj *obj, void *arg), void *arg);
EKQ_HIDDEN void ekq_fdtab_lock(void);
EKQ_HIDDEN void ekq_fdtab_unlock(void);

/* fork(): called from fork.c's handlers, with the instance table locked. */
EKQ_HIDDEN void ekq_fdobj_fork_prepare(void);
EKQ_HIDDEN void ekq_fdobj_fork_parent(void);
/* The child: numbers first (before the instances'), then knotes (before
 * the instances' registrations, which watch them). */
EKQ_HIDDEN void ekq_fdobj_fork_renumber(void);
EKQ_HIDDEN void ekq_fdobj_fork_rebuild(void);
/* Is this thread in fork()'s handlers?  The library's own close() and
 * dup2() there must not touch the table it holds. */
EKQ_HIDDEN extern _Thread_local bool ekq_in_fork
    __attribute__((tls_model("initial-exec")));

/* The kqueue of an object: a new one, its user knote, a zero-timeout
 * take of whatever it holds (which leaves it not readable). */
EKQ_HIDDEN int ekq_fdobj_kqueue(bool cloexec);
EKQ_HIDDEN int ekq_fdobj_trigger(int kq, uintptr_t ident);
EKQ_HIDDEN int ekq_fdobj_drain(int kq);
/* Wait until the object's kqueue is readable (or a signal): 0, or -1
 * with errno EINTR. */
EKQ_HIDDEN int ekq_fdobj_wait(int kq);

/* interpose.c: the system's own functions, under our interposers */
EKQ_HIDDEN ssize_t ekq_real_read(int fd, void *buf, size_t n);
EKQ_HIDDEN ssize_t ekq_real_write(int fd, const void *buf, size_t n);
EKQ_HIDDEN int ekq_real_close(int fd);
EKQ_HIDDEN int ekq_real_poll(struct pollfd *fds, nfds_t nfds, int timeout);

/* Linux's flag values, on this system (the headers give Linux's). */
EKQ_HIDDEN bool ekq_linux_flags(int flags, int allowed_extra, bool *cloexec,
    bool *nonblock);

/* timerfd.c: a clock was set by this process */
EKQ_HIDDEN void ekq_timerfd_clock_was_set(void);

#endif
