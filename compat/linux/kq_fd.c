/*
 * Knotes on descriptors (EVFILT_READ, EVFILT_WRITE, EVFILT_EXCEPT): the
 * record of each descriptor, its kernel registrations, and the check that a
 * record still names the file behind its descriptor number.
 */
#include "config.h"

#include "kq.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_LINUX_KCMP_H
#include <linux/kcmp.h>
#endif

/*
 * EVFILT_WRITE on a pipe whose reader is gone: FreeBSD's pipe_kqfilter()
 * says EPIPE (sys/kern/sys_pipe.c); a profile may say otherwise, or 0: the
 * knote is added and fires with EV_EOF.
 */
#ifndef EKQ_PROFILE_WIDOWED_WRITE_ERRNO
#define EKQ_PROFILE_WIDOWED_WRITE_ERRNO EPIPE
#endif

struct ekq_fdrec *
ekq_fd_of(struct ekq_knote *kn)
{
	return (struct ekq_fdrec *)((char *)(kn - kn->slot) -
	    offsetof(struct ekq_fdrec, kn));
}

static bool
knote_clear(const struct ekq_knote *kn)
{
	return (kn->flags & EV_CLEAR) != 0;
}

/* Two descriptors for the same file (or, without kcmp, the same object)? */
static bool
same_file(int a, int b)
{
#if defined(HAVE_LINUX_KCMP_H) && defined(SYS_kcmp)
	pid_t pid = getpid();
	long r = syscall(SYS_kcmp, pid, pid, KCMP_FILE, a, b);
	if (r != -1)
		return r == 0;
#endif
	struct stat sa, sb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
ekq_loc_number(const struct ekq_fdrec *rec, unsigned loc)
{
	return loc == 0 ? rec->fd : rec->locnum[loc];
}

/*
 * Where side locations borrow their numbers: high, so that the program's
 * own lowest-free allocations seldom land on one, and below the limit.
 * compat's other descriptors go to the half below it (ekq_move_high()).
 */
int
ekq_high_number_base(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur < 64)
		return 3;
	return rl.rlim_cur >= 2048 ? 1024 : (int)(rl.rlim_cur / 2);
}

int
ekq_move_high(int fd)
{
	/* Below `base`: the numbers from there up are side locations'
	 * (borrow_number()), which must stay free between calls. */
	int base = ekq_high_number_base(), low = base / 2;
	if (fd < 0 || fd >= low)
		return fd;
	int high = fcntl(fd, F_DUPFD_CLOEXEC, low);
	if (high == -1)
		return fd;
	if (high >= base) {
		close(high);
		return fd;
	}
	close(fd);
	return high;
}

/*
 * Make number `num` name the file of `rec` for one epoll_ctl(): either it
 * does already (the program made it a dup of the file), or it is free and
 * F_DUPFD, which takes the lowest free number at or above it atomically,
 * gives exactly it.  Returns the copy to close, -1 if none was made, or -2
 * (errno EBUSY) if the number now names something else.
 */
static int
borrow_number(const struct ekq_fdrec *rec, int num)
{
	if (fcntl(num, F_GETFD) != -1) {
		if (same_file(num, rec->fd))
			return -1;
		errno = EBUSY;
		return -2;
	}
	int copy = fcntl(rec->fd, F_DUPFD_CLOEXEC, num);
	if (copy == num)
		return copy;
	if (copy >= 0)
		close(copy);
	errno = copy >= 0 ? EBUSY : errno;
	return -2;
}

/*
 * epoll_ctl() of location `loc`'s registration in the main epoll.  Location
 * 0 is keyed on the record's own number; a side location on a number that
 * is borrowed for the call and closed again: the kernel keys a registration
 * on (file, number) and keeps it while the file is open, whatever becomes
 * of the number.  So a side registration holds no descriptor, and goes with
 * the main epoll when the program closes the kqueue.
 */
static int
loc_ctl(struct ekq_kq *kq, const struct ekq_fdrec *rec, unsigned loc, int op,
    struct epoll_event *ev)
{
	if (loc == 0)
		return epoll_ctl(kq->epfd, op, rec->fd, ev);
	int copy = borrow_number(rec, rec->locnum[loc]);
	if (copy == -2)
		return -1;
	int r = epoll_ctl(kq->epfd, op, rec->locnum[loc], ev);
	int saved = errno;
	if (copy >= 0)
		close(copy);
	errno = saved;
	return r;
}

/*
 * Is location `loc` a level-triggered registration?  Yes while every knote
 * there is level-triggered, with no low-water mark (Linux would call it
 * ready below the mark), some knote is enabled (Linux reports EPOLLHUP even
 * to an empty mask), and it is not demoted.
 */
bool
ekq_loc_level(const struct ekq_fdrec *rec, unsigned loc)
{
	if (rec->demoted & (1u << loc))
		return false;
	bool enabled = false;
	for (unsigned s = 0; s < EKQ_NSLOTS; s++) {
		const struct ekq_knote *kn = &rec->kn[s];
		if (!(kn->status & EKQ_KN_PRESENT) || rec->loc[s] != loc)
			continue;
		if (knote_clear(kn) || (kn->sfflags & NOTE_LOWAT))
			return false;
		if (!(kn->status & EKQ_KN_DISABLED))
			enabled = true;
	}
	return enabled;
}

/* Events the location's registration should ask for now. */
static uint32_t
loc_events(const struct ekq_fdrec *rec, unsigned loc)
{
	uint32_t ev = ekq_loc_level(rec, loc) ? 0 : EPOLLET;
	for (unsigned s = 0; s < EKQ_NSLOTS; s++) {
		const struct ekq_knote *kn = &rec->kn[s];
		if ((kn->status & EKQ_KN_PRESENT) && rec->loc[s] == loc &&
		    !(kn->status & EKQ_KN_DISABLED))
			ev |= ekq_slot_events(rec, s);
	}
	return ev;
}

static bool
loc_used(const struct ekq_fdrec *rec, unsigned loc)
{
	for (unsigned s = 0; s < EKQ_NSLOTS; s++)
		if ((rec->kn[s].status & EKQ_KN_PRESENT) && rec->loc[s] == loc)
			return true;
	return false;
}

/*
 * The record, other than (rec, loc) itself, whose side registration is
 * keyed on (the file of rec, num), or NULL.  Asked only when the kernel
 * says such a key exists, so a walk of the records is cheap enough.
 */
static struct ekq_fdrec *
side_owner(struct ekq_kq *kq, const struct ekq_fdrec *rec, unsigned loc,
    int num, unsigned *oloc)
{
	for (int fd = 0; fd < kq->nbyfd; fd++) {
		struct ekq_fdrec *other = kq->byfd[fd];
		if (other == NULL)
			continue;
		for (unsigned l = 1; l < EKQ_NLOCS; l++) {
			if ((other == rec && l == loc) ||
			    !(other->locreg & (1u << l)) ||
			    other->locnum[l] != num ||
			    !same_file(other->fd, rec->fd))
				continue;
			*oloc = l;
			return other;
		}
	}
	return NULL;
}

/*
 * Register side location `loc` under a newly borrowed number, one that no
 * other record's registration is keyed on (kq_sidenum.c).  A key that
 * exists already is then one that outlived its knotes, of this same file
 * (see main_add()): taken over.
 */
static int
side_add(struct ekq_kq *kq, struct ekq_fdrec *rec, unsigned loc,
    struct epoll_event *ev)
{
	int hint = ekq_high_number_base();
	for (;;) {
		int num = fcntl(rec->fd, F_DUPFD_CLOEXEC,
		    ekq_sidenum_next(kq, hint));
		if (num == -1)
			return errno == EINVAL ? EMFILE : errno;
		if (!ekq_sidenum_usable(kq, num)) {
			close(num);
			hint = num + 1;
			continue;
		}
		int err = ekq_sidenum_take(kq, num);
		if (err == 0 && epoll_ctl(kq->epfd, EPOLL_CTL_ADD, num, ev) == -1) {
			err = errno;
			if (err == EEXIST)
				err = epoll_ctl(kq->epfd, EPOLL_CTL_MOD, num,
				    ev) == -1 ? errno : 0;
		}
		close(num);
		if (err != 0) {
			ekq_sidenum_release(kq, num, false);
			return err == ENOSPC ? ENOMEM : err;
		}
		rec->locnum[loc] = num;
		return 0;
	}
}

/*
 * Register location 0, keyed on the record's own number.  EEXIST: the
 * kernel still holds a registration of this (file, number) that outlived
 * its knotes -- the number was closed while a dup() kept the file open, and
 * has since been made a dup of that file again.  FreeBSD dropped those
 * knotes at close(), so the registration is dead: take it over with MOD.
 * (If instead another record's side registration borrowed this number
 * while it was free, that one moves to a new number first.)
 */
static int
main_add(struct ekq_kq *kq, struct ekq_fdrec *rec, struct epoll_event *ev)
{
	if (epoll_ctl(kq->epfd, EPOLL_CTL_ADD, rec->fd, ev) == 0)
		return 0;
	if (errno != EEXIST)
		return errno == ENOSPC ? ENOMEM : errno;
	unsigned oloc; /* side_owner() may change errno */
	struct ekq_fdrec *owner = side_owner(kq, rec, 0, rec->fd, &oloc);
	if (owner != NULL) {
		struct epoll_event oev = { .events = owner->locev[oloc],
			.data.u64 = ekq_data_pack(owner->fd, owner->gen, oloc) };
		int err = side_add(kq, owner, oloc, &oev);
		if (err != 0)
			return err;
		/* The old key is this record's now. */
		ekq_sidenum_release(kq, rec->fd, false);
	}
	if (epoll_ctl(kq->epfd, EPOLL_CTL_MOD, rec->fd, ev) == -1)
		return errno == ENOSPC ? ENOMEM : errno;
	return 0;
}

/*
 * Bring the kernel registration of `loc` in line with the knotes there.
 * `force` re-registers even when nothing changed, so that the kernel checks
 * the descriptor again: FreeBSD re-runs the filter on every EV_ADD/EV_ENABLE.
 */
static int
loc_sync(struct ekq_kq *kq, struct ekq_fdrec *rec, unsigned loc, bool force)
{
	uint8_t bit = (uint8_t)(1u << loc);

	if (!loc_used(rec, loc)) {
		if (rec->locreg & bit) {
			int r = loc_ctl(kq, rec, loc, EPOLL_CTL_DEL, NULL);
			if (loc != 0)
				ekq_sidenum_release(kq, rec->locnum[loc], r == 0);
			rec->locreg &= (uint8_t)~bit;
		}
		return 0;
	}
	struct epoll_event ev = { .events = loc_events(rec, loc),
		.data.u64 = ekq_data_pack(rec->fd, rec->gen, loc) };
	if (!(rec->locreg & bit)) {
		int err = loc == 0 ? main_add(kq, rec, &ev) :
		    side_add(kq, rec, loc, &ev);
		if (err != 0)
			return err;
		rec->locreg |= bit;
	} else if (force || ev.events != rec->locev[loc]) {
		if (loc_ctl(kq, rec, loc, EPOLL_CTL_MOD, &ev) == -1)
			return errno == ENOSPC ? ENOMEM : errno;
	}
	rec->locev[loc] = ev.events;
	return 0;
}

/*
 * After a level knote at an edge-triggered location fired: make the kernel
 * look again (and promote a demoted location back to level-triggered).
 */
void
ekq_fd_rearm(struct ekq_kq *kq, struct ekq_fdrec *rec, unsigned loc)
{
	rec->demoted &= (uint8_t)~(1u << loc);
	(void)loc_sync(kq, rec, loc, true);
}

void
ekq_loc_demote(struct ekq_kq *kq, struct ekq_fdrec *rec, unsigned loc,
    bool demote)
{
	uint8_t bit = (uint8_t)(1u << loc);
	if (((rec->demoted & bit) != 0) == demote)
		return;
	rec->demoted = demote ? rec->demoted | bit : rec->demoted & (uint8_t)~bit;
	(void)loc_sync(kq, rec, loc, false);
}

/* Choose a location for a new knote in `slot`; EKQ_LOC_NONE if none left. */
static uint8_t
place(const struct ekq_fdrec *rec, unsigned slot)
{
	const struct ekq_knote *kn = &rec->kn[slot];
	if (!knote_clear(kn)) {
		for (unsigned loc = 0; loc < EKQ_NLOCS; loc++) {
			if (!loc_used(rec, loc))
				continue;
			bool all_level = true;
			for (unsigned s = 0; s < EKQ_NSLOTS; s++)
				if (s != slot && (rec->kn[s].status & EKQ_KN_PRESENT) &&
				    rec->loc[s] == loc && knote_clear(&rec->kn[s]))
					all_level = false;
			if (all_level)
				return (uint8_t)loc;
		}
	}
	for (unsigned loc = 0; loc < EKQ_NLOCS; loc++)
		if (!loc_used(rec, loc))
			return (uint8_t)loc;
	return EKQ_LOC_NONE;
}

/*
 * Is `rec` still the file behind its descriptor number?  Asked of the
 * kernel with EPOLL_CTL_ADD, into the main epoll, of the number that keys
 * one of the record's registrations (made to name the record's descriptor
 * for the call, for a side location): EEXIST means the same (file, number)
 * pair is registered -- the record is current.  Anything else means the
 * number was closed, or now names another file.  (A lookup in the epoll's
 * tree: unlike kcmp(KCMP_EPOLL_TFD), whose cost grows with the number of
 * registrations, and unlike EPOLL_CTL_MOD, it re-queues nothing.)  A side
 * location whose borrowed number the program has taken cannot be asked;
 * with none left to ask, the file's identity decides.
 */
bool
ekq_fd_valid(struct ekq_kq *kq, struct ekq_fdrec *rec)
{
	for (unsigned loc = 0; loc < EKQ_NLOCS; loc++) {
		if (!(rec->locreg & (1u << loc)))
			continue;
		struct epoll_event ev = { .events = 0,
			.data.u64 = EKQ_DATA_MARKER };
		if (loc_ctl(kq, rec, loc, EPOLL_CTL_ADD, &ev) == 0) {
			/* A new file under the old number: not ours. */
			(void)loc_ctl(kq, rec, loc, EPOLL_CTL_DEL, NULL);
			return false;
		}
		if (errno == EBUSY)
			continue;
		if (errno != EEXIST)
			return false;
		if (loc == 0)
			return true;
		/*
		 * No other record's registration is keyed on a side
		 * location's number (kq_sidenum.c), so this one is the
		 * record's -- unless one that outlived its knotes was there
		 * and kcmp could not say so.  The file's identity must agree.
		 */
		break;
	}
	struct stat st;
	return rec->locreg != 0 && fstat(rec->fd, &st) == 0 &&
	    st.st_dev == rec->dev && st.st_ino == rec->ino;
}

/*
 * A stale level registration -- its number closed while the file lives on
 * in a dup() -- would be reported by the kernel again and again.  It can
 * only be removed through its own number: if that number is free, borrow
 * it for a copy of the file (F_DUPFD takes the lowest free number at or
 * above it, atomically) and delete the registration through it.
 */
void
ekq_fd_neutralize(struct ekq_kq *kq, int epfd, int fd)
{
#if defined(HAVE_LINUX_KCMP_H) && defined(SYS_kcmp)
	(void)kq;
	if (fcntl(fd, F_GETFD) != -1)
		return; /* reused: the number is someone else's now */
	pid_t pid = getpid();
	DIR *dir = opendir("/proc/self/fd");
	if (dir == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		int other = atoi(de->d_name);
		if (de->d_name[0] < '0' || de->d_name[0] > '9' || other == fd)
			continue;
		struct kcmp_epoll_slot slot = { .efd = (uint32_t)epfd,
			.tfd = (uint32_t)fd, .toff = 0 };
		if (syscall(SYS_kcmp, pid, pid, KCMP_EPOLL_TFD, other,
		    (unsigned long)&slot) != 0)
			continue;
		int copy = fcntl(other, F_DUPFD_CLOEXEC, fd);
		if (copy == fd)
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
		if (copy != -1)
			close(copy);
		break;
	}
	closedir(dir);
#else
	(void)kq;
	(void)epfd;
	(void)fd;
#endif
}

static void
rec_free(struct ekq_kq *kq, struct ekq_fdrec *rec)
{
	for (unsigned s = 0; s < EKQ_NSLOTS; s++)
		if (rec->kn[s].status & EKQ_KN_QUEUED)
			ekq_pending_remove(kq, &rec->kn[s]);
	kq->byfd[rec->fd] = NULL;
	kq->nrecs--;
	free(rec);
}

void
ekq_fd_drop(struct ekq_kq *kq, struct ekq_fdrec *rec)
{
	/*
	 * The file may live on in a dup(): its registrations then stay in
	 * the kernel, unreachable, and their events fail the generation test.
	 * Only location 0's is asked to go: no live key is (file now behind
	 * the number, number) but this record's.  A side location's borrowed
	 * number, made a dup of whatever the descriptor is now, could name
	 * another record's side registration.
	 */
	if (rec->locreg & 1u)
		epoll_ctl(kq->epfd, EPOLL_CTL_DEL, rec->fd, NULL);
	for (unsigned l = 1; l < EKQ_NLOCS; l++)
		if (rec->locreg & (1u << l))
			ekq_sidenum_release(kq, rec->locnum[l], false);
	rec_free(kq, rec);
}

struct ekq_fdrec *
ekq_fd_lookup(struct ekq_kq *kq, uint64_t data)
{
	int fd = EKQ_DATA_FD(data);
	if (fd >= kq->nbyfd)
		return NULL;
	struct ekq_fdrec *rec = kq->byfd[fd];
	if (rec == NULL || (rec->gen & 0x3ffffff) != EKQ_DATA_GEN(data))
		return NULL;
	return rec;
}

static int
byfd_reserve(struct ekq_kq *kq, int fd)
{
	if (fd < kq->nbyfd)
		return 0;
	int n = kq->nbyfd ? kq->nbyfd : 64;
	while (n <= fd)
		n *= 2;
	struct ekq_fdrec **t = realloc(kq->byfd, (size_t)n * sizeof *t);
	if (t == NULL)
		return ENOMEM;
	memset(t + kq->nbyfd, 0, (size_t)(n - kq->nbyfd) * sizeof *t);
	kq->byfd = t;
	kq->nbyfd = n;
	return 0;
}

static int
rec_create(struct ekq_kq *kq, int fd, struct ekq_fdrec **out)
{
	struct ekq_fdrec *rec = calloc(1, sizeof *rec);
	if (rec == NULL)
		return ENOMEM;
	int err = ekq_probe_kind(fd, rec);
	if (err == 0)
		err = byfd_reserve(kq, fd);
	if (err != 0) {
		free(rec);
		return err;
	}
	if (rec->kind == EKQ_KIND_STREAM || rec->kind == EKQ_KIND_TCP ||
	    rec->kind == EKQ_KIND_DGRAM) {
		socklen_t len = sizeof rec->sndbuf;
		if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rec->sndbuf, &len) == -1)
			rec->sndbuf = 0;
		int acc = 0;
		len = sizeof acc;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) == 0)
			rec->listened = acc != 0;
	}
	rec->fd = fd;
	rec->gen = kq->next_gen++;
	for (unsigned l = 0; l < EKQ_NLOCS; l++)
		rec->locnum[l] = l == 0 ? fd : -1;
	for (unsigned s = 0; s < EKQ_NSLOTS; s++) {
		rec->loc[s] = EKQ_LOC_NONE;
		rec->kn[s].slot = (uint8_t)s;
	}
	kq->byfd[fd] = rec;
	kq->nrecs++;
	*out = rec;
	return 0;
}

static bool
rec_empty(const struct ekq_fdrec *rec)
{
	for (unsigned s = 0; s < EKQ_NSLOTS; s++)
		if (rec->kn[s].status & EKQ_KN_PRESENT)
			return false;
	return true;
}

/* Which filters each kind of descriptor takes, as the BSDs attach them. */
static int
slot_allowed(const struct ekq_fdrec *rec, unsigned slot)
{
	switch (rec->kind) {
	case EKQ_KIND_KQUEUE:
		/* kqueue_kqfilter(): only EVFILT_READ. */
		return slot == EKQ_SLOT_READ ? 0 : EINVAL;
	case EKQ_KIND_PIPE:
	case EKQ_KIND_OTHER:
		return slot == EKQ_SLOT_EXCEPT ? EINVAL : 0;
	default:
		return 0;
	}
}

static void
remove_knote(struct ekq_kq *kq, struct ekq_fdrec *rec, unsigned slot)
{
	struct ekq_knote *kn = &rec->kn[slot];
	unsigned loc = rec->loc[slot];
	if (kn->status & EKQ_KN_QUEUED)
		ekq_pending_remove(kq, kn);
	kn->status = 0;
	rec->loc[slot] = EKQ_LOC_NONE;
	(void)loc_sync(kq, rec, loc, false);
	if (rec_empty(rec))
		rec_free(kq, rec);
}

static int
add_knote(struct ekq_kq *kq, struct ekq_fdrec *rec, unsigned slot,
    struct kevent *kev)
{
	struct ekq_knote *kn = &rec->kn[slot];
	int err = slot_allowed(rec, slot);
	if (err != 0)
		return err;
	if (EKQ_PROFILE_WIDOWED_WRITE_ERRNO != 0 && rec->kind == EKQ_KIND_PIPE &&
	    slot == EKQ_SLOT_WRITE && ekq_pipe_widowed(rec->fd))
		return EKQ_PROFILE_WIDOWED_WRITE_ERRNO; /* pipe_kqfilter() */
	memset(kn, 0, sizeof *kn);
	kn->slot = (uint8_t)slot;
	kn->status = EKQ_KN_PRESENT;
	if (kev->flags & EV_DISABLE)
		kn->status |= EKQ_KN_DISABLED;
	kn->flags = kev->flags & (EV_ONESHOT | EV_CLEAR | EV_DISPATCH | EV_RECEIPT);
	kn->sfflags = kev->fflags;
	kn->sdata = kev->data;
	kn->udata = kev->udata;
	memcpy(kn->ext, kev->ext, sizeof kn->ext);
	uint8_t loc = place(rec, slot);
	if (loc == EKQ_LOC_NONE) {
		kn->status = 0;
		return ENOMEM;
	}
	rec->loc[slot] = loc;
	rec->demoted &= (uint8_t)~(1u << loc);
	err = loc_sync(kq, rec, loc, true);
	if (err != 0) {
		kn->status = 0;
		rec->loc[slot] = EKQ_LOC_NONE;
		(void)loc_sync(kq, rec, loc, false);
		return err;
	}
	/* kqueue_register() hands back a new knote's change with these zeroed. */
	kev->fflags = 0;
	kev->data = 0;
	return 0;
}

int
ekq_fd_change(struct ekq_kq *kq, struct kevent *kev)
{
	unsigned slot = kev->filter == EVFILT_READ ? EKQ_SLOT_READ :
	    kev->filter == EVFILT_WRITE ? EKQ_SLOT_WRITE : EKQ_SLOT_EXCEPT;

	if (kev->ident > INT_MAX)
		return EBADF;
	int fd = (int)kev->ident;
	struct ekq_fdrec *rec = fd < kq->nbyfd ? kq->byfd[fd] : NULL;
	if (rec != NULL && !ekq_fd_valid(kq, rec)) {
		/* The descriptor was closed: its knotes went with it. */
		ekq_fd_drop(kq, rec);
		rec = NULL;
	}
	if (rec == NULL) {
		if (!(kev->flags & EV_ADD))
			return fcntl(fd, F_GETFD) == -1 ? EBADF : ENOENT;
		/* A bad descriptor fails its fstat() there: EBADF. */
		int err = rec_create(kq, fd, &rec);
		if (err != 0)
			return err;
	}

	struct ekq_knote *kn = &rec->kn[slot];
	if (!(kn->status & EKQ_KN_PRESENT)) {
		if (!(kev->flags & EV_ADD)) {
			return ENOENT;
		}
		int err = add_knote(kq, rec, slot, kev);
		if (err != 0 && rec_empty(rec))
			rec_free(kq, rec);
		return err;
	}

	if (kev->flags & EV_DELETE) {
		remove_knote(kq, rec, slot);
		return 0;
	}
	/*
	 * Any change to an existing knote (EV_ADD, EV_ENABLE, EV_DISABLE)
	 * replaces its udata and filter arguments; the flags it was added with
	 * stay; and the filter runs again (a forced re-registration).
	 */
	kn->udata = kev->udata;
	kn->sfflags = kev->fflags;
	kn->sdata = kev->data;
	if (kev->flags & EV_DISABLE) {
		kn->status |= EKQ_KN_DISABLED;
		if (kn->status & EKQ_KN_QUEUED)
			ekq_pending_remove(kq, kn);
	}
	if (kev->flags & EV_ENABLE)
		kn->status &= (uint8_t)~EKQ_KN_DISABLED;
	/*
	 * A knote is queued once.  One waiting on the pending list is taken
	 * off it: the kernel, asked again below, queues it if it still fires
	 * (and kqueue_scan() would drop it if it no longer did).
	 */
	if (kn->status & EKQ_KN_QUEUED)
		ekq_pending_remove(kq, kn);
	/* Start over as level-triggered: the filter runs again anyway. */
	rec->demoted &= (uint8_t)~(1u << rec->loc[slot]);
	return loc_sync(kq, rec, rec->loc[slot], true);
}

bool
ekq_fd_delivered(struct ekq_kq *kq, struct ekq_fdrec *rec, unsigned slot)
{
	struct ekq_knote *kn = &rec->kn[slot];
	if (kn->flags & EV_ONESHOT) {
		bool last = true;
		for (unsigned s = 0; s < EKQ_NSLOTS; s++)
			if (s != slot && (rec->kn[s].status & EKQ_KN_PRESENT))
				last = false;
		remove_knote(kq, rec, slot);
		return last;
	}
	if (kn->flags & EV_DISPATCH) {
		kn->status |= EKQ_KN_DISABLED;
		if (kn->status & EKQ_KN_QUEUED)
			ekq_pending_remove(kq, kn);
		(void)loc_sync(kq, rec, rec->loc[slot], false);
	}
	return false;
}

void
ekq_fd_free_all(struct ekq_kq *kq)
{
	for (int fd = 0; fd < kq->nbyfd; fd++)
		free(kq->byfd[fd]);
	free(kq->byfd);
	kq->byfd = NULL;
	ekq_sidenum_free_all(kq);
	kq->nbyfd = 0;
	kq->nrecs = 0;
}
