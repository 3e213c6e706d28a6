/*
 * dup()ed descriptors registered separately.  A registration is keyed on
 * (open file, fd number), so two numbers for one file are two independent
 * registrations: each has its own mask, data, edge and one-shot state.
 * No case here closes a registered fd while its dup stays open (main.c).
 */
#include "config.h"

#include "ep_test.h"

#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

static int
xdup(int fd)
{
	int d = dup(fd);
	ck_assert_msg(d >= 0, "dup: %s", strerror(errno));
	return d;
}

/* Collect n events into a data -> mask table of two slots (data 1 and 2). */
static void
expect_both(int epfd, uint32_t mask1, uint32_t mask2)
{
	struct epoll_event ev[4];
	int n = ep_wait(epfd, ev, 4, EP_SOON);
	ck_assert_int_eq(n, 2);
	uint32_t got[3] = { 0, 0, 0 };
	for (int i = 0; i < n; i++) {
		ck_assert(ev[i].data.u64 == 1 || ev[i].data.u64 == 2);
		got[ev[i].data.u64] = ev[i].events;
	}
	ck_assert_mask(got[1], mask1);
	ck_assert_mask(got[2], mask2);
}

START_TEST(dup_can_be_registered_beside_the_original)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	int d = xdup(p[0]);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ck_assert_int_eq(epoll_ctl(epfd, EPOLL_CTL_ADD, d,
	    &(struct epoll_event){ .events = EPOLLIN, .data.u64 = 2 }), 0);
}
END_TEST

START_TEST(dup_and_original_each_report_with_their_own_data)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	int d = xdup(p[0]);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_add(epfd, d, EPOLLIN, 2);
	ep_poke(p[1]);
	expect_both(epfd, EPOLLIN, EPOLLIN);
}
END_TEST

START_TEST(dup_del_of_one_keeps_the_other)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	int d = xdup(p[0]);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_add(epfd, d, EPOLLIN, 2);
	ep_del(epfd, d);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, d, NULL), ENOENT);
}
END_TEST

START_TEST(dup_mod_of_one_leaves_the_other_unchanged)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	int d = xdup(sv[0]);
	ep_add(epfd, sv[0], EPOLLIN, 1);
	ep_add(epfd, d, EPOLLIN, 2);
	ep_mod(epfd, d, EPOLLOUT, 2);
	ep_poke(sv[1]);
	expect_both(epfd, EPOLLIN, EPOLLOUT);
}
END_TEST

START_TEST(dup_registrations_keep_their_own_masks)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	int d = xdup(sv[0]);
	ep_add(epfd, sv[0], EPOLLOUT, 1);
	ep_add(epfd, d, 0, 2);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(dup_oneshot_of_one_does_not_disarm_the_other)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	int d = xdup(p[0]);
	ep_add(epfd, p[0], EPOLLIN | EPOLLONESHOT, 1);
	ep_add(epfd, d, EPOLLIN, 2);
	ep_poke(p[1]);
	expect_both(epfd, EPOLLIN, EPOLLIN);
	ep_expect(epfd, 2, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(dup_edge_state_is_per_registration)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	int d = xdup(p[0]);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	/* Adding the dup now: it is ready, so it reports, once. */
	ep_add(epfd, d, EPOLLIN | EPOLLET, 2);
	ep_expect(epfd, 2, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(closing_an_unregistered_dup_keeps_the_registration)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	int d = xdup(p[0]);
	ep_add(epfd, d, EPOLLIN, 2);
	close(p[0]);	/* the unregistered number goes; d stays open */
	ep_poke(p[1]);
	ep_expect(epfd, 2, EPOLLIN, EP_SOON);
}
END_TEST

/*
 * libevent's main/dup_fd: a registered dup is closed (its DEL fails with
 * EBADF) and its number made a dup of the same file again.  Linux kept the
 * old registration -- it is keyed on (file, number), and the file stayed
 * open -- so ADD fails with EEXIST and MOD takes it over; an implementation
 * that dropped it at close() lets ADD succeed.  Either way the number can
 * be registered again, and reports with the new data.
 */
START_TEST(dup_closed_and_redup2ed_can_be_registered_again)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	int d = xdup(sv[0]);
	ep_add(epfd, sv[0], EPOLLOUT, 1);
	ep_add(epfd, d, EPOLLOUT, 2);
	close(d);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, d, NULL), EBADF);
	ck_assert_int_eq(dup2(sv[0], d), d);
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = 3 };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, d, &ev) == -1) {
		ck_assert_msg(errno == EEXIST, "ADD: %s", strerror(errno));
		ck_assert_ok(epoll_ctl(epfd, EPOLL_CTL_MOD, d, &ev));
	}
	struct epoll_event got[4];
	ck_assert_int_eq(ep_wait(epfd, got, 4, EP_SOON), 2);
	bool saw_d = false;
	for (int i = 0; i < 2; i++) {
		ck_assert_mask(got[i].events, EPOLLOUT);
		ck_assert(got[i].data.u64 == 1 || got[i].data.u64 == 3);
		saw_d = saw_d || got[i].data.u64 == 3;
	}
	ck_assert(saw_d);
}
END_TEST

Suite *
ep_dup_suite(void)
{
	Suite *s = suite_create("dup");
	TCase *tc = tcase_create("dup");
	tcase_add_test(tc, dup_can_be_registered_beside_the_original);
	tcase_add_test(tc, dup_and_original_each_report_with_their_own_data);
	tcase_add_test(tc, dup_del_of_one_keeps_the_other);
	tcase_add_test(tc, dup_mod_of_one_leaves_the_other_unchanged);
	tcase_add_test(tc, dup_registrations_keep_their_own_masks);
	tcase_add_test(tc, dup_oneshot_of_one_does_not_disarm_the_other);
	tcase_add_test(tc, dup_edge_state_is_per_registration);
	tcase_add_test(tc, closing_an_unregistered_dup_keeps_the_registration);
	tcase_add_test(tc, dup_closed_and_redup2ed_can_be_registered_again);
	suite_add_tcase(s, tc);
	return s;
}
