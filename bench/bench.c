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
	    "  -r  repetitions, interleaved (default 5, at most %d)\n"
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
	o->reps = 5;
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

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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
	static double v[BENCH_MAXCONF][NWAYS][BENCH_MAXMETRIC][BENCH_MAXREPS];
	memset(med, 0, sizeof(bench_medians));
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
	printf("\n== %s: %s\n   median of %d interleaved repetitions\n",
	    s->workload, s->title, o->reps);
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
			print_ratio(bench_ratio(med[c][WAY_EKQ][m], med[c][WAY_KQ][m]));
			print_ratio(bench_ratio(med[c][WAY_EKQ][m],
			    med[c][WAY_LINUX][m]));
			print_ratio(bench_ratio(med[c][WAY_KQ][m],
			    med[c][WAY_LINUX][m]));
			printf("\n");
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
