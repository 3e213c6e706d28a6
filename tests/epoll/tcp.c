/*
 * TCP over loopback (net/ipv4/tcp.c: tcp_poll).  Loopback delivery is
 * asynchronous, so each case waits for the condition it needs (via epoll,
 * with a bound) before judging the settled mask.
 *
 * tcp_poll: HUP when both directions are shut or the socket is TCP_CLOSE
 * (so a fresh, never-connected socket reports OUT|HUP); IN|RDHUP once the
 * read side is shut (FIN received or own SHUT_RD); OUT stays on after own
 * SHUT_WR; ERR while sk_err is set (a RST), until SO_ERROR reads it; PRI
 * while urgent data is pending, and IN then needs one byte beyond it.
 */
#include "config.h"

#include "ep_test.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Keep writing until the send side stays unwritable for a while. */
static void
saturate(int fd)
{
	for (int i = 0; i < 1000; i++) {
		ekq_fill(fd);
		if (ep_mask(fd, EPOLLOUT, 50) == 0)
			return;
	}
	ck_abort_msg("fd %d never stopped being writable", fd);
}

static int
so_error(int fd)
{
	int err = -1;
	socklen_t len = sizeof err;
	ck_assert_ok(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	return err;
}

/* b receives a byte from a and a RST after it closes with that byte unread. */
static void
reset_by_peer(int *a)
{
	int b;
	ekq_make_tcp_pair(a, &b);
	ep_poke(*a);
	ekq_wait_fd(b, POLLIN, EP_SOON);
	close(b);
}

START_TEST(tcp_connected_pair_reports_out_only)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	ck_assert_mask(ep_mask(a, EP_IORH | EPOLLPRI, EP_SOON), EPOLLOUT);
	ck_assert_mask(ep_mask(b, EP_IORH | EPOLLPRI, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(tcp_data_reports_in_and_out)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	ep_poke(a);
	ck_assert_mask(ep_mask_when(b, EP_IORH, EPOLLIN, EP_SOON),
	    EPOLLIN | EPOLLOUT);
}
END_TEST

START_TEST(tcp_in_clears_after_reading)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	int epfd = ep_create();
	ep_add(epfd, b, EPOLLIN, 1);
	ep_poke(a);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	char c;
	ck_assert_int_eq(read(b, &c, 1), 1);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(tcp_full_send_buffer_reports_nothing)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	saturate(a);
	ck_assert_mask(ep_mask(a, EP_IORH, EP_QUIET), 0);
}
END_TEST

START_TEST(tcp_full_send_buffer_reports_out_once_peer_reads)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	saturate(a);
	/* Drain b as data arrives until a has room again. */
	int epfd = ep_create();
	ep_add(epfd, a, EPOLLOUT, 1);
	ep_add(epfd, b, EPOLLIN, 2);
	long long deadline = ep_now_us() + EP_SOON * 1000LL;
	for (;;) {
		struct epoll_event ev[2];
		int n = ep_wait(epfd, ev, 2, EP_SOON);
		ck_assert_msg(n > 0 && ep_now_us() < deadline,
		    "a never became writable");
		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 == 1) {
				ck_assert_mask(ev[i].events, EPOLLOUT);
				return;
			}
			ep_drain(b);
		}
	}
}
END_TEST

START_TEST(tcp_peer_close_reports_in_out_rdhup)
{
	/* A FIN is only a half-close: no HUP. */
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	close(b);
	ck_assert_mask(ep_mask_when(a, EP_IORH, EPOLLRDHUP, EP_SOON),
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP);
}
END_TEST

START_TEST(tcp_peer_close_with_unread_data_reports_err_and_hup)
{
	/* Closing with unread data sends a RST: tcp_reset sets sk_err and
	 * tcp_done shuts both directions. */
	int a;
	reset_by_peer(&a);
	ck_assert_mask(ep_mask_when(a, EP_IORH, EPOLLERR, EP_SOON),
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
}
END_TEST

START_TEST(tcp_reading_so_error_clears_err)
{
	int a;
	reset_by_peer(&a);
	ep_mask_when(a, EP_IORH, EPOLLERR, EP_SOON);
	ck_assert_int_eq(so_error(a), ECONNRESET);
	ck_assert_mask(ep_mask(a, EP_IORH, EP_SOON),
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
}
END_TEST

START_TEST(tcp_reset_wakes_a_waiter_with_only_in_requested)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	int epfd = ep_create();
	ep_add(epfd, a, EPOLLIN, 1);
	ep_poke(a);
	ekq_wait_fd(b, POLLIN, EP_SOON);
	ep_expect_none(epfd, 0);
	close(b);
	ep_expect(epfd, 1, EPOLLIN | EPOLLHUP | EPOLLERR, EP_SOON);
}
END_TEST

START_TEST(tcp_fresh_socket_reports_out_and_hup)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_mask(ep_mask(fd, EP_IORH, EP_SOON), EPOLLOUT | EPOLLHUP);
}
END_TEST

START_TEST(tcp_fresh_socket_reports_hup_when_nothing_was_requested)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_mask(ep_mask(fd, 0, EP_SOON), EPOLLHUP);
}
END_TEST

START_TEST(tcp_urgent_data_reports_pri)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	ck_assert_int_eq(send(a, "ab", 2, MSG_OOB), 2);
	/* "a" is ordinary data, "b" the urgent byte. */
	if (ep_differs("diff-epollpri")) {
		/* No EVFILT_EXCEPT: the data is there, its urgency untold. */
		ck_assert_mask(ep_mask_when(b, EP_IORH | EPOLLPRI, EPOLLIN,
		    EP_SOON), EPOLLIN | EPOLLOUT);
		return;
	}
	ck_assert_mask(ep_mask_when(b, EP_IORH | EPOLLPRI, EPOLLPRI | EPOLLIN,
	    EP_SOON), EPOLLIN | EPOLLOUT | EPOLLPRI);
}
END_TEST

START_TEST(tcp_urgent_byte_alone_reports_pri_without_in)
{
	/* Out-of-line urgent byte with nothing before it: nothing to read()
	 * in band, so tcp_poll asks for one byte more than is there. */
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	ck_assert_int_eq(send(a, "u", 1, MSG_OOB), 1);
	if (ep_differs("diff-epollpri")) {
		/* No EVFILT_EXCEPT: once the byte is there (the socket's own
		 * poll() says so), epoll tells only that b is writable. */
		struct pollfd pfd = { .fd = b, .events = POLLPRI, .revents = 0 };
		ck_assert_int_eq(poll(&pfd, 1, EP_SOON), 1);
		ck_assert_mask(ep_mask(b, EP_IORH | EPOLLPRI, EP_QUIET),
		    EPOLLOUT);
		return;
	}
	ck_assert_mask(ep_mask_when(b, EP_IORH | EPOLLPRI, EPOLLPRI, EP_SOON),
	    EPOLLOUT | EPOLLPRI);
}
END_TEST

START_TEST(tcp_pri_is_reported_only_when_requested)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	ck_assert_int_eq(send(a, "ab", 2, MSG_OOB), 2);
	/* Without EVFILT_EXCEPT, not even when requested. */
	bool pri = !ep_differs("diff-epollpri");
	uint32_t in_pri = EPOLLIN | (pri ? EPOLLPRI : 0);
	ck_assert_mask(ep_mask_when(b, EPOLLIN | EPOLLPRI, in_pri, EP_SOON),
	    in_pri);
	ck_assert_mask(ep_mask(b, EPOLLIN, EP_SOON), EPOLLIN);
}
END_TEST

START_TEST(tcp_reading_the_urgent_byte_clears_pri)
{
	int a, b;
	ekq_make_tcp_pair(&a, &b);
	ck_assert_int_eq(send(a, "ab", 2, MSG_OOB), 2);
	bool pri = !ep_differs("diff-epollpri");
	uint32_t in_pri = EPOLLIN | (pri ? EPOLLPRI : 0);
	ck_assert_mask(ep_mask_when(b, EPOLLIN | EPOLLPRI, in_pri, EP_SOON),
	    in_pri);
	char c;
	ck_assert_int_eq(recv(b, &c, 1, MSG_OOB), 1);
	ck_assert_int_eq(c, 'b');
	ck_assert_mask(ep_mask(b, EPOLLIN | EPOLLPRI, EP_SOON), EPOLLIN);
}
END_TEST

Suite *
ep_tcp_suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *tc = tcase_create("tcp");
	tcase_add_test(tc, tcp_connected_pair_reports_out_only);
	tcase_add_test(tc, tcp_data_reports_in_and_out);
	tcase_add_test(tc, tcp_in_clears_after_reading);
	tcase_add_test(tc, tcp_full_send_buffer_reports_nothing);
	tcase_add_test(tc, tcp_full_send_buffer_reports_out_once_peer_reads);
	tcase_add_test(tc, tcp_peer_close_reports_in_out_rdhup);
	tcase_add_test(tc, tcp_peer_close_with_unread_data_reports_err_and_hup);
	tcase_add_test(tc, tcp_reading_so_error_clears_err);
	tcase_add_test(tc, tcp_reset_wakes_a_waiter_with_only_in_requested);
	tcase_add_test(tc, tcp_fresh_socket_reports_out_and_hup);
	tcase_add_test(tc, tcp_fresh_socket_reports_hup_when_nothing_was_requested);
	suite_add_tcase(s, tc);
	/* README: EPOLLPRI needs EVFILT_EXCEPT; where there is none, these
	 * cases assert that it is never reported (ep_differs()). */
	tc = tcase_create("tcp_pri");
	tcase_set_tags(tc, "diff-epollpri");
	tcase_add_test(tc, tcp_urgent_data_reports_pri);
	tcase_add_test(tc, tcp_urgent_byte_alone_reports_pri_without_in);
	tcase_add_test(tc, tcp_pri_is_reported_only_when_requested);
	tcase_add_test(tc, tcp_reading_the_urgent_byte_clears_pri);
	suite_add_tcase(s, tc);
	return s;
}
