/*
 * fstat() and poll() as a BSD kernel answers them (see <ekq_host.h>).
 */
#include "config.h"

#include "kq.h"

#include <ekq_host.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>

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
	case S_IFSOCK:
	case S_IFIFO:
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
	/* kqueue_stat(): S_IFIFO, the rest zero.  FreeBSD no longer gives
	 * kq_count ("the unlocked value is useless"); NetBSD, OpenBSD and
	 * macOS still put it in st_size. */
	memset(st, 0, sizeof *st);
	st->st_mode = S_IFIFO;
#ifdef EKQ_PROFILE_NETBSD
	int64_t pending = ekq_kq_count_pending(fd);
	st->st_size = pending > 0 ? (off_t)pending : 0;
#endif
	return 0;
}

#ifdef EKQ_PROFILE_NETBSD
/* NetBSD pipe_poll(): a write end with no reader is POLLOUT|POLLWRNORM
 * (as asked) and POLLHUP; Linux's pipe_poll() says POLLERR instead. */
static void
netbsd_widowed_writer(struct pollfd *pfd)
{
	if (!(pfd->revents & POLLERR))
		return;
	struct stat st;
	int fl = fcntl(pfd->fd, F_GETFL);
	if (fl == -1 || (fl & O_ACCMODE) != O_WRONLY ||
	    fstat(pfd->fd, &st) == -1 || !S_ISFIFO(st.st_mode))
		return;
	pfd->revents &= (short)~POLLERR;
	pfd->revents |= (short)(POLLHUP |
	    (pfd->events & (POLLOUT | POLLWRNORM)));
}
#endif

int
ekq_host_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	int n = poll(fds, nfds, timeout);
#ifdef EKQ_PROFILE_NETBSD
	for (nfds_t i = 0; n > 0 && i < nfds; i++)
		netbsd_widowed_writer(&fds[i]);
#endif
	return n;
}
