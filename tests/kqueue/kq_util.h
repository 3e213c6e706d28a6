/*
 * Helpers for the kqueue conformance suite.  They use only <sys/event.h>'s
 * kqueue API and POSIX, so the suite builds against a native BSD kqueue.
 */
#ifndef KQ_UTIL_H
#define KQ_UTIL_H

#include "ekq_test.h"

#include <stdint.h>
#include <sys/types.h>
#include <sys/event.h>
#include <time.h>

/* How long a positive check may wait, and how long a negative one waits. */
#define KQT_WAIT_MS 5000
#define KQT_QUIET_MS 100

/* A new kqueue; fails the test if kqueue() fails. */
int kqt_new(void);

/* Apply one change with no eventlist; fails the test if kevent() fails. */
void kqt_change(int kq, uintptr_t ident, short filter, unsigned short flags,
    unsigned int fflags, int64_t data, void *udata);

/*
 * Apply one change with no eventlist and return 0 or the errno kevent()
 * failed with (a failing change with no room for EV_ERROR fails the call).
 */
int kqt_change_errno(int kq, uintptr_t ident, short filter,
    unsigned short flags);

/* Shorthands for the common changes. */
void kqt_add(int kq, int fd, short filter, unsigned short extra_flags);
void kqt_delete(int kq, int fd, short filter);

/* Collect up to n events without waiting; returns the count (>= 0). */
int kqt_poll(int kq, struct kevent *evs, int n);

/* Collect up to n events, waiting at most timeout_ms; returns the count. */
int kqt_wait(int kq, struct kevent *evs, int n, int timeout_ms);

/* Assert that nothing arrives within KQT_QUIET_MS. */
void kqt_expect_none(int kq);

/*
 * Wait (up to KQT_WAIT_MS) for exactly one event and assert its ident and
 * filter; returns it.
 */
struct kevent kqt_expect_one(int kq, uintptr_t ident, short filter);

/*
 * Poll until an event for (ident, filter) reports data >= min_data, or fail
 * after KQT_WAIT_MS.  For conditions that build up asynchronously (loopback
 * connections, tty input processing).  Returns the last matching event.
 */
struct kevent kqt_wait_data(int kq, uintptr_t ident, short filter,
    int64_t min_data);

/*
 * Poll until an event for (ident, filter) carries EV_EOF, or fail after
 * KQT_WAIT_MS; for knotes that may fire before the EOF arrives.
 */
struct kevent kqt_wait_eof(int kq, uintptr_t ident, short filter);

/* A timespec of ms milliseconds. */
struct timespec kqt_ms(long ms);

#endif
