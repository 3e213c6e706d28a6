/*
 * EVFILT_READ and EVFILT_WRITE on loopback TCP and UDP sockets (FreeBSD
 * uipc_socket.c filt_soread/filt_sowrite): bytes, free space, EOF with the
 * pending socket error in fflags.
 */
#include "config.h"

#include "kq_util.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Close with a zero linger time, so that the peer gets a reset. */
static void
close_with_reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	ck_assert_ok(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
	close(fd);
}

START_TEST(tcp_read_reports_bytes_available_in_data)
{
	int kq = kqt_new(), c, s;
	ekq_make_tcp_pair(&c, &s);
	kqt_add(kq, s, EVFILT_READ, 0);
	ekq_write_all(c, "tcpdata", 7);
	struct kevent ev = kqt_wait_data(kq, (uintptr_t)s, EVFILT_READ, 7);
	ck_assert_int_eq(ev.data, 7);
	ck_assert_uint_eq(ev.flags & EV_EOF, 0);
}
END_TEST

START_TEST(tcp_write_reports_free_space_in_data)
{
	int kq = kqt_new(), c, s;
	ekq_make_tcp_pair(&c, &s);
	kqt_add(kq, c, EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)c, EVFILT_WRITE);
	ck_assert_int_gt(ev.data, 0);
}
END_TEST

/* filt_sowrite: a protocol that needs a connection is not writable before. */
START_TEST(tcp_unconnected_socket_is_neither_readable_nor_writable)
{
	int kq = kqt_new();
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_ok(fd);
	kqt_add(kq, fd, EVFILT_READ, 0);
	kqt_add(kq, fd, EVFILT_WRITE, 0);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(tcp_completed_connect_fires_write)
{
	int kq = kqt_new();
	unsigned short port;
	int lfd = ekq_make_tcp_listener(&port);
	int fd = ekq_start_tcp_connect(port);
	kqt_add(kq, fd, EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)fd, EVFILT_WRITE);
	ck_assert_uint_eq(ev.flags & EV_EOF, 0);
	close(lfd);
}
END_TEST

START_TEST(tcp_refused_connect_reports_eof_with_econnrefused)
{
	int kq = kqt_new();
	int fd = ekq_start_tcp_connect(ekq_unused_tcp_port());
	kqt_add(kq, fd, EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)fd, EVFILT_WRITE);
	ck_assert(ev.flags & EV_EOF);
	ck_assert_uint_eq(ev.fflags, ECONNREFUSED);
}
END_TEST

START_TEST(tcp_reset_reports_eof_with_econnreset_on_read)
{
	int kq = kqt_new(), c, s;
	ekq_make_tcp_pair(&c, &s);
	kqt_add(kq, c, EVFILT_READ, 0);
	close_with_reset(s);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)c, EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
	ck_assert_uint_eq(ev.fflags, ECONNRESET);
}
END_TEST

START_TEST(tcp_reset_reports_eof_on_write)
{
	int kq = kqt_new(), c, s;
	ekq_make_tcp_pair(&c, &s);
	kqt_add(kq, c, EVFILT_WRITE, 0);
	/* Unread data makes the close send a reset on every stack. */
	ekq_write_all(c, "unread", 6);
	close_with_reset(s);
	struct kevent ev = kqt_wait_eof(kq, (uintptr_t)c, EVFILT_WRITE);
	ck_assert_uint_eq(ev.fflags, ECONNRESET);
}
END_TEST

START_TEST(tcp_peer_close_sets_eof_on_read_without_error)
{
	int kq = kqt_new(), c, s;
	ekq_make_tcp_pair(&c, &s);
	kqt_add(kq, c, EVFILT_READ, 0);
	close(s);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)c, EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
	ck_assert_uint_eq(ev.fflags, 0);
}
END_TEST

START_TEST(tcp_shutdown_wr_sets_eof_on_peer_read)
{
	int kq = kqt_new(), c, s;
	ekq_make_tcp_pair(&c, &s);
	kqt_add(kq, s, EVFILT_READ, 0);
	ck_assert_ok(shutdown(c, SHUT_WR));
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)s, EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
}
END_TEST

START_TEST(tcp_shutdown_wr_sets_eof_on_own_write)
{
	int kq = kqt_new(), c, s;
	ekq_make_tcp_pair(&c, &s);
	ck_assert_ok(shutdown(c, SHUT_WR));
	kqt_add(kq, c, EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)c, EVFILT_WRITE);
	ck_assert(ev.flags & EV_EOF);
}
END_TEST

START_TEST(tcp_shutdown_rd_sets_eof_on_own_read)
{
	int kq = kqt_new(), c, s;
	ekq_make_tcp_pair(&c, &s);
	ck_assert_ok(shutdown(c, SHUT_RD));
	kqt_add(kq, c, EVFILT_READ, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)c, EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
}
END_TEST

/*
 * Fill until the socket stays unwritable: acknowledgements of data still in
 * flight can free send-buffer space after the first EAGAIN.
 */
static void
fill_until_stalled(int fd)
{
	for (int round = 0; round < 100; round++) {
		ekq_fill(fd);
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		if (poll(&pfd, 1, 50) == 0)
			return;
	}
	ck_abort_msg("send buffer never stayed full");
}

START_TEST(tcp_write_is_not_ready_while_the_send_buffer_is_full)
{
	int kq = kqt_new(), c, s;
	ekq_make_tcp_pair(&c, &s);
	fill_until_stalled(c);
	kqt_add(kq, c, EVFILT_WRITE, 0);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(udp_read_reports_the_datagram_size)
{
	int kq = kqt_new(), a, b;
	ekq_make_udp_pair(&a, &b);
	kqt_add(kq, b, EVFILT_READ, 0);
	kqt_expect_none(kq);
	ck_assert_int_eq(send(a, "udp!", 4, 0), 4);
	struct kevent ev = kqt_wait_data(kq, (uintptr_t)b, EVFILT_READ, 4);
	ck_assert_int_eq(ev.data, 4);
}
END_TEST

/* UDP needs no connection, so even an unconnected socket is writable. */
START_TEST(udp_unconnected_socket_is_writable)
{
	int kq = kqt_new();
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_ok(fd);
	kqt_add(kq, fd, EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)fd, EVFILT_WRITE);
	ck_assert_int_gt(ev.data, 0);
}
END_TEST

Suite *
kq_tcp_suite(void)
{
	Suite *s = suite_create("tcp");
	TCase *tc = tcase_create("tcp");
	tcase_add_test(tc, tcp_read_reports_bytes_available_in_data);
	tcase_add_test(tc, tcp_write_reports_free_space_in_data);
	tcase_add_test(tc, tcp_unconnected_socket_is_neither_readable_nor_writable);
	tcase_add_test(tc, tcp_completed_connect_fires_write);
	tcase_add_test(tc, tcp_refused_connect_reports_eof_with_econnrefused);
	tcase_add_test(tc, tcp_reset_reports_eof_with_econnreset_on_read);
	tcase_add_test(tc, tcp_reset_reports_eof_on_write);
	tcase_add_test(tc, tcp_peer_close_sets_eof_on_read_without_error);
	tcase_add_test(tc, tcp_shutdown_wr_sets_eof_on_peer_read);
	tcase_add_test(tc, tcp_shutdown_wr_sets_eof_on_own_write);
	tcase_add_test(tc, tcp_shutdown_rd_sets_eof_on_own_read);
	tcase_add_test(tc, tcp_write_is_not_ready_while_the_send_buffer_is_full);
	suite_add_tcase(s, tc);
	TCase *udp = tcase_create("udp");
	tcase_add_test(udp, udp_read_reports_the_datagram_size);
	tcase_add_test(udp, udp_unconnected_socket_is_writable);
	suite_add_tcase(s, udp);
	return s;
}
