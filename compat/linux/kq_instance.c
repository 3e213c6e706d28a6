/*
 * kqueue() and the table that maps a kqueue descriptor to its state.
 *
 * Linux gives no notice when a descriptor is closed, so the table can hold
 * entries whose number has since been closed or reused.  Each kevent()
 * therefore checks that its descriptor is still one of our epolls: every
 * kqueue's epoll holds a registration of the process-wide marker eventfd,
 * and EPOLL_CTL_ADD of the marker fails with EEXIST exactly there.  The
 * marker's registration data names the kqueue, which lets a descriptor that
 * we never handed out (a dup() of a kqueue) be matched to its state through
 * /proc/self/fdinfo.
 *
 * The marker's counter is always 1, so while a kqueue has events pending in
 * user space (EVFILT_USER triggers, deferred EV_CLEAR events) its
 * registration asks for EPOLLIN and the kqueue descriptor polls readable.
 */
#include "config.h"

#include "kq.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static pthread_mutex_t ekq_global_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t ekq_atfork_once = PTHREAD_ONCE_INIT;
static int ekq_marker = -1;
static struct ekq_kq **ekq_table;  /* descriptor number -> kqueue */
static int ekq_ntable;
static uint32_t ekq_next_id = 1;
static size_t ekq_nlive;           /* kqueues in the table */
static size_t ekq_sweep_at = 64;   /* sweep stale entries past this many */

int
ekq_marker_fd(void)
{
	return ekq_marker;
}

static void
kq_free(struct ekq_kq *kq)
{
	ekq_fd_free_all(kq);
	ekq_user_free_all(kq);
	for (unsigned i = 0; i < EKQ_NLOCS; i++)
		if (kq->side[i] != -1)
			close(kq->side[i]);
	pthread_mutex_destroy(&kq->lock);
	free(kq);
}

/* Drop one reference; the caller holds ekq_global_lock. */
static void
kq_unref_locked(struct ekq_kq *kq)
{
	if (--kq->refs == 0)
		kq_free(kq);
}

void
ekq_kq_release(struct ekq_kq *kq)
{
	pthread_mutex_lock(&ekq_global_lock);
	kq_unref_locked(kq);
	pthread_mutex_unlock(&ekq_global_lock);
}

/* Remove table entry `fd` (which must hold kq); global lock held. */
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
 * Is `fd` one of our kqueues?  1 yes, 0 no.  A foreign epoll that took the
 * probe is put back as it was.
 */
static int
is_our_epoll(int fd)
{
	struct epoll_event ev = { .events = 0, .data.u64 = EKQ_DATA_MARKER };
	if (epoll_ctl(fd, EPOLL_CTL_ADD, ekq_marker, &ev) == 0) {
		epoll_ctl(fd, EPOLL_CTL_DEL, ekq_marker, NULL);
		return 0;
	}
	return errno == EEXIST;
}

/* Drop entries whose descriptor is no longer one of our kqueues. */
static void
sweep_locked(void)
{
	for (int fd = 0; fd < ekq_ntable; fd++)
		if (ekq_table[fd] != NULL && !is_our_epoll(fd))
			table_clear_locked(fd);
	ekq_sweep_at = 2 * (ekq_nlive > 32 ? ekq_nlive : 32);
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
	int saved;

	pthread_mutex_lock(&ekq_global_lock);
	if (ekq_marker == -1) {
		ekq_marker = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
		if (ekq_marker == -1) {
			pthread_mutex_unlock(&ekq_global_lock);
			return -1;
		}
	}
	pthread_mutex_unlock(&ekq_global_lock);

	/*
	 * Always close-on-exec: a BSD kqueue never reaches a child, and a
	 * child started by posix_spawn() runs no fork handlers.
	 */
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd == -1)
		return -1;

	struct ekq_kq *kq = calloc(1, sizeof *kq);
	if (kq == NULL)
		goto fail;
	pthread_mutex_init(&kq->lock, NULL);
	kq->epfd = epfd;
	for (unsigned i = 0; i < EKQ_NLOCS; i++)
		kq->side[i] = -1;
	kq->pending.next = kq->pending.prev = &kq->pending;
	kq->next_gen = 1;
	kq->refs = 1;

	pthread_mutex_lock(&ekq_global_lock);
	kq->id = ekq_next_id++;
	struct epoll_event ev = { .events = 0,
		.data.u64 = EKQ_DATA_MARKER | kq->id };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, ekq_marker, &ev) == -1 ||
	    table_reserve_locked(epfd) == -1) {
		saved = errno == ENOSPC ? ENOMEM : errno;
		pthread_mutex_unlock(&ekq_global_lock);
		pthread_mutex_destroy(&kq->lock);
		free(kq);
		close(epfd);
		errno = saved;
		return -1;
	}
	/* The number was free, so whatever the table held for it is stale. */
	if (ekq_table[epfd] != NULL)
		table_clear_locked(epfd);
	if (ekq_nlive >= ekq_sweep_at)
		sweep_locked();
	ekq_table[epfd] = kq;
	ekq_nlive++;
	pthread_mutex_unlock(&ekq_global_lock);

	pthread_once(&ekq_atfork_once, register_atfork);
	return epfd;
fail:
	saved = errno;
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

/* Find the id that the marker's registration in `fd` carries. */
static int
fdinfo_kq_id(int fd, uint32_t *id)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return -1;
	int found = -1;
	while (fgets(line, sizeof line, f) != NULL) {
		int tfd;
		unsigned events;
		uint64_t data;
		if (sscanf(line, "tfd: %d events: %x data: %" SCNx64, &tfd,
		    &events, &data) == 3 && tfd == ekq_marker &&
		    (data & EKQ_DATA_MARKER)) {
			*id = (uint32_t)data;
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

/*
 * A descriptor that is one of our epolls but not in the table: a dup() of a
 * kqueue, or the fork-rebuild's dup2().  Find its state by id.
 */
static struct ekq_kq *
adopt_locked(int fd)
{
	uint32_t id;
	if (fdinfo_kq_id(fd, &id) == -1)
		return NULL;
	for (int i = 0; i < ekq_ntable; i++) {
		struct ekq_kq *kq = ekq_table[i];
		if (kq != NULL && kq->id == id) {
			if (table_reserve_locked(fd) == -1)
				return NULL;
			kq->refs++;
			ekq_table[fd] = kq;
			ekq_nlive++;
			return kq;
		}
	}
	return NULL;
}

struct ekq_kq *
ekq_kq_acquire(int kqfd)
{
	struct ekq_kq *kq = NULL;

	if (kqfd < 0 || ekq_marker == -1)
		goto ebadf;
	bool ours = is_our_epoll(kqfd);
	pthread_mutex_lock(&ekq_global_lock);
	if (kqfd < ekq_ntable)
		kq = ekq_table[kqfd];
	if (!ours) {
		if (kq != NULL)
			table_clear_locked(kqfd);
		pthread_mutex_unlock(&ekq_global_lock);
		goto ebadf;
	}
	if (kq == NULL)
		kq = adopt_locked(kqfd);
	if (kq != NULL)
		kq->refs++;
	pthread_mutex_unlock(&ekq_global_lock);
	if (kq == NULL)
		goto ebadf;
	return kq;
ebadf:
	errno = EBADF;
	return NULL;
}

int
ekq_kq_side(struct ekq_kq *kq, unsigned loc)
{
	if (kq->side[loc] != -1)
		return kq->side[loc];
	int fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd == -1)
		return -1;
	/* Level-triggered in the main epoll: readable while it has events. */
	struct epoll_event ev = { .events = EPOLLIN,
		.data.u64 = EKQ_DATA_SIDE | loc };
	if (epoll_ctl(kq->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		int saved = errno == ENOSPC ? ENOMEM : errno;
		close(fd);
		errno = saved;
		return -1;
	}
	kq->side[loc] = fd;
	return fd;
}

void
ekq_kq_arm_marker(struct ekq_kq *kq, bool on)
{
	if (kq->marker_armed == on)
		return;
	struct epoll_event ev = { .events = on ? EPOLLIN : 0,
		.data.u64 = EKQ_DATA_MARKER | kq->id };
	if (epoll_ctl(kq->epfd, EPOLL_CTL_MOD, ekq_marker, &ev) == 0)
		kq->marker_armed = on;
}

/*
 * fork(): a BSD kqueue is not inherited.  The forking thread holds every
 * lock across fork() so that the child finds consistent tables; the child
 * then closes its copies and frees their state.  A kqueue can sit in the
 * table under several numbers: `forklocked` makes each one locked once.
 */
static void
atfork_prepare(void)
{
	pthread_mutex_lock(&ekq_global_lock);
	for (int fd = 0; fd < ekq_ntable; fd++) {
		struct ekq_kq *kq = ekq_table[fd];
		if (kq != NULL && !kq->forklocked) {
			pthread_mutex_lock(&kq->lock);
			kq->forklocked = true;
		}
	}
}

static void
atfork_parent(void)
{
	for (int fd = 0; fd < ekq_ntable; fd++) {
		struct ekq_kq *kq = ekq_table[fd];
		if (kq != NULL && kq->forklocked) {
			kq->forklocked = false;
			pthread_mutex_unlock(&kq->lock);
		}
	}
	pthread_mutex_unlock(&ekq_global_lock);
}

static void
atfork_child(void)
{
	struct ekq_kq *doomed = NULL;

	for (int fd = 0; fd < ekq_ntable; fd++) {
		struct ekq_kq *kq = ekq_table[fd];
		if (kq == NULL)
			continue;
		/* Only close what is still ours: the number may be reused. */
		if (is_our_epoll(fd))
			close(fd);
		ekq_table[fd] = NULL;
		if (kq->forklocked) {
			kq->forklocked = false;
			pthread_mutex_unlock(&kq->lock);
			kq->fork_next = doomed;
			doomed = kq;
		}
	}
	ekq_nlive = 0;
	/* References held by other threads' kevent() calls died with them. */
	while (doomed != NULL) {
		struct ekq_kq *kq = doomed;
		doomed = kq->fork_next;
		kq_free(kq);
	}
	pthread_mutex_unlock(&ekq_global_lock);
}
