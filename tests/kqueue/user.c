/*
 * EVFILT_USER (FreeBSD kern_event.c filt_userattach/filt_user/
 * filt_usertouch): NOTE_TRIGGER, the NOTE_FF* operations on the low 24 user
 * bits of fflags, and EV_CLEAR against level behaviour.
 */
#include "config.h"

#include "kq_util.h"

#include <unistd.h>

#if defined(HAVE_EVFILT_USER) && defined(EVFILT_USER)

#define UID 4242u

static char marker;

/* Register the user event with initial user flags (no trigger). */
static int
user_kq(unsigned short extra_flags, unsigned int fflags)
{
	int kq = kqt_new();
	kqt_change(kq, UID, EVFILT_USER, EV_ADD | extra_flags, fflags, 0,
	    &marker);
	return kq;
}

static void
trigger(int kq, unsigned int fflags, int64_t data)
{
	kqt_change(kq, UID, EVFILT_USER, 0, NOTE_TRIGGER | fflags, data,
	    &marker);
}

/* Trigger with `ctrl | bits` and return the delivered user flags. */
static unsigned int
flags_after(unsigned int initial, unsigned int ctrl, unsigned int bits)
{
	int kq = user_kq(0, initial);
	trigger(kq, ctrl | bits, 0);
	struct kevent ev = kqt_expect_one(kq, UID, EVFILT_USER);
	return ev.fflags & NOTE_FFLAGSMASK;
}

START_TEST(user_event_does_not_fire_before_a_trigger)
{
	int kq = user_kq(0, 0);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(user_trigger_fires_the_event)
{
	int kq = user_kq(0, 0);
	trigger(kq, 0, 0);
	struct kevent ev = kqt_expect_one(kq, UID, EVFILT_USER);
	ck_assert_ptr_eq(ev.udata, &marker);
}
END_TEST

START_TEST(user_ffnop_leaves_the_user_flags_alone)
{
	ck_assert_uint_eq(flags_after(0x0f, NOTE_FFNOP, 0xf0), 0x0f);
}
END_TEST

START_TEST(user_ffand_masks_the_user_flags)
{
	ck_assert_uint_eq(flags_after(0x0f, NOTE_FFAND, 0x03), 0x03);
}
END_TEST

START_TEST(user_ffor_merges_into_the_user_flags)
{
	ck_assert_uint_eq(flags_after(0x0f, NOTE_FFOR, 0x30), 0x3f);
}
END_TEST

START_TEST(user_ffcopy_replaces_the_user_flags)
{
	ck_assert_uint_eq(flags_after(0x0f, NOTE_FFCOPY, 0x50), 0x50);
}
END_TEST

START_TEST(user_operations_apply_without_a_trigger_too)
{
	int kq = user_kq(0, 0x01);
	kqt_change(kq, UID, EVFILT_USER, 0, NOTE_FFOR | 0x04, 0, &marker);
	kqt_expect_none(kq);
	trigger(kq, NOTE_FFNOP, 0);
	struct kevent ev = kqt_expect_one(kq, UID, EVFILT_USER);
	ck_assert_uint_eq(ev.fflags & NOTE_FFLAGSMASK, 0x05);
}
END_TEST

START_TEST(user_event_returns_the_data_of_the_triggering_change)
{
	int kq = user_kq(0, 0);
	trigger(kq, 0, 77);
	struct kevent ev = kqt_expect_one(kq, UID, EVFILT_USER);
	ck_assert_int_eq(ev.data, 77);
}
END_TEST

START_TEST(user_clear_event_fires_once_per_trigger)
{
	int kq = user_kq(EV_CLEAR, 0);
	trigger(kq, 0, 0);
	kqt_expect_one(kq, UID, EVFILT_USER);
	kqt_expect_none(kq);
	trigger(kq, 0, 0);
	kqt_expect_one(kq, UID, EVFILT_USER);
}
END_TEST

/* filt_usertouch resets the trigger on delivery only for EV_CLEAR knotes. */
START_TEST(user_event_without_clear_keeps_firing_after_a_trigger)
{
	int kq = user_kq(0, 0);
	trigger(kq, 0, 0);
	for (int i = 0; i < 3; i++)
		kqt_expect_one(kq, UID, EVFILT_USER);
}
END_TEST

START_TEST(user_delete_discards_a_triggered_event)
{
	int kq = user_kq(0, 0);
	trigger(kq, 0, 0);
	kqt_change(kq, UID, EVFILT_USER, EV_DELETE, 0, 0, NULL);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(user_trigger_of_a_missing_event_fails_with_enoent)
{
	int kq = kqt_new();
	struct kevent ch, ev;
	EV_SET(&ch, UID, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
	ck_assert_int_eq(kevent(kq, &ch, 1, &ev, 1, NULL), 1);
	ck_assert(ev.flags & EV_ERROR);
	ck_assert_int_eq(ev.data, ENOENT);
}
END_TEST

/*
 * kqueue_scan() gathers up to nevents from its queue: fewer means nothing
 * else is active, whatever else (a triggered user event here) is queued
 * in front of the knotes that are.
 */
START_TEST(user_event_does_not_shorten_a_later_batch)
{
	int kq = user_kq(0, 0);
	trigger(kq, 0, 0);
	int wr[4];
	for (int i = 0; i < 4; i++) {
		int p[2];
		ck_assert_int_eq(pipe(p), 0);
		ck_assert_int_eq(write(p[1], "x", 1), 1);
		kqt_add(kq, p[0], EVFILT_READ, 0);
		wr[i] = p[1];
	}
	struct kevent evs[8];
	ck_assert_int_eq(kqt_poll(kq, evs, 3), 3);
	ck_assert_int_eq(kqt_poll(kq, evs, 1), 1);
	ck_assert_int_eq(kqt_poll(kq, evs, 3), 3);
	ck_assert_int_eq(kqt_poll(kq, evs, 8), 5);
	for (int i = 0; i < 4; i++)
		close(wr[i]);
}
END_TEST

/* The lowest free descriptor number, as the next socket() would get. */
static int
lowest_free_number(void)
{
	int fd = dup(0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	return fd;
}

/*
 * A kqueue's events take no descriptor number: the next descriptor the
 * program opens gets the same number with an event pending as without,
 * and a program that lowered RLIMIT_NOFILE to its lowest free number finds
 * none below it free once the event is gone.
 */
START_TEST(user_event_pending_or_retrieved_takes_no_descriptor_number)
{
	int kq = user_kq(EV_CLEAR, 0);
	int before = lowest_free_number();
	trigger(kq, 0, 0);
	ck_assert_int_eq(lowest_free_number(), before);
	kqt_expect_one(kq, UID, EVFILT_USER);
	ck_assert_int_eq(lowest_free_number(), before);
	trigger(kq, 0, 0);
	ck_assert_int_eq(lowest_free_number(), before);
	kqt_expect_one(kq, UID, EVFILT_USER);
	ck_assert_int_eq(lowest_free_number(), before);
}
END_TEST

#endif

Suite *
kq_user_suite(void)
{
	Suite *s = suite_create("user");
#if defined(HAVE_EVFILT_USER) && defined(EVFILT_USER)
	TCase *tc = tcase_create("user");
	tcase_add_test(tc, user_event_does_not_fire_before_a_trigger);
	tcase_add_test(tc, user_trigger_fires_the_event);
	tcase_add_test(tc, user_ffnop_leaves_the_user_flags_alone);
	tcase_add_test(tc, user_ffand_masks_the_user_flags);
	tcase_add_test(tc, user_ffor_merges_into_the_user_flags);
	tcase_add_test(tc, user_ffcopy_replaces_the_user_flags);
	tcase_add_test(tc, user_operations_apply_without_a_trigger_too);
	tcase_add_test(tc, user_event_returns_the_data_of_the_triggering_change);
	tcase_add_test(tc, user_clear_event_fires_once_per_trigger);
	tcase_add_test(tc, user_event_without_clear_keeps_firing_after_a_trigger);
	tcase_add_test(tc, user_delete_discards_a_triggered_event);
	tcase_add_test(tc, user_trigger_of_a_missing_event_fails_with_enoent);
	tcase_add_test(tc, user_event_does_not_shorten_a_later_batch);
	tcase_add_test(tc, user_event_pending_or_retrieved_takes_no_descriptor_number);
	suite_add_tcase(s, tc);
#endif
	return s;
}
