/*
 * eventfd on kqueue (fdobj.h).  The counter lives here; the descriptor's
 * kqueue holds one EVFILT_USER knote (EV_CLEAR), triggered when the counter
 * leaves zero and taken (so no longer pending) when it comes back to zero:
 * the descriptor is readable exactly while the counter is above zero.
 *
 * Linux's rules (fs/eventfd.c): a read takes the whole counter, or 1 with
 * EFD_SEMAPHORE, and blocks or fails with EAGAIN at zero; a write adds,
 * and blocks or fails with EAGAIN while the sum would pass
 * 0xfffffffffffffffe; writing 0xffffffffffffffff is EINVAL; buffers under
 * 8 bytes are EINVAL.  poll: EPOLLIN above zero, EPOLLOUT while one more
 * can be added (eventfd_poll()).
 */
#include "config.h"

#include "ep.h"
#include "fdobj.h"
#include "sys.h"

#include <sys/eventfd.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EKQ_EFD_MAX (UINT64_MAX - 1)

struct ekq_eventfd {
	struct ekq_fdobj obj;   /* first: the object is the eventfd */
	uint64_t count;
	bool semaphore;
	pthread_cond_t room;    /* blocked writers wait for a read */
};

static struct ekq_eventfd *
efd_of(struct ekq_fdobj *obj)
{
	return (struct ekq_eventfd *)obj;
}

static uint32_t
efd_bits_locked(const struct ekq_eventfd *efd)
{
	uint32_t bits = 0;
	if (efd->count > 0)
		bits |= EPOLLIN | EPOLLRDNORM;
	if (efd->count < EKQ_EFD_MAX)
		bits |= EPOLLOUT | EPOLLWRNORM;
	return bits;
}

static uint32_t
efd_bits(struct ekq_fdobj *obj, int fd)
{
	(void)fd;
	ekq_mutex_lock(&obj->lock);
	uint32_t bits = efd_bits_locked(efd_of(obj));
	ekq_mutex_unlock(&obj->lock);
	return bits;
}

static ssize_t
efd_read(struct ekq_fdobj *obj, int fd, void *buf, size_t n)
{
	struct ekq_eventfd *efd = efd_of(obj);
	if (n < sizeof(uint64_t)) {
		errno = EINVAL;
		return -1;
	}
	ekq_mutex_lock(&obj->lock);
	while (efd->count == 0) {
		bool nonblock = obj->nonblock;
		ekq_mutex_unlock(&obj->lock);
		if (nonblock) {
			errno = EAGAIN;
			return -1;
		}
		/* Readable when a write makes the counter non-zero. */
		if (ekq_fdobj_wait(fd) == -1)
			return -1;
		ekq_mutex_lock(&obj->lock);
	}
	uint64_t value = efd->semaphore ? 1 : efd->count;
	efd->count -= value;
	if (efd->count == 0)
		ekq_fdobj_drain(fd);
	ekq_fdobj_poke(obj, EPOLLOUT);
	pthread_cond_broadcast(&efd->room);
	ekq_mutex_unlock(&obj->lock);
	memcpy(buf, &value, sizeof value);
	return sizeof value;
}

static ssize_t
efd_write(struct ekq_fdobj *obj, int fd, const void *buf, size_t n)
{
	struct ekq_eventfd *efd = efd_of(obj);
	uint64_t value;
	if (n < sizeof value) {
		errno = EINVAL;
		return -1;
	}
	memcpy(&value, buf, sizeof value);
	if (value == UINT64_MAX) {
		errno = EINVAL;
		return -1;
	}
	ekq_mutex_lock(&obj->lock);
	while (EKQ_EFD_MAX - efd->count < value) {
		if (obj->nonblock) {
			ekq_mutex_unlock(&obj->lock);
			errno = EAGAIN;
			return -1;
		}
		/* Only a read here makes room: the counter is this
		 * process's own (not shared with a fork() child). */
		ekq_cond_wait(&efd->room, &obj->lock);
	}
	bool was_zero = efd->count == 0;
	efd->count += value;
	int err = 0;
	if (was_zero && efd->count > 0)
		err = ekq_fdobj_trigger(fd, 0);
	if (err != 0) {
		efd->count -= value;
		ekq_mutex_unlock(&obj->lock);
		errno = err == ENOMEM ? ENOMEM : EIO;
		return -1;
	}
	/* Linux wakes the waiters even for a write of 0. */
	ekq_fdobj_poke(obj, EPOLLIN);
	ekq_mutex_unlock(&obj->lock);
	return sizeof value;
}

static int
efd_rebuild(struct ekq_fdobj *obj, int kq)
{
	struct ekq_eventfd *efd = efd_of(obj);
	pthread_cond_t fresh = PTHREAD_COND_INITIALIZER;
	efd->room = fresh;
	int err = ekq_fdobj_trigger(kq, 0);
	if (err == 0 && efd->count == 0)
		ekq_fdobj_drain(kq);
	return err;
}

static void
efd_destroy(struct ekq_fdobj *obj)
{
	struct ekq_eventfd *efd = efd_of(obj);
	pthread_cond_destroy(&efd->room);
	free(efd);
}

static const struct ekq_fdops ekq_eventfd_ops = {
	.read = efd_read,
	.write = efd_write,
	.bits = efd_bits,
	.rebuild = efd_rebuild,
	.destroy = efd_destroy,
};

EKQ_EXPORT int
ekq_eventfd(unsigned int initval, int flags)
{
	bool cloexec, nonblock;
	if (!ekq_linux_flags(flags, EFD_SEMAPHORE, &cloexec, &nonblock)) {
		errno = EINVAL;
		return -1;
	}
	struct ekq_eventfd *efd = ekq_calloc(1, sizeof *efd);
	if (efd == NULL) {
		errno = ENOMEM;
		return -1;
	}
	int err = ekq_fdobj_init(&efd->obj, EKQ_FDT_EVENTFD, &ekq_eventfd_ops,
	    nonblock);
	if (err == 0 && pthread_cond_init(&efd->room, NULL) != 0) {
		pthread_mutex_destroy(&efd->obj.lock);
		err = ENOMEM;
	}
	if (err != 0) {
		free(efd);
		errno = err;
		return -1;
	}
	efd->count = initval;
	efd->semaphore = (flags & EFD_SEMAPHORE) != 0;
	int fd = ekq_fdobj_kqueue(cloexec);
	if (fd == -1) {
		err = errno;
		goto fail;
	}
	/* The user knote exists from the start, so a write never fails for
	 * want of memory to add it. */
	err = ekq_fdobj_trigger(fd, 0);
	if (err == 0 && initval == 0)
		ekq_fdobj_drain(fd);
	if (err == 0)
		err = ekq_fdobj_install(fd, &efd->obj);
	if (err != 0) {
		ekq_real_close(fd);
		goto fail;
	}
	return fd;
fail:
	pthread_cond_destroy(&efd->room);
	pthread_mutex_destroy(&efd->obj.lock);
	free(efd);
	errno = err;
	return -1;
}

/* As glibc's: read() and write() of 8 bytes -- ours, called directly, as
 * the library's own calls of read() may not be interposed (Mach-O). */
EKQ_EXPORT int
ekq_eventfd_read(int fd, eventfd_t *value)
{
	struct ekq_fdobj *obj = ekq_fdobj_get(fd);
	ssize_t r = obj == NULL ? ekq_real_read(fd, value, sizeof *value) :
	    ekq_fdobj_read_put(obj, fd, value, sizeof *value);
	return r == sizeof *value ? 0 : -1;
}

EKQ_EXPORT int
ekq_eventfd_write(int fd, eventfd_t value)
{
	struct ekq_fdobj *obj = ekq_fdobj_get(fd);
	ssize_t r = obj == NULL ? ekq_real_write(fd, &value, sizeof value) :
	    ekq_fdobj_write_put(obj, fd, &value, sizeof value);
	return r == sizeof value ? 0 : -1;
}
