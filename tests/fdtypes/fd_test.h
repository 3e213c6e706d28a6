/*
 * Helpers for the fd-types conformance suite (eventfd, timerfd, signalfd).
 * Only the Linux API of those three headers, <sys/epoll.h> and POSIX: the
 * suite is built against the kernel's own headers (the oracle) and against
 * epollkq's emulation, and both builds must pass the same assertions.
 */
#ifndef FD_TEST_H
#define FD_TEST_H

#include "ekq_test.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>

/* Upper bound for things that must happen ("within 5 s"). */
#define FD_SOON 5000
/* Window for things that must not happen ("nothing within 100 ms"). */
#define FD_QUIET 100

/* The largest value an eventfd counter can hold (Linux: ULLONG_MAX - 1). */
#define FD_EVENTFD_MAX UINT64_C(0xfffffffffffffffe)

/* Every case: the descriptor table is as it was when the case ends. */
void fd_add_hygiene(TCase *tc);

/* Read / write one 8-byte value; fails the case on any other outcome. */
uint64_t fd_read_u64(int fd);
void fd_write_u64(int fd, uint64_t value);

/* poll() for `events` for up to timeout_ms; returns revents (0: nothing). */
short fd_poll(int fd, short events, int timeout_ms);
/* select(): whether fd is readable / writable now. */
bool fd_select_readable(int fd);
bool fd_select_writable(int fd);
/* A fresh epoll instance's report for fd alone (level-triggered). */
uint32_t fd_epoll_mask(int fd, uint32_t events, int timeout_ms);

/* epoll helpers: instance, ctl that must succeed, wait retrying EINTR. */
int fd_epoll(void);
void fd_epoll_add(int epfd, int fd, uint32_t events, uint64_t data);
void fd_epoll_mod(int epfd, int fd, uint32_t events, uint64_t data);
int fd_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout_ms);
/* Exactly one event with this data and mask within timeout_ms. */
void fd_epoll_expect(int epfd, uint64_t data, uint32_t events, int timeout_ms);
void fd_epoll_expect_none(int epfd, int timeout_ms);

/* Arm a timerfd: value and interval in milliseconds, relative. */
void fd_timer_arm_ms(int tfd, long value_ms, long interval_ms);
/* Milliseconds on `clock`. */
long long fd_clock_ms(clockid_t clock);
struct timespec fd_ts_ms(long long ms);
long long fd_ts_to_ms(struct timespec ts);

/* Block `sig` in this thread's mask (the case's only thread). */
void fd_block(int sig);
/* A signalfd for exactly {sig}, made with flags. */
int fd_signalfd_for(int sig, int flags);
/* Read one signalfd_siginfo; fails the case if there is none. */
struct signalfd_siginfo fd_read_siginfo(int sfd);
bool fd_sig_pending(int sig);

/*
 * A helper thread that first checks that `watch_fd` shows none of `events`
 * for FD_QUIET ms (judged at join), then runs `action`.  The window lets
 * the calling thread get blocked in a call first, without a sleep.
 */
struct fd_later {
	pthread_t thread;
	int watch_fd;
	short events;
	void (*action)(void *);
	void *arg;
	int quiet_held;
};
void fd_later_start(struct fd_later *l, int watch_fd, short events,
    void (*action)(void *), void *arg);
void fd_later_join(struct fd_later *l);

/* Run fn in a forked child; its exit status (-1 if it did not exit). */
int fd_run_child(int (*fn)(void *), void *arg);

#endif
