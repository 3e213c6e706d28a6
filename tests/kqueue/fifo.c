/*
 * EVFILT_READ and EVFILT_WRITE on FIFOs.  FreeBSD FIFOs are pipes
 * (fifo_vnops.c fifo_open/fifo_close, sys_pipe.c filt_piperead): a reader
 * sees EOF only after a writer has come and gone, and a new writer clears it.
 */
#include "config.h"

#include "kq_util.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

struct fifo {
	char path[PATH_MAX];
	int rd, wr;
};

static struct fifo
open_fifo(int with_writer)
{
	struct fifo f;
	f.wr = -1;
	ekq_make_fifo(f.path, sizeof f.path, &f.rd, with_writer ? &f.wr : NULL);
	return f;
}

static int
open_writer(const struct fifo *f)
{
	int fd = open(f->path, O_WRONLY | O_NONBLOCK);
	ck_assert_msg(fd >= 0, "open writer: %s", strerror(errno));
	return fd;
}

START_TEST(fifo_read_reports_bytes_available_in_data)
{
	struct fifo f = open_fifo(1);
	int kq = kqt_new();
	kqt_add(kq, f.rd, EVFILT_READ, 0);
	ekq_write_all(f.wr, "fifo", 4);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)f.rd, EVFILT_READ);
	ck_assert_int_eq(ev.data, 4);
	ck_assert_uint_eq(ev.flags & EV_EOF, 0);
	ekq_remove_fifo(f.path);
}
END_TEST

START_TEST(fifo_reader_without_any_writer_yet_gets_no_event)
{
	struct fifo f = open_fifo(0);
	int kq = kqt_new();
	kqt_add(kq, f.rd, EVFILT_READ, 0);
	kqt_expect_none(kq);
	ekq_remove_fifo(f.path);
}
END_TEST

START_TEST(fifo_reader_gets_eof_after_the_last_writer_closes)
{
	struct fifo f = open_fifo(1);
	int kq = kqt_new();
	kqt_add(kq, f.rd, EVFILT_READ, 0);
	close(f.wr);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)f.rd, EVFILT_READ);
	ck_assert(ev.flags & EV_EOF);
	ekq_remove_fifo(f.path);
}
END_TEST

/* FreeBSD: filt_piperead clears EV_EOF once a new writer opened. */
START_TEST(fifo_eof_is_cleared_when_a_new_writer_opens)
{
	struct fifo f = open_fifo(1);
	int kq = kqt_new();
	kqt_add(kq, f.rd, EVFILT_READ, 0);
	close(f.wr);
	kqt_expect_one(kq, (uintptr_t)f.rd, EVFILT_READ);
	int wr = open_writer(&f);
	kqt_expect_none(kq);
	ekq_write_all(wr, "again", 5);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)f.rd, EVFILT_READ);
	ck_assert_uint_eq(ev.flags & EV_EOF, 0);
	ck_assert_int_eq(ev.data, 5);
	ekq_remove_fifo(f.path);
}
END_TEST

START_TEST(fifo_write_is_ready_while_a_reader_is_open)
{
	struct fifo f = open_fifo(1);
	int kq = kqt_new();
	kqt_add(kq, f.wr, EVFILT_WRITE, 0);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)f.wr, EVFILT_WRITE);
	ck_assert_int_ge(ev.data, PIPE_BUF);
	ck_assert_uint_eq(ev.flags & EV_EOF, 0);
	ekq_remove_fifo(f.path);
}
END_TEST

START_TEST(fifo_writer_gets_eof_when_the_reader_closes)
{
	struct fifo f = open_fifo(1);
	int kq = kqt_new();
	ekq_fill(f.wr);
	kqt_add(kq, f.wr, EVFILT_WRITE, 0);
	close(f.rd);
	struct kevent ev = kqt_expect_one(kq, (uintptr_t)f.wr, EVFILT_WRITE);
	ck_assert(ev.flags & EV_EOF);
	ekq_remove_fifo(f.path);
}
END_TEST

/*
 * dup2() onto a watched number closes the file there and drops its knotes
 * (FreeBSD sys/kern/kern_descrip.c: kern_dup() -> closefp() ->
 * knote_fdclose(), sys/kern/kern_event.c), whatever file the number names
 * afterwards -- even another open file of the same FIFO, with knotes of
 * its own in the same kqueue: the knotes belong to (file, number).
 */
START_TEST(fifo_knote_goes_when_dup2_puts_another_open_file_of_it_on_the_number)
{
	struct fifo f = open_fifo(1);
	int a = open(f.path, O_RDWR | O_NONBLOCK);
	int b = open(f.path, O_RDWR | O_NONBLOCK);
	ck_assert_ok(a);
	ck_assert_ok(b);
	int kq = kqt_new();
	/* b's last knote an EV_CLEAR one that had company, and a's the same. */
	kqt_add(kq, b, EVFILT_READ, 0);
	kqt_add(kq, b, EVFILT_WRITE, EV_CLEAR);
	kqt_delete(kq, b, EVFILT_READ);
	kqt_add(kq, a, EVFILT_READ, 0);
	kqt_add(kq, a, EVFILT_WRITE, EV_CLEAR);
	ck_assert_int_eq(dup2(a, b), b);
	ck_assert_int_eq(kqt_change_errno(kq, (uintptr_t)b, EVFILT_WRITE,
	    EV_DELETE), ENOENT);
	kqt_delete(kq, a, EVFILT_WRITE);
	ekq_remove_fifo(f.path);
}
END_TEST

Suite *
kq_fifo_suite(void)
{
	Suite *s = suite_create("fifo");
	TCase *tc = tcase_create("fifo");
	tcase_add_test(tc, fifo_read_reports_bytes_available_in_data);
	tcase_add_test(tc, fifo_reader_without_any_writer_yet_gets_no_event);
	tcase_add_test(tc, fifo_reader_gets_eof_after_the_last_writer_closes);
	tcase_add_test(tc, fifo_eof_is_cleared_when_a_new_writer_opens);
	tcase_add_test(tc, fifo_write_is_ready_while_a_reader_is_open);
	tcase_add_test(tc, fifo_writer_gets_eof_when_the_reader_closes);
	tcase_add_test(tc,
	    fifo_knote_goes_when_dup2_puts_another_open_file_of_it_on_the_number);
	suite_add_tcase(s, tc);
	return s;
}
