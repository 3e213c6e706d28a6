/*
 * lib/'s allocations and system calls, through one door:
 *  - a test build (--enable-fault-injection) makes the Nth allocation,
 *    kqueue(), kevent(), fcntl(), dup2() or pipe() fail, to check that the
 *    epoll call fails cleanly;
 *  - over compat/'s kqueue, fstat() and poll() are answered as a BSD kernel
 *    answers them (<ekq_host.h>), so that lib/'s code for a real kqueue is
 *    what runs on Linux too.
 */
#ifndef EKQ_LIB_SYS_H
#define EKQ_LIB_SYS_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include <poll.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/event.h>

#ifdef EKQ_COMPAT_KQUEUE
#include <ekq_host.h>
#define EKQ_HOST_FSTAT ekq_host_fstat
#define EKQ_HOST_POLL ekq_host_poll
#define EKQ_HOST_KQUEUE ekq_host_kqueue
#else
#define EKQ_HOST_FSTAT fstat
#define EKQ_HOST_POLL poll
#define EKQ_HOST_KQUEUE kqueue
#endif

#ifdef EKQ_FAULT_INJECTION
__attribute__((visibility("hidden"))) bool ekq_fault_hit(int err);
#define EKQ_FAULT(err) ekq_fault_hit(err)
#else
#define EKQ_FAULT(err) false
#endif

static inline void *
ekq_calloc(size_t n, size_t size)
{
	return EKQ_FAULT(ENOMEM) ? NULL : calloc(n, size);
}

static inline void *
ekq_malloc(size_t size)
{
	return EKQ_FAULT(ENOMEM) ? NULL : malloc(size);
}

static inline void *
ekq_realloc(void *p, size_t size)
{
	return EKQ_FAULT(ENOMEM) ? NULL : realloc(p, size);
}

static inline int
ekq_sys_kevent(int kq, const struct kevent *changes, int nchanges,
    struct kevent *events, int nevents, const struct timespec *timeout)
{
	if (EKQ_FAULT(ENOMEM))
		return -1;
	return kevent(kq, changes, nchanges, events, nevents, timeout);
}

static inline int
ekq_sys_kqueue(bool cloexec)
{
	if (EKQ_FAULT(EMFILE))
		return -1;
#ifdef HAVE_KQUEUE1
	return kqueue1(cloexec ? O_CLOEXEC : 0);
#else
	(void)cloexec;
	return EKQ_HOST_KQUEUE();
#endif
}

/* fcntl() with an int argument (F_GETFD, F_SETFD, F_GETFL, F_SETFL). */
static inline int
ekq_sys_fcntl(int fd, int cmd, int arg)
{
	if (EKQ_FAULT(EBADF))
		return -1;
	return fcntl(fd, cmd, arg);
}

static inline int
ekq_sys_dup2(int from, int to)
{
	if (EKQ_FAULT(EMFILE))
		return -1;
	return dup2(from, to);
}

static inline int
ekq_sys_pipe(int fds[2])
{
	if (EKQ_FAULT(EMFILE))
		return -1;
	return pipe(fds);
}

static inline int
ekq_sys_fstat(int fd, struct stat *st)
{
	return EKQ_HOST_FSTAT(fd, st);
}

static inline int
ekq_sys_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	return EKQ_HOST_POLL(fds, nfds, timeout);
}

#endif
