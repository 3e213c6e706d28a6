/*
 * Pipes (fs/pipe.c: pipe_poll).  The read end is IN when data is buffered
 * and HUP once no writer is left; it never reports RDHUP.  The write end
 * is OUT while there is room and ERR once no reader is left; it never
 * reports HUP.  Each state case requests IN|OUT|RDHUP and asserts the exact
 * mask (HUP and ERR come unrequested).
 */
#include "config.h"

#include "ep_test.h"

#include <unistd.h>

START_TEST(pipe_empty_read_end_reports_nothing)
{
	int p[2];
	ekq_make_pipe(p);
	ck_assert_mask(ep_mask(p[0], EP_IORH, EP_QUIET), 0);
}
END_TEST

START_TEST(pipe_read_end_with_data_reports_in)
{
	int p[2];
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ck_assert_mask(ep_mask(p[0], EP_IORH, EP_SOON), EPOLLIN);
}
END_TEST

START_TEST(pipe_read_end_reports_nothing_once_drained)
{
	int p[2];
	ekq_make_pipe(p);
	int epfd = ep_create();
	ep_add(epfd, p[0], EP_IORH, 1);
	ep_poke(p[1]);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	ep_drain(p[0]);
	ep_expect_none(epfd, EP_QUIET);
}
END_TEST

START_TEST(pipe_write_end_reports_out)
{
	int p[2];
	ekq_make_pipe(p);
	ck_assert_mask(ep_mask(p[1], EP_IORH, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(pipe_read_end_never_reports_out)
{
	int p[2];
	ekq_make_pipe(p);
	ck_assert_mask(ep_mask(p[0], EPOLLOUT, EP_QUIET), 0);
}
END_TEST

START_TEST(pipe_write_end_never_reports_in)
{
	int p[2];
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ck_assert_mask(ep_mask(p[1], EPOLLIN | EPOLLRDHUP, EP_QUIET), 0);
}
END_TEST

START_TEST(pipe_writer_closed_reports_hup_without_rdhup)
{
	int p[2];
	ekq_make_pipe(p);
	close(p[1]);
	ck_assert_mask(ep_mask(p[0], EP_IORH, EP_SOON), EPOLLHUP);
}
END_TEST

START_TEST(pipe_writer_closed_with_data_reports_in_and_hup)
{
	int p[2];
	ekq_make_pipe(p);
	ep_poke(p[1]);
	close(p[1]);
	ck_assert_mask(ep_mask(p[0], EP_IORH, EP_SOON), EPOLLIN | EPOLLHUP);
}
END_TEST

START_TEST(pipe_writer_closed_while_waiting_wakes_with_hup)
{
	int p[2];
	ekq_make_pipe(p);
	int epfd = ep_create();
	ep_add(epfd, p[0], EPOLLIN, 1);
	ep_expect_none(epfd, 0);
	close(p[1]);
	ep_expect(epfd, 1, EPOLLHUP, EP_SOON);
}
END_TEST

START_TEST(pipe_reader_closed_reports_out_and_err)
{
	int p[2];
	ekq_make_pipe(p);
	close(p[0]);
	ck_assert_mask(ep_mask(p[1], EP_IORH, EP_SOON), EPOLLOUT | EPOLLERR);
}
END_TEST

START_TEST(pipe_full_write_end_reports_nothing)
{
	int p[2];
	ekq_make_pipe(p);
	ekq_fill(p[1]);
	ck_assert_mask(ep_mask(p[1], EP_IORH, EP_QUIET), 0);
}
END_TEST

START_TEST(pipe_full_write_end_reports_out_after_drain)
{
	int p[2];
	ekq_make_pipe(p);
	ekq_fill(p[1]);
	int epfd = ep_create();
	ep_add(epfd, p[1], EPOLLOUT, 1);
	ep_expect_none(epfd, 0);
	ep_drain(p[0]);
	ep_expect(epfd, 1, EPOLLOUT, EP_SOON);
}
END_TEST

START_TEST(pipe_full_write_end_reader_closed_reports_err_only)
{
	/* No room and no reader: ERR without OUT (the buffer stays full). */
	int p[2];
	ekq_make_pipe(p);
	ekq_fill(p[1]);
	close(p[0]);
	/* Their pipe_poll() says POLLOUT once the reader is gone. */
	if (ep_differs("diff-widowed-full-pipe"))
		ck_assert_mask(ep_mask(p[1], EP_IORH, EP_SOON),
		    EPOLLOUT | EPOLLERR);
	else
		ck_assert_mask(ep_mask(p[1], EP_IORH, EP_SOON), EPOLLERR);
}
END_TEST

START_TEST(pipe_hup_is_reported_when_only_out_was_requested)
{
	int p[2];
	ekq_make_pipe(p);
	close(p[1]);
	ck_assert_mask(ep_mask(p[0], EPOLLOUT, EP_SOON), EPOLLHUP);
}
END_TEST

START_TEST(pipe_err_is_reported_when_only_in_was_requested)
{
	int p[2];
	ekq_make_pipe(p);
	close(p[0]);
	ck_assert_mask(ep_mask(p[1], EPOLLIN, EP_SOON), EPOLLERR);
}
END_TEST

START_TEST(pipe_rdnorm_is_reported_only_when_requested)
{
	int p[2];
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ck_assert_mask(ep_mask(p[0], EPOLLIN | EPOLLRDNORM, EP_SOON),
	    EPOLLIN | EPOLLRDNORM);
	ck_assert_mask(ep_mask(p[0], EPOLLRDNORM, EP_SOON), EPOLLRDNORM);
	ck_assert_mask(ep_mask(p[0], EPOLLIN, EP_SOON), EPOLLIN);
}
END_TEST

START_TEST(pipe_wrnorm_is_reported_only_when_requested)
{
	int p[2];
	ekq_make_pipe(p);
	ck_assert_mask(ep_mask(p[1], EPOLLOUT | EPOLLWRNORM, EP_SOON),
	    EPOLLOUT | EPOLLWRNORM);
	ck_assert_mask(ep_mask(p[1], EPOLLWRNORM, EP_SOON), EPOLLWRNORM);
}
END_TEST

START_TEST(pipe_rdband_and_pri_are_never_reported)
{
	int p[2];
	ekq_make_pipe(p);
	ep_poke(p[1]);
	ck_assert_mask(ep_mask(p[0], EPOLLIN | EPOLLPRI | EPOLLRDBAND, EP_SOON),
	    EPOLLIN);
}
END_TEST

START_TEST(pipe_both_ends_in_one_instance_report_separately)
{
	int p[2];
	ekq_make_pipe(p);
	int epfd = ep_create();
	ep_add(epfd, p[0], EPOLLIN, 10);
	ep_add(epfd, p[1], EPOLLOUT, 11);
	ep_poke(p[1]);
	struct epoll_event ev[4];
	ck_assert_int_eq(ep_wait(epfd, ev, 4, EP_SOON), 2);
	int seen = 0;
	for (int i = 0; i < 2; i++) {
		if (ev[i].data.u64 == 10) {
			ck_assert_mask(ev[i].events, EPOLLIN);
			seen |= 1;
		} else {
			ck_assert(ev[i].data.u64 == 11);
			ck_assert_mask(ev[i].events, EPOLLOUT);
			seen |= 2;
		}
	}
	ck_assert_int_eq(seen, 3);
}
END_TEST

Suite *
ep_pipe_suite(void)
{
	Suite *s = suite_create("pipe");
	TCase *tc = tcase_create("pipe");
	tcase_add_test(tc, pipe_empty_read_end_reports_nothing);
	tcase_add_test(tc, pipe_read_end_with_data_reports_in);
	tcase_add_test(tc, pipe_read_end_reports_nothing_once_drained);
	tcase_add_test(tc, pipe_write_end_reports_out);
	tcase_add_test(tc, pipe_read_end_never_reports_out);
	tcase_add_test(tc, pipe_write_end_never_reports_in);
	tcase_add_test(tc, pipe_writer_closed_reports_hup_without_rdhup);
	tcase_add_test(tc, pipe_writer_closed_with_data_reports_in_and_hup);
	tcase_add_test(tc, pipe_writer_closed_while_waiting_wakes_with_hup);
	tcase_add_test(tc, pipe_reader_closed_reports_out_and_err);
	tcase_add_test(tc, pipe_full_write_end_reports_nothing);
	tcase_add_test(tc, pipe_full_write_end_reports_out_after_drain);
	tcase_add_test(tc, pipe_hup_is_reported_when_only_out_was_requested);
	tcase_add_test(tc, pipe_err_is_reported_when_only_in_was_requested);
	tcase_add_test(tc, pipe_rdnorm_is_reported_only_when_requested);
	tcase_add_test(tc, pipe_wrnorm_is_reported_only_when_requested);
	tcase_add_test(tc, pipe_rdband_and_pri_are_never_reported);
	tcase_add_test(tc, pipe_both_ends_in_one_instance_report_separately);
	suite_add_tcase(s, tc);
	/* README: a widowed pipe's write end with a full buffer (the
	 * profiles of that row assert their own mask). */
	tc = tcase_create("pipe_widowed_full");
	tcase_set_tags(tc, "diff-widowed-full-pipe");
	tcase_add_test(tc, pipe_full_write_end_reader_closed_reports_err_only);
	suite_add_tcase(s, tc);
	return s;
}
