/*
 * Connecting sockets.  A non-blocking TCP connect() that completes reports
 * OUT (and nothing else); one that is refused gets a RST in SYN_SENT:
 * tcp_reset sets ECONNREFUSED and tcp_done closes both directions, so
 * every bit is up: IN|OUT|RDHUP|HUP|ERR.  Unix stream connects complete
 * at once.
 */
#include "config.h"

#include "ep_test.h"

#include <limits.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char unix_path[PATH_MAX];

static void
remove_socket(void)
{
	if (unix_path[0] != '\0')
		ekq_remove_fifo(unix_path);
}

static int
so_error(int fd)
{
	int err = -1;
	socklen_t len = sizeof err;
	ck_assert_ok(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	return err;
}

START_TEST(tcp_connect_completion_reports_out_only)
{
	unsigned short port;
	(void)ekq_make_tcp_listener(&port);
	int c = ekq_start_tcp_connect(port);
	ck_assert_mask(ep_mask_when(c, EP_IORH | EPOLLPRI, EPOLLOUT, EP_SOON),
	    EPOLLOUT);
	ck_assert_int_eq(so_error(c), 0);
}
END_TEST

START_TEST(tcp_connect_completion_wakes_an_edge_waiter_once)
{
	unsigned short port;
	(void)ekq_make_tcp_listener(&port);
	int c = ekq_start_tcp_connect(port);
	int epfd = ep_create();
	ep_add(epfd, c, EP_IORH | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(tcp_unconnected_socket_added_again_after_del_reports_out_hup)
{
	/* Nothing fires for a socket that never connected (tcp_poll():
	 * TCP_CLOSE is OUT|HUP): each ADD must see that state afresh. */
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s, 0);
	int epfd = ep_create();
	ep_add(epfd, s, EP_IORH, 1);
	ep_expect(epfd, 1, EPOLLOUT | EPOLLHUP, EP_SOON);
	ep_del(epfd, s);
	ep_add(epfd, s, EP_IORH, 2);
	ep_expect(epfd, 2, EPOLLOUT | EPOLLHUP, EP_SOON);
}
END_TEST

START_TEST(tcp_accepted_socket_reports_out_only)
{
	int c, s;
	ekq_make_tcp_pair(&c, &s);
	ck_assert_mask(ep_mask(s, EP_IORH | EPOLLPRI, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(tcp_connect_refused_reports_in_out_rdhup_hup_err)
{
	int c = ekq_start_tcp_connect(ekq_unused_tcp_port());
	ck_assert_mask(ep_mask_when(c, EP_IORH, EPOLLERR, EP_SOON),
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
}
END_TEST

START_TEST(tcp_connect_refused_reports_hup_and_err_unrequested)
{
	int c = ekq_start_tcp_connect(ekq_unused_tcp_port());
	int epfd = ep_create();
	ep_add(epfd, c, 0, 1);
	ep_expect(epfd, 1, EPOLLHUP | EPOLLERR, EP_SOON);
}
END_TEST

START_TEST(tcp_connect_refused_err_clears_after_so_error)
{
	int c = ekq_start_tcp_connect(ekq_unused_tcp_port());
	ep_mask_when(c, EP_IORH, EPOLLERR, EP_SOON);
	ck_assert_int_eq(so_error(c), ECONNREFUSED);
	ck_assert_mask(ep_mask(c, EP_IORH, EP_SOON),
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP);
}
END_TEST

/* One edge-triggered registration throughout: re-armed after the error
 * was read, the refused socket is still shut both ways, without EPOLLERR. */
START_TEST(tcp_connect_refused_edge_rearmed_after_so_error_reports_no_err)
{
	int c = ekq_start_tcp_connect(ekq_unused_tcp_port());
	int epfd = ep_create();
	ep_add(epfd, c, EP_IORH | EPOLLET, 1);
	struct epoll_event ev = { 0, { 0 } };
	for (int i = 0; i < 3 && !(ev.events & EPOLLERR); i++)
		ck_assert_int_eq(ep_wait(epfd, &ev, 1, EP_SOON), 1);
	ck_assert_mask(ev.events,
	    EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
	ck_assert_int_eq(so_error(c), ECONNREFUSED);
	ep_mod(epfd, c, EP_IORH | EPOLLET, 1);
	ep_expect(epfd, 1, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP, EP_SOON);
}
END_TEST

START_TEST(unix_connect_reports_out_on_both_ends)
{
	int l = ekq_make_unix_listener(unix_path, sizeof unix_path);
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, unix_path);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(c, 0);
	ekq_set_nonblock(c);
	ck_assert_ok(connect(c, (struct sockaddr *)&sun, sizeof sun));
	ck_assert_mask(ep_mask(c, EP_IORH, EP_SOON), EPOLLOUT);
	int s = accept(l, NULL, NULL);
	ck_assert_int_ge(s, 0);
	ck_assert_mask(ep_mask(s, EP_IORH, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(unix_connected_socket_loses_hup_of_unconnected_state)
{
	/* Registered while unconnected (OUT|HUP), then connected: the same
	 * registration now reports plain OUT. */
	int l = ekq_make_unix_listener(unix_path, sizeof unix_path);
	(void)l;
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(c, 0);
	int epfd = ep_create();
	ep_add(epfd, c, EP_IORH, 1);
	ep_expect(epfd, 1, EPOLLOUT | EPOLLHUP, EP_SOON);
	struct sockaddr_un sun;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, unix_path);
	ck_assert_ok(connect(c, (struct sockaddr *)&sun, sizeof sun));
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
}
END_TEST

Suite *
ep_connect_suite(void)
{
	Suite *s = suite_create("connect");
	TCase *tc = tcase_create("tcp");
	tcase_add_test(tc, tcp_connect_completion_reports_out_only);
	tcase_add_test(tc, tcp_connect_completion_wakes_an_edge_waiter_once);
	tcase_add_test(tc, tcp_accepted_socket_reports_out_only);
	tcase_add_test(tc,
	    tcp_unconnected_socket_added_again_after_del_reports_out_hup);
	tcase_add_test(tc, tcp_connect_refused_reports_in_out_rdhup_hup_err);
	tcase_add_test(tc, tcp_connect_refused_reports_hup_and_err_unrequested);
	tcase_add_test(tc, tcp_connect_refused_err_clears_after_so_error);
	tcase_add_test(tc,
	    tcp_connect_refused_edge_rearmed_after_so_error_reports_no_err);
	suite_add_tcase(s, tc);

	tc = tcase_create("unix");
	tcase_add_checked_fixture(tc, NULL, remove_socket);
	tcase_add_test(tc, unix_connect_reports_out_on_both_ends);
	tcase_add_test(tc, unix_connected_socket_loses_hup_of_unconnected_state);
	suite_add_tcase(s, tc);
	return s;
}
