/*
 * close(): closing a descriptor removes its knotes from every kqueue
 * (FreeBSD knote_fdclose), so a descriptor that later gets the same number
 * starts with none; closing a kqueue frees everything it held.
 */
#include "config.h"

#include "kq_util.h"

#include <stdbool.h>
#include <unistd.h>

/* Descriptor numbers the fd-count checks look at. */
#define FD_LIMIT 1024

/* Make `number` refer to the read end of a fresh pipe; returns its writer. */
static int
new_pipe_at(int number)
{
	int q[2];
	ekq_make_pipe(q);
	if (q[0] != number) {
		ck_assert_int_eq(dup2(q[0], number), number);
		close(q[0]);
	}
	return q[1];
}

START_TEST(closing_a_watched_descriptor_removes_its_knotes)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	close(p[0]);
	int wr = new_pipe_at(p[0]);
	ck_assert_int_eq(kqt_change_errno(kq, (uintptr_t)p[0], EVFILT_READ,
	    EV_DELETE), ENOENT);
	close(wr);
}
END_TEST

START_TEST(reused_descriptor_number_gets_no_events_of_the_old_knote)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	close(p[0]);
	int wr = new_pipe_at(p[0]);
	ekq_write_all(wr, "x", 1);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(pending_event_of_a_closed_descriptor_is_never_delivered)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	ekq_write_all(p[1], "x", 1);
	close(p[0]);
	kqt_expect_none(kq);
	int wr = new_pipe_at(p[0]);
	ekq_write_all(wr, "y", 1);
	kqt_expect_none(kq);
}
END_TEST

/* knote_fdclose works on the descriptor number, not the open file. */
START_TEST(closing_a_descriptor_drops_its_knotes_even_if_a_dup_stays_open)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	int d = dup(p[0]);
	ck_assert_ok(d);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	close(p[0]);
	ekq_write_all(p[1], "x", 1);
	kqt_expect_none(kq);
	kqt_add(kq, d, EVFILT_READ, 0);
	kqt_expect_one(kq, (uintptr_t)d, EVFILT_READ);
}
END_TEST

/*
 * libevent's main/dup_fd, at the kqueue level: a dup()ed number closed and
 * then made a dup of the same file again (dup2) starts with no knotes, and
 * EV_ADD makes a fresh one, with the new udata, that delivers.
 */
START_TEST(redup2ed_descriptor_number_gets_a_fresh_knote)
{
	static char old_udata, new_udata;
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	int d = dup(p[0]);
	ck_assert_ok(d);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	kqt_change(kq, (uintptr_t)d, EVFILT_READ, EV_ADD, 0, 0, &old_udata);
	close(d);
	ck_assert_int_eq(kqt_change_errno(kq, (uintptr_t)d, EVFILT_READ,
	    EV_DELETE), EBADF);
	ck_assert_int_eq(dup2(p[0], d), d);
	kqt_change(kq, (uintptr_t)d, EVFILT_READ, EV_ADD, 0, 0, &new_udata);
	ekq_write_all(p[1], "x", 1);
	struct kevent ev[4];
	ck_assert_int_eq(kqt_wait(kq, ev, 4, KQT_WAIT_MS), 2);
	bool saw_d = false;
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(ev[i].filter, EVFILT_READ);
		if (ev[i].ident == (uintptr_t)d) {
			ck_assert_ptr_eq(ev[i].udata, &new_udata);
			saw_d = true;
		} else {
			ck_assert_int_eq(ev[i].ident, (uintptr_t)p[0]);
		}
	}
	ck_assert(saw_d);
}
END_TEST

START_TEST(closing_one_kqueue_leaves_the_knotes_of_another)
{
	int kq1 = kqt_new(), kq2 = kqt_new(), p[2];
	ekq_make_pipe(p);
	kqt_add(kq1, p[0], EVFILT_READ, 0);
	kqt_add(kq2, p[0], EVFILT_READ, 0);
	close(kq1);
	ekq_write_all(p[1], "x", 1);
	kqt_expect_one(kq2, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

START_TEST(closing_a_kqueue_restores_the_descriptor_count)
{
	int p[2];
	ekq_make_pipe(p);
	int before = ekq_count_fds_below(FD_LIMIT);
	int kq = kqt_new();
	kqt_add(kq, p[0], EVFILT_READ, 0);
	kqt_add(kq, p[1], EVFILT_WRITE, 0);
	ekq_write_all(p[1], "x", 1);
	struct kevent ev[2];
	ck_assert_int_eq(kqt_wait(kq, ev, 2, KQT_WAIT_MS), 2);
	ck_assert_int_eq(close(kq), 0);
	ck_assert_int_eq(ekq_count_fds_below(FD_LIMIT), before);
}
END_TEST

/* Counted after a first kqueue, so only per-kqueue leaks show here. */
START_TEST(many_kqueues_opened_and_closed_leak_no_descriptors)
{
	ck_assert_int_eq(close(kqt_new()), 0);
	int before = ekq_count_fds_below(FD_LIMIT);
	for (int i = 0; i < 64; i++) {
		int kq = kqt_new();
		ck_assert_int_eq(close(kq), 0);
	}
	ck_assert_int_eq(ekq_count_fds_below(FD_LIMIT), before);
}
END_TEST

START_TEST(closed_kqueue_descriptor_is_invalid)
{
	int kq = kqt_new();
	ck_assert_int_eq(close(kq), 0);
	struct kevent ev;
	struct timespec zero = kqt_ms(0);
	ck_assert_fails_with(kevent(kq, NULL, 0, &ev, 1, &zero), EBADF);
}
END_TEST

Suite *
kq_close_suite(void)
{
	Suite *s = suite_create("close");
	TCase *tc = tcase_create("close");
	tcase_add_test(tc, closing_a_watched_descriptor_removes_its_knotes);
	tcase_add_test(tc, reused_descriptor_number_gets_no_events_of_the_old_knote);
	tcase_add_test(tc, pending_event_of_a_closed_descriptor_is_never_delivered);
	tcase_add_test(tc,
	    closing_a_descriptor_drops_its_knotes_even_if_a_dup_stays_open);
	tcase_add_test(tc, redup2ed_descriptor_number_gets_a_fresh_knote);
	tcase_add_test(tc, closing_one_kqueue_leaves_the_knotes_of_another);
	tcase_add_test(tc, closing_a_kqueue_restores_the_descriptor_count);
	tcase_add_test(tc, many_kqueues_opened_and_closed_leak_no_descriptors);
	tcase_add_test(tc, closed_kqueue_descriptor_is_invalid);
	suite_add_tcase(s, tc);
	return s;
}
