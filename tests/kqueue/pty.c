/*
 * EVFILT_READ and EVFILT_WRITE on pseudo-terminals (FreeBSD tty.c
 * tty_kqops_* for the slave, tty_pts.c pts_kqops_* for the master).  The
 * fixture puts the slave in raw mode, so bytes pass through unchanged.
 */
#include "config.h"

#include "kq_util.h"

#include <unistd.h>

START_TEST(pty_slave_read_reports_bytes_written_by_the_master)
{
	int kq = kqt_new(), m, s;
	ekq_make_pty(&m, &s);
	kqt_add(kq, s, EVFILT_READ, 0);
	kqt_expect_none(kq);
	ekq_write_all(m, "abc", 3);
	struct kevent ev = kqt_wait_data(kq, (uintptr_t)s, EVFILT_READ, 3);
	ck_assert_int_eq(ev.data, 3);
}
END_TEST

START_TEST(pty_master_read_reports_bytes_written_by_the_slave)
{
	int kq = kqt_new(), m, s;
	ekq_make_pty(&m, &s);
	kqt_add(kq, m, EVFILT_READ, 0);
	kqt_expect_none(kq);
	ekq_write_all(s, "wxyz", 4);
	struct kevent ev = kqt_wait_data(kq, (uintptr_t)m, EVFILT_READ, 4);
	ck_assert_int_eq(ev.data, 4);
}
END_TEST

START_TEST(pty_master_write_is_ready_with_space_in_data)
{
	int kq = kqt_new(), m, s;
	ekq_make_pty(&m, &s);
	kqt_add(kq, m, EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)m, EVFILT_WRITE);
	ck_assert_int_gt(ev.data, 0);
}
END_TEST

START_TEST(pty_slave_write_is_ready_with_space_in_data)
{
	int kq = kqt_new(), m, s;
	ekq_make_pty(&m, &s);
	kqt_add(kq, s, EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)s, EVFILT_WRITE);
	ck_assert_int_gt(ev.data, 0);
}
END_TEST

START_TEST(pty_slave_read_reports_eof_when_the_master_closes)
{
	int kq = kqt_new(), m, s;
	ekq_make_pty(&m, &s);
	kqt_add(kq, s, EVFILT_READ, 0);
	close(m);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)s, EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
}
END_TEST

/* FreeBSD pts_kqops_read_event: EOF once the slave side is finished. */
START_TEST(pty_master_read_reports_eof_when_the_slave_closes)
{
	int kq = kqt_new(), m, s;
	ekq_make_pty(&m, &s);
	kqt_add(kq, m, EVFILT_READ, 0);
	close(s);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)m, EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
}
END_TEST

Suite *
kq_pty_suite(void)
{
	Suite *s = suite_create("pty");
	TCase *tc = tcase_create("pty");
	tcase_add_test(tc, pty_slave_read_reports_bytes_written_by_the_master);
	tcase_add_test(tc, pty_master_read_reports_bytes_written_by_the_slave);
	tcase_add_test(tc, pty_master_write_is_ready_with_space_in_data);
	tcase_add_test(tc, pty_slave_write_is_ready_with_space_in_data);
	tcase_add_test(tc, pty_slave_read_reports_eof_when_the_master_closes);
	tcase_add_test(tc, pty_master_read_reports_eof_when_the_slave_closes);
	suite_add_tcase(s, tc);
	return s;
}
