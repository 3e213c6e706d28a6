/* EVFILT_READ on pipes (FreeBSD sys_pipe.c filt_piperead). */
#include "config.h"

#include "kq_util.h"

#include <unistd.h>

START_TEST(read_pipe_is_not_ready_while_empty)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(read_pipe_reports_bytes_available_in_data)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	ekq_write_all(p[1], "hello", 5);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_int_eq(ev.data, 5);
	ck_assert_uint_eq(ev.flags & EV_EOF, 0);
}
END_TEST

START_TEST(read_pipe_fires_for_data_written_before_registration)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ekq_write_all(p[1], "abc", 3);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_int_eq(ev.data, 3);
}
END_TEST

START_TEST(read_pipe_keeps_firing_while_data_remains)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	ekq_write_all(p[1], "abcd", 4);
	for (int i = 0; i < 3; i++)
		kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

START_TEST(read_pipe_data_follows_partial_reads)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	ekq_write_all(p[1], "abcdef", 6);
	char buf[2];
	ekq_read_exact(p[0], buf, 2);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_int_eq(ev.data, 4);
}
END_TEST

START_TEST(read_pipe_stops_firing_once_drained)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	ekq_write_all(p[1], "abc", 3);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_uint_eq(ekq_drain(p[0]), 3);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(read_pipe_reports_eof_when_the_writer_closes)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	close(p[1]);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
	ck_assert_int_eq(ev.data, 0);
}
END_TEST

START_TEST(read_pipe_eof_event_still_counts_unread_bytes)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	ekq_write_all(p[1], "tail", 4);
	close(p[1]);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
	ck_assert_int_eq(ev.data, 4);
}
END_TEST

/* FreeBSD kqueue_scan re-queues level knotes behind the ones not yet seen. */
START_TEST(ready_knotes_take_turns_when_eventlist_is_short)
{
	int kq = kqt_new(), p[3][2];
	for (int i = 0; i < 3; i++) {
		ekq_make_pipe(p[i]);
		ekq_write_all(p[i][1], "x", 1);
		kqt_add(kq, p[i][0], EVFILT_READ, 0);
	}
	int seen[3] = { 0, 0, 0 };
	for (int round = 0; round < 3; round++) {
		struct kevent ev;
		ck_assert_int_eq(kqt_poll(kq, &ev, 1), 1);
		for (int i = 0; i < 3; i++)
			if (ev.ident == (uintptr_t)p[i][0])
				seen[i]++;
	}
	ck_assert_int_eq(seen[0] + seen[1] + seen[2], 3);
	ck_assert(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
}
END_TEST

Suite *
kq_read_suite(void)
{
	Suite *s = suite_create("read");
	TCase *tc = tcase_create("read");
	tcase_add_test(tc, read_pipe_is_not_ready_while_empty);
	tcase_add_test(tc, read_pipe_reports_bytes_available_in_data);
	tcase_add_test(tc, read_pipe_fires_for_data_written_before_registration);
	tcase_add_test(tc, read_pipe_keeps_firing_while_data_remains);
	tcase_add_test(tc, read_pipe_data_follows_partial_reads);
	tcase_add_test(tc, read_pipe_stops_firing_once_drained);
	tcase_add_test(tc, read_pipe_reports_eof_when_the_writer_closes);
	tcase_add_test(tc, read_pipe_eof_event_still_counts_unread_bytes);
	tcase_add_test(tc, ready_knotes_take_turns_when_eventlist_is_short);
	suite_add_tcase(s, tc);
	return s;
}
