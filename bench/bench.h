/*
 * bench/: what the benchmark programs share.
 *
 * Each workload runs three ways in one process: the kernel's epoll, epollkq,
 * and hand-written kevent() calls (the floor for any shim).  A workload's
 * epoll code is one file written against <sys/epoll.h> and compiled twice --
 * once against the system's header (bench/libbench-linux.a), once against
 * include/ (bench/libbench-ekq.a) -- with BENCH_WAY naming each copy's
 * symbols; its kevent code is a third translation unit against
 * <sys/event.h>.  The program's main file includes neither header: it sees
 * each way only through the ops tables declared here.
 */
#ifndef EKQ_BENCH_H
#define EKQ_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The copy of an epoll file being compiled: bench_pp_sys (the system's
 * header, the kernel's epoll) or bench_pp_ekq.  Not "linux": GNU C
 * predefines that as a macro. */
#define BENCH_CAT_(a, b) a##b
#define BENCH_CAT(a, b) BENCH_CAT_(a, b)
#define BENCH_SYM(prefix) BENCH_CAT(prefix, BENCH_WAY)

enum bench_way { WAY_LINUX, WAY_EKQ, WAY_KQ, NWAYS };

/* The way an epoll file's copy runs, for its tally. */
#define BENCH_ID_sys WAY_LINUX
#define BENCH_ID_ekq WAY_EKQ
#define BENCH_ID BENCH_CAT(BENCH_ID_, BENCH_WAY)

/*
 * Waits made and events handled, by way, over the whole run: each program
 * prints them, so that a way that did less (or more) work than the others
 * shows, and bench/callgrind-report.sh divides by them.
 */
struct bench_tally {
	long waits, events;
	long adds, mods, dels;  /* churn's epoll_ctl()s, or kevent()s */
};
extern struct bench_tally bench_tally[NWAYS];

/* ---- ping-pong: a token around a ring of socketpairs ---- */
struct pp_setup {
	const int *rd, *wr;     /* ring pair i: write wr[i], rd[i] reads it */
	int nring;
	const int *idle;        /* registered, never ready */
	int nidle;
	int maxevents;
};
struct pp_ops {
	void *(*setup)(const struct pp_setup *s);
	void (*run)(void *st, long hops);
	void (*teardown)(void *st);
};

/* ---- churn: EPOLL_CTL_ADD, _MOD, _DEL over N descriptors ---- */
struct churn_ops {
	void *(*open)(void);
	/* ADD for reading; MOD to reading and writing; DEL. */
	void (*add)(void *st, const int *fds, int n);
	void (*mod)(void *st, const int *fds, int n);
	void (*del)(void *st, const int *fds, int n);
	void (*close)(void *st);
};

/* ---- burst: many ready descriptors drained ---- */
struct burst_setup {
	const int *fds;         /* each made readable before a drain */
	int n;
	int maxevents;
	bool edge;              /* EPOLLET / EV_CLEAR */
};
struct burst_ops {
	void *(*setup)(const struct burst_setup *s);
	/* Take every descriptor's event once and read its byte; returns the
	 * nanoseconds spent waiting (in epoll_wait() or kevent()). */
	double (*drain)(void *st);
	void (*teardown)(void *st);
};

/* ---- echo: a TCP echo server ---- */
struct echo_ops {
	/* Serve on listening socket `lfd` until `nconns` connections have
	 * come and gone. */
	void (*serve)(int lfd, int nconns);
};

#ifdef BENCH_HAVE_LINUX
extern const struct pp_ops bench_pp_sys;
extern const struct churn_ops bench_churn_sys;
extern const struct burst_ops bench_burst_sys;
extern const struct echo_ops bench_echo_sys;
#endif
extern const struct pp_ops bench_pp_ekq, bench_pp_kq;
extern const struct churn_ops bench_churn_ekq, bench_churn_kq;
extern const struct burst_ops bench_burst_ekq, bench_burst_kq;
extern const struct echo_ops bench_echo_ekq, bench_echo_kq;

/* The echo load client (bench/echo-client.c): `nconns` connections to
 * 127.0.0.1:port, one request of `size` bytes in flight on each; returns
 * the requests completed in `window_ms` after `warmup_ms`. */
struct echo_load {
	int port, nconns, size, warmup_ms, window_ms;
};
struct echo_count {
	long requests;
	double seconds;
};
struct echo_count bench_echo_client(const struct echo_load *load);

/* ---- the harness (bench/bench.c) ---- */
#define BENCH_MAXCONF 8
#define BENCH_MAXREPS 31
#define BENCH_MAXMETRIC 4

struct bench_opts {
	int reps;
	bool ways[NWAYS];       /* -w: the ways to run */
	const char *only;       /* -c: the one configuration to run */
	const char *tsv;        /* -t: append results here */
	bool quick;             /* -q: small sizes, for callgrind and smoke runs */
};

struct bench_spec {
	const char *workload;   /* "ping-pong" */
	const char *title;      /* one line: what is measured */
	const char *xname;      /* what config x is: "idle fds", "N" */
	int nconfigs;
	const char *config[BENCH_MAXCONF];
	double x[BENCH_MAXCONF];
	int nmetrics;
	const char *metric[BENCH_MAXMETRIC]; /* "ns/hop", ... (first: headline) */
	/* One measurement of configuration `c` the way `w`, into out[]. */
	void (*measure)(int c, enum bench_way w, double *out, void *arg);
	void *arg;
};

/* Medians over the repetitions: med[config][way][metric], 0 if not run. */
typedef double bench_medians[BENCH_MAXCONF][NWAYS][BENCH_MAXMETRIC];

void bench_parse(int argc, char **argv, struct bench_opts *o,
    const char *usage_extra);
bool bench_config_wanted(const struct bench_opts *o, const char *name);
void bench_run(const struct bench_spec *s, const struct bench_opts *o,
    bench_medians med);
/* A summary line (a ratio, a count) for the human and the TSV reader. */
void bench_note(const struct bench_opts *o, const char *workload,
    const char *key, double value, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
double bench_ratio(double num, double den);
/* Configuration c1 way w1 against c2 way w2 in the last bench_run(): the
 * median of the per-repetition ratios (0 if either was not run).  Within a
 * repetition the two ran back to back, so a machine whose load changes
 * from one repetition to the next moves both alike. */
double bench_pratio(int c1, enum bench_way w1, int c2, enum bench_way w2,
    int m);
/* The tallies, printed and (with -t) written to the TSV file. */
void bench_tally_report(const struct bench_opts *o, const char *workload);

double bench_now_ns(void);
size_t bench_heap_in_use(void);
/* Descriptors that may still be opened under RLIMIT_NOFILE (raised to its
 * hard limit), keeping `margin` spare. */
int bench_fd_room(int margin);
/* n dup()s of fd into out[]; exits on failure. */
void bench_dups(int fd, int *out, int n);
void bench_close_all(const int *fds, int n);
/* A descriptor count as asked and as used: "17,936 (asked 100,000)". */
const char *bench_count(char *buf, size_t len, int used, int asked);
const char *bench_way_name(enum bench_way w);

#endif
