/*
 * EVFILT_READ and EVFILT_WRITE on unix stream and datagram sockets (FreeBSD
 * uipc_socket.c filt_soread/filt_sowrite; uipc_usrreq.c unp_disconnect).
 */
#include "config.h"

#include "kq_util.h"

#include <sys/socket.h>
#include <unistd.h>

START_TEST(unix_stream_read_reports_bytes_available_in_data)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	kqt_add(kq, sv[0], EVFILT_READ, 0);
	kqt_expect_none(kq);
	ekq_write_all(sv[1], "stream", 6);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_READ);
	ck_assert_int_eq(ev.data, 6);
	ck_assert_uint_eq(ev.flags & EV_EOF, 0);
}
END_TEST

START_TEST(unix_stream_write_reports_free_space_in_data)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	kqt_add(kq, sv[0], EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_WRITE);
	ck_assert_int_gt(ev.data, 0);
}
END_TEST

START_TEST(unix_stream_write_is_not_ready_when_full)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	ekq_fill(sv[0]);
	kqt_add(kq, sv[0], EVFILT_WRITE, 0);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(unix_stream_peer_close_sets_eof_on_read)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	kqt_add(kq, sv[0], EVFILT_READ, 0);
	close(sv[1]);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
}
END_TEST

/* unp_disconnect disconnects both ends: the survivor cannot send either. */
START_TEST(unix_stream_peer_close_sets_eof_on_write)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	kqt_add(kq, sv[0], EVFILT_WRITE, 0);
	kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_WRITE);
	close(sv[1]);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_WRITE);
	ck_assert(ev.flags & EV_EOF);
}
END_TEST

START_TEST(unix_stream_eof_still_counts_unread_bytes)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	kqt_add(kq, sv[0], EVFILT_READ, 0);
	ekq_write_all(sv[1], "last", 4);
	close(sv[1]);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
	ck_assert_int_eq(ev.data, 4);
}
END_TEST

START_TEST(unix_stream_shutdown_wr_sets_eof_on_peer_read)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	kqt_add(kq, sv[0], EVFILT_READ, 0);
	ck_assert_ok(shutdown(sv[1], SHUT_WR));
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
}
END_TEST

START_TEST(unix_stream_shutdown_wr_sets_eof_on_own_write)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	ck_assert_ok(shutdown(sv[0], SHUT_WR));
	kqt_add(kq, sv[0], EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_WRITE);
	ck_assert(ev.flags & EV_EOF);
}
END_TEST

START_TEST(unix_stream_shutdown_wr_leaves_own_read_open)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	ck_assert_ok(shutdown(sv[0], SHUT_WR));
	kqt_add(kq, sv[0], EVFILT_READ, 0);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(unix_dgram_read_reports_the_datagram_size)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_DGRAM, sv);
	kqt_add(kq, sv[0], EVFILT_READ, 0);
	kqt_expect_none(kq);
	ck_assert_int_eq(send(sv[1], "datagram", 8, 0), 8);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_READ);
	ck_assert_int_eq(ev.data, 8);
}
END_TEST

START_TEST(unix_dgram_read_stops_after_the_datagram_is_received)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_DGRAM, sv);
	kqt_add(kq, sv[0], EVFILT_READ, 0);
	ck_assert_int_eq(send(sv[1], "d", 1, 0), 1);
	kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_READ);
	char buf[8];
	ck_assert_int_eq(recv(sv[0], buf, sizeof buf, 0), 1);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(unix_dgram_write_is_ready)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_DGRAM, sv);
	kqt_add(kq, sv[0], EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_WRITE);
	ck_assert_int_gt(ev.data, 0);
	ck_assert_uint_eq(ev.flags & EV_EOF, 0);
}
END_TEST

/* filt_soread: NOTE_LOWAT in fflags, the low-water mark in data. */
START_TEST(socket_read_with_note_lowat_waits_for_that_many_bytes)
{
	int kq = kqt_new(), sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	kqt_change(kq, (uintptr_t)sv[0], EVFILT_READ, EV_ADD, NOTE_LOWAT, 5,
	    NULL);
	ekq_write_all(sv[1], "abc", 3);
	kqt_expect_none(kq);
	ekq_write_all(sv[1], "de", 2);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)sv[0], EVFILT_READ);
	ck_assert_int_eq(ev.data, 5);
}
END_TEST

Suite *
kq_sockets_suite(void)
{
	Suite *s = suite_create("sockets");
	TCase *tc = tcase_create("unix");
	tcase_add_test(tc, unix_stream_read_reports_bytes_available_in_data);
	tcase_add_test(tc, unix_stream_write_reports_free_space_in_data);
	tcase_add_test(tc, unix_stream_write_is_not_ready_when_full);
	tcase_add_test(tc, unix_stream_peer_close_sets_eof_on_read);
	tcase_add_test(tc, unix_stream_peer_close_sets_eof_on_write);
	tcase_add_test(tc, unix_stream_eof_still_counts_unread_bytes);
	tcase_add_test(tc, unix_stream_shutdown_wr_sets_eof_on_peer_read);
	tcase_add_test(tc, unix_stream_shutdown_wr_sets_eof_on_own_write);
	tcase_add_test(tc, unix_stream_shutdown_wr_leaves_own_read_open);
	tcase_add_test(tc, unix_dgram_read_reports_the_datagram_size);
	tcase_add_test(tc, unix_dgram_read_stops_after_the_datagram_is_received);
	tcase_add_test(tc, unix_dgram_write_is_ready);
	tcase_add_test(tc, socket_read_with_note_lowat_waits_for_that_many_bytes);
	suite_add_tcase(s, tc);
	return s;
}
