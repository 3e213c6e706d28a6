/*
 * FIFOs.  Same pipe_poll as pipes, with one twist: a reader reports HUP
 * only after a writer has come and gone since it opened (pipe_poll compares
 * the file's remembered writer count, f_pipe, with the pipe's w_counter).
 * A reader that has never seen a writer reports nothing, not HUP.
 */
#include "config.h"

#include "ep_test.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

static char fifo_path[PATH_MAX];

static void
remove_fifo(void)
{
	if (fifo_path[0] != '\0')
		ekq_remove_fifo(fifo_path);
}

/* Reader only (wr == NULL) or reader and writer, both non-blocking. */
static void
make_fifo(int *rd, int *wr)
{
	ekq_make_fifo(fifo_path, sizeof fifo_path, rd, wr);
}

static int
open_writer(void)
{
	int fd = open(fifo_path, O_WRONLY | O_NONBLOCK);
	ck_assert_msg(fd >= 0, "open writer: %s", strerror(errno));
	return fd;
}

START_TEST(fifo_reader_that_never_had_a_writer_reports_nothing)
{
	int rd;
	make_fifo(&rd, NULL);
	ck_assert_mask(ep_mask(rd, EP_IORH, EP_QUIET), 0);
}
END_TEST

START_TEST(fifo_reader_with_a_writer_reports_nothing_until_data)
{
	int rd, wr;
	make_fifo(&rd, &wr);
	ck_assert_mask(ep_mask(rd, EP_IORH, EP_QUIET), 0);
	ep_poke(wr);
	ck_assert_mask(ep_mask(rd, EP_IORH, EP_SOON), EPOLLIN);
}
END_TEST

START_TEST(fifo_writer_reports_out)
{
	int rd, wr;
	make_fifo(&rd, &wr);
	ck_assert_mask(ep_mask(wr, EP_IORH, EP_SOON), EPOLLOUT);
}
END_TEST

START_TEST(fifo_reader_reports_hup_after_the_writer_left)
{
	int rd, wr;
	make_fifo(&rd, &wr);
	close(wr);
	ck_assert_mask(ep_mask(rd, EP_IORH, EP_SOON), EPOLLHUP);
}
END_TEST

START_TEST(fifo_reader_hup_clears_when_a_writer_returns)
{
	int rd, wr;
	make_fifo(&rd, &wr);
	close(wr);
	ck_assert_mask(ep_mask(rd, EP_IORH, EP_SOON), EPOLLHUP);
	wr = open_writer();
	ck_assert_mask(ep_mask(rd, EP_IORH, EP_QUIET), 0);
	close(wr);
}
END_TEST

/* One registration throughout: HUP while no writer is left, then nothing
 * once one is back, then its data. */
START_TEST(fifo_reader_registration_follows_a_writer_leaving_and_returning)
{
	int rd, wr;
	make_fifo(&rd, &wr);
	int epfd = ep_create();
	ep_add(epfd, rd, EP_IORH, 1);
	ep_expect_none(epfd, 0);
	close(wr);
	ep_expect(epfd, 1, EPOLLHUP, EP_SOON);
	ep_expect(epfd, 1, EPOLLHUP, 0);
	wr = open_writer();
	ep_expect_none(epfd, EP_QUIET);
	ep_poke(wr);
	ep_expect(epfd, 1, EPOLLIN, EP_SOON);
	close(wr);
	ep_expect(epfd, 1, EPOLLIN | EPOLLHUP, EP_SOON);
}
END_TEST

START_TEST(fifo_writer_reports_out_and_err_after_the_reader_left)
{
	int rd, wr;
	make_fifo(&rd, &wr);
	close(rd);
	ck_assert_mask(ep_mask(wr, EP_IORH, EP_SOON), EPOLLOUT | EPOLLERR);
}
END_TEST

START_TEST(fifo_opened_read_write_reports_out_and_never_hup)
{
	/* One open file that is both reader and writer of the FIFO. */
	int rd;
	make_fifo(&rd, NULL);
	int rw = open(fifo_path, O_RDWR | O_NONBLOCK);
	ck_assert_int_ge(rw, 0);
	close(rd);
	ck_assert_mask(ep_mask(rw, EP_IORH, EP_SOON), EPOLLOUT);
	ep_poke(rw);
	ck_assert_mask(ep_mask(rw, EP_IORH, EP_SOON), EPOLLIN | EPOLLOUT);
}
END_TEST

START_TEST(fifo_data_left_by_a_departed_writer_reports_in_and_hup)
{
	int rd, wr;
	make_fifo(&rd, &wr);
	ep_poke(wr);
	close(wr);
	ck_assert_mask(ep_mask(rd, EP_IORH, EP_SOON), EPOLLIN | EPOLLHUP);
}
END_TEST

Suite *
ep_fifo_suite(void)
{
	Suite *s = suite_create("fifo");
	TCase *tc = tcase_create("fifo");
	tcase_add_checked_fixture(tc, NULL, remove_fifo);
	tcase_add_test(tc, fifo_reader_that_never_had_a_writer_reports_nothing);
	tcase_add_test(tc, fifo_reader_with_a_writer_reports_nothing_until_data);
	tcase_add_test(tc, fifo_writer_reports_out);
	tcase_add_test(tc, fifo_reader_reports_hup_after_the_writer_left);
	tcase_add_test(tc, fifo_reader_hup_clears_when_a_writer_returns);
	tcase_add_test(tc, fifo_reader_registration_follows_a_writer_leaving_and_returning);
	tcase_add_test(tc, fifo_writer_reports_out_and_err_after_the_reader_left);
	tcase_add_test(tc, fifo_opened_read_write_reports_out_and_never_hup);
	tcase_add_test(tc, fifo_data_left_by_a_departed_writer_reports_in_and_hup);
	suite_add_tcase(s, tc);
	return s;
}
