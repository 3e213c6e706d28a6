/*
 * The fault-injection sweep.  Built with our <sys/epoll.h> against
 * tests/fault/libepollkq-fault.la, whose fault points (allocations,
 * kevent(), kqueue(), fcntl(), dup2()) can be made to fail one at a time.
 *
 * A scenario is a setup, one epoll call (the step) and a check.  The sweep
 * runs the step once with no fault to count its fault points (K), then
 * once per point, each time on a fresh setup with that point failing, and
 * checks every outcome: the call succeeded, or failed with an errno Linux
 * could give; the instance says exactly what it said before a failed call
 * or after a successful one; and no descriptor was left behind.
 */
#ifndef EKQ_FAULT_H
#define EKQ_FAULT_H

#include "ekq_test.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

/* Exported by libepollkq-fault only. */
void ekq_fault_set(long nth);
long ekq_fault_count(void);

/* What a scenario registers. */
enum fs_kind {
	FS_PIPE_R,      /* a pipe's read end */
	FS_PIPE_W,      /* a pipe's write end */
	FS_STREAM,      /* a unix stream socket */
	FS_DGRAM,       /* a unix datagram socket */
	FS_FIFO_R,      /* a FIFO opened for reading */
	FS_FIFO_W,      /* a FIFO opened for writing */
	FS_EPOLL,       /* another epoll instance (nested) */
	FS_NKINDS
};

/* A registrable descriptor and whatever makes it readable. */
struct fs_obj {
	enum fs_kind kind;
	int fd;         /* the descriptor that gets registered */
	int other;      /* its other end (pipe, peer socket, FIFO) */
	int inner_rd;   /* FS_EPOLL: the pipe registered in the instance... */
	int inner_wr;   /* ...and its write end, which makes it readable */
	char path[PATH_MAX];
};

void fs_obj_open(struct fs_obj *o, enum fs_kind kind);
void fs_obj_close(struct fs_obj *o);
/* Make o->fd readable where it can be (not a write end). */
void fs_obj_poke(const struct fs_obj *o);
const char *fs_kind_name(enum fs_kind kind);

/*
 * What the instance should hold for one descriptor: a model, against
 * which the instance is checked.
 */
struct fs_reg {
	bool on;        /* registered */
	bool disarmed;  /* EPOLLONESHOT fired, no MOD since */
	uint32_t events;
	uint64_t data;
};

/* The events poll() reports for fd (the oracle: Linux's epoll asks the
 * same f_op->poll), as epoll bits. */
uint32_t fs_ready(int fd);

/* Open descriptors of the process (see harness.c for what is left out). */
int fs_count_fds(void);
/* Does poll() find the epoll descriptor readable (something to return)? */
bool fs_epfd_readable(int epfd);

int fs_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);

/*
 * One step of a scenario under a fault: -1 with errno, or 0.  `ctx` is
 * the scenario's own state.
 */
struct fs_scenario {
	const char *name;
	void (*setup)(void *ctx);
	int (*step)(void *ctx);
	/* `done`: the step succeeded (check the state after it), or not
	 * (check the state before it). */
	void (*check)(void *ctx, bool done);
	void (*teardown)(void *ctx);
	void *ctx;
	/* errnos the step may fail with, 0-terminated */
	const int *errnos;
	/*
	 * EBADF is also accepted when the fault was one of the step's first
	 * `ebadf_points` points: there epoll_ctl() validates the caller's
	 * descriptors (Linux's fdget() comes first too), and an fcntl() that
	 * fails there says the descriptor is not open -- EBADF is then what
	 * Linux gives.  An fcntl() failing anywhere later must not surface as
	 * EBADF.
	 */
	int ebadf_points;
};

/*
 * Run the sweep.  A bad outcome is a violation: it is printed, counted,
 * and the sweep goes on with the next fault point, so that one run shows
 * every point that misbehaves.  fs_assert_clean() then fails the case if
 * there was any.
 */
void fs_sweep(const struct fs_scenario *s);
void fs_assert_clean(void);
/* The same, for a sweep that runs its own loop: count it, go on. */
void fs_note_violation(const char *msg);

/* An assertion about the library's behaviour, within a sweep. */
#define FS_CHECK(cond, ...) do {                                              \
	if (!(cond))                                                          \
		fs_violation(__FILE__, __LINE__, __VA_ARGS__);                \
} while (0)
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
_Noreturn void fs_violation(const char *file, int line, const char *fmt, ...);
/* Which scenario and fault the sweep is at, for messages. */
extern char fs_where[256];
/* "IN|OUT|ET" */
const char *fs_str(uint32_t mask);

/* Totals over every case, kept where the forked cases can add to them. */
struct fs_totals {
	long scenarios;
	long points;    /* fault points met in clean runs */
	long injected;  /* runs in which the chosen point was reached */
	long failed;    /* ...of which the epoll call failed */
	long tolerated; /* ...of which it succeeded anyway */
	long violations;
};
extern struct fs_totals *fs_totals;

/* Errno sets. */
extern const int fs_errnos_ctl[];
extern const int fs_errnos_create[];
extern const int fs_errnos_wait[];

/* Distinctive epoll_data values. */
#define FS_DATA(n) (UINT64_C(0xFA0170000000000) | (uint64_t)(n))

#define FS_ALWAYS ((uint32_t)(EPOLLHUP | EPOLLERR))

Suite *fs_create_suite(void);
Suite *fs_ctl_suite(void);
Suite *fs_wait_suite(void);
Suite *fs_fork_suite(void);
Suite *fs_fdtypes_suite(void);

#endif
