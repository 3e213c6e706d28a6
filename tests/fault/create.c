/* epoll_create1() under faults: with and without EPOLL_CLOEXEC. */
#include "config.h"

#include "fault.h"

#include <fcntl.h>
#include <unistd.h>

struct create_world {
	int flags;
	int epfd;
	int p[2];
};

static void
create_setup(void *ctx)
{
	struct create_world *w = ctx;
	w->epfd = -1;
	ekq_make_pipe(w->p);
}

static int
create_step(void *ctx)
{
	struct create_world *w = ctx;
	w->epfd = epoll_create1(w->flags);
	return w->epfd == -1 ? -1 : 0;
}

/* A working instance: its close-on-exec flag as asked, and it reports. */
static void
check_works(int epfd, int flags, int p[2])
{
	int fdflags = fcntl(epfd, F_GETFD);
	FS_CHECK(fdflags != -1, "%s: fcntl: %s", fs_where, strerror(errno));
	FS_CHECK(((fdflags & FD_CLOEXEC) != 0) ==
	    ((flags & EPOLL_CLOEXEC) != 0), "%s: FD_CLOEXEC is %s", fs_where,
	    (fdflags & FD_CLOEXEC) ? "set" : "clear");
	FS_CHECK(fs_ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, FS_DATA(7)) == 0,
	    "%s: ADD: %s", fs_where, strerror(errno));
	struct epoll_event ev;
	FS_CHECK(epoll_wait(epfd, &ev, 1, 0) == 0, "%s: an event from "
	    "nowhere", fs_where);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	FS_CHECK(epoll_wait(epfd, &ev, 1, 0) == 1, "%s: no event: %s",
	    fs_where, strerror(errno));
	FS_CHECK(ev.data.u64 == FS_DATA(7) && ev.events == EPOLLIN,
	    "%s: got %s", fs_where, fs_str(ev.events));
	ck_assert_int_eq(read(p[0], &ev, 1), 1);
	FS_CHECK(fs_ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, 0) == -1 &&
	    errno == EEXIST, "%s: ADD again: %s", fs_where, strerror(errno));
}

static void
create_check(void *ctx, bool done)
{
	struct create_world *w = ctx;
	if (done) {
		check_works(w->epfd, w->flags, w->p);
		return;
	}
	FS_CHECK(w->epfd == -1, "%s: failed but returned %d", fs_where, w->epfd);
	/* Nothing half-made stays behind: the next instance is whole. */
	int again = epoll_create1(w->flags);
	FS_CHECK(again >= 0, "%s: epoll_create1 after a failure: %s",
	    fs_where, strerror(errno));
	check_works(again, w->flags, w->p);
	close(again);
}

static void
create_teardown(void *ctx)
{
	struct create_world *w = ctx;
	if (w->epfd != -1)
		close(w->epfd);
	close(w->p[0]);
	close(w->p[1]);
}

static void
sweep_create(int flags, const char *name)
{
	struct create_world w = { .flags = flags, .epfd = -1 };
	struct fs_scenario s = {
		.name = name, .setup = create_setup, .step = create_step,
		.check = create_check, .teardown = create_teardown, .ctx = &w,
		.errnos = fs_errnos_create,
	};
	fs_sweep(&s);
}

START_TEST(create1_fails_cleanly_at_each_fault)
{
	sweep_create(0, "epoll_create1(0)");
	fs_assert_clean();
}
END_TEST

START_TEST(create1_cloexec_fails_cleanly_at_each_fault)
{
	sweep_create(EPOLL_CLOEXEC, "epoll_create1(EPOLL_CLOEXEC)");
	fs_assert_clean();
}
END_TEST

/* The same with instances about already (the table exists, and a fresh
 * number is handed out next to them). */
START_TEST(create1_beside_other_instances_fails_cleanly_at_each_fault)
{
	int others[3];
	for (int i = 0; i < 3; i++)
		ck_assert_ok(others[i] = epoll_create1(0));
	sweep_create(EPOLL_CLOEXEC, "epoll_create1 beside others");
	for (int i = 0; i < 3; i++)
		close(others[i]);
	fs_assert_clean();
}
END_TEST

Suite *
fs_create_suite(void)
{
	Suite *s = suite_create("fault: epoll_create1");
	TCase *tc = tcase_create("create");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, create1_fails_cleanly_at_each_fault);
	tcase_add_test(tc, create1_cloexec_fails_cleanly_at_each_fault);
	tcase_add_test(tc, create1_beside_other_instances_fails_cleanly_at_each_fault);
	suite_add_tcase(s, tc);
	return s;
}
