/*
 * EPOLL_CTL_ADD, MOD and DEL under faults, on every kind of descriptor,
 * with masks that give each registration a different set of knotes
 * (directions, hidden ones, EV_CLEAR, EV_DISPATCH, none at all).
 *
 * Each instance also holds a bystander -- a pipe, level-triggered
 * EPOLLIN -- that no step touches: a failed call must not disturb it.
 */
#include "config.h"

#include "fault.h"

#include <stdio.h>
#include <unistd.h>

#define FS_BY_DATA FS_DATA(0xB1)
#define FS_OLD_DATA FS_DATA(0x01)
#define FS_NEW_DATA FS_DATA(0x02)

struct ctl_world {
	enum fs_kind kind;
	int op;
	uint32_t ev1, ev2;      /* set by the setup; asked for by the step */
	bool disarm;            /* the setup spends ev1's one shot */
	int epfd;
	struct fs_obj t;        /* the target */
	int by[2];              /* the bystander pipe; by[0] is registered */
	struct fs_reg before, after;
};

/* One epoll_wait(..., 0): exactly the bystander (when `by`) and the
 * target (when `want` is not 0), each with exactly its mask. */
static void
expect_set(struct ctl_world *w, uint64_t data, uint32_t want, bool by,
    const char *stage)
{
	struct epoll_event evs[8];
	memset(evs, 0, sizeof evs);
	int n = epoll_wait(w->epfd, evs, 8, 0);
	FS_CHECK(n >= 0, "%s: %s: epoll_wait: %s", fs_where, stage,
	    strerror(errno));
	bool seen_t = false, seen_by = false;
	for (int i = 0; i < n; i++) {
		if (evs[i].data.u64 == FS_BY_DATA) {
			FS_CHECK(by && !seen_by && evs[i].events == EPOLLIN,
			    "%s: %s: bystander reported %s", fs_where, stage,
			    fs_str(evs[i].events));
			seen_by = true;
		} else {
			FS_CHECK(evs[i].data.u64 == data && want != 0 &&
			    !seen_t, "%s: %s: unexpected event %s data %#llx "
			    "(want %s data %#llx)", fs_where, stage,
			    fs_str(evs[i].events),
			    (unsigned long long)evs[i].data.u64, fs_str(want),
			    (unsigned long long)data);
			FS_CHECK(evs[i].events == want,
			    "%s: %s: target reported %s, want %s", fs_where, stage,
			    fs_str(evs[i].events), fs_str(want));
			seen_t = true;
		}
	}
	FS_CHECK(seen_by == by, "%s: %s: bystander not reported", fs_where,
	    stage);
	FS_CHECK(seen_t == (want != 0), "%s: %s: target (%s) not reported",
	    fs_where, stage, fs_str(want));
}

static bool
edge(uint32_t events)
{
	return (events & (EPOLLET | EPOLLONESHOT)) != 0;
}

static void
expect_ctl(int rc, int err, int want_err, const char *what)
{
	if (want_err == 0)
		FS_CHECK(rc == 0, "%s: %s failed: %s", fs_where, what,
		    strerror(err));
	else
		FS_CHECK(rc == -1 && err == want_err,
		    "%s: %s: got %d/%s, want -1/%s", fs_where, what, rc,
		    strerror(err), strerror(want_err));
}

#define CTL(w, what, want_err, expr) do {                                    \
	errno = 0;                                                            \
	int rc_ = (expr);                                                     \
	expect_ctl(rc_, errno, (want_err), (what));                           \
} while (0)

/*
 * Is the instance what `r` says?  Readiness first (what epoll_wait
 * reports, twice, to tell level from edge; again after a re-arm; after a
 * hang-up), then the registration itself (EEXIST / ENOENT).
 */
static void
check_instance(struct ctl_world *w, const struct fs_reg *r)
{
	fs_obj_poke(&w->t);
	ck_assert_int_eq(write(w->by[1], "b", 1), 1);
	uint32_t mask = r->events | FS_ALWAYS;
	uint32_t want = r->on && !r->disarmed ? fs_ready(w->t.fd) & mask : 0;
	expect_set(w, r->data, want, true, "first wait");
	expect_set(w, r->data, edge(r->events) ? 0 : want, true, "second wait");
	if (r->on && (r->events & EPOLLONESHOT)) {
		CTL(w, "re-arm", 0, fs_ctl(w->epfd, EPOLL_CTL_MOD, w->t.fd,
		    r->events, r->data));
		expect_set(w, r->data, fs_ready(w->t.fd) & mask, true,
		    "after a re-arm");
		CTL(w, "re-arm", 0, fs_ctl(w->epfd, EPOLL_CTL_MOD, w->t.fd,
		    r->events, r->data));
	}
	if (w->t.other != -1) {
		/*
		 * Hanging up: EPOLLHUP / EPOLLERR, requested or not.  An edge
		 * comes only with a change (a datagram socket whose peer goes
		 * sees none); a one shot just re-armed reports in any case.
		 */
		uint32_t pre = fs_ready(w->t.fd);
		close(w->t.other);
		w->t.other = -1;
		uint32_t post = fs_ready(w->t.fd);
		bool fires = !edge(r->events) || (r->events & EPOLLONESHOT) ||
		    post != pre;
		want = r->on && fires ? post & mask : 0;
		expect_set(w, r->data, want, true, "after a hang-up");
	}
	if (w->t.kind == FS_EPOLL && r->on) {
		/* The nesting is known: the reverse would close a cycle. */
		CTL(w, "a cycle", ELOOP, fs_ctl(w->t.fd, EPOLL_CTL_ADD, w->epfd,
		    EPOLLIN, 0));
	}
	CTL(w, "ADD", r->on ? EEXIST : 0,
	    fs_ctl(w->epfd, EPOLL_CTL_ADD, w->t.fd, EPOLLIN, 0));
	CTL(w, "DEL", 0, epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->t.fd, NULL));
	CTL(w, "DEL of a deleted descriptor", ENOENT,
	    epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->t.fd, NULL));
	CTL(w, "MOD of a deleted descriptor", ENOENT,
	    fs_ctl(w->epfd, EPOLL_CTL_MOD, w->t.fd, EPOLLIN, 0));
	CTL(w, "ADD of the bystander", EEXIST,
	    fs_ctl(w->epfd, EPOLL_CTL_ADD, w->by[0], EPOLLIN, 0));
	expect_set(w, 0, 0, true, "at the end");
}

static void
ctl_setup(void *ctx)
{
	struct ctl_world *w = ctx;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	FS_CHECK(w->epfd >= 0, "epoll_create1: %s", strerror(errno));
	ekq_make_pipe(w->by);
	ck_assert_ok(fs_ctl(w->epfd, EPOLL_CTL_ADD, w->by[0], EPOLLIN,
	    FS_BY_DATA));
	fs_obj_open(&w->t, w->kind);
	memset(&w->before, 0, sizeof w->before);
	if (w->op != EPOLL_CTL_ADD) {
		ck_assert_ok(fs_ctl(w->epfd, EPOLL_CTL_ADD, w->t.fd, w->ev1,
		    FS_OLD_DATA));
		w->before.on = true;
		w->before.events = w->ev1;
		w->before.data = FS_OLD_DATA;
	}
	if (w->disarm) {
		fs_obj_poke(&w->t);
		struct epoll_event ev;
		ck_assert_int_eq(epoll_wait(w->epfd, &ev, 1, 0), 1);
		ck_assert(ev.data.u64 == FS_OLD_DATA);
		w->before.disarmed = true;
	}
	memset(&w->after, 0, sizeof w->after);
	if (w->op != EPOLL_CTL_DEL) {
		w->after.on = true;
		w->after.events = w->ev2;
		w->after.data = FS_NEW_DATA;
	}
}

static int
ctl_step(void *ctx)
{
	struct ctl_world *w = ctx;
	if (w->op == EPOLL_CTL_DEL)
		return epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->t.fd, NULL);
	return fs_ctl(w->epfd, w->op, w->t.fd, w->ev2, FS_NEW_DATA);
}

static void
ctl_check(void *ctx, bool done)
{
	struct ctl_world *w = ctx;
	check_instance(w, done ? &w->after : &w->before);
}

static void
ctl_teardown(void *ctx)
{
	struct ctl_world *w = ctx;
	fs_obj_close(&w->t);
	close(w->by[0]);
	close(w->by[1]);
	close(w->epfd);
}

static void
sweep_one(enum fs_kind kind, int op, uint32_t ev1, uint32_t ev2, bool disarm)
{
	static const char *const ops[] = { "?", "ADD", "DEL", "MOD" };
	char name[160];
	struct ctl_world w;
	memset(&w, 0, sizeof w);
	w.kind = kind;
	w.op = op;
	w.ev1 = ev1;
	w.ev2 = ev2;
	w.disarm = disarm;
	if (op == EPOLL_CTL_ADD)
		snprintf(name, sizeof name, "ADD %s of a %s", fs_str(ev2),
		    fs_kind_name(kind));
	else if (op == EPOLL_CTL_MOD)
		snprintf(name, sizeof name, "MOD %s%s -> %s of a %s", fs_str(ev1),
		    disarm ? " (fired)" : "", fs_str(ev2), fs_kind_name(kind));
	else
		snprintf(name, sizeof name, "%s of %s%s on a %s", ops[op],
		    fs_str(ev1), disarm ? " (fired)" : "", fs_kind_name(kind));
	struct fs_scenario s = {
		.name = name, .setup = ctl_setup, .step = ctl_step,
		.check = ctl_check, .teardown = ctl_teardown, .ctx = &w,
		.errnos = fs_errnos_ctl, .ebadf_points = 2,
	};
	fs_sweep(&s);
}

#define IN EPOLLIN
#define OUT EPOLLOUT
#define PRI EPOLLPRI
#define RDHUP EPOLLRDHUP
#define ET EPOLLET
#define ONESHOT EPOLLONESHOT

static void
sweep_add(enum fs_kind kind)
{
	static const uint32_t masks[] = {
		IN, OUT, IN | OUT | RDHUP, IN | PRI, PRI | RDHUP, IN | OUT | ET,
		OUT | ET, IN | OUT | ONESHOT, IN | ET | ONESHOT, 0,
	};
	for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++)
		sweep_one(kind, EPOLL_CTL_ADD, 0, masks[i], false);
}

static void
sweep_mod(enum fs_kind kind)
{
	static const struct {
		uint32_t from, to;
		bool fired;
	} mods[] = {
		{ IN, IN | ET, false },                 /* level -> edge */
		{ IN | OUT | ET, IN | OUT, false },     /* edge -> level */
		{ IN, IN | OUT, false },                /* a direction more */
		{ IN | OUT, OUT, false },               /* a direction less */
		{ IN | OUT | RDHUP, 0, false },
		{ 0, IN | OUT | RDHUP | PRI, false },
		{ IN | ONESHOT, IN | OUT | ONESHOT, false },
		{ IN | OUT | ONESHOT, IN | OUT | ONESHOT, true }, /* re-arm */
		{ IN | PRI, OUT | ET | ONESHOT, false },
		{ OUT | ET, IN | RDHUP | ET, false },
	};
	for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++)
		sweep_one(kind, EPOLL_CTL_MOD, mods[i].from, mods[i].to,
		    mods[i].fired);
}

static void
sweep_del(enum fs_kind kind)
{
	static const struct {
		uint32_t mask;
		bool fired;
	} dels[] = {
		{ IN, false }, { IN | OUT | ET, false }, { IN | OUT | ONESHOT, false },
		{ IN | OUT | ONESHOT, true }, { 0, false }, { PRI | RDHUP, false },
	};
	for (size_t i = 0; i < sizeof dels / sizeof dels[0]; i++)
		sweep_one(kind, EPOLL_CTL_DEL, dels[i].mask, 0, dels[i].fired);
}

#define FS_CTL_CASES(kind, tag)                                               \
START_TEST(ctl_add_##tag##_is_all_or_nothing_at_each_fault)                   \
{ sweep_add(kind); fs_assert_clean(); }                                                          \
END_TEST                                                                      \
START_TEST(ctl_mod_##tag##_is_all_or_nothing_at_each_fault)                   \
{ sweep_mod(kind); fs_assert_clean(); }                                                          \
END_TEST                                                                      \
START_TEST(ctl_del_##tag##_is_all_or_nothing_at_each_fault)                   \
{ sweep_del(kind); fs_assert_clean(); }                                                          \
END_TEST

FS_CTL_CASES(FS_PIPE_R, pipe_read_end)
FS_CTL_CASES(FS_PIPE_W, pipe_write_end)
FS_CTL_CASES(FS_STREAM, unix_stream_socket)
FS_CTL_CASES(FS_DGRAM, unix_dgram_socket)
FS_CTL_CASES(FS_FIFO_R, fifo_read_end)
FS_CTL_CASES(FS_FIFO_W, fifo_write_end)
FS_CTL_CASES(FS_EPOLL, nested_epoll_fd)

#define FS_ADD_CASES(tc, tag) do {                                            \
	tcase_add_test(tc, ctl_add_##tag##_is_all_or_nothing_at_each_fault);  \
	tcase_add_test(tc, ctl_mod_##tag##_is_all_or_nothing_at_each_fault);  \
	tcase_add_test(tc, ctl_del_##tag##_is_all_or_nothing_at_each_fault);  \
} while (0)

Suite *
fs_ctl_suite(void)
{
	Suite *s = suite_create("fault: epoll_ctl");
	TCase *tc = tcase_create("ctl");
	/* Hundreds of runs per case, slower still under sanitizers. */
	tcase_set_timeout(tc, 240);
	FS_ADD_CASES(tc, pipe_read_end);
	FS_ADD_CASES(tc, pipe_write_end);
	FS_ADD_CASES(tc, unix_stream_socket);
	FS_ADD_CASES(tc, unix_dgram_socket);
	FS_ADD_CASES(tc, fifo_read_end);
	FS_ADD_CASES(tc, fifo_write_end);
	FS_ADD_CASES(tc, nested_epoll_fd);
	suite_add_tcase(s, tc);
	return s;
}
