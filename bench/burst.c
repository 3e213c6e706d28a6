/*
 * burst: 10,000 readable descriptors drained with maxevents 64 and 1,024,
 * level-triggered and edge-triggered.  The descriptors are both ends of
 * 5,000 socketpairs; before each drain a byte is written into every one,
 * which makes its peer readable (not timed).  The drain -- waits and the
 * reads of the bytes -- is timed, and the waits alone too.
 */
#include "config.h"

#include "bench.h"

#include <sys/socket.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BURSTS 3 /* drains per measurement */

struct ctx {
	struct burst_setup s[BENCH_MAXCONF];
	const int *fds;
	int n;
};

static const struct burst_ops *const ops[NWAYS] = {
#ifdef BENCH_HAVE_LINUX
	&bench_burst_sys,
#else
	NULL,
#endif
	&bench_burst_ekq, &bench_burst_kq,
};

static void
arm(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (write(fds[i], "x", 1) != 1)
			err(1, "write");
}

static void
measure(int c, enum bench_way w, double *out, void *arg)
{
	struct ctx *x = arg;
	void *st = ops[w]->setup(&x->s[c]);
	double total = 0, waited = 0;
	arm(x->fds, x->n);
	ops[w]->drain(st); /* warm-up */
	for (int b = 0; b < BURSTS; b++) {
		arm(x->fds, x->n);
		double t0 = bench_now_ns();
		waited += ops[w]->drain(st);
		total += bench_now_ns() - t0;
	}
	ops[w]->teardown(st);
	out[0] = total / ((double)BURSTS * x->n);
	out[1] = waited / ((double)BURSTS * x->n);
}

int
main(int argc, char **argv)
{
	struct bench_opts o;
	bench_parse(argc, argv, &o,
	    "level-64, level-1024, edge-64, edge-1024");
	int asked = o.quick ? 2048 : 10000;
	int room = bench_fd_room(64);
	int n = (asked < room ? asked : room) & ~1;
	int *fds = calloc((size_t)n + 1, sizeof *fds);
	if (fds == NULL)
		err(1, "calloc");
	for (int i = 0; i < n; i += 2) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, &fds[i]) == -1)
			err(1, "socketpair");
		/* A descriptor returned twice must fail, not block. */
		for (int k = 0; k < 2; k++)
			if (fcntl(fds[i + k], F_SETFL, O_NONBLOCK) == -1)
				err(1, "fcntl");
	}
	struct ctx x = { .fds = fds, .n = n };
	static const int maxev[4] = { 64, 1024, 64, 1024 };
	for (int c = 0; c < 4; c++)
		x.s[c] = (struct burst_setup){ fds, n, maxev[c], c >= 2 };

	char cnt[64], title[200];
	snprintf(title, sizeof title, "%s readable fds (unix stream sockets) "
	    "drained, %d drains per measurement", bench_count(cnt, sizeof cnt,
	    n, asked), BURSTS);
	struct bench_spec spec = {
		.workload = "burst",
		.title = title,
		.xname = "maxevents",
		.nconfigs = 4,
		.config = { "level-64", "level-1024", "edge-64", "edge-1024" },
		.x = { 64, 1024, 64, 1024 },
		.nmetrics = 2,
		.metric = { "ns/event", "ns/event in wait" },
		.measure = measure,
		.arg = &x,
	};
	bench_medians med;
	bench_run(&spec, &o, med);
	bench_note(&o, "burst", "fds", n, "readable fds: %s", cnt);
	for (int c = 0; c < 4; c++) {
		double r = bench_pratio(c, WAY_EKQ, c, WAY_KQ, 0);
		if (r == 0)
			continue;
		char key[64];
		snprintf(key, sizeof key, "ekq_kq_%s", spec.config[c]);
		bench_note(&o, "burst", key, r, "epollkq/kevent at %s: %.3f",
		    spec.config[c], r);
	}
	bench_close_all(fds, n);
	free(fds);
	bench_tally_report(&o, "burst");
	return 0;
}
