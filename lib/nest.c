/*
 * Epoll descriptors inside epoll descriptors: Linux refuses (ELOOP) an
 * EPOLL_CTL_ADD that would close a cycle or make a chain of more than
 * five instances (EP_MAX_NESTS, counted by ep_loop_check()).  Each
 * instance keeps the epoll descriptors registered in it; the lists are
 * changed and read under the table lock.
 */
#include "config.h"

#include "ep.h"
#include "sys.h"

#include <errno.h>
#include <stdlib.h>

#define EKQ_MAX_CHAIN 5 /* instances in the longest chain Linux accepts */

/* Longest chain below `ep` (0: it holds no instance); -1 if it reaches `to`. */
/*
 * The instance nested[i] still names, or NULL.  A closed instance stays in
 * the table until it is found out; Linux has forgotten it, and everything
 * registered in it, at close().
 */
static struct ekq_ep *
nested_at(const struct ekq_ep *ep, int i)
{
	struct ekq_ep *in = ekq_ep_peek_locked(ep->nested[i].fd);
	if (in == NULL || in->serial != ep->nested[i].serial)
		return NULL;
	return ekq_sys_kevent(in->epfd, NULL, 0, NULL, 0, NULL) == 0 ? in : NULL;
}

static int
depth_below(struct ekq_ep *ep, struct ekq_ep *to, int guard)
{
	if (guard > 64)
		return -1;
	int best = 0;
	for (int i = 0; i < ep->nnested; i++) {
		struct ekq_ep *in = nested_at(ep, i);
		if (in == NULL)
			continue;
		if (in == to)
			return -1;
		int d = depth_below(in, to, guard + 1);
		if (d < 0)
			return -1;
		if (d + 1 > best)
			best = d + 1;
	}
	return best;
}

struct above_ctx {
	struct ekq_ep *target;
	int depth;
	int guard;
};

static int depth_above(struct ekq_ep *ep, int guard);

static void
visit_parent(int epfd, struct ekq_ep *parent, void *arg)
{
	struct above_ctx *ctx = arg;
	(void)epfd;
	/* A closed instance still in the table holds nothing to Linux. */
	if (parent->nnested == 0 ||
	    ekq_sys_kevent(parent->epfd, NULL, 0, NULL, 0, NULL) != 0)
		return;
	for (int i = 0; i < parent->nnested; i++) {
		if (nested_at(parent, i) != ctx->target)
			continue;
		int d = depth_above(parent, ctx->guard + 1) + 1;
		if (d > ctx->depth)
			ctx->depth = d;
		break;
	}
}

/* Longest chain above `ep` (0: no instance holds it). */
static int
depth_above(struct ekq_ep *ep, int guard)
{
	struct above_ctx ctx = { ep, 0, guard };
	if (guard > 64)
		return 64;
	ekq_each_instance_locked(visit_parent, &ctx);
	return ctx.depth;
}

int
ekq_nest_check(struct ekq_ep *ep, int inner_fd)
{
	ekq_table_lock();
	struct ekq_ep *inner = ekq_ep_peek_locked(inner_fd);
	int err = 0;
	if (inner != NULL) {
		int below = depth_below(inner, ep, 0);
		if (below < 0 || depth_above(ep, 0) + below + 2 > EKQ_MAX_CHAIN)
			err = ELOOP;
	}
	ekq_table_unlock();
	return err;
}

int
ekq_nest_add(struct ekq_ep *ep, int inner_fd)
{
	int err = 0;
	ekq_table_lock();
	if (ep->nnested == ep->capnested) {
		int cap = ep->capnested ? ep->capnested * 2 : 4;
		struct ekq_nested *n = ekq_realloc(ep->nested,
		    (size_t)cap * sizeof *n);
		if (n == NULL)
			err = ENOMEM;
		else {
			ep->nested = n;
			ep->capnested = cap;
		}
	}
	struct ekq_ep *inner = ekq_ep_peek_locked(inner_fd);
	if (err == 0 && inner != NULL) {
		ep->nested[ep->nnested].fd = inner_fd;
		ep->nested[ep->nnested].serial = inner->serial;
		ep->nnested++;
	}
	ekq_table_unlock();
	return err;
}

void
ekq_nest_remove(struct ekq_ep *ep, int inner_fd)
{
	ekq_table_lock();
	for (int i = 0; i < ep->nnested; i++)
		if (ep->nested[i].fd == inner_fd) {
			ep->nested[i] = ep->nested[--ep->nnested];
			break;
		}
	ekq_table_unlock();
}

/*
 * An instance registered in another (edge-triggered: `edge`): its waits
 * take events that do not fit with care (wait.c, batch_size()).  Called
 * with the outer's lock held; the inner's is taken after it, in the
 * documented order.  Never cleared: a registration may outlive what the
 * library sees of it (the outer closed with close()).
 */
void
ekq_nest_mark(int inner_fd, bool edge)
{
	struct ekq_ep *inner = ekq_ep_get(inner_fd);
	if (inner == NULL)
		return;
	pthread_mutex_lock(&inner->lock);
	inner->nested_in = true;
	inner->edge_outer = inner->edge_outer || edge;
	pthread_mutex_unlock(&inner->lock);
	ekq_ep_put(inner);
}
