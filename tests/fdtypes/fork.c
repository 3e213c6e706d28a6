/*
 * fork(): what a child sees of the descriptors its parent made.  The
 * child's copy keeps its number, its counter, settings and mask, and works
 * on its own: an eventfd's counter as it was at fork(), a signalfd reading
 * the child's own signals, a timerfd still armed.
 *
 * Linux shares one open file between parent and child; epollkq rebuilds an
 * independent copy in the child (a BSD child inherits no kqueue).  Cases
 * where the difference shows are tagged diff-fork-shared, and the use of a
 * descriptor passed over a unix socket diff-passed (see main.c).
 *
 * The child runs plain code and reports through its exit status (0 = as
 * expected, otherwise the number of the check that failed).
 */
#include "config.h"

#include "fd_test.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int
child_read_u64(int fd, uint64_t *v)
{
	return read(fd, v, sizeof *v) == (ssize_t)sizeof *v ? 0 : -1;
}

/* ---- eventfd ------------------------------------------------------------ */

static int
reads_counter(void *arg)
{
	int fd = *(int *)arg;
	uint64_t v = 0;
	if (child_read_u64(fd, &v) != 0)
		return 10;
	return v == 5 ? 0 : 11;
}

START_TEST(fork_child_reads_the_eventfd_counter_it_inherited)
{
	int fd = eventfd(5, EFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_run_child(reads_counter, &fd), 0);
	close(fd);
}
END_TEST

static int
writes_and_reads_back(void *arg)
{
	int fd = *(int *)arg;
	uint64_t v = 10;
	if (write(fd, &v, sizeof v) != (ssize_t)sizeof v)
		return 10;
	if (child_read_u64(fd, &v) != 0)
		return 11;
	return v == 12 ? 0 : 12;
}

START_TEST(fork_child_eventfd_accepts_writes)
{
	int fd = eventfd(2, EFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_run_child(writes_and_reads_back, &fd), 0);
	close(fd);
}
END_TEST

static int
semaphore_reads_one(void *arg)
{
	int fd = *(int *)arg;
	uint64_t v = 0;
	if (child_read_u64(fd, &v) != 0)
		return 10;
	return v == 1 ? 0 : 11;
}

START_TEST(fork_child_eventfd_keeps_semaphore_mode)
{
	int fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_run_child(semaphore_reads_one, &fd), 0);
	close(fd);
}
END_TEST

static int
empty_read_fails_eagain(void *arg)
{
	int fd = *(int *)arg;
	if ((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0)
		return 10;
	uint64_t v;
	if (read(fd, &v, sizeof v) != -1)
		return 11;
	return errno == EAGAIN ? 0 : 12;
}

START_TEST(fork_child_eventfd_keeps_o_nonblock)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_run_child(empty_read_fails_eagain, &fd), 0);
	close(fd);
}
END_TEST

struct ep_ctx {
	int ep, fd;
};

static int
epoll_reports(void *arg)
{
	struct ep_ctx *c = arg;
	struct epoll_event ev[2];
	int n;
	do
		n = epoll_wait(c->ep, ev, 2, FD_SOON);
	while (n == -1 && errno == EINTR);
	if (n != 1)
		return 10;
	if (ev[0].data.u64 != 77 || ev[0].events != EPOLLIN)
		return 11;
	return 0;
}

START_TEST(fork_child_epoll_reports_the_inherited_eventfd)
{
	struct ep_ctx c;
	c.fd = eventfd(0, EFD_NONBLOCK);
	ck_assert_int_ge(c.fd, 0);
	c.ep = fd_epoll();
	fd_epoll_add(c.ep, c.fd, EPOLLIN, 77);
	fd_write_u64(c.fd, 1);
	ck_assert_int_eq(fd_run_child(epoll_reports, &c), 0);
	close(c.ep);
	close(c.fd);
}
END_TEST

/* ---- signalfd ----------------------------------------------------------- */

static int
reads_own_signal(void *arg)
{
	int fd = *(int *)arg;
	if (kill(getpid(), SIGUSR1) != 0)
		return 10;
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof si) != (ssize_t)sizeof si)
		return 11;
	if (si.ssi_signo != SIGUSR1)
		return 12;
	return si.ssi_pid == (uint32_t)getpid() ? 0 : 13;
}

START_TEST(fork_child_signalfd_reads_the_childs_own_signal)
{
	fd_block(SIGUSR1);
	int fd = fd_signalfd_for(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(fd_run_child(reads_own_signal, &fd), 0);
	/* The child's signal was the child's: nothing here. */
	ck_assert(!fd_sig_pending(SIGUSR1));
	close(fd);
}
END_TEST

static int
sees_nothing(void *arg)
{
	int fd = *(int *)arg;
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof si) != -1)
		return 10;
	return errno == EAGAIN ? 0 : 11;
}

START_TEST(fork_child_signalfd_does_not_see_the_parents_pending_signal)
{
	fd_block(SIGUSR1);
	int fd = fd_signalfd_for(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	/* POSIX: a child starts with no pending signals. */
	ck_assert_int_eq(fd_run_child(sees_nothing, &fd), 0);
	ck_assert_uint_eq(fd_read_siginfo(fd).ssi_signo, SIGUSR1);
	close(fd);
}
END_TEST

static int
keeps_mask(void *arg)
{
	int fd = *(int *)arg;
	/* Blocked in the child too (the mask is inherited): stays pending. */
	if (kill(getpid(), SIGUSR2) != 0)
		return 10;
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof si) != (ssize_t)sizeof si)
		return 11;
	return si.ssi_signo == SIGUSR2 ? 0 : 12;
}

START_TEST(fork_child_signalfd_keeps_an_updated_mask)
{
	fd_block(SIGUSR1);
	fd_block(SIGUSR2);
	int fd = fd_signalfd_for(SIGUSR1, SFD_NONBLOCK);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ck_assert_int_eq(signalfd(fd, &set, 0), fd);
	ck_assert_int_eq(fd_run_child(keeps_mask, &fd), 0);
	close(fd);
}
END_TEST

/* ---- timerfd ------------------------------------------------------------ */

static int
timer_fires(void *arg)
{
	int fd = *(int *)arg;
	struct itimerspec cur;
	if (timerfd_gettime(fd, &cur) != 0)
		return 10;
	if (cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0)
		return 11;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, FD_SOON) != 1)
		return 12;
	uint64_t v = 0;
	if (child_read_u64(fd, &v) != 0)
		return 13;
	return v >= 1 ? 0 : 14;
}

START_TEST(fork_child_timerfd_is_still_armed)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	/* Long enough that a loaded machine's child still finds it armed. */
	fd_timer_arm_ms(fd, 500, 0);
	ck_assert_int_eq(fd_run_child(timer_fires, &fd), 0);
	close(fd);
}
END_TEST

static int
keeps_interval(void *arg)
{
	int fd = *(int *)arg;
	struct itimerspec cur;
	if (timerfd_gettime(fd, &cur) != 0)
		return 10;
	if (cur.it_interval.tv_sec != 7 || cur.it_interval.tv_nsec != 0)
		return 11;
	if (cur.it_value.tv_sec > 10)
		return 12;
	return 0;
}

/*
 * A fork() at once after a process's first timerfd: the child's timers
 * must work.  Each round runs in a fresh process, so the timerfd is always
 * its first (under compat/ it starts the helper thread, which must not be
 * mid-start when fork() copies the process).  The child arms the inherited
 * timerfd anew, so no deadline can pass before it looks.
 */
static int
rearmed_timer_fires(void *arg)
{
	int fd = *(int *)arg;
	struct itimerspec its = { .it_interval = { 0, 0 },
	    .it_value = { 0, 10000000 } };
	if (timerfd_settime(fd, 0, &its, NULL) != 0)
		return 30;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, FD_SOON) != 1)
		return 31;
	uint64_t v = 0;
	if (child_read_u64(fd, &v) != 0)
		return 32;
	return v == 1 ? 0 : 33;
}

static int
first_timer_then_fork(void *arg)
{
	(void)arg;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	if (fd < 0)
		return 20;
	struct itimerspec its = { .it_interval = { 0, 0 },
	    .it_value = { 60, 0 } };
	if (timerfd_settime(fd, 0, &its, NULL) != 0)
		return 21;
	return fd_run_child(rearmed_timer_fires, &fd);
}

START_TEST(fork_right_after_the_first_timerfd_leaves_the_child_a_working_timer)
{
	for (int round = 0; round < 40; round++) {
		int rc = fd_run_child(first_timer_then_fork, NULL);
		ck_assert_msg(rc == 0, "round %d: child's check %d failed",
		    round, rc);
	}
}
END_TEST

START_TEST(fork_child_timerfd_keeps_its_interval_and_deadline)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	fd_timer_arm_ms(fd, 10000, 7000);
	ck_assert_int_eq(fd_run_child(keeps_interval, &fd), 0);
	close(fd);
}
END_TEST

static int
settime_works(void *arg)
{
	int fd = *(int *)arg;
	struct itimerspec its = { .it_interval = { 0, 0 },
	    .it_value = { 0, 10000000 } };
	if (timerfd_settime(fd, 0, &its, NULL) != 0)
		return 10;
	uint64_t v = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, FD_SOON) != 1 || child_read_u64(fd, &v) != 0)
		return 11;
	return v == 1 ? 0 : 12;
}

START_TEST(fork_child_can_rearm_the_inherited_timerfd)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_run_child(settime_works, &fd), 0);
	close(fd);
}
END_TEST

/* ---- what only Linux can do --------------------------------------------- */

static int
writes_seven(void *arg)
{
	uint64_t v = 7;
	return write(*(int *)arg, &v, sizeof v) == (ssize_t)sizeof v ? 0 : 10;
}

START_TEST(fork_parent_reads_what_the_child_wrote_to_a_shared_eventfd)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fd_run_child(writes_seven, &fd), 0);
	ck_assert_uint_eq(fd_read_u64(fd), 7);
	close(fd);
}
END_TEST

static int
pass_fd(int fd)
{
	int sv[2];
	ekq_make_socketpair(SOCK_STREAM, sv);
	char byte = 'f';
	struct iovec iov = { &byte, 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	struct msghdr msg;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof ctl.buf;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	ck_assert_int_eq(sendmsg(sv[0], &msg, 0), 1);

	memset(&ctl, 0, sizeof ctl);
	msg.msg_controllen = sizeof ctl.buf;
	ck_assert_int_eq(recvmsg(sv[1], &msg, 0), 1);
	c = CMSG_FIRSTHDR(&msg);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->cmsg_type, SCM_RIGHTS);
	int got;
	memcpy(&got, CMSG_DATA(c), sizeof got);
	close(sv[0]);
	close(sv[1]);
	return got;
}

START_TEST(passed_eventfd_shares_the_counter_with_the_original)
{
	int fd = eventfd(0, EFD_NONBLOCK);
	ck_assert_int_ge(fd, 0);
	int got = pass_fd(fd);
	ck_assert_int_ne(got, fd);
	fd_write_u64(got, 3);
	ck_assert_uint_eq(fd_read_u64(fd), 3);
	close(got);
	close(fd);
}
END_TEST

Suite *
fd_fork_suite(void)
{
	Suite *s = suite_create("fork");
	TCase *tc = tcase_create("child_copy");
	fd_add_hygiene(tc);
	tcase_add_test(tc, fork_child_reads_the_eventfd_counter_it_inherited);
	tcase_add_test(tc, fork_child_eventfd_accepts_writes);
	tcase_add_test(tc, fork_child_eventfd_keeps_semaphore_mode);
	tcase_add_test(tc, fork_child_eventfd_keeps_o_nonblock);
	tcase_add_test(tc, fork_child_epoll_reports_the_inherited_eventfd);
	tcase_add_test(tc, fork_child_signalfd_reads_the_childs_own_signal);
	tcase_add_test(tc, fork_child_signalfd_does_not_see_the_parents_pending_signal);
	tcase_add_test(tc, fork_child_signalfd_keeps_an_updated_mask);
	tcase_add_test(tc, fork_child_timerfd_is_still_armed);
	tcase_add_test(tc, fork_child_timerfd_keeps_its_interval_and_deadline);
	tcase_add_test(tc, fork_right_after_the_first_timerfd_leaves_the_child_a_working_timer);
	tcase_add_test(tc, fork_child_can_rearm_the_inherited_timerfd);
	suite_add_tcase(s, tc);

	tc = tcase_create("fork_shared");
	tcase_set_tags(tc, "diff-fork-shared");
	fd_add_hygiene(tc);
	tcase_add_test(tc, fork_parent_reads_what_the_child_wrote_to_a_shared_eventfd);
	suite_add_tcase(s, tc);

	tc = tcase_create("passed");
	tcase_set_tags(tc, "diff-passed");
	fd_add_hygiene(tc);
	tcase_add_test(tc, passed_eventfd_shares_the_counter_with_the_original);
	suite_add_tcase(s, tc);
	return s;
}
