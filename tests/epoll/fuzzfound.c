/*
 * Behaviours the differential fuzzer (tests/fuzz/) found epollkq getting
 * wrong, each pinned as a case.  The fuzzer's shrunk reproducer of each is
 * in tests/fuzz/regressions/, named in the case's comment.
 */
#include "config.h"

#include "ep_test.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Linux re-polls each item on its ready list when epoll_wait() comes to
 * it, and drops one that is no longer ready without touching its mask
 * (ep_send_events(): an empty ep_item_poll() skips the item): a one-shot
 * registration that did not fit in a limited wait and then stopped being
 * ready stays armed, and reports when it becomes ready again.
 * (regressions/oneshot-held-not-ready-stays-armed.seq)
 */
START_TEST(oneshot_left_over_by_limited_wait_stays_armed_when_not_ready)
{
	int epfd = ep_create(), w[2], r[2];
	ekq_make_pipe(w);
	ekq_make_pipe(r);
	ep_add(epfd, w[1], EPOLLOUT, 1);        /* ready first */
	ep_add(epfd, r[0], EPOLLIN | EPOLLONESHOT, 2);
	ep_poke(r[1]);
	struct epoll_event ev[8];
	ck_assert_int_eq(ep_wait(epfd, ev, 1, 0), 1);
	ck_assert_uint_eq(ev[0].data.u64, 1);
	ep_drain(r[0]);
	ep_expect(epfd, 1, EPOLLOUT, 0);
	ep_poke(r[1]);
	int n = ep_wait(epfd, ev, 8, 0);
	ck_assert_int_eq(n, 2);
	for (int i = 0; i < n; i++)
		ck_assert_mask(ev[i].events, ev[i].data.u64 == 1 ? EPOLLOUT :
		    EPOLLIN);
}
END_TEST

/* The same with a nested instance: the outer one-shot registration of an
 * inner instance that had something, then nothing, then something again.
 * (regressions/limited-wait-order-then-oneshot.seq) */
START_TEST(nested_oneshot_left_over_by_limited_wait_stays_armed)
{
	int outer = ep_create(), inner = ep_create(), w[2], r[2];
	ekq_make_pipe(w);
	ekq_make_pipe(r);
	ep_add(outer, w[1], EPOLLOUT, 1);
	ep_add(outer, inner, EPOLLIN | EPOLLONESHOT, 2);
	ep_add(inner, r[0], EPOLLIN, 3);
	ep_poke(r[1]);
	struct epoll_event ev[8];
	ck_assert_int_eq(ep_wait(outer, ev, 1, 0), 1);
	ck_assert_uint_eq(ev[0].data.u64, 1);
	ep_drain(r[0]);
	ep_expect(outer, 1, EPOLLOUT, 0);
	ep_poke(r[1]);
	int n = ep_wait(outer, ev, 8, 0);
	ck_assert_int_eq(n, 2);
	for (int i = 0; i < n; i++)
		ck_assert_mask(ev[i].events, ev[i].data.u64 == 1 ? EPOLLOUT :
		    EPOLLIN);
}
END_TEST

/*
 * A pipe's write end registered for something a pipe never reports
 * (EPOLLWRBAND: pipe_poll() sets EPOLLOUT|EPOLLWRNORM): once the reader
 * is gone, EPOLLERR is reported, level-triggered, on every call.
 * (regressions/widowed-pipe-err-after-quiet-wait.seq)
 */
START_TEST(pipe_writer_err_stays_after_a_wait_that_reported_nothing)
{
	int epfd = ep_create(), p[2];
	ekq_make_pipe(p);
	ep_add(epfd, p[1], EPOLLWRBAND, 1);
	ep_expect_none(epfd, 0);
	close(p[0]);
	ep_expect(epfd, 1, EPOLLERR, 0);
	ep_expect(epfd, 1, EPOLLERR, 0);
	ep_expect(epfd, 1, EPOLLERR, 0);
}
END_TEST

/* A new descriptor behind `num`, closed: a fresh pipe's read end (its
 * write end in *w), as a program's next open() after close() would get. */
static void
pipe_onto(int num, int *w)
{
	int p[2];
	close(num);
	ekq_make_pipe(p);
	if (p[0] != num) {
		ck_assert_int_eq(dup2(p[0], num), num);
		close(p[0]);
	}
	*w = p[1];
}

/*
 * Nested instances whose inner registration's descriptor is closed and
 * its number taken by a pipe while its events wait in the kqueue: the
 * wait must go on as Linux's does (epollkq crashed here: compat/'s scan
 * of the events kept back freed the record the scan was to stop at).
 * (regressions/nested-closed-socket-crash.seq)
 */
START_TEST(nested_wait_after_registered_socket_replaced_by_pipe)
{
	int e5 = ep_create(), e7 = ep_create(), e8 = ep_create();
	int s[2], t[2], w;
	ep_add(e8, e7, EPOLLIN, 0x101);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s), 0);
	ep_add(e7, s[1], EPOLLOUT, 0x102);
	struct epoll_event ev[4];
	ck_assert_int_eq(ep_wait(e8, ev, 4, 0), 1);
	ep_add(e7, e5, EPOLLIN, 0x103);
	close(s[0]);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, t), 0);
	ep_add(e5, t[0], 0, 0x104);
	ck_assert_int_eq(send(t[1], "x", 1, MSG_OOB), 1);
	ep_mod(e5, t[0], EPOLLOUT | EPOLLPRI | EPOLLONESHOT, 0x105);
	ck_assert_int_eq(ep_wait(e8, ev, 3, 0), 1);
	ck_assert_uint_eq(ev[0].data.u64, 0x101);
	pipe_onto(t[0], &w);
	ck_assert_int_eq(ep_wait(e7, ev, 1, 0), 1);
	ck_assert_uint_eq(ev[0].data.u64, 0x102);
	ck_assert_mask(ev[0].events, EPOLLOUT | EPOLLHUP);
}
END_TEST

/*
 * A registered descriptor closed, and its number taken by a dup() of
 * another registered socket: the registration went with the file, and
 * the number's new file is registered only under its own number, so
 * EPOLL_CTL_DEL of this number is ENOENT.
 * (regressions/del-of-number-reused-by-dup-enoent.seq)
 */
START_TEST(del_of_closed_number_reused_by_dup_of_registered_fails_enoent)
{
	int epfd = ep_create(), a[2], b[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, a), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, b), 0);
	int x = dup(b[0]);
	close(b[0]);
	ep_add(epfd, x, EPOLLIN | EPOLLPRI, 1);
	ep_mod(epfd, x, 0, 2);
	ep_add(epfd, a[1], EPOLLOUT | EPOLLET, 3);
	close(x);
	ck_assert_int_eq(fcntl(a[1], F_DUPFD, x), x);
	ck_assert_int_eq(epoll_ctl(epfd, EPOLL_CTL_DEL, x, NULL), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/*
 * A FIFO's write end, registered and waiting its turn after a limited
 * wait, closed (the FIFO unlinked, so its file is gone), and a regular
 * file created onto its number: the registration went with the FIFO.
 * epollkq told files apart by device and inode number, and a filesystem
 * may give the new file the freed inode (ext4 does, mostly): the closed
 * FIFO's registration was reported for the file.
 * (regressions/fifo-number-taken-by-file-on-its-inode.seq)
 */
START_TEST(closed_fifo_writer_waiting_its_turn_is_not_reported_for_new_file)
{
	int epfd = ep_create(), p[2], rd, wr;
	char path[PATH_MAX];
	ekq_make_pipe(p);
	ep_add(epfd, p[1], EPOLLOUT, 1);
	ekq_make_fifo(path, sizeof path, &rd, &wr);
	unlink(path);
	ep_add(epfd, wr, EPOLLOUT, 2);
	struct epoll_event ev[8];
	ck_assert_int_eq(ep_wait(epfd, ev, 1, 0), 1);
	close(rd);
	close(wr);
	/* In the FIFO's directory, where the freed inode is likeliest to be
	 * given again. */
	char file[PATH_MAX + 8];
	snprintf(file, sizeof file, "%s-file", path);
	int f = open(file, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(f, 0);
	unlink(file);
	if (f != wr) {
		ck_assert_int_eq(fcntl(f, F_DUPFD, wr), wr);
		close(f);
	}
	ep_expect(epfd, 1, EPOLLOUT, 0);
	ekq_remove_fifo(path);
}
END_TEST

/*
 * The same with a FIFO opened again (another open file of the same FIFO,
 * so the same device and inode) onto the closed descriptor's number.
 * (regressions/fifo-reopened-onto-held-number.seq)
 */
START_TEST(closed_fifo_waiting_its_turn_is_not_reported_for_fifo_opened_again)
{
	int epfd = ep_create(), p[2], rd, keep;
	char path[PATH_MAX];
	ekq_make_pipe(p);
	ep_add(epfd, p[1], EPOLLOUT, 1);
	ekq_make_fifo(path, sizeof path, &rd, NULL);
	keep = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(keep, 0);
	int b = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(b, 0);
	ep_add(epfd, b, EPOLLIN, 2);
	ep_poke(keep);
	struct epoll_event ev[8];
	ck_assert_int_eq(ep_wait(epfd, ev, 1, 0), 1);
	ck_assert_uint_eq(ev[0].data.u64, 1);
	close(b);
	int c = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ck_assert_int_ge(c, 0);
	if (c != b) {
		ck_assert_int_eq(fcntl(c, F_DUPFD, b), b);
		close(c);
	}
	ep_expect(epfd, 1, EPOLLOUT, 0);
	ekq_remove_fifo(path);
}
END_TEST

/*
 * Linux accepts a chain of five instances (ep_loop_check(): EP_MAX_NESTS).
 * An instance that held the chain's top and was closed holds nothing: it
 * does not make the chain longer.
 * (regressions/eloop-ignores-closed-outer-instance.seq)
 */
START_TEST(closed_outer_instance_does_not_lengthen_a_chain)
{
	int top = ep_create(), e[5];
	for (int i = 0; i < 5; i++)
		e[i] = ep_create();
	ep_add(top, e[0], EPOLLIN, 1);
	close(top);
	for (int i = 3; i >= 0; i--)
		ep_add(e[i], e[i + 1], EPOLLIN, (uint64_t)(10 + i));
}
END_TEST

/*
 * An instance watched by another, whose edge-triggered items are ready:
 * the outer instance's waits look at it (Linux: ep_eventpoll_poll()); a
 * wakeup of an item that is ready already changes nothing; the inner
 * wait reports each edge once, and then nothing is left, to the inner
 * instance or to the outer one.  epollkq reported the edge a second time
 * (compat/: a knote the outer's look had moved to the pending list was
 * delivered, then the kernel's report of the wakeup delivered it again).
 * (regressions/nested-poll-edge-delivered-twice.seq)
 */
START_TEST(edge_seen_through_outer_instance_is_reported_once)
{
	int s[2], t[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, s), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, t), 0);
	shutdown(s[0], SHUT_RDWR);
	shutdown(t[0], SHUT_RDWR);
	int outer = ep_create(), inner = ep_create();
	ep_add(outer, inner, EPOLLIN, 1);
	ep_add(inner, s[0], EPOLLOUT | EPOLLET, 2);
	ep_expect(outer, 1, EPOLLIN, 0);
	ep_add(inner, t[0], EPOLLIN | EPOLLET, 3);
	ep_expect(outer, 1, EPOLLIN, 0);
	shutdown(t[0], SHUT_WR);
	struct epoll_event ev[8];
	ck_assert_int_eq(ep_wait(inner, ev, 8, 0), 2);
	ep_expect_none(outer, 0);
	ep_expect_none(inner, 0);
}
END_TEST

/*
 * A FIFO opened again (b), registered, and its number made a dup() of the
 * first open file (w) by dup2(): b's file is closed, and its registration
 * with it.  w registered under its own number leaves this number new to
 * the instance: EPOLL_CTL_ADD succeeds.  epollkq's kqueue took w's
 * registration, made under the same borrowed number, for b's: EEXIST.
 * (regressions/fifo-reopen-side-location-eexist.seq)
 */
START_TEST(add_of_fifo_number_dup2ed_onto_another_open_file_of_it_succeeds)
{
	int epfd = ep_create(), rd, w;
	char path[PATH_MAX];
	ekq_make_fifo(path, sizeof path, &rd, &w);
	int b = open(path, O_WRONLY | O_NONBLOCK);
	ck_assert_ok(b);
	ep_add(epfd, b, EPOLLOUT, 1);
	ep_mod(epfd, b, 0, 2);
	ck_assert_int_eq(dup2(w, b), b);
	ep_add(epfd, w, EPOLLOUT, 3);
	ep_mod(epfd, w, 0, 4);
	ep_add(epfd, b, 0, 5);
	ekq_remove_fifo(path);
}
END_TEST

Suite *
ep_fuzzfound_suite(void)
{
	Suite *s = suite_create("fuzzfound");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc,
	    oneshot_left_over_by_limited_wait_stays_armed_when_not_ready);
	tcase_add_test(tc, nested_oneshot_left_over_by_limited_wait_stays_armed);
	tcase_add_test(tc, pipe_writer_err_stays_after_a_wait_that_reported_nothing);
	tcase_add_test(tc, nested_wait_after_registered_socket_replaced_by_pipe);
	tcase_add_test(tc,
	    del_of_closed_number_reused_by_dup_of_registered_fails_enoent);
	tcase_add_test(tc,
	    closed_fifo_writer_waiting_its_turn_is_not_reported_for_new_file);
	tcase_add_test(tc,
	    closed_fifo_waiting_its_turn_is_not_reported_for_fifo_opened_again);
	tcase_add_test(tc, closed_outer_instance_does_not_lengthen_a_chain);
	tcase_add_test(tc, edge_seen_through_outer_instance_is_reported_once);
	tcase_add_test(tc,
	    add_of_fifo_number_dup2ed_onto_another_open_file_of_it_succeeds);
	suite_add_tcase(s, tc);
	return s;
}
