/*
 * One epoll instance shared by 8 threads changing registrations (ADD, MOD,
 * DEL over a pool of socket pairs that stay readable and writable), 4
 * threads waiting on it (maxevents 1, 2, 64, 256) and 2 threads producing
 * readiness.
 *
 * No wakeup may be lost.  The readiness the writers produce is counted
 * through tokens: socket pairs registered EPOLLIN|EPOLLONESHOT, to which a
 * writer adds one byte only when the token's previous byte has been
 * consumed.  The waiter that gets a token's event reads the byte (there
 * must be one: an event twice would find none), re-arms it with MOD and
 * hands it back.  A lost event leaves a token outstanding for ever: the
 * run cannot end, and the watchdog fails it.  At the end every token has
 * been consumed exactly as often as produced, and with the pool
 * unregistered an epoll_wait(..., 0) finds nothing.  The end needs no
 * timing: once every thread has stopped, a token still out must have its
 * event pending; if it has not, the wakeup was lost.  The watchdog
 * (alarm()) is for deadlocks.
 *
 * EKQ_STRESS_OPS sets the number of epoll_ctl + epoll_wait calls (10^5 in
 * make check, 10^6 in make stress); EKQ_STRESS_WATCHDOG the seconds
 * allowed before the run is declared stuck.
 */
#include "config.h"

#include "st.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ST_CTLS 8
#define ST_WAITERS 4
#define ST_WRITERS 2
#define ST_TOKENS 16
#define ST_PER_CTL 8
#define ST_POOL (ST_CTLS * ST_PER_CTL)

#define ST_TOKEN_TAG UINT64_C(0x70CE000000000000)
#define ST_POOL_TAG UINT64_C(0x9001000000000000)
#define ST_TAG_MASK UINT64_C(0xFFFF000000000000)

struct st_run {
	int epfd;
	long target;
	atomic_long ops, ctl_ops, wait_ops;
	atomic_bool stop;               /* the ops are done: stop producing */
	atomic_bool done;               /* every token is back: stop waiting */
	int tok[ST_TOKENS][2];
	atomic_int out[ST_TOKENS];      /* a byte is in flight */
	atomic_long produced[ST_TOKENS], consumed[ST_TOKENS];
	atomic_long token_events, pool_events;
	int pool[ST_POOL][2];
	atomic_int failed;
	char why[256];
};

static struct st_run *st_the_run;

static void
st_fail(struct st_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
st_fail(struct st_run *r, const char *fmt, ...)
{
	if (atomic_exchange(&r->failed, 1) == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->why, sizeof r->why, fmt, ap);
		va_end(ap);
	}
	atomic_store(&r->stop, true);
	atomic_store(&r->done, true);
}

static uint32_t
st_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Counts one call; false once the run has made all it should. */
static bool
st_op(struct st_run *r)
{
	return atomic_fetch_add(&r->ops, 1) < r->target;
}

struct st_ctl_arg {
	struct st_run *r;
	int id;
};

static void *
st_ctl_main(void *p)
{
	struct st_ctl_arg *a = p;
	struct st_run *r = a->r;
	static const uint32_t masks[] = {
		EPOLLIN, EPOLLOUT, EPOLLIN | EPOLLOUT, EPOLLIN | EPOLLET,
		EPOLLIN | EPOLLOUT | EPOLLET, EPOLLIN | EPOLLONESHOT,
		EPOLLOUT | EPOLLONESHOT, 0, EPOLLIN | EPOLLRDHUP,
	};
	bool on[ST_PER_CTL] = { false };
	uint32_t seed = 0x9e3779b9u * (uint32_t)(a->id + 1);
	while (!atomic_load(&r->stop) && st_op(r)) {
		atomic_fetch_add(&r->ctl_ops, 1);
		int j = (int)(st_rand(&seed) % ST_PER_CTL);
		int k = a->id * ST_PER_CTL + j;
		int fd = r->pool[k][0];
		uint32_t m = masks[st_rand(&seed) % (sizeof masks / sizeof masks[0])];
		uint64_t data = ST_POOL_TAG | (uint64_t)k;
		uint32_t dice = st_rand(&seed) % 8;
		int rc, want;
		const char *what;
		if (!on[j] && dice == 0) {
			what = "MOD of an unregistered descriptor";
			rc = st_ctl(r->epfd, EPOLL_CTL_MOD, fd, m, data);
			want = ENOENT;
		} else if (!on[j]) {
			what = "ADD";
			rc = st_ctl(r->epfd, EPOLL_CTL_ADD, fd, m, data);
			want = 0;
			on[j] = true;
		} else if (dice < 3) {
			what = "DEL";
			rc = epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
			want = 0;
			on[j] = false;
		} else if (dice == 3) {
			what = "ADD of a registered descriptor";
			rc = st_ctl(r->epfd, EPOLL_CTL_ADD, fd, m, data);
			want = EEXIST;
		} else {
			what = "MOD";
			rc = st_ctl(r->epfd, EPOLL_CTL_MOD, fd, m, data);
			want = 0;
		}
		int err = errno;
		if (want == 0 ? rc != 0 : rc != -1 || err != want) {
			st_fail(r, "ctl thread %d: %s: rc %d errno %s", a->id, what,
			    rc, strerror(err));
			break;
		}
	}
	for (int j = 0; j < ST_PER_CTL; j++)
		if (on[j] && epoll_ctl(r->epfd, EPOLL_CTL_DEL,
		    r->pool[a->id * ST_PER_CTL + j][0], NULL) != 0)
			st_fail(r, "final DEL: %s", strerror(errno));
	return NULL;
}

struct st_wait_arg {
	struct st_run *r;
	int maxevents;
};

static void
st_token_event(struct st_run *r, int i, uint32_t events)
{
	char b;
	if (events != EPOLLIN) {
		st_fail(r, "token %d reported %#x", i, events);
		return;
	}
	ssize_t n = read(r->tok[i][0], &b, 1);
	if (n != 1) {
		st_fail(r, "token %d delivered with nothing to read (%s): an "
		    "event twice", i, n == -1 ? strerror(errno) : "EOF");
		return;
	}
	atomic_fetch_add(&r->consumed[i], 1);
	atomic_fetch_add(&r->token_events, 1);
	if (st_ctl(r->epfd, EPOLL_CTL_MOD, r->tok[i][0],
	    EPOLLIN | EPOLLONESHOT, ST_TOKEN_TAG | (uint64_t)i) != 0) {
		st_fail(r, "re-arm of token %d: %s", i, strerror(errno));
		return;
	}
	atomic_store(&r->out[i], 0);
}

static void *
st_wait_main(void *p)
{
	struct st_wait_arg *a = p;
	struct st_run *r = a->r;
	struct epoll_event *evs = calloc((size_t)a->maxevents, sizeof *evs);
	if (evs == NULL) {
		st_fail(r, "calloc");
		return NULL;
	}
	while (!atomic_load(&r->done)) {
		/* The timeout only lets the thread see `done`. */
		int n = epoll_wait(r->epfd, evs, a->maxevents, 20);
		if (!atomic_load(&r->stop))
			st_op(r);
		atomic_fetch_add(&r->wait_ops, 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			st_fail(r, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (int k = 0; k < n; k++) {
			uint64_t d = evs[k].data.u64;
			uint64_t idx = d & ~ST_TAG_MASK;
			if ((d & ST_TAG_MASK) == ST_TOKEN_TAG && idx < ST_TOKENS)
				st_token_event(r, (int)idx, evs[k].events);
			else if ((d & ST_TAG_MASK) == ST_POOL_TAG && idx < ST_POOL) {
				if (evs[k].events == 0 ||
				    (evs[k].events & ~(uint32_t)(EPOLLIN | EPOLLOUT)))
					st_fail(r, "pool %d reported %#x", (int)idx,
					    evs[k].events);
				atomic_fetch_add(&r->pool_events, 1);
			} else
				st_fail(r, "unknown data %#llx",
				    (unsigned long long)d);
		}
	}
	free(evs);
	return NULL;
}

static void *
st_writer_main(void *p)
{
	struct st_run *r = p;
	uint32_t seed = 0x1234567u ^ (uint32_t)(uintptr_t)&seed;
	while (!atomic_load(&r->stop)) {
		int i = (int)(st_rand(&seed) % ST_TOKENS);
		int idle = 0;
		if (atomic_exchange(&r->out[i], 1) == 0) {
			atomic_fetch_add(&r->produced[i], 1);
			if (write(r->tok[i][1], "t", 1) != 1) {
				st_fail(r, "write to token %d: %s", i, strerror(errno));
				break;
			}
		} else if (++idle % 16 == 0)
			sched_yield();
	}
	return NULL;
}

static void
st_watchdog(int sig)
{
	(void)sig;
	/* Not async-signal-safe, but the process ends here anyway. */
	struct st_run *r = st_the_run;
	fprintf(stderr, "stress watchdog: stuck (deadlock or lost wakeup); "
	    "ops %ld\n", (long)atomic_load(&r->ops));
	for (int i = 0; i < ST_TOKENS; i++)
		fprintf(stderr, "  token %d: produced %ld consumed %ld%s\n", i,
		    (long)atomic_load(&r->produced[i]),
		    (long)atomic_load(&r->consumed[i]),
		    atomic_load(&r->out[i]) ? " (outstanding)" : "");
	_exit(70);
}

static double
st_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(threads_ctl_and_wait_lose_no_wakeup)
{
	static struct st_run run;
	struct st_run *r = &run;
	memset(r, 0, sizeof *r);
	st_the_run = r;
	r->target = st_env("EKQ_STRESS_OPS", 100000);
	signal(SIGALRM, st_watchdog);
	alarm((unsigned)st_env("EKQ_STRESS_WATCHDOG", 200));

	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(r->epfd, 0);
	for (int i = 0; i < ST_TOKENS; i++) {
		ekq_make_socketpair(SOCK_STREAM, r->tok[i]);
		ck_assert_int_eq(st_ctl(r->epfd, EPOLL_CTL_ADD, r->tok[i][0],
		    EPOLLIN | EPOLLONESHOT, ST_TOKEN_TAG | (uint64_t)i), 0);
	}
	for (int k = 0; k < ST_POOL; k++) {
		ekq_make_socketpair(SOCK_STREAM, r->pool[k]);
		ck_assert_int_eq(write(r->pool[k][1], "p", 1), 1);
	}

	double t0 = st_now();
	pthread_t ctls[ST_CTLS], waiters[ST_WAITERS], writers[ST_WRITERS];
	struct st_ctl_arg ca[ST_CTLS];
	struct st_wait_arg wa[ST_WAITERS];
	static const int maxevents[ST_WAITERS] = { 1, 2, 64, 256 };
	for (int i = 0; i < ST_WAITERS; i++) {
		wa[i].r = r;
		wa[i].maxevents = maxevents[i];
		ck_assert_int_eq(pthread_create(&waiters[i], NULL, st_wait_main,
		    &wa[i]), 0);
	}
	for (int i = 0; i < ST_WRITERS; i++)
		ck_assert_int_eq(pthread_create(&writers[i], NULL, st_writer_main,
		    r), 0);
	for (int i = 0; i < ST_CTLS; i++) {
		ca[i].r = r;
		ca[i].id = i;
		ck_assert_int_eq(pthread_create(&ctls[i], NULL, st_ctl_main,
		    &ca[i]), 0);
	}
	for (int i = 0; i < ST_CTLS; i++)
		pthread_join(ctls[i], NULL);
	atomic_store(&r->stop, true);
	for (int i = 0; i < ST_WRITERS; i++)
		pthread_join(writers[i], NULL);
	atomic_store(&r->done, true);
	for (int i = 0; i < ST_WAITERS; i++)
		pthread_join(waiters[i], NULL);
	/*
	 * Everyone has stopped.  A token still out has its byte waiting and
	 * its registration armed: its event must be pending now.  If it is
	 * not, a wakeup was lost -- found without waiting for anything.
	 */
	struct epoll_event evs[ST_TOKENS + ST_POOL];
	int n;
	while (!atomic_load(&r->failed) &&
	    (n = epoll_wait(r->epfd, evs, ST_TOKENS + ST_POOL, 0)) > 0) {
		for (int k = 0; k < n; k++) {
			uint64_t d = evs[k].data.u64;
			ck_assert_msg((d & ST_TAG_MASK) == ST_TOKEN_TAG &&
			    (d & ~ST_TAG_MASK) < ST_TOKENS, "after the run: event "
			    "%#x for %#llx", evs[k].events, (unsigned long long)d);
			st_token_event(r, (int)(d & ~ST_TAG_MASK), evs[k].events);
		}
	}
	double wall = st_now() - t0;
	alarm(0);
	ck_assert_msg(!atomic_load(&r->failed), "%s", r->why);

	long produced = 0, consumed = 0;
	for (int i = 0; i < ST_TOKENS; i++) {
		ck_assert_msg(r->produced[i] == r->consumed[i], "lost wakeup: token "
		    "%d produced %ld, consumed %ld; its byte is there and it is "
		    "armed, but no event is pending", i, (long)r->produced[i],
		    (long)r->consumed[i]);
		produced += r->produced[i];
		consumed += r->consumed[i];
	}
	int left = epoll_wait(r->epfd, evs, 1, 0);
	ck_assert_msg(left == 0, "epoll_wait after the run: %d (data %#llx)",
	    left, left > 0 ? (unsigned long long)evs[0].data.u64 : 0ULL);
	ck_assert_int_ge(produced, ST_TOKENS);
	printf("stress threads: %ld ops (%ld ctl, %ld wait) in %.2f s; "
	    "deliveries %ld (%ld token, %ld pool); tokens produced %ld, "
	    "consumed %ld\n", (long)r->ctl_ops + (long)r->wait_ops,
	    (long)r->ctl_ops, (long)r->wait_ops, wall,
	    (long)(r->token_events + r->pool_events), (long)r->token_events,
	    (long)r->pool_events, produced, consumed);
	fflush(stdout);
	for (int i = 0; i < ST_TOKENS; i++) {
		close(r->tok[i][0]);
		close(r->tok[i][1]);
	}
	for (int k = 0; k < ST_POOL; k++) {
		close(r->pool[k][0]);
		close(r->pool[k][1]);
	}
	close(r->epfd);
}
END_TEST

Suite *
st_threads_suite(void)
{
	Suite *s = suite_create("stress: threads");
	TCase *tc = tcase_create("threads");
	/* Above the watchdog's default, so that a stuck run is reported as
	 * such; make stress raises both. */
	tcase_set_timeout(tc, (double)st_env("EKQ_STRESS_TIMEOUT", 240));
	tcase_add_test(tc, threads_ctl_and_wait_lose_no_wakeup);
	suite_add_tcase(s, tc);
	return s;
}
