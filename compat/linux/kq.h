/*
 * compat/'s kqueue on Linux: internal interfaces.
 *
 * A kqueue is a Linux epoll descriptor (the "main" epoll), so that it is a
 * real descriptor: poll() and select() see it readable when it has events,
 * another kqueue can watch it, and close() releases the kernel side.
 *
 * Every knote on a descriptor is an edge-triggered (EPOLLET) registration in
 * the kernel, and the filter itself (is it ready? what is data? is it EOF?)
 * runs here, at scan time, on the descriptor's current state -- as FreeBSD's
 * kqueue_scan() runs f_event.  Edge registrations mean that a registration
 * whose kqueue condition is false (a low-water mark not met, a disabled or
 * stale knote) never makes the kernel report it over and over.
 *
 * Level-triggered knotes are re-armed after each delivery with
 * EPOLL_CTL_MOD, which makes the kernel re-check the descriptor and queue it
 * again if it is still ready: the kernel's ready list is then exactly
 * FreeBSD's active queue, and the main epoll is readable exactly when the
 * kqueue has events.
 *
 * Registrations of one descriptor:
 *  - COMBINED: one registration in the main epoll for all of the
 *    descriptor's knotes.  Used while every knote is level-triggered, or
 *    while there is a single knote.
 *  - SPLIT: one registration per knote, each in its own filter's epoll
 *    (READ in the main epoll, WRITE and EXCEPT in side epolls nested in the
 *    main one).  Used once an EV_CLEAR knote shares a descriptor with
 *    another knote: a Linux wakeup reports every ready direction, so only
 *    separate registrations tell which direction really changed.
 *
 * Identity.  Linux removes a registration when the open file is released;
 * FreeBSD removes knotes when the descriptor is closed.  The two differ
 * when a dup() keeps the file open, and when a closed number is reused by a
 * new file.  So before a knote is delivered or changed, its registration is
 * checked to still name the file now behind its descriptor number (kcmp
 * KCMP_EPOLL_TFD, or EPOLL_CTL_MOD's ENOENT/EBADF); a record that fails is
 * dropped as if close() had removed it.  Registration data carries the
 * record's generation, so events from a stale registration are ignored.
 *
 * Locking: ekq_global_lock protects the descriptor -> kqueue table;
 * kq->lock protects everything in one kqueue.  Order: global, then kq.
 * No lock is held while blocked in epoll_wait().
 */
#ifndef EKQ_COMPAT_KQ_H
#define EKQ_COMPAT_KQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>

#include <sys/event.h>

#define EKQ_HIDDEN __attribute__((visibility("hidden")))

/* Filter slots of a descriptor record. */
enum ekq_slot {
	EKQ_SLOT_READ = 0,
	EKQ_SLOT_WRITE = 1,
	EKQ_SLOT_EXCEPT = 2,
	EKQ_NSLOTS = 3,
	EKQ_SLOT_ALL = 3 /* a COMBINED registration */
};

/* What kind of object a descriptor is: decides how its filters run. */
enum ekq_kind {
	EKQ_KIND_OTHER,     /* anything else Linux can poll */
	EKQ_KIND_PIPE,      /* pipes and FIFOs */
	EKQ_KIND_STREAM,    /* unix stream/seqpacket sockets */
	EKQ_KIND_DGRAM,     /* unix and inet datagram sockets */
	EKQ_KIND_TCP,       /* TCP sockets */
	EKQ_KIND_TTY,       /* terminals and pseudo-terminals */
	EKQ_KIND_KQUEUE     /* another kqueue (or any epoll descriptor) */
};

/* knote status bits */
#define EKQ_KN_PRESENT  0x01 /* the (ident, filter) knote exists */
#define EKQ_KN_DISABLED 0x02 /* EV_DISABLE, or EV_DISPATCH after delivery */
#define EKQ_KN_QUEUED   0x04 /* on the kqueue's pending list */
#define EKQ_KN_REG      0x08 /* SPLIT: has its own kernel registration */

struct ekq_kq;
struct ekq_fdrec;

/* Links of the pending list: knotes waiting for delivery in user space. */
struct ekq_qlink {
	struct ekq_qlink *next, *prev;
};

struct ekq_knote {
	struct ekq_qlink q;     /* on kq->pending while EKQ_KN_QUEUED */
	uint8_t status;         /* EKQ_KN_* */
	uint8_t slot;           /* enum ekq_slot, or 0xff for EVFILT_USER */
	uint16_t flags;         /* EV_ONESHOT|EV_CLEAR|EV_DISPATCH|EV_RECEIPT */
	uint32_t sfflags;       /* fflags given at registration */
	int64_t sdata;          /* data given at registration */
	void *udata;
	uint64_t ext[4];
};

struct ekq_fdrec {
	int fd;
	uint32_t gen;           /* matches the registrations' data */
	uint8_t kind;           /* enum ekq_kind */
	bool split;             /* SPLIT (else COMBINED) */
	uint32_t events;        /* COMBINED: events registered in the kernel */
	dev_t dev;              /* identity, for hosts without kcmp */
	ino_t ino;
	struct ekq_knote kn[EKQ_NSLOTS];
};

struct ekq_uknote {             /* an EVFILT_USER knote */
	struct ekq_knote kn;
	struct ekq_uknote *hnext;
	uintptr_t ident;
	bool triggered;
};

struct ekq_kq {
	pthread_mutex_t lock;
	int epfd;               /* the main epoll: the kqueue descriptor */
	int side[EKQ_NSLOTS];   /* side epolls for SPLIT WRITE/EXCEPT, or -1 */
	uint32_t id;            /* names this kqueue in the marker's data */
	unsigned refs;          /* table entries + kevent() calls in flight */
	bool dead;              /* closed or forked away: free on last ref */
	uint32_t next_gen;
	bool marker_armed;      /* the marker is EPOLLIN in epfd */

	struct ekq_fdrec **byfd;/* descriptor number -> record */
	int nbyfd;
	size_t nrecs;

	struct ekq_uknote **uhash; /* EVFILT_USER knotes by ident */
	size_t nuhash;          /* buckets, a power of two */
	size_t nuser;

	struct ekq_qlink pending; /* knotes to (re)consider at the next scan */
};

/* Registration data: descriptor, generation and slot, or the marker. */
#define EKQ_DATA_MARKER   (UINT64_C(1) << 63)
#define EKQ_DATA_SIDE     (UINT64_C(1) << 62)
static inline uint64_t
ekq_data_pack(int fd, uint32_t gen, unsigned slot)
{
	return ((uint64_t)(uint32_t)fd << 26) | ((uint64_t)(gen & 0xffffff) << 2) |
	    (uint64_t)slot;
}
#define EKQ_DATA_FD(d)    ((int)(((d) >> 26) & 0x7fffffff))
#define EKQ_DATA_GEN(d)   ((uint32_t)(((d) >> 2) & 0xffffff))
#define EKQ_DATA_SLOT(d)  ((unsigned)((d) & 3))

/* kq_instance.c */
EKQ_HIDDEN int ekq_marker_fd(void);
EKQ_HIDDEN struct ekq_kq *ekq_kq_acquire(int kqfd);
EKQ_HIDDEN void ekq_kq_release(struct ekq_kq *kq);
EKQ_HIDDEN int ekq_kq_side(struct ekq_kq *kq, unsigned slot);
EKQ_HIDDEN void ekq_kq_arm_marker(struct ekq_kq *kq, bool on);

/* kq_fd.c */
EKQ_HIDDEN int ekq_fd_change(struct ekq_kq *kq, struct kevent *kev);
EKQ_HIDDEN struct ekq_fdrec *ekq_fd_lookup(struct ekq_kq *kq, uint64_t data);
EKQ_HIDDEN bool ekq_fd_valid(struct ekq_kq *kq, struct ekq_fdrec *rec,
    unsigned slot);
EKQ_HIDDEN void ekq_fd_drop(struct ekq_kq *kq, struct ekq_fdrec *rec);
EKQ_HIDDEN int ekq_fd_rearm(struct ekq_kq *kq, struct ekq_fdrec *rec,
    unsigned slot);
EKQ_HIDDEN void ekq_fd_after_delivery(struct ekq_kq *kq, struct ekq_fdrec *rec,
    unsigned slot);
EKQ_HIDDEN void ekq_fd_free_all(struct ekq_kq *kq);
EKQ_HIDDEN bool ekq_knote_level(const struct ekq_knote *kn);

/* kq_probe.c: the filters */
struct ekq_eval {
	bool ready;
	uint16_t flags;         /* EV_EOF, to or into the returned flags */
	uint32_t fflags;
	int64_t data;
};
EKQ_HIDDEN int ekq_probe_kind(int fd, uint8_t *kind, dev_t *dev, ino_t *ino);
EKQ_HIDDEN bool ekq_probe_filter(const struct ekq_fdrec *rec, unsigned slot,
    uint32_t revents, struct ekq_eval *ev);
EKQ_HIDDEN uint32_t ekq_slot_events(const struct ekq_fdrec *rec, unsigned slot);

/* kq_user.c */
EKQ_HIDDEN int ekq_user_change(struct ekq_kq *kq, struct kevent *kev);
EKQ_HIDDEN void ekq_user_free_all(struct ekq_kq *kq);
EKQ_HIDDEN struct ekq_uknote *ekq_user_of(struct ekq_knote *kn);

/* kq_kevent.c: the pending list */
EKQ_HIDDEN void ekq_pending_add(struct ekq_kq *kq, struct ekq_knote *kn);
EKQ_HIDDEN void ekq_pending_remove(struct ekq_kq *kq, struct ekq_knote *kn);

#endif
