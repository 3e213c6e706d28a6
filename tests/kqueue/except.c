/*
 * EVFILT_EXCEPT with NOTE_OOB: TCP out-of-band data.  FreeBSD has no
 * EVFILT_EXCEPT; macOS (filt_soread_common), OpenBSD (filt_soexcept) and
 * DragonFly do, and report NOTE_OOB in fflags while the mark is pending.
 */
#include "config.h"

#include "kq_util.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(HAVE_EVFILT_EXCEPT) && defined(EVFILT_EXCEPT) && defined(NOTE_OOB)

static void
add_oob_watch(int kq, int fd)
{
	kqt_change(kq, (uintptr_t)fd, EVFILT_EXCEPT, EV_ADD, NOTE_OOB, 0, NULL);
}

START_TEST(except_fires_with_note_oob_for_out_of_band_data)
{
	int kq = kqt_new(), c, s;
	ekq_make_tcp_pair(&c, &s);
	add_oob_watch(kq, s);
	ck_assert_int_eq(send(c, "!", 1, MSG_OOB), 1);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)s, EVFILT_EXCEPT);
	ck_assert(ev.fflags & NOTE_OOB);
}
END_TEST

START_TEST(except_does_not_fire_for_ordinary_data)
{
	int kq = kqt_new(), c, s;
	ekq_make_tcp_pair(&c, &s);
	add_oob_watch(kq, s);
	ekq_write_all(c, "plain", 5);
	ekq_wait_fd(s, POLLIN, KQT_WAIT_MS);
	kqt_expect_none(kq);
}
END_TEST

#endif

Suite *
kq_except_suite(void)
{
	Suite *s = suite_create("except");
#if defined(HAVE_EVFILT_EXCEPT) && defined(EVFILT_EXCEPT) && defined(NOTE_OOB)
	TCase *tc = tcase_create("except");
	tcase_add_test(tc, except_fires_with_note_oob_for_out_of_band_data);
	tcase_add_test(tc, except_does_not_fire_for_ordinary_data);
	suite_add_tcase(s, tc);
#endif
	return s;
}
