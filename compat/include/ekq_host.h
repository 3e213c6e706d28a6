/*
 * The questions lib/ asks of descriptors, answered as a BSD kernel answers
 * them, for builds over compat/'s kqueue.  On a BSD these are the kernel's
 * own fstat() and poll(); on Linux, the kernel would answer for a Linux
 * epoll descriptor and Linux's pipes, and lib/'s code for the BSDs would go
 * untested.  lib/sys.h sends its calls here when the kqueue is compat/'s.
 *
 * What each answers: a kqueue fstat()s as S_IFIFO with every other field
 * zero (kqueue_stat() in FreeBSD, macOS, NetBSD, OpenBSD and DragonFly);
 * the rest is the host's fstat(), poll() and kqueue(), changed where a
 * platform profile's EKQ_PROFILE_* facts say so (profiles/README).
 */
#ifndef EKQ_COMPAT_HOST_H
#define EKQ_COMPAT_HOST_H

#include <poll.h>
#include <sys/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

int ekq_host_fstat(int fd, struct stat *st)
    __attribute__((visibility("hidden")));
int ekq_host_poll(struct pollfd *fds, nfds_t nfds, int timeout)
    __attribute__((visibility("hidden")));
int ekq_host_kqueue(void) __attribute__((visibility("hidden")));

#ifdef __cplusplus
}
#endif

#endif
