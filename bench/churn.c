/*
 * churn: EPOLL_CTL_ADD, _MOD and _DEL cycles over N descriptors, N =
 * 1,000, 10,000 and 100,000: all N are added, then all modified, then all
 * deleted, so that the instance holds N registrations while it works.  The
 * cost of an operation must not grow with N.
 *
 * Also the userspace memory a registration costs: heap growth for N
 * registrations through epollkq, minus heap growth for the same knotes
 * added with raw kevent() (compat/'s part; on a BSD it would be kernel
 * memory), is lib/'s own.
 *
 * The descriptors are dup()s of one end of an idle socketpair (writable,
 * never readable), so N of them cost N; where RLIMIT_NOFILE does not allow
 * 100,000 the largest N that fits is used, and printed.
 */
#include "config.h"

#include "bench.h"

#include <sys/socket.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct ctx {
	const int *fds;
	int n[BENCH_MAXCONF];
	long ops;               /* operations per measurement, about */
};

static const struct churn_ops *const ops[NWAYS] = {
#ifdef BENCH_HAVE_LINUX
	&bench_churn_sys,
#else
	NULL,
#endif
	&bench_churn_ekq, &bench_churn_kq,
};

static void
measure(int c, enum bench_way w, double *out, void *arg)
{
	struct ctx *x = arg;
	const struct churn_ops *op = ops[w];
	int n = x->n[c];
	long cycles = x->ops / (3L * n);
	if (cycles < 1)
		cycles = 1;
	double t[3] = { 0, 0, 0 };
	void *st = op->open();
	for (long k = 0; k < cycles; k++) {
		double t0 = bench_now_ns();
		op->add(st, x->fds, n);
		double t1 = bench_now_ns();
		op->mod(st, x->fds, n);
		double t2 = bench_now_ns();
		op->del(st, x->fds, n);
		double t3 = bench_now_ns();
		t[0] += t1 - t0;
		t[1] += t2 - t1;
		t[2] += t3 - t2;
	}
	op->close(st);
	double per = (double)cycles * n;
	out[0] = (t[0] + t[1] + t[2]) / (3 * per);
	for (int i = 0; i < 3; i++)
		out[1 + i] = t[i] / per;
}

/*
 * Heap bytes per registration after adding n descriptors the way w.  The
 * instance is opened before the first reading: epollkq frees an instance
 * whose descriptor was closed only when the number comes back from
 * epoll_create1(), so the last measurement's table is released by open(),
 * not counted against this one.
 */
static double
heap_per_fd(enum bench_way w, const int *fds, int n)
{
	void *st = ops[w]->open();
	size_t before = bench_heap_in_use();
	ops[w]->add(st, fds, n);
	size_t after = bench_heap_in_use();
	ops[w]->close(st);
	return after > before ? (double)(after - before) / n : 0;
}

int
main(int argc, char **argv)
{
	struct bench_opts o;
	bench_parse(argc, argv, &o, "N=1000, N=10000, N=max");
	struct ctx x;
	x.ops = o.quick ? 6000 : 60000;

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		err(1, "socketpair");
	int asked = o.quick ? 4000 : 100000;
	int room = bench_fd_room(64);
	int nmax = asked < room ? asked : room;
	int *fds = calloc((size_t)nmax + 1, sizeof *fds);
	if (fds == NULL)
		err(1, "calloc");
	bench_dups(sv[0], fds, nmax);
	x.fds = fds;
	x.n[0] = 1000 < nmax ? 1000 : nmax;
	x.n[1] = 10000 < nmax ? 10000 : nmax;
	x.n[2] = nmax;

	char cnt[64], title[200];
	snprintf(title, sizeof title, "ADD (EPOLLIN), MOD (EPOLLIN|EPOLLOUT), "
	    "DEL over N socket fds, about %ld operations; N=max is %s", x.ops,
	    bench_count(cnt, sizeof cnt, nmax, asked));
	struct bench_spec spec = {
		.workload = "churn",
		.title = title,
		.xname = "N",
		.nconfigs = 3,
		.config = { "N=1000", "N=10000", "N=max" },
		.x = { x.n[0], x.n[1], x.n[2] },
		.nmetrics = 4,
		.metric = { "ns/op", "ns/ADD", "ns/MOD", "ns/DEL" },
		.measure = measure,
		.arg = &x,
	};
	bench_medians med;
	bench_run(&spec, &o, med);
	bench_note(&o, "churn", "n_max", nmax, "N at N=max: %s", cnt);
	for (int w = 0; w < NWAYS; w++) {
		double r = bench_pratio(2, (enum bench_way)w, 0, (enum bench_way)w, 0);
		if (r == 0)
			continue;
		char key[64];
		snprintf(key, sizeof key, "n_ratio_%s", bench_way_name(w));
		bench_note(&o, "churn", key, r,
		    "%-8s cost per op, N=%d / N=%d: %.3f", bench_way_name(w),
		    x.n[2], x.n[0], r);
	}
	for (int c = 0; c < 3; c++) {
		double r = bench_pratio(c, WAY_EKQ, c, WAY_KQ, 0);
		if (r == 0)
			continue;
		char key[64];
		snprintf(key, sizeof key, "ekq_kq_%s", spec.config[c]);
		bench_note(&o, "churn", key, r, "epollkq/kevent at %s: %.3f",
		    spec.config[c], r);
	}

	if (o.ways[WAY_EKQ] && o.ways[WAY_KQ] && bench_heap_in_use() > 0) {
		double kq = heap_per_fd(WAY_KQ, fds, nmax);
		double ekq = heap_per_fd(WAY_EKQ, fds, nmax);
		bench_note(&o, "churn", "heap_total", ekq,
		    "heap per registration, %d fds, through epollkq: %.1f bytes",
		    nmax, ekq);
		bench_note(&o, "churn", "heap_compat", kq,
		    "heap per knote, raw kevent (compat/'s part): %.1f bytes", kq);
		bench_note(&o, "churn", "heap_lib", ekq - kq,
		    "heap per registration, lib/'s own (the difference): %.1f bytes",
		    ekq - kq);
	}
	bench_close_all(fds, nmax);
	free(fds);
	bench_tally_report(&o, "churn");
	return 0;
}
