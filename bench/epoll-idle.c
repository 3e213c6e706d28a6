/*
 * epoll_wait() cost against the number of registered but idle descriptors,
 * and the userspace memory each registration costs.
 *
 * One epoll instance watches N idle descriptors plus one active pipe; each
 * round writes a byte into the pipe, waits for it with epoll_wait() and
 * reads it back.  N = 0 and N = 100,000 (or as many as RLIMIT_NOFILE
 * allows) are measured in one run, interleaved, and the medians and their
 * ratio printed.  Built against epollkq and, on Linux, against the
 * kernel's epoll, from this same file.
 */
#define _GNU_SOURCE 1
#include <sys/epoll.h>
#include <sys/resource.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#define ROUNDS 20000
#define REPEATS 7

struct setup {
	int epfd;
	int active[2];
	int quiet[2];
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

static size_t
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
#else
	return 0;
#endif
}

static void
add(int epfd, int fd, uint64_t data)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.u64 = data;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		err(1, "epoll_ctl");
}

/* Returns the heap growth per idle registration, in bytes. */
static double
setup(struct setup *s, int nidle)
{
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd == -1)
		err(1, "epoll_create1");
	s->nidle = nidle;
	s->idle = calloc((size_t)nidle + 1, sizeof *s->idle);
	if (s->idle == NULL || pipe(s->quiet) == -1 || pipe(s->active) == -1)
		err(1, "setup");
	for (int i = 0; i < nidle; i++)
		if ((s->idle[i] = dup(s->quiet[0])) == -1)
			err(1, "dup %d of %d", i, nidle);
	size_t before = heap_in_use();
	for (int i = 0; i < nidle; i++)
		add(s->epfd, s->idle[i], (uint64_t)i);
	size_t after = heap_in_use();
	add(s->epfd, s->active[0], UINT64_MAX);
	return nidle ? (double)(after - before) / nidle : 0;
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
	close(s->epfd);
}

static double
measure(struct setup *s)
{
	char c = 'x';
	struct epoll_event ev[4];
	double t0 = now_ns();
	for (int i = 0; i < ROUNDS; i++) {
		if (write(s->active[1], &c, 1) != 1)
			err(1, "write");
		int n = epoll_wait(s->epfd, ev, 4, -1);
		if (n != 1 || ev[0].data.u64 != UINT64_MAX)
			errx(1, "epoll_wait returned %d events", n);
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
	int large = argc > 1 ? atoi(argv[1]) : 100000;
	struct rlimit rl;
	rlim_t want = (rlim_t)large + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		struct rlimit up = { want, rl.rlim_max > want ? rl.rlim_max : want };
		if (setrlimit(RLIMIT_NOFILE, &up) == -1) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < want) {
			int fit = (int)rl.rlim_cur - 64;
			printf("RLIMIT_NOFILE is %lu and cannot be raised here: "
			    "measuring %d idle descriptors instead of %d\n",
			    (unsigned long)rl.rlim_cur, fit, large);
			large = fit;
		}
	}

	struct setup a, b;
	setup(&a, 0);
	double per_fd = setup(&b, large);
	double ta[REPEATS], tb[REPEATS];
	for (int r = 0; r < REPEATS; r++) {
		ta[r] = measure(&a);
		tb[r] = measure(&b);
	}
	qsort(ta, REPEATS, sizeof *ta, cmp);
	qsort(tb, REPEATS, sizeof *tb, cmp);
	double ma = ta[REPEATS / 2], mb = tb[REPEATS / 2];
	printf("epoll_wait, 0 idle fds:      %8.0f ns per round (median of %d)\n",
	    ma, REPEATS);
	printf("epoll_wait, %d idle fds: %8.0f ns per round (median of %d)\n",
	    large, mb, REPEATS);
	printf("ratio %d/0 idle: %.3f\n", large, mb / ma);
	if (per_fd > 0)
		printf("heap per registered fd (this process, all layers): %.1f bytes\n",
		    per_fd);
	teardown(&a);
	teardown(&b);
	return 0;
}
