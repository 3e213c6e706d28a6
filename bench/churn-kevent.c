/*
 * churn with kevent(): the changes bench/churn-epoll.c makes, as a careful
 * programmer would make them on a kqueue, one kevent() per epoll_ctl() (an
 * epoll_ctl() takes effect and reports its error at once; batching into
 * the next wait would be another job): ADD is an EVFILT_READ knote, MOD
 * adds the EVFILT_WRITE knote, DEL deletes both in one changelist.
 */
#include "config.h"

#include "bench.h"

#include <sys/types.h>
#include <sys/event.h>

#include <err.h>
#include <stdlib.h>
#include <unistd.h>

void churn_add_kq(void *st, const int *fds, int n);
void churn_mod_kq(void *st, const int *fds, int n);
void churn_del_kq(void *st, const int *fds, int n);

static void *
churn_open(void)
{
	int *kq = malloc(sizeof *kq);
	if (kq == NULL)
		err(1, "malloc");
	if ((*kq = kqueue()) == -1)
		err(1, "kqueue");
	return kq;
}

__attribute__((noinline)) void
churn_add_kq(void *st, const int *fds, int n)
{
	bench_tally[WAY_KQ].adds += n;
	for (int i = 0; i < n; i++) {
		struct kevent ch;
		EV_SET(&ch, fds[i], EVFILT_READ, EV_ADD, 0, 0,
		    (void *)(intptr_t)fds[i]);
		if (kevent(*(int *)st, &ch, 1, NULL, 0, NULL) == -1)
			err(1, "kevent EV_ADD %d", fds[i]);
	}
}

__attribute__((noinline)) void
churn_mod_kq(void *st, const int *fds, int n)
{
	bench_tally[WAY_KQ].mods += n;
	for (int i = 0; i < n; i++) {
		struct kevent ch;
		EV_SET(&ch, fds[i], EVFILT_WRITE, EV_ADD, 0, 0,
		    (void *)(intptr_t)fds[i]);
		if (kevent(*(int *)st, &ch, 1, NULL, 0, NULL) == -1)
			err(1, "kevent EV_ADD write %d", fds[i]);
	}
}

__attribute__((noinline)) void
churn_del_kq(void *st, const int *fds, int n)
{
	bench_tally[WAY_KQ].dels += n;
	for (int i = 0; i < n; i++) {
		struct kevent ch[2];
		EV_SET(&ch[0], fds[i], EVFILT_READ, EV_DELETE, 0, 0, NULL);
		EV_SET(&ch[1], fds[i], EVFILT_WRITE, EV_DELETE, 0, 0, NULL);
		if (kevent(*(int *)st, ch, 2, NULL, 0, NULL) == -1)
			err(1, "kevent EV_DELETE %d", fds[i]);
	}
}

static void
churn_close(void *st)
{
	close(*(int *)st);
	free(st);
}

const struct churn_ops bench_churn_kq = {
	churn_open, churn_add_kq, churn_mod_kq, churn_del_kq, churn_close
};
