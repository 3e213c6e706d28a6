/*
 * EVFILT_USER: events triggered by the program itself.  They live only in
 * user space; a triggered one waits on the kqueue's pending list, whose
 * marker registration keeps the kqueue descriptor readable.
 */
#include "config.h"

#include "kq.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct ekq_uknote *
ekq_user_of(struct ekq_knote *kn)
{
	return (struct ekq_uknote *)((char *)kn - offsetof(struct ekq_uknote, kn));
}

static size_t
bucket(const struct ekq_kq *kq, uintptr_t ident)
{
	uint64_t h = (uint64_t)ident * UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(h >> 32) & (kq->nuhash - 1);
}

static struct ekq_uknote **
find(struct ekq_kq *kq, uintptr_t ident)
{
	if (kq->nuhash == 0)
		return NULL;
	struct ekq_uknote **link = &kq->uhash[bucket(kq, ident)];
	while (*link != NULL && (*link)->ident != ident)
		link = &(*link)->hnext;
	return link;
}

static int
grow(struct ekq_kq *kq)
{
	if (kq->nuser < kq->nuhash)
		return 0;
	size_t n = kq->nuhash ? kq->nuhash * 2 : 16;
	struct ekq_uknote **t = calloc(n, sizeof *t);
	if (t == NULL)
		return ENOMEM;
	size_t old = kq->nuhash;
	struct ekq_uknote **oldt = kq->uhash;
	kq->uhash = t;
	kq->nuhash = n;
	for (size_t i = 0; i < old; i++) {
		struct ekq_uknote *u = oldt[i], *next;
		for (; u != NULL; u = next) {
			next = u->hnext;
			size_t b = bucket(kq, u->ident);
			u->hnext = t[b];
			t[b] = u;
		}
	}
	free(oldt);
	return 0;
}

/* Queue or unqueue a user knote to match its state. */
static void
requeue(struct ekq_kq *kq, struct ekq_uknote *u)
{
	bool want = u->triggered && !(u->kn.status & EKQ_KN_DISABLED);
	if (want && !(u->kn.status & EKQ_KN_QUEUED))
		ekq_pending_add(kq, &u->kn);
	else if (!want && (u->kn.status & EKQ_KN_QUEUED))
		ekq_pending_remove(kq, &u->kn);
}

/* filt_usertouch(EVENT_REGISTER): trigger and combine the user's flags. */
static void
touch(struct ekq_uknote *u, const struct kevent *kev)
{
	if (kev->fflags & NOTE_TRIGGER)
		u->triggered = true;
	uint32_t ffl = kev->fflags & NOTE_FFLAGSMASK;
	switch (kev->fflags & NOTE_FFCTRLMASK) {
	case NOTE_FFAND:
		u->kn.sfflags &= ffl;
		break;
	case NOTE_FFOR:
		u->kn.sfflags |= ffl;
		break;
	case NOTE_FFCOPY:
		u->kn.sfflags = ffl;
		break;
	default: /* NOTE_FFNOP */
		break;
	}
	u->kn.sdata = kev->data;
	if (kev->flags & EV_CLEAR)
		u->triggered = false;
}

void
ekq_user_remove(struct ekq_kq *kq, struct ekq_uknote *u)
{
	struct ekq_uknote **link = find(kq, u->ident);
	if (u->kn.status & EKQ_KN_QUEUED)
		ekq_pending_remove(kq, &u->kn);
	*link = u->hnext;
	kq->nuser--;
	free(u);
}

int
ekq_user_change(struct ekq_kq *kq, struct kevent *kev)
{
	struct ekq_uknote **link = find(kq, kev->ident);
	struct ekq_uknote *u = link != NULL ? *link : NULL;

	if (u == NULL) {
		if (!(kev->flags & EV_ADD))
			return ENOENT;
		if (grow(kq) != 0)
			return ENOMEM;
		u = calloc(1, sizeof *u);
		if (u == NULL)
			return ENOMEM;
		u->ident = kev->ident;
		u->kn.slot = EKQ_SLOT_USER;
		u->kn.status = EKQ_KN_PRESENT;
		if (kev->flags & EV_DISABLE)
			u->kn.status |= EKQ_KN_DISABLED;
		u->kn.flags = kev->flags &
		    (EV_ONESHOT | EV_CLEAR | EV_DISPATCH | EV_RECEIPT);
		/* filt_userattach(): the registration's fflags and data are
		 * kept as given; NOTE_TRIGGER fires it at once. */
		u->kn.sfflags = kev->fflags;
		u->kn.sdata = kev->data;
		u->kn.udata = kev->udata;
		memcpy(u->kn.ext, kev->ext, sizeof u->kn.ext);
		u->triggered = (kev->fflags & NOTE_TRIGGER) != 0;
		link = find(kq, kev->ident);
		u->hnext = *link;
		*link = u;
		kq->nuser++;
		kev->fflags = 0;
		kev->data = 0;
		requeue(kq, u);
		return 0;
	}
	if (kev->flags & EV_DELETE) {
		ekq_user_remove(kq, u);
		return 0;
	}
	u->kn.udata = kev->udata;
	touch(u, kev);
	if (kev->flags & EV_DISABLE)
		u->kn.status |= EKQ_KN_DISABLED;
	if (kev->flags & EV_ENABLE)
		u->kn.status &= (uint8_t)~EKQ_KN_DISABLED;
	requeue(kq, u);
	return 0;
}

bool
ekq_user_deliver(struct ekq_kq *kq, struct ekq_uknote *u, struct kevent *out)
{
	if (!u->triggered || (u->kn.status & EKQ_KN_DISABLED)) {
		requeue(kq, u);
		return false;
	}
	/* filt_usertouch(EVENT_PROCESS) */
	out->ident = u->ident;
	out->filter = EVFILT_USER;
	out->flags = u->kn.flags;
	out->fflags = u->kn.sfflags;
	out->data = u->kn.sdata;
	out->udata = u->kn.udata;
	memcpy(out->ext, u->kn.ext, sizeof out->ext);
	if (u->kn.flags & EV_ONESHOT) {
		ekq_user_remove(kq, u);
		return true;
	}
	if (u->kn.flags & EV_CLEAR)
		u->triggered = false;
	if (u->kn.flags & EV_DISPATCH)
		u->kn.status |= EKQ_KN_DISABLED;
	requeue(kq, u);
	return true;
}

void
ekq_user_free_all(struct ekq_kq *kq)
{
	for (size_t i = 0; i < kq->nuhash; i++) {
		struct ekq_uknote *u = kq->uhash[i], *next;
		for (; u != NULL; u = next) {
			next = u->hnext;
			free(u);
		}
	}
	free(kq->uhash);
	kq->uhash = NULL;
	kq->nuhash = 0;
	kq->nuser = 0;
}
