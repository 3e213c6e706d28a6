/*
 * EV_RECEIPT: every change comes back as an EV_ERROR entry, data 0 on
 * success, and pending events are not collected (FreeBSD kqueue_kevent).
 */
#include "config.h"

#include "kq_util.h"

#include <unistd.h>

#if defined(HAVE_EV_RECEIPT) && defined(EV_RECEIPT)

START_TEST(receipt_returns_an_entry_with_zero_data_on_success)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	struct kevent ch, ev;
	EV_SET(&ch, (uintptr_t)p[0], EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0,
	    NULL);
	ck_assert_int_eq(kevent(kq, &ch, 1, &ev, 1, NULL), 1);
	ck_assert(ev.flags & EV_ERROR);
	ck_assert_int_eq(ev.data, 0);
	ck_assert_uint_eq(ev.ident, (uintptr_t)p[0]);
	ck_assert_int_eq(ev.filter, EVFILT_READ);
}
END_TEST

START_TEST(receipt_reports_the_errno_of_a_failed_change)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	struct kevent ch, ev;
	EV_SET(&ch, (uintptr_t)p[0], EVFILT_READ, EV_DELETE | EV_RECEIPT, 0, 0,
	    NULL);
	ck_assert_int_eq(kevent(kq, &ch, 1, &ev, 1, NULL), 1);
	ck_assert(ev.flags & EV_ERROR);
	ck_assert_int_eq(ev.data, ENOENT);
}
END_TEST

START_TEST(receipt_does_not_collect_pending_events)
{
	int kq = kqt_new(), p[2], q[2];
	ekq_make_pipe(p);
	ekq_make_pipe(q);
	ekq_write_all(p[1], "x", 1);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	struct kevent ch, ev[4];
	EV_SET(&ch, (uintptr_t)q[0], EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0,
	    NULL);
	ck_assert_int_eq(kevent(kq, &ch, 1, ev, 4, NULL), 1);
	ck_assert(ev[0].flags & EV_ERROR);
	ck_assert_uint_eq(ev[0].ident, (uintptr_t)q[0]);
	/* The pending event is still there for the next call. */
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

START_TEST(receipt_returns_one_entry_per_change)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	struct kevent ch[2], ev[4];
	EV_SET(&ch[0], (uintptr_t)p[0], EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0,
	    NULL);
	EV_SET(&ch[1], (uintptr_t)p[1], EVFILT_WRITE, EV_ADD | EV_RECEIPT, 0,
	    0, NULL);
	ck_assert_int_eq(kevent(kq, ch, 2, ev, 4, NULL), 2);
	ck_assert_uint_eq(ev[0].ident, (uintptr_t)p[0]);
	ck_assert_uint_eq(ev[1].ident, (uintptr_t)p[1]);
	ck_assert_int_eq(ev[0].data, 0);
	ck_assert_int_eq(ev[1].data, 0);
}
END_TEST

START_TEST(receipt_change_is_applied)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	struct kevent ch, ev;
	EV_SET(&ch, (uintptr_t)p[0], EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0,
	    NULL);
	ck_assert_int_eq(kevent(kq, &ch, 1, &ev, 1, NULL), 1);
	ekq_write_all(p[1], "x", 1);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

/* kqueue(2): a receipt with no room left stops the rest of the changes. */
START_TEST(receipt_without_room_stops_the_later_changes)
{
	int kq = kqt_new(), p[2], q[2];
	ekq_make_pipe(p);
	ekq_make_pipe(q);
	struct kevent ch[2];
	EV_SET(&ch[0], (uintptr_t)p[0], EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0,
	    NULL);
	EV_SET(&ch[1], (uintptr_t)q[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
	ck_assert_int_eq(kevent(kq, ch, 2, NULL, 0, NULL), 0);
	ck_assert_int_eq(kqt_change_errno(kq, (uintptr_t)q[0], EVFILT_READ,
	    EV_DELETE), ENOENT);
}
END_TEST

#endif

Suite *
kq_receipt_suite(void)
{
	Suite *s = suite_create("receipt");
#if defined(HAVE_EV_RECEIPT) && defined(EV_RECEIPT)
	TCase *tc = tcase_create("receipt");
	tcase_add_test(tc, receipt_returns_an_entry_with_zero_data_on_success);
	tcase_add_test(tc, receipt_reports_the_errno_of_a_failed_change);
	tcase_add_test(tc, receipt_does_not_collect_pending_events);
	tcase_add_test(tc, receipt_returns_one_entry_per_change);
	tcase_add_test(tc, receipt_change_is_applied);
	tcase_add_test(tc, receipt_without_room_stops_the_later_changes);
	suite_add_tcase(s, tc);
#endif
	return s;
}
