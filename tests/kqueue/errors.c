/*
 * Bad input: the errno kevent() reports, as FreeBSD's kern_kevent,
 * kqueue_acquire, kqueue_register and kqueue_scan do.
 */
#include "config.h"

#include "kq_util.h"

#include <fcntl.h>
#include <unistd.h>

/* An fd number that is certainly closed. */
static int
closed_fd(void)
{
	int p[2];
	ekq_make_pipe(p);
	close(p[1]);
	close(p[0]);
	return p[0];
}

/* The errno of a one-change call whose error lands in the eventlist. */
static int64_t
error_entry(int kq, uintptr_t ident, short filter, unsigned short flags)
{
	struct kevent ch, ev;
	EV_SET(&ch, ident, filter, flags, 0, 0, NULL);
	ck_assert_int_eq(kevent(kq, &ch, 1, &ev, 1, NULL), 1);
	ck_assert(ev.flags & EV_ERROR);
	return ev.data;
}

static int
wait_errno(int kq, const struct timespec *ts)
{
	struct kevent ev;
	errno = 0;
	ck_assert_int_eq(kevent(kq, NULL, 0, &ev, 1, ts), -1);
	return errno;
}

START_TEST(kevent_on_a_closed_descriptor_fails_with_ebadf)
{
	struct timespec zero = kqt_ms(0);
	ck_assert_int_eq(wait_errno(closed_fd(), &zero), EBADF);
}
END_TEST

/* FreeBSD kqueue_acquire: not a kqueue is EBADF, not EINVAL. */
START_TEST(kevent_on_a_non_kqueue_descriptor_fails_with_ebadf)
{
	int p[2];
	ekq_make_pipe(p);
	struct timespec zero = kqt_ms(0);
	ck_assert_int_eq(wait_errno(p[0], &zero), EBADF);
}
END_TEST

START_TEST(add_of_a_closed_ident_fails_with_ebadf)
{
	int kq = kqt_new();
	ck_assert_int_eq(error_entry(kq, (uintptr_t)closed_fd(), EVFILT_READ,
	    EV_ADD), EBADF);
}
END_TEST

START_TEST(add_with_an_unknown_filter_fails_with_einval)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	/* Far outside every BSD's filter range (all use small numbers). */
	ck_assert_int_eq(error_entry(kq, (uintptr_t)p[0], -100, EV_ADD),
	    EINVAL);
}
END_TEST

START_TEST(delete_of_a_missing_knote_fails_with_enoent)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ck_assert_int_eq(error_entry(kq, (uintptr_t)p[0], EVFILT_READ,
	    EV_DELETE), ENOENT);
}
END_TEST

START_TEST(enable_of_a_missing_knote_fails_with_enoent)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ck_assert_int_eq(error_entry(kq, (uintptr_t)p[0], EVFILT_READ,
	    EV_ENABLE), ENOENT);
}
END_TEST

START_TEST(disable_of_a_missing_knote_fails_with_enoent)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ck_assert_int_eq(error_entry(kq, (uintptr_t)p[0], EVFILT_READ,
	    EV_DISABLE), ENOENT);
}
END_TEST

/* kqueue_register looks the descriptor up before the knote. */
START_TEST(delete_on_a_closed_descriptor_fails_with_ebadf)
{
	int kq = kqt_new();
	ck_assert_int_eq(error_entry(kq, (uintptr_t)closed_fd(), EVFILT_READ,
	    EV_DELETE), EBADF);
}
END_TEST

START_TEST(negative_tv_nsec_fails_with_einval)
{
	int kq = kqt_new();
	struct timespec ts = { .tv_sec = 0, .tv_nsec = -1 };
	ck_assert_int_eq(wait_errno(kq, &ts), EINVAL);
}
END_TEST

START_TEST(tv_nsec_of_one_second_fails_with_einval)
{
	int kq = kqt_new();
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000000000L };
	ck_assert_int_eq(wait_errno(kq, &ts), EINVAL);
}
END_TEST

START_TEST(negative_tv_sec_fails_with_einval)
{
	int kq = kqt_new();
	struct timespec ts = { .tv_sec = -1, .tv_nsec = 0 };
	ck_assert_int_eq(wait_errno(kq, &ts), EINVAL);
}
END_TEST

START_TEST(kqueue_watching_itself_fails_with_einval)
{
	int kq = kqt_new();
	ck_assert_int_eq(error_entry(kq, (uintptr_t)kq, EVFILT_READ, EV_ADD),
	    EINVAL);
}
END_TEST

/* FreeBSD kqueue_kqfilter accepts only EVFILT_READ on a kqueue. */
START_TEST(write_filter_on_a_kqueue_fails_with_einval)
{
	int kq = kqt_new(), inner = kqt_new();
	ck_assert_int_eq(error_entry(kq, (uintptr_t)inner, EVFILT_WRITE,
	    EV_ADD), EINVAL);
}
END_TEST

Suite *
kq_errors_suite(void)
{
	Suite *s = suite_create("errors");
	TCase *tc = tcase_create("errors");
	tcase_add_test(tc, kevent_on_a_closed_descriptor_fails_with_ebadf);
	tcase_add_test(tc, kevent_on_a_non_kqueue_descriptor_fails_with_ebadf);
	tcase_add_test(tc, add_of_a_closed_ident_fails_with_ebadf);
	tcase_add_test(tc, add_with_an_unknown_filter_fails_with_einval);
	tcase_add_test(tc, delete_of_a_missing_knote_fails_with_enoent);
	tcase_add_test(tc, enable_of_a_missing_knote_fails_with_enoent);
	tcase_add_test(tc, disable_of_a_missing_knote_fails_with_enoent);
	tcase_add_test(tc, delete_on_a_closed_descriptor_fails_with_ebadf);
	tcase_add_test(tc, negative_tv_nsec_fails_with_einval);
	tcase_add_test(tc, tv_nsec_of_one_second_fails_with_einval);
	tcase_add_test(tc, negative_tv_sec_fails_with_einval);
	tcase_add_test(tc, kqueue_watching_itself_fails_with_einval);
	tcase_add_test(tc, write_filter_on_a_kqueue_fails_with_einval);
	suite_add_tcase(s, tc);
	return s;
}
