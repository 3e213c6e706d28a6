/* The registration table of an instance, and its list of held events. */
#include "config.h"

#include "ep.h"
#include "fdobj.h"
#include "sys.h"

#include <stdlib.h>
#include <string.h>

struct ekq_reg *
ekq_reg_find(struct ekq_ep *ep, int fd)
{
	int page = fd >> EKQ_PAGE_SHIFT;
	if (fd < 0 || page >= ep->npages || ep->pages[page] == NULL)
		return NULL;
	struct ekq_reg *reg = &ep->pages[page][fd & (EKQ_PAGE_SIZE - 1)];
	return (reg->state & EKQ_REG_USED) ? reg : NULL;
}

/* The slot for `fd`, allocated if need be; NULL when memory runs out. */
struct ekq_reg *
ekq_reg_slot(struct ekq_ep *ep, int fd)
{
	int page = fd >> EKQ_PAGE_SHIFT;
	if (page >= ep->npages) {
		int n = ep->npages ? ep->npages : 4;
		while (n <= page)
			n *= 2;
		struct ekq_reg **pages = ekq_realloc(ep->pages,
		    (size_t)n * sizeof *pages);
		if (pages == NULL)
			return NULL;
		memset(pages + ep->npages, 0,
		    (size_t)(n - ep->npages) * sizeof *pages);
		ep->pages = pages;
		ep->npages = n;
	}
	if (ep->pages[page] == NULL) {
		ep->pages[page] = ekq_calloc(EKQ_PAGE_SIZE, sizeof (struct ekq_reg));
		if (ep->pages[page] == NULL)
			return NULL;
	}
	return &ep->pages[page][fd & (EKQ_PAGE_SIZE - 1)];
}

void
ekq_reg_release(struct ekq_ep *ep, int fd, struct ekq_reg *reg)
{
	if (reg->state & EKQ_REG_HELD)
		ekq_held_unlink(ep, fd, reg);
	if (reg->kind == EKQ_FD_EVENTFD)
		ekq_fdobj_unwatch(fd, ep->epfd);
	memset(reg, 0, sizeof *reg);
	ep->nregs--;
}

void
ekq_reg_free_all(struct ekq_ep *ep)
{
	for (int i = 0; i < ep->npages; i++)
		free(ep->pages[i]);
	free(ep->pages);
	ep->pages = NULL;
	ep->npages = 0;
	ep->nregs = 0;
	ep->held_head = ep->held_tail = -1;
}

void
ekq_held_push(struct ekq_ep *ep, int fd, struct ekq_reg *reg)
{
	if (reg->state & EKQ_REG_HELD)
		return;
	reg->state |= EKQ_REG_HELD;
	reg->next_held = -1;
	if (ep->held_tail == -1)
		ep->held_head = fd;
	else
		ekq_reg_find(ep, ep->held_tail)->next_held = fd;
	ep->held_tail = fd;
}

void
ekq_held_unlink(struct ekq_ep *ep, int fd, struct ekq_reg *reg)
{
	int prev = -1;
	for (int cur = ep->held_head; cur != -1;
	    cur = ekq_reg_find(ep, cur)->next_held) {
		if (cur == fd)
			break;
		prev = cur;
	}
	if (prev == -1)
		ep->held_head = reg->next_held;
	else
		ekq_reg_find(ep, prev)->next_held = reg->next_held;
	if (ep->held_tail == fd)
		ep->held_tail = prev;
	reg->state &= (uint8_t)~(EKQ_REG_HELD | EKQ_REG_STICKY);
	reg->next_held = -1;
}
