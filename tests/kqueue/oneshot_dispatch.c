/*
 * EV_ONESHOT deletes the knote after delivery; EV_DISPATCH disables it
 * (FreeBSD kqueue_scan).  Plus EV_ENABLE/EV_DISABLE and EV_ADD on an
 * existing knote (kqueue_register).
 */
#include "config.h"

#include "kq_util.h"

#include <unistd.h>

static int
readable_pipe_kq(int p[2], unsigned short flags)
{
	int kq = kqt_new();
	ekq_make_pipe(p);
	ekq_write_all(p[1], "x", 1);
	kqt_add(kq, p[0], EVFILT_READ, flags);
	return kq;
}

START_TEST(oneshot_is_delivered_once)
{
	int p[2], kq = readable_pipe_kq(p, EV_ONESHOT);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ekq_write_all(p[1], "y", 1);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(oneshot_knote_is_deleted_after_delivery)
{
	int p[2], kq = readable_pipe_kq(p, EV_ONESHOT);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_int_eq(kqt_change_errno(kq, (uintptr_t)p[0], EVFILT_READ,
	    EV_DELETE), ENOENT);
}
END_TEST

START_TEST(oneshot_can_be_added_again_after_delivery)
{
	int p[2], kq = readable_pipe_kq(p, EV_ONESHOT);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	kqt_add(kq, p[0], EVFILT_READ, EV_ONESHOT);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

START_TEST(oneshot_flag_is_echoed_in_the_returned_event)
{
	int p[2], kq = readable_pipe_kq(p, EV_ONESHOT);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert(ev.flags & EV_ONESHOT);
}
END_TEST

#if defined(HAVE_EV_DISPATCH) && defined(EV_DISPATCH)
START_TEST(dispatch_disables_the_knote_after_delivery)
{
	int p[2], kq = readable_pipe_kq(p, EV_DISPATCH);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	kqt_expect_none(kq);
	/* Disabled, not deleted. */
	ck_assert_int_eq(kqt_change_errno(kq, (uintptr_t)p[0], EVFILT_READ,
	    EV_DELETE), 0);
}
END_TEST

START_TEST(dispatch_knote_fires_again_once_enabled)
{
	int p[2], kq = readable_pipe_kq(p, EV_DISPATCH);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	kqt_change(kq, (uintptr_t)p[0], EVFILT_READ, EV_ENABLE, 0, 0, NULL);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	kqt_expect_none(kq);
}
END_TEST
#endif

START_TEST(disable_suppresses_a_pending_event)
{
	int p[2], kq = readable_pipe_kq(p, 0);
	kqt_change(kq, (uintptr_t)p[0], EVFILT_READ, EV_DISABLE, 0, 0, NULL);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(enable_delivers_a_condition_that_still_holds)
{
	int p[2], kq = readable_pipe_kq(p, 0);
	kqt_change(kq, (uintptr_t)p[0], EVFILT_READ, EV_DISABLE, 0, 0, NULL);
	kqt_expect_none(kq);
	kqt_change(kq, (uintptr_t)p[0], EVFILT_READ, EV_ENABLE, 0, 0, NULL);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

START_TEST(add_with_disable_creates_a_disabled_knote)
{
	int p[2], kq = readable_pipe_kq(p, EV_DISABLE);
	kqt_expect_none(kq);
	kqt_change(kq, (uintptr_t)p[0], EVFILT_READ, EV_ENABLE, 0, 0, NULL);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

START_TEST(delete_removes_the_knote)
{
	int p[2], kq = readable_pipe_kq(p, 0);
	kqt_delete(kq, p[0], EVFILT_READ);
	kqt_expect_none(kq);
}
END_TEST

/* kqueue_register re-runs the filter when an existing knote is re-added. */
START_TEST(readd_of_a_clear_knote_reports_a_condition_that_holds)
{
	int p[2], kq = readable_pipe_kq(p, EV_CLEAR);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	kqt_expect_none(kq);
	kqt_add(kq, p[0], EVFILT_READ, EV_CLEAR);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

/*
 * FreeBSD kqueue_register updates only udata, fflags and data of an
 * existing knote: EV_ADD cannot turn a level knote into an EV_CLEAR one.
 */
START_TEST(readd_does_not_change_the_knote_mode)
{
	int p[2], kq = readable_pipe_kq(p, 0);
	kqt_add(kq, p[0], EVFILT_READ, EV_CLEAR);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_uint_eq(ev.flags & EV_CLEAR, 0);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

Suite *
kq_oneshot_dispatch_suite(void)
{
	Suite *s = suite_create("oneshot_dispatch");
	TCase *tc = tcase_create("oneshot");
	tcase_add_test(tc, oneshot_is_delivered_once);
	tcase_add_test(tc, oneshot_knote_is_deleted_after_delivery);
	tcase_add_test(tc, oneshot_can_be_added_again_after_delivery);
	tcase_add_test(tc, oneshot_flag_is_echoed_in_the_returned_event);
	suite_add_tcase(s, tc);
#if defined(HAVE_EV_DISPATCH) && defined(EV_DISPATCH)
	TCase *dispatch = tcase_create("dispatch");
	tcase_add_test(dispatch, dispatch_disables_the_knote_after_delivery);
	tcase_add_test(dispatch, dispatch_knote_fires_again_once_enabled);
	suite_add_tcase(s, dispatch);
#endif
	TCase *toggle = tcase_create("enable_disable");
	tcase_add_test(toggle, disable_suppresses_a_pending_event);
	tcase_add_test(toggle, enable_delivers_a_condition_that_still_holds);
	tcase_add_test(toggle, add_with_disable_creates_a_disabled_knote);
	tcase_add_test(toggle, delete_removes_the_knote);
	tcase_add_test(toggle, readd_of_a_clear_knote_reports_a_condition_that_holds);
	tcase_add_test(toggle, readd_does_not_change_the_knote_mode);
	suite_add_tcase(s, toggle);
	return s;
}
