/*
 * kqueue() and the table that maps a kqueue descriptor to its state.
 *
 * Linux gives no notice when a descriptor is closed, so the table can hold
 * entries whose number has since been closed or reused.  Each kqueue's
 * epoll therefore carries a tag: its owner (F_SETOWN) is the creating
 * process, which no other epoll or file in the process has unless someone
 * sets it; kevent() checks the tag before it trusts a table entry.  A
 * descriptor that carries the tag but is not in the table (a dup() of a
 * kqueue) is matched to its state with kcmp(KCMP_FILE).
 *
 * While a kqueue has events pending in user space (EVFILT_USER triggers,
 * deferred EV_CLEAR events), a "marker" eventfd whose counter is always 1
 * is registered in its epoll, so that the kqueue descriptor polls
 * readable.  A marker exists only while some kqueue needs it, at a high
 * number (ekq_move_high()).  Markers, and the helper thread's signal
 * descriptors (kq_signal.c), are the only descriptors compat holds besides
 * the kqueues themselves, and they cannot be avoided or hidden: the kernel
 * drops a registration when its file is released, so an open file must
 * back it, and only a descriptor can hold a file open.  Nor can one go
 * with its kqueue: compat does not see close().  So a kqueue closed with a marker registered leaves
 * it open until the next call into compat, which finds such kqueues
 * (marker_reclaim_locked()).
 *
 * One marker serves at most EKQ_MARKER_FANOUT kqueues.  Linux bounds the
 * wakeup paths that leave one file through nested epolls
 * (fs/eventpoll.c: path_limits[] = { 1000, 500, 100, 50, 10 } for paths
 * of 1 to 5 epolls; EPOLL_CTL_ADD beyond them fails with EINVAL): a marker
 * in 500 kqueues that are all registered in one epoll would be refused by
 * the 501st.  With at most 64 kqueues a marker, kqueues nested three deep
 * stay within the limits, at one marker per 64 kqueues with events.
 *
 * Locks: ekq_table_lock and ekq_marker_lock are here; their order is in
 * kq.h.
 */
#include "config.h"

#include "kq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_LINUX_KCMP_H
#include <linux/kcmp.h>
#endif

static pthread_mutex_t ekq_table_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t ekq_marker_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t ekq_atfork_once = PTHREAD_ONCE_INIT;
#define EKQ_MARKER_FANOUT 64
#define EKQ_MAX_MARKERS 1024
static struct {
	int fd;                    /* -1: none */
	unsigned users;            /* kqueues with it registered */
} ekq_markers[EKQ_MAX_MARKERS];
static int ekq_nmarkers;           /* slots ever used */
static unsigned ekq_marker_users;  /* kqueues with a marker registered */
static struct ekq_kq *ekq_armed;   /* those kqueues, by armed_next */
static struct ekq_kq *ekq_reclaim_next; /* where the partial walk resumes */
static struct ekq_kq **ekq_table;  /* descriptor number -> kqueue */
static int ekq_ntable;
static uint32_t ekq_next_id = 1;
static size_t ekq_nlive;           /* entries in the table */
static size_t ekq_sweep_at = 64;   /* check every entry past this many */
static int ekq_sweep_next;         /* round-robin cursor */

/* `kq` no longer has its marker registered; ekq_marker_lock held. */
static void
marker_drop_locked(struct ekq_kq *kq)
{
	if (ekq_reclaim_next == kq)
		ekq_reclaim_next = kq->armed_next;
	if (kq->armed_prev != NULL)
		kq->armed_prev->armed_next = kq->armed_next;
	else
		ekq_armed = kq->armed_next;
	if (kq->armed_next != NULL)
		kq->armed_next->armed_prev = kq->armed_prev;
	kq->armed_next = kq->armed_prev = NULL;
	kq->marker_armed = false;
	ekq_marker_users--;
	int m = kq->marker;
	if (--ekq_markers[m].users == 0) {
		close(ekq_markers[m].fd);
		ekq_markers[m].fd = -1;
	}
}

/* A marker with room for one more kqueue, opened if need be; -1 if none.
 * ekq_marker_lock held. */
static int
marker_pick_locked(void)
{
	int free_slot = -1;
	for (int m = 0; m < ekq_nmarkers; m++) {
		if (ekq_markers[m].fd != -1 &&
		    ekq_markers[m].users < EKQ_MARKER_FANOUT)
			return m;
		if (ekq_markers[m].fd == -1 && free_slot == -1)
			free_slot = m;
	}
	if (free_slot == -1) {
		if (ekq_nmarkers == EKQ_MAX_MARKERS)
			return -1;
		free_slot = ekq_nmarkers++;
	}
	/* High: markers come and go as kqueues gain and lose events. */
	ekq_markers[free_slot].fd =
	    ekq_move_high(eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK));
	ekq_markers[free_slot].users = 0;
	return ekq_markers[free_slot].fd == -1 ? -1 : free_slot;
}

static void
kq_free(struct ekq_kq *kq)
{
	if (kq->marker_armed) {
		/* Its epoll is gone with the kqueue, or goes now. */
		ekq_kq_lock(&ekq_marker_lock);
		marker_drop_locked(kq);
		ekq_kq_unlock(&ekq_marker_lock);
	}
	ekq_helper_free_all(kq);
	ekq_fd_free_all(kq);
	ekq_user_free_all(kq);
	pthread_mutex_destroy(&kq->lock);
	free(kq);
}

/* Drop one reference; ekq_table_lock held. */
static void
kq_unref_locked(struct ekq_kq *kq)
{
	if (--kq->refs == 0)
		kq_free(kq);
}

void
ekq_kq_release(struct ekq_kq *kq)
{
	ekq_kq_lock(&ekq_table_lock);
	kq_unref_locked(kq);
	ekq_kq_unlock(&ekq_table_lock);
}

static void
table_clear_locked(int fd)
{
	struct ekq_kq *kq = ekq_table[fd];
	ekq_table[fd] = NULL;
	ekq_nlive--;
	kq->dead = true;
	kq_unref_locked(kq);
}

static int
table_reserve_locked(int fd)
{
	if (fd < ekq_ntable)
		return 0;
	int n = ekq_ntable ? ekq_ntable : 16;
	while (n <= fd)
		n *= 2;
	struct ekq_kq **t = realloc(ekq_table, (size_t)n * sizeof *t);
	if (t == NULL)
		return -1;
	memset(t + ekq_ntable, 0, (size_t)(n - ekq_ntable) * sizeof *t);
	ekq_table = t;
	ekq_ntable = n;
	return 0;
}

/*
 * Does `fd` carry the tag of a kqueue made by `owner`?  Asked of the kernel
 * itself, past any fcntl() interposed on the process: this runs under
 * ekq_table_lock, and lib/'s fcntl() takes lib/'s descriptor-table lock for
 * a number that names one of its descriptor objects (each is a kqueue),
 * while lib/'s fork() handler holds that lock when ours takes the table
 * lock -- the two would deadlock.
 */
static bool
tagged(int fd, pid_t owner)
{
#ifdef SYS_fcntl
	return syscall(SYS_fcntl, fd, F_GETOWN) == owner;
#else
	return syscall(SYS_fcntl64, fd, F_GETOWN) == owner;
#endif
}

/* Is table entry `fd` still the kqueue it names? */
static bool
entry_valid(int fd)
{
	return tagged(fd, ekq_table[fd]->owner);
}

static void
sweep_locked(void)
{
	for (int fd = 0; fd < ekq_ntable; fd++)
		if (ekq_table[fd] != NULL && !entry_valid(fd))
			table_clear_locked(fd);
	ekq_sweep_at = 2 * (ekq_nlive > 32 ? ekq_nlive : 32);
}

/* Check a couple of entries per kqueue(): stale state goes in time. */
static void
sweep_some_locked(void)
{
	for (int i = 0; i < 2 && ekq_ntable > 0; i++) {
		int fd = ekq_sweep_next++ % ekq_ntable;
		if (ekq_table[fd] != NULL && !entry_valid(fd))
			table_clear_locked(fd);
	}
}

/*
 * Forget the kqueues closed with the marker registered, so that the marker
 * closes when the last kqueue that needs it is gone.  Called on every entry
 * into compat (skipping `self`, just found open); the walk is over the
 * kqueues with the marker registered only -- all of them while they are
 * few, else EKQ_RECLAIM_STEP of them per call, resuming where the last
 * walk stopped: thousands of kqueues with timers that fired would otherwise
 * cost each call thousands of fcntl()s.  ekq_table_lock held.
 */
#define EKQ_RECLAIM_ALL 64
#define EKQ_RECLAIM_STEP 16

/* Its own number's entry, if that number is closed (other entries, adopted
 * dups, go by the sweeps); ekq_marker_lock held. */
static bool
armed_but_closed(const struct ekq_kq *kq, const struct ekq_kq *self)
{
	return kq != self && kq->epfd < ekq_ntable &&
	    ekq_table[kq->epfd] == kq && !entry_valid(kq->epfd);
}

static void
marker_reclaim_locked(const struct ekq_kq *self)
{
	/* The count is the marker lock's: a kevent() arms its kqueue's
	 * marker under that lock and its own, not under the table lock. */
	ekq_kq_lock(&ekq_marker_lock);
	bool all = ekq_marker_users <= EKQ_RECLAIM_ALL;
	ekq_kq_unlock(&ekq_marker_lock);
	for (unsigned step = 0; all || step < EKQ_RECLAIM_STEP; step++) {
		struct ekq_kq *closed = NULL;
		ekq_kq_lock(&ekq_marker_lock);
		if (all) {
			for (struct ekq_kq *kq = ekq_armed; kq != NULL;
			    kq = kq->armed_next) {
				if (armed_but_closed(kq, self)) {
					closed = kq;
					break;
				}
			}
		} else {
			struct ekq_kq *kq = ekq_reclaim_next != NULL ?
			    ekq_reclaim_next : ekq_armed;
			if (kq != NULL) {
				ekq_reclaim_next = kq->armed_next;
				if (armed_but_closed(kq, self))
					closed = kq;
			}
		}
		ekq_kq_unlock(&ekq_marker_lock);
		if (closed != NULL)
			/* Frees it (dropping the marker) unless a kevent()
			 * is in flight on it, or a dup() of it was adopted. */
			table_clear_locked(closed->epfd);
		else if (all)
			return;
	}
}

void
ekq_table_lock_acquire(void)
{
	ekq_kq_lock(&ekq_table_lock);
}

void
ekq_table_lock_release(void)
{
	ekq_kq_unlock(&ekq_table_lock);
}

bool
ekq_kq_current_locked(const struct ekq_kq *kq)
{
	return kq->epfd < ekq_ntable && ekq_table[kq->epfd] == kq &&
	    entry_valid(kq->epfd);
}

struct ekq_kq *
ekq_kq_hold_locked(struct ekq_kq *kq)
{
	if (!tagged(kq->epfd, kq->owner)) {
		/* Closed: forget it now, and its knotes with it (unless a
		 * kevent() is in flight on it). */
		if (kq->epfd < ekq_ntable && ekq_table[kq->epfd] == kq)
			table_clear_locked(kq->epfd);
		return NULL;
	}
	kq->refs++;
	return kq;
}

static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);

static void
register_atfork(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static int
make_kqueue(void)
{
	/*
	 * Always close-on-exec: a BSD kqueue never reaches a child, and a
	 * child started by posix_spawn() runs no fork handlers.
	 */
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd == -1)
		return -1;
	struct ekq_kq *kq = calloc(1, sizeof *kq);
	int saved = ENOMEM;
	if (kq == NULL)
		goto fail;
	kq->owner = getpid();
	if (fcntl(epfd, F_SETOWN, kq->owner) == -1) {
		saved = errno;
		goto fail;
	}
	pthread_mutex_init(&kq->lock, NULL);
	kq->epfd = epfd;
	kq->pending.next = kq->pending.prev = &kq->pending;
	kq->next_gen = 1;
	kq->refs = 1;

	ekq_kq_lock(&ekq_table_lock);
	if (table_reserve_locked(epfd) == -1) {
		ekq_kq_unlock(&ekq_table_lock);
		pthread_mutex_destroy(&kq->lock);
		goto fail;
	}
	kq->id = ekq_next_id++;
	/* The number was free, so whatever the table held for it is stale. */
	if (ekq_table[epfd] != NULL)
		table_clear_locked(epfd);
	if (ekq_nlive >= ekq_sweep_at)
		sweep_locked();
	else
		sweep_some_locked();
	marker_reclaim_locked(NULL);
	ekq_table[epfd] = kq;
	ekq_nlive++;
	ekq_kq_unlock(&ekq_table_lock);

	pthread_once(&ekq_atfork_once, register_atfork);
	return epfd;
fail:
	free(kq);
	close(epfd);
	errno = saved;
	return -1;
}

int
kqueue(void)
{
	return make_kqueue();
}

int
kqueue1(int flags)
{
	/* FreeBSD's kqueue1(): O_CLOEXEC honoured, O_NONBLOCK ignored. */
	if (flags & ~(O_CLOEXEC | O_NONBLOCK)) {
		errno = EINVAL;
		return -1;
	}
	return make_kqueue();
}

/* Two descriptors for the same open file? */
static bool
same_file(int a, int b)
{
#if defined(HAVE_LINUX_KCMP_H) && defined(SYS_kcmp)
	pid_t pid = getpid();
	return syscall(SYS_kcmp, pid, pid, KCMP_FILE, a, b) == 0;
#else
	(void)a;
	(void)b;
	return false;
#endif
}

/*
 * A tagged descriptor missing from the table: a dup() of a kqueue, or the
 * fork rebuild's dup2().  Find the state of the kqueue it is a copy of.
 */
static struct ekq_kq *
adopt_locked(int fd)
{
	for (int i = 0; i < ekq_ntable; i++) {
		struct ekq_kq *kq = ekq_table[i];
		if (kq == NULL || i == fd || !entry_valid(i) || !same_file(fd, i))
			continue;
		if (table_reserve_locked(fd) == -1)
			return NULL;
		kq->refs++;
		ekq_table[fd] = kq;
		ekq_nlive++;
		return kq;
	}
	return NULL;
}

struct ekq_kq *
ekq_kq_acquire(int kqfd)
{
	struct ekq_kq *kq = NULL;

	if (kqfd < 0)
		goto ebadf;
	ekq_kq_lock(&ekq_table_lock);
	if (kqfd < ekq_ntable && ekq_table[kqfd] != NULL) {
		if (entry_valid(kqfd))
			kq = ekq_table[kqfd];
		else
			table_clear_locked(kqfd);
	}
	if (kq == NULL && tagged(kqfd, getpid()))
		kq = adopt_locked(kqfd);
	if (kq != NULL && kq->epfd != kqfd && !tagged(kq->epfd, kq->owner)) {
		/* The number the kqueue was made under is closed, and this
		 * copy names it now (a dup2() and close(), as lib/'s fork
		 * rebuild does).  A BSD kqueue lives on in any copy. */
		kq->epfd = kqfd;
	}
	if (kq != NULL)
		kq->refs++;
	marker_reclaim_locked(kq);
	ekq_kq_unlock(&ekq_table_lock);
	if (kq == NULL)
		goto ebadf;
	return kq;
ebadf:
	errno = EBADF;
	return NULL;
}

void
ekq_kq_arm_marker(struct ekq_kq *kq, bool on)
{
	if (kq->marker_armed == on)
		return;
	ekq_kq_lock(&ekq_marker_lock);
	if (on) {
		int m = marker_pick_locked();
		int fd = m == -1 ? -1 : ekq_markers[m].fd;
		struct epoll_event ev = { .events = EPOLLIN,
			.data.u64 = EKQ_DATA_MARKER | kq->id };
		/* EEXIST: a kqueue closed under this number left the marker
		 * here (see ekq_kq_drop_foreign_marker()); it is ours now. */
		if (fd != -1 &&
		    (epoll_ctl(kq->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ||
		    (errno == EEXIST &&
		    epoll_ctl(kq->epfd, EPOLL_CTL_MOD, fd, &ev) == 0))) {
			ekq_marker_users++;
			ekq_markers[m].users++;
			kq->marker = m;
			kq->marker_armed = true;
			kq->armed_prev = NULL;
			kq->armed_next = ekq_armed;
			if (ekq_armed != NULL)
				ekq_armed->armed_prev = kq;
			ekq_armed = kq;
		} else if (fd != -1 && ekq_markers[m].users == 0) {
			close(fd);
			ekq_markers[m].fd = -1;
		}
	} else {
		epoll_ctl(kq->epfd, EPOLL_CTL_DEL, ekq_markers[kq->marker].fd,
		    NULL);
		marker_drop_locked(kq);
	}
	ekq_kq_unlock(&ekq_marker_lock);
}

/*
 * The marker registered under another kqueue's id: a kqueue whose number
 * was closed and reused while the helper thread armed its marker (the
 * table could not yet know).  Drop it, or this kqueue would poll readable
 * with nothing to return.
 */
void
ekq_kq_drop_foreign_marker(struct ekq_kq *kq)
{
	ekq_kq_lock(&ekq_marker_lock);
	/* Which marker is not known: the one registered says ENOENT to none
	 * but itself. */
	for (int m = 0; m < ekq_nmarkers && !kq->marker_armed; m++)
		if (ekq_markers[m].fd != -1)
			epoll_ctl(kq->epfd, EPOLL_CTL_DEL, ekq_markers[m].fd,
			    NULL);
	ekq_kq_unlock(&ekq_marker_lock);
}

/*
 * fork(): a BSD kqueue is not inherited.  The child closes its copies.
 * Holding the table, helper and marker locks across fork() keeps what they
 * guard consistent; the states themselves may be mid-change in another
 * thread, so the child closes descriptors but frees nothing of them.
 */
static void
atfork_prepare(void)
{
	ekq_kq_lock(&ekq_table_lock);
	ekq_helper_lock();
	/* Not while the helper is still starting (kq_helper.c). */
	ekq_helper_wait_started_locked();
	ekq_kq_lock(&ekq_marker_lock);
}

static void
atfork_parent(void)
{
	ekq_kq_unlock(&ekq_marker_lock);
	ekq_helper_unlock();
	ekq_kq_unlock(&ekq_table_lock);
}

/* States a fork child abandoned: kept reachable, never used again. */
static struct ekq_kq *ekq_orphans;

static void
atfork_child(void)
{
	for (int fd = 0; fd < ekq_ntable; fd++) {
		struct ekq_kq *kq = ekq_table[fd];
		if (kq == NULL)
			continue;
		/* Only close what is still ours: the number may be reused. */
		if (tagged(fd, kq->owner))
			close(fd);
		if (!kq->dead) {
			kq->dead = true;
			kq->orphan_next = ekq_orphans;
			ekq_orphans = kq;
		}
		ekq_table[fd] = NULL;
	}
	ekq_nlive = 0;
	for (int m = 0; m < ekq_nmarkers; m++) {
		if (ekq_markers[m].fd != -1)
			close(ekq_markers[m].fd);
		ekq_markers[m].fd = -1;
		ekq_markers[m].users = 0;
	}
	ekq_nmarkers = 0;
	ekq_marker_users = 0;
	ekq_armed = NULL;
	ekq_reclaim_next = NULL;
	ekq_kq_unlock(&ekq_marker_lock);
	ekq_helper_atfork_child();
	ekq_kq_unlock(&ekq_table_lock);
}
