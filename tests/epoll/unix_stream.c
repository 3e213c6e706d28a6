/*
 * Unix stream sockets (net/unix/af_unix.c: unix_poll).  Writable means
 * "not listening and own send allowance not used up"; a socket in
 * TCP_CLOSE state (never connected) reports HUP; a peer's close sets
 * SHUTDOWN_MASK on the survivor (IN|RDHUP|HUP, and still OUT), plus
 * ECONNRESET (ERR) if the closer left data unread.  shutdown() is in
 * shutdown.c, listeners in listen.c, connect() in connect.c.
 */
#include "config.h"

#include "ep_test.h"

#include <sys/socket.h>
#include <unistd.h>

static void
pair(int sv[2])
{
	ekq_make_socketpair(SOCK_STREAM, sv);
}

START_TEST(unix_stream_fresh_pair_reports_out_only)
{
	int sv[2];
	pair(sv);
	ck_assert_mask(ep_mask(sv[0], EP_IORH | EPOLLPRI, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(unix_stream_data_reports_in_and_out)
{
	int sv[2];
	pair(sv);
	ep_poke(sv[1]);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON), EPOLLIN | EPOLLOUT);
	/* The sender's side is unaffected. */
	ck_assert_mask(ep_mask(sv[1], EP_IORH, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(unix_stream_in_clears_after_reading)
{
	int sv[2];
	pair(sv);
	int epfd = ep_create();
	ep_add(epfd, sv[0], EPOLLIN, 1);
	ep_poke(sv[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_drain(sv[0]);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(unix_stream_full_reports_nothing)
{
	int sv[2];
	pair(sv);
	ekq_fill(sv[0]);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_QUIET), 0);
}
END_TEST

START_TEST(unix_stream_full_becomes_writable_when_peer_reads)
{
	int sv[2];
	pair(sv);
	ekq_fill(sv[0]);
	int epfd = ep_create();
	ep_add(epfd, sv[0], EPOLLOUT, 1);
	ep_expect_none(epfd, 0);
	ep_drain(sv[1]);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(unix_stream_peer_close_reports_in_out_rdhup_hup)
{
	int sv[2];
	pair(sv);
	close(sv[1]);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON),
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
}
END_TEST

START_TEST(unix_stream_peer_close_with_data_for_survivor_reports_no_err)
{
	int sv[2];
	pair(sv);
	ep_poke(sv[1]);
	close(sv[1]);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON),
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
	char c;
	ck_assert_int_eq(read(sv[0], &c, 1), 1);
	ck_assert_int_eq(read(sv[0], &c, 1), 0);
}
END_TEST

START_TEST(unix_stream_peer_close_with_unread_data_reports_err)
{
	/* The closer had unread data: the survivor gets ECONNRESET. */
	int sv[2];
	pair(sv);
	ep_poke(sv[0]);
	close(sv[1]);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON),
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
}
END_TEST

START_TEST(unix_stream_peer_close_rdhup_only_when_requested)
{
	int sv[2];
	pair(sv);
	close(sv[1]);
	ck_assert_mask(ep_mask(sv[0], EPOLLIN, EP_SOON), EPOLLIN | EPOLLHUP);
}
END_TEST

START_TEST(unix_stream_peer_close_wakes_a_waiter)
{
	int sv[2];
	pair(sv);
	int epfd = ep_create();
	ep_add(epfd, sv[0], EPOLLIN | EPOLLRDHUP, 1);
	ep_expect_none(epfd, 0);
	close(sv[1]);
	ep_expect(epfd, 1, EPOLLIN | EPOLLRDHUP | EPOLLHUP, EP_SOON);
}
END_TEST

START_TEST(unix_stream_unconnected_socket_reports_out_and_hup)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_mask(ep_mask(fd, EP_IORH, EP_SOON), EPOLLOUT | EPOLLHUP);
}
END_TEST

START_TEST(unix_stream_hup_is_reported_when_nothing_was_requested)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_mask(ep_mask(fd, 0, EP_SOON), EPOLLHUP);
}
END_TEST

Suite *
ep_unix_stream_suite(void)
{
	Suite *s = suite_create("unix_stream");
	TCase *tc = tcase_create("unix_stream");
	tcase_add_test(tc, unix_stream_fresh_pair_reports_out_only);
	tcase_add_test(tc, unix_stream_data_reports_in_and_out);
	tcase_add_test(tc, unix_stream_in_clears_after_reading);
	tcase_add_test(tc, unix_stream_full_reports_nothing);
	tcase_add_test(tc, unix_stream_full_becomes_writable_when_peer_reads);
	tcase_add_test(tc, unix_stream_peer_close_reports_in_out_rdhup_hup);
	tcase_add_test(tc, unix_stream_peer_close_with_data_for_survivor_reports_no_err);
	tcase_add_test(tc, unix_stream_peer_close_with_unread_data_reports_err);
	tcase_add_test(tc, unix_stream_peer_close_rdhup_only_when_requested);
	tcase_add_test(tc, unix_stream_peer_close_wakes_a_waiter);
	tcase_add_test(tc, unix_stream_unconnected_socket_reports_out_and_hup);
	tcase_add_test(tc, unix_stream_hup_is_reported_when_nothing_was_requested);
	suite_add_tcase(s, tc);
	return s;
}
