/*
 * burst with kevent(): the job of bench/burst-epoll.c on a kqueue -- an
 * EVFILT_READ knote per descriptor (EV_CLEAR for the edge-triggered runs),
 * registered as one changelist, and a bare kevent() per wait.
 */
#include "config.h"

#include "bench.h"

#include <sys/types.h>
#include <sys/event.h>

#include <err.h>
#include <stdlib.h>
#include <unistd.h>

struct burst {
	int kq;
	struct burst_setup s;
	struct kevent *ev;
};

static void *
burst_setup(const struct burst_setup *s)
{
	struct burst *b = calloc(1, sizeof *b);
	struct kevent *ch = calloc((size_t)s->n, sizeof *ch);
	if (b == NULL || ch == NULL ||
	    (b->ev = calloc((size_t)s->maxevents, sizeof *b->ev)) == NULL)
		err(1, "calloc");
	b->s = *s;
	if ((b->kq = kqueue()) == -1)
		err(1, "kqueue");
	for (int i = 0; i < s->n; i++)
		EV_SET(&ch[i], s->fds[i], EVFILT_READ,
		    EV_ADD | (s->edge ? EV_CLEAR : 0), 0, 0, (void *)(intptr_t)i);
	if (kevent(b->kq, ch, s->n, NULL, 0, NULL) == -1)
		err(1, "kevent EV_ADD");
	free(ch);
	return b;
}

static double
burst_drain(void *st)
{
	struct burst *b = st;
	double waited = 0;
	char c;
	int seen = 0;
	while (seen < b->s.n) {
		double t0 = bench_now_ns();
		int n = kevent(b->kq, NULL, 0, b->ev, b->s.maxevents, NULL);
		waited += bench_now_ns() - t0;
		if (n == -1)
			err(1, "kevent");
		for (int k = 0; k < n; k++) {
			intptr_t i = (intptr_t)b->ev[k].udata;
			if (i < 0 || i >= b->s.n || read(b->s.fds[i], &c, 1) != 1)
				errx(1, "burst: bad event for %ld", (long)i);
		}
		seen += n;
		bench_tally[WAY_KQ].waits++;
		bench_tally[WAY_KQ].events += n;
	}
	/* Each read above took one byte: every descriptor came exactly once. */
	if (seen != b->s.n)
		errx(1, "burst: %d events for %d descriptors", seen, b->s.n);
	return waited;
}

static void
burst_teardown(void *st)
{
	struct burst *b = st;
	close(b->kq);
	free(b->ev);
	free(b);
}

const struct burst_ops bench_burst_kq = {
	burst_setup, burst_drain, burst_teardown
};
