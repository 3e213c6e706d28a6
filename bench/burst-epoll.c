/*
 * burst through epoll: every registered descriptor has one byte waiting;
 * epoll_wait() with maxevents 64 or 1,024 until each has been returned
 * once, its byte read as it comes.  Level-triggered, or EPOLLET.
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

struct burst {
	int epfd;
	struct burst_setup s;
	struct epoll_event *ev;
};

static void *
burst_setup(const struct burst_setup *s)
{
	struct burst *b = calloc(1, sizeof *b);
	if (b == NULL || (b->ev = calloc((size_t)s->maxevents,
	    sizeof *b->ev)) == NULL)
		err(1, "calloc");
	b->s = *s;
	if ((b->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");
	for (int i = 0; i < s->n; i++) {
		struct epoll_event ev;
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN | (s->edge ? EPOLLET : 0);
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, s->fds[i], &ev) == -1)
			err(1, "epoll_ctl ADD");
	}
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
		int n = epoll_wait(b->epfd, b->ev, b->s.maxevents, -1);
		waited += bench_now_ns() - t0;
		if (n == -1)
			err(1, "epoll_wait");
		for (int k = 0; k < n; k++) {
			uint32_t i = b->ev[k].data.u32;
			if (i >= (uint32_t)b->s.n || read(b->s.fds[i], &c, 1) != 1)
				errx(1, "burst: bad event for %u", i);
		}
		seen += n;
		bench_tally[BENCH_ID].waits++;
		bench_tally[BENCH_ID].events += n;
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
	close(b->epfd);
	free(b->ev);
	free(b);
}

const struct burst_ops BENCH_SYM(bench_burst_) = {
	burst_setup, burst_drain, burst_teardown
};
