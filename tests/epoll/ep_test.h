/*
 * Helpers for the epoll conformance suite.  Only the epoll API and POSIX:
 * this suite is built against Linux's own <sys/epoll.h> (the oracle) and
 * against epollkq's, and both builds must pass the same assertions.
 */
#ifndef EP_TEST_H
#define EP_TEST_H

#include "ekq_test.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

/* Upper bound for things that must happen ("within 5 s"). */
#define EP_SOON 5000
/* Window for things that must not happen ("nothing within 100 ms"). */
#define EP_QUIET 100

/* epoll reports these whether they were requested or not. */
#define EP_ALWAYS ((uint32_t)(EPOLLHUP | EPOLLERR))
/* What most state cases request, so the exact answer can be asserted. */
#define EP_IORH ((uint32_t)(EPOLLIN | EPOLLOUT | EPOLLRDHUP))

/* A distinctive 64-bit cookie: catches truncation of epoll_data_t. */
#define EP_COOKIE(n) (UINT64_C(0xC0FFEE0000000000) | (uint64_t)(n))

/*
 * Does this build differ from Linux where tests/epoll/differences.tsv's row
 * `tag` ("diff-...") says, for the platform profile it was built for?  The
 * cases of that row then assert what the row's epollkq column documents.
 * Always false against Linux's own epoll.  (main.c)
 */
bool ep_differs(const char *tag);

/* Path of this test binary, for cases that exec it (set by main.c). */
extern const char *ep_self_exe;

/* An epoll instance (epoll_create1(EPOLL_CLOEXEC)); fails the case if none. */
int ep_create(void);
void ep_add(int epfd, int fd, uint32_t events, uint64_t data);
void ep_mod(int epfd, int fd, uint32_t events, uint64_t data);
void ep_del(int epfd, int fd);

/* epoll_wait that must not fail (EINTR is retried); returns the count. */
int ep_wait(int epfd, struct epoll_event *evs, int maxevents, int timeout_ms);
/* Exactly one event, with this data and exactly this mask, within timeout. */
void ep_expect(int epfd, uint64_t data, uint32_t events, int timeout_ms);
/* No event at all within timeout_ms. */
void ep_expect_none(int epfd, int timeout_ms);

/*
 * The mask a fresh instance holding only fd (registered for `events`,
 * level-triggered) reports within timeout_ms, 0 if none.
 */
uint32_t ep_mask(int fd, uint32_t events, int timeout_ms);
/*
 * Level-triggered: wait until fd's reported mask contains all of `until`
 * (for loopback traffic whose delivery is asynchronous), then return the
 * mask reported by one more, immediate, wait so the settled state is judged.
 * Fails the case if `until` never shows up within timeout_ms.
 */
uint32_t ep_mask_when(int fd, uint32_t events, uint32_t until, int timeout_ms);

/* "IN|OUT|HUP" style rendering for messages (rotating static buffers). */
const char *ep_str(uint32_t mask);

#define ck_assert_mask(got, want) do {                                       \
	uint32_t ep_got_ = (got), ep_want_ = (want);                          \
	ck_assert_msg(ep_got_ == ep_want_, "%s: got %s, want %s", #got,       \
	    ep_str(ep_got_), ep_str(ep_want_));                               \
} while (0)

/* Microseconds on the monotonic clock. */
long long ep_now_us(void);
/* Write one byte; read everything there is. */
void ep_poke(int fd);
void ep_drain(int fd);
/* A descriptor on a regular file / a directory (both unpollable). */
int ep_open_regular_file(void);
int ep_open_directory(void);

/*
 * A helper thread that first checks that `quiet_fd` stays unreadable for
 * EP_QUIET ms (a real negative check, judged at join), then writes one byte
 * to `poke_fd`.  The check's window is what lets a waiter in the calling
 * thread get blocked first, without a sleep.
 */
struct ep_poker {
	pthread_t thread;
	int quiet_fd, poke_fd;
	int quiet_held;
};
void ep_poker_start(struct ep_poker *pk, int quiet_fd, int poke_fd);
void ep_poker_join(struct ep_poker *pk);

/* Run fn in a forked child; returns its exit status (-1 if it did not exit). */
int ep_run_child(int (*fn)(void *), void *arg);
/* Exec this binary with argv {ep_self_exe, a1, a2, a3 (may be NULL)}; returns exit status. */
int ep_exec_self(const char *a1, const char *a2, const char *a3);

#endif
