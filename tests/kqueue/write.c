/* EVFILT_WRITE on pipes (FreeBSD sys_pipe.c filt_pipewrite). */
#include "config.h"

#include "kq_util.h"

#include <limits.h>
#include <unistd.h>

START_TEST(write_pipe_reports_free_space_in_data)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[1], EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[1], EVFILT_WRITE);
	/* filt_pipewrite fires only with at least PIPE_BUF bytes free. */
	ck_assert_int_ge(ev.data, PIPE_BUF);
}
END_TEST

START_TEST(write_pipe_data_shrinks_by_the_bytes_written)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[1], EVFILT_WRITE, 0);
	struct kevent before = kqt_expect_one(kq, (uintptr_t)p[1],
	    EVFILT_WRITE);
	char buf[100] = { 0 };
	ekq_write_all(p[1], buf, sizeof buf);
	struct kevent after = kqt_expect_one(kq, (uintptr_t)p[1], EVFILT_WRITE);
	ck_assert_int_eq(before.data - after.data, (int64_t)sizeof buf);
}
END_TEST

START_TEST(write_pipe_is_not_ready_when_full)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ekq_fill(p[1]);
	kqt_add(kq, p[1], EVFILT_WRITE, 0);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(write_pipe_is_ready_again_once_the_reader_drains)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ekq_fill(p[1]);
	kqt_add(kq, p[1], EVFILT_WRITE, 0);
	kqt_expect_none(kq);
	ekq_drain(p[0]);
	kqt_expect_one(kq, (uintptr_t)p[1], EVFILT_WRITE);
}
END_TEST

/*
 * The pipe is left writable: FreeBSD's pipeclose() only marks a detached
 * write knote EV_EOF|EV_ONESHOT (knlist_clear), so the EOF is seen by a
 * knote that is still queued, as a ready level knote is.
 */
START_TEST(write_pipe_reports_eof_when_the_reader_closes)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[1], EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[1], EVFILT_WRITE);
	ck_assert_uint_eq(ev.flags & EV_EOF, 0);
	close(p[0]);
	ev = kqt_expect_one(kq, (uintptr_t)p[1], EVFILT_WRITE);
	ck_assert(ev.flags & EV_EOF);
}
END_TEST

Suite *
kq_write_suite(void)
{
	Suite *s = suite_create("write");
	TCase *tc = tcase_create("write");
	tcase_add_test(tc, write_pipe_reports_free_space_in_data);
	tcase_add_test(tc, write_pipe_data_shrinks_by_the_bytes_written);
	tcase_add_test(tc, write_pipe_is_not_ready_when_full);
	tcase_add_test(tc, write_pipe_is_ready_again_once_the_reader_drains);
	tcase_add_test(tc, write_pipe_reports_eof_when_the_reader_closes);
	suite_add_tcase(s, tc);
	return s;
}
