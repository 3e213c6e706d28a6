/*
 * epollkq: Linux's <sys/eventfd.h>.  Where the system has eventfd (FreeBSD
 * 13+, NetBSD 10+), this is its own header; elsewhere epollkq's emulation
 * on kqueue, with Linux's names, values and layout.  The functions resolve
 * to epollkq's prefixed symbols (ekq_eventfd, ...), apart from any host's.
 */
#ifndef _SYS_EVENTFD_H
#include <epollkq_fdtypes.h>
#if EPOLLKQ_NATIVE_EVENTFD
#include_next <sys/eventfd.h>
#else
#define _SYS_EVENTFD_H 1

#include <stdint.h>

typedef uint64_t eventfd_t;

#define EFD_SEMAPHORE 1
#define EFD_CLOEXEC EKQ_LINUX_O_CLOEXEC
#define EFD_NONBLOCK EKQ_LINUX_O_NONBLOCK

#if EKQ_FDT_RENAME
#define eventfd ekq_eventfd
#define eventfd_read ekq_eventfd_read
#define eventfd_write ekq_eventfd_write
#endif

#ifdef __cplusplus
extern "C" {
#endif

int eventfd(unsigned int initval, int flags) EKQ_FDT_SYM(eventfd);
int eventfd_read(int fd, eventfd_t *value) EKQ_FDT_SYM(eventfd_read);
int eventfd_write(int fd, eventfd_t value) EKQ_FDT_SYM(eventfd_write);

#ifdef __cplusplus
}
#endif

#endif /* EPOLLKQ_NATIVE_EVENTFD */
#endif /* _SYS_EVENTFD_H */
