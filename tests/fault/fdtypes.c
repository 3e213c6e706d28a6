/*
 * eventfd(), timerfd_create() and signalfd() under faults: each fails
 * with an errno Linux's could give and leaves nothing behind, or gives a
 * descriptor that works.  After a failure a fresh one works.
 */
#include "config.h"

#include "fault.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum fdtype { FT_EVENTFD, FT_TIMERFD, FT_SIGNALFD };

struct fdtype_world {
	enum fdtype type;
	int fd;
};

static int
make(enum fdtype type)
{
	switch (type) {
	case FT_EVENTFD:
		return eventfd(5, EFD_NONBLOCK | EFD_CLOEXEC);
	case FT_TIMERFD:
		return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
		    TFD_CLOEXEC);
	case FT_SIGNALFD: {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	}
	}
	return -1;
}

/* It works: close-on-exec as asked, and it counts, expires or takes the
 * signal, readable through poll() and read(). */
static void
check_works(enum fdtype type, int fd)
{
	int fdflags = fcntl(fd, F_GETFD);
	FS_CHECK(fdflags != -1 && (fdflags & FD_CLOEXEC), "%s: FD_CLOEXEC: %d",
	    fs_where, fdflags);
	if (type == FT_TIMERFD) {
		struct itimerspec its = { .it_value = { 0, 1000000 } };
		FS_CHECK(timerfd_settime(fd, 0, &its, NULL) == 0,
		    "%s: settime: %s", fs_where, strerror(errno));
	} else if (type == FT_SIGNALFD) {
		FS_CHECK(raise(SIGUSR1) == 0, "%s: raise", fs_where);
	}
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	FS_CHECK(poll(&pfd, 1, 5000) == 1 && pfd.revents == POLLIN,
	    "%s: not readable: %#x", fs_where, (unsigned)pfd.revents);
	if (type == FT_SIGNALFD) {
		struct signalfd_siginfo si;
		FS_CHECK(read(fd, &si, sizeof si) == sizeof si &&
		    si.ssi_signo == SIGUSR1, "%s: read: %s", fs_where,
		    strerror(errno));
	} else {
		uint64_t v = 0;
		FS_CHECK(read(fd, &v, sizeof v) == sizeof v &&
		    (type == FT_TIMERFD ? v >= 1 : v == 5), "%s: read %llu: %s",
		    fs_where, (unsigned long long)v, strerror(errno));
	}
}

static void
fdtype_setup(void *ctx)
{
	struct fdtype_world *w = ctx;
	w->fd = -1;
}

static int
fdtype_step(void *ctx)
{
	struct fdtype_world *w = ctx;
	w->fd = make(w->type);
	return w->fd == -1 ? -1 : 0;
}

static void
fdtype_check(void *ctx, bool done)
{
	struct fdtype_world *w = ctx;
	if (done) {
		check_works(w->type, w->fd);
		return;
	}
	FS_CHECK(w->fd == -1, "%s: failed but returned %d", fs_where, w->fd);
	int again = make(w->type);
	FS_CHECK(again >= 0, "%s: a fresh one after a failure: %s", fs_where,
	    strerror(errno));
	check_works(w->type, again);
	close(again);
}

static void
fdtype_teardown(void *ctx)
{
	struct fdtype_world *w = ctx;
	if (w->fd != -1)
		close(w->fd);
}

static void
sweep_fdtype(enum fdtype type, const char *name)
{
	struct fdtype_world w = { .type = type, .fd = -1 };
	struct fs_scenario s = {
		.name = name, .setup = fdtype_setup, .step = fdtype_step,
		.check = fdtype_check, .teardown = fdtype_teardown, .ctx = &w,
		.errnos = fs_errnos_create,
	};
	fs_sweep(&s);
}

START_TEST(eventfd_fails_cleanly_at_each_fault)
{
	sweep_fdtype(FT_EVENTFD, "eventfd");
	fs_assert_clean();
}
END_TEST

START_TEST(timerfd_create_fails_cleanly_at_each_fault)
{
	sweep_fdtype(FT_TIMERFD, "timerfd_create");
	fs_assert_clean();
}
END_TEST

START_TEST(signalfd_fails_cleanly_at_each_fault)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
	sweep_fdtype(FT_SIGNALFD, "signalfd");
	fs_assert_clean();
}
END_TEST

Suite *
fs_fdtypes_suite(void)
{
	Suite *s = suite_create("fault: eventfd, timerfd, signalfd");
	TCase *tc = tcase_create("fdtypes");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, eventfd_fails_cleanly_at_each_fault);
	tcase_add_test(tc, timerfd_create_fails_cleanly_at_each_fault);
	tcase_add_test(tc, signalfd_fails_cleanly_at_each_fault);
	suite_add_tcase(s, tc);
	return s;
}
