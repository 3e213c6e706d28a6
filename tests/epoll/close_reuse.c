/*
 * close() of a registered fd, and reuse of its number.  Linux removes a
 * registration when the last reference to its open file goes away
 * (eventpoll_release_file); with no dup() around, that is close(fd).
 * A new file that lands on the same number is a new, unregistered fd: a
 * registration is keyed on the open file, not on the number alone.
 * (Closing a registered fd while a dup keeps the file open is avoided: see
 * main.c.)
 */
#include "config.h"

#include "ep_test.h"

#include <sys/socket.h>
#include <unistd.h>

/* Put a fresh ready pipe read end on descriptor number `num`. */
static void
new_ready_file_on(int num, int *writer)
{
	int p[2];
	ekq_make_pipe(p);
	ep_poke(p[1]);
	/* The lowest free number may well be `num` already. */
	if (p[0] != num) {
		ck_assert_int_ne(p[1], num);
		ck_assert_int_eq(dup2(p[0], num), num);
		close(p[0]);
	}
	*writer = p[1];
}

START_TEST(closed_fd_reports_nothing)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_poke(p[1]);
	close(p[0]);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(closed_fd_pending_event_is_dropped)
{
	/* Queued (edge, not yet collected), then closed: never reported. */
	int p[2], q[2], epfd = ep_create();
	ekq_make_pipe(p);
	ekq_make_pipe(q);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET, 1);
	ep_add(epfd, q[1], EPOLLOUT | EPOLLET, 2);
	ep_poke(p[1]);
	close(p[0]);
	ep_expect(epfd, 2, EPOLLOUT, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(ctl_on_closed_registered_fd_fails_with_ebadf)
{
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	close(p[0]);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], NULL), EBADF);
}
END_TEST

START_TEST(reused_number_is_not_registered)
{
	int p[2], w, epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	close(p[0]);
	new_ready_file_on(p[0], &w);
	/* Ready, on the old number, and yet nothing is reported. */
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(reused_number_can_be_added)
{
	int p[2], w, epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	close(p[0]);
	new_ready_file_on(p[0], &w);
	ep_add(epfd, p[0], EPOLLIN, 2);
	ep_expect(epfd, 2, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(reused_number_mod_fails_with_enoent)
{
	int p[2], w, epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	close(p[0]);
	new_ready_file_on(p[0], &w);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 3 };
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
	ep_expect_none(epfd, 0);
}
END_TEST

START_TEST(reused_number_del_fails_with_enoent)
{
	int p[2], w, epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	close(p[0]);
	new_ready_file_on(p[0], &w);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
}
END_TEST

START_TEST(reused_number_does_not_inherit_edge_or_oneshot)
{
	int p[2], w, epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN | EPOLLET | EPOLLONESHOT, EP_COOKIE(1));
	close(p[0]);
	new_ready_file_on(p[0], &w);
	ep_add(epfd, p[0], EPOLLIN, EP_COOKIE(2));
	/* Level-triggered, new data, reported again and again. */
	ep_expect(epfd, EP_COOKIE(2), EPOLLIN, EP_SOON);
	ep_expect(epfd, EP_COOKIE(2), EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(reused_number_by_a_socket_reports_socket_events)
{
	int p[2], sv[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	close(p[0]);
	ekq_make_socketpair(SOCK_STREAM, sv);
	if (sv[0] != p[0]) {
		ck_assert_int_ne(sv[1], p[0]);
		ck_assert_int_eq(dup2(sv[0], p[0]), p[0]);
		close(sv[0]);
	}
	ep_add(epfd, p[0], EPOLLIN | EPOLLOUT, 2);
	ep_expect(epfd, 2, EPOLLOUT, EP_SOON);
	ep_poke(sv[1]);
	ep_expect(epfd, 2, EPOLLIN | EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(dup2_over_a_registered_fd_removes_its_registration)
{
	/* dup2 closes the old file on that number: same as close + reuse. */
	int p[2], q[2], epfd = ep_create();
	ekq_make_pipe(p);
	ekq_make_pipe(q);
	ep_add(epfd, p[1], EPOLLOUT, 1);
	ck_assert_int_eq(dup2(q[1], p[1]), p[1]);
	ep_expect_none(epfd, EP_QUIET);
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_DEL, p[1], NULL), ENOENT);
}
END_TEST

START_TEST(closing_the_epfd_with_registrations_leaks_nothing)
{
	int before = ekq_count_open_fds();
	int p[2], epfd = ep_create();
	ekq_make_pipe(p);
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_add(epfd, p[1], EPOLLOUT, 2);
	close(epfd);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(ekq_count_open_fds(), before);
}
END_TEST

/*
 * A ready descriptor not yet returned (maxevents too small) is closed and
 * its number taken by a new, ready file: neither the old registration nor
 * the unregistered new file is reported.
 */
START_TEST(closed_while_waiting_its_turn_then_reused_is_not_reported)
{
	int p1[2], p2[2];
	ekq_make_pipe(p1);
	ekq_make_pipe(p2);
	int epfd = ep_create();
	ep_add(epfd, p1[0], EPOLLIN, 1);
	ep_add(epfd, p2[0], EPOLLIN, 2);
	ep_poke(p1[1]);
	ep_poke(p2[1]);
	struct epoll_event ev;
	ck_assert_int_eq(ep_wait(epfd, &ev, 1, EP_SOON), 1);
	int *waiting = ev.data.u64 == 1 ? p2 : p1;
	int num = waiting[0];
	close(waiting[0]);
	close(waiting[1]);
	int q[2];
	ekq_make_pipe(q);
	ck_assert_int_eq(q[0], num);
	ep_poke(q[1]);
	/* Only the descriptor already returned, still readable, comes back. */
	ck_assert_int_eq(ep_wait(epfd, &ev, 1, EP_QUIET), 1);
	ck_assert(ev.data.u64 == (waiting == p2 ? 1u : 2u));
	ck_assert_int_eq(ep_wait(epfd, &ev, 1, EP_QUIET), 1);
	ck_assert(ev.data.u64 == (waiting == p2 ? 1u : 2u));
}
END_TEST

/*
 * DEL, then ADD of the same number: the file behind it is asked again, not
 * taken for the one that was deleted.
 */
START_TEST(deleted_socket_number_reused_by_a_regular_file_fails_with_eperm)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_add(epfd, sv[0], EPOLLIN, 1);
	ep_del(epfd, sv[0]);
	int f = ep_open_regular_file();
	ck_assert_int_eq(dup2(f, sv[0]), sv[0]);
	close(f);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 2 };
	ck_assert_fails_with(epoll_ctl(epfd, EPOLL_CTL_ADD, sv[0], &ev), EPERM);
}
END_TEST

START_TEST(deleted_socket_number_reused_by_an_unconnected_socket_reports_out_hup)
{
	/* Connected when deleted; the new socket never was (tcp_poll():
	 * TCP_CLOSE is OUT|HUP). */
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_add(epfd, sv[0], EP_IORH, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
	ep_del(epfd, sv[0]);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(dup2(s, sv[0]), sv[0]);
	close(s);
	ep_add(epfd, sv[0], EP_IORH, 2);
	ep_expect(epfd, 2, EPOLLOUT | EPOLLHUP, EP_SOON);
}
END_TEST

START_TEST(deleted_socket_added_again_after_its_peer_closed_reports_hup)
{
	int sv[2], epfd = ep_create();
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_add(epfd, sv[0], EP_IORH, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
	ep_del(epfd, sv[0]);
	close(sv[1]);
	ep_add(epfd, sv[0], EP_IORH, 2);
	ep_expect(epfd, 2, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP, EP_SOON);
}
END_TEST

Suite *
ep_close_reuse_suite(void)
{
	Suite *s = suite_create("close_reuse");
	TCase *tc = tcase_create("close_reuse");
	tcase_add_test(tc, closed_fd_reports_nothing);
	tcase_add_test(tc, closed_fd_pending_event_is_dropped);
	tcase_add_test(tc, ctl_on_closed_registered_fd_fails_with_ebadf);
	tcase_add_test(tc, reused_number_is_not_registered);
	tcase_add_test(tc, reused_number_can_be_added);
	tcase_add_test(tc, reused_number_mod_fails_with_enoent);
	tcase_add_test(tc, reused_number_del_fails_with_enoent);
	tcase_add_test(tc, reused_number_does_not_inherit_edge_or_oneshot);
	tcase_add_test(tc, reused_number_by_a_socket_reports_socket_events);
	tcase_add_test(tc, dup2_over_a_registered_fd_removes_its_registration);
	tcase_add_test(tc, closing_the_epfd_with_registrations_leaks_nothing);
	tcase_add_test(tc, closed_while_waiting_its_turn_then_reused_is_not_reported);
	tcase_add_test(tc,
	    deleted_socket_number_reused_by_a_regular_file_fails_with_eperm);
	tcase_add_test(tc,
	    deleted_socket_number_reused_by_an_unconnected_socket_reports_out_hup);
	tcase_add_test(tc,
	    deleted_socket_added_again_after_its_peer_closed_reports_hup);
	suite_add_tcase(s, tc);
	return s;
}
