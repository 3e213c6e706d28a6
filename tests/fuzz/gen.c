/*
 * The generator: one valid step at a time, from a choice source -- a
 * seeded PRNG (the standalone driver) or libFuzzer's bytes, so that the
 * fuzzer's mutations become changes of operations and operands.
 *
 * It leans toward what finds bugs in a shim: registrations of every kind
 * of descriptor with odd masks, readiness that comes and goes, descriptors
 * closed and numbers reused under live registrations, small maxevents.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/epoll.h>

#include "fz.h"

/* ---- choice sources ---- */

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void
fz_src_seed(struct fz_src *src, uint64_t seed)
{
	memset(src, 0, sizeof *src);
	for (int i = 0; i < 4; i++)
		src->s[i] = splitmix(&seed);
}

void
fz_src_bytes(struct fz_src *src, const uint8_t *p, size_t len)
{
	memset(src, 0, sizeof *src);
	src->bytes = p;
	src->len = len;
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t
xoshiro(struct fz_src *src)
{
	uint64_t *s = src->s;
	uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

static uint64_t
take_bytes(struct fz_src *src, int k)
{
	if (src->pos + (size_t)k > src->len) {
		src->exhausted = true;
		src->pos = src->len;
		return 0;
	}
	uint64_t v = 0;
	for (int i = 0; i < k; i++)
		v = v << 8 | src->bytes[src->pos++];
	return v;
}

uint32_t
fz_pick(struct fz_src *src, uint32_t n)
{
	if (n <= 1)
		return 0;
	if (src->bytes == NULL)
		return (uint32_t)((xoshiro(src) >> 32) % n);
	int k = n <= 256 ? 1 : n <= 65536 ? 2 : 4;
	return (uint32_t)(take_bytes(src, k) % n);
}

uint64_t
fz_pick64(struct fz_src *src)
{
	return src->bytes == NULL ? xoshiro(src) : take_bytes(src, 8);
}

static bool
chance(struct fz_src *src, unsigned pct)
{
	return fz_pick(src, 100) < pct;
}

/* Index chosen by weight; weights[] of n entries, not all zero. */
static int
weighted(struct fz_src *src, const unsigned *w, int n)
{
	unsigned total = 0;
	for (int i = 0; i < n; i++)
		total += w[i];
	if (total == 0)
		return -1;
	unsigned x = fz_pick(src, total);
	for (int i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/* ---- slots ---- */

typedef bool (*slot_pred)(const struct fz_model *m, int s);

static int
pick_slot(struct fz_src *src, const struct fz_model *m, slot_pred pred)
{
	int cand[FZ_NSLOTS], n = 0;
	for (int s = 0; s < FZ_NSLOTS; s++)
		if (pred(m, s))
			cand[n++] = s;
	return n == 0 ? -1 : cand[fz_pick(src, (uint32_t)n)];
}

static bool
p_vacant(const struct fz_model *m, int s)
{
	return m->s[s].kind == FZ_K_NONE;
}

static bool
p_occupied(const struct fz_model *m, int s)
{
	return m->s[s].kind != FZ_K_NONE;
}

static bool
p_epoll(const struct fz_model *m, int s)
{
	return m->s[s].kind == FZ_K_EPOLL;
}

static bool
p_not_epoll(const struct fz_model *m, int s)
{
	return p_occupied(m, s) && !p_epoll(m, s);
}

static bool
p_socket(const struct fz_model *m, int s)
{
	uint8_t k = m->s[s].kind;
	return k == FZ_K_STREAM || k == FZ_K_DGRAM || k == FZ_K_SEQPACKET;
}

static bool
p_writable(const struct fz_model *m, int s)
{
	uint8_t k = m->s[s].kind;
	return k == FZ_K_PIPE_W || k == FZ_K_FIFO_W || k == FZ_K_FIFO_RW ||
	    p_socket(m, s);
}

static bool
p_readable(const struct fz_model *m, int s)
{
	uint8_t k = m->s[s].kind;
	return k == FZ_K_PIPE_R || k == FZ_K_FIFO_R || k == FZ_K_FIFO_RW ||
	    p_socket(m, s);
}

static bool
p_reopenable(const struct fz_model *m, int s)
{
	uint8_t k = m->s[s].kind;
	return k == FZ_K_PIPE_R || k == FZ_K_PIPE_W || k == FZ_K_FIFO_R ||
	    k == FZ_K_FIFO_W || k == FZ_K_FIFO_RW || k == FZ_K_FILE;
}

/*
 * Left out unless the pipe-reopen feature is on: a pipe opened again
 * through /proc/self/fd.  Only Linux can (on the BSDs, /dev/fd/N is a
 * dup()), and compat/'s pipe filters follow FreeBSD's single reader and
 * writer ends, not the several open files Linux then counts.
 */
static bool
p_reopenable_nopipe(const struct fz_model *m, int s)
{
	uint8_t k = m->s[s].kind;
	return p_reopenable(m, s) && k != FZ_K_PIPE_R && k != FZ_K_PIPE_W;
}

static bool
p_occupied_nopipe(const struct fz_model *m, int s)
{
	uint8_t k = m->s[s].kind;
	return p_occupied(m, s) && k != FZ_K_PIPE_R && k != FZ_K_PIPE_W;
}

static bool
p_closable(const struct fz_model *m, int s)
{
	return p_occupied(m, s) && fz_model_close_ok(m, s);
}

static int
count(const struct fz_model *m, slot_pred pred)
{
	int n = 0;
	for (int s = 0; s < FZ_NSLOTS; s++)
		n += pred(m, s);
	return n;
}

/* A descriptor operand: mostly a slot, now and then an invalid number. */
static int
operand(struct fz_src *src, const struct fz_model *m, slot_pred pred)
{
	if (chance(src, 2))
		return chance(src, 50) ? FZ_OPD_BAD : FZ_OPD_BIG;
	int s = pick_slot(src, m, pred);
	if (s == -1)
		s = pick_slot(src, m, p_occupied);
	return s == -1 ? FZ_OPD_BAD : s;
}

/* A source for dup()/dup2(): an epoll fd only where that may be tried. */
static int
dup_source(struct fz_src *src, const struct fz_model *m, unsigned feats)
{
	return pick_slot(src, m, (feats & FZ_FEAT_EPOLL_DUP) ? p_occupied :
	    p_not_epoll);
}

/* ---- masks and data ---- */

static uint32_t
gen_mask(struct fz_src *src)
{
	static const struct { uint32_t bit; unsigned pct; } bits[] = {
		{ EPOLLIN, 65 }, { EPOLLOUT, 45 }, { EPOLLPRI, 12 },
		{ EPOLLRDHUP, 25 }, { EPOLLET, 30 }, { EPOLLONESHOT, 18 },
		{ EPOLLEXCLUSIVE, 4 }, { EPOLLWAKEUP, 3 }, { EPOLLERR, 8 },
		{ EPOLLHUP, 8 }, { EPOLLRDNORM, 4 }, { EPOLLRDBAND, 3 },
		{ EPOLLWRNORM, 4 }, { EPOLLWRBAND, 3 }, { EPOLLMSG, 2 },
	};
	/* Bits no poll() sets: Linux keeps them in the mask and ignores them. */
	static const uint32_t junk[] = { 0x20, 0x800, 0x1000, 0x4000, 0x8000,
		1u << 16, 1u << 20, 1u << 24, 1u << 27 };
	if (chance(src, 2))
		return (uint32_t)fz_pick64(src);
	uint32_t mask = 0;
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
		if (chance(src, bits[i].pct))
			mask |= bits[i].bit;
	if (chance(src, 4))
		mask |= junk[fz_pick(src, sizeof junk / sizeof junk[0])];
	return mask;
}

/* Data unique within the sequence, so that an event names its
 * registration; edge values (0, ~0, ...) while they are unused. */
static uint64_t
gen_data(struct fz_src *src, struct fz_model *m)
{
	static const uint64_t edge[] = { 0, ~UINT64_C(0), UINT64_C(0xffffffff),
		UINT64_C(1) << 63, UINT64_C(0x100000000), 1, 2, 3 };
	for (int tries = 0; tries < 64; tries++) {
		uint64_t d;
		unsigned k = fz_pick(src, 10);
		if (k == 0)
			d = edge[fz_pick(src, sizeof edge / sizeof edge[0])];
		else if (k == 1)
			d = fz_pick(src, 1000);
		else
			d = fz_pick64(src);
		if (!fz_model_data_used(m, d)) {
			fz_model_note_data(m, d);
			return d;
		}
		if (src->exhausted)
			break;
	}
	/* A source that keeps repeating itself: count upward. */
	uint64_t d = UINT64_C(0x5eed000000000000);
	while (fz_model_data_used(m, d))
		d++;
	fz_model_note_data(m, d);
	return d;
}

static int32_t
gen_len(struct fz_src *src, bool reading)
{
	unsigned k = fz_pick(src, 100);
	if (k < 10)
		return 1;
	if (k < (reading ? 45u : 35u))
		return FZ_LEN_ALL;
	if (k < 70)
		return 1 + (int32_t)fz_pick(src, 100);
	if (k < 92)
		return 1 + (int32_t)fz_pick(src, 6000);
	return 1 + (int32_t)fz_pick(src, 65536);
}

static int32_t
gen_pipe_size(struct fz_src *src)
{
	static const int32_t sizes[] = { 0, 0, 0, 4096, 4096, 16384 };
	return sizes[fz_pick(src, 6)];
}

static int32_t
gen_sndbuf(struct fz_src *src)
{
	static const int32_t sizes[] = { 0, 0, 4096, 4096, 32768 };
	return sizes[fz_pick(src, 5)];
}

/* ---- steps ---- */

/* A DEL that frees slot s for closing (see fz_model_close_ok). */
static bool
gen_unblock(struct fz_src *src, const struct fz_model *m, int s,
    struct fz_step *st)
{
	int cand[FZ_MAXREG], n = 0;
	for (int i = 0; i < m->nreg; i++)
		if (m->reg[i].slot == s && m->reg[i].file == m->s[s].file)
			cand[n++] = i;
	if (n == 0)
		return false;
	const struct fz_mreg *r = &m->reg[cand[fz_pick(src, (uint32_t)n)]];
	for (int e = 0; e < FZ_NSLOTS; e++) {
		if (m->s[e].kind == FZ_K_EPOLL && m->s[e].file == r->ep) {
			st->op = FZ_CTL;
			st->var = EPOLL_CTL_DEL;
			st->a = (int8_t)e;
			st->b = (int8_t)s;
			return true;
		}
	}
	return false;
}

/* A slot to close or replace; or, when the one picked may not be closed,
 * the DEL that would allow it. */
static int
gen_victim(struct fz_src *src, const struct fz_model *m, struct fz_step *st)
{
	int s = pick_slot(src, m, p_occupied);
	if (s == -1)
		return -1;
	if (fz_model_close_ok(m, s))
		return s;
	if (chance(src, 50) && gen_unblock(src, m, s, st))
		return -2;
	return pick_slot(src, m, p_closable);
}

static bool
gen_ctl(struct fz_src *src, struct fz_model *m, unsigned feats,
    struct fz_step *st)
{
	static const unsigned opw[] = { 2, 50, 17, 28, 2 }; /* 0 ADD DEL MOD 4 */
	st->op = FZ_CTL;
	st->var = (uint8_t)weighted(src, opw, 5);
	if (chance(src, 1))
		st->var = (uint8_t)fz_pick(src, 256);
	st->a = (int8_t)(chance(src, 95) || !(feats & FZ_FEAT_ODD_EPFD) ?
	    operand(src, m, p_epoll) : operand(src, m, p_occupied));
	if (st->a >= 0 && m->s[st->a].kind != FZ_K_EPOLL &&
	    !(feats & FZ_FEAT_ODD_EPFD))
		return false;
	st->b = FZ_OPD_BAD;
	bool touched = false;
	if ((st->var == EPOLL_CTL_MOD || st->var == EPOLL_CTL_DEL) &&
	    st->a >= 0 && chance(src, 75)) {
		/* Mostly a descriptor registered there. */
		int cand[FZ_NSLOTS], n = 0;
		for (int i = 0; i < m->nreg; i++)
			if (m->reg[i].ep == m->s[st->a].file && n < FZ_NSLOTS)
				cand[n++] = m->reg[i].slot;
		if (n > 0) {
			st->b = (int8_t)cand[fz_pick(src, (uint32_t)n)];
			touched = true;
		}
	}
	if (!touched && (feats & FZ_FEAT_DEL_CLOSED) && m->closed_free &&
	    chance(src, 10)) {
		/* The number a close just freed (Linux: EBADF, whatever the
		 * registration it had). */
		st->b = FZ_OPD_CLOSED;
		touched = true;
	}
	if (!touched && st->var == EPOLL_CTL_ADD && st->a >= 0 &&
	    chance(src, 70)) {
		/* Mostly a descriptor not registered there yet; now and then
		 * one another instance watches. */
		bool elsewhere = (feats & FZ_FEAT_MULTI_EP) && chance(src, 40);
		int cand[FZ_NSLOTS], n = 0, other[FZ_NSLOTS], nother = 0;
		for (int s = 0; s < FZ_NSLOTS; s++) {
			if (m->s[s].kind == FZ_K_NONE || s == st->a ||
			    (m->s[s].kind == FZ_K_EPOLL && !(feats & FZ_FEAT_NEST)))
				continue;
			bool reg = false;
			for (int i = 0; i < m->nreg && !reg; i++)
				reg = m->reg[i].ep == m->s[st->a].file &&
				    m->reg[i].slot == s &&
				    m->reg[i].file == m->s[s].file;
			if (reg)
				continue;
			if (fz_model_watched_elsewhere(m, m->s[st->a].file,
			    m->s[s].file)) {
				if (!(feats & FZ_FEAT_MULTI_EP))
					continue;
				other[nother++] = s;
			}
			cand[n++] = s;
		}
		if (elsewhere && nother > 0) {
			st->b = (int8_t)other[fz_pick(src, (uint32_t)nother)];
			touched = true;
		} else if (n > 0) {
			st->b = (int8_t)cand[fz_pick(src, (uint32_t)n)];
			touched = true;
		}
	}
	if (!touched) {
		if (chance(src, 2) && st->a >= 0)
			st->b = st->a;
		else
			st->b = (int8_t)operand(src, m, (feats & FZ_FEAT_NEST) ?
			    p_occupied : p_not_epoll);
	}
	if (!(feats & FZ_FEAT_ET_READD) && st->var == EPOLL_CTL_ADD &&
	    st->a >= 0 && st->b >= 0) {
		/*
		 * Left out: README's "EPOLL_CTL_ADD of an edge-triggered
		 * registration".  The EEXIST is right, but finding it out
		 * touches a knote, and kqueue queues a touched EV_CLEAR knote
		 * whose condition holds: the edge is reported once more.
		 */
		for (int i = 0; i < m->nreg; i++) {
			const struct fz_mreg *r = &m->reg[i];
			if (r->ep == m->s[st->a].file && r->slot == st->b &&
			    r->file == m->s[st->b].file &&
			    (r->events & (EPOLLET | EPOLLONESHOT)))
				return false;
		}
	}
	st->mask = gen_mask(src);
	if (!(feats & FZ_FEAT_KNOTELESS) && st->b >= 0) {
		/* Keep a bit that gives the registration a knote. */
		uint8_t k = m->s[st->b].kind;
		uint32_t in = EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
		uint32_t out = EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
		if ((k == FZ_K_EPOLL && !(st->mask & in)) ||
		    (k == FZ_K_FIFO_RW && !(st->mask & (in | out))))
			st->mask |= EPOLLIN;
	}
	if (!(feats & FZ_FEAT_ET_HIDDEN) && st->b >= 0 && (st->mask & EPOLLET)) {
		/*
		 * Left out: README's "EPOLLET for EPOLLHUP alone".  Such an item
		 * hears of state changes only (unkeyed wakeups); the knotes
		 * that watch a socket for its hangup also fire, after it, for
		 * data and buffer space, and cannot tell which it was.
		 */
		uint8_t k = m->s[st->b].kind;
		uint32_t io = EPOLLIN | EPOLLRDNORM | EPOLLOUT | EPOLLWRNORM;
		if ((k == FZ_K_STREAM || k == FZ_K_DGRAM || k == FZ_K_SEQPACKET) &&
		    !(st->mask & io))
			st->mask |= chance(src, 50) ? EPOLLIN : EPOLLOUT;
	}
	if (!(feats & FZ_FEAT_ET_WAKEUP) && st->b >= 0 && (st->mask & EPOLLET)) {
		/*
		 * Left out: README's "EPOLLET wakeups".  Linux re-polls an
		 * edge-triggered item on any wakeup that matches its mask and
		 * reports every direction ready then -- EPOLLOUT because data
		 * arrived, even if it was read before epoll_wait().  A kqueue
		 * filter fires for its own direction only, and not at all once
		 * its condition is gone.  So one direction per such mask.
		 */
		uint8_t k = m->s[st->b].kind;
		uint32_t in = EPOLLIN | EPOLLRDNORM | EPOLLRDBAND | EPOLLPRI |
		    EPOLLRDHUP;
		uint32_t out = EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
		bool both_ways = k == FZ_K_STREAM || k == FZ_K_DGRAM ||
		    k == FZ_K_SEQPACKET || k == FZ_K_FIFO_RW;
		if (both_ways && (st->mask & in) && (st->mask & out))
			st->mask &= chance(src, 50) ? ~in : ~out;
	}
	if (!(feats & FZ_FEAT_NEST_ET) && st->b >= 0 &&
	    m->s[st->b].kind == FZ_K_EPOLL) {
		/*
		 * Left out: README's "EPOLLET on an epoll descriptor".  An
		 * edge-triggered outer registration takes the inner kqueue's
		 * word that it is readable, which it may be for an event no
		 * inner registration wants (the exact answer, lib/wait.c's
		 * ekq_ep_poll(), would signal a new edge itself).
		 */
		st->mask &= ~(uint32_t)EPOLLET;
		/*
		 * Also left out: an epoll descriptor watched for EPOLLRDNORM
		 * (or EPOLLRDHUP) without EPOLLIN.  Linux wakes the outer
		 * instance with the key EPOLLIN alone (ep_poll_safewake()), so
		 * such a registration sees readiness only when it is added or
		 * modified; a kqueue filter has no such keys.
		 */
		if ((st->mask & (EPOLLRDNORM | EPOLLRDHUP)) &&
		    !(st->mask & EPOLLIN))
			st->mask |= EPOLLIN;
	}
	if (st->var != EPOLL_CTL_DEL)
		st->data = gen_data(src, m);
	if (chance(src, 2))
		st->flags |= FZ_F_NULL;
	return true;
}

static bool
gen_wait(struct fz_src *src, const struct fz_model *m, unsigned feats,
    struct fz_step *st)
{
	static const unsigned apiw[FZ_API_COUNT] = { 40, 20, 15, 20, 5 };
	static const int32_t odd[] = { -1, 0, FZ_BUF, INT_MAX / 12,
		INT_MAX / 12 + 1, INT_MAX };
	st->op = FZ_WAIT;
	st->a = (int8_t)(chance(src, 96) ? operand(src, m, p_epoll) :
	    operand(src, m, p_occupied));
	unsigned k = fz_pick(src, 100);
	if (k < 62 || (!(feats & FZ_FEAT_SMALL_MAX) && k < 95))
		st->n = FZ_FULL;
	else if (k < 90)
		st->n = 1 + (int32_t)fz_pick(src, 4);
	else if (k < 95)
		st->n = 1 + (int32_t)fz_pick(src, FZ_FULL);
	else
		st->n = odd[fz_pick(src, sizeof odd / sizeof odd[0])];
	st->var = (uint8_t)weighted(src, apiw, FZ_API_COUNT);
	if ((feats & FZ_FEAT_NULLBUF) && chance(src, 2))
		st->flags |= FZ_F_NULL;
	return true;
}

static bool
gen_reopen_at(struct fz_src *src, struct fz_model *m, unsigned feats,
    struct fz_step *st)
{
	unsigned varw[FZ_RA_COUNT] = { 20, 15, 10, 15, 5, 3, 20, 12, 0 };
	if (feats & FZ_FEAT_ACCEPT)
		varw[FZ_RA_ACCEPT] = 15;
	int a = gen_victim(src, m, st);
	if (a == -2)
		return true;
	if (a < 0)
		return false;
	st->op = FZ_REOPEN_AT;
	st->a = (int8_t)a;
	st->var = (uint8_t)weighted(src, varw, FZ_RA_COUNT);
	st->b = FZ_OPD_BAD;
	switch (st->var) {
	case FZ_RA_PIPE:
	case FZ_RA_STREAM:
	case FZ_RA_DGRAM:
	case FZ_RA_ACCEPT:
		if (chance(src, 75)) {
			int b = pick_slot(src, m, p_vacant);
			st->b = (int8_t)(b == -1 ? FZ_OPD_BAD : b);
		}
		if (st->var != FZ_RA_ACCEPT)
			st->n = st->var == FZ_RA_PIPE ? gen_pipe_size(src) :
			    gen_sndbuf(src);
		break;
	case FZ_RA_EPOLL:
		st->mask = chance(src, 50) ? EPOLL_CLOEXEC : 0;
		break;
	case FZ_RA_FIFO:
		if (!(feats & FZ_FEAT_FIFO))
			return false;
		break;
	case FZ_RA_DUP:
		st->b = (int8_t)dup_source(src, m, feats);
		break;
	case FZ_RA_REOPEN:
		st->b = (int8_t)pick_slot(src, m,
		    (feats & FZ_FEAT_PIPE_REOPEN) ? p_reopenable :
		    p_reopenable_nopipe);
		break;
	}
	return true;
}

static bool
gen_create(struct fz_src *src, struct fz_model *m, unsigned feats, int op,
    struct fz_step *st)
{
	st->op = (uint8_t)op;
	st->a = (int8_t)pick_slot(src, m, p_vacant);
	st->b = FZ_OPD_BAD;
	if (op == FZ_PIPE || op == FZ_SOCKPAIR || op == FZ_FIFO) {
		/* A second vacant slot. */
		int cand[FZ_NSLOTS], n = 0;
		for (int s = 0; s < FZ_NSLOTS; s++)
			if (s != st->a && p_vacant(m, s))
				cand[n++] = s;
		if (n > 0)
			st->b = (int8_t)cand[fz_pick(src, (uint32_t)n)];
	}
	switch (op) {
	case FZ_PIPE:
		st->n = gen_pipe_size(src);
		break;
	case FZ_SOCKPAIR: {
		static const unsigned tw[] = { 45, 40, 15 };
		st->var = (uint8_t)weighted(src, tw, 3);
		st->n = gen_sndbuf(src);
		break;
	}
	case FZ_FIFO:
		if (!(feats & FZ_FEAT_FIFO))
			return false;
		st->var = chance(src, 25) ? 1 : 0;
		break;
	case FZ_EPOLL:
		if (chance(src, 10)) {
			static const int32_t sizes[] = { 1, 100, 0, -1 };
			st->var = 1;
			st->n = sizes[fz_pick(src, 4)];
		} else if (chance(src, 8)) {
			static const uint32_t bad[] = { 1, O_NONBLOCK, 0x80000000u };
			st->mask = bad[fz_pick(src, 3)];
		} else {
			st->mask = chance(src, 50) ? EPOLL_CLOEXEC : 0;
		}
		break;
	case FZ_DUP:
		st->b = (int8_t)dup_source(src, m, feats);
		break;
	case FZ_REOPEN:
		if (feats & FZ_FEAT_PIPE_REOPEN)
			st->b = (int8_t)(chance(src, 90) ?
			    pick_slot(src, m, p_reopenable) :
			    pick_slot(src, m, p_occupied));
		else
			st->b = (int8_t)(chance(src, 90) ?
			    pick_slot(src, m, p_reopenable_nopipe) :
			    pick_slot(src, m, p_occupied_nopipe));
		break;
	}
	return true;
}

enum { W_CREATE_PAIR, W_PIPE, W_SOCKPAIR, W_FIFO, W_EPOLL, W_FILE, W_DUP,
	W_REOPEN, W_CLOSE, W_REOPEN_AT, W_DUP2, W_WRITE, W_READ, W_SHUT,
	W_CTL, W_WAIT, W_CYCLE, W_COUNT };

static bool
gen_one(struct fz_src *src, struct fz_model *m, unsigned feats,
    struct fz_step *st)
{
	int nfree = count(m, p_vacant), nocc = FZ_NSLOTS - nfree;
	int nep = count(m, p_epoll);
	unsigned w[W_COUNT] = { 0 };
	w[W_PIPE] = nfree >= 2 ? (nocc < 6 ? 80 : 25) : 0;
	w[W_SOCKPAIR] = w[W_PIPE];
	w[W_FIFO] = (feats & FZ_FEAT_FIFO) && nfree >= 2 ? 8 : 0;
	w[W_EPOLL] = nfree ? (nep == 0 ? 300 : nep < 3 ? 30 : 6) : 0;
	w[W_FILE] = nfree ? 3 : 0;
	w[W_DUP] = nfree && nocc ? 20 : 0;
	w[W_REOPEN] = nfree && nocc ? 8 : 0;
	w[W_CLOSE] = nocc ? 30 : 0;
	w[W_REOPEN_AT] = nocc ? 30 : 0;
	w[W_DUP2] = nocc ? 10 : 0;
	w[W_WRITE] = nocc ? 120 : 0;
	w[W_READ] = nocc ? 90 : 0;
	w[W_SHUT] = nocc ? 15 : 0;
	w[W_CTL] = nep ? 220 : 5;
	w[W_WAIT] = nep ? 220 : 5;
	w[W_CYCLE] = nep && (feats & FZ_FEAT_CYCLE) ? 15 : 0;
	int which = weighted(src, w, W_COUNT);

	st->b = FZ_OPD_BAD;
	int a;
	switch (which) {
	case W_PIPE:
		return gen_create(src, m, feats, FZ_PIPE, st);
	case W_SOCKPAIR:
		return gen_create(src, m, feats, FZ_SOCKPAIR, st);
	case W_FIFO:
		return gen_create(src, m, feats, FZ_FIFO, st);
	case W_EPOLL:
		return gen_create(src, m, feats, FZ_EPOLL, st);
	case W_FILE:
		return gen_create(src, m, feats, FZ_FILE, st);
	case W_DUP:
		return gen_create(src, m, feats, FZ_DUP, st);
	case W_REOPEN:
		return gen_create(src, m, feats, FZ_REOPEN, st);
	case W_CLOSE:
		a = gen_victim(src, m, st);
		if (a == -2)
			return true;
		st->op = FZ_CLOSE;
		st->a = (int8_t)a;
		return a >= 0;
	case W_REOPEN_AT:
		return gen_reopen_at(src, m, feats, st);
	case W_DUP2:
		st->op = FZ_DUP2;
		st->b = (int8_t)dup_source(src, m, feats);
		if (chance(src, 5)) {
			st->a = st->b;
			return true;
		}
		a = gen_victim(src, m, st);
		if (a == -2)
			return true;
		st->op = FZ_DUP2;
		st->a = (int8_t)a;
		return a >= 0;
	case W_WRITE:
		st->op = FZ_WRITE;
		st->a = (int8_t)(chance(src, 92) ? pick_slot(src, m, p_writable) :
		    pick_slot(src, m, p_occupied));
		st->n = gen_len(src, false);
		if ((feats & FZ_FEAT_OOB) && st->a >= 0 &&
		    m->s[st->a].kind == FZ_K_STREAM && chance(src, 8)) {
			st->var = 1;
			st->n = 1 + (int32_t)fz_pick(src, 3);
		}
		return true;
	case W_READ:
		st->op = FZ_READ;
		st->a = (int8_t)(chance(src, 92) ? pick_slot(src, m, p_readable) :
		    pick_slot(src, m, p_occupied));
		st->n = gen_len(src, true);
		if ((feats & FZ_FEAT_OOB) && st->a >= 0 &&
		    m->s[st->a].kind == FZ_K_STREAM && chance(src, 8)) {
			st->var = 1;
			st->n = 1 + (int32_t)fz_pick(src, 3);
		}
		return true;
	case W_SHUT:
		st->op = FZ_SHUTDOWN;
		st->a = (int8_t)(chance(src, 92) ? pick_slot(src, m, p_socket) :
		    pick_slot(src, m, p_occupied));
		st->var = (uint8_t)fz_pick(src, 3);
		return st->var != 2 || (feats & FZ_FEAT_SHUT_RDWR);
	case W_CTL:
		return gen_ctl(src, m, feats, st);
	case W_WAIT:
		return gen_wait(src, m, feats, st);
	case W_CYCLE:
		st->op = FZ_CYCLE;
		st->a = (int8_t)operand(src, m, p_epoll);
		st->n = 1 + (int32_t)fz_pick(src, 3);
		return true;
	default:
		return false;
	}
}

bool
fz_gen_step(struct fz_src *src, struct fz_model *m, unsigned feats,
    struct fz_step *st)
{
	for (int tries = 0; tries < 64; tries++) {
		memset(st, 0, sizeof *st);
		bool ok = gen_one(src, m, feats, st);
		if (src->exhausted)
			return false;
		/* The feature rules are gen_one()'s, but one rule's fix-up
		 * can undo another's (EPOLLET's direction chosen after
		 * EPOLLIN was added for it): the predicate has the last word. */
		if (ok && fz_model_valid(m, st) && fz_feats_allow(m, feats, st))
			return true;
	}
	/* Nothing fits (cannot happen with a PRNG): a harmless wait. */
	memset(st, 0, sizeof *st);
	st->op = FZ_WAIT;
	st->a = FZ_OPD_BAD;
	st->n = 1;
	return true;
}
