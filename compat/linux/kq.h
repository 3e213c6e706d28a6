/*
 * compat/'s kqueue on Linux: internal interfaces.
 *
 * A kqueue is a Linux epoll descriptor (the "main" epoll), so that it is a
 * real descriptor: poll() and select() see it readable when it has events,
 * another kqueue can watch it, and close() releases the kernel side.
 *
 * Knotes are kernel registrations, and the filter itself (is it ready?
 * what is data? is it EOF?) runs here, at scan time, on the descriptor's
 * current state -- as FreeBSD's kqueue_scan() runs f_event.  Level-triggered
 * knotes are level-triggered registrations: the kernel's ready list is then
 * FreeBSD's active queue, and the main epoll is readable exactly when the
 * kqueue has events.  EV_CLEAR knotes, and knotes with a low-water mark,
 * are edge-triggered (EPOLLET) registrations.  A level registration that
 * Linux calls ready but whose filter says no (a socket not yet connected,
 * every knote disabled) is "demoted" to edge-triggered, so that the kernel
 * does not report it over and over, until one of its knotes fires again.
 *
 * Registrations of one descriptor: Linux allows one registration per
 * (file, number) in an epoll, and a wakeup reports every ready direction,
 * so an EV_CLEAR knote that shared a registration would fire again whenever
 * the other direction changed.  Level-triggered knotes of a descriptor
 * therefore share one registration, while each EV_CLEAR knote beside
 * another knote gets its own, also in the main epoll, keyed on a number
 * borrowed for each epoll_ctl() (a dup() closed again at once: the kernel
 * keeps a registration while its file is open, whatever becomes of the
 * number).  So a kqueue holds no descriptor but its own, and everything it
 * registered goes when the program closes it (see struct ekq_fdrec's
 * locations).
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
 * Locking.  ekq_table_lock (kq_instance.c) protects the descriptor ->
 * kqueue table and each kqueue's refs; ekq_marker_lock the markers and the
 * list of kqueues with one armed; ekq_hlock (kq_helper.c, taken through
 * ekq_helper_lock()) the timers and signals the helper thread watches;
 * kq->lock everything else in one kqueue.  Order: kq->lock, then
 * ekq_table_lock, then ekq_hlock, then ekq_marker_lock, a leaf: none is
 * taken while one after it is held.  A kqueue's filter on another kqueue
 * (ekq_kq_count_pending()) takes the watched kqueue's lock inside its own:
 * the watch graph has no cycles, since Linux refuses epoll loops.  No lock
 * is held while blocked in epoll_wait(), nor by the helper while it sleeps.
 *
 * lib/ above interposes fcntl(), close(), poll() and more, and takes its
 * own locks in there for the descriptors that are its objects (each one a
 * kqueue of ours); its fork() handler, which runs before ours, holds those
 * locks while ours takes the table, helper and marker locks.  So none of
 * those three is held across such a call on a kqueue's number (tagged()
 * asks the kernel directly); kq->lock may be, as fork() never takes it.
 */
#ifndef EKQ_COMPAT_KQ_H
#define EKQ_COMPAT_KQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>
#include <time.h>

#include <sys/event.h>

#define EKQ_HIDDEN __attribute__((visibility("hidden")))

/*
 * compat/ locks and waits through these.  Under ThreadSanitizer they also
 * tell it what each mutex orders.  A program's read(), write() or poll()
 * reaches lib/'s interposer through TSan's interceptor of that call, which
 * ignores every interceptor until it returns -- pthread_mutex_lock() and
 * pthread_cond_wait() among them -- so a kevent() made from there (a
 * timerfd's poll() settles its kqueue) would hold locks TSan never saw, and
 * what they order would look like races.
 */
#if defined(__SANITIZE_THREAD__)
#define EKQ_KQ_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EKQ_KQ_TSAN 1
#endif
#endif
#ifdef EKQ_KQ_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define EKQ_KQ_ACQUIRED(m) __tsan_acquire(m)
#define EKQ_KQ_RELEASING(m) __tsan_release(m)
#else
#define EKQ_KQ_ACQUIRED(m) ((void)(m))
#define EKQ_KQ_RELEASING(m) ((void)(m))
#endif

static inline void
ekq_kq_lock(pthread_mutex_t *m)
{
	pthread_mutex_lock(m);
	EKQ_KQ_ACQUIRED(m);
}

static inline void
ekq_kq_unlock(pthread_mutex_t *m)
{
	EKQ_KQ_RELEASING(m);
	pthread_mutex_unlock(m);
}

static inline void
ekq_kq_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	EKQ_KQ_RELEASING(m);
	pthread_cond_wait(c, m);
	EKQ_KQ_ACQUIRED(m);
}

static inline void
ekq_kq_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
    const struct timespec *abstime)
{
	EKQ_KQ_RELEASING(m);
	pthread_cond_timedwait(c, m, abstime);
	EKQ_KQ_ACQUIRED(m);
}

/* Filter slots of a descriptor record. */
enum ekq_slot {
	EKQ_SLOT_READ = 0,
	EKQ_SLOT_WRITE = 1,
	EKQ_SLOT_EXCEPT = 2,
	EKQ_NSLOTS = 3
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

/*
 * Where a descriptor's knotes are registered: up to three "locations", all
 * in the main epoll: 0 keyed on the descriptor's own number, the side
 * locations 1 and 2 on borrowed numbers (locnum).  Invariant: a location
 * holding an EV_CLEAR knote holds nothing else; level-triggered knotes may
 * share.
 */
#define EKQ_NLOCS 3
#define EKQ_LOC_NONE 0xff

struct ekq_fdrec {
	int fd;
	uint32_t gen;           /* matches the registrations' data */
	uint8_t kind;           /* enum ekq_kind */
	uint8_t sotype;         /* SOCK_STREAM, ... for sockets */
	uint8_t family;         /* AF_UNIX, AF_INET, ... for sockets */
	uint8_t loc[EKQ_NSLOTS];/* location of each present knote */
	uint8_t locreg;         /* bit per location: registered in the kernel */
	uint8_t demoted;        /* bit per location: edge-triggered for now */
	bool send_shut;         /* sockets: the send side is known shut down */
	bool listened;          /* sockets: seen listening */
	uint32_t locev[EKQ_NLOCS]; /* events registered at each location */
	int locnum[EKQ_NLOCS];  /* the number keying each location, or -1 */
	uint32_t scan_id;       /* the last scan that delivered from it */
	uint8_t scan_slots;     /* the slots that scan delivered */
	int sndbuf;             /* sockets: SO_SNDBUF when registered */
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

/*
 * An EVFILT_TIMER or EVFILT_SIGNAL knote: it lives in user space, and the
 * helper thread (kq_helper.c) counts its firings.  The fields after `kq`
 * belong to ekq_helper_lock; the rest to kq->lock.
 */
struct ekq_hknote {
	struct ekq_knote kn;
	struct ekq_hknote *next;  /* kq->hknotes */
	uintptr_t ident;
	short filter;
	struct ekq_kq *kq;
	int64_t count;            /* firings since the last retrieval, or
	                             the errno of a failed re-add (EV_ERROR) */
	size_t heap;              /* timers: index in the heap */
	uint64_t next_ns;         /* timers: next expiry, CLOCK_MONOTONIC */
	uint64_t period_ns;       /* timers: 0 when it fires once */
	struct ekq_hknote *snext; /* signals: the knotes of one signal */
};

struct ekq_kq {
	pthread_mutex_t lock;
	int epfd;               /* the main epoll: the kqueue descriptor */
	uint32_t id;            /* names this kqueue in the marker's data */
	unsigned refs;          /* table entries + kevent() calls in flight */
	bool dead;              /* no longer in the table */
	pid_t owner;            /* the F_SETOWN tag of its epoll */
	struct ekq_kq *orphan_next; /* abandoned in a fork child */
	uint32_t next_gen;
	uint32_t next_scan;     /* scan ids, for "once per scan" */
	/* marker_armed and marker change under kq->lock and
	 * ekq_marker_lock both (or in kq_free(), when nothing else can
	 * reach the kqueue), so either lock suffices to read them; the links
	 * are ekq_marker_lock's. */
	bool marker_armed;      /* a marker is registered in epfd */
	int marker;             /* which (index in the marker pool) */
	struct ekq_kq *armed_next, *armed_prev; /* the kqueues with
				 * marker_armed */

	struct ekq_fdrec **byfd;/* descriptor number -> record */
	int nbyfd;
	size_t nrecs;

	uint8_t *sidenums;      /* borrowed number -> its state (kq_sidenum.c) */
	int nsidenums;
	int sidenum_from, sidenum_low; /* every number from the first up
				 * to the second is LIVE (ekq_sidenum_next()) */

	struct ekq_uknote **uhash; /* EVFILT_USER knotes by ident */
	size_t nuhash;          /* buckets, a power of two */
	size_t nuser;

	struct ekq_qlink pending; /* knotes to (re)consider at the next scan */
	size_t npending;        /* knotes on it */
	unsigned long pending_adds; /* knotes ever put on it (scan_pending()) */

	struct ekq_hknote *hknotes; /* EVFILT_TIMER and EVFILT_SIGNAL knotes */
	bool poked;             /* on the helper's list (ekq_helper_lock) */
	struct ekq_kq *poke_next;
};

/*
 * Registration data: the marker (bit 63, the kqueue's id below), or a
 * descriptor: number, record
 * generation and location.
 */
#define EKQ_DATA_MARKER   (UINT64_C(1) << 63)
static inline uint64_t
ekq_data_pack(int fd, uint32_t gen, unsigned loc)
{
	return ((uint64_t)(uint32_t)fd << 28) |
	    ((uint64_t)(gen & 0x3ffffff) << 2) | (uint64_t)loc;
}
#define EKQ_DATA_FD(d)    ((int)(((d) >> 28) & 0x7fffffff))
#define EKQ_DATA_GEN(d)   ((uint32_t)(((d) >> 2) & 0x3ffffff))
#define EKQ_DATA_LOC(d)   ((unsigned)((d) & 3))

/* kq_hostsock.c: poll() bits of a socket as the profile's kernel says
 * them, from Linux's (profiles/README). */
struct pollfd;
EKQ_HIDDEN void ekq_host_socket_bits(struct pollfd *pfd);

/* kq_instance.c */
EKQ_HIDDEN struct ekq_kq *ekq_kq_acquire(int kqfd);
EKQ_HIDDEN void ekq_kq_release(struct ekq_kq *kq);
EKQ_HIDDEN void ekq_kq_arm_marker(struct ekq_kq *kq, bool on);
EKQ_HIDDEN void ekq_kq_drop_foreign_marker(struct ekq_kq *kq);

/* kq_fd.c */
/* The lowest number side locations borrow (below RLIMIT_NOFILE). */
EKQ_HIDDEN int ekq_high_number_base(void);
/* `fd` (close-on-exec) moved to between half ekq_high_number_base() and
 * it, where compat's coming and going does not shift the numbers the
 * program's next socket() or accept() gets, nor free one under a limit it
 * set with setrlimit() (a kernel's kqueue takes none).  Returns the number
 * now used: `fd` itself if nothing there is free, or -1 if `fd` was. */
EKQ_HIDDEN int ekq_move_high(int fd);
EKQ_HIDDEN int ekq_fd_change(struct ekq_kq *kq, struct kevent *kev);
EKQ_HIDDEN struct ekq_fdrec *ekq_fd_lookup(struct ekq_kq *kq, uint64_t data);
EKQ_HIDDEN bool ekq_fd_valid(struct ekq_kq *kq, struct ekq_fdrec *rec);
EKQ_HIDDEN void ekq_fd_drop(struct ekq_kq *kq, struct ekq_fdrec *rec);
EKQ_HIDDEN bool ekq_loc_level(const struct ekq_fdrec *rec, unsigned loc);
EKQ_HIDDEN void ekq_fd_rearm(struct ekq_kq *kq, struct ekq_fdrec *rec,
    unsigned loc);
EKQ_HIDDEN void ekq_loc_demote(struct ekq_kq *kq, struct ekq_fdrec *rec,
    unsigned loc, bool demote);
EKQ_HIDDEN void ekq_fd_neutralize(struct ekq_kq *kq, int epfd, int fd);
/* After delivery: EV_ONESHOT deletes, EV_DISPATCH disables.  True when
 * the record itself went away. */
EKQ_HIDDEN bool ekq_fd_delivered(struct ekq_kq *kq, struct ekq_fdrec *rec,
    unsigned slot);
EKQ_HIDDEN void ekq_fd_free_all(struct ekq_kq *kq);
EKQ_HIDDEN struct ekq_fdrec *ekq_fd_of(struct ekq_knote *kn);
/* The number keying location `loc`'s registration in the main epoll. */
EKQ_HIDDEN int ekq_loc_number(const struct ekq_fdrec *rec, unsigned loc);

/* kq_sidenum.c: each side location's borrowed number is one record's */
/* May `num` be borrowed now?  (Not while another record's registration
 * may be keyed on it.) */
EKQ_HIDDEN bool ekq_sidenum_usable(struct ekq_kq *kq, int num);
/* The lowest number from `from` up that no record holds (maybe not usable). */
EKQ_HIDDEN int ekq_sidenum_next(struct ekq_kq *kq, int from);
/* `num` now keys a side registration of a record: 0 or ENOMEM. */
EKQ_HIDDEN int ekq_sidenum_take(struct ekq_kq *kq, int num);
/* The record let go of `num`; `gone`: its registration is known deleted. */
EKQ_HIDDEN void ekq_sidenum_release(struct ekq_kq *kq, int num, bool gone);
EKQ_HIDDEN void ekq_sidenum_free_all(struct ekq_kq *kq);

/* kq_probe.c: the filters */
struct ekq_eval {
	bool ready;
	uint16_t flags;         /* EV_EOF, to or into the returned flags */
	uint32_t fflags;
	int64_t data;
};
/* kind, dev, ino, and a socket's sotype and family */
EKQ_HIDDEN int ekq_probe_kind(int fd, struct ekq_fdrec *rec);
EKQ_HIDDEN bool ekq_probe_filter(struct ekq_fdrec *rec, unsigned slot,
    uint32_t revents, struct ekq_eval *ev);
EKQ_HIDDEN uint32_t ekq_slot_events(const struct ekq_fdrec *rec, unsigned slot);
/* A pipe or FIFO write end whose readers are all gone. */
EKQ_HIDDEN bool ekq_pipe_widowed(int fd);

/* kq_user.c */
EKQ_HIDDEN int ekq_user_change(struct ekq_kq *kq, struct kevent *kev);
EKQ_HIDDEN void ekq_user_free_all(struct ekq_kq *kq);
EKQ_HIDDEN struct ekq_uknote *ekq_user_of(struct ekq_knote *kn);
EKQ_HIDDEN void ekq_user_remove(struct ekq_kq *kq, struct ekq_uknote *u);
/* Fill `out` if the user knote fires now; it may be freed (EV_ONESHOT). */
EKQ_HIDDEN bool ekq_user_deliver(struct ekq_kq *kq, struct ekq_uknote *u,
    struct kevent *out);
#define EKQ_SLOT_USER 0xff

/* kq_helper.c: the helper thread, and the knotes it fires */
#define EKQ_SLOT_HELPER 0xfe
#define EKQ_NOHEAP ((size_t)-1)
EKQ_HIDDEN void ekq_helper_lock(void);
EKQ_HIDDEN void ekq_helper_unlock(void);
/* Start the thread if it is not running, and return once it runs; helper
 * lock held (let go while waiting).  0 or errno. */
EKQ_HIDDEN int ekq_helper_start_locked(void);
/* Wait until a started thread runs; helper lock held (let go meanwhile). */
EKQ_HIDDEN void ekq_helper_wait_started_locked(void);
/* The next kevent() to return waits for the thread's next round. */
EKQ_HIDDEN void ekq_helper_settle_later_locked(void);
EKQ_HIDDEN void ekq_signal_sent_to_self(int sig);
/* Wait for that round, if one was asked for; no lock held. */
EKQ_HIDDEN void ekq_helper_settle(void);
/* Make the thread look again (a nearer timer, a new signal); lock held. */
EKQ_HIDDEN void ekq_helper_wake_locked(void);
/* `hk` fired `n` times: count it and have its kqueue told; lock held. */
EKQ_HIDDEN void ekq_helper_fired_locked(struct ekq_hknote *hk, int64_t n);
EKQ_HIDDEN int ekq_helper_change(struct ekq_kq *kq, struct kevent *kev);
EKQ_HIDDEN struct ekq_hknote *ekq_helper_of(struct ekq_knote *kn);
EKQ_HIDDEN bool ekq_helper_deliver(struct ekq_kq *kq, struct ekq_hknote *hk,
    struct kevent *out);
EKQ_HIDDEN bool ekq_helper_ready(struct ekq_hknote *hk);
/* From kq_free(): the kqueue's knotes go, under ekq_table_lock. */
EKQ_HIDDEN void ekq_helper_free_all(struct ekq_kq *kq);

/* fork(): the child has no helper thread; the helper lock is released. */
EKQ_HIDDEN void ekq_helper_atfork_child(void);

/* kq_timer.c: EVFILT_TIMER, on a heap of deadlines (helper lock held) */
/* filt_timervalidate() and filt_timerstart(): 0 or errno (then disarmed). */
EKQ_HIDDEN int ekq_timer_arm_locked(struct ekq_hknote *hk);
EKQ_HIDDEN void ekq_timer_disarm_locked(struct ekq_hknote *hk);
EKQ_HIDDEN void ekq_timer_expire_locked(uint64_t now_ns);
EKQ_HIDDEN uint64_t ekq_timer_next_locked(void); /* UINT64_MAX: none */
EKQ_HIDDEN uint64_t ekq_now_ns(void);
EKQ_HIDDEN void ekq_timer_forget_all_locked(void);

/* kq_signal.c: EVFILT_SIGNAL (helper lock held) */
EKQ_HIDDEN int ekq_signal_attach_locked(struct ekq_hknote *hk);
EKQ_HIDDEN void ekq_signal_detach_locked(struct ekq_hknote *hk);
/* Count what arrived; the descriptor to poll (-1: none), and how long at
 * most to wait for a signal that sits pending (ms, -1: no limit). */
EKQ_HIDDEN void ekq_signal_collect_locked(int *pollfd, int *recheck_ms);
/* After the helper's poll of that descriptor: what woke it. */
EKQ_HIDDEN void ekq_signal_after_wait_locked(void);
/* An event of the signal was retrieved. */
EKQ_HIDDEN void ekq_signal_retrieved_locked(int sig);
/* Wake a helper blocked in ppoll(). */
EKQ_HIDDEN void ekq_signal_kick_locked(void);
/* In a fork child: the helper is gone, compat's handlers go too. */
EKQ_HIDDEN void ekq_signal_forget_all_locked(void);

/* kq_instance.c, for the helper */
EKQ_HIDDEN void ekq_table_lock_acquire(void);
EKQ_HIDDEN void ekq_table_lock_release(void);
/* With ekq_table_lock: a reference on `kq` if its descriptor is still the
 * kqueue (else it is forgotten, as close() would have it); NULL if not. */
EKQ_HIDDEN struct ekq_kq *ekq_kq_hold_locked(struct ekq_kq *kq);
/* With ekq_table_lock: does the kqueue's number still name it? */
EKQ_HIDDEN bool ekq_kq_current_locked(const struct ekq_kq *kq);

/* kq_kevent.c: the pending list */
/* Events pending on kqueue `kqfd` (for EVFILT_READ on it), -1 if not ours. */
EKQ_HIDDEN int64_t ekq_kq_count_pending(int kqfd);
EKQ_HIDDEN int64_t ekq_kq_count_quick(int kqfd);
EKQ_HIDDEN void ekq_pending_add(struct ekq_kq *kq, struct ekq_knote *kn);
EKQ_HIDDEN void ekq_pending_remove(struct ekq_kq *kq, struct ekq_knote *kn);

#endif
