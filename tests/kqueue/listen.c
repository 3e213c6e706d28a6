/*
 * EVFILT_READ on listening sockets: data is the number of completed
 * connections waiting for accept() (FreeBSD filt_soread, SOLISTENING branch:
 * sol_qlen).
 */
#include "config.h"

#include "kq_util.h"

#include <limits.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
unix_connect(const char *path)
{
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	ck_assert_int_lt(snprintf(sun.sun_path, sizeof sun.sun_path, "%s",
	    path), (int)sizeof sun.sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_ok(fd);
	ck_assert_ok(connect(fd, (struct sockaddr *)&sun, sizeof sun));
	return fd;
}

START_TEST(listen_is_not_ready_without_a_pending_connection)
{
	int kq = kqt_new();
	unsigned short port;
	int lfd = ekq_make_tcp_listener(&port);
	kqt_add(kq, lfd, EVFILT_READ, 0);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(listen_fires_when_a_connection_arrives)
{
	int kq = kqt_new();
	unsigned short port;
	int lfd = ekq_make_tcp_listener(&port);
	kqt_add(kq, lfd, EVFILT_READ, 0);
	int c = ekq_start_tcp_connect(port);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)lfd, EVFILT_READ);
	ck_assert_int_eq(ev.data, 1);
	close(c);
}
END_TEST

START_TEST(listen_reports_pending_connections_in_data)
{
	int kq = kqt_new();
	unsigned short port;
	int lfd = ekq_make_tcp_listener(&port);
	kqt_add(kq, lfd, EVFILT_READ, 0);
	int c1 = ekq_start_tcp_connect(port);
	int c2 = ekq_start_tcp_connect(port);
	int c3 = ekq_start_tcp_connect(port);
	struct kevent ev = kqt_wait_data(kq, (uintptr_t)lfd, EVFILT_READ, 3);
	ck_assert_int_eq(ev.data, 3);
	close(c1);
	close(c2);
	close(c3);
}
END_TEST

START_TEST(listen_data_drops_with_each_accept)
{
	int kq = kqt_new();
	unsigned short port;
	int lfd = ekq_make_tcp_listener(&port);
	kqt_add(kq, lfd, EVFILT_READ, 0);
	int c1 = ekq_start_tcp_connect(port);
	int c2 = ekq_start_tcp_connect(port);
	kqt_wait_data(kq, (uintptr_t)lfd, EVFILT_READ, 2);
	int a = accept(lfd, NULL, NULL);
	ck_assert_ok(a);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)lfd, EVFILT_READ);
	ck_assert_int_eq(ev.data, 1);
	close(c1);
	close(c2);
}
END_TEST

START_TEST(listen_stops_firing_once_everything_is_accepted)
{
	int kq = kqt_new();
	unsigned short port;
	int lfd = ekq_make_tcp_listener(&port);
	kqt_add(kq, lfd, EVFILT_READ, 0);
	int c = ekq_start_tcp_connect(port);
	kqt_expect_one(kq, (uintptr_t)lfd, EVFILT_READ);
	int a = accept(lfd, NULL, NULL);
	ck_assert_ok(a);
	kqt_expect_none(kq);
	close(c);
}
END_TEST

START_TEST(listen_write_filter_never_fires)
{
	int kq = kqt_new();
	unsigned short port;
	int lfd = ekq_make_tcp_listener(&port);
	kqt_add(kq, lfd, EVFILT_WRITE, 0);
	kqt_expect_none(kq);
}
END_TEST

START_TEST(unix_listen_reports_a_pending_connection)
{
	int kq = kqt_new();
	char path[PATH_MAX];
	int lfd = ekq_make_unix_listener(path, sizeof path);
	kqt_add(kq, lfd, EVFILT_READ, 0);
	kqt_expect_none(kq);
	int c = unix_connect(path);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)lfd, EVFILT_READ);
	ck_assert_int_eq(ev.data, 1);
	close(c);
	ekq_remove_fifo(path); /* unlinks the socket and its directory */
}
END_TEST

Suite *
kq_listen_suite(void)
{
	Suite *s = suite_create("listen");
	TCase *tc = tcase_create("listen");
	tcase_add_test(tc, listen_is_not_ready_without_a_pending_connection);
	tcase_add_test(tc, listen_fires_when_a_connection_arrives);
	tcase_add_test(tc, listen_reports_pending_connections_in_data);
	tcase_add_test(tc, listen_data_drops_with_each_accept);
	tcase_add_test(tc, listen_stops_firing_once_everything_is_accepted);
	tcase_add_test(tc, listen_write_filter_never_fires);
	tcase_add_test(tc, unix_listen_reports_a_pending_connection);
	suite_add_tcase(s, tc);
	return s;
}
