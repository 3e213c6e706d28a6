/*
 * Descriptor hygiene: a kqueue is one descriptor.  Whatever it watched and
 * whatever happened on it, once the program has closed every kqueue its
 * descriptor table is exactly what it was before the first one was made
 * (on a BSD closing the kqueue frees everything it held).
 *
 * One allowance, kept as small as can be and stated here as a bound: a
 * kqueue closed while it had events waiting in user space (a triggered
 * EVFILT_USER knote) may leave one descriptor for the whole process --
 * whatever an implementation needed to keep the kqueue readable -- until
 * the next call into the kqueue API.  A BSD leaves none.
 */
#include "config.h"

#include "kq_util.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

static void
assert_same_fds(const struct ekq_fdset *before)
{
	ck_assert_int_eq(ekq_fdset_extra(before), 0);
}

/*
 * At most one descriptor more than `before` (none fewer), and none once the
 * kqueue API has been called again.
 */
static void
assert_same_fds_by_next_call(const struct ekq_fdset *before)
{
	ck_assert_int_le(ekq_fdset_extra(before), 1);
	/* The next call, with the closed kqueues' numbers taken meanwhile:
	 * a new kqueue does not simply land on one of them. */
	int hold[8];
	for (int i = 0; i < 8; i++)
		ck_assert_ok(hold[i] = open("/dev/null", O_RDONLY));
	ck_assert_int_eq(close(kqt_new()), 0);
	for (int i = 0; i < 8; i++)
		close(hold[i]);
	assert_same_fds(before);
}

START_TEST(closing_a_kqueue_that_watched_an_unconnected_tcp_socket_restores_the_fds)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_ok(s);
	ekq_set_nonblock(s);
	struct ekq_fdset before;
	ekq_fdset_snapshot(&before);
	int kq = kqt_new();
	kqt_add(kq, s, EVFILT_READ, EV_CLEAR);
	kqt_add(kq, s, EVFILT_WRITE, 0);
	struct kevent ev[4];
	(void)kqt_poll(kq, ev, 4);
	(void)kqt_poll(kq, ev, 4);
	ck_assert_int_eq(close(kq), 0);
	assert_same_fds(&before);
	close(s);
}
END_TEST

START_TEST(closing_a_kqueue_with_a_clear_knote_beside_another_restores_the_fds)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	struct ekq_fdset before;
	ekq_fdset_snapshot(&before);
	int kq = kqt_new();
	kqt_add(kq, sv[0], EVFILT_READ, 0);
	kqt_add(kq, sv[0], EVFILT_WRITE, EV_CLEAR);
	ekq_write_all(sv[1], "x", 1);
	struct kevent ev[4];
	ck_assert_int_eq(kqt_wait(kq, ev, 4, KQT_WAIT_MS), 2);
	ck_assert_int_eq(close(kq), 0);
	assert_same_fds(&before);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(closing_a_kqueue_with_a_clear_knote_beside_another_restores_the_fds_uncollected)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	struct ekq_fdset before;
	ekq_fdset_snapshot(&before);
	int kq = kqt_new();
	kqt_add(kq, sv[0], EVFILT_WRITE, 0);
	kqt_add(kq, sv[0], EVFILT_READ, EV_CLEAR);
	kqt_add(kq, sv[0], EVFILT_EXCEPT, EV_CLEAR);
	ck_assert_int_eq(close(kq), 0);
	assert_same_fds(&before);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(closing_a_kqueue_with_a_triggered_user_knote_restores_the_fds)
{
	struct ekq_fdset before;
	ekq_fdset_snapshot(&before);
	int kq = kqt_new();
	kqt_change(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL);
	kqt_change(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
	ck_assert_int_eq(close(kq), 0);
	assert_same_fds_by_next_call(&before);
}
END_TEST

START_TEST(closing_a_kqueue_whose_user_event_was_collected_restores_the_fds)
{
	struct ekq_fdset before;
	ekq_fdset_snapshot(&before);
	int kq = kqt_new();
	kqt_change(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL);
	kqt_change(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
	kqt_expect_one(kq, 1, EVFILT_USER);
	ck_assert_int_eq(close(kq), 0);
	assert_same_fds(&before);
}
END_TEST

START_TEST(closing_several_kqueues_restores_the_fds)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_ok(s);
	ekq_set_nonblock(s);
	struct ekq_fdset before;
	ekq_fdset_snapshot(&before);
	int kq[4];
	for (int i = 0; i < 4; i++) {
		kq[i] = kqt_new();
		kqt_add(kq[i], sv[0], EVFILT_READ, 0);
		kqt_add(kq[i], sv[0], EVFILT_WRITE, EV_CLEAR);
		kqt_add(kq[i], s, EVFILT_WRITE, 0);
		kqt_change(kq[i], 7, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL);
		kqt_change(kq[i], 7, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
	}
	ekq_write_all(sv[1], "x", 1);
	struct kevent ev[8];
	(void)kqt_poll(kq[0], ev, 1);
	(void)kqt_poll(kq[1], ev, 8);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(close(kq[i]), 0);
	assert_same_fds_by_next_call(&before);
	close(sv[0]);
	close(sv[1]);
	close(s);
}
END_TEST

START_TEST(closing_several_kqueues_without_user_events_restores_the_fds)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	struct ekq_fdset before;
	ekq_fdset_snapshot(&before);
	int kq[4];
	for (int i = 0; i < 4; i++) {
		kq[i] = kqt_new();
		kqt_add(kq[i], sv[0], EVFILT_READ, 0);
		kqt_add(kq[i], sv[0], EVFILT_WRITE, EV_CLEAR);
		kqt_add(kq[i], sv[1], EVFILT_READ, EV_CLEAR);
		kqt_add(kq[i], sv[1], EVFILT_WRITE, EV_CLEAR);
	}
	ekq_write_all(sv[1], "x", 1);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(close(kq[i]), 0);
	assert_same_fds(&before);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

Suite *
kq_hygiene_suite(void)
{
	Suite *s = suite_create("hygiene");
	TCase *tc = tcase_create("hygiene");
	tcase_add_test(tc,
	    closing_a_kqueue_that_watched_an_unconnected_tcp_socket_restores_the_fds);
	tcase_add_test(tc,
	    closing_a_kqueue_with_a_clear_knote_beside_another_restores_the_fds);
	tcase_add_test(tc,
	    closing_a_kqueue_with_a_clear_knote_beside_another_restores_the_fds_uncollected);
	tcase_add_test(tc,
	    closing_a_kqueue_with_a_triggered_user_knote_restores_the_fds);
	tcase_add_test(tc,
	    closing_a_kqueue_whose_user_event_was_collected_restores_the_fds);
	tcase_add_test(tc, closing_several_kqueues_restores_the_fds);
	tcase_add_test(tc,
	    closing_several_kqueues_without_user_events_restores_the_fds);
	suite_add_tcase(s, tc);
	return s;
}
