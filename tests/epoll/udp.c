/*
 * UDP over loopback (net/ipv4/udp.c: udp_poll on top of datagram_poll).
 * IN while a datagram is queued; OUT while the send buffer has room; ERR
 * while sk_err is set (an ICMP port unreachable on a connected socket)
 * until a receive or SO_ERROR reports it; RDHUP/HUP from shutdown() --
 * which, for a socket that is not connected, fails with ENOTCONN and yet
 * takes effect (inet_shutdown: "Hack to wake up other listeners").
 */
#include "config.h"

#include "ep_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in
loopback(unsigned short port)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

static int
udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ekq_set_nonblock(fd);
	return fd;
}

/* A UDP socket connected to a loopback port where nobody listens. */
static int
udp_connected_to_nobody(void)
{
	int probe = udp_socket();
	struct sockaddr_in sin = loopback(0);
	ck_assert_ok(bind(probe, (struct sockaddr *)&sin, sizeof sin));
	socklen_t len = sizeof sin;
	ck_assert_ok(getsockname(probe, (struct sockaddr *)&sin, &len));
	close(probe);
	int fd = udp_socket();
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_ok(connect(fd, (struct sockaddr *)&sin, sizeof sin));
	return fd;
}

START_TEST(udp_fresh_socket_reports_out_only)
{
	int fd = udp_socket();
	ck_assert_mask(ep_mask(fd, EP_IORH | EPOLLPRI, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(udp_datagram_reports_in_and_out)
{
	int a, b;
	ekq_make_udp_pair(&a, &b);
	ep_poke(a);
	ck_assert_mask(ep_mask_when(b, EP_IORH, EPOLLIN, EP_SOON),
	    EPOLLIN | EPOLLOUT);
}
END_TEST

START_TEST(udp_in_clears_after_reading)
{
	int a, b;
	ekq_make_udp_pair(&a, &b);
	int epfd = ep_create();
	ep_add(epfd, b, EPOLLIN, 1);
	ep_poke(a);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	char c;
	ck_assert_int_eq(recv(b, &c, 1, 0), 1);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(udp_each_datagram_wakes_an_edge_waiter)
{
	int a, b;
	ekq_make_udp_pair(&a, &b);
	int epfd = ep_create();
	ep_add(epfd, b, EPOLLIN | EPOLLET, 1);
	ep_expect_none(epfd, 0);
	ep_poke(a);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_poke(a);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(udp_port_unreachable_reports_err)
{
	int fd = udp_connected_to_nobody();
	ck_assert_int_eq(send(fd, "x", 1, 0), 1);
	ck_assert_mask(ep_mask_when(fd, EP_IORH, EPOLLERR, EP_SOON),
	    EPOLLOUT | EPOLLERR);
}
END_TEST

START_TEST(udp_receiving_the_error_clears_err)
{
	int fd = udp_connected_to_nobody();
	ck_assert_int_eq(send(fd, "x", 1, 0), 1);
	ep_mask_when(fd, EP_IORH, EPOLLERR, EP_SOON);
	char c;
	ck_assert_fails_with(recv(fd, &c, 1, 0), ECONNREFUSED);
	ck_assert_mask(ep_mask(fd, EP_IORH, EP_SOON), EPOLLOUT);
}
END_TEST

/*
 * One edge-triggered registration throughout: the error is reported while
 * it is pending, and a re-arm after it was received finds only EPOLLOUT.
 */
START_TEST(udp_edge_rearmed_after_receiving_the_error_reports_no_err)
{
	int fd = udp_connected_to_nobody();
	int epfd = ep_create();
	ep_add(epfd, fd, EPOLLIN | EPOLLOUT | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
	ck_assert_int_eq(send(fd, "x", 1, 0), 1);
	/* The datagram leaving may be an edge of its own before the error. */
	struct epoll_event ev = { 0, { 0 } };
	for (int i = 0; i < 3 && !(ev.events & EPOLLERR); i++)
		ck_assert_int_eq(ep_wait(epfd, &ev, 1, EP_SOON), 1);
	ck_assert_mask(ev.events, EPOLLOUT | EPOLLERR);
	char c;
	ck_assert_fails_with(recv(fd, &c, 1, 0), ECONNREFUSED);
	ep_mod(epfd, fd, EPOLLIN | EPOLLOUT | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(udp_connected_shutdown_rd_reports_in_and_rdhup)
{
	int a, b;
	ekq_make_udp_pair(&a, &b);
	ck_assert_ok(shutdown(a, SHUT_RD));
	ck_assert_mask(ep_mask(a, EP_IORH, EP_SOON),
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	/* UDP has no peer to tell. */
	ck_assert_mask(ep_mask(b, EP_IORH, EP_QUIET), EPOLLOUT);
}
END_TEST

START_TEST(udp_connected_shutdown_rdwr_reports_hup)
{
	int a, b;
	ekq_make_udp_pair(&a, &b);
	ck_assert_ok(shutdown(a, SHUT_RDWR));
	ck_assert_mask(ep_mask(a, EP_IORH, EP_SOON),
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
}
END_TEST

START_TEST(udp_connected_shutdown_wr_changes_nothing_reported)
{
	int a, b;
	ekq_make_udp_pair(&a, &b);
	ck_assert_ok(shutdown(a, SHUT_WR));
	ck_assert_mask(ep_mask(a, EP_IORH, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(udp_unconnected_shutdown_fails_with_enotconn_yet_reports_rdhup)
{
	int fd = udp_socket();
	ck_assert_fails_with(shutdown(fd, SHUT_RD), ENOTCONN);
	ck_assert_mask(ep_mask(fd, EP_IORH, EP_SOON),
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP);
}
END_TEST

Suite *
ep_udp_suite(void)
{
	Suite *s = suite_create("udp");
	TCase *tc = tcase_create("udp");
	tcase_add_test(tc, udp_fresh_socket_reports_out_only);
	tcase_add_test(tc, udp_datagram_reports_in_and_out);
	tcase_add_test(tc, udp_in_clears_after_reading);
	tcase_add_test(tc, udp_each_datagram_wakes_an_edge_waiter);
	tcase_add_test(tc, udp_port_unreachable_reports_err);
	tcase_add_test(tc, udp_receiving_the_error_clears_err);
	tcase_add_test(tc, udp_edge_rearmed_after_receiving_the_error_reports_no_err);
	tcase_add_test(tc, udp_connected_shutdown_rd_reports_in_and_rdhup);
	tcase_add_test(tc, udp_connected_shutdown_rdwr_reports_hup);
	tcase_add_test(tc, udp_connected_shutdown_wr_changes_nothing_reported);
	tcase_add_test(tc, udp_unconnected_shutdown_fails_with_enotconn_yet_reports_rdhup);
	suite_add_tcase(s, tc);
	return s;
}
