/*
 * ping-pong: a token passed around a ring of 1,000 socketpairs, with 0,
 * 1,000 and 100,000 extra idle descriptors registered.  The cost of a hop
 * must not grow with idle registrations.
 *
 * Idle descriptors are dup()s of one pipe's read end that nobody writes
 * to, so N of them cost N descriptors; where RLIMIT_NOFILE does not allow
 * 100,000 the largest count that fits is used, and printed.
 */
#include "config.h"

#include "bench.h"

#include <sys/socket.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define RING 1000
#define MAXEVENTS 64

struct ctx {
	struct pp_setup s[BENCH_MAXCONF];
	long hops;
};

static const struct pp_ops *const ops[NWAYS] = {
#ifdef BENCH_HAVE_LINUX
	&bench_pp_sys,
#else
	NULL,
#endif
	&bench_pp_ekq, &bench_pp_kq,
};

static void
measure(int c, enum bench_way w, double *out, void *arg)
{
	struct ctx *x = arg;
	void *st = ops[w]->setup(&x->s[c]);
	ops[w]->run(st, x->hops / 10); /* warm the caches and the branches */
	double t0 = bench_now_ns();
	ops[w]->run(st, x->hops);
	out[0] = (bench_now_ns() - t0) / (double)x->hops;
	ops[w]->teardown(st);
}

int
main(int argc, char **argv)
{
	struct bench_opts o;
	bench_parse(argc, argv, &o, "idle=0, idle=1000, idle=max");
	struct ctx x;
	x.hops = o.quick ? 2000 : 50000;

	static int rd[RING], wr[RING];
	for (int i = 0; i < RING; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
			err(1, "socketpair %d", i);
		wr[i] = sv[0];
		rd[i] = sv[1];
	}
	int quiet[2];
	if (pipe(quiet) == -1)
		err(1, "pipe");
	int asked = o.quick ? 2000 : 100000;
	int room = bench_fd_room(64);
	int nmax = asked < room ? asked : room;
	int *idle = calloc((size_t)nmax + 1, sizeof *idle);
	if (idle == NULL)
		err(1, "calloc");
	bench_dups(quiet[0], idle, nmax);

	char big[64], cnt[64];
	snprintf(big, sizeof big, "idle=max");
	struct bench_spec spec = {
		.workload = "ping-pong",
		.xname = "idle fds",
		.nconfigs = 3,
		.config = { "idle=0", "idle=1000", big },
		.x = { 0, 1000, nmax },
		.nmetrics = 1,
		.metric = { "ns/hop" },
		.measure = measure,
		.arg = &x,
	};
	char title[200];
	snprintf(title, sizeof title, "a token around a ring of %d socketpairs, "
	    "maxevents %d, %ld hops; idle=max is %s idle fds", RING, MAXEVENTS,
	    x.hops, bench_count(cnt, sizeof cnt, nmax, asked));
	spec.title = title;
	int idles[3] = { 0, 1000 < nmax ? 1000 : nmax, nmax };
	for (int c = 0; c < 3; c++)
		x.s[c] = (struct pp_setup){ rd, wr, RING, idle, idles[c],
		    MAXEVENTS };

	bench_medians med;
	bench_run(&spec, &o, med);
	bench_note(&o, "ping-pong", "idle_max", nmax,
	    "idle fds at idle=max: %s", cnt);
	for (int w = 0; w < NWAYS; w++) {
		double r = bench_pratio(2, (enum bench_way)w, 0, (enum bench_way)w, 0);
		if (r == 0)
			continue;
		char key[64];
		snprintf(key, sizeof key, "idle_ratio_%s", bench_way_name(w));
		bench_note(&o, "ping-pong", key, r,
		    "%-8s cost per hop, %d idle / no idle fds: %.3f",
		    bench_way_name(w), nmax, r);
	}
	for (int c = 0; c < 3; c++) {
		double r = bench_pratio(c, WAY_EKQ, c, WAY_KQ, 0);
		if (r == 0)
			continue;
		char key[64];
		snprintf(key, sizeof key, "ekq_kq_%s", spec.config[c]);
		bench_note(&o, "ping-pong", key, r,
		    "epollkq/kevent at %s: %.3f", spec.config[c], r);
	}
	bench_close_all(idle, nmax);
	free(idle);
	bench_tally_report(&o, "ping-pong");
	return 0;
}
