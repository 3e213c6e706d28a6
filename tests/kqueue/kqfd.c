/*
 * A kqueue is a real descriptor: poll() and select() see it readable while
 * events are pending (FreeBSD kqueue_poll), and another kqueue can watch it
 * with EVFILT_READ, data being the number of pending events (filt_kqueue).
 */
#include "config.h"

#include "kq_util.h"

#include <poll.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * fstat() as the code above a kqueue sees it: the kernel's on a BSD; over
 * compat/, the answer compat/ gives lib/ in the kernel's place.
 */
#ifdef EKQ_COMPAT_KQUEUE
#include <ekq_host.h>
#define kq_fstat ekq_host_fstat
#else
#define kq_fstat fstat
#endif

/* A kqueue with `n` pipes registered and readable. */
static int
busy_kqueue(int n)
{
	int kq = kqt_new();
	for (int i = 0; i < n; i++) {
		int p[2];
		ekq_make_pipe(p);
		ekq_write_all(p[1], "x", 1);
		kqt_add(kq, p[0], EVFILT_READ, 0);
	}
	return kq;
}

static short
poll_revents(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN, .revents = 0 };
	ck_assert_int_ge(poll(&pfd, 1, KQT_QUIET_MS), 0);
	return pfd.revents;
}

START_TEST(poll_sees_a_kqueue_with_pending_events_readable)
{
	int kq = busy_kqueue(1);
	ck_assert(poll_revents(kq) & POLLIN);
}
END_TEST

START_TEST(poll_sees_an_idle_kqueue_not_readable)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	ck_assert_int_eq(poll_revents(kq), 0);
}
END_TEST

START_TEST(poll_wakes_when_an_event_becomes_pending)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	ck_assert_int_eq(poll_revents(kq), 0);
	ekq_write_all(p[1], "x", 1);
	ekq_wait_fd(kq, POLLIN, KQT_WAIT_MS);
}
END_TEST

START_TEST(select_sees_a_kqueue_with_pending_events_readable)
{
	int kq = busy_kqueue(1);
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(kq, &rd);
	struct timeval tv = { .tv_sec = 0, .tv_usec = KQT_QUIET_MS * 1000 };
	ck_assert_int_eq(select(kq + 1, &rd, NULL, NULL, &tv), 1);
	ck_assert(FD_ISSET(kq, &rd));
}
END_TEST

START_TEST(kqueue_watched_by_another_kqueue_fires_read)
{
	int inner = kqt_new(), outer = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(inner, p[0], EVFILT_READ, 0);
	kqt_add(outer, inner, EVFILT_READ, 0);
	kqt_expect_none(outer);
	ekq_write_all(p[1], "x", 1);
	kqt_expect_one(outer, (uintptr_t)inner, EVFILT_READ);
}
END_TEST

START_TEST(kqueue_read_data_counts_pending_events)
{
	int inner = busy_kqueue(3), outer = kqt_new();
	kqt_add(outer, inner, EVFILT_READ, 0);
	struct kevent ev = kqt_expect_one(outer, (uintptr_t)inner, EVFILT_READ);
	ck_assert_int_eq(ev.data, 3);
}
END_TEST

START_TEST(kqueue_read_stops_once_the_inner_queue_is_drained)
{
	int inner = kqt_new(), outer = kqt_new(), p[2];
	ekq_make_pipe(p);
	ekq_write_all(p[1], "x", 1);
	kqt_add(inner, p[0], EVFILT_READ, EV_CLEAR);
	kqt_add(outer, inner, EVFILT_READ, 0);
	kqt_expect_one(outer, (uintptr_t)inner, EVFILT_READ);
	/* Collecting the EV_CLEAR event empties the inner queue. */
	kqt_expect_one(inner, (uintptr_t)p[0], EVFILT_READ);
	kqt_expect_none(outer);
}
END_TEST

/*
 * A kqueue lives in every descriptor of it: used once through a dup(), it
 * goes on working there after the number it was made under is closed
 * (lib/'s fork rebuild moves a new kqueue to an old number this way).
 */
START_TEST(kqueue_dup_works_after_the_original_is_closed)
{
	int kq = kqt_new(), p[2];
	int copy = dup(kq);
	ck_assert_int_ge(copy, 0);
	ck_assert_int_eq(kevent(copy, NULL, 0, NULL, 0, NULL), 0);
	ck_assert_int_eq(close(kq), 0);
	ekq_make_pipe(p);
	kqt_add(copy, p[0], EVFILT_READ, 0);
	kqt_expect_none(copy);
	ekq_write_all(p[1], "x", 1);
	struct kevent ev = kqt_expect_one(copy, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_int_eq(ev.data, 1);
	close(copy);
}
END_TEST

/* kqueue_stat(): a kqueue is a FIFO to fstat() on every BSD and macOS. */
START_TEST(fstat_says_a_kqueue_is_a_fifo)
{
	int kq = busy_kqueue(1);
	struct stat st;
	memset(&st, 0xa5, sizeof st);
	ck_assert_int_eq(kq_fstat(kq, &st), 0);
	ck_assert_int_eq(st.st_mode & S_IFMT, S_IFIFO);
	ck_assert_int_eq(st.st_ino, 0);
	ck_assert_int_eq(st.st_dev, 0);
	close(kq);
}
END_TEST

/*
 * An EV_CLEAR knote on a kqueue fires for each new event of the watched
 * kqueue, once: asking the watched kqueue how many events it has
 * (filt_kqueue()) is no new event.
 */
START_TEST(kqueue_watched_with_clear_fires_once_per_event)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	int inner = kqt_new(), outer = kqt_new();
	kqt_add(inner, sv[0], EVFILT_READ, EV_CLEAR);
	kqt_add(outer, inner, EVFILT_READ, EV_CLEAR);
	ekq_write_all(sv[1], "x", 1);
	kqt_wait_data(outer, (uintptr_t)inner, EVFILT_READ, 1);
	kqt_expect_none(outer);
	kqt_expect_none(outer);
	close(outer);
	close(inner);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

Suite *
kq_kqfd_suite(void)
{
	Suite *s = suite_create("kqfd");
	TCase *tc = tcase_create("kqfd");
	tcase_add_test(tc, poll_sees_a_kqueue_with_pending_events_readable);
	tcase_add_test(tc, poll_sees_an_idle_kqueue_not_readable);
	tcase_add_test(tc, poll_wakes_when_an_event_becomes_pending);
	tcase_add_test(tc, select_sees_a_kqueue_with_pending_events_readable);
	tcase_add_test(tc, kqueue_watched_by_another_kqueue_fires_read);
	tcase_add_test(tc, kqueue_read_data_counts_pending_events);
	tcase_add_test(tc, kqueue_read_stops_once_the_inner_queue_is_drained);
	tcase_add_test(tc, kqueue_dup_works_after_the_original_is_closed);
	tcase_add_test(tc, fstat_says_a_kqueue_is_a_fifo);
	tcase_add_test(tc, kqueue_watched_with_clear_fires_once_per_event);
	suite_add_tcase(s, tc);
	return s;
}
