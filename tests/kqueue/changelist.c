/*
 * The changelist: (ident, filter) uniqueness, udata, ordering of changes
 * against event collection, and how failing changes are reported.
 */
#include "config.h"

#include "kq_util.h"

#include <sys/socket.h>
#include <unistd.h>

static char udata_a, udata_b;

/* A pipe with one byte waiting in it. */
static void
readable_pipe(int p[2])
{
	ekq_make_pipe(p);
	ekq_write_all(p[1], "x", 1);
}

START_TEST(add_existing_pair_modifies_instead_of_duplicating)
{
	int kq = kqt_new(), p[2];
	readable_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	struct kevent evs[4];
	ck_assert_int_eq(kqt_wait(kq, evs, 4, KQT_WAIT_MS), 1);
}
END_TEST

START_TEST(udata_comes_back_unchanged)
{
	int kq = kqt_new(), p[2];
	readable_pipe(p);
	kqt_change(kq, (uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, &udata_a);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_ptr_eq(ev.udata, &udata_a);
}
END_TEST

START_TEST(readd_replaces_udata)
{
	int kq = kqt_new(), p[2];
	readable_pipe(p);
	kqt_change(kq, (uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, &udata_a);
	kqt_change(kq, (uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, &udata_b);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_ptr_eq(ev.udata, &udata_b);
}
END_TEST

START_TEST(same_ident_with_two_filters_gives_two_events)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	ekq_write_all(sv[1], "x", 1);
	kqt_add(kq, sv[0], EVFILT_READ, 0);
	kqt_add(kq, sv[0], EVFILT_WRITE, 0);
	struct kevent evs[4];
	ck_assert_int_eq(kqt_wait(kq, evs, 4, KQT_WAIT_MS), 2);
	ck_assert_int_ne(evs[0].filter, evs[1].filter);
}
END_TEST

START_TEST(changes_are_applied_before_events_are_collected)
{
	int kq = kqt_new(), p[2];
	readable_pipe(p);
	struct kevent ch, ev;
	EV_SET(&ch, (uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
	struct timespec zero = kqt_ms(0);
	ck_assert_int_eq(kevent(kq, &ch, 1, &ev, 1, &zero), 1);
	ck_assert_uint_eq(ev.ident, (uintptr_t)p[0]);
	ck_assert_int_eq(ev.filter, EVFILT_READ);
}
END_TEST

START_TEST(delete_later_in_the_same_changelist_wins)
{
	int kq = kqt_new(), p[2];
	readable_pipe(p);
	struct kevent ch[2], ev;
	EV_SET(&ch[0], (uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
	EV_SET(&ch[1], (uintptr_t)p[0], EVFILT_READ, EV_DELETE, 0, 0, NULL);
	struct timespec zero = kqt_ms(0);
	ck_assert_int_eq(kevent(kq, ch, 2, &ev, 1, &zero), 0);
}
END_TEST

START_TEST(failing_change_is_returned_as_ev_error_entry)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	struct kevent ch, ev;
	EV_SET(&ch, (uintptr_t)p[0], EVFILT_READ, EV_DELETE, 0, 0, &udata_a);
	ck_assert_int_eq(kevent(kq, &ch, 1, &ev, 1, NULL), 1);
	ck_assert(ev.flags & EV_ERROR);
	ck_assert_int_eq(ev.data, ENOENT);
}
END_TEST

START_TEST(error_entry_echoes_ident_filter_and_udata)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	struct kevent ch, ev;
	EV_SET(&ch, (uintptr_t)p[0], EVFILT_WRITE, EV_DELETE, 0, 0, &udata_b);
	ck_assert_int_eq(kevent(kq, &ch, 1, &ev, 1, NULL), 1);
	ck_assert_uint_eq(ev.ident, (uintptr_t)p[0]);
	ck_assert_int_eq(ev.filter, EVFILT_WRITE);
	ck_assert_ptr_eq(ev.udata, &udata_b);
}
END_TEST

START_TEST(failing_change_without_room_fails_the_call)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ck_assert_int_eq(kqt_change_errno(kq, (uintptr_t)p[0], EVFILT_READ,
	    EV_DELETE), ENOENT);
}
END_TEST

START_TEST(changes_after_a_failed_one_are_still_applied)
{
	int kq = kqt_new(), p[2];
	readable_pipe(p);
	struct kevent ch[2], ev[2];
	EV_SET(&ch[0], (uintptr_t)p[0], EVFILT_WRITE, EV_DELETE, 0, 0, NULL);
	EV_SET(&ch[1], (uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
	ck_assert_int_eq(kevent(kq, ch, 2, ev, 2, NULL), 1);
	ck_assert(ev[0].flags & EV_ERROR);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

/*
 * FreeBSD kqueue_kevent: once error entries were written the call returns
 * them without scanning for events.
 */
START_TEST(error_entries_are_returned_without_pending_events)
{
	int kq = kqt_new(), p[2];
	readable_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	struct kevent ch, ev[4];
	EV_SET(&ch, (uintptr_t)p[0], EVFILT_WRITE, EV_DELETE, 0, 0, NULL);
	ck_assert_int_eq(kevent(kq, &ch, 1, ev, 4, NULL), 1);
	ck_assert(ev[0].flags & EV_ERROR);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

START_TEST(second_error_without_room_fails_the_call)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	struct kevent ch[2], ev;
	EV_SET(&ch[0], (uintptr_t)p[0], EVFILT_READ, EV_DELETE, 0, 0, NULL);
	EV_SET(&ch[1], (uintptr_t)p[1], EVFILT_WRITE, EV_DELETE, 0, 0, NULL);
	errno = 0;
	ck_assert_int_eq(kevent(kq, ch, 2, &ev, 1, NULL), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* The first error went into the eventlist before the call failed. */
	ck_assert(ev.flags & EV_ERROR);
	ck_assert_uint_eq(ev.ident, (uintptr_t)p[0]);
}
END_TEST

START_TEST(nevents_zero_returns_at_once_after_applying_changes)
{
	int kq = kqt_new(), p[2];
	readable_pipe(p);
	struct kevent ch;
	EV_SET(&ch, (uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
	/* A NULL timeout would block forever if events were collected. */
	ck_assert_int_eq(kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

/* FreeBSD kqueue_kevent strips EV_SYSFLAGS from every change. */
START_TEST(system_flags_in_a_change_are_ignored)
{
	int kq = kqt_new(), p[2];
	readable_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, EV_EOF);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
	ck_assert_uint_eq(ev.flags & EV_EOF, 0);
}
END_TEST

START_TEST(the_same_array_may_serve_as_changelist_and_eventlist)
{
	int kq = kqt_new(), p[2];
	readable_pipe(p);
	struct kevent kev[2];
	EV_SET(&kev[0], (uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, &udata_a);
	EV_SET(&kev[1], (uintptr_t)p[1], EVFILT_WRITE, EV_ADD, 0, 0, &udata_b);
	ck_assert_int_eq(kevent(kq, kev, 2, kev, 2, NULL), 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(kev[i].flags & EV_ERROR, 0);
		ck_assert_ptr_eq(kev[i].udata,
		    kev[i].filter == EVFILT_READ ? &udata_a : &udata_b);
	}
}
END_TEST

/* More changes than FreeBSD copies in at once (KQ_NEVENTS is 8). */
START_TEST(a_long_changelist_is_applied_in_full)
{
	enum { N = 40 };
	int kq = kqt_new();
	struct kevent ch[N], ev[N];
	for (int i = 0; i < N; i++) {
		int p[2];
		readable_pipe(p);
		EV_SET(&ch[i], (uintptr_t)p[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
	}
	ck_assert_int_eq(kevent(kq, ch, N, NULL, 0, NULL), 0);
	ck_assert_int_eq(kqt_wait(kq, ev, N, KQT_WAIT_MS), N);
}
END_TEST

Suite *
kq_changelist_suite(void)
{
	Suite *s = suite_create("changelist");
	TCase *tc = tcase_create("changelist");
	tcase_add_test(tc, add_existing_pair_modifies_instead_of_duplicating);
	tcase_add_test(tc, udata_comes_back_unchanged);
	tcase_add_test(tc, readd_replaces_udata);
	tcase_add_test(tc, same_ident_with_two_filters_gives_two_events);
	tcase_add_test(tc, changes_are_applied_before_events_are_collected);
	tcase_add_test(tc, delete_later_in_the_same_changelist_wins);
	tcase_add_test(tc, failing_change_is_returned_as_ev_error_entry);
	tcase_add_test(tc, error_entry_echoes_ident_filter_and_udata);
	tcase_add_test(tc, failing_change_without_room_fails_the_call);
	tcase_add_test(tc, changes_after_a_failed_one_are_still_applied);
	tcase_add_test(tc, error_entries_are_returned_without_pending_events);
	tcase_add_test(tc, second_error_without_room_fails_the_call);
	tcase_add_test(tc, nevents_zero_returns_at_once_after_applying_changes);
	tcase_add_test(tc, system_flags_in_a_change_are_ignored);
	tcase_add_test(tc, the_same_array_may_serve_as_changelist_and_eventlist);
	tcase_add_test(tc, a_long_changelist_is_applied_in_full);
	suite_add_tcase(s, tc);
	return s;
}
