/*
 * timerfd on kqueue (fdobj.h).  The timer is kept here, in the timerfd's
 * clock: its next expiry and its interval.  Expirations are counted by
 * clock arithmetic when the timerfd is looked at (hrtimer_forward()'s
 * count), so nothing is lost to a late read.  The descriptor's kqueue
 * holds one EV_ONESHOT EVFILT_TIMER knote set for the next expiry, which
 * makes the descriptor readable then, and one EVFILT_USER knote that makes
 * it readable when a clock set cancels it.  After a read, or whenever a
 * look finds the kqueue readable for nothing (a clock stepped back), its
 * events are taken and the knote set again.
 *
 * Linux's rules (fs/timerfd.c): read gives the expirations since the last
 * read and blocks or fails with EAGAIN at none; timerfd_settime() resets
 * the count (do_timerfd_settime -> timerfd_setup); a disarmed timer keeps
 * its interval for timerfd_gettime(); with TFD_TIMER_ABSTIME and
 * TFD_TIMER_CANCEL_ON_SET on CLOCK_REALTIME a clock set makes the next
 * read fail once with ECANCELED (timerfd_clock_was_set, timerfd_canceled).
 */
#include "config.h"

#include "ep.h"
#include "fdobj.h"
#include "sys.h"

#include <sys/timerfd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000LL
/* A clock step seen by comparing clocks, for sets made by other processes
 * (a step of this process is known at once: interpose.c). */
#define EKQ_STEP_NS (100 * 1000000LL)

#define IDENT_CANCEL 0
#define IDENT_TIMER 1

struct ekq_timerfd {
	struct ekq_fdobj obj;
	clockid_t clock;        /* the system clock read for it */
	bool armed;
	atomic_bool might_cancel; /* ABSTIME|CANCEL_ON_SET on CLOCK_REALTIME */
	bool canceled;          /* a clock set not yet told by a read */
	int64_t next;           /* next expiry, ns on `clock` */
	int64_t interval;       /* ns; 0: one-shot */
	uint64_t ticks;         /* expirations not yet read */
	unsigned sets;          /* ekq_clock_sets when last looked at */
	int64_t offset;         /* realtime - monotonic then */
};

static atomic_uint ekq_clock_sets;

static int64_t
now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static int64_t
real_offset(void)
{
	return now_ns(CLOCK_REALTIME) - now_ns(CLOCK_MONOTONIC);
}

static struct ekq_timerfd *
tfd_of(struct ekq_fdobj *obj)
{
	return (struct ekq_timerfd *)obj;
}

static void
set_kernel_timer(struct ekq_timerfd *tfd, int fd, int64_t now)
{
	struct kevent kev;
	if (!tfd->armed) {
		EV_SET(&kev, IDENT_TIMER, EVFILT_TIMER, EV_DELETE, 0, 0, NULL);
		(void)kevent(fd, &kev, 1, NULL, 0, NULL);
		return;
	}
	int64_t ns = tfd->next - now;
	if (ns < 1)
		ns = 1;
#ifdef NOTE_NSECONDS
	EV_SET(&kev, IDENT_TIMER, EVFILT_TIMER, EV_ADD | EV_ONESHOT,
	    NOTE_NSECONDS, ns, NULL);
#else
	EV_SET(&kev, IDENT_TIMER, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0,
	    (ns + 999999) / 1000000, NULL);
#endif
	(void)kevent(fd, &kev, 1, NULL, 0, NULL);
}

/* Count what expired by now, and notice clock sets. */
static void
count(struct ekq_timerfd *tfd)
{
	if (atomic_load(&tfd->might_cancel) && !tfd->canceled) {
		unsigned sets = atomic_load(&ekq_clock_sets);
		int64_t off = real_offset();
		int64_t moved = off - tfd->offset;
		if (sets != tfd->sets || moved > EKQ_STEP_NS ||
		    moved < -EKQ_STEP_NS) {
			tfd->canceled = true;
			tfd->sets = sets;
			tfd->offset = off;
		}
	}
	if (!tfd->armed)
		return;
	int64_t now = now_ns(tfd->clock);
	if (now < tfd->next)
		return;
	if (tfd->interval > 0) {
		uint64_t k = 1 + (uint64_t)((now - tfd->next) / tfd->interval);
		tfd->ticks += k;
		tfd->next += (int64_t)k * tfd->interval;
	} else {
		tfd->ticks++;
		tfd->armed = false;
	}
}

/*
 * count(), and make the kqueue agree.  An expiry counted here may come
 * before the kernel's timer has fired (it fires a little late, and
 * compat/'s helper later still): the user knote is triggered then, so
 * that select() and kevent() agree with what read() and poll() now say.
 */
static void
refresh(struct ekq_timerfd *tfd, int fd)
{
	uint64_t before = tfd->ticks;
	bool was_canceled = tfd->canceled;
	count(tfd);
	if ((tfd->ticks > before || (tfd->canceled && !was_canceled)) &&
	    fd >= 0)
		(void)ekq_fdobj_trigger(fd, IDENT_CANCEL);
}

/* Nothing to read: the kqueue must not say otherwise. */
static void
settle(struct ekq_timerfd *tfd, int fd)
{
	if (ekq_fdobj_drain(fd) > 0)
		set_kernel_timer(tfd, fd, now_ns(tfd->clock));
}

static uint32_t
tfd_bits(struct ekq_fdobj *obj, int fd)
{
	struct ekq_timerfd *tfd = tfd_of(obj);
	ekq_mutex_lock(&obj->lock);
	refresh(tfd, fd);
	bool ready = tfd->ticks > 0 || tfd->canceled;
	if (!ready)
		settle(tfd, fd);
	ekq_mutex_unlock(&obj->lock);
	return ready ? EPOLLIN | EPOLLRDNORM : 0;
}

static ssize_t
tfd_read(struct ekq_fdobj *obj, int fd, void *buf, size_t n)
{
	struct ekq_timerfd *tfd = tfd_of(obj);
	if (n < sizeof(uint64_t)) {
		errno = EINVAL;
		return -1;
	}
	ekq_mutex_lock(&obj->lock);
	for (;;) {
		refresh(tfd, fd);
		if (tfd->ticks > 0 || tfd->canceled)
			break;
		settle(tfd, fd);
		bool nonblock = obj->nonblock;
		ekq_mutex_unlock(&obj->lock);
		if (nonblock) {
			errno = EAGAIN;
			return -1;
		}
		if (ekq_fdobj_wait(fd) == -1)
			return -1;
		ekq_mutex_lock(&obj->lock);
	}
	uint64_t ticks = tfd->ticks;
	bool canceled = tfd->canceled;
	tfd->ticks = 0;
	tfd->canceled = false;
	settle(tfd, fd);
	ekq_mutex_unlock(&obj->lock);
	if (canceled) {
		errno = ECANCELED;
		return -1;
	}
	memcpy(buf, &ticks, sizeof ticks);
	return sizeof ticks;
}

static ssize_t
tfd_write(struct ekq_fdobj *obj, int fd, const void *buf, size_t n)
{
	(void)obj;
	(void)fd;
	(void)buf;
	(void)n;
	errno = EINVAL; /* timerfd_fops has no write */
	return -1;
}

static int
tfd_rebuild(struct ekq_fdobj *obj, int kq)
{
	struct ekq_timerfd *tfd = tfd_of(obj);
	int err = ekq_fdobj_trigger(kq, IDENT_CANCEL);
	if (err != 0 && err != ENOSYS)
		return err;
	count(tfd);
	if (tfd->ticks == 0 && !tfd->canceled)
		ekq_fdobj_drain(kq);
	set_kernel_timer(tfd, kq, now_ns(tfd->clock));
	return 0;
}

static void
tfd_destroy(struct ekq_fdobj *obj)
{
	free(tfd_of(obj));
}

static const struct ekq_fdops ekq_timerfd_ops = {
	.read = tfd_read,
	.write = tfd_write,
	.bits = tfd_bits,
	.rebuild = tfd_rebuild,
	.destroy = tfd_destroy,
};

/* The system clock behind a Linux clock id; false for one Linux refuses. */
static bool
host_clock(int clockid, clockid_t *clock)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		*clock = CLOCK_REALTIME;
		return true;
	case CLOCK_MONOTONIC:
		*clock = CLOCK_MONOTONIC;
		return true;
	case CLOCK_BOOTTIME:
#if CLOCK_BOOTTIME == 0x656b7107
		/* The system has none: its monotonic clock stands in. */
		*clock = CLOCK_MONOTONIC;
#else
		*clock = CLOCK_BOOTTIME;
#endif
		return true;
	default:
		return false;
	}
}

EKQ_EXPORT int
ekq_timerfd_create(int clockid, int flags)
{
	bool cloexec, nonblock;
	clockid_t clock;
	bool alarm = clockid == CLOCK_REALTIME_ALARM ||
	    clockid == CLOCK_BOOTTIME_ALARM;
	if (!ekq_linux_flags(flags, 0, &cloexec, &nonblock) ||
	    (!alarm && !host_clock(clockid, &clock))) {
		errno = EINVAL;
		return -1;
	}
	if (alarm) {
		/* Linux without CAP_WAKE_ALARM: no system here can wake
		 * from suspend for us. */
		errno = EPERM;
		return -1;
	}
	struct ekq_timerfd *tfd = ekq_calloc(1, sizeof *tfd);
	if (tfd == NULL) {
		errno = ENOMEM;
		return -1;
	}
	int err = ekq_fdobj_init(&tfd->obj, EKQ_FDT_TIMERFD, &ekq_timerfd_ops,
	    nonblock);
	if (err != 0) {
		free(tfd);
		errno = err;
		return -1;
	}
	tfd->clock = clock;
	int fd = ekq_fdobj_kqueue(cloexec);
	if (fd == -1) {
		err = errno;
		goto fail;
	}
	/* Both knotes exist from the start: a later settime() or clock set
	 * needs no memory the kernel may refuse. */
	err = ekq_fdobj_trigger(fd, IDENT_CANCEL);
	if (err == ENOSYS)
		err = 0; /* no EVFILT_USER: a clock set is seen at the next look */
	if (err == 0) {
		ekq_fdobj_drain(fd);
		err = ekq_fdobj_install(fd, &tfd->obj);
	}
	if (err != 0) {
		ekq_real_close(fd);
		goto fail;
	}
	return fd;
fail:
	pthread_mutex_destroy(&tfd->obj.lock);
	free(tfd);
	errno = err;
	return -1;
}

/* The timerfd at `fd`, or NULL with Linux's errno (EBADF, EINVAL). */
static struct ekq_fdobj *
timerfd_get(int fd)
{
	struct ekq_fdobj *obj = ekq_fdobj_get(fd);
	if (obj != NULL && obj->type == EKQ_FDT_TIMERFD)
		return obj;
	if (obj != NULL)
		ekq_fdobj_put(obj);
	errno = fcntl(fd, F_GETFD) == -1 ? EBADF : EINVAL;
	return NULL;
}

static bool
ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NS;
}

static int64_t
ts_ns(const struct timespec *ts)
{
	if (ts->tv_sec > INT64_MAX / NS - 1)
		return INT64_MAX / 2; /* far enough: never */
	return (int64_t)ts->tv_sec * NS + ts->tv_nsec;
}

static struct timespec
ns_ts(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / NS), (long)(ns % NS) };
	return ts;
}

static void
current(struct ekq_timerfd *tfd, struct itimerspec *cur)
{
	int64_t left = 0;
	if (tfd->armed) {
		left = tfd->next - now_ns(tfd->clock);
		if (left < 1)
			left = 1; /* expiring now: Linux says at least 1 ns */
	}
	cur->it_value = ns_ts(left);
	cur->it_interval = ns_ts(tfd->interval);
}

EKQ_EXPORT int
ekq_timerfd_settime(int fd, int flags, const struct itimerspec *new_value,
    struct itimerspec *old_value)
{
	if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) {
		errno = EINVAL;
		return -1;
	}
	if (new_value == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (!ts_valid(&new_value->it_value) ||
	    !ts_valid(&new_value->it_interval)) {
		errno = EINVAL;
		return -1;
	}
	struct ekq_fdobj *obj = timerfd_get(fd);
	if (obj == NULL)
		return -1;
	struct ekq_timerfd *tfd = tfd_of(obj);
	ekq_mutex_lock(&obj->lock);
	refresh(tfd, fd);
	if (old_value != NULL)
		current(tfd, old_value);
	int64_t now = now_ns(tfd->clock);
	int64_t value = ts_ns(&new_value->it_value);
	tfd->interval = ts_ns(&new_value->it_interval);
	tfd->ticks = 0;
	tfd->canceled = false;
	atomic_store(&tfd->might_cancel, tfd->clock == CLOCK_REALTIME &&
	    (flags & TFD_TIMER_ABSTIME) && (flags & TFD_TIMER_CANCEL_ON_SET));
	tfd->sets = atomic_load(&ekq_clock_sets);
	tfd->offset = real_offset();
	tfd->armed = value != 0;
	if (tfd->armed)
		tfd->next = (flags & TFD_TIMER_ABSTIME) ? value : now + value;
	ekq_fdobj_drain(fd);
	set_kernel_timer(tfd, fd, now);
	ekq_mutex_unlock(&obj->lock);
	ekq_fdobj_put(obj);
	return 0;
}

EKQ_EXPORT int
ekq_timerfd_gettime(int fd, struct itimerspec *curr_value)
{
	if (curr_value == NULL) {
		errno = EFAULT;
		return -1;
	}
	struct ekq_fdobj *obj = timerfd_get(fd);
	if (obj == NULL)
		return -1;
	struct ekq_timerfd *tfd = tfd_of(obj);
	ekq_mutex_lock(&obj->lock);
	refresh(tfd, fd);
	current(tfd, curr_value);
	ekq_mutex_unlock(&obj->lock);
	ekq_fdobj_put(obj);
	return 0;
}

struct cancel_list {
	int *fds;
	size_t n, cap;
};

static void
cancel_one(int fd, struct ekq_fdobj *obj, void *arg)
{
	struct cancel_list *l = arg;
	if (!atomic_load(&tfd_of(obj)->might_cancel))
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		int *fds = realloc(l->fds, cap * sizeof *fds);
		if (fds == NULL)
			return; /* that one is seen canceled at its next look */
		l->fds = fds;
		l->cap = cap;
	}
	l->fds[l->n++] = fd;
}

void
ekq_timerfd_clock_was_set(void)
{
	atomic_fetch_add(&ekq_clock_sets, 1);
	if (atomic_load(&ekq_fdobj_live) == 0)
		return;
	/* Collected under the table lock, made readable outside it: the
	 * table lock is a leaf (fdobj.h), and kevent() may take a kqueue's
	 * own locks, which call back into the table (compat/'s fcntl()). */
	struct cancel_list l = { NULL, 0, 0 };
	ekq_fdtab_lock();
	ekq_fdobj_each_locked(EKQ_FDT_TIMERFD, cancel_one, &l);
	ekq_fdtab_unlock();
	for (size_t i = 0; i < l.n; i++)
		(void)ekq_fdobj_trigger(l.fds[i], IDENT_CANCEL);
	free(l.fds);
}
