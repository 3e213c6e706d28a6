/*
 * epollkq: Linux's <sys/epoll.h> for systems with kqueue.
 *
 * Layout and constant values are Linux's, per architecture, so that code
 * written for Linux compiles unchanged.  The functions resolve to epollkq's
 * prefixed symbols (ekq_epoll_*), which keeps them apart from a host's own
 * epoll: a program built with this header reaches epollkq, one built
 * without it reaches the host.
 *
 * The include guard is glibc's, so that this header and the host's never
 * both define the types.
 */
#ifndef _SYS_EPOLL_H
#define _SYS_EPOLL_H 1

#include <stdint.h>
#include <sys/types.h>
#include <signal.h>
#include <time.h>

#if defined(__GLIBC__) && !defined(__USE_POSIX)
/* Strict ISO mode hides these; glibc's own epoll.h reaches for them too. */
#include <bits/types/sigset_t.h>
#include <bits/types/struct_timespec.h>
#endif

/* Types as glibc gives them: int, unsigned for the high flags. */
#define EPOLLIN        0x001
#define EPOLLPRI       0x002
#define EPOLLOUT       0x004
#define EPOLLRDNORM    0x040
#define EPOLLRDBAND    0x080
#define EPOLLWRNORM    0x100
#define EPOLLWRBAND    0x200
#define EPOLLMSG       0x400
#define EPOLLERR       0x008
#define EPOLLHUP       0x010
#define EPOLLRDHUP     0x2000
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP    (1u << 29)
#define EPOLLONESHOT   (1u << 30)
#define EPOLLET        (1u << 31)

/* Linux's O_CLOEXEC, which differs on a few architectures. */
#if defined(__sparc__) || defined(__sparc)
#define EPOLL_CLOEXEC 0x400000
#elif defined(__alpha__) || defined(__hppa__)
#define EPOLL_CLOEXEC 010000000
#else
#define EPOLL_CLOEXEC 02000000
#endif

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

typedef union epoll_data {
	void *ptr;
	int fd;
	uint32_t u32;
	uint64_t u64;
} epoll_data_t;

/* Packed on x86-64 only, as Linux declares it (12 bytes there). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define EKQ_EPOLL_PACKED __attribute__((__packed__))
#else
#define EKQ_EPOLL_PACKED
#endif

struct epoll_event {
	uint32_t events;
	epoll_data_t data;
} EKQ_EPOLL_PACKED;

#if defined(__GNUC__) || defined(__clang__)
#define EKQ_EPOLL_STR2(x) #x
#define EKQ_EPOLL_STR(x) EKQ_EPOLL_STR2(x)
#define EKQ_EPOLL_SYM(name) \
	__asm__(EKQ_EPOLL_STR(__USER_LABEL_PREFIX__) "ekq_" #name)
#else
#define EKQ_EPOLL_SYM(name)
#define epoll_create ekq_epoll_create
#define epoll_create1 ekq_epoll_create1
#define epoll_ctl ekq_epoll_ctl
#define epoll_wait ekq_epoll_wait
#define epoll_pwait ekq_epoll_pwait
#define epoll_pwait2 ekq_epoll_pwait2
#endif

#ifdef __cplusplus
extern "C" {
#endif

int epoll_create(int size) EKQ_EPOLL_SYM(epoll_create);
int epoll_create1(int flags) EKQ_EPOLL_SYM(epoll_create1);
int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
    EKQ_EPOLL_SYM(epoll_ctl);
int epoll_wait(int epfd, struct epoll_event *events, int maxevents,
    int timeout) EKQ_EPOLL_SYM(epoll_wait);
int epoll_pwait(int epfd, struct epoll_event *events, int maxevents,
    int timeout, const sigset_t *sigmask) EKQ_EPOLL_SYM(epoll_pwait);
int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
    const struct timespec *timeout, const sigset_t *sigmask)
    EKQ_EPOLL_SYM(epoll_pwait2);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_EPOLL_H */
