/* Helpers for the fd-types suite (see fd_test.h). */
#include "config.h"

#include "fd_test.h"

#include <poll.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

static struct ekq_fdset fd_table_before;

static void
hygiene_setup(void)
{
	ekq_fdset_snapshot(&fd_table_before);
}

static void
hygiene_teardown(void)
{
#ifdef FD_PROFILE
	/*
	 * A build whose kqueue lacks a true EVFILT_USER (README's table,
	 * "Descriptors of the library": NetBSD before 10, Linux's compat/)
	 * may keep one descriptor of its own after an instance holding
	 * events was closed; it gives it back at the next epoll_create1().
	 */
	static const struct {
		const char *profile, *tags;
	} diffs[] = {
#include "tests/epoll/ep_diffs.h"
	};
	for (size_t i = 0; i < sizeof diffs / sizeof diffs[0]; i++)
		if (strcmp(diffs[i].profile, FD_PROFILE) == 0 &&
		    strstr(diffs[i].tags, "diff-held-beacon") != NULL)
			close(epoll_create1(EPOLL_CLOEXEC));
#endif
	ck_assert_msg(ekq_fdset_extra(&fd_table_before) == 0,
	    "the case left descriptors open");
}

void
fd_add_hygiene(TCase *tc)
{
	tcase_add_checked_fixture(tc, hygiene_setup, hygiene_teardown);
}

uint64_t
fd_read_u64(int fd)
{
	uint64_t v = 0;
	ssize_t n = read(fd, &v, sizeof v);
	ck_assert_msg(n == (ssize_t)sizeof v, "read(%d): %zd, %s", fd, n,
	    strerror(errno));
	return v;
}

void
fd_write_u64(int fd, uint64_t value)
{
	ssize_t n = write(fd, &value, sizeof value);
	ck_assert_msg(n == (ssize_t)sizeof value, "write(%d): %zd, %s", fd, n,
	    strerror(errno));
}

short
fd_poll(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
	long long end = ekq_now_ms() + timeout_ms;
	for (;;) {
		int rc = poll(&pfd, 1, timeout_ms);
		if (rc >= 0)
			return rc == 0 ? 0 : pfd.revents;
		ck_assert_msg(errno == EINTR, "poll: %s", strerror(errno));
		long long left = end - ekq_now_ms();
		timeout_ms = left > 0 ? (int)left : 0;
	}
}

static bool
select_one(int fd, bool for_write)
{
	fd_set set;
	FD_ZERO(&set);
	FD_SET(fd, &set);
	struct timeval tv = { 0, 0 };
	int rc = select(fd + 1, for_write ? NULL : &set, for_write ? &set : NULL,
	    NULL, &tv);
	ck_assert_msg(rc >= 0, "select: %s", strerror(errno));
	return rc == 1 && FD_ISSET(fd, &set);
}

bool
fd_select_readable(int fd)
{
	return select_one(fd, false);
}

bool
fd_select_writable(int fd)
{
	return select_one(fd, true);
}

int
fd_epoll(void)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_msg(epfd >= 0, "epoll_create1: %s", strerror(errno));
	return epfd;
}

static void
ctl(int epfd, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.u64 = data;
	ck_assert_msg(epoll_ctl(epfd, op, fd, &ev) == 0,
	    "epoll_ctl(%d, %d, %d, %#x): %s", epfd, op, fd, (unsigned)events,
	    strerror(errno));
}

void
fd_epoll_add(int epfd, int fd, uint32_t events, uint64_t data)
{
	ctl(epfd, EPOLL_CTL_ADD, fd, events, data);
}

void
fd_epoll_mod(int epfd, int fd, uint32_t events, uint64_t data)
{
	ctl(epfd, EPOLL_CTL_MOD, fd, events, data);
}

int
fd_epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout_ms)
{
	long long end = ekq_now_ms() + timeout_ms;
	for (;;) {
		int n = epoll_wait(epfd, evs, max, timeout_ms);
		if (n >= 0)
			return n;
		ck_assert_msg(errno == EINTR, "epoll_wait: %s", strerror(errno));
		if (timeout_ms > 0) {
			long long left = end - ekq_now_ms();
			timeout_ms = left > 0 ? (int)left : 0;
		}
	}
}

void
fd_epoll_expect(int epfd, uint64_t data, uint32_t events, int timeout_ms)
{
	struct epoll_event evs[4];
	memset(evs, 0, sizeof evs);
	int n = fd_epoll_wait(epfd, evs, 4, timeout_ms);
	ck_assert_msg(n == 1, "expected one event (%#x), got %d",
	    (unsigned)events, n);
	ck_assert_msg(evs[0].data.u64 == data, "data %#llx, want %#llx",
	    (unsigned long long)evs[0].data.u64, (unsigned long long)data);
	ck_assert_msg(evs[0].events == events, "events %#x, want %#x",
	    (unsigned)evs[0].events, (unsigned)events);
}

void
fd_epoll_expect_none(int epfd, int timeout_ms)
{
	struct epoll_event evs[4];
	memset(evs, 0, sizeof evs);
	int n = fd_epoll_wait(epfd, evs, 4, timeout_ms);
	ck_assert_msg(n == 0, "expected nothing, got %d event(s), first %#x",
	    n, (unsigned)evs[0].events);
}

uint32_t
fd_epoll_mask(int fd, uint32_t events, int timeout_ms)
{
	int epfd = fd_epoll();
	fd_epoll_add(epfd, fd, events, 0x5eed);
	struct epoll_event ev[2];
	memset(ev, 0, sizeof ev);
	int n = fd_epoll_wait(epfd, ev, 2, timeout_ms);
	close(epfd);
	ck_assert_int_le(n, 1);
	if (n == 0)
		return 0;
	ck_assert(ev[0].data.u64 == 0x5eed);
	return ev[0].events;
}

struct timespec
fd_ts_ms(long long ms)
{
	struct timespec ts;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	return ts;
}

long long
fd_ts_to_ms(struct timespec ts)
{
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
fd_timer_arm_ms(int tfd, long value_ms, long interval_ms)
{
	struct itimerspec its;
	its.it_value = fd_ts_ms(value_ms);
	its.it_interval = fd_ts_ms(interval_ms);
	ck_assert_msg(timerfd_settime(tfd, 0, &its, NULL) == 0,
	    "timerfd_settime: %s", strerror(errno));
}

long long
fd_clock_ms(clockid_t clock)
{
	struct timespec ts;
	ck_assert_int_eq(clock_gettime(clock, &ts), 0);
	return fd_ts_to_ms(ts);
}

void
fd_block(int sig)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
}

int
fd_signalfd_for(int sig, int flags)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	int sfd = signalfd(-1, &set, flags);
	ck_assert_msg(sfd >= 0, "signalfd: %s", strerror(errno));
	return sfd;
}

struct signalfd_siginfo
fd_read_siginfo(int sfd)
{
	struct signalfd_siginfo si;
	memset(&si, 0, sizeof si);
	ssize_t n = read(sfd, &si, sizeof si);
	ck_assert_msg(n == (ssize_t)sizeof si, "read(signalfd): %zd, %s", n,
	    strerror(errno));
	return si;
}

bool
fd_sig_pending(int sig)
{
	sigset_t set;
	ck_assert_int_eq(sigpending(&set), 0);
	return sigismember(&set, sig) == 1;
}

static void *
later_main(void *arg)
{
	struct fd_later *l = arg;
	struct pollfd pfd = { .fd = l->watch_fd, .events = l->events };
	long long end = ekq_now_ms() + FD_QUIET;
	int rc = 0;
	/* The whole window, however poll() is interrupted. */
	for (long long left; rc == 0 && (left = end - ekq_now_ms()) > 0;) {
		rc = poll(&pfd, 1, (int)left);
		if (rc == -1 && errno == EINTR)
			rc = 0;
	}
	l->quiet_held = rc == 0;
	l->action(l->arg);
	return NULL;
}

void
fd_later_start(struct fd_later *l, int watch_fd, short events,
    void (*action)(void *), void *arg)
{
	l->watch_fd = watch_fd;
	l->events = events;
	l->action = action;
	l->arg = arg;
	l->quiet_held = 0;
	ck_assert_int_eq(pthread_create(&l->thread, NULL, later_main, l), 0);
}

void
fd_later_join(struct fd_later *l)
{
	ck_assert_int_eq(pthread_join(l->thread, NULL), 0);
	ck_assert_msg(l->quiet_held, "fd %d showed %#x before the action",
	    l->watch_fd, (unsigned)l->events);
}

int
fd_run_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(fn(arg));	/* _exit: never run Check's handlers twice */
	int status;
	pid_t got;
	do
		got = waitpid(pid, &status, 0);
	while (got == -1 && errno == EINTR);
	ck_assert_int_eq(got, pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
