/*
 * Hosts without an epoll of their own also get the plain epoll_* names,
 * for programs that do not include our header (FFI, dlsym).  On a host
 * with its own epoll they would shadow libc's, so there they are absent.
 */
#include "config.h"

#include "ep.h"

#ifndef EKQ_HOST_HAS_EPOLL
EKQ_EXPORT int ekq_plain_epoll_create(int size) __asm__("epoll_create");
EKQ_EXPORT int ekq_plain_epoll_create1(int flags) __asm__("epoll_create1");
EKQ_EXPORT int ekq_plain_epoll_ctl(int epfd, int op, int fd,
    struct epoll_event *event) __asm__("epoll_ctl");
EKQ_EXPORT int ekq_plain_epoll_wait(int epfd, struct epoll_event *events,
    int maxevents, int timeout) __asm__("epoll_wait");
EKQ_EXPORT int ekq_plain_epoll_pwait(int epfd, struct epoll_event *events,
    int maxevents, int timeout, const sigset_t *sigmask)
    __asm__("epoll_pwait");
EKQ_EXPORT int ekq_plain_epoll_pwait2(int epfd, struct epoll_event *events,
    int maxevents, const struct timespec *timeout, const sigset_t *sigmask)
    __asm__("epoll_pwait2");

int ekq_plain_epoll_create(int size) { return epoll_create(size); }
int ekq_plain_epoll_create1(int flags) { return epoll_create1(flags); }
int ekq_plain_epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{ return epoll_ctl(epfd, op, fd, event); }
int ekq_plain_epoll_wait(int epfd, struct epoll_event *events, int maxevents,
    int timeout)
{ return epoll_wait(epfd, events, maxevents, timeout); }
int ekq_plain_epoll_pwait(int epfd, struct epoll_event *events, int maxevents,
    int timeout, const sigset_t *sigmask)
{ return epoll_pwait(epfd, events, maxevents, timeout, sigmask); }
int ekq_plain_epoll_pwait2(int epfd, struct epoll_event *events,
    int maxevents, const struct timespec *timeout, const sigset_t *sigmask)
{ return epoll_pwait2(epfd, events, maxevents, timeout, sigmask); }
#else
/* ISO C wants a translation unit to declare something. */
typedef int ekq_export_unused;
#endif
