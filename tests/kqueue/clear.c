/*
 * EV_CLEAR: the knote fires once per change of state and then stays quiet
 * until the next one (FreeBSD kqueue_scan dequeues it and zeroes data and
 * fflags; the next knote() activation queues it again).
 */
#include "config.h"

#include "kq_util.h"

#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

START_TEST(clear_read_fires_once_per_arrival)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, EV_CLEAR);
	ekq_write_all(p[1], "a", 1);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	kqt_expect_none(kq);
	ekq_write_all(p[1], "b", 1);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(clear_read_reports_all_unread_bytes_on_the_next_arrival)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, EV_CLEAR);
	ekq_write_all(p[1], "abc", 3);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_int_eq(ev.data, 3);
	ekq_write_all(p[1], "de", 2);
	ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_int_eq(ev.data, 5);
}
END_TEST

START_TEST(clear_read_fires_for_data_pending_at_registration)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ekq_write_all(p[1], "early", 5);
	kqt_add(kq, p[0], EVFILT_READ, EV_CLEAR);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_int_eq(ev.data, 5);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(clear_read_reports_eof_after_a_data_event)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, EV_CLEAR);
	ekq_write_all(p[1], "a", 1);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	close(p[1]);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
}
END_TEST

START_TEST(clear_write_fires_once_while_nothing_changes)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[1], EVFILT_WRITE, EV_CLEAR);
	kqt_expect_one(kq, (uintptr_t)p[1], EVFILT_WRITE);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(clear_write_fires_again_after_each_drain)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[1], EVFILT_WRITE, EV_CLEAR);
	kqt_expect_one(kq, (uintptr_t)p[1], EVFILT_WRITE);
	for (int round = 0; round < 2; round++) {
		ekq_fill(p[1]);
		kqt_expect_none(kq);
		ekq_drain(p[0]);
		kqt_expect_one(kq, (uintptr_t)p[1], EVFILT_WRITE);
	}
}
END_TEST

START_TEST(clear_socket_read_fires_once_per_arrival)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	kqt_add(kq, sv[0], EVFILT_READ, EV_CLEAR);
	for (int i = 0; i < 3; i++) {
		ekq_write_all(sv[1], "m", 1);
		struct kevent ev = kqt_expect_one(kq, (uintptr_t)sv[0],
		    EVFILT_READ);
		ck_assert_int_eq(ev.data, i + 1);
		kqt_expect_none(kq);
	}
}
END_TEST

START_TEST(clear_flag_is_echoed_in_returned_events)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ekq_write_all(p[1], "a", 1);
	kqt_add(kq, p[0], EVFILT_READ, EV_CLEAR);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert(ev.flags & EV_CLEAR);
}
END_TEST

/*
 * Each filter has its own knlist on the BSDs (so_rcv, so_snd): data that
 * arrives wakes the read knote only, and draining the peer's buffer wakes
 * the write knote only.
 */
START_TEST(clear_write_does_not_fire_when_data_arrives)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	kqt_add(kq, sv[0], EVFILT_READ, EV_CLEAR);
	kqt_add(kq, sv[0], EVFILT_WRITE, EV_CLEAR);
	kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_WRITE);
	kqt_expect_none(kq);
	ekq_write_all(sv[1], "data", 4);
	kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_READ);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(clear_read_does_not_fire_when_the_write_side_drains)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	ekq_write_all(sv[1], "unread", 6);
	kqt_add(kq, sv[0], EVFILT_READ, EV_CLEAR);
	kqt_add(kq, sv[0], EVFILT_WRITE, EV_CLEAR);
	struct kevent ev[2];
	ck_assert_int_eq(kqt_wait(kq, ev, 2, KQT_WAIT_MS), 2);
	kqt_expect_none(kq);
	/* Fill our send buffer, then let the peer drain it. */
	ekq_fill(sv[0]);
	kqt_expect_none(kq);
	ekq_drain(sv[1]);
	struct kevent got = kqt_wait_data(kq, (uintptr_t)sv[0], EVFILT_WRITE, 1);
	ck_assert_int_eq(got.filter, EVFILT_WRITE);
	kqt_expect_none(kq);
}
END_TEST

/*
 * Two numbers for one socket, each with EV_CLEAR knotes in both directions:
 * four independent knotes.  Each fires once for its own condition.
 */
START_TEST(clear_knotes_of_two_dups_of_one_socket_are_independent)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	int d = dup(sv[0]);
	ck_assert_ok(d);
	kqt_add(kq, sv[0], EVFILT_READ, EV_CLEAR);
	kqt_add(kq, sv[0], EVFILT_WRITE, EV_CLEAR);
	kqt_add(kq, d, EVFILT_READ, EV_CLEAR);
	kqt_add(kq, d, EVFILT_WRITE, EV_CLEAR);
	struct kevent ev[8];
	ck_assert_int_eq(kqt_wait(kq, ev, 8, KQT_WAIT_MS), 2);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(ev[i].filter, EVFILT_WRITE);
	kqt_expect_none(kq);
	ekq_write_all(sv[1], "x", 1);
	ck_assert_int_eq(kqt_wait(kq, ev, 8, KQT_WAIT_MS), 2);
	bool saw_orig = false, saw_dup = false;
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(ev[i].filter, EVFILT_READ);
		saw_orig = saw_orig || ev[i].ident == (uintptr_t)sv[0];
		saw_dup = saw_dup || ev[i].ident == (uintptr_t)d;
	}
	ck_assert(saw_orig && saw_dup);
	kqt_expect_none(kq);
}
END_TEST

Suite *
kq_clear_suite(void)
{
	Suite *s = suite_create("clear");
	TCase *tc = tcase_create("clear");
	tcase_add_test(tc, clear_read_fires_once_per_arrival);
	tcase_add_test(tc, clear_read_reports_all_unread_bytes_on_the_next_arrival);
	tcase_add_test(tc, clear_read_fires_for_data_pending_at_registration);
	tcase_add_test(tc, clear_read_reports_eof_after_a_data_event);
	tcase_add_test(tc, clear_write_fires_once_while_nothing_changes);
	tcase_add_test(tc, clear_write_fires_again_after_each_drain);
	tcase_add_test(tc, clear_socket_read_fires_once_per_arrival);
	tcase_add_test(tc, clear_flag_is_echoed_in_returned_events);
	tcase_add_test(tc, clear_write_does_not_fire_when_data_arrives);
	tcase_add_test(tc, clear_read_does_not_fire_when_the_write_side_drains);
	tcase_add_test(tc, clear_knotes_of_two_dups_of_one_socket_are_independent);
	suite_add_tcase(s, tc);
	return s;
}
