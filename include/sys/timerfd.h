/*
 * epollkq: Linux's <sys/timerfd.h>.  Where the system has timerfd (FreeBSD
 * 14+, NetBSD 10+), this is its own header; elsewhere epollkq's emulation
 * on kqueue, with Linux's names, values and layout.
 *
 * Clocks a system lacks (CLOCK_BOOTTIME, the *_ALARM clocks) are given
 * values of epollkq's own, which only timerfd_create() understands.
 */
#ifndef _SYS_TIMERFD_H
#include <epollkq_fdtypes.h>
#if EPOLLKQ_NATIVE_TIMERFD
#include_next <sys/timerfd.h>
#else
#define _SYS_TIMERFD_H 1

#include <time.h>

#if defined(__GLIBC__) && !defined(__USE_POSIX199309)
/* Strict ISO mode hides struct itimerspec; glibc's timerfd.h needs it too. */
#include <bits/types/struct_itimerspec.h>
#endif

#ifndef CLOCK_BOOTTIME
#define CLOCK_BOOTTIME 0x656b7107
#endif
#ifndef CLOCK_REALTIME_ALARM
#define CLOCK_REALTIME_ALARM 0x656b7108
#endif
#ifndef CLOCK_BOOTTIME_ALARM
#define CLOCK_BOOTTIME_ALARM 0x656b7109
#endif

#define TFD_TIMER_ABSTIME (1 << 0)
#define TFD_TIMER_CANCEL_ON_SET (1 << 1)
#define TFD_CLOEXEC EKQ_LINUX_O_CLOEXEC
#define TFD_NONBLOCK EKQ_LINUX_O_NONBLOCK

#if EKQ_FDT_RENAME
#define timerfd_create ekq_timerfd_create
#define timerfd_settime ekq_timerfd_settime
#define timerfd_gettime ekq_timerfd_gettime
#endif

#ifdef __cplusplus
extern "C" {
#endif

int timerfd_create(int clockid, int flags) EKQ_FDT_SYM(timerfd_create);
int timerfd_settime(int fd, int flags, const struct itimerspec *new_value,
    struct itimerspec *old_value) EKQ_FDT_SYM(timerfd_settime);
int timerfd_gettime(int fd, struct itimerspec *curr_value)
    EKQ_FDT_SYM(timerfd_gettime);

#ifdef __cplusplus
}
#endif

#endif /* EPOLLKQ_NATIVE_TIMERFD */
#endif /* _SYS_TIMERFD_H */
