/*
 * Listening sockets.  TCP: inet_csk_listen_poll reports IN while the accept
 * queue is non-empty and nothing else, ever (no OUT).  Unix: unix_poll
 * reports IN for a pending connection; a listener is never writable.
 * shutdown(SHUT_RD) on a TCP listener disconnects it (inet_shutdown ->
 * tcp_disconnect): it turns into a closed, fresh-looking socket, OUT|HUP.
 */
#include "config.h"

#include "ep_test.h"

#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char unix_path[PATH_MAX];

static void
remove_socket(void)
{
	if (unix_path[0] != '\0')
		ekq_remove_fifo(unix_path);	/* unlinks it and its directory */
}

static int
unix_connect(const char *path)
{
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof sun.sun_path);
	strcpy(sun.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_ok(connect(fd, (struct sockaddr *)&sun, sizeof sun));
	return fd;
}

START_TEST(tcp_listener_idle_reports_nothing)
{
	unsigned short port;
	int l = ekq_make_tcp_listener(&port);
	ck_assert_mask(ep_mask(l, EP_IORH | EPOLLPRI, EP_QUIET), 0);
}
END_TEST

START_TEST(tcp_listener_pending_connection_reports_in_only)
{
	unsigned short port;
	int l = ekq_make_tcp_listener(&port);
	(void)ekq_start_tcp_connect(port);
	ck_assert_mask(ep_mask_when(l, EP_IORH, EPOLLIN, EP_SOON), EPOLLIN);
}
END_TEST

START_TEST(tcp_listener_in_clears_after_accept)
{
	unsigned short port;
	int l = ekq_make_tcp_listener(&port);
	int epfd = ep_create();
	ep_add(epfd, l, EPOLLIN, 1);
	(void)ekq_start_tcp_connect(port);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ck_assert_int_ge(accept(l, NULL, NULL), 0);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(tcp_listener_in_stays_while_connections_are_pending)
{
	unsigned short port;
	int l = ekq_make_tcp_listener(&port);
	int c1 = ekq_start_tcp_connect(port);
	int c2 = ekq_start_tcp_connect(port);
	/* Both handshakes done means both are in the accept queue. */
	ekq_wait_fd(c1, POLLOUT, EP_SOON);
	ekq_wait_fd(c2, POLLOUT, EP_SOON);
	int epfd = ep_create();
	ep_add(epfd, l, EPOLLIN, 1);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ck_assert_int_ge(accept(l, NULL, NULL), 0);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ck_assert_int_ge(accept(l, NULL, NULL), 0);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(tcp_listener_edge_reports_each_new_connection)
{
	unsigned short port;
	int l = ekq_make_tcp_listener(&port);
	int epfd = ep_create();
	ep_add(epfd, l, EPOLLIN | EPOLLET, 1);
	ep_expect_none(epfd, 0);
	(void)ekq_start_tcp_connect(port);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
	/* Not accepted yet, but a second arrival is a new edge. */
	(void)ekq_start_tcp_connect(port);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
}
END_TEST

START_TEST(tcp_listener_shutdown_rd_reports_out_and_hup)
{
	unsigned short port;
	int l = ekq_make_tcp_listener(&port);
	int epfd = ep_create();
	ep_add(epfd, l, EP_IORH, 1);
	ep_expect_none(epfd, 0);
	ck_assert_ok(shutdown(l, SHUT_RD));
	/* A thread blocked on the listener is woken: the usual way to stop an
	 * accept loop. */
	ep_expect(epfd, 1, EPOLLOUT | EPOLLHUP, EP_SOON);
}
END_TEST

START_TEST(unix_listener_idle_reports_nothing)
{
	int l = ekq_make_unix_listener(unix_path, sizeof unix_path);
	ck_assert_mask(ep_mask(l, EP_IORH | EPOLLPRI, EP_QUIET), 0);
}
END_TEST

START_TEST(unix_listener_pending_connection_reports_in_only)
{
	int l = ekq_make_unix_listener(unix_path, sizeof unix_path);
	(void)unix_connect(unix_path);
	ck_assert_mask(ep_mask(l, EP_IORH, EP_SOON), EPOLLIN);
}
END_TEST

START_TEST(unix_listener_in_clears_after_accept)
{
	int l = ekq_make_unix_listener(unix_path, sizeof unix_path);
	int epfd = ep_create();
	ep_add(epfd, l, EPOLLIN, 1);
	ep_expect_none(epfd, 0);
	(void)unix_connect(unix_path);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ck_assert_int_ge(accept(l, NULL, NULL), 0);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

Suite *
ep_listen_suite(void)
{
	Suite *s = suite_create("listen");
	TCase *tc = tcase_create("tcp");
	tcase_add_test(tc, tcp_listener_idle_reports_nothing);
	tcase_add_test(tc, tcp_listener_pending_connection_reports_in_only);
	tcase_add_test(tc, tcp_listener_in_clears_after_accept);
	tcase_add_test(tc, tcp_listener_in_stays_while_connections_are_pending);
	tcase_add_test(tc, tcp_listener_edge_reports_each_new_connection);
	tcase_add_test(tc, tcp_listener_shutdown_rd_reports_out_and_hup);
	suite_add_tcase(s, tc);

	tc = tcase_create("unix");
	tcase_add_checked_fixture(tc, NULL, remove_socket);
	tcase_add_test(tc, unix_listener_idle_reports_nothing);
	tcase_add_test(tc, unix_listener_pending_connection_reports_in_only);
	tcase_add_test(tc, unix_listener_in_clears_after_accept);
	suite_add_tcase(s, tc);
	return s;
}
