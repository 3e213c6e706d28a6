/*
 * lib/: Linux epoll on kqueue.  Internal interfaces.
 *
 * An epoll instance is a kqueue; its descriptor is the kqueue's.  Each
 * registered descriptor has one registration (struct ekq_reg) and up to
 * three knotes: EVFILT_READ for EPOLLIN/EPOLLRDHUP, EVFILT_WRITE for
 * EPOLLOUT, EVFILT_EXCEPT (NOTE_OOB) for EPOLLPRI, plus a "hidden" knote
 * where none of those would see the EPOLLHUP/EPOLLERR that Linux always
 * reports.  EPOLLET sets EV_CLEAR on every knote of the descriptor;
 * EPOLLONESHOT sets EV_DISPATCH on every knote, and the first event
 * delivered disarms the whole registration (EKQ_REG_DISARMED) until
 * EPOLL_CTL_MOD.  A knote's udata carries the registration's generation,
 * so an event from a registration that has since been replaced is ignored.
 *
 * Invariants:
 *  - ep->lock protects the instance's table and registrations; it is never
 *    held while blocked in kevent().  A zero-timeout kevent() that takes
 *    events is made with it held, so no event is ever out of the kqueue
 *    and on no list while another thread could look; a blocking one takes
 *    no more events than its epoll_wait() can return.
 *  - Lock order: an outer instance's ep->lock may be held while an inner
 *    one's is taken (ekq_ep_poll(), from a pass over the outer), never the
 *    reverse (EPOLL_CTL_ADD refuses cycles).  The table lock may be taken
 *    with an ep->lock held, never the reverse; the beacon lock (signal.c)
 *    may be taken with either held, and is the leaf.
 *  - The kqueue holds exactly the knotes recorded in reg->knotes, unless
 *    the descriptor was closed: then the kernel dropped them and the
 *    registration is stale; stale registrations are found when they are
 *    touched (an EV_RECEIPT probe answers ENOENT) and then forgotten.
 *  - Events the kqueue delivered but epoll_wait() could not return yet wait
 *    on the held list (ep->held_head), to be read again with poll() when
 *    their turn comes; while it is not empty the instance's signal
 *    (signal.c) is on, so the descriptor polls readable and other waiters
 *    wake.  The descriptor of a held registration may have been closed
 *    meanwhile: reg->ident (its device and inode) tells, as far as the
 *    host's fstat() can (NetBSD gives every pipe device 0, inode 0).
 */
#ifndef EKQ_LIB_EP_H
#define EKQ_LIB_EP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <sys/event.h>
#include <sys/epoll.h>

#define EKQ_HIDDEN __attribute__((visibility("hidden")))
#define EKQ_EXPORT __attribute__((visibility("default")))

/* What a registered descriptor is: decides its knotes and its bits. */
enum ekq_kind {
	EKQ_FD_OTHER,     /* anything else the kqueue accepts */
	EKQ_FD_PIPE_R,    /* pipe or FIFO, read end */
	EKQ_FD_PIPE_W,    /* pipe or FIFO, write end */
	EKQ_FD_PIPE_RW,   /* FIFO open for reading and writing */
	EKQ_FD_TCP,       /* TCP socket */
	EKQ_FD_STREAM,    /* unix stream or seqpacket socket */
	EKQ_FD_DGRAM,     /* datagram sockets (unix, UDP, ...) */
	EKQ_FD_TTY,       /* terminal */
	EKQ_FD_EPOLL,     /* another epollkq instance */
	EKQ_FD_EVENTFD,   /* our eventfd (fdobj.h): told by pokes */
	EKQ_FD_EMUL       /* our timerfd or signalfd: by its kqueue */
};

static inline bool
ekq_kind_object(uint8_t kind)
{
	return kind == EKQ_FD_EVENTFD || kind == EKQ_FD_EMUL;
}

static inline bool
ekq_kind_socket(uint8_t kind)
{
	return kind == EKQ_FD_TCP || kind == EKQ_FD_STREAM || kind == EKQ_FD_DGRAM;
}

/* Knote bits of a registration.  reg->hidden holds the hidden knotes in
 * its low bits and the muted ones (see ekq_knotes_mute) shifted up. */
#define EKQ_KN_READ    0x01
#define EKQ_KN_WRITE   0x02
#define EKQ_KN_EXCEPT  0x04
#define EKQ_MUTED_SHIFT 4

/* Registration state bits. */
#define EKQ_REG_DISARMED 0x01 /* EPOLLONESHOT delivered; wait for MOD */
#define EKQ_REG_HELD     0x02 /* on ep->held with bits in `held` */
#define EKQ_REG_USED     0x04 /* the slot holds a registration */
#define EKQ_REG_STICKY   0x08 /* level HUP/ERR seen through a hidden knote */
#define EKQ_REG_TAIL     0x10 /* reported; knotes of it left in the queue */
#define EKQ_REG_SEEN_SHIFT 5  /* knotes seen in pass `stamp`, << this */

struct ekq_reg {                /* 40 bytes */
	uint64_t data;          /* the caller's epoll_data */
	uint32_t events;        /* the caller's mask, flags included */
	uint32_t gen;           /* matches the knotes' udata */
	uint32_t ident;         /* a hash of the file's device and inode */
	int32_t next_held;      /* next descriptor on ep->held, or -1 */
	uint32_t stamp;         /* collect pass that last gave it an event */
	uint32_t outidx;        /* its slot in that pass's output */
	uint8_t kind;           /* enum ekq_kind */
	uint8_t knotes;         /* EKQ_KN_* present in the kqueue */
	uint8_t hidden;         /* EKQ_KN_* only there for HUP/ERR; muted << 4 */
	uint8_t state;          /* EKQ_REG_* */
	uint8_t seen;           /* EKQ_SEEN_*: what its knotes have told */
};

/* What a registration's knotes have told that poll() may not tell again. */
#define EKQ_SEEN_RDEOF 0x01 /* EV_EOF on a socket's read knote: read side
			     * shut for good (EPOLLRDHUP where the host's
			     * poll() has no POLLRDHUP) */
#define EKQ_SEEN_LISTENER 0x02 /* a listening socket at ADD or MOD */
#define EKQ_SEEN_CONNECTED 0x04 /* a connection-mode socket seen connected */
#define EKQ_SEEN_KNOWN 0x08 /* a slot not in use that still holds the kind
			     * and ident of the file DEL took out (ctl.c) */
/* Where poll() never says POLLHUP/POLLERR of sockets and FIFOs (no
 * HAVE_POLL_SOCKET_HUP), what their knotes last said instead (bits.c): */
#define EKQ_SEEN_WREOF 0x10 /* EV_EOF on a socket's write knote: send side
			     * shut for good */
#define EKQ_SEEN_ERR 0x20   /* EV_EOF came with a socket error */
#define EKQ_SEEN_PIPE_EOF 0x40 /* a FIFO's or pipe's peer is gone */

/* An instance registered in another: its number, and which instance it
 * was (the number may have been closed and given to another since). */
struct ekq_nested {
	int fd;
	uint64_t serial;
};

/* Registrations by descriptor number, in pages so sparse tables stay small. */
#define EKQ_PAGE_SHIFT 9
#define EKQ_PAGE_SIZE (1 << EKQ_PAGE_SHIFT)

struct ekq_ep {
	pthread_mutex_t lock;
	int epfd;               /* the kqueue descriptor */
	uint32_t next_gen;
	uint32_t pass;          /* collect passes, for merging per descriptor */
	uint32_t out_pass;      /* the last pass that returned events */
	bool nested_in;         /* once registered in another instance */
	bool edge_outer;        /* once registered there with EPOLLET
				 * (wait.c, batch_size()) */
	size_t nregs;
	struct ekq_reg **pages; /* pages[fd >> EKQ_PAGE_SHIFT][fd & mask] */
	int npages;
	int held_head, held_tail; /* descriptors with held events, or -1 */
	bool user_triggered;    /* the instance's held-events signal is on */
	int beacon_fd;          /* the beacon its signal knote is on, or -1
				 * (signal.c; hosts without EVFILT_USER) */
	bool cloexec;           /* created with EPOLL_CLOEXEC */
	struct ekq_nested *nested; /* epoll descriptors registered in this one */
	int nnested, capnested;
	uint64_t serial;        /* tells this instance from a later one */
	unsigned refs;          /* calls in flight + the table's reference */
	bool broken;            /* could not be rebuilt after fork() */
	bool fork_live;         /* fork(): its number holds a kqueue of ours
				 * (the parent's at fork(), the child's new) */
};

/* The EVFILT_USER ident that marks held events (and names the instance). */
#define EKQ_USER_IDENT ((uintptr_t)0x65706b71) /* "epkq" */

/* instance.c */
EKQ_HIDDEN struct ekq_ep *ekq_ep_get(int epfd);
EKQ_HIDDEN void ekq_ep_put(struct ekq_ep *ep);
EKQ_HIDDEN void ekq_ep_forget(int epfd, struct ekq_ep *ep);
EKQ_HIDDEN bool ekq_is_instance(int fd);
EKQ_HIDDEN int ekq_instance_check(int fd);
EKQ_HIDDEN struct ekq_ep *ekq_ep_peek_locked(int fd);
EKQ_HIDDEN void ekq_table_lock(void);
EKQ_HIDDEN void ekq_table_unlock(void);
EKQ_HIDDEN int ekq_new_kqueue(bool cloexec);
EKQ_HIDDEN int ekq_set_cloexec(int fd, bool on);
EKQ_HIDDEN int ekq_ep_alive(int fd);
EKQ_HIDDEN void ekq_table_drop_locked(int fd);
EKQ_HIDDEN void ekq_each_instance_locked(
    void (*fn)(int epfd, struct ekq_ep *ep, void *arg), void *arg);

/* signal.c: the held-events signal */
EKQ_HIDDEN int ekq_signal_init(struct ekq_ep *ep);
EKQ_HIDDEN int ekq_signal_register(struct ekq_ep *ep);
EKQ_HIDDEN void ekq_signal_release(struct ekq_ep *ep);
EKQ_HIDDEN void ekq_ep_set_user(struct ekq_ep *ep, bool on);
EKQ_HIDDEN bool ekq_is_signal(const struct ekq_ep *ep, const struct kevent *kev);
EKQ_HIDDEN void ekq_signal_fork_child(void);
EKQ_HIDDEN void ekq_signal_fork_done(void);

/* reg.c: the registration table */
EKQ_HIDDEN struct ekq_reg *ekq_reg_find(struct ekq_ep *ep, int fd);
EKQ_HIDDEN struct ekq_reg *ekq_reg_slot(struct ekq_ep *ep, int fd);
EKQ_HIDDEN void ekq_reg_release(struct ekq_ep *ep, int fd, struct ekq_reg *reg);
EKQ_HIDDEN void ekq_reg_free_all(struct ekq_ep *ep);
EKQ_HIDDEN void ekq_held_push(struct ekq_ep *ep, int fd, struct ekq_reg *reg);
EKQ_HIDDEN void ekq_held_unlink(struct ekq_ep *ep, int fd, struct ekq_reg *reg);

/* knotes.c: a registration's knotes */
EKQ_HIDDEN int ekq_knotes_apply(struct ekq_ep *ep, int fd, struct ekq_reg *reg,
    uint8_t want, uint8_t hidden, uint32_t events, bool disarmed, bool probe,
    uint32_t gen);
EKQ_HIDDEN int ekq_knotes_probe(struct ekq_ep *ep, int fd,
    const struct ekq_reg *reg);
EKQ_HIDDEN int ekq_knotes_delete(struct ekq_ep *ep, int fd,
    const struct ekq_reg *reg);
EKQ_HIDDEN void ekq_knotes_disable(int fd, const struct ekq_reg *reg,
    struct kevent *ch, int *n);
EKQ_HIDDEN void ekq_knotes_plan(uint8_t kind, uint32_t events, uint8_t *want,
    uint8_t *hidden);
EKQ_HIDDEN void ekq_knotes_touch(int fd, const struct ekq_reg *reg,
    uint8_t bit, struct kevent *ch, int *n);
EKQ_HIDDEN void ekq_knotes_rearm(int fd, const struct ekq_reg *reg,
    struct kevent *ch, int *n);
EKQ_HIDDEN void ekq_knotes_mute(int fd, struct ekq_reg *reg, uint8_t bit,
    bool mute, struct kevent *ch, int *n);
EKQ_HIDDEN int ekq_kevent_change(int kq, struct kevent *changes, int n);

/* kind.c */
EKQ_HIDDEN int ekq_fd_kind(int fd, uint8_t *kind, uint32_t *ident);
EKQ_HIDDEN bool ekq_fd_same(int fd, uint32_t ident);
/* The identity of a file whose fstat() gives st_dev and st_ino 0: it
 * cannot tell one such file from another. */
#define EKQ_IDENT_NONE 0u
EKQ_HIDDEN bool ekq_fd_listening(int fd);

/* bits.c: what Linux would report */
EKQ_HIDDEN uint32_t ekq_linux_bits(int fd, const struct ekq_reg *reg);
EKQ_HIDDEN uint32_t ekq_fast_bits(uint8_t kind, short filter);
EKQ_HIDDEN void ekq_note_kevent(struct ekq_reg *reg, const struct kevent *kev);
EKQ_HIDDEN void ekq_note_rearmed(struct ekq_reg *reg);

/* wait.c */
EKQ_HIDDEN uint32_t ekq_ep_poll(int epfd);

/* nest.c */
EKQ_HIDDEN int ekq_nest_check(struct ekq_ep *ep, int inner_fd);
EKQ_HIDDEN int ekq_nest_add(struct ekq_ep *ep, int inner_fd);
EKQ_HIDDEN void ekq_nest_remove(struct ekq_ep *ep, int inner_fd);
EKQ_HIDDEN void ekq_nest_mark(int inner_fd, bool edge);

/* fork.c */
EKQ_HIDDEN void ekq_fork_init(void);

#endif
