/*
 * signalfd on kqueue (fdobj.h).  No BSD has signalfd.  The descriptor's
 * kqueue holds an EVFILT_SIGNAL knote per signal of the mask -- which
 * fires when the signal is sent, blocked or not (filt_signal; kqueue(2)) --
 * and an EVFILT_USER knote, triggered when a signal of the mask is pending
 * already.  A read takes signals from the pending set with sigtimedwait(),
 * as Linux's signalfd_dequeue() does; when none of the mask is left
 * pending, the kqueue's events are taken too, so that the descriptor is
 * readable exactly while a signal of its mask is pending.
 *
 * Linux's rules (fs/signalfd.c): SIGKILL and SIGSTOP are dropped from the
 * mask; a read needs room for one struct signalfd_siginfo (EINVAL) and
 * returns as many as fit and are pending; signalfd() on an existing one
 * replaces its mask (and ignores the flags).
 */
#include "config.h"

#include "ep.h"
#include "fdobj.h"
#include "sys.h"

#include <sys/signalfd.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#ifndef NSIG
#define NSIG 65
#endif

#define IDENT_PENDING 0

struct ekq_signalfd {
	struct ekq_fdobj obj;
	sigset_t mask;
};

static struct ekq_signalfd *
sfd_of(struct ekq_fdobj *obj)
{
	return (struct ekq_signalfd *)obj;
}

/* Is a signal of `mask` pending for this thread or the process? */
static bool
pending(const sigset_t *mask)
{
	sigset_t set;
	if (sigpending(&set) == -1)
		return false;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(mask, sig) == 1 && sigismember(&set, sig) == 1)
			return true;
	return false;
}

static uint32_t
sfd_bits(struct ekq_fdobj *obj, int fd)
{
	struct ekq_signalfd *sfd = sfd_of(obj);
	ekq_mutex_lock(&obj->lock);
	bool ready = pending(&sfd->mask);
	if (!ready)
		ekq_fdobj_drain(fd);
	ekq_mutex_unlock(&obj->lock);
	return ready ? EPOLLIN | EPOLLRDNORM : 0;
}

static void
fill(struct signalfd_siginfo *out, const siginfo_t *si)
{
	memset(out, 0, sizeof *out);
	out->ssi_signo = (uint32_t)si->si_signo;
	out->ssi_errno = si->si_errno;
	out->ssi_code = si->si_code;
	out->ssi_pid = (uint32_t)si->si_pid;
	out->ssi_uid = (uint32_t)si->si_uid;
	/* signalfd_copyinfo(): the value only for what carries one. */
	if (si->si_code == SI_QUEUE || si->si_code == SI_TIMER ||
	    si->si_code == SI_MESGQ) {
		out->ssi_int = si->si_value.sival_int;
		out->ssi_ptr = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
	}
	if (si->si_signo == SIGCHLD)
		out->ssi_status = si->si_status;
}

static ssize_t
sfd_read(struct ekq_fdobj *obj, int fd, void *buf, size_t n)
{
	struct ekq_signalfd *sfd = sfd_of(obj);
	size_t max = n / sizeof(struct signalfd_siginfo);
	if (max == 0) {
		errno = EINVAL;
		return -1;
	}
	struct timespec zero = { 0, 0 };
	size_t got = 0;
	siginfo_t si;
	ekq_mutex_lock(&obj->lock);
	sigset_t mask = sfd->mask;
	bool nonblock = obj->nonblock;
	while (got < max && sigtimedwait(&mask, &si, &zero) > 0) {
		struct signalfd_siginfo out;
		fill(&out, &si);
		memcpy((char *)buf + got * sizeof out, &out, sizeof out);
		got++;
	}
	if (got == 0 && nonblock) {
		ekq_mutex_unlock(&obj->lock);
		errno = EAGAIN;
		return -1;
	}
	if (got == 0) {
		ekq_mutex_unlock(&obj->lock);
		if (sigwaitinfo(&mask, &si) == -1)
			return -1; /* EINTR: a handler ran */
		struct signalfd_siginfo out;
		fill(&out, &si);
		memcpy(buf, &out, sizeof out);
		got = 1;
		ekq_mutex_lock(&obj->lock);
	}
	if (!pending(&sfd->mask))
		ekq_fdobj_drain(fd);
	ekq_mutex_unlock(&obj->lock);
	return (ssize_t)(got * sizeof(struct signalfd_siginfo));
}

static ssize_t
sfd_write(struct ekq_fdobj *obj, int fd, const void *buf, size_t n)
{
	(void)obj;
	(void)fd;
	(void)buf;
	(void)n;
	errno = EINVAL; /* signalfd_fops has no write */
	return -1;
}

static int set_knotes(int kq, const sigset_t *from, const sigset_t *to);
static void note_pending(int kq, const sigset_t *mask);

static int
sfd_rebuild(struct ekq_fdobj *obj, int kq)
{
	struct ekq_signalfd *sfd = sfd_of(obj);
	int err = ekq_fdobj_trigger(kq, IDENT_PENDING);
	if (err == ENOSYS)
		err = 0;
	if (err == 0)
		err = set_knotes(kq, NULL, &sfd->mask);
	if (err == 0)
		note_pending(kq, &sfd->mask);
	return err;
}

static void
sfd_detach(struct ekq_fdobj *obj, int kq)
{
	sigset_t none;
	sigemptyset(&none);
	(void)set_knotes(kq, &sfd_of(obj)->mask, &none);
}

static void
sfd_destroy(struct ekq_fdobj *obj)
{
	free(sfd_of(obj));
}

static const struct ekq_fdops ekq_signalfd_ops = {
	.read = sfd_read,
	.write = sfd_write,
	.bits = sfd_bits,
	.rebuild = sfd_rebuild,
	.detach = sfd_detach,
	.destroy = sfd_destroy,
};

/*
 * Move the kqueue's signal knotes from mask `from` to `to`.  On failure
 * the knotes added are taken back, and the errno returned.
 */
static int
set_knotes(int kq, const sigset_t *from, const sigset_t *to)
{
	struct kevent kev;
	for (int sig = 1; sig < NSIG; sig++) {
		bool was = from != NULL && sigismember(from, sig) == 1;
		bool will = sigismember(to, sig) == 1;
		if (was == will)
			continue;
		EV_SET(&kev, (uintptr_t)sig, EVFILT_SIGNAL,
		    will ? EV_ADD : EV_DELETE, 0, 0, NULL);
		if (kevent(kq, &kev, 1, NULL, 0, NULL) == -1 && will) {
			int err = errno;
			for (int s = 1; s < sig; s++) {
				bool w = from != NULL && sigismember(from, s) == 1;
				if (!w && sigismember(to, s) == 1) {
					EV_SET(&kev, (uintptr_t)s, EVFILT_SIGNAL,
					    EV_DELETE, 0, 0, NULL);
					(void)kevent(kq, &kev, 1, NULL, 0, NULL);
				}
			}
			return err;
		}
	}
	return 0;
}

/* After a new mask: readable at once if one of it is pending already. */
static void
note_pending(int kq, const sigset_t *mask)
{
	if (pending(mask))
		(void)ekq_fdobj_trigger(kq, IDENT_PENDING);
	else
		ekq_fdobj_drain(kq);
}

EKQ_EXPORT int
ekq_signalfd(int fd, const sigset_t *mask, int flags)
{
	bool cloexec, nonblock;
	if (!ekq_linux_flags(flags, 0, &cloexec, &nonblock)) {
		errno = EINVAL;
		return -1;
	}
	if (mask == NULL) {
		errno = EFAULT;
		return -1;
	}
	sigset_t want = *mask;
	sigdelset(&want, SIGKILL);
	sigdelset(&want, SIGSTOP);

	if (fd != -1) {
		struct ekq_fdobj *obj = ekq_fdobj_get(fd);
		if (obj == NULL || obj->type != EKQ_FDT_SIGNALFD) {
			if (obj != NULL)
				ekq_fdobj_put(obj);
			errno = fcntl(fd, F_GETFD) == -1 ? EBADF : EINVAL;
			return -1;
		}
		struct ekq_signalfd *sfd = sfd_of(obj);
		ekq_mutex_lock(&obj->lock);
		int err = set_knotes(fd, &sfd->mask, &want);
		if (err == 0) {
			sfd->mask = want;
			note_pending(fd, &want);
		}
		ekq_mutex_unlock(&obj->lock);
		ekq_fdobj_put(obj);
		if (err != 0) {
			errno = err;
			return -1;
		}
		return fd;
	}

	struct ekq_signalfd *sfd = ekq_calloc(1, sizeof *sfd);
	if (sfd == NULL) {
		errno = ENOMEM;
		return -1;
	}
	int err = ekq_fdobj_init(&sfd->obj, EKQ_FDT_SIGNALFD, &ekq_signalfd_ops,
	    nonblock);
	if (err != 0) {
		free(sfd);
		errno = err;
		return -1;
	}
	sfd->mask = want;
	int kq = ekq_fdobj_kqueue(cloexec);
	if (kq == -1) {
		err = errno;
		goto fail;
	}
	err = ekq_fdobj_trigger(kq, IDENT_PENDING);
	if (err == ENOSYS)
		err = 0; /* no EVFILT_USER: see README */
	if (err == 0)
		err = set_knotes(kq, NULL, &want);
	if (err == 0) {
		note_pending(kq, &want);
		err = ekq_fdobj_install(kq, &sfd->obj);
	}
	if (err != 0) {
		ekq_real_close(kq);
		goto fail;
	}
	return kq;
fail:
	pthread_mutex_destroy(&sfd->obj.lock);
	free(sfd);
	errno = err;
	return -1;
}
