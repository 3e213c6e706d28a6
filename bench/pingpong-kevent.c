/*
 * ping-pong with kevent(): what a careful programmer would write against
 * kqueue for the job bench/pingpong-epoll.c does -- one level-triggered
 * EVFILT_READ knote per ring pair, its index in udata, the registrations
 * sent as one changelist, and a bare kevent() per wait.
 */
#include "config.h"

#include "bench.h"

#include <sys/types.h>
#include <sys/event.h>

#include <err.h>
#include <stdlib.h>
#include <unistd.h>

#define MAXEV 1024

struct pp {
	int kq;
	struct pp_setup s;
};

static void *
pp_setup(const struct pp_setup *s)
{
	struct pp *p = calloc(1, sizeof *p);
	int n = s->nring + s->nidle;
	struct kevent *ch = calloc((size_t)n + 1, sizeof *ch);
	if (p == NULL || ch == NULL)
		err(1, "calloc");
	p->s = *s;
	if ((p->kq = kqueue()) == -1)
		err(1, "kqueue");
	for (int i = 0; i < s->nring; i++)
		EV_SET(&ch[i], s->rd[i], EVFILT_READ, EV_ADD, 0, 0,
		    (void *)(intptr_t)i);
	for (int i = 0; i < s->nidle; i++)
		EV_SET(&ch[s->nring + i], s->idle[i], EVFILT_READ, EV_ADD, 0, 0,
		    (void *)(intptr_t)-1);
	if (kevent(p->kq, ch, n, NULL, 0, NULL) == -1)
		err(1, "kevent EV_ADD");
	free(ch);
	return p;
}

static void
pp_run(void *st, long hops)
{
	struct pp *p = st;
	struct kevent ev[MAXEV];
	int max = p->s.maxevents < MAXEV ? p->s.maxevents : MAXEV;
	char c = 'x';
	int at = 0;
	long done = 0;
	if (write(p->s.wr[0], &c, 1) != 1)
		err(1, "write");
	while (done < hops) {
		int n = kevent(p->kq, NULL, 0, ev, max, NULL);
		if (n == -1)
			err(1, "kevent");
		for (int k = 0; k < n; k++) {
			int i = (int)(intptr_t)ev[k].udata;
			if (i < 0 || i >= p->s.nring || read(p->s.rd[i], &c, 1) != 1)
				errx(1, "ping-pong: event for %d", i);
			at = (i + 1) % p->s.nring;
			if (write(p->s.wr[at], &c, 1) != 1)
				err(1, "write");
			done++;
		}
		bench_tally[WAY_KQ].waits++;
		bench_tally[WAY_KQ].events += n;
	}
	/* One token: exactly one event per hop, never two at once. */
	if (done != hops)
		errx(1, "ping-pong: %ld events for %ld hops", done, hops);
	if (read(p->s.rd[at], &c, 1) != 1)
		err(1, "read");
}

static void
pp_teardown(void *st)
{
	struct pp *p = st;
	close(p->kq);
	free(p);
}

const struct pp_ops bench_pp_kq = { pp_setup, pp_run, pp_teardown };
