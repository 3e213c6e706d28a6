/*
 * shutdown(2) on either end.  What each side reports afterwards, requested
 * IN|OUT|RDHUP (HUP and ERR come unrequested), exact masks.
 *
 * Unix stream (unix_shutdown): the caller's flags are mirrored onto the
 * peer (SHUT_WR here is SHUT_RD there and vice versa); unix_poll reports
 * IN|RDHUP for a shut read side, HUP only when both are shut, and ignores
 * a shut write side entirely (still OUT).
 * Unix datagram: only the caller is affected.
 * TCP (tcp_poll): own SHUT_RD is local (IN|RDHUP, nothing sent); SHUT_WR
 * sends a FIN (peer: IN|RDHUP) and keeps OUT; HUP needs both directions
 * shut, counting a FIN received as "read side shut".
 */
#include "config.h"

#include "ep_test.h"

#include <sys/socket.h>
#include <unistd.h>

#define IN_OUT_RDHUP (EPOLLIN | EPOLLOUT | EPOLLRDHUP)
#define ALL_BUT_ERR (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP)

static void
upair(int type, int sv[2], int how)
{
	ekq_make_socketpair(type, sv);
	ck_assert_ok(shutdown(sv[0], how));
}

/* ---- unix stream ----------------------------------------------------- */

START_TEST(unix_stream_shut_wr_self_reports_out)
{
	int sv[2];
	upair(SOCK_STREAM, sv, SHUT_WR);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(unix_stream_peer_shutdown_wr_reports_rdhup_and_in)
{
	int sv[2];
	upair(SOCK_STREAM, sv, SHUT_WR);
	ck_assert_mask(ep_mask(sv[1], EP_IORH, EP_SOON), IN_OUT_RDHUP);
}
END_TEST

START_TEST(unix_stream_shut_rd_self_reports_in_and_rdhup)
{
	int sv[2];
	upair(SOCK_STREAM, sv, SHUT_RD);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON), IN_OUT_RDHUP);
}
END_TEST

START_TEST(unix_stream_peer_shutdown_rd_reports_out_only)
{
	/* The peer may no longer write (EPIPE) but is still "writable". */
	int sv[2];
	upair(SOCK_STREAM, sv, SHUT_RD);
	ck_assert_mask(ep_mask(sv[1], EP_IORH, EP_SOON), EPOLLOUT);
	ck_assert_fails_with(write(sv[1], "x", 1), EPIPE);
}
END_TEST

START_TEST(unix_stream_shut_rdwr_self_reports_hup)
{
	int sv[2];
	upair(SOCK_STREAM, sv, SHUT_RDWR);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON), ALL_BUT_ERR);
}
END_TEST

START_TEST(unix_stream_peer_shutdown_rdwr_reports_hup)
{
	int sv[2];
	upair(SOCK_STREAM, sv, SHUT_RDWR);
	ck_assert_mask(ep_mask(sv[1], EP_IORH, EP_SOON), ALL_BUT_ERR);
}
END_TEST

START_TEST(unix_stream_both_shut_wr_report_hup)
{
	int sv[2];
	upair(SOCK_STREAM, sv, SHUT_WR);
	ck_assert_ok(shutdown(sv[1], SHUT_WR));
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON), ALL_BUT_ERR);
	ck_assert_mask(ep_mask(sv[1], EP_IORH, EP_SOON), ALL_BUT_ERR);
}
END_TEST

START_TEST(unix_stream_peer_shutdown_wr_with_unread_data_reports_in_rdhup)
{
	/* Unread data does not change what a half-close reports. */
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	ep_poke(sv[0]);
	ck_assert_ok(shutdown(sv[0], SHUT_WR));
	ck_assert_mask(ep_mask(sv[1], EP_IORH, EP_SOON), IN_OUT_RDHUP);
	char c;
	ck_assert_int_eq(read(sv[1], &c, 1), 1);
	ck_assert_int_eq(read(sv[1], &c, 1), 0);
	ck_assert_mask(ep_mask(sv[1], EP_IORH, EP_SOON), IN_OUT_RDHUP);
}
END_TEST

START_TEST(unix_stream_peer_shutdown_wr_wakes_a_waiter)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	int epfd = ep_create();
	ep_add(epfd, sv[1], EPOLLIN | EPOLLRDHUP, 1);
	ep_expect_none(epfd, 0);
	ck_assert_ok(shutdown(sv[0], SHUT_WR));
	ep_expect(epfd, 1, EPOLLIN | EPOLLRDHUP, EP_SOON);
}
END_TEST

/* ---- unix datagram --------------------------------------------------- */

START_TEST(unix_dgram_shut_rd_self_reports_in_and_rdhup)
{
	int sv[2];
	upair(SOCK_DGRAM, sv, SHUT_RD);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON), IN_OUT_RDHUP);
}
END_TEST

START_TEST(unix_dgram_shut_wr_self_reports_out)
{
	int sv[2];
	upair(SOCK_DGRAM, sv, SHUT_WR);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(unix_dgram_shut_rdwr_self_reports_hup)
{
	int sv[2];
	upair(SOCK_DGRAM, sv, SHUT_RDWR);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON), ALL_BUT_ERR);
}
END_TEST

START_TEST(unix_dgram_shutdown_leaves_the_peer_unaffected)
{
	int sv[2];
	upair(SOCK_DGRAM, sv, SHUT_RDWR);
	ck_assert_mask(ep_mask(sv[1], EP_IORH, EP_QUIET), EPOLLOUT);
}
END_TEST

/* ---- TCP ------------------------------------------------------------- */

static void
tpair(int *a, int *b, int how)
{
	ekq_make_tcp_pair(a, b);
	ck_assert_ok(shutdown(*a, how));
}

START_TEST(tcp_shut_wr_self_reports_out)
{
	int a, b;
	tpair(&a, &b, SHUT_WR);
	ck_assert_mask(ep_mask(a, EP_IORH, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(tcp_peer_shutdown_wr_reports_rdhup_and_in)
{
	int a, b;
	tpair(&a, &b, SHUT_WR);
	ck_assert_mask(ep_mask_when(b, EP_IORH, EPOLLRDHUP, EP_SOON),
	    IN_OUT_RDHUP);
}
END_TEST

START_TEST(tcp_peer_shutdown_wr_reports_rdhup_only_when_requested)
{
	int a, b;
	tpair(&a, &b, SHUT_WR);
	ep_mask_when(b, EP_IORH, EPOLLRDHUP, EP_SOON);
	ck_assert_mask(ep_mask(b, EPOLLIN, EP_SOON), EPOLLIN);
}
END_TEST

START_TEST(tcp_shut_rd_self_reports_in_and_rdhup)
{
	int a, b;
	tpair(&a, &b, SHUT_RD);
	ck_assert_mask(ep_mask(a, EP_IORH, EP_SOON), IN_OUT_RDHUP);
}
END_TEST

START_TEST(tcp_peer_shutdown_rd_is_not_seen)
{
	/* SHUT_RD sends nothing on the wire. */
	int a, b;
	tpair(&a, &b, SHUT_RD);
	int epfd = ep_create();
	ep_add(epfd, b, EP_IORH, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
	ep_mod(epfd, b, EPOLLIN | EPOLLRDHUP, 1);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(tcp_shut_rdwr_self_reports_hup)
{
	int a, b;
	tpair(&a, &b, SHUT_RDWR);
	ck_assert_mask(ep_mask(a, EP_IORH, EP_SOON), ALL_BUT_ERR);
}
END_TEST

START_TEST(tcp_peer_shutdown_rdwr_reports_rdhup_without_hup)
{
	/* The peer only sees the FIN. */
	int a, b;
	tpair(&a, &b, SHUT_RDWR);
	ck_assert_mask(ep_mask_when(b, EP_IORH, EPOLLRDHUP, EP_SOON),
	    IN_OUT_RDHUP);
}
END_TEST

START_TEST(tcp_both_shut_wr_report_hup)
{
	int a, b;
	tpair(&a, &b, SHUT_WR);
	ep_mask_when(b, EP_IORH, EPOLLRDHUP, EP_SOON);
	ck_assert_ok(shutdown(b, SHUT_WR));
	ck_assert_mask(ep_mask_when(a, EP_IORH, EPOLLHUP, EP_SOON), ALL_BUT_ERR);
	ck_assert_mask(ep_mask(b, EP_IORH, EP_SOON), ALL_BUT_ERR);
}
END_TEST

START_TEST(tcp_shut_wr_keeps_reporting_unread_data)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	ep_poke(b);
	ep_mask_when(a, EPOLLIN, EPOLLIN, EP_SOON);
	ck_assert_ok(shutdown(a, SHUT_WR));
	ck_assert_mask(ep_mask(a, EP_IORH, EP_SOON), EPOLLIN | EPOLLOUT);
}
END_TEST

START_TEST(tcp_peer_fin_wakes_a_waiter)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	int epfd = ep_create();
	ep_add(epfd, b, EPOLLRDHUP, 1);
	ep_expect_none(epfd, 0);
	ck_assert_ok(shutdown(a, SHUT_WR));
	ep_expect(epfd, 1, EPOLLRDHUP, EP_SOON);
}
END_TEST

Suite *
ep_shutdown_suite(void)
{
	Suite *s = suite_create("shutdown");
	TCase *tc = tcase_create("unix_stream");
	tcase_add_test(tc, unix_stream_shut_wr_self_reports_out);
	tcase_add_test(tc, unix_stream_peer_shutdown_wr_reports_rdhup_and_in);
	tcase_add_test(tc, unix_stream_shut_rd_self_reports_in_and_rdhup);
	tcase_add_test(tc, unix_stream_peer_shutdown_rd_reports_out_only);
	tcase_add_test(tc, unix_stream_shut_rdwr_self_reports_hup);
	tcase_add_test(tc, unix_stream_peer_shutdown_rdwr_reports_hup);
	tcase_add_test(tc, unix_stream_both_shut_wr_report_hup);
	tcase_add_test(tc, unix_stream_peer_shutdown_wr_with_unread_data_reports_in_rdhup);
	tcase_add_test(tc, unix_stream_peer_shutdown_wr_wakes_a_waiter);
	suite_add_tcase(s, tc);

	tc = tcase_create("unix_dgram");
	tcase_add_test(tc, unix_dgram_shut_rd_self_reports_in_and_rdhup);
	tcase_add_test(tc, unix_dgram_shut_wr_self_reports_out);
	tcase_add_test(tc, unix_dgram_shut_rdwr_self_reports_hup);
	tcase_add_test(tc, unix_dgram_shutdown_leaves_the_peer_unaffected);
	suite_add_tcase(s, tc);

	tc = tcase_create("tcp");
	tcase_add_test(tc, tcp_shut_wr_self_reports_out);
	tcase_add_test(tc, tcp_peer_shutdown_wr_reports_rdhup_and_in);
	tcase_add_test(tc, tcp_peer_shutdown_wr_reports_rdhup_only_when_requested);
	tcase_add_test(tc, tcp_shut_rd_self_reports_in_and_rdhup);
	tcase_add_test(tc, tcp_peer_shutdown_rd_is_not_seen);
	tcase_add_test(tc, tcp_shut_rdwr_self_reports_hup);
	tcase_add_test(tc, tcp_peer_shutdown_rdwr_reports_rdhup_without_hup);
	tcase_add_test(tc, tcp_both_shut_wr_report_hup);
	tcase_add_test(tc, tcp_shut_wr_keeps_reporting_unread_data);
	tcase_add_test(tc, tcp_peer_fin_wakes_a_waiter);
	suite_add_tcase(s, tc);
	return s;
}
