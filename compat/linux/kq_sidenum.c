/*
 * The numbers a kqueue's side locations borrow (kq_fd.c, side_add()).
 *
 * A side registration is keyed on (file, borrowed number), and asking
 * whether a record is current means asking whether (the file now behind
 * its descriptor, that number) is registered.  If two records could share
 * a number, a dup2() that put one record's file under the other's
 * descriptor would make the first one's registration answer for the
 * second, which FreeBSD dropped with the file it closed (knote_fdclose(),
 * sys/kern/kern_event.c).  So within one kqueue each number keys the
 * side registrations of one record at most: LIVE while that record holds
 * it, FREE once its registration is known gone, RETIRED while one may
 * outlive the record (its descriptor was closed while a dup() keeps the
 * file, and the key, alive).  A RETIRED number is taken again only when
 * the kernel says nothing is keyed on it any more (kcmp(KCMP_EPOLL_TFD)
 * fails with ENOENT: Linux's kernel/kcmp.c, fs/eventpoll.c
 * get_epoll_tfile_raw_ptr()); where kcmp cannot tell, it is taken again,
 * and ekq_fd_valid()'s check of the file's identity is all that is left.
 *
 * Everything here is kq->lock's.
 */
#include "config.h"

#include "kq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_LINUX_KCMP_H
#include <linux/kcmp.h>
#endif

enum { SIDENUM_FREE = 0, SIDENUM_LIVE = 1, SIDENUM_RETIRED = 2 };

static uint8_t
state(const struct ekq_kq *kq, int num)
{
	return num >= 0 && num < kq->nsidenums ? kq->sidenums[num] :
	    SIDENUM_FREE;
}

/* Does the kernel say something is still keyed on `num` in the kqueue's
 * epoll?  False when it cannot tell (no kcmp): the number is taken. */
static bool
keyed(const struct ekq_kq *kq, int num)
{
#if defined(HAVE_LINUX_KCMP_H) && defined(SYS_kcmp)
	struct kcmp_epoll_slot slot = { .efd = (uint32_t)kq->epfd,
		.tfd = (uint32_t)num, .toff = 0 };
	pid_t pid = getpid();
	int saved = errno;
	long r = syscall(SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, kq->epfd,
	    (unsigned long)&slot);
	errno = saved;
	return r >= 0;
#else
	(void)kq;
	(void)num;
	return false;
#endif
}

bool
ekq_sidenum_usable(struct ekq_kq *kq, int num)
{
	switch (state(kq, num)) {
	case SIDENUM_FREE:
		return true;
	case SIDENUM_LIVE:
		return false;
	default:
		if (keyed(kq, num))
			return false;
		kq->sidenums[num] = SIDENUM_FREE;
		return true;
	}
}

int
ekq_sidenum_next(struct ekq_kq *kq, int from)
{
	int n = from == kq->sidenum_from && kq->sidenum_low > from ?
	    kq->sidenum_low : from;
	while (n < kq->nsidenums && kq->sidenums[n] == SIDENUM_LIVE)
		n++;
	kq->sidenum_from = from;
	kq->sidenum_low = n;
	return n;
}

int
ekq_sidenum_take(struct ekq_kq *kq, int num)
{
	if (num >= kq->nsidenums) {
		int n = kq->nsidenums ? kq->nsidenums : 64;
		while (n <= num)
			n *= 2;
		uint8_t *t = realloc(kq->sidenums, (size_t)n);
		if (t == NULL)
			return ENOMEM;
		memset(t + kq->nsidenums, SIDENUM_FREE,
		    (size_t)(n - kq->nsidenums));
		kq->sidenums = t;
		kq->nsidenums = n;
	}
	kq->sidenums[num] = SIDENUM_LIVE;
	return 0;
}

void
ekq_sidenum_release(struct ekq_kq *kq, int num, bool gone)
{
	if (num < 0 || num >= kq->nsidenums)
		return;
	kq->sidenums[num] = gone ? SIDENUM_FREE : SIDENUM_RETIRED;
	if (num < kq->sidenum_low)
		kq->sidenum_low = num > kq->sidenum_from ? num :
		    kq->sidenum_from;
}

void
ekq_sidenum_free_all(struct ekq_kq *kq)
{
	free(kq->sidenums);
	kq->sidenums = NULL;
	kq->nsidenums = 0;
	kq->sidenum_from = kq->sidenum_low = 0;
}
