/*
 * Unix datagram sockets (net/unix/af_unix.c: unix_dgram_poll).  Unlike
 * stream sockets, a datagram socket's peer closing sets nothing on the
 * survivor (unix_release_sock only shuts down connection-oriented peers),
 * and an unconnected datagram socket is not "closed" (no HUP).  shutdown()
 * on a datagram socket affects only the caller (shutdown.c).
 */
#include "config.h"

#include "ep_test.h"

#include <sys/socket.h>
#include <unistd.h>

static void
pair(int sv[2])
{
	ekq_make_socketpair(SOCK_DGRAM, sv);
}

START_TEST(unix_dgram_fresh_pair_reports_out_only)
{
	int sv[2];
	pair(sv);
	ck_assert_mask(ep_mask(sv[0], EP_IORH | EPOLLPRI, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(unix_dgram_datagram_reports_in_and_out)
{
	int sv[2];
	pair(sv);
	ep_poke(sv[1]);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON), EPOLLIN | EPOLLOUT);
}
END_TEST

START_TEST(unix_dgram_in_stays_until_every_datagram_is_read)
{
	int sv[2];
	pair(sv);
	ep_poke(sv[1]);
	ep_poke(sv[1]);
	int epfd = ep_create();
	ep_add(epfd, sv[0], EPOLLIN, 1);
	char c;
	ck_assert_int_eq(read(sv[0], &c, 1), 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ck_assert_int_eq(read(sv[0], &c, 1), 1);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(unix_dgram_peer_close_reports_no_hup)
{
	int sv[2];
	pair(sv);
	close(sv[1]);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(unix_dgram_peer_close_does_not_wake_a_reader)
{
	int sv[2];
	pair(sv);
	int epfd = ep_create();
	ep_add(epfd, sv[0], EPOLLIN | EPOLLRDHUP, 1);
	close(sv[1]);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(unix_dgram_unconnected_socket_reports_out_without_hup)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_mask(ep_mask(fd, EP_IORH, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(unix_dgram_full_reports_nothing)
{
	int sv[2];
	pair(sv);
	ekq_fill(sv[0]);
	ck_assert_mask(ep_mask(sv[0], EP_IORH, EP_QUIET), 0);
}
END_TEST

START_TEST(unix_dgram_full_becomes_writable_when_peer_reads)
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

Suite *
ep_unix_dgram_suite(void)
{
	Suite *s = suite_create("unix_dgram");
	TCase *tc = tcase_create("unix_dgram");
	tcase_add_test(tc, unix_dgram_fresh_pair_reports_out_only);
	tcase_add_test(tc, unix_dgram_datagram_reports_in_and_out);
	tcase_add_test(tc, unix_dgram_in_stays_until_every_datagram_is_read);
	tcase_add_test(tc, unix_dgram_peer_close_reports_no_hup);
	tcase_add_test(tc, unix_dgram_peer_close_does_not_wake_a_reader);
	tcase_add_test(tc, unix_dgram_unconnected_socket_reports_out_without_hup);
	tcase_add_test(tc, unix_dgram_full_reports_nothing);
	tcase_add_test(tc, unix_dgram_full_becomes_writable_when_peer_reads);
	suite_add_tcase(s, tc);
	return s;
}
