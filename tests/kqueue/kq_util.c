/* Helpers for the kqueue conformance suite (see kq_util.h). */
#include "config.h"

#include "kq_util.h"

#include <errno.h>
#include <string.h>

int
kqt_new(void)
{
	int kq = kqueue();
	ck_assert_msg(kq >= 0, "kqueue: %s", strerror(errno));
	return kq;
}

void
kqt_change(int kq, uintptr_t ident, short filter, unsigned short flags,
    unsigned int fflags, int64_t data, void *udata)
{
	struct kevent kev;
	EV_SET(&kev, ident, filter, flags, fflags, data, udata);
	int rc = kevent(kq, &kev, 1, NULL, 0, NULL);
	ck_assert_msg(rc == 0, "kevent change (ident %lu filter %d flags %#x)"
	    " returned %d: %s", (unsigned long)ident, filter, (unsigned)flags,
	    rc, strerror(errno));
}

int
kqt_change_errno(int kq, uintptr_t ident, short filter, unsigned short flags)
{
	struct kevent kev;
	EV_SET(&kev, ident, filter, flags, 0, 0, NULL);
	errno = 0;
	int rc = kevent(kq, &kev, 1, NULL, 0, NULL);
	if (rc == 0)
		return 0;
	ck_assert_int_eq(rc, -1);
	return errno;
}

void
kqt_add(int kq, int fd, short filter, unsigned short extra_flags)
{
	kqt_change(kq, (uintptr_t)fd, filter, EV_ADD | extra_flags, 0, 0,
	    NULL);
}

void
kqt_delete(int kq, int fd, short filter)
{
	kqt_change(kq, (uintptr_t)fd, filter, EV_DELETE, 0, 0, NULL);
}

struct timespec
kqt_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
	    .tv_nsec = (ms % 1000) * 1000000L };
	return ts;
}

int
kqt_wait(int kq, struct kevent *evs, int n, int timeout_ms)
{
	struct timespec ts = kqt_ms(timeout_ms);
	int rc = kevent(kq, NULL, 0, evs, n, &ts);
	ck_assert_msg(rc >= 0, "kevent wait: %s", strerror(errno));
	return rc;
}

int
kqt_poll(int kq, struct kevent *evs, int n)
{
	return kqt_wait(kq, evs, n, 0);
}

void
kqt_expect_none(int kq)
{
	struct kevent ev;
	int n = kqt_wait(kq, &ev, 1, KQT_QUIET_MS);
	ck_assert_msg(n == 0, "unexpected event: ident %lu filter %d flags %#x"
	    " data %lld", (unsigned long)ev.ident, ev.filter,
	    (unsigned)ev.flags, (long long)ev.data);
}

struct kevent
kqt_expect_one(int kq, uintptr_t ident, short filter)
{
	struct kevent evs[2];
	int n = kqt_wait(kq, evs, 2, KQT_WAIT_MS);
	ck_assert_msg(n == 1, "expected one event, got %d", n);
	ck_assert_uint_eq(evs[0].ident, ident);
	ck_assert_int_eq(evs[0].filter, filter);
	ck_assert_msg((evs[0].flags & EV_ERROR) == 0,
	    "EV_ERROR with data %lld", (long long)evs[0].data);
	return evs[0];
}

static int
find_event(const struct kevent *evs, int n, uintptr_t ident, short filter)
{
	for (int i = 0; i < n; i++)
		if (evs[i].ident == ident && evs[i].filter == filter)
			return i;
	return -1;
}

struct kevent
kqt_wait_data(int kq, uintptr_t ident, short filter, int64_t min_data)
{
	long long deadline = ekq_now_ms() + KQT_WAIT_MS;
	struct kevent last;
	int seen = 0;
	memset(&last, 0, sizeof last);
	while (ekq_now_ms() < deadline) {
		struct kevent evs[8];
		int n = kqt_wait(kq, evs, 8, 50);
		int i = find_event(evs, n, ident, filter);
		if (i < 0)
			continue;
		last = evs[i];
		seen = 1;
		if (last.data >= min_data)
			return last;
	}
	ck_abort_msg("ident %lu filter %d: %s (last data %lld, wanted >= %lld)",
	    (unsigned long)ident, filter, seen ? "data too small" : "no event",
	    (long long)last.data, (long long)min_data);
	return last;
}

struct kevent
kqt_wait_eof(int kq, uintptr_t ident, short filter)
{
	long long deadline = ekq_now_ms() + KQT_WAIT_MS;
	while (ekq_now_ms() < deadline) {
		struct kevent evs[8];
		int n = kqt_wait(kq, evs, 8, 50);
		int i = find_event(evs, n, ident, filter);
		if (i >= 0 && (evs[i].flags & EV_EOF))
			return evs[i];
	}
	ck_abort_msg("ident %lu filter %d: no EV_EOF", (unsigned long)ident,
	    filter);
	struct kevent none;
	memset(&none, 0, sizeof none);
	return none;
}
