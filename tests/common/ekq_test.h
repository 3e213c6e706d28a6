/*
 * Shared test helpers.  POSIX only: the epoll suite is built against Linux's
 * own epoll too, and the kqueue suite against a native BSD kqueue, so nothing
 * here may depend on epollkq or compat/.
 */
#ifndef EKQ_TEST_H
#define EKQ_TEST_H

#include <check.h>
#include <stdbool.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

/* Assert that `expr` returns -1 and sets errno to `err`. */
#define ck_assert_fails_with(expr, err) do {                                  \
	errno = 0;                                                            \
	long ekq_rc_ = (long)(expr);                                          \
	int ekq_errno_ = errno;                                               \
	ck_assert_msg(ekq_rc_ == -1 && ekq_errno_ == (err),                   \
	    "%s: expected -1/%s, got %ld/%s", #expr, strerror(err), ekq_rc_,  \
	    strerror(ekq_errno_));                                            \
} while (0)

/* Assert that `expr` does not return -1; report errno if it does. */
#define ck_assert_ok(expr) do {                                               \
	errno = 0;                                                            \
	long ekq_rc_ = (long)(expr);                                          \
	ck_assert_msg(ekq_rc_ != -1, "%s failed: %s", #expr, strerror(errno)); \
} while (0)

/* Descriptors: all helpers return non-blocking, close-on-exec descriptors. */
void ekq_make_pipe(int fds[2]);
void ekq_make_socketpair(int type, int sv[2]);
/* A connected loopback TCP pair. */
void ekq_make_tcp_pair(int *client, int *server);
/* A listening loopback TCP socket; its port is stored in *port. */
int ekq_make_tcp_listener(unsigned short *port);
/* A non-blocking TCP socket whose connect() to 127.0.0.1:port is under way. */
int ekq_start_tcp_connect(unsigned short port);
/* Two loopback UDP sockets connected to each other. */
void ekq_make_udp_pair(int *a, int *b);
/* A listening unix stream socket bound to a fresh path (stored in path). */
int ekq_make_unix_listener(char *path, size_t len);
/* A FIFO in a fresh temporary directory: opens the reader first. */
void ekq_make_fifo(char *path, size_t len, int *rd, int *wr);
void ekq_remove_fifo(const char *path);
/* A pseudo-terminal pair, slave in raw mode. */
void ekq_make_pty(int *master, int *slave);
/* A port on which nothing listens (bound, never listened, then closed). */
unsigned short ekq_unused_tcp_port(void);

void ekq_set_nonblock(int fd);
/* Write until the descriptor would block; returns the byte count. */
size_t ekq_fill(int fd);
/* Read until the descriptor would block or hits EOF; returns the byte count. */
size_t ekq_drain(int fd);
void ekq_write_all(int fd, const void *buf, size_t len);
/* Read exactly len bytes (blocking with poll). */
void ekq_read_exact(int fd, void *buf, size_t len);
/* Wait (poll) until fd has `events`; fails the test after timeout_ms. */
void ekq_wait_fd(int fd, short events, int timeout_ms);

/* Number of open descriptors in this process. */
int ekq_count_open_fds(void);
/* Monotonic clock in milliseconds. */
long long ekq_now_ms(void);

/*
 * Run the suites returned by `ctors` (NULL-terminated) in Check's fork mode
 * and return a process exit status.
 */
int ekq_run_suites(Suite *(*const ctors[])(void));

/*
 * Number of open descriptors below `limit`, probed one by one with fcntl()
 * (works where /dev/fd lists only 0-2, as on FreeBSD without fdescfs).
 */
int ekq_count_fds_below(int limit);

/*
 * Which descriptor numbers below EKQ_FDSET_LIMIT are open (fcntl(): no
 * /dev/fd needed), for checks that the descriptor table is the program's.
 */
#define EKQ_FDSET_LIMIT 1024
struct ekq_fdset {
	bool open[EKQ_FDSET_LIMIT];
};
void ekq_fdset_snapshot(struct ekq_fdset *set);
/* How many are open now that were not in `before`; fails the test if any
 * of `before` was closed. */
int ekq_fdset_extra(const struct ekq_fdset *before);

#endif
