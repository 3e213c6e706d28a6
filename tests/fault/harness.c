/* The sweep, and the descriptors the scenarios register. */
#include "config.h"

#include "fault.h"

#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <dirent.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>

#ifndef POLLRDHUP
#define POLLRDHUP 0
#endif

struct fs_totals *fs_totals;
char fs_where[256];

/*
 * What Linux's epoll_ctl() and epoll_create1() may fail with when the
 * kernel runs short: ENOMEM (an allocation, the kqueue's), ENOSPC (the
 * max_user_watches limit: Linux's own answer to "too many watches"),
 * EMFILE and ENFILE (a descriptor for the instance).
 */
const int fs_errnos_ctl[] = { ENOMEM, ENOSPC, 0 };
const int fs_errnos_create[] = { ENOMEM, EMFILE, ENFILE, 0 };
/*
 * Linux's epoll_wait() allocates nothing and cannot fail with ENOMEM.
 * Ours may: its kevent() can (ENOMEM, the errno that fault point
 * injects).  The contract these scenarios hold it to: it fails with
 * ENOMEM and returns nothing, or returns some of what is ready -- never
 * an event that is not, never a descriptor twice, never 0 while
 * something is ready -- and whatever it did not return comes with the
 * next calls.  A caller that treats ENOMEM like EINTR loses nothing.
 */
const int fs_errnos_wait[] = { ENOMEM, 0 };

const char *
fs_kind_name(enum fs_kind kind)
{
	static const char *const names[FS_NKINDS] = {
		"pipe read end", "pipe write end", "unix stream socket",
		"unix datagram socket", "FIFO read end", "FIFO write end",
		"nested epoll instance"
	};
	return names[kind];
}

void
fs_obj_open(struct fs_obj *o, enum fs_kind kind)
{
	int p[2];
	o->kind = kind;
	o->inner_rd = o->inner_wr = -1;
	o->path[0] = '\0';
	switch (kind) {
	case FS_PIPE_R:
	case FS_PIPE_W:
		ekq_make_pipe(p);
		o->fd = kind == FS_PIPE_R ? p[0] : p[1];
		o->other = kind == FS_PIPE_R ? p[1] : p[0];
		break;
	case FS_STREAM:
	case FS_DGRAM:
		ekq_make_socketpair(kind == FS_STREAM ? SOCK_STREAM : SOCK_DGRAM, p);
		o->fd = p[0];
		o->other = p[1];
		break;
	case FS_FIFO_R:
	case FS_FIFO_W:
		ekq_make_fifo(o->path, sizeof o->path, &p[0], &p[1]);
		o->fd = kind == FS_FIFO_R ? p[0] : p[1];
		o->other = kind == FS_FIFO_R ? p[1] : p[0];
		break;
	case FS_EPOLL:
		o->fd = epoll_create1(EPOLL_CLOEXEC);
		ck_assert_msg(o->fd >= 0, "epoll_create1: %s", strerror(errno));
		o->other = -1;
		ekq_make_pipe(p);
		o->inner_rd = p[0];
		o->inner_wr = p[1];
		ck_assert_ok(fs_ctl(o->fd, EPOLL_CTL_ADD, o->inner_rd, EPOLLIN,
		    FS_DATA(0xEE)));
		break;
	default:
		ck_abort_msg("no such kind %d", (int)kind);
	}
}

void
fs_obj_close(struct fs_obj *o)
{
	close(o->fd);
	if (o->other != -1)
		close(o->other);
	if (o->inner_rd != -1) {
		close(o->inner_rd);
		close(o->inner_wr);
	}
	if (o->path[0] != '\0')
		ekq_remove_fifo(o->path);
	o->fd = o->other = o->inner_rd = o->inner_wr = -1;
}

void
fs_obj_poke(const struct fs_obj *o)
{
	int to = -1;
	switch (o->kind) {
	case FS_PIPE_R:
	case FS_FIFO_R:
	case FS_STREAM:
	case FS_DGRAM:
		to = o->other;
		break;
	case FS_EPOLL:
		to = o->inner_wr;
		break;
	default:
		return; /* a write end is never readable */
	}
	ck_assert_int_eq(write(to, "x", 1), 1);
}

uint32_t
fs_ready(int fd)
{
	struct pollfd pfd = { .fd = fd, .revents = 0,
		.events = POLLIN | POLLPRI | POLLOUT | POLLRDHUP };
	ck_assert_int_eq(poll(&pfd, 1, 0), pfd.revents != 0);
	static const struct {
		short poll;
		uint32_t epoll;
	} map[] = {
		{ POLLIN, EPOLLIN }, { POLLPRI, EPOLLPRI }, { POLLOUT, EPOLLOUT },
		{ POLLERR, EPOLLERR }, { POLLHUP, EPOLLHUP },
		{ POLLRDHUP, EPOLLRDHUP },
	};
	uint32_t bits = 0;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].poll != 0 && (pfd.revents & map[i].poll))
			bits |= map[i].epoll;
	return bits;
}

int
fs_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.u64 = data;
	return epoll_ctl(epfd, op, fd, &ev);
}

const char *
fs_str(uint32_t mask)
{
	static char bufs[4][128];
	static int next;
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ EPOLLIN, "IN" }, { EPOLLPRI, "PRI" }, { EPOLLOUT, "OUT" },
		{ EPOLLERR, "ERR" }, { EPOLLHUP, "HUP" }, { EPOLLRDNORM, "RDNORM" },
		{ EPOLLRDBAND, "RDBAND" }, { EPOLLWRNORM, "WRNORM" },
		{ EPOLLWRBAND, "WRBAND" }, { EPOLLRDHUP, "RDHUP" },
		{ EPOLLONESHOT, "ONESHOT" }, { EPOLLET, "ET" },
	};
	char *b = bufs[next++ % 4];
	b[0] = '\0';
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (mask & names[i].bit) {
			if (b[0] != '\0')
				strcat(b, "|");
			strcat(b, names[i].name);
			mask &= ~names[i].bit;
		}
	if (mask != 0)
		snprintf(b + strlen(b), 24, "%s%#x", b[0] ? "|" : "", mask);
	if (b[0] == '\0')
		strcpy(b, "0");
	return b;
}

/*
 * Open descriptors, less eventfds.  compat/'s kqueue keeps one process-wide
 * eventfd registered while some kqueue has events pending in user space
 * (see compat/linux/kq_instance.c); it comes and goes with the held events
 * of an instance, which the checks judge directly (fs_epfd_readable).
 * The tests make no eventfd of their own.
 */
int
fs_count_fds(void)
{
	int n = 0;
	DIR *dir = opendir("/proc/self/fd");
	if (dir == NULL)
		return ekq_count_open_fds();
	int self = dirfd(dir);
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == self)
			continue;
		char path[300], target[128];
		snprintf(path, sizeof path, "/proc/self/fd/%s", de->d_name);
		ssize_t len = readlink(path, target, sizeof target - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, "anon_inode:[eventfd]") != 0)
			n++;
	}
	closedir(dir);
	return n;
}

bool
fs_epfd_readable(int epfd)
{
	struct pollfd pfd = { .fd = epfd, .events = POLLIN, .revents = 0 };
	ck_assert_int_ge(poll(&pfd, 1, 0), 0);
	return (pfd.revents & POLLIN) != 0;
}

static bool
errno_allowed(const struct fs_scenario *s, int err, long nth)
{
	for (const int *e = s->errnos; *e != 0; e++)
		if (*e == err)
			return true;
	return err == EBADF && nth <= s->ebadf_points;
}

/* Where a violation goes back to: the sweep's loop, when in one. */
static jmp_buf *fs_catch;
static long fs_case_violations;
static char fs_first[512];

void
fs_violation(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (fs_catch == NULL)
		ck_abort_msg("%s:%d: %s", file, line, msg);
	if (fs_case_violations++ == 0)
		snprintf(fs_first, sizeof fs_first, "%s:%d: %.400s", file, line, msg);
	fs_totals->violations++;
	/* Every one goes to the log: the sweep goes on. */
	printf("VIOLATION %s:%d: %s\n", file, line, msg);
	fflush(stdout);
	longjmp(*fs_catch, 1);
}

void
fs_note_violation(const char *msg)
{
	if (fs_case_violations++ == 0)
		snprintf(fs_first, sizeof fs_first, "%.500s", msg);
	fs_totals->violations++;
	printf("VIOLATION %s\n", msg);
	fflush(stdout);
}

void
fs_assert_clean(void)
{
	ck_assert_msg(fs_case_violations == 0, "%ld violation(s) (all in the "
	    "log), the first: %s", fs_case_violations, fs_first);
}

/* One run of the step with fault `nth` (0: none); returns the count of
 * fault points it passed. */
static long
run_once(const struct fs_scenario *s, long nth, long k, int *grows)
{
	jmp_buf here;
	if (setjmp(here) != 0) {
		/* A violation: the state is whatever it is; let it go. */
		fs_catch = NULL;
		ekq_fault_set(0);
		s->teardown(s->ctx);
		return -1;
	}
	snprintf(fs_where, sizeof fs_where, "%s, %s", s->name,
	    nth ? "setup" : "no fault");
	s->setup(s->ctx);
	fs_catch = &here;
	int before = fs_count_fds();
	ekq_fault_set(nth);
	errno = 0;
	int rc = s->step(s->ctx);
	int err = errno;
	long passed = ekq_fault_count();
	ekq_fault_set(0);
	if (nth == 0)
		snprintf(fs_where, sizeof fs_where, "%s, no fault", s->name);
	else
		snprintf(fs_where, sizeof fs_where, "%s, fault %ld/%ld (%s)",
		    s->name, nth, k, rc == 0 ? "succeeded" : strerror(err));
	/* A tolerated fault early on may shorten the path after it. */
	if (nth != 0 && passed >= nth) {
		fs_totals->injected++;
		if (rc == 0)
			fs_totals->tolerated++;
		else
			fs_totals->failed++;
	}
	FS_CHECK(rc == 0 || rc == -1, "%s: returned %d", fs_where, rc);
	if (nth == 0)
		FS_CHECK(rc == 0, "%s: fails: %s", fs_where, strerror(err));
	else if (rc == -1)
		FS_CHECK(errno_allowed(s, err, nth), "%s: wrong errno",
		    fs_where);
	int now = fs_count_fds();
	if (nth == 0)
		*grows = now - before;
	else {
		int want = before + (rc == 0 ? *grows : 0);
		FS_CHECK(now == want, "%s: %d descriptors open, want %d",
		    fs_where, now, want);
	}
	s->check(s->ctx, rc == 0);
	fs_catch = NULL;
	s->teardown(s->ctx);
	return passed;
}

void
fs_sweep(const struct fs_scenario *s)
{
	/* The clean run: how many fault points the step passes, and how many
	 * descriptors it opens. */
	int grows = 0;
	long k = run_once(s, 0, 0, &grows);
	if (k < 0)
		return; /* the clean run failed: nothing to sweep from */
	ck_assert_msg(k > 0, "%s: the step passes no fault point", s->name);
	fs_totals->scenarios++;
	fs_totals->points += k;
	for (long nth = 1; nth <= k; nth++)
		run_once(s, nth, k, &grows);
}
