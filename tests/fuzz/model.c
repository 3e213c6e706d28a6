/*
 * What the generator knows about the pool, shared by both worlds: each
 * slot's kind and open file description, and the live registrations.  The
 * registrations follow Linux's answers (the oracle) and Linux's rule that a
 * registration belongs to (open file description, descriptor number) and
 * dies with the file, when its last descriptor is closed.
 *
 * The model never predicts a result; it only decides what may be generated
 * (and, when a shrunk sequence is replayed, which steps still make sense).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "fz.h"

void
fz_model_init(struct fz_model *m)
{
	memset(m, 0, sizeof *m);
	m->next_file = 1;
}

void
fz_model_free(struct fz_model *m)
{
	free(m->used);
	m->used = NULL;
	m->nused = m->capused = 0;
}

static bool
occupied(const struct fz_model *m, int s)
{
	return s >= 0 && s < FZ_NSLOTS && m->s[s].kind != FZ_K_NONE;
}

static bool
vacant(const struct fz_model *m, int s)
{
	return s >= 0 && s < FZ_NSLOTS && m->s[s].kind == FZ_K_NONE;
}

static bool
operand_ok(const struct fz_model *m, int s)
{
	return s == FZ_OPD_BAD || s == FZ_OPD_BIG || occupied(m, s) ||
	    (s == FZ_OPD_CLOSED && m->closed_free);
}

int
fz_model_refs(const struct fz_model *m, int file)
{
	int n = 0;
	for (int i = 0; i < FZ_NSLOTS; i++)
		if (m->s[i].kind != FZ_K_NONE && m->s[i].file == file)
			n++;
	return n;
}

/*
 * The one place where epollkq cannot follow Linux in what this fuzzer
 * generates (README, "where epollkq differs"): a registered descriptor
 * closed while another descriptor keeps its open file alive.  Linux keeps
 * the registration (it belongs to the file and the number, and dies only
 * with the file); kqueue drops the knotes on close().  So a slot may be
 * closed -- or replaced, by dup2() or by closing it and reusing its number
 * -- only if no instance holds a registration for (its file, its number)
 * or no other slot shares its file.  The generator DELs first instead.
 */
bool
fz_model_close_ok(const struct fz_model *m, int s)
{
	int f = m->s[s].file;
	if (fz_model_refs(m, f) <= 1)
		return true;
	for (int i = 0; i < m->nreg; i++)
		if (m->reg[i].file == f && m->reg[i].slot == s)
			return false;
	return true;
}

static bool
is_pair_var(int var)
{
	return var == FZ_RA_PIPE || var == FZ_RA_STREAM || var == FZ_RA_DGRAM ||
	    var == FZ_RA_ACCEPT;
}

static bool
len_ok(int32_t n)
{
	return n == FZ_LEN_ALL || (n > 0 && n <= 65536);
}

bool
fz_model_valid(const struct fz_model *m, const struct fz_step *st)
{
	int a = st->a, b = st->b;
	switch (st->op) {
	case FZ_PIPE:
		return vacant(m, a) && vacant(m, b) && a != b;
	case FZ_FIFO:
		if (st->var == 1)
			return vacant(m, a);
		return st->var == 0 && vacant(m, a) && vacant(m, b) && a != b;
	case FZ_SOCKPAIR:
		return st->var <= FZ_ST_SEQPACKET && vacant(m, a) &&
		    vacant(m, b) && a != b;
	case FZ_EPOLL:
		return st->var <= 1 && vacant(m, a);
	case FZ_FILE:
		return vacant(m, a);
	case FZ_DUP:
	case FZ_REOPEN:
		return vacant(m, a) && occupied(m, b);
	case FZ_CLOSE:
		return occupied(m, a) && fz_model_close_ok(m, a);
	case FZ_REOPEN_AT:
		if (!occupied(m, a) || !fz_model_close_ok(m, a) ||
		    st->var >= FZ_RA_COUNT)
			return false;
		if (is_pair_var(st->var))
			return b == FZ_OPD_BAD || (vacant(m, b) && b != a);
		if (st->var == FZ_RA_DUP || st->var == FZ_RA_REOPEN)
			return occupied(m, b) && b != a;
		return true;
	case FZ_DUP2:
		return occupied(m, a) && occupied(m, b) &&
		    (a == b || fz_model_close_ok(m, a));
	case FZ_WRITE:
	case FZ_READ:
		return occupied(m, a) && st->var <= 1 && len_ok(st->n);
	case FZ_SHUTDOWN:
		return occupied(m, a) && st->var <= 2;
	case FZ_CTL:
		return operand_ok(m, a) && operand_ok(m, b);
	case FZ_WAIT:
		return operand_ok(m, a) && st->var < FZ_API_COUNT;
	case FZ_CYCLE:
		return operand_ok(m, a) && st->n >= 1 && st->n <= 8;
	default:
		return false;
	}
}

static void
remove_reg(struct fz_model *m, int i)
{
	m->reg[i] = m->reg[--m->nreg];
}

/* A file is released (its last descriptor closed): Linux removes its
 * registrations everywhere (eventpoll_release), and an epoll file's own. */
static void
release_file(struct fz_model *m, int f)
{
	for (int i = 0; i < m->nreg;) {
		if (m->reg[i].file == f || m->reg[i].ep == f)
			remove_reg(m, i);
		else
			i++;
	}
}

static void
drop(struct fz_model *m, int s)
{
	int f = m->s[s].file;
	m->s[s].kind = FZ_K_NONE;
	m->s[s].file = 0;
	if (fz_model_refs(m, f) == 0)
		release_file(m, f);
}

static void
fill(struct fz_model *m, int s, uint8_t kind)
{
	m->s[s].kind = kind;
	m->s[s].file = m->next_file++;
}

static int
find_reg(const struct fz_model *m, int ep, int file, int slot)
{
	for (int i = 0; i < m->nreg; i++)
		if (m->reg[i].ep == ep && m->reg[i].file == file &&
		    m->reg[i].slot == slot)
			return i;
	return -1;
}

static void
update_ctl(struct fz_model *m, const struct fz_step *st)
{
	if (st->a < 0 || st->b < 0)
		return;
	int ep = m->s[st->a].file, file = m->s[st->b].file;
	int i = find_reg(m, ep, file, st->b);
	switch (st->var) {
	case EPOLL_CTL_ADD:
		if (i == -1 && m->nreg < FZ_MAXREG) {
			struct fz_mreg *r = &m->reg[m->nreg++];
			r->ep = ep;
			r->file = file;
			r->slot = st->b;
			r->events = st->mask;
			r->data = st->data;
		}
		break;
	case EPOLL_CTL_MOD:
		if (i != -1) {
			m->reg[i].events = st->mask;
			m->reg[i].data = st->data;
		}
		break;
	case EPOLL_CTL_DEL:
		if (i != -1)
			remove_reg(m, i);
		break;
	}
}

void
fz_model_update(struct fz_model *m, const struct fz_step *st,
    const struct fz_res *r)
{
	bool ok = r->rc != -1;
	int a = st->a, b = st->b;
	/* A descriptor made (or a number taken by dup2) may have taken the
	 * number the last close freed. */
	if (st->op != FZ_CTL && st->op != FZ_WAIT && st->op != FZ_CYCLE &&
	    st->op != FZ_READ && st->op != FZ_WRITE && st->op != FZ_SHUTDOWN)
		m->closed_free = st->op == FZ_CLOSE && ok;
	switch (st->op) {
	case FZ_PIPE:
		if (ok) {
			fill(m, a, FZ_K_PIPE_R);
			fill(m, b, FZ_K_PIPE_W);
		}
		break;
	case FZ_FIFO:
		if (ok && st->var == 1)
			fill(m, a, FZ_K_FIFO_RW);
		else if (ok) {
			fill(m, a, FZ_K_FIFO_R);
			fill(m, b, FZ_K_FIFO_W);
		}
		break;
	case FZ_SOCKPAIR:
		if (ok) {
			uint8_t k = st->var == FZ_ST_DGRAM ? FZ_K_DGRAM :
			    st->var == FZ_ST_SEQPACKET ? FZ_K_SEQPACKET : FZ_K_STREAM;
			fill(m, a, k);
			fill(m, b, k);
		}
		break;
	case FZ_EPOLL:
		if (ok)
			fill(m, a, FZ_K_EPOLL);
		break;
	case FZ_FILE:
		if (ok)
			fill(m, a, FZ_K_FILE);
		break;
	case FZ_DUP:
		if (ok)
			m->s[a] = m->s[b];
		break;
	case FZ_REOPEN:
		if (ok)
			fill(m, a, m->s[b].kind); /* same pipe, a new file */
		break;
	case FZ_CLOSE:
		drop(m, a);
		break;
	case FZ_REOPEN_AT: {
		struct fz_mslot src = b >= 0 ? m->s[b] : m->s[a];
		drop(m, a);
		if (!ok)
			break;
		switch (st->var) {
		case FZ_RA_PIPE:
			fill(m, a, FZ_K_PIPE_R);
			if (b >= 0)
				fill(m, b, FZ_K_PIPE_W);
			break;
		case FZ_RA_STREAM:
		case FZ_RA_ACCEPT:
		case FZ_RA_DGRAM: {
			uint8_t k = st->var == FZ_RA_DGRAM ? FZ_K_DGRAM :
			    FZ_K_STREAM;
			fill(m, a, k);
			if (b >= 0)
				fill(m, b, k);
			break;
		}
		case FZ_RA_EPOLL:
			fill(m, a, FZ_K_EPOLL);
			break;
		case FZ_RA_FIFO:
			fill(m, a, FZ_K_FIFO_R);
			break;
		case FZ_RA_FILE:
			fill(m, a, FZ_K_FILE);
			break;
		case FZ_RA_DUP:
			m->s[a] = src;
			break;
		case FZ_RA_REOPEN:
			fill(m, a, src.kind);
			break;
		}
		break;
	}
	case FZ_DUP2:
		if (ok && a != b) {
			struct fz_mslot src = m->s[b];
			drop(m, a);
			m->s[a] = src;
		}
		break;
	case FZ_CTL:
		if (ok)
			update_ctl(m, st);
		break;
	default:
		break;
	}
}

bool
fz_model_watched_elsewhere(const struct fz_model *m, int ep, int file)
{
	for (int i = 0; i < m->nreg; i++)
		if (m->reg[i].file == file && m->reg[i].ep != ep)
			return true;
	return false;
}

const struct fz_mreg *
fz_model_reg_by_data(const struct fz_model *m, uint64_t data)
{
	for (int i = 0; i < m->nreg; i++)
		if (m->reg[i].data == data)
			return &m->reg[i];
	return NULL;
}

bool
fz_model_data_used(const struct fz_model *m, uint64_t data)
{
	for (size_t i = 0; i < m->nused; i++)
		if (m->used[i] == data)
			return true;
	return false;
}

void
fz_model_note_data(struct fz_model *m, uint64_t data)
{
	if (m->nused == m->capused) {
		size_t cap = m->capused ? m->capused * 2 : 64;
		uint64_t *u = realloc(m->used, cap * sizeof *u);
		if (u == NULL)
			return;
		m->used = u;
		m->capused = cap;
	}
	m->used[m->nused++] = data;
}
