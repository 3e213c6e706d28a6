/*
 * One step on both worlds, and the comparison.
 *
 * Every result must be identical: return value, errno, byte counts, and
 * the set of (data, events) an epoll wait returns.  Sets, not sequences:
 * the order of one call's events is the order of Linux's ready list, which
 * epollkq does not promise.  Where Linux itself leaves a choice, the
 * comparison is built so that it stays strict but valid:
 *
 *  - maxevents below the number of ready registrations: WHICH of them come
 *    back depends on ready-list order.  Both worlds must return the same
 *    count.  If they return the same set, the worlds are still in the same
 *    state.  If not, a full wait (FZ_FULL events, more than can be ready)
 *    follows in both, and for each world what the two calls returned
 *    together -- everything that was ready, once the edge-triggered and
 *    one-shot events the first call took are counted -- must be the same
 *    set.  That both checks the choice (each returned pair was ready in the
 *    other world too) and brings the worlds back to one state.
 *  - fairness (FZ_CYCLE): Linux moves a returned level-triggered item to
 *    the tail of its ready list, so with k items ready, ceil(k/m) waits of
 *    m events return all of them.  Checked as exactly that.
 *
 * Both worlds are the same process on the same kernel, with objects made
 * and used identically, so everything but the epoll implementation is the
 * same; pipes and unix sockets make readiness synchronous (no timing).
 * Never generated (so never compared): EPOLLEXCLUSIVE's wake-one (there is
 * never a second waiter: every wait has timeout 0 and the fuzzer has one
 * thread, and Linux's ep_poll_callback only stops at an exclusive entry
 * when it woke a sleeper); an epoll fd across exec (no exec); non-NULL
 * invalid pointers (only valid ones and NULL); a registered descriptor
 * closed while a dup() of it stays open (see fz_model_close_ok).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fz.h"

const struct fz_api *fz_second_api = &fz_api_ekq;
bool fz_trace;

void
fz_run_init(struct fz_run *run)
{
	memset(run, 0, sizeof *run);
	fz_model_init(&run->m);
	fz_world_init(&run->w[0], &fz_api_linux, 'L');
	fz_world_init(&run->w[1], fz_second_api, 'K');
}

void
fz_run_fini(struct fz_run *run)
{
	fz_world_close(&run->w[0]);
	fz_world_close(&run->w[1]);
	fz_model_free(&run->m);
}

static void
why(struct fz_run *run, const char *fmt, ...)
{
	size_t off = strlen(run->why);
	if (off >= sizeof run->why - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(run->why + off, sizeof run->why - off, fmt, ap);
	va_end(ap);
}

static void
why_res(struct fz_run *run, int world, const struct fz_res *r, bool events)
{
	why(run, "  %-5s rc=%ld", run->w[world].api->name, r->rc);
	if (r->rc == -1)
		why(run, " errno=%d (%s)", r->err, strerror(r->err));
	if (r->aux)
		why(run, " aux=%ld", r->aux);
	if (events) {
		char mk[256];
		for (int i = 0; i < r->nev; i++)
			why(run, "\n        data=0x%016" PRIx64 " events=%s",
			    r->ev[i].data, fz_mask_str(r->ev[i].events, mk,
			    sizeof mk));
	}
	why(run, "\n");
}

static bool
same_rc(const struct fz_res *a, const struct fz_res *b)
{
	return a->rc == b->rc && (a->rc != -1 || a->err == b->err) &&
	    a->aux == b->aux;
}

static int
ev_cmp(const void *x, const void *y)
{
	const struct fz_ev *a = x, *b = y;
	if (a->data != b->data)
		return a->data < b->data ? -1 : 1;
	return a->events < b->events ? -1 : a->events > b->events;
}

static void
sort_ev(struct fz_ev *ev, int n)
{
	qsort(ev, (size_t)n, sizeof *ev, ev_cmp);
}

static bool
same_set(const struct fz_ev *a, int na, const struct fz_ev *b, int nb)
{
	if (na != nb)
		return false;
	for (int i = 0; i < na; i++)
		if (a[i].data != b[i].data || a[i].events != b[i].events)
			return false;
	return true;
}

/* Sorted union of two sorted sets into out (room for na + nb). */
static int
union_set(const struct fz_ev *a, int na, const struct fz_ev *b, int nb,
    struct fz_ev *out)
{
	int n = 0, i = 0, j = 0;
	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : ev_cmp(&a[i], &b[j]);
		if (c <= 0)
			out[n++] = a[i++];
		else
			out[n++] = b[j++];
		if (c == 0)
			j++;
	}
	return n;
}

static bool
has_dup_data(const struct fz_ev *ev, int n)
{
	for (int i = 1; i < n; i++)
		if (ev[i].data == ev[i - 1].data)
			return true;
	return false;
}

static void
diverged(struct fz_run *run, const struct fz_step *st, const char *what)
{
	if (run->why[0] != '\0')
		return;
	why(run, "step %ld: ", run->steps);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f != NULL) {
		fz_step_print(f, st);
		fclose(f);
		why(run, "%s", buf);
		free(buf);
	}
	why(run, "\n  %s\n", what);
}

/* --trace: both worlds' answers to a wait, where they differ. */
static void
trace_wait(const struct fz_res r[2])
{
	char mk[256];
	for (int w = 0; w < 2; w++) {
		if (w == 1 && same_rc(&r[0], &r[1]) &&
		    same_set(r[0].ev, r[0].nev, r[1].ev, r[1].nev))
			break;
		fprintf(stderr, "      -> %s%ld", w ? "epollkq " : "", r[w].rc);
		for (int i = 0; i < r[w].nev; i++)
			fprintf(stderr, " {0x%" PRIx64 " %s}", r[w].ev[i].data,
			    fz_mask_str(r[w].ev[i].events, mk, sizeof mk));
		fputc('\n', stderr);
	}
}

/* Both worlds wait on the same operand; results sorted by data. */
static void
wait_both(struct fz_run *run, int slot, int max, int api, bool nullbuf,
    struct fz_res r[2])
{
	for (int w = 0; w < 2; w++) {
		fz_world_wait(&run->w[w], slot, max, api, nullbuf, &r[w]);
		sort_ev(r[w].ev, r[w].nev);
	}
}

/* A full wait in both, compared strictly. */
static int
full_wait(struct fz_run *run, const struct fz_step *st, struct fz_res r[2],
    const char *what)
{
	wait_both(run, st->a, FZ_FULL, 0, false, r);
	if (!same_rc(&r[0], &r[1]) || !same_set(r[0].ev, r[0].nev, r[1].ev,
	    r[1].nev) || has_dup_data(r[1].ev, r[1].nev)) {
		diverged(run, st, what);
		why_res(run, 0, &r[0], true);
		why_res(run, 1, &r[1], true);
		return 1;
	}
	return 0;
}

static int
step_wait(struct fz_run *run, const struct fz_step *st)
{
	struct fz_res r[2];
	bool nullbuf = st->flags & FZ_F_NULL;
	wait_both(run, st->a, st->n, st->var, nullbuf, r);
	if (fz_trace)
		trace_wait(r);
	const char *what = NULL;
	if (!same_rc(&r[0], &r[1]))
		what = "epoll_wait: different return value or errno";
	else if (has_dup_data(r[1].ev, r[1].nev))
		what = "epoll_wait: one registration reported twice";
	else if (r[0].rc <= 0 || nullbuf)
		return 0;
	else if (r[0].rc < st->n) {
		/* Everything ready came back: the sets must be equal. */
		if (!same_set(r[0].ev, r[0].nev, r[1].ev, r[1].nev))
			what = "epoll_wait: different events";
	} else if (!same_set(r[0].ev, r[0].nev, r[1].ev, r[1].nev)) {
		/* Limited by maxevents, and the worlds chose differently:
		 * legitimate only if each chose from the same ready set. */
		struct fz_res f[2];
		struct fz_ev u[2][2 * FZ_FULL];
		int nu[2];
		wait_both(run, st->a, FZ_FULL, 0, false, f);
		if (fz_trace) {
			fprintf(stderr, "      (then a full wait)\n");
			trace_wait(f);
		}
		for (int w = 0; w < 2; w++)
			nu[w] = union_set(r[w].ev, r[w].nev, f[w].ev, f[w].nev,
			    u[w]);
		if (!same_set(u[0], nu[0], u[1], nu[1])) {
			diverged(run, st, "epoll_wait with maxevents below the "
			    "ready count: the two worlds' ready sets differ "
			    "(first the limited call, then a full one)");
			why_res(run, 0, &r[0], true);
			why_res(run, 1, &r[1], true);
			why_res(run, 0, &f[0], true);
			why_res(run, 1, &f[1], true);
			return 1;
		}
	}
	if (what == NULL)
		return 0;
	diverged(run, st, what);
	why_res(run, 0, &r[0], true);
	why_res(run, 1, &r[1], true);
	return 1;
}

static bool
in_set(const struct fz_ev *e, const struct fz_ev *set, int n)
{
	for (int i = 0; i < n; i++)
		if (set[i].data == e->data && set[i].events == e->events)
			return true;
	return false;
}

static int
step_cycle(struct fz_run *run, const struct fz_step *st)
{
	struct fz_res r[2], ready[2];
	/* The first full wait takes edge and one-shot events; the second
	 * sees what stays: level-triggered readiness. */
	if (full_wait(run, st, r, "cycle: first full wait differs") ||
	    full_wait(run, st, ready, "cycle: second full wait differs"))
		return 1;
	int k = ready[0].nev, m = st->n;
	if (k <= m)
		return 0;
	struct fz_ev seen[2][FZ_FULL];
	int nseen[2] = { 0, 0 };
	for (int call = 0; call < (k + m - 1) / m; call++) {
		wait_both(run, st->a, m, 0, false, r);
		for (int w = 0; w < 2; w++) {
			bool bad = r[w].rc != m;
			for (int i = 0; i < r[w].nev && !bad; i++) {
				bad = !in_set(&r[w].ev[i], ready[0].ev, k);
				if (!in_set(&r[w].ev[i], seen[w], nseen[w]))
					seen[w][nseen[w]++] = r[w].ev[i];
			}
			if (bad) {
				diverged(run, st, "cycle: a limited wait returned "
				    "other than m of the level-ready events");
				why(run, "  call %d; level-ready:\n", call + 1);
				why_res(run, 0, &ready[0], true);
				why(run, "  this call:\n");
				why_res(run, w, &r[w], true);
				return 1;
			}
		}
	}
	for (int w = 0; w < 2; w++) {
		if (nseen[w] != k) {
			diverged(run, st, "cycle: successive limited waits did not "
			    "cover every level-ready event (fairness)");
			why(run, "  %s saw %d of %d in %d calls of %d\n",
			    run->w[w].api->name, nseen[w], k, (k + m - 1) / m, m);
			why_res(run, 0, &ready[0], true);
			return 1;
		}
	}
	return 0;
}

int
fz_run_step(struct fz_run *run, const struct fz_step *st)
{
	if (!fz_model_valid(&run->m, st)) {
		run->skipped++;
		return -1;
	}
	if (fz_trace) {
		fprintf(stderr, "%5ld ", run->steps);
		fz_step_print(stderr, st);
		fputc('\n', stderr);
	}
	struct fz_res r[2];
	int rc = 0;
	switch (st->op) {
	case FZ_CTL:
		fz_world_ctl(&run->w[0], st, &r[0]);
		fz_world_ctl(&run->w[1], st, &r[1]);
		if (!same_rc(&r[0], &r[1])) {
			diverged(run, st, "epoll_ctl: different return value or "
			    "errno");
			why_res(run, 0, &r[0], false);
			why_res(run, 1, &r[1], false);
			rc = 1;
		}
		break;
	case FZ_WAIT:
		rc = step_wait(run, st);
		r[0].rc = 0;
		break;
	case FZ_CYCLE:
		rc = step_cycle(run, st);
		r[0].rc = 0;
		break;
	default:
		fz_world_apply(&run->w[0], st, &r[0]);
		fz_world_apply(&run->w[1], st, &r[1]);
		if (!same_rc(&r[0], &r[1])) {
			/* Not epoll, but the worlds must stay alike. */
			diverged(run, st, "the operation itself gave different "
			    "results");
			why_res(run, 0, &r[0], false);
			why_res(run, 1, &r[1], false);
			rc = 1;
		}
		break;
	}
	if (fz_trace && st->op != FZ_WAIT && st->op != FZ_CYCLE)
		fprintf(stderr, "      -> %ld%s%s\n", r[0].rc,
		    r[0].rc == -1 ? " " : "",
		    r[0].rc == -1 ? strerror(r[0].err) : "");
	fz_model_update(&run->m, st, &r[0]);
	run->steps++;
	return rc;
}

long
fz_run_seq(const struct fz_step *seq, size_t n, unsigned feats, char *whybuf,
    size_t whylen)
{
	struct fz_run *run = malloc(sizeof *run);
	if (run == NULL)
		abort();
	fz_run_init(run);
	long at = -1;
	for (size_t i = 0; i < n; i++) {
		if (feats != FZ_FEAT_ALL &&
		    !fz_feats_allow(&run->m, feats, &seq[i])) {
			at = -2;
			break;
		}
		if (fz_run_step(run, &seq[i]) == 1) {
			at = (long)i;
			break;
		}
	}
	if (whybuf != NULL && whylen > 0)
		snprintf(whybuf, whylen, "%s", run->why);
	fz_run_fini(run);
	free(run);
	return at;
}
