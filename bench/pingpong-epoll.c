/*
 * ping-pong through epoll: one token goes round a ring of socketpairs;
 * each hop is an epoll_wait() that returns the one readable pair, a read
 * and a write into the next pair.  Level-triggered, as the classic
 * event-loop benchmark (libevent's bench.c) is.
 *
 * Compiled twice (see bench.h): against the system's <sys/epoll.h> and
 * against epollkq's.
 */
#include "config.h"

#include "bench.h"

#include <sys/epoll.h>

#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXEV 1024

struct pp {
	int epfd;
	struct pp_setup s;
};

static void
add(int epfd, int fd, uint32_t data)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u32 = data;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		err(1, "epoll_ctl ADD %d", fd);
}

static void *
pp_setup(const struct pp_setup *s)
{
	struct pp *p = calloc(1, sizeof *p);
	if (p == NULL)
		err(1, "calloc");
	p->s = *s;
	if ((p->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");
	for (int i = 0; i < s->nring; i++)
		add(p->epfd, s->rd[i], (uint32_t)i);
	for (int i = 0; i < s->nidle; i++)
		add(p->epfd, s->idle[i], UINT32_MAX);
	return p;
}

static void
pp_run(void *st, long hops)
{
	struct pp *p = st;
	struct epoll_event ev[MAXEV];
	int max = p->s.maxevents < MAXEV ? p->s.maxevents : MAXEV;
	char c = 'x';
	int at = 0;
	long done = 0;
	if (write(p->s.wr[0], &c, 1) != 1)
		err(1, "write");
	while (done < hops) {
		int n = epoll_wait(p->epfd, ev, max, -1);
		if (n == -1)
			err(1, "epoll_wait");
		for (int k = 0; k < n; k++) {
			int i = (int)ev[k].data.u32;
			if (i < 0 || i >= p->s.nring || read(p->s.rd[i], &c, 1) != 1)
				errx(1, "ping-pong: event for %d", i);
			at = (i + 1) % p->s.nring;
			if (write(p->s.wr[at], &c, 1) != 1)
				err(1, "write");
			done++;
		}
		bench_tally[BENCH_ID].waits++;
		bench_tally[BENCH_ID].events += n;
	}
	/* One token: exactly one event per hop, never two at once. */
	if (done != hops)
		errx(1, "ping-pong: %ld events for %ld hops", done, hops);
	/* Take the token out of the ring: the next run starts empty. */
	if (read(p->s.rd[at], &c, 1) != 1)
		err(1, "read");
}

static void
pp_teardown(void *st)
{
	struct pp *p = st;
	close(p->epfd);
	free(p);
}

const struct pp_ops BENCH_SYM(bench_pp_) = { pp_setup, pp_run, pp_teardown };
