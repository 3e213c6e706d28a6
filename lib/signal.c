/*
 * An instance's "held events" signal: while it is on, the instance's
 * kqueue is readable, so poll() on the epoll descriptor, an instance it is
 * registered in, and threads blocked in kevent() see the events that
 * epoll_wait() holds (ep.h).
 *
 * With EVFILT_USER it is a level-triggered user knote in the instance's own
 * kqueue: no descriptor at all.  Without it (NetBSD before 10) there is one
 * descriptor per process, not per instance: the "beacon", the read end of a
 * pipe that holds one byte and whose write end is closed, so that its read
 * knote fires (EV_EOF, data 1) for as long as it lives.  An instance's
 * signal is then a level read knote on the beacon.  The beacon is opened
 * when the first instance turns its signal on and closed when the last one
 * turns it off, or is found gone (an instance closed with close() while its
 * signal was on is found at the next epoll call that meets its number).
 *
 * The beacon's number is the program's once we have closed it; and the
 * program may close it under us (a daemon closing every descriptor after
 * fork()).  So it is looked at before it is used or closed, and forgotten,
 * never closed, if it is not a one-byte pipe with no writer any more.
 *
 * Locks: ekq_beacon_lock is the leaf: taken with an instance's lock or the
 * table lock held, it takes nothing.
 */
#include "config.h"

#include "ep.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef HAVE_EVFILT_USER
static pthread_mutex_t ekq_beacon_lock = PTHREAD_MUTEX_INITIALIZER;
static int ekq_beacon = -1;
static unsigned ekq_beacon_users; /* instances with a knote on it */

/* Is `fd` still the beacon we made: a FIFO read end holding one byte? */
static bool
beacon_ours(int fd)
{
	struct stat st;
	int fl = ekq_sys_fcntl(fd, F_GETFL, 0);
	int n = 0;
	return fl != -1 && (fl & O_ACCMODE) == O_RDONLY &&
	    ekq_sys_fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    ioctl(fd, FIONREAD, &n) == 0 && n == 1;
}

static int
beacon_open(void)
{
	int p[2];
	if (ekq_sys_pipe(p) == -1)
		return -1;
	bool ok = write(p[1], "b", 1) == 1 &&
	    ekq_sys_fcntl(p[0], F_SETFD, FD_CLOEXEC) != -1;
	close(p[1]);
	if (!ok) {
		close(p[0]);
		errno = ENOMEM;
		return -1;
	}
	return p[0];
}

/* The beacon, opened if need be, counted as used; -1 if none. */
static int
beacon_get(void)
{
	pthread_mutex_lock(&ekq_beacon_lock);
	if (ekq_beacon != -1 && !beacon_ours(ekq_beacon)) {
		ekq_beacon = -1; /* the program's now: not ours to close */
		ekq_beacon_users = 0;
	}
	if (ekq_beacon == -1)
		ekq_beacon = beacon_open();
	int fd = ekq_beacon;
	if (fd != -1)
		ekq_beacon_users++;
	pthread_mutex_unlock(&ekq_beacon_lock);
	return fd;
}

static void
beacon_put(int fd)
{
	pthread_mutex_lock(&ekq_beacon_lock);
	if (fd == ekq_beacon && ekq_beacon_users > 0 &&
	    --ekq_beacon_users == 0) {
		if (beacon_ours(ekq_beacon))
			close(ekq_beacon);
		ekq_beacon = -1;
	}
	pthread_mutex_unlock(&ekq_beacon_lock);
}
#endif

int
ekq_signal_init(struct ekq_ep *ep)
{
	ep->beacon_fd = -1;
#ifdef HAVE_EVFILT_USER
	struct kevent kev;
	EV_SET(&kev, EKQ_USER_IDENT, EVFILT_USER, EV_ADD, 0, 0, NULL);
	return ekq_sys_kevent(ep->epfd, &kev, 1, NULL, 0, NULL);
#else
	return 0;
#endif
}

bool
ekq_is_signal(const struct ekq_ep *ep, const struct kevent *kev)
{
#ifdef HAVE_EVFILT_USER
	(void)ep;
	return kev->filter == EVFILT_USER && kev->ident == EKQ_USER_IDENT;
#else
	return kev->filter == EVFILT_READ && ep->beacon_fd != -1 &&
	    (int)kev->ident == ep->beacon_fd;
#endif
}

static int
signal_change(struct ekq_ep *ep, bool on)
{
	struct kevent kev;
#ifdef HAVE_EVFILT_USER
	if (on)
		EV_SET(&kev, EKQ_USER_IDENT, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL);
	else
		EV_SET(&kev, EKQ_USER_IDENT, EVFILT_USER, EV_CLEAR, 0, 0, NULL);
	return ekq_sys_kevent(ep->epfd, &kev, 1, NULL, 0, NULL);
#else
	if (on) {
		int fd = beacon_get();
		if (fd == -1)
			return -1;
		EV_SET(&kev, fd, EVFILT_READ, EV_ADD, 0, 0, NULL);
		if (ekq_sys_kevent(ep->epfd, &kev, 1, NULL, 0, NULL) == -1) {
			int saved = errno;
			beacon_put(fd);
			errno = saved;
			return -1;
		}
		ep->beacon_fd = fd;
		return 0;
	}
	EV_SET(&kev, ep->beacon_fd, EVFILT_READ, EV_DELETE, 0, 0, NULL);
	/* Gone already if the beacon was closed under us: off either way. */
	ekq_sys_kevent(ep->epfd, &kev, 1, NULL, 0, NULL);
	beacon_put(ep->beacon_fd);
	ep->beacon_fd = -1;
	return 0;
#endif
}

void
ekq_ep_set_user(struct ekq_ep *ep, bool on)
{
	if (ep->user_triggered == on)
		return;
	/* Out of memory in the kernel: once more, as a signal that is not
	 * in step with the held list misleads every later pass. */
	if (signal_change(ep, on) == -1 &&
	    (errno != ENOMEM || signal_change(ep, on) == -1))
		return;
	ep->user_triggered = on;
}

/* The fork child's new kqueue: the signal again, on if it was. */
int
ekq_signal_register(struct ekq_ep *ep)
{
	bool on = ep->user_triggered;
	ep->user_triggered = false;
	if (ekq_signal_init(ep) == -1)
		return -1;
	ekq_ep_set_user(ep, on);
	return 0;
}

/* The instance is being freed: its share of the beacon goes. */
void
ekq_signal_release(struct ekq_ep *ep)
{
#ifndef HAVE_EVFILT_USER
	if (ep->beacon_fd != -1)
		beacon_put(ep->beacon_fd);
#endif
	ep->beacon_fd = -1;
}

/*
 * fork(), in the child, before the instances are rebuilt: their knotes on
 * the beacon went with the parent's kqueues; the beacon itself, a pipe,
 * was copied.  Every rebuilt instance whose signal is on takes it again.
 */
void
ekq_signal_fork_child(void)
{
#ifndef HAVE_EVFILT_USER
	pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
	ekq_beacon_lock = fresh;
	ekq_beacon_users = 0;
#endif
}

/* fork(), in the child, after the rebuild: a beacon nobody took goes. */
void
ekq_signal_fork_done(void)
{
#ifndef HAVE_EVFILT_USER
	if (ekq_beacon != -1 && ekq_beacon_users == 0) {
		if (beacon_ours(ekq_beacon))
			close(ekq_beacon);
		ekq_beacon = -1;
	}
#endif
}
