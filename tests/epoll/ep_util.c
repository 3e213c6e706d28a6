/* Helpers for the epoll suite (see ep_test.h). */
#include "config.h"

#include "ep_test.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
ep_create(void)
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
	    "epoll_ctl(%d, %d, %d, %s): %s", epfd, op, fd, ep_str(events),
	    strerror(errno));
}

void
ep_add(int epfd, int fd, uint32_t events, uint64_t data)
{
	ctl(epfd, EPOLL_CTL_ADD, fd, events, data);
}

void
ep_mod(int epfd, int fd, uint32_t events, uint64_t data)
{
	ctl(epfd, EPOLL_CTL_MOD, fd, events, data);
}

void
ep_del(int epfd, int fd)
{
	ck_assert_msg(epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) == 0,
	    "EPOLL_CTL_DEL %d: %s", fd, strerror(errno));
}

int
ep_wait(int epfd, struct epoll_event *evs, int maxevents, int timeout_ms)
{
	/*
	 * Retry EINTR with the time left, so that a stray signal (a sanitizer's,
	 * a debugger's) cannot turn into a spurious "nothing happened".
	 */
	long long deadline = ep_now_us() + (long long)timeout_ms * 1000;
	for (;;) {
		int n = epoll_wait(epfd, evs, maxevents, timeout_ms);
		if (n >= 0)
			return n;
		ck_assert_msg(errno == EINTR, "epoll_wait: %s", strerror(errno));
		if (timeout_ms > 0) {
			long long left = deadline - ep_now_us();
			timeout_ms = left > 0 ? (int)((left + 999) / 1000) : 0;
		}
	}
}

void
ep_expect(int epfd, uint64_t data, uint32_t events, int timeout_ms)
{
	struct epoll_event evs[4];
	memset(evs, 0, sizeof evs);
	int n = ep_wait(epfd, evs, 4, timeout_ms);
	ck_assert_msg(n == 1, "expected one event (%s), got %d", ep_str(events),
	    n);
	ck_assert_msg(evs[0].data.u64 == data, "data %#llx, want %#llx",
	    (unsigned long long)evs[0].data.u64, (unsigned long long)data);
	ck_assert_mask(evs[0].events, events);
}

void
ep_expect_none(int epfd, int timeout_ms)
{
	struct epoll_event evs[4];
	memset(evs, 0, sizeof evs);
	int n = ep_wait(epfd, evs, 4, timeout_ms);
	ck_assert_msg(n == 0, "expected nothing, got %d event(s), first %s "
	    "data %#llx", n, ep_str(evs[0].events),
	    (unsigned long long)evs[0].data.u64);
}

uint32_t
ep_mask(int fd, uint32_t events, int timeout_ms)
{
	int epfd = ep_create();
	ep_add(epfd, fd, events, EP_COOKIE(fd));
	struct epoll_event ev[2];
	memset(ev, 0, sizeof ev);
	int n = ep_wait(epfd, ev, 2, timeout_ms);
	ck_assert_int_le(n, 1);
	close(epfd);
	if (n == 0)
		return 0;
	ck_assert(ev[0].data.u64 == EP_COOKIE(fd));
	ck_assert_msg(ev[0].events != 0, "event reported with an empty mask");
	return ev[0].events;
}

uint32_t
ep_mask_when(int fd, uint32_t events, uint32_t until, int timeout_ms)
{
	/*
	 * Edge-triggered, so each wait sleeps until the socket's state changes
	 * (no polling loop); every report carries the whole current mask.
	 */
	int epfd = ep_create();
	ep_add(epfd, fd, events | EPOLLET, EP_COOKIE(fd));
	long long deadline = ep_now_us() + (long long)timeout_ms * 1000;
	uint32_t last = 0;
	while ((last & until) != until) {
		long long left = (deadline - ep_now_us()) / 1000;
		ck_assert_msg(left > 0, "fd %d: %s never came (last %s)", fd,
		    ep_str(until), ep_str(last));
		struct epoll_event ev;
		if (ep_wait(epfd, &ev, 1, (int)left) == 1)
			last = ev.events;
	}
	close(epfd);
	/* Judge the settled state with a fresh level-triggered look. */
	return ep_mask(fd, events, EP_SOON);
}

const char *
ep_str(uint32_t mask)
{
	static char bufs[4][160];
	static unsigned next;
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ EPOLLIN, "IN" }, { EPOLLPRI, "PRI" }, { EPOLLOUT, "OUT" },
		{ EPOLLERR, "ERR" }, { EPOLLHUP, "HUP" },
		{ EPOLLRDNORM, "RDNORM" }, { EPOLLRDBAND, "RDBAND" },
		{ EPOLLWRNORM, "WRNORM" }, { EPOLLWRBAND, "WRBAND" },
		{ EPOLLMSG, "MSG" }, { EPOLLRDHUP, "RDHUP" },
		{ EPOLLEXCLUSIVE, "EXCLUSIVE" }, { EPOLLWAKEUP, "WAKEUP" },
		{ EPOLLONESHOT, "ONESHOT" }, { EPOLLET, "ET" },
	};
	char *buf = bufs[next++ % 4];
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if ((mask & names[i].bit) == 0)
			continue;
		mask &= ~names[i].bit;
		if (buf[0] != '\0')
			strcat(buf, "|");
		strcat(buf, names[i].name);
	}
	if (mask != 0) {
		size_t len = strlen(buf);
		snprintf(buf + len, sizeof bufs[0] - len, "%s%#x",
		    len ? "|" : "", (unsigned)mask);
	}
	if (buf[0] == '\0')
		strcpy(buf, "0");
	return buf;
}

long long
ep_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
ep_poke(int fd)
{
	ekq_write_all(fd, "x", 1);
}

void
ep_drain(int fd)
{
	(void)ekq_drain(fd);
}

static void
temp_path(char *path, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	ck_assert_int_lt(snprintf(path, len, "%s/ekqepXXXXXX", tmp), (int)len);
}

int
ep_open_regular_file(void)
{
	char path[PATH_MAX];
	temp_path(path, sizeof path);
	int fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	return fd;
}

int
ep_open_directory(void)
{
	int fd = open(".", O_RDONLY);
	ck_assert_msg(fd >= 0, "open(.): %s", strerror(errno));
	return fd;
}

int
ep_run_child(int (*fn)(void *), void *arg)
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

int
ep_exec_self(const char *a1, const char *a2, const char *a3)
{
	pid_t pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = { (char *)ep_self_exe, (char *)a1, (char *)a2,
		    (char *)a3, NULL };
		execv(ep_self_exe, argv);
		_exit(126);
	}
	int status;
	pid_t got;
	do
		got = waitpid(pid, &status, 0);
	while (got == -1 && errno == EINTR);
	ck_assert_int_eq(got, pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void *
poker_main(void *arg)
{
	struct ep_poker *pk = arg;
	struct pollfd pfd = { .fd = pk->quiet_fd, .events = POLLIN };
	long long end = ep_now_us() + EP_QUIET * 1000LL;
	int rc = 0;
	/* The whole window, rounded up: callers time it from before start. */
	for (long long left; rc == 0 && (left = end - ep_now_us()) > 0;) {
		rc = poll(&pfd, 1, (int)((left + 999) / 1000));
		if (rc == -1 && errno == EINTR)
			rc = 0;
	}
	pk->quiet_held = rc == 0;
	ekq_write_all(pk->poke_fd, "p", 1);
	return NULL;
}

void
ep_poker_start(struct ep_poker *pk, int quiet_fd, int poke_fd)
{
	pk->quiet_fd = quiet_fd;
	pk->poke_fd = poke_fd;
	pk->quiet_held = 0;
	ck_assert_int_eq(pthread_create(&pk->thread, NULL, poker_main, pk), 0);
}

void
ep_poker_join(struct ep_poker *pk)
{
	ck_assert_int_eq(pthread_join(pk->thread, NULL), 0);
	ck_assert_msg(pk->quiet_held, "fd %d was readable before the poke",
	    pk->quiet_fd);
}
