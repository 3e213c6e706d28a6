/*
 * epoll_wait() under faults with more ready descriptors than maxevents,
 * so that events are held between calls, and EPOLL_CTL_MOD of one-shot
 * registrations around them (a re-arm of one that fired, a change of one
 * still held).  The model counts what each descriptor is owed: a level
 * one, to come round while it stays ready; an edge or a one shot, exactly
 * one event per edge or arming -- none lost, none twice.
 */
#include "config.h"

#include "fault.h"

#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#define W_N 6           /* ready descriptors */
#define W_MAX 2         /* maxevents */

enum w_step { W_WAIT, W_REARM, W_MOD_HELD };

struct wait_world {
	uint32_t mode;          /* 0, EPOLLET or EPOLLONESHOT */
	uint32_t dirs;          /* EPOLLIN, or EPOLLIN|EPOLLOUT (two knotes) */
	int pre_waits;          /* waits the setup makes */
	enum w_step what;
	int epfd;
	int sv[W_N][2];
	uint32_t events[W_N];   /* registered */
	int seen[W_N];          /* events delivered */
	int owed[W_N];          /* events due, in all (edge, one shot) */
	int target;             /* the one the MOD step changes */
	int step_n;
	struct epoll_event step_evs[W_MAX];
};

static uint64_t
data_of(int i)
{
	return FS_DATA(0x100 + i);
}

/* Account for the events of one call; returns how many. */
static int
take(struct wait_world *w, const struct epoll_event *evs, int n,
    const char *stage)
{
	bool in_call[W_N] = { false };
	FS_CHECK(n >= 0 && n <= W_MAX, "%s: %s: returned %d (%s)", fs_where,
	    stage, n, strerror(errno));
	for (int k = 0; k < n; k++) {
		int i = (int)(evs[k].data.u64 - data_of(0));
		FS_CHECK(i >= 0 && i < W_N, "%s: %s: unknown data %#llx", fs_where,
		    stage, (unsigned long long)evs[k].data.u64);
		FS_CHECK(!in_call[i], "%s: %s: descriptor %d twice in one call",
		    fs_where, stage, i);
		in_call[i] = true;
		uint32_t want = fs_ready(w->sv[i][0]) & (w->events[i] | FS_ALWAYS);
		FS_CHECK(evs[k].events == want, "%s: %s: descriptor %d reported "
		    "%s, want %s", fs_where, stage, i, fs_str(evs[k].events),
		    fs_str(want));
		w->seen[i]++;
		if (w->mode != 0)
			FS_CHECK(w->seen[i] <= w->owed[i], "%s: %s: descriptor %d "
			    "reported %d times, owed %d", fs_where, stage, i,
			    w->seen[i], w->owed[i]);
	}
	return n;
}

static int
wait_now(struct wait_world *w, const char *stage)
{
	struct epoll_event evs[W_MAX];
	memset(evs, 0, sizeof evs);
	return take(w, evs, epoll_wait(w->epfd, evs, W_MAX, 0), stage);
}

static void
wait_setup(void *ctx)
{
	struct wait_world *w = ctx;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	ck_assert_int_ge(w->epfd, 0);
	for (int i = 0; i < W_N; i++) {
		ekq_make_socketpair(SOCK_STREAM, w->sv[i]);
		w->events[i] = w->dirs | w->mode;
		ck_assert_ok(fs_ctl(w->epfd, EPOLL_CTL_ADD, w->sv[i][0],
		    w->events[i], data_of(i)));
		ck_assert_int_eq(write(w->sv[i][1], "x", 1), 1);
		w->seen[i] = 0;
		w->owed[i] = 1;
	}
	snprintf(fs_where, sizeof fs_where, "setup");
	for (int k = 0; k < w->pre_waits; k++)
		ck_assert_int_eq(wait_now(w, "setup"), W_MAX);
	w->target = -1;
	for (int i = 0; i < W_N && w->target == -1; i++)
		if ((w->what == W_REARM) == (w->seen[i] > 0))
			w->target = i;
	ck_assert_int_ne(w->target, -1);
	w->step_n = 0;
}

static int
wait_step(void *ctx)
{
	struct wait_world *w = ctx;
	int t = w->target;
	switch (w->what) {
	case W_WAIT:
		w->step_n = epoll_wait(w->epfd, w->step_evs, W_MAX, 0);
		return w->step_n == -1 ? -1 : 0;
	case W_REARM:
		return fs_ctl(w->epfd, EPOLL_CTL_MOD, w->sv[t][0], w->events[t],
		    data_of(t));
	case W_MOD_HELD:
		return fs_ctl(w->epfd, EPOLL_CTL_MOD, w->sv[t][0],
		    EPOLLIN | w->mode, data_of(t));
	}
	return -1;
}

static void
wait_check(void *ctx, bool done)
{
	struct wait_world *w = ctx;
	if (done && w->what == W_REARM)
		w->owed[w->target]++;
	if (done && w->what == W_MOD_HELD)
		w->events[w->target] = EPOLLIN | w->mode;
	if (done && w->what == W_WAIT) {
		/* Ready descriptors are there: "nothing" would be a lie. */
		FS_CHECK(w->step_n > 0, "%s: returned 0 with events ready",
		    fs_where);
		take(w, w->step_evs, w->step_n, "the step");
	}
	if (w->mode == 0) {
		/* Level: each comes round, calls full while all stay ready. */
		int before[W_N];
		memcpy(before, w->seen, sizeof before);
		for (int k = 0; k < W_N; k++)
			FS_CHECK(wait_now(w, "level") == W_MAX, "%s: a call "
			    "returned less than maxevents", fs_where);
		for (int i = 0; i < W_N; i++)
			FS_CHECK(w->seen[i] > before[i], "%s: descriptor %d never "
			    "came round", fs_where, i);
		for (int i = 0; i < W_N; i++)
			FS_CHECK(epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->sv[i][0],
			    NULL) == 0, "%s: DEL: %s", fs_where, strerror(errno));
		FS_CHECK(wait_now(w, "after DEL") == 0, "%s: events after DEL",
		    fs_where);
		return;
	}
	/* Edge, one shot: everything owed, once, and then nothing. */
	for (int round = 0; round < 2; round++) {
		bool owing = false;
		for (int i = 0; i < W_N; i++)
			owing |= w->seen[i] < w->owed[i];
		/* As Linux's ready list: readable iff there is something. */
		FS_CHECK(fs_epfd_readable(w->epfd) == owing, "%s: round %d: the "
		    "epoll descriptor polls %sreadable", fs_where, round,
		    owing ? "not " : "");
		for (int k = 0; k <= W_N && wait_now(w, "draining") > 0; k++)
			;
		FS_CHECK(wait_now(w, "drained") == 0, "%s: more than owed",
		    fs_where);
		FS_CHECK(!fs_epfd_readable(w->epfd), "%s: round %d: drained, "
		    "the epoll descriptor polls readable", fs_where, round);
		for (int i = 0; i < W_N; i++)
			FS_CHECK(w->seen[i] == w->owed[i], "%s: round %d: "
			    "descriptor %d reported %d times, owed %d", fs_where,
			    round, i, w->seen[i], w->owed[i]);
		/* Once more: a new arming or a new edge for every one. */
		for (int i = 0; i < W_N; i++) {
			if (w->mode & EPOLLONESHOT)
				FS_CHECK(fs_ctl(w->epfd, EPOLL_CTL_MOD, w->sv[i][0],
				    w->events[i], data_of(i)) == 0, "%s: re-arm: %s",
				    fs_where, strerror(errno));
			else
				ck_assert_int_eq(write(w->sv[i][1], "y", 1), 1);
			w->owed[i]++;
		}
	}
}

static void
wait_teardown(void *ctx)
{
	struct wait_world *w = ctx;
	for (int i = 0; i < W_N; i++) {
		close(w->sv[i][0]);
		close(w->sv[i][1]);
	}
	close(w->epfd);
}

static void
sweep_one(uint32_t dirs, uint32_t mode, int pre_waits, enum w_step what)
{
	static const char *const steps[] = {
		"epoll_wait", "MOD re-arming a fired one", "MOD of a held one"
	};
	char name[160];
	snprintf(name, sizeof name, "%s, %d ready %s %s, maxevents %d, after "
	    "%d call(s)", steps[what], W_N, fs_str(dirs),
	    mode ? fs_str(mode) : "level", W_MAX, pre_waits);
	struct wait_world w;
	memset(&w, 0, sizeof w);
	w.mode = mode;
	w.dirs = dirs;
	w.pre_waits = pre_waits;
	w.what = what;
	struct fs_scenario s = {
		.name = name, .setup = wait_setup, .step = wait_step,
		.check = wait_check, .teardown = wait_teardown, .ctx = &w,
		.errnos = what == W_WAIT ? fs_errnos_wait : fs_errnos_ctl,
		.ebadf_points = what == W_WAIT ? 1 : 2,
	};
	fs_sweep(&s);
}

/* One knote per descriptor, and two (the merging of READ and WRITE). */
static void
sweep_wait(uint32_t mode, int pre_waits, enum w_step what)
{
	sweep_one(EPOLLIN, mode, pre_waits, what);
	sweep_one(EPOLLIN | EPOLLOUT, mode, pre_waits, what);
}

START_TEST(wait_level_beyond_maxevents_loses_nothing_at_each_fault)
{
	sweep_wait(0, 0, W_WAIT);
	sweep_wait(0, 1, W_WAIT);
	fs_assert_clean();
}
END_TEST

START_TEST(wait_edge_beyond_maxevents_loses_nothing_at_each_fault)
{
	sweep_wait(EPOLLET, 0, W_WAIT);
	sweep_wait(EPOLLET, 1, W_WAIT);
	fs_assert_clean();
}
END_TEST

START_TEST(wait_oneshot_beyond_maxevents_loses_nothing_at_each_fault)
{
	sweep_wait(EPOLLONESHOT, 0, W_WAIT);
	sweep_wait(EPOLLONESHOT, 1, W_WAIT);
	fs_assert_clean();
}
END_TEST

START_TEST(mod_rearm_of_fired_oneshot_is_all_or_nothing_at_each_fault)
{
	sweep_wait(EPOLLONESHOT, 1, W_REARM);
	fs_assert_clean();
}
END_TEST

START_TEST(mod_of_held_descriptor_is_all_or_nothing_at_each_fault)
{
	sweep_wait(EPOLLONESHOT, 1, W_MOD_HELD);
	sweep_wait(EPOLLET, 1, W_MOD_HELD);
	fs_assert_clean();
}
END_TEST

Suite *
fs_wait_suite(void)
{
	Suite *s = suite_create("fault: epoll_wait");
	TCase *tc = tcase_create("wait");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, wait_level_beyond_maxevents_loses_nothing_at_each_fault);
	tcase_add_test(tc, wait_edge_beyond_maxevents_loses_nothing_at_each_fault);
	tcase_add_test(tc, wait_oneshot_beyond_maxevents_loses_nothing_at_each_fault);
	tcase_add_test(tc, mod_rearm_of_fired_oneshot_is_all_or_nothing_at_each_fault);
	tcase_add_test(tc, mod_of_held_descriptor_is_all_or_nothing_at_each_fault);
	suite_add_tcase(s, tc);
	return s;
}
