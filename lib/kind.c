/*
 * What a descriptor is, as far as epoll's rules go: Linux's bits differ by
 * kind (a pipe's write end reports EPOLLERR where a socket reports EPOLLHUP,
 * TCP never sets EPOLLWRBAND, ...).
 */
#include "config.h"

#include "ep.h"
#include "fdobj.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static uint8_t
socket_kind(int fd)
{
	int type = 0;
	socklen_t len = sizeof type;
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1)
		return EKQ_FD_OTHER;
	struct sockaddr_storage ss;
	len = sizeof ss;
	ss.ss_family = AF_UNSPEC;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		ss.ss_family = AF_UNSPEC;
	bool inet = ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
	if (type == SOCK_STREAM)
		return inet ? EKQ_FD_TCP : EKQ_FD_STREAM;
	if (type == SOCK_SEQPACKET)
		return EKQ_FD_STREAM;
	return EKQ_FD_DGRAM;
}

/*
 * A hash of (st_dev, st_ino) and the file's type; (0, 0) is
 * EKQ_IDENT_NONE.  The type is in because an inode number is free for
 * reuse once its file is gone: a FIFO unlinked and closed, then a regular
 * file created, may get its number, and a registration of the closed
 * FIFO must not pass for one of the file now behind its descriptor.
 */
static uint32_t
identity(const struct stat *st)
{
	if (st->st_dev == 0 && st->st_ino == 0)
		return EKQ_IDENT_NONE;
	uint64_t h = (uint64_t)st->st_dev * UINT64_C(0x9e3779b97f4a7c15) ^
	    (uint64_t)st->st_ino ^ ((uint64_t)(st->st_mode & S_IFMT) << 44);
	h ^= h >> 29;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	return (uint32_t)(h ^ (h >> 32));
}

/* Is `fd` a listening socket? */
bool
ekq_fd_listening(int fd)
{
	int listening = 0;
	socklen_t len = sizeof listening;
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening,
	    &len) == 0 && listening;
}

/* Is `fd` (still) the file whose identity hash is `ident`? */
bool
ekq_fd_same(int fd, uint32_t ident)
{
	uint32_t serial;
	if (ekq_fdobj_type(fd, &serial) != 0)
		return (serial | 0x80000000u) == ident;
	struct stat st;
	return ekq_sys_fstat(fd, &st) == 0 && identity(&st) == ident;
}

/* 0, or EPERM for what Linux cannot poll (file_can_poll()). */
int
ekq_fd_kind(int fd, uint8_t *kind, uint32_t *ident)
{
	/* Our eventfd, timerfd, signalfd: a kqueue whose fstat() says
	 * nothing of it.  Its identity is the object's serial. */
	uint32_t serial;
	uint8_t type = ekq_fdobj_type(fd, &serial);
	if (type != 0) {
		*kind = type == EKQ_FDT_EVENTFD ? EKQ_FD_EVENTFD : EKQ_FD_EMUL;
		*ident = serial | 0x80000000u;
		return 0;
	}
	struct stat st;
	if (ekq_sys_fstat(fd, &st) == -1)
		return errno;
	*ident = identity(&st);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFBLK:
	case S_IFLNK:
		return EPERM;
	case S_IFIFO: {
		/* Every BSD's kqueue_stat() calls a kqueue S_IFIFO: an epoll
		 * descriptor is known by the instance table, not by fstat(). */
		int err = ekq_instance_check(fd);
		if (err == 0) {
			*kind = EKQ_FD_EPOLL;
			return 0;
		}
		if (err != EBADF)
			return err;
		int fl = ekq_sys_fcntl(fd, F_GETFL, 0);
		if (fl == -1)
			return ENOMEM; /* cannot happen on an open file */
		switch (fl & O_ACCMODE) {
		case O_RDONLY:
			*kind = EKQ_FD_PIPE_R;
			break;
		case O_WRONLY:
			*kind = EKQ_FD_PIPE_W;
			break;
		default:
			*kind = EKQ_FD_PIPE_RW;
			break;
		}
		return 0;
	}
	case S_IFSOCK:
		*kind = socket_kind(fd);
		return 0;
	case S_IFCHR:
		*kind = isatty(fd) ? EKQ_FD_TTY : EKQ_FD_OTHER;
		return 0;
	default:
		*kind = EKQ_FD_OTHER;
		return 0;
	}
}
