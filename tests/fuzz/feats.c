/*
 * What a campaign's feature set allows, as a predicate on one step in the
 * model's state: the rules by which gen.c keeps a switched-off feature out
 * of what it generates (see the comments there for why each exists).
 *
 * The generator's steps pass it by construction.  The shrinker needs it:
 * dropping steps or mask bits from a diverging sequence may turn it into
 * one the campaign never generates -- an EPOLLET mask left without EPOLLIN
 * on a socket (README: differences), an ADD of an edge-triggered
 * registration whose DEL was dropped -- and the reproducer would then show
 * a documented difference instead of the divergence that was found.
 */
#include "config.h"

#include <sys/epoll.h>

#include "fz.h"

static bool
is_kind(const struct fz_model *m, int s, uint8_t kind)
{
	return s >= 0 && m->s[s].kind == kind;
}

static bool
is_pipe(const struct fz_model *m, int s)
{
	return is_kind(m, s, FZ_K_PIPE_R) || is_kind(m, s, FZ_K_PIPE_W);
}

static bool
is_socket(const struct fz_model *m, int s)
{
	return is_kind(m, s, FZ_K_STREAM) || is_kind(m, s, FZ_K_DGRAM) ||
	    is_kind(m, s, FZ_K_SEQPACKET);
}

/* The mask rules of gen_ctl(), for an ADD or MOD of slot b. */
static bool
mask_ok(const struct fz_model *m, unsigned feats, int b, uint32_t mask)
{
	uint32_t in = EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	uint32_t out = EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
	bool ep = is_kind(m, b, FZ_K_EPOLL);
	if (!(feats & FZ_FEAT_KNOTELESS) && ((ep && !(mask & in)) ||
	    (is_kind(m, b, FZ_K_FIFO_RW) && !(mask & (in | out)))))
		return false;
	if (!(feats & FZ_FEAT_ET_HIDDEN) && (mask & EPOLLET) &&
	    is_socket(m, b) && !(mask & (EPOLLIN | EPOLLRDNORM | EPOLLOUT |
	    EPOLLWRNORM)))
		return false;
	if (!(feats & FZ_FEAT_ET_WAKEUP) && (mask & EPOLLET) &&
	    (is_socket(m, b) || is_kind(m, b, FZ_K_FIFO_RW)) &&
	    (mask & (EPOLLIN | EPOLLRDNORM | EPOLLRDBAND | EPOLLPRI |
	    EPOLLRDHUP)) && (mask & out))
		return false;
	if (!(feats & FZ_FEAT_NEST_ET) && ep && ((mask & EPOLLET) ||
	    ((mask & (EPOLLRDNORM | EPOLLRDHUP)) && !(mask & EPOLLIN))))
		return false;
	return true;
}

static bool
ctl_ok(const struct fz_model *m, unsigned feats, const struct fz_step *st)
{
	int a = st->a, b = st->b;
	if (!(feats & FZ_FEAT_ODD_EPFD) && a >= 0 && !is_kind(m, a, FZ_K_EPOLL))
		return false;
	if (!(feats & FZ_FEAT_DEL_CLOSED) && b == FZ_OPD_CLOSED)
		return false;
	if (!(feats & FZ_FEAT_NEST) && b != a && is_kind(m, b, FZ_K_EPOLL))
		return false;
	if (a < 0 || b < 0 || !is_kind(m, a, FZ_K_EPOLL))
		return true;
	if (st->var != EPOLL_CTL_ADD && st->var != EPOLL_CTL_MOD)
		return true;
	if (!(feats & FZ_FEAT_MULTI_EP) && st->var == EPOLL_CTL_ADD &&
	    fz_model_watched_elsewhere(m, m->s[a].file, m->s[b].file))
		return false;
	if (!(feats & FZ_FEAT_ET_READD) && st->var == EPOLL_CTL_ADD) {
		for (int i = 0; i < m->nreg; i++) {
			const struct fz_mreg *r = &m->reg[i];
			if (r->ep == m->s[a].file && r->slot == b &&
			    r->file == m->s[b].file &&
			    (r->events & (EPOLLET | EPOLLONESHOT)))
				return false;
		}
	}
	return mask_ok(m, feats, b, st->mask);
}

bool
fz_feats_allow(const struct fz_model *m, unsigned feats,
    const struct fz_step *st)
{
	int b = st->b;
	switch (st->op) {
	case FZ_FIFO:
		return (feats & FZ_FEAT_FIFO) != 0;
	case FZ_DUP:
		return (feats & FZ_FEAT_EPOLL_DUP) || !is_kind(m, b, FZ_K_EPOLL);
	case FZ_DUP2:
		return (feats & FZ_FEAT_EPOLL_DUP) || !is_kind(m, b, FZ_K_EPOLL);
	case FZ_REOPEN:
		return (feats & FZ_FEAT_PIPE_REOPEN) || !is_pipe(m, b);
	case FZ_REOPEN_AT:
		if (st->var == FZ_RA_FIFO)
			return (feats & FZ_FEAT_FIFO) != 0;
		if (st->var == FZ_RA_DUP)
			return (feats & FZ_FEAT_EPOLL_DUP) ||
			    !is_kind(m, b, FZ_K_EPOLL);
		if (st->var == FZ_RA_REOPEN)
			return (feats & FZ_FEAT_PIPE_REOPEN) || !is_pipe(m, b);
		if (st->var == FZ_RA_ACCEPT)
			return (feats & FZ_FEAT_ACCEPT) != 0;
		return true;
	case FZ_SHUTDOWN:
		return st->var != 2 || (feats & FZ_FEAT_SHUT_RDWR);
	case FZ_WRITE:
	case FZ_READ:
		return st->var == 0 || (feats & FZ_FEAT_OOB);
	case FZ_CTL:
		return ctl_ok(m, feats, st);
	case FZ_WAIT:
		if (!(feats & FZ_FEAT_NULLBUF) && (st->flags & FZ_F_NULL))
			return false;
		return (feats & FZ_FEAT_SMALL_MAX) || st->n < 1 ||
		    st->n >= FZ_FULL;
	case FZ_CYCLE:
		return (feats & FZ_FEAT_CYCLE) != 0;
	default:
		return true;
	}
}
