/*
 * fstat(), poll() and kqueue() as a BSD kernel answers them (see
 * <ekq_host.h>).  What differs between the BSDs is a platform profile's
 * EKQ_PROFILE_* facts (profiles/README); without a profile, FreeBSD's
 * kqueue over Linux's poll() bits.
 */
#include "config.h"

#include "kq.h"

#include <ekq_host.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(EKQ_PROFILE_POLL_PIPE_EOF_IN) || \
    defined(EKQ_PROFILE_POLL_PIPE_EOF_NOHUP) || \
    defined(EKQ_PROFILE_POLL_WIDOWED_HUP) || \
    defined(EKQ_PROFILE_POLL_WIDOWED_QUIET) || \
    defined(EKQ_PROFILE_POLL_SOCKET_QUIET) || \
    defined(EKQ_PROFILE_POLL_SOCKET_NOERR) || \
    defined(EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET) || \
    defined(EKQ_PROFILE_POLL_SOCKET_DOWN_NOOUT) || \
    defined(EKQ_PROFILE_POLL_SOCKET_RDEOF_HUP)
#define EKQ_POLL_AS_PROFILE 1
#endif
#if defined(EKQ_POLL_AS_PROFILE) || defined(EKQ_PROFILE_PIPE_STAT_NOID) || \
    defined(EKQ_PROFILE_PIPE_STAT_NODEV)
/* A pipe made by pipe(), not a FIFO opened by name: Linux links it as
 * "pipe:[inode]" in /proc (fs/pipe.c, pipefs_dname()). */
static bool
anonymous_pipe(int fd)
{
	char path[64], link[32];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof link - 1);
	return n > 5 && memcmp(link, "pipe:", 5) == 0;
}
#endif

int
ekq_host_fstat(int fd, struct stat *st)
{
	if (fstat(fd, st) == -1)
		return -1;
	/*
	 * A kqueue is an epoll descriptor, an anonymous inode, which has no
	 * file type (alloc_anon_inode(), Linux's fs/libfs.c).  A type no
	 * epoll descriptor has is answered as it is, without the table
	 * lookup and its fcntl(): every epoll_ctl() ADD asks this.
	 */
	switch (st->st_mode & S_IFMT) {
	case S_IFIFO:
#ifdef EKQ_PROFILE_PIPE_STAT_NOID
		if (anonymous_pipe(fd))
			st->st_dev = 0, st->st_ino = 0;
#endif
#ifdef EKQ_PROFILE_PIPE_STAT_NODEV
		if (anonymous_pipe(fd)) {
			st->st_dev = 0;
#ifdef EKQ_PROFILE_PIPE_STAT_INO_PER_END
			/* One number per end, as each end's struct pipe
			 * gives its own; Linux gives both ends the pipe's
			 * inode. */
			int fl = fcntl(fd, F_GETFL);
			st->st_ino = st->st_ino * 2 +
			    (fl != -1 && (fl & O_ACCMODE) == O_WRONLY);
#endif
		}
#endif
		return 0;
	case S_IFSOCK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFDIR:
	case S_IFLNK:
		return 0;
	default:
		break;
	}
	int saved = errno;
	struct ekq_kq *kq = ekq_kq_acquire(fd);
	if (kq == NULL) {
		errno = saved;
		return 0;
	}
	ekq_kq_release(kq);
	/* kqueue_stat(): S_IFIFO, the rest zero; some also give the pending
	 * count in st_size. */
	memset(st, 0, sizeof *st);
	st->st_mode = S_IFIFO;
#ifdef EKQ_PROFILE_KQ_FSTAT_SIZE
	int64_t pending = ekq_kq_count_pending(fd);
	st->st_size = pending > 0 ? (off_t)pending : 0;
#endif
	return 0;
}

int
ekq_host_kqueue(void)
{
	int kq = kqueue();
#ifdef EKQ_PROFILE_KQ_CLOEXEC
	if (kq != -1)
		(void)fcntl(kq, F_SETFD, FD_CLOEXEC);
#endif
	return kq;
}

#ifdef EKQ_POLL_AS_PROFILE
/*
 * A pipe or FIFO end as Linux's pipe_poll() answered it (fs/pipe.c: the
 * read end says POLLHUP once no writer is left, POLLIN only while bytes
 * remain; the write end says POLLERR once no reader is left, with POLLOUT
 * while there is room), said as the profile's kernel says it.
 */
static void
pipe_bits(struct pollfd *pfd, int accmode, bool fifo)
{
	short in = (short)(pfd->events & (POLLIN | POLLRDNORM));
	short out = (short)(pfd->events & (POLLOUT | POLLWRNORM));
	short oob = (short)(pfd->events & (POLLPRI | POLLRDBAND));
	(void)in, (void)out, (void)oob, (void)fifo;
	if (accmode == O_WRONLY && (pfd->revents & POLLERR)) {
#ifdef EKQ_PROFILE_POLL_WIDOWED_QUIET
		/* DragonFly: EVFILT_WRITE fails to attach (EPIPE), which
		 * poll_copyout() swallows; the read filter on this end
		 * fires at PIPE_REOF.  A FIFO's write filter says EV_EOF,
		 * POLLHUP alone (filt_fifowrite()). */
		pfd->revents = fifo ? POLLHUP : in;
		return;
#endif
#ifdef EKQ_PROFILE_POLL_WIDOWED_HUP
		pfd->revents = (short)((pfd->revents & ~(POLLERR |
		    POLLOUT | POLLWRNORM)) | POLLHUP);
#endif
#ifdef EKQ_PROFILE_POLL_WIDOWED_OUT
		pfd->revents |= out;
#endif
#ifdef EKQ_PROFILE_POLL_WIDOWED_IN
		pfd->revents |= in;
#endif
	}
	if (accmode != O_WRONLY && (pfd->revents & POLLHUP)) {
#ifdef EKQ_PROFILE_POLL_PIPE_EOF_NOHUP
		/* DragonFly: the read filter at PIPE_REOF is EV_EOF, which
		 * poll_copyout() says as POLLIN; a FIFO's read filter
		 * ignores the disconnect for poll (NOTE_OLDAPI,
		 * filt_fiforead()) and says only what is buffered. */
		pfd->revents = (short)(pfd->revents & ~POLLHUP);
		if (!fifo)
			pfd->revents |= in;
#endif
#ifdef EKQ_PROFILE_POLL_PIPE_EOF_IN
		pfd->revents |= in;
#endif
	}
#ifdef EKQ_PROFILE_POLL_HUP_RDBAND
	/* macOS poll_callback(): a read filter's EV_EOF is POLLHUP with
	 * every read bit asked, POLLPRI and POLLRDBAND included; the
	 * neutered filter of the other end fires the same way. */
	if (!fifo && (pfd->revents & POLLHUP))
		pfd->revents |= (short)(in | oob);
#endif
#ifdef EKQ_PROFILE_POLL_SOCKET_QUIET
	/* fifofs is built on sockets: soreadable() at EOF, no POLLHUP. */
	if (fifo && accmode != O_WRONLY && (pfd->revents & POLLHUP))
		pfd->revents = (short)((pfd->revents & ~POLLHUP) | in);
#endif
}

#ifdef EKQ_PROFILE_POLL_SOCKET_QUIET
/* sopoll(): no POLLHUP or POLLERR.  A pending error makes the socket
 * readable and writable (soreadable(), sowriteable() test so_error); one
 * that needs a connection and has none is neither. */
static void
socket_bits(struct pollfd *pfd)
{
	if (pfd->revents & POLLERR)
		pfd->revents |= (short)(pfd->events &
		    (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM));
	else if (pfd->revents & POLLHUP) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int type = 0;
		socklen_t tlen = sizeof type;
		if (getsockopt(pfd->fd, SOL_SOCKET, SO_TYPE, &type,
		    &tlen) == 0 && type != SOCK_DGRAM &&
		    getpeername(pfd->fd, (struct sockaddr *)&ss, &len) == -1 &&
		    errno == ENOTCONN && !(pfd->revents & POLLIN))
			pfd->revents &= (short)~(POLLOUT | POLLWRNORM |
			    POLLWRBAND);
	}
	pfd->revents &= (short)~(POLLHUP | POLLERR);
}
#else
#define socket_bits ekq_host_socket_bits
#endif

static void
as_profile(struct pollfd *pfd)
{
	struct stat st;
	int saved = errno;
	if (pfd->revents == 0 || (pfd->revents & POLLNVAL) ||
	    fstat(pfd->fd, &st) == -1) {
		errno = saved;
		return;
	}
	if (S_ISFIFO(st.st_mode)) {
		int fl = fcntl(pfd->fd, F_GETFL);
		if (fl != -1)
			pipe_bits(pfd, fl & O_ACCMODE, !anonymous_pipe(pfd->fd));
	}
	else if (S_ISSOCK(st.st_mode))
		socket_bits(pfd);
	errno = saved;
}
#endif

int
ekq_host_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	int n = poll(fds, nfds, timeout);
#ifdef EKQ_POLL_AS_PROFILE
	if (n > 0) {
		n = 0;
		for (nfds_t i = 0; i < nfds; i++) {
			as_profile(&fds[i]);
			n += fds[i].revents != 0;
		}
	}
#endif
	return n;
}
