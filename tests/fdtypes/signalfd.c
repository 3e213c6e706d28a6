/*
 * signalfd(2): reading blocked signals as struct signalfd_siginfo.
 * Linux: fs/signalfd.c (do_signalfd4, signalfd_read, signalfd_copyinfo,
 * signalfd_poll).  Each case blocks what it reads: a signalfd only sees
 * signals that stay pending.
 */
#include "config.h"

#include "fd_test.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

static int
blocked_sfd(int sig, int flags)
{
	fd_block(sig);
	return fd_signalfd_for(sig, flags);
}

static void
queue(int sig, union sigval val)
{
	ck_assert_int_eq(sigqueue(getpid(), sig, val), 0);
}

/* ---- the record --------------------------------------------------------- */

START_TEST(signalfd_siginfo_is_128_bytes)
{
	ck_assert_uint_eq(sizeof(struct signalfd_siginfo), 128);
}
END_TEST

START_TEST(signalfd_read_reports_the_signal_number)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_uint_eq(fd_read_siginfo(sfd).ssi_signo, SIGUSR1);
	close(sfd);
}
END_TEST

START_TEST(signalfd_kill_is_reported_as_si_user)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_int_eq(fd_read_siginfo(sfd).ssi_code, SI_USER);
	close(sfd);
}
END_TEST

START_TEST(signalfd_kill_reports_the_sender_pid)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_uint_eq(fd_read_siginfo(sfd).ssi_pid, (uint32_t)getpid());
	close(sfd);
}
END_TEST

START_TEST(signalfd_kill_reports_the_sender_uid)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_uint_eq(fd_read_siginfo(sfd).ssi_uid, (uint32_t)getuid());
	close(sfd);
}
END_TEST

START_TEST(signalfd_sigqueue_is_reported_as_si_queue)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	union sigval v = { .sival_int = 1 };
	queue(SIGUSR1, v);
	ck_assert_int_eq(fd_read_siginfo(sfd).ssi_code, SI_QUEUE);
	close(sfd);
}
END_TEST

START_TEST(signalfd_sigqueue_reports_the_int_value)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	union sigval v = { .sival_int = 424242 };
	queue(SIGUSR1, v);
	ck_assert_int_eq(fd_read_siginfo(sfd).ssi_int, 424242);
	close(sfd);
}
END_TEST

START_TEST(signalfd_sigqueue_reports_the_pointer_value)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	static int target;
	union sigval v = { .sival_ptr = &target };
	queue(SIGUSR1, v);
	ck_assert_uint_eq(fd_read_siginfo(sfd).ssi_ptr,
	    (uint64_t)(uintptr_t)&target);
	close(sfd);
}
END_TEST

START_TEST(signalfd_sigqueue_reports_the_sender_pid_and_uid)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	union sigval v = { .sival_int = 0 };
	queue(SIGUSR1, v);
	struct signalfd_siginfo si = fd_read_siginfo(sfd);
	ck_assert_uint_eq(si.ssi_pid, (uint32_t)getpid());
	ck_assert_uint_eq(si.ssi_uid, (uint32_t)getuid());
	close(sfd);
}
END_TEST

START_TEST(signalfd_pthread_kill_is_reported_as_si_tkill)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(pthread_kill(pthread_self(), SIGUSR1), 0);
	struct signalfd_siginfo si = fd_read_siginfo(sfd);
	ck_assert_uint_eq(si.ssi_signo, SIGUSR1);
	ck_assert_int_eq(si.ssi_code, SI_TKILL);
	ck_assert_uint_eq(si.ssi_pid, (uint32_t)getpid());
	close(sfd);
}
END_TEST

/* ---- reads -------------------------------------------------------------- */

START_TEST(signalfd_reads_several_signals_in_one_read)
{
	fd_block(SIGUSR1);
	fd_block(SIGUSR2);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	int sfd = signalfd(-1, &set, SFD_NONBLOCK);
	ck_assert_int_ge(sfd, 0);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_int_eq(kill(getpid(), SIGUSR2), 0);
	struct signalfd_siginfo si[4];
	ck_assert_int_eq(read(sfd, si, sizeof si), 2 * sizeof si[0]);
	/* Both, each once (the order is the kernel's business). */
	ck_assert(si[0].ssi_signo != si[1].ssi_signo);
	ck_assert(si[0].ssi_signo == SIGUSR1 || si[0].ssi_signo == SIGUSR2);
	ck_assert(si[1].ssi_signo == SIGUSR1 || si[1].ssi_signo == SIGUSR2);
	close(sfd);
}
END_TEST

START_TEST(signalfd_read_returns_only_the_records_there_are)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	struct signalfd_siginfo si[3];
	ck_assert_int_eq(read(sfd, si, sizeof si), sizeof si[0]);
	close(sfd);
}
END_TEST

START_TEST(signalfd_read_with_buffer_under_128_bytes_fails_with_einval)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	char buf[127];
	ck_assert_fails_with(read(sfd, buf, sizeof buf), EINVAL);
	/* ... and the signal is still there. */
	ck_assert(fd_sig_pending(SIGUSR1));
	ck_assert_uint_eq(fd_read_siginfo(sfd).ssi_signo, SIGUSR1);
	close(sfd);
}
END_TEST

START_TEST(signalfd_write_fails_with_einval)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	struct signalfd_siginfo si;
	memset(&si, 0, sizeof si);
	ck_assert_fails_with(write(sfd, &si, sizeof si), EINVAL);
	close(sfd);
}
END_TEST

START_TEST(signalfd_read_with_nothing_pending_nonblocking_fails_with_eagain)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	struct signalfd_siginfo si;
	ck_assert_fails_with(read(sfd, &si, sizeof si), EAGAIN);
	close(sfd);
}
END_TEST

static void
kill_self_usr1(void *arg)
{
	(void)arg;
	(void)kill(getpid(), SIGUSR1);
}

START_TEST(signalfd_blocking_read_waits_for_a_signal)
{
	int sfd = blocked_sfd(SIGUSR1, 0);
	struct fd_later l;
	long long start = ekq_now_ms();
	/* The thread inherits the blocked mask: the signal stays pending. */
	fd_later_start(&l, sfd, POLLIN, kill_self_usr1, NULL);
	ck_assert_uint_eq(fd_read_siginfo(sfd).ssi_signo, SIGUSR1);
	ck_assert_int_ge(ekq_now_ms() - start, FD_QUIET);
	fd_later_join(&l);
	close(sfd);
}
END_TEST

START_TEST(signalfd_read_takes_the_signal_off_the_pending_set)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert(fd_sig_pending(SIGUSR1));
	(void)fd_read_siginfo(sfd);
	ck_assert(!fd_sig_pending(SIGUSR1));
	close(sfd);
}
END_TEST

START_TEST(signalfd_signal_pending_before_creation_is_readable_at_once)
{
	fd_block(SIGUSR1);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	int sfd = fd_signalfd_for(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(fd_poll(sfd, POLLIN, 0), POLLIN);
	ck_assert_uint_eq(fd_read_siginfo(sfd).ssi_signo, SIGUSR1);
	close(sfd);
}
END_TEST

START_TEST(signalfd_leaves_signals_outside_its_mask_pending)
{
	fd_block(SIGUSR2);
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR2), 0);
	struct signalfd_siginfo si;
	ck_assert_fails_with(read(sfd, &si, sizeof si), EAGAIN);
	ck_assert(fd_sig_pending(SIGUSR2));
	close(sfd);
}
END_TEST

START_TEST(signalfd_standard_signal_sent_twice_is_read_once)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	struct signalfd_siginfo si[2];
	ck_assert_int_eq(read(sfd, si, sizeof si), sizeof si[0]);
	close(sfd);
}
END_TEST

START_TEST(signalfd_realtime_signal_queued_twice_is_read_twice)
{
	int sig = SIGRTMIN;
	int sfd = blocked_sfd(sig, SFD_NONBLOCK);
	union sigval a = { .sival_int = 1 }, b = { .sival_int = 2 };
	queue(sig, a);
	queue(sig, b);
	struct signalfd_siginfo si[3];
	ck_assert_int_eq(read(sfd, si, sizeof si), 2 * sizeof si[0]);
	/* Realtime signals are delivered in the order they were sent. */
	ck_assert_int_eq(si[0].ssi_int, 1);
	ck_assert_int_eq(si[1].ssi_int, 2);
	close(sfd);
}
END_TEST

/* ---- the mask ----------------------------------------------------------- */

static int
update_mask(int sfd, int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	return signalfd(sfd, &set, 0);
}

START_TEST(signalfd_mask_update_returns_the_same_descriptor)
{
	fd_block(SIGUSR2);
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(update_mask(sfd, SIGUSR2), sfd);
	close(sfd);
}
END_TEST

START_TEST(signalfd_mask_update_reads_the_new_signal)
{
	fd_block(SIGUSR2);
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(update_mask(sfd, SIGUSR2), sfd);
	ck_assert_int_eq(kill(getpid(), SIGUSR2), 0);
	ck_assert_uint_eq(fd_read_siginfo(sfd).ssi_signo, SIGUSR2);
	close(sfd);
}
END_TEST

START_TEST(signalfd_mask_update_stops_reading_the_old_signal)
{
	fd_block(SIGUSR2);
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(update_mask(sfd, SIGUSR2), sfd);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	struct signalfd_siginfo si;
	ck_assert_fails_with(read(sfd, &si, sizeof si), EAGAIN);
	ck_assert(fd_sig_pending(SIGUSR1));
	close(sfd);
}
END_TEST

START_TEST(signalfd_mask_update_keeps_o_nonblock)
{
	fd_block(SIGUSR2);
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(update_mask(sfd, SIGUSR2), sfd);
	ck_assert_int_eq(fcntl(sfd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(sfd);
}
END_TEST

START_TEST(signalfd_on_a_pipe_fails_with_einval)
{
	int p[2];
	ekq_make_pipe(p);
	fd_block(SIGUSR1);
	ck_assert_fails_with(update_mask(p[0], SIGUSR1), EINVAL);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(signalfd_on_a_closed_descriptor_fails_with_ebadf)
{
	int sfd = blocked_sfd(SIGUSR1, 0);
	close(sfd);
	ck_assert_fails_with(update_mask(sfd, SIGUSR1), EBADF);
}
END_TEST

START_TEST(signalfd_with_unknown_flag_fails_with_einval)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	int known = SFD_CLOEXEC | SFD_NONBLOCK;
	int bit = 1;
	while (known & bit)
		bit <<= 1;
	ck_assert_fails_with(signalfd(-1, &set, bit), EINVAL);
}
END_TEST

START_TEST(signalfd_cloexec_flag_shows_in_f_getfd)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_CLOEXEC);
	ck_assert_int_eq(fcntl(sfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(sfd);
}
END_TEST

START_TEST(signalfd_without_cloexec_flag_has_no_fd_cloexec)
{
	int sfd = blocked_sfd(SIGUSR1, 0);
	ck_assert_int_eq(fcntl(sfd, F_GETFD) & FD_CLOEXEC, 0);
	close(sfd);
}
END_TEST

START_TEST(signalfd_nonblock_flag_shows_in_f_getfl)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(fcntl(sfd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	close(sfd);
}
END_TEST

START_TEST(signalfd_o_nonblock_set_by_fcntl_makes_read_fail_with_eagain)
{
	int sfd = blocked_sfd(SIGUSR1, 0);
	ck_assert_int_eq(fcntl(sfd, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_ok(fcntl(sfd, F_SETFL, fcntl(sfd, F_GETFL) | O_NONBLOCK));
	struct signalfd_siginfo si;
	ck_assert_fails_with(read(sfd, &si, sizeof si), EAGAIN);
	close(sfd);
}
END_TEST

START_TEST(signalfd_mask_with_sigkill_and_sigstop_is_accepted)
{
	fd_block(SIGUSR1);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGKILL);
	sigaddset(&set, SIGSTOP);
	sigaddset(&set, SIGUSR1);
	int sfd = signalfd(-1, &set, SFD_NONBLOCK);
	ck_assert_msg(sfd >= 0, "signalfd: %s", strerror(errno));
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_uint_eq(fd_read_siginfo(sfd).ssi_signo, SIGUSR1);
	close(sfd);
}
END_TEST

static int
hold_sigkill_signalfd(void *arg)
{
	int *ready = arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGKILL);
	int sfd = signalfd(-1, &set, 0);
	char c = sfd >= 0 ? 'y' : 'n';
	(void)write(ready[1], &c, 1);
	pause();
	return 1;	/* only SIGKILL may end the wait, and it does not return */
}

START_TEST(signalfd_with_sigkill_in_its_mask_does_not_stop_sigkill)
{
	int ready[2];
	ck_assert_int_eq(pipe(ready), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(hold_sigkill_signalfd(ready));
	char c = 0;
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGKILL);
	close(ready[0]);
	close(ready[1]);
}
END_TEST

/* ---- readiness ---------------------------------------------------------- */

START_TEST(signalfd_is_not_readable_in_poll_with_nothing_pending)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(fd_poll(sfd, POLLIN, 0), 0);
	close(sfd);
}
END_TEST

START_TEST(signalfd_is_readable_in_poll_while_a_signal_is_pending)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_int_eq(fd_poll(sfd, POLLIN, 0), POLLIN);
	close(sfd);
}
END_TEST

START_TEST(signalfd_is_not_readable_in_poll_after_the_read)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	(void)fd_read_siginfo(sfd);
	ck_assert_int_eq(fd_poll(sfd, POLLIN, 0), 0);
	close(sfd);
}
END_TEST

START_TEST(signalfd_is_readable_in_epoll_while_a_signal_is_pending)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_uint_eq(fd_epoll_mask(sfd, EPOLLIN, 0), 0);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	ck_assert_uint_eq(fd_epoll_mask(sfd, EPOLLIN, FD_SOON), EPOLLIN);
	close(sfd);
}
END_TEST

START_TEST(signalfd_is_not_readable_in_epoll_after_the_read)
{
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	int epfd = fd_epoll();
	fd_epoll_add(epfd, sfd, EPOLLIN, 3);
	ck_assert_int_eq(kill(getpid(), SIGUSR1), 0);
	fd_epoll_expect(epfd, 3, EPOLLIN, FD_SOON);
	(void)fd_read_siginfo(sfd);
	fd_epoll_expect_none(epfd, FD_QUIET);
	close(epfd);
	close(sfd);
}
END_TEST

START_TEST(signalfd_is_not_readable_for_a_pending_signal_outside_its_mask)
{
	fd_block(SIGUSR2);
	int sfd = blocked_sfd(SIGUSR1, SFD_NONBLOCK);
	ck_assert_int_eq(kill(getpid(), SIGUSR2), 0);
	ck_assert_int_eq(fd_poll(sfd, POLLIN, 0), 0);
	ck_assert_uint_eq(fd_epoll_mask(sfd, EPOLLIN, FD_QUIET), 0);
	close(sfd);
}
END_TEST

Suite *
fd_signalfd_suite(void)
{
	Suite *s = suite_create("signalfd");
	TCase *tc = tcase_create("siginfo");
	fd_add_hygiene(tc);
	tcase_add_test(tc, signalfd_siginfo_is_128_bytes);
	tcase_add_test(tc, signalfd_read_reports_the_signal_number);
	tcase_add_test(tc, signalfd_kill_is_reported_as_si_user);
	tcase_add_test(tc, signalfd_kill_reports_the_sender_pid);
	tcase_add_test(tc, signalfd_kill_reports_the_sender_uid);
	tcase_add_test(tc, signalfd_sigqueue_is_reported_as_si_queue);
	tcase_add_test(tc, signalfd_sigqueue_reports_the_int_value);
	tcase_add_test(tc, signalfd_sigqueue_reports_the_pointer_value);
	tcase_add_test(tc, signalfd_sigqueue_reports_the_sender_pid_and_uid);
	suite_add_tcase(s, tc);

	tc = tcase_create("siginfo_tkill");
	tcase_set_tags(tc, "diff-si-code");
	fd_add_hygiene(tc);
	tcase_add_test(tc, signalfd_pthread_kill_is_reported_as_si_tkill);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	fd_add_hygiene(tc);
	tcase_add_test(tc, signalfd_reads_several_signals_in_one_read);
	tcase_add_test(tc, signalfd_read_returns_only_the_records_there_are);
	tcase_add_test(tc, signalfd_read_with_buffer_under_128_bytes_fails_with_einval);
	tcase_add_test(tc, signalfd_write_fails_with_einval);
	tcase_add_test(tc, signalfd_read_with_nothing_pending_nonblocking_fails_with_eagain);
	tcase_add_test(tc, signalfd_blocking_read_waits_for_a_signal);
	tcase_add_test(tc, signalfd_read_takes_the_signal_off_the_pending_set);
	tcase_add_test(tc, signalfd_signal_pending_before_creation_is_readable_at_once);
	tcase_add_test(tc, signalfd_leaves_signals_outside_its_mask_pending);
	tcase_add_test(tc, signalfd_standard_signal_sent_twice_is_read_once);
	tcase_add_test(tc, signalfd_realtime_signal_queued_twice_is_read_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("mask");
	fd_add_hygiene(tc);
	tcase_add_test(tc, signalfd_mask_update_returns_the_same_descriptor);
	tcase_add_test(tc, signalfd_mask_update_reads_the_new_signal);
	tcase_add_test(tc, signalfd_mask_update_stops_reading_the_old_signal);
	tcase_add_test(tc, signalfd_mask_update_keeps_o_nonblock);
	tcase_add_test(tc, signalfd_on_a_pipe_fails_with_einval);
	tcase_add_test(tc, signalfd_on_a_closed_descriptor_fails_with_ebadf);
	tcase_add_test(tc, signalfd_with_unknown_flag_fails_with_einval);
	tcase_add_test(tc, signalfd_cloexec_flag_shows_in_f_getfd);
	tcase_add_test(tc, signalfd_without_cloexec_flag_has_no_fd_cloexec);
	tcase_add_test(tc, signalfd_nonblock_flag_shows_in_f_getfl);
	tcase_add_test(tc, signalfd_o_nonblock_set_by_fcntl_makes_read_fail_with_eagain);
	tcase_add_test(tc, signalfd_mask_with_sigkill_and_sigstop_is_accepted);
	tcase_add_test(tc, signalfd_with_sigkill_in_its_mask_does_not_stop_sigkill);
	suite_add_tcase(s, tc);

	tc = tcase_create("readiness");
	fd_add_hygiene(tc);
	tcase_add_test(tc, signalfd_is_not_readable_in_poll_with_nothing_pending);
	tcase_add_test(tc, signalfd_is_readable_in_poll_while_a_signal_is_pending);
	tcase_add_test(tc, signalfd_is_not_readable_in_poll_after_the_read);
	tcase_add_test(tc, signalfd_is_readable_in_epoll_while_a_signal_is_pending);
	tcase_add_test(tc, signalfd_is_not_readable_in_epoll_after_the_read);
	tcase_add_test(tc, signalfd_is_not_readable_for_a_pending_signal_outside_its_mask);
	suite_add_tcase(s, tc);
	return s;
}
