/*
 * <sys/event.h> for hosts without kqueue: compat/'s kqueue, built on Linux
 * epoll.  struct kevent has FreeBSD 12's layout and every constant has
 * FreeBSD's value, so code written for FreeBSD compiles unchanged.
 *
 * Only what compat/ implements is defined: EVFILT_READ, EVFILT_WRITE,
 * EVFILT_SIGNAL, EVFILT_TIMER, EVFILT_USER and EVFILT_EXCEPT.  Code that probes for a filter with #ifdef
 * (as configure does) sees exactly what works.
 */
#ifndef EKQ_COMPAT_SYS_EVENT_H
#define EKQ_COMPAT_SYS_EVENT_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#define EVFILT_READ     (-1)
#define EVFILT_WRITE    (-2)
#define EVFILT_SIGNAL   (-6)
#define EVFILT_TIMER    (-7)
#define EVFILT_USER     (-11)
/*
 * FreeBSD has no EVFILT_EXCEPT; macOS, OpenBSD and DragonFly do, each with
 * its own number.  This one lies outside FreeBSD's range so that it can
 * never be mistaken for a FreeBSD filter.
 */
#define EVFILT_EXCEPT   (-20)
#define EVFILT_SYSCOUNT 13

/* actions */
#define EV_ADD          0x0001
#define EV_DELETE       0x0002
#define EV_ENABLE       0x0004
#define EV_DISABLE      0x0008

/* flags */
#define EV_ONESHOT      0x0010
#define EV_CLEAR        0x0020
#define EV_RECEIPT      0x0040
#define EV_DISPATCH     0x0080

#define EV_SYSFLAGS     0xF000
#define EV_DROP         0x1000
#define EV_FLAG1        0x2000
#define EV_FLAG2        0x4000

/* returned values */
#define EV_EOF          0x8000
#define EV_ERROR        0x4000

/* EVFILT_USER: fflags control and user-defined bits */
#define NOTE_FFNOP      0x00000000
#define NOTE_FFAND      0x40000000
#define NOTE_FFOR       0x80000000
#define NOTE_FFCOPY     0xc0000000
#define NOTE_FFCTRLMASK 0xc0000000
#define NOTE_FFLAGSMASK 0x00ffffff
#define NOTE_TRIGGER    0x01000000

/* EVFILT_READ / EVFILT_WRITE */
#define NOTE_LOWAT      0x0001

/* EVFILT_TIMER: the unit of data (none: milliseconds), absolute time */
#define NOTE_SECONDS    0x00000001
#define NOTE_MSECONDS   0x00000002
#define NOTE_USECONDS   0x00000004
#define NOTE_NSECONDS   0x00000008
#define NOTE_ABSTIME    0x00000010

/* EVFILT_EXCEPT (the value macOS and DragonFly use) */
#define NOTE_OOB        0x0002

struct kevent {
	uintptr_t ident;      /* identifier for this event */
	short filter;         /* filter for event */
	unsigned short flags; /* action flags for kqueue */
	unsigned int fflags;  /* filter flag value */
	int64_t data;         /* filter data value */
	void *udata;          /* opaque user data identifier */
	uint64_t ext[4];      /* extensions */
};

#define EV_SET(kevp_, a, b, c, d, e, f) do {            \
	struct kevent *ekq_kevp_ = (kevp_);             \
	ekq_kevp_->ident = (a);                         \
	ekq_kevp_->filter = (short)(b);                 \
	ekq_kevp_->flags = (unsigned short)(c);         \
	ekq_kevp_->fflags = (unsigned int)(d);          \
	ekq_kevp_->data = (e);                          \
	ekq_kevp_->udata = (f);                         \
	ekq_kevp_->ext[0] = 0;                          \
	ekq_kevp_->ext[1] = 0;                          \
	ekq_kevp_->ext[2] = 0;                          \
	ekq_kevp_->ext[3] = 0;                          \
} while (0)

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The symbols are prefixed so that a program may also link a kqueue library
 * of its own (libkqueue, say) without a clash.
 */
int kqueue(void) __asm__("ekq_kqueue");
int kqueue1(int flags) __asm__("ekq_kqueue1");
int kevent(int kq, const struct kevent *changelist, int nchanges,
    struct kevent *eventlist, int nevents, const struct timespec *timeout)
    __asm__("ekq_kevent");

#ifdef __cplusplus
}
#endif

#endif /* EKQ_COMPAT_SYS_EVENT_H */
