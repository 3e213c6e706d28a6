/*
 * The benchmark harness: options, interleaved repetitions, medians, ratios,
 * and the tab-separated results that bench/report.sh turns into a table.
 *
 * Every configuration is measured every way within each repetition, with
 * the order of the ways rotated from one repetition to the next, so that a
 * machine that slows down or speeds up during the run affects all ways
 * alike; only ratios between figures of the same run are reported.
 */
#include "config.h"

#include "bench.h"

#include <sys/resource.h>

#include <err.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

struct bench_tally bench_tally[NWAYS];

static const char *const way_names[NWAYS] = { "linux", "epollkq", "kevent" };

const char *
bench_way_name(enum bench_way w)
{
	return way_names[w];
}

static bool
way_available(enum bench_way w)
{
#ifdef BENCH_HAVE_LINUX
	(void)w;
	return true;
#else
	return w != WAY_LINUX; /* no kernel epoll on this host */
#endif
}

static void
usage(const char *prog, const char *extra)
{
	fprintf(stderr,
	    "usage: %s [-q] [-r reps] [-w way,...] [-c config] [-t results.tsv]\n"
	    "  -q  quick: small sizes (for callgrind and smoke runs)\n"
	    "  -r  repetitions, interleaved (default 9, at most %d)\n"
	    "  -w  ways to run: linux, epollkq, kevent (default: all)\n"
	    "  -c  run only this configuration%s%s\n"
	    "  -t  append tab-separated results to this file\n",
	    prog, BENCH_MAXREPS, extra ? ": " : "", extra ? extra : "");
	exit(2);
}

void
bench_parse(int argc, char **argv, struct bench_opts *o, const char *extra)
{
	memset(o, 0, sizeof *o);
	o->reps = 9;
	bool any = false;
	int c;
	while ((c = getopt(argc, argv, "qr:w:c:t:h")) != -1) {
		switch (c) {
		case 'q':
			o->quick = true;
			break;
		case 'r':
			o->reps = atoi(optarg);
			if (o->reps < 1 || o->reps > BENCH_MAXREPS)
				usage(argv[0], extra);
			break;
		case 'w': {
			char *list = strdup(optarg), *save = NULL;
			if (list == NULL)
				err(1, "strdup");
			for (char *t = strtok_r(list, ",", &save); t != NULL;
			    t = strtok_r(NULL, ",", &save)) {
				int w;
				for (w = 0; w < NWAYS; w++)
					if (strcmp(t, way_names[w]) == 0)
						break;
				if (w == NWAYS || !way_available((enum bench_way)w))
					usage(argv[0], extra);
				o->ways[w] = any = true;
			}
			free(list);
			break;
		}
		case 'c':
			o->only = optarg;
			break;
		case 't':
			o->tsv = optarg;
			break;
		default:
			usage(argv[0], extra);
		}
	}
	if (optind != argc)
		usage(argv[0], extra);
	if (!any)
		for (int w = 0; w < NWAYS; w++)
			o->ways[w] = way_available((enum bench_way)w);
	/* Results go straight to a pipe or file, in order with the TSV. */
	setvbuf(stdout, NULL, _IOLBF, 0);
}

bool
bench_config_wanted(const struct bench_opts *o, const char *name)
{
	return o->only == NULL || strcmp(o->only, name) == 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The median of v[0..n-1], v left as it was. */
static double
median(const double *v, int n)
{
	double s[BENCH_MAXREPS];
	memcpy(s, v, (size_t)n * sizeof *s);
	qsort(s, (size_t)n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Every measurement of the last bench_run(), by repetition. */
static double v[BENCH_MAXCONF][NWAYS][BENCH_MAXMETRIC][BENCH_MAXREPS];
static int vreps;

double
bench_pratio(int c1, enum bench_way w1, int c2, enum bench_way w2, int m)
{
	double r[BENCH_MAXREPS];
	for (int i = 0; i < vreps; i++) {
		r[i] = bench_ratio(v[c1][w1][m][i], v[c2][w2][m][i]);
		if (r[i] == 0)
			return 0;
	}
	return vreps > 0 ? median(r, vreps) : 0;
}

double
bench_ratio(double num, double den)
{
	return num > 0 && den > 0 ? num / den : 0;
}

static FILE *
tsv_open(const struct bench_opts *o)
{
	if (o->tsv == NULL)
		return NULL;
	FILE *f = fopen(o->tsv, "a");
	if (f == NULL)
		err(1, "%s", o->tsv);
	return f;
}

static void
print_ratio(double r)
{
	if (r > 0)
		printf(" %14.3f", r);
	else
		printf(" %14s", "-");
}

void
bench_run(const struct bench_spec *s, const struct bench_opts *o,
    bench_medians med)
{
	memset(med, 0, sizeof(bench_medians));
	memset(v, 0, sizeof v);
	vreps = o->reps;
	for (int r = 0; r < o->reps; r++) {
		for (int c = 0; c < s->nconfigs; c++) {
			if (!bench_config_wanted(o, s->config[c]))
				continue;
			for (int k = 0; k < NWAYS; k++) {
				enum bench_way w = (enum bench_way)((k + r) % NWAYS);
				if (!o->ways[w])
					continue;
				double out[BENCH_MAXMETRIC] = { 0 };
				s->measure(c, w, out, s->arg);
				for (int m = 0; m < s->nmetrics; m++)
					v[c][w][m][r] = out[m];
			}
		}
	}

	FILE *tsv = tsv_open(o);
	printf("\n== %s: %s\n   medians of %d interleaved repetitions; "
	    "a ratio is the median of the\n   repetitions' own ratios (the "
	    "ways of one repetition ran back to back)\n", s->workload,
	    s->title, o->reps);
	for (int m = 0; m < s->nmetrics; m++) {
		printf("\n%-22s %10s %10s %10s %14s %14s %14s\n", s->metric[m],
		    "linux", "epollkq", "kevent", "epollkq/kevent",
		    "epollkq/linux", "kevent/linux");
		for (int c = 0; c < s->nconfigs; c++) {
			if (!bench_config_wanted(o, s->config[c]))
				continue;
			printf("%-22s", s->config[c]);
			for (int w = 0; w < NWAYS; w++) {
				if (!o->ways[w]) {
					printf(" %10s", "-");
					continue;
				}
				med[c][w][m] = median(v[c][w][m], o->reps);
				printf(" %10.1f", med[c][w][m]);
				if (tsv != NULL)
					fprintf(tsv, "result\t%s\t%s\t%g\t%s\t%s\t%.4f\n",
					    s->workload, s->config[c], s->x[c],
					    way_names[w], s->metric[m], med[c][w][m]);
			}
			double ek = bench_pratio(c, WAY_EKQ, c, WAY_KQ, m);
			double el = bench_pratio(c, WAY_EKQ, c, WAY_LINUX, m);
			double kl = bench_pratio(c, WAY_KQ, c, WAY_LINUX, m);
			print_ratio(ek);
			print_ratio(el);
			print_ratio(kl);
			printf("\n");
			if (tsv != NULL)
				fprintf(tsv, "ratio\t%s\t%s\t%s\t%.4f\t%.4f\t%.4f\n",
				    s->workload, s->config[c], s->metric[m], ek, el, kl);
		}
	}
	printf("\n");
	if (tsv != NULL)
		fclose(tsv);
}

void
bench_note(const struct bench_opts *o, const char *workload, const char *key,
    double value, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	FILE *tsv = tsv_open(o);
	if (tsv != NULL) {
		fprintf(tsv, "note\t%s\t%s\t%.4f\n", workload, key, value);
		fclose(tsv);
	}
}

void
bench_tally_report(const struct bench_opts *o, const char *workload)
{
	FILE *tsv = tsv_open(o);
	printf("work done, all repetitions:");
	for (int w = 0; w < NWAYS; w++) {
		if (!o->ways[w])
			continue;
		const struct bench_tally *t = &bench_tally[w];
		if (t->adds > 0)
			printf("  %s %ld ADD, %ld MOD, %ld DEL;", way_names[w],
			    t->adds, t->mods, t->dels);
		else
			printf("  %s %ld waits, %ld events;", way_names[w],
			    t->waits, t->events);
		if (tsv != NULL)
			fprintf(tsv, "tally\t%s\t%s\t%ld\t%ld\t%ld\t%ld\t%ld\n",
			    workload, way_names[w], t->waits, t->events, t->adds,
			    t->mods, t->dels);
	}
	printf("\n");
	if (tsv != NULL)
		fclose(tsv);
}

double
bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

size_t
bench_heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	/* Bytes handed out, chunk headers included: what a registration
	 * really costs in the heap. */
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
#else
	return 0;
#endif
}

int
bench_fd_room(int margin)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		err(1, "getrlimit");
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			err(1, "getrlimit");
	}
	long limit = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1 << 24 ?
	    1 << 24 : (long)rl.rlim_cur;
	long open = 0;
	for (long fd = 0; fd < limit && fd < 65536; fd++)
		if (fcntl((int)fd, F_GETFD) != -1)
			open++;
	long room = limit - open - margin;
	return room > 0 ? (int)room : 0;
}

void
bench_dups(int fd, int *out, int n)
{
	for (int i = 0; i < n; i++)
		if ((out[i] = dup(fd)) == -1)
			err(1, "dup %d of %d", i, n);
}

void
bench_close_all(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static void
thousands(char *buf, size_t len, int v)
{
	if (v >= 1000000)
		snprintf(buf, len, "%d,%03d,%03d", v / 1000000, v / 1000 % 1000,
		    v % 1000);
	else if (v >= 1000)
		snprintf(buf, len, "%d,%03d", v / 1000, v % 1000);
	else
		snprintf(buf, len, "%d", v);
}

const char *
bench_count(char *buf, size_t len, int used, int asked)
{
	char u[32], a[32];
	thousands(u, sizeof u, used);
	thousands(a, sizeof a, asked);
	if (used == asked)
		snprintf(buf, len, "%s", u);
	else
		snprintf(buf, len, "%s (asked %s)", u, a);
	return buf;
}
