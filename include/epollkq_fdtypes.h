/*
 * epollkq: which of Linux's event descriptors this system has natively.
 * Written by configure.  1: <sys/eventfd.h> (or timerfd.h) defers to the
 * system's own header and functions; 0: epollkq emulates it on kqueue.
 */
#ifndef EPOLLKQ_FDTYPES_H
#define EPOLLKQ_FDTYPES_H 1

#define EPOLLKQ_NATIVE_EVENTFD 0
#define EPOLLKQ_NATIVE_TIMERFD 0

/* Linux's values for the creation flags, per architecture (they are
 * O_CLOEXEC and O_NONBLOCK there). */
#if defined(__sparc__) || defined(__sparc)
#define EKQ_LINUX_O_CLOEXEC 0x400000
#define EKQ_LINUX_O_NONBLOCK 0x4000
#elif defined(__alpha__)
#define EKQ_LINUX_O_CLOEXEC 010000000
#define EKQ_LINUX_O_NONBLOCK 04
#elif defined(__hppa__)
#define EKQ_LINUX_O_CLOEXEC 010000000
#define EKQ_LINUX_O_NONBLOCK 000200004
#elif defined(__mips__)
#define EKQ_LINUX_O_CLOEXEC 02000000
#define EKQ_LINUX_O_NONBLOCK 0200
#else
#define EKQ_LINUX_O_CLOEXEC 02000000
#define EKQ_LINUX_O_NONBLOCK 04000
#endif

#if defined(__GNUC__) || defined(__clang__)
#define EKQ_FDT_STR2(x) #x
#define EKQ_FDT_STR(x) EKQ_FDT_STR2(x)
#define EKQ_FDT_SYM(name) \
	__asm__(EKQ_FDT_STR(__USER_LABEL_PREFIX__) "ekq_" #name)
#define EKQ_FDT_RENAME 0
#else
#define EKQ_FDT_SYM(name)
#define EKQ_FDT_RENAME 1
#endif

#endif
