/*
 * kevent() wait cost against the number of registered but idle knotes.
 *
 * One kqueue watches N idle descriptors plus one active pipe; each round
 * writes a byte into the active pipe, waits for it with kevent() and reads
 * it back.  The same process measures N = 100 and N = 100,000 (or as many
 * as RLIMIT_NOFILE allows), interleaved, several times, and prints the
 * medians and their ratio.  The ratio should be ~1: a wait must not grow
 * with idle knotes.  The idle descriptors are dup()s of one pipe's read end
 * (a pipe nobody writes to), so that N descriptors cost N, not 2N.
 */
#include <sys/types.h>
#include <sys/event.h>
#include <sys/resource.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 20000
#define REPEATS 7

struct setup {
	int kq;
	int active[2];
	int quiet[2];   /* the pipe behind every idle descriptor */
	int *idle;
	int nidle;
};

static double
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
setup(struct setup *s, int nidle)
{
	s->kq = kqueue();
	if (s->kq == -1)
		err(1, "kqueue");
	s->nidle = nidle;
	s->idle = calloc((size_t)nidle, sizeof *s->idle);
	if (s->idle == NULL)
		err(1, "calloc");
	if (pipe(s->quiet) == -1)
		err(1, "pipe");
	for (int i = 0; i < nidle; i++) {
		s->idle[i] = dup(s->quiet[0]);
		if (s->idle[i] == -1)
			err(1, "dup %d of %d", i, nidle);
		struct kevent ch;
		EV_SET(&ch, s->idle[i], EVFILT_READ, EV_ADD, 0, 0, NULL);
		if (kevent(s->kq, &ch, 1, NULL, 0, NULL) == -1)
			err(1, "kevent add");
	}
	if (pipe(s->active) == -1)
		err(1, "pipe");
	struct kevent ch;
	EV_SET(&ch, s->active[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
	if (kevent(s->kq, &ch, 1, NULL, 0, NULL) == -1)
		err(1, "kevent add");
}

static void
teardown(struct setup *s)
{
	for (int i = 0; i < s->nidle; i++)
		close(s->idle[i]);
	free(s->idle);
	close(s->quiet[0]);
	close(s->quiet[1]);
	close(s->active[0]);
	close(s->active[1]);
	close(s->kq);
}

/* Nanoseconds per write + kevent + read round. */
static double
measure(struct setup *s)
{
	char c = 'x';
	struct kevent ev[4];
	double t0 = now_ns();
	for (int i = 0; i < ROUNDS; i++) {
		if (write(s->active[1], &c, 1) != 1)
			err(1, "write");
		int n = kevent(s->kq, NULL, 0, ev, 4, NULL);
		if (n != 1 || (int)ev[0].ident != s->active[0])
			errx(1, "kevent returned %d events", n);
		if (read(s->active[0], &c, 1) != 1)
			err(1, "read");
	}
	return (now_ns() - t0) / ROUNDS;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int small = 100, large = argc > 1 ? atoi(argv[1]) : 100000;
	/* Raise the descriptor limit as far as this process may. */
	struct rlimit rl;
	rlim_t want = (rlim_t)(small + large + 64);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		struct rlimit up = { want, rl.rlim_max > want ? rl.rlim_max : want };
		if (setrlimit(RLIMIT_NOFILE, &up) == -1) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < want) {
			int fit = (int)rl.rlim_cur - small - 64;
			printf("RLIMIT_NOFILE is %lu and cannot be raised here: "
			    "measuring %d idle descriptors instead of %d\n",
			    (unsigned long)rl.rlim_cur, fit, large);
			large = fit;
		}
	}

	struct setup a, b;
	setup(&a, small);
	setup(&b, large);
	double ta[REPEATS], tb[REPEATS];
	for (int r = 0; r < REPEATS; r++) {
		ta[r] = measure(&a);
		tb[r] = measure(&b);
	}
	qsort(ta, REPEATS, sizeof *ta, cmp);
	qsort(tb, REPEATS, sizeof *tb, cmp);
	double ma = ta[REPEATS / 2], mb = tb[REPEATS / 2];
	printf("kevent wait, %d idle knotes:   %8.0f ns per round (median of %d)\n",
	    small, ma, REPEATS);
	printf("kevent wait, %d idle knotes: %8.0f ns per round (median of %d)\n",
	    large, mb, REPEATS);
	printf("ratio %d/%d idle: %.3f\n", large, small, mb / ma);
	teardown(&a);
	teardown(&b);
	return 0;
}
