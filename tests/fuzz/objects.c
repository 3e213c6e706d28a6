/*
 * A world's descriptors and the operations on them that are not epoll
 * calls (POSIX and Linux-generic only: the same code serves both worlds).
 * Every descriptor is non-blocking and close-on-exec.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fz.h"

#define FZ_CHUNK 4096           /* write size of a "write until full" */
#define FZ_MAX_CHUNKS 256
#define FZ_MAX_PLACEHOLDERS 4096

static char fz_dir[256];
static int fz_null_fd = -1;
static unsigned long fz_counter;
static char fz_buf[65536];

static void listener_open(struct fz_world *w);

static void
fz_dir_cleanup(void)
{
	if (fz_dir[0] != '\0')
		rmdir(fz_dir);
}

void
fz_objects_setup(void)
{
	if (fz_null_fd != -1)
		return;
	/* A peer that went away must show up as EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	const char *tmp = getenv("TMPDIR");
	snprintf(fz_dir, sizeof fz_dir, "%s/epollkq-fuzz.XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(fz_dir) == NULL) {
		perror("fuzz: mkdtemp");
		exit(2);
	}
	atexit(fz_dir_cleanup);
	fz_null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fz_null_fd == -1) {
		perror("fuzz: /dev/null");
		exit(2);
	}
	memset(fz_buf, 'x', sizeof fz_buf);
}

void
fz_world_init(struct fz_world *w, const struct fz_api *api, char tag)
{
	fz_objects_setup();
	w->api = api;
	w->tag = tag;
	w->closed_fd = -1;
	for (int i = 0; i < FZ_NSLOTS; i++)
		w->fd[i] = -1;
	listener_open(w);
}

void
fz_world_close(struct fz_world *w)
{
	if (w->listener != -1) {
		close(w->listener);
		unlink(w->lpath);
		w->listener = -1;
	}
	for (int i = 0; i < FZ_NSLOTS; i++) {
		if (w->fd[i] != -1)
			close(w->fd[i]);
		w->fd[i] = -1;
	}
}

static int
operand(const struct fz_world *w, int s)
{
	if (s >= 0)
		return w->fd[s];
	if (s == FZ_OPD_CLOSED)
		return w->closed_fd;
	return s == FZ_OPD_BAD ? -1 : FZ_BIG_FD;
}

static void
set_rc(struct fz_res *r, long rc)
{
	r->rc = rc;
	r->err = rc == -1 ? errno : 0;
}

static void
nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl != -1)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* A fresh path in the private directory, unique per world. */
static void
fresh_path(const struct fz_world *w, const char *what, char *path, size_t len)
{
	snprintf(path, len, "%s/%s-%c-%lu", fz_dir, what, w->tag, ++fz_counter);
}

/*
 * The world's listening socket (FZ_RA_ACCEPT), made once, before any slot
 * is filled: it takes no number a step could be about.  A connection is
 * made and accepted at once; unix stream connect() completes at once
 * while the backlog has room, and the accepted socket is taken at once.
 */
static void
listener_open(struct fz_world *w)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	w->listener = -1;
	fresh_path(w, "listen", w->lpath, sizeof w->lpath);
	if (strlen(w->lpath) >= sizeof sa.sun_path)
		return;
	strcpy(sa.sun_path, w->lpath);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 ||
	    listen(fd, 8) == -1) {
		close(fd);
		return;
	}
	w->listener = fd;
}

/* A client socket connected to the listener, or -1. */
static int
listener_connect(const struct fz_world *w)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (w->listener == -1) {
		errno = ENOTSOCK;
		return -1;
	}
	strcpy(sa.sun_path, w->lpath);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == -1) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
make_pipe(int fds[2], int size)
{
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	if (size > 0)
		fcntl(fds[1], F_SETPIPE_SZ, size);
	return 0;
}

static int
make_socketpair(int st, int sv[2], int sndbuf)
{
	int type = st == FZ_ST_DGRAM ? SOCK_DGRAM :
	    st == FZ_ST_SEQPACKET ? SOCK_SEQPACKET : SOCK_STREAM;
	if (socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if (sndbuf > 0) {
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	}
	return 0;
}

/* A FIFO's read end; with `writer`, its write end too.  The path goes at
 * once: the FIFO lives while it is open. */
static int
make_fifo(const struct fz_world *w, int *rd, int *wr, bool rdwr)
{
	char path[512];
	fresh_path(w, "fifo", path, sizeof path);
	if (mkfifo(path, 0600) == -1)
		return -1;
	int flags = O_NONBLOCK | O_CLOEXEC;
	*rd = open(path, (rdwr ? O_RDWR : O_RDONLY) | flags);
	int saved = errno;
	if (*rd != -1 && wr != NULL) {
		*wr = open(path, O_WRONLY | flags);
		saved = errno;
		if (*wr == -1) {
			close(*rd);
			*rd = -1;
		}
	}
	unlink(path);
	errno = saved;
	return *rd == -1 ? -1 : 0;
}

static int
make_file(const struct fz_world *w)
{
	char path[512];
	fresh_path(w, "file", path, sizeof path);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NONBLOCK,
	    0600);
	int saved = errno;
	unlink(path);
	errno = saved;
	return fd;
}

/* A new open file description of the same file (pipes, FIFOs, files). */
static int
reopen(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl == -1)
		return -1;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return open(path, (fl & O_ACCMODE) | O_NONBLOCK | O_CLOEXEC);
}

/*
 * Make `num` the lowest free descriptor number by taking every free number
 * below it, so that the next descriptor created lands there (as a real
 * program's would, when it closes one and opens another).  Returns how
 * many placeholders are held in ph[].
 */
static int
hold_below(int num, int *ph)
{
	int n = 0;
	while (n < FZ_MAX_PLACEHOLDERS) {
		int d = fcntl(fz_null_fd, F_DUPFD_CLOEXEC, 0);
		if (d == -1)
			break;
		if (d >= num) {
			close(d);
			break;
		}
		ph[n++] = d;
	}
	return n;
}

static void
release(int *ph, int n)
{
	for (int i = 0; i < n; i++)
		close(ph[i]);
}

/* FZ_REOPEN_AT: the new descriptor(s), created right after a's number was
 * freed.  The first lands on it; a second (pipe, socketpair) goes to b. */
static void
reopen_at(struct fz_world *w, const struct fz_step *st, struct fz_res *r)
{
	int num = w->fd[st->a];
	int src = st->b >= 0 ? w->fd[st->b] : -1;
	/* The client end first: made after the close, it would take the
	 * number the accepted socket is to land on. */
	int client = -1, cerr = 0;
	if (st->var == FZ_RA_ACCEPT && (client = listener_connect(w)) == -1)
		cerr = errno;
	set_rc(r, close(num));
	w->fd[st->a] = -1;
	if (r->rc == -1 || cerr != 0) {
		if (client != -1)
			close(client);
		if (cerr != 0) {
			errno = cerr;
			set_rc(r, -1);
		}
		return;
	}
	static int ph[FZ_MAX_PLACEHOLDERS];
	int nph = hold_below(num, ph);
	int first = -1, second = -1, rc = 0;
	int pair[2];
	switch (st->var) {
	case FZ_RA_PIPE:
		rc = make_pipe(pair, st->n);
		first = pair[0];
		second = pair[1];
		break;
	case FZ_RA_STREAM:
	case FZ_RA_DGRAM:
		rc = make_socketpair(st->var == FZ_RA_STREAM ? FZ_ST_STREAM :
		    FZ_ST_DGRAM, pair, st->n);
		first = pair[0];
		second = pair[1];
		break;
	case FZ_RA_EPOLL:
		first = rc = w->api->create1((int)st->mask);
		break;
	case FZ_RA_FIFO:
		rc = make_fifo(w, &first, NULL, false);
		break;
	case FZ_RA_FILE:
		first = rc = make_file(w);
		break;
	case FZ_RA_DUP:
		first = rc = fcntl(src, F_DUPFD_CLOEXEC, 0);
		break;
	case FZ_RA_REOPEN:
		first = rc = reopen(src);
		break;
	case FZ_RA_ACCEPT:
		first = rc = accept4(w->listener, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		second = client;
		if (rc == -1) {
			int saved = errno;
			close(client);
			errno = saved;
			second = -1;
		}
		break;
	}
	int saved = errno;
	release(ph, nph);
	errno = saved;
	set_rc(r, rc == -1 ? -1 : 0);
	if (rc == -1)
		return;
	/* Where it landed is no business of the comparison: a world's own
	 * internal descriptors can sit in between. */
	w->fd[st->a] = first;
	if (second != -1) {
		if (st->b >= 0 && (st->var == FZ_RA_PIPE ||
		    st->var == FZ_RA_STREAM || st->var == FZ_RA_DGRAM ||
		    st->var == FZ_RA_ACCEPT))
			w->fd[st->b] = second;
		else
			close(second);
	}
}

static void
do_write(struct fz_world *w, const struct fz_step *st, struct fz_res *r)
{
	int fd = w->fd[st->a];
	if (st->var == 1) {
		set_rc(r, send(fd, fz_buf, (size_t)st->n, MSG_OOB | MSG_DONTWAIT));
		return;
	}
	if (st->n != FZ_LEN_ALL) {
		set_rc(r, write(fd, fz_buf, (size_t)st->n));
		return;
	}
	long total = 0;
	ssize_t k = 0;
	for (int i = 0; i < FZ_MAX_CHUNKS; i++) {
		k = write(fd, fz_buf, FZ_CHUNK);
		if (k <= 0)
			break;
		total += k;
	}
	r->aux = k == -1 ? errno : 0;
	if (total > 0)
		r->rc = total;
	else
		set_rc(r, k);
}

static void
do_read(struct fz_world *w, const struct fz_step *st, struct fz_res *r)
{
	static char in[65536];
	int fd = w->fd[st->a];
	if (st->var == 1) {
		set_rc(r, recv(fd, in, (size_t)st->n, MSG_OOB | MSG_DONTWAIT));
		return;
	}
	if (st->n != FZ_LEN_ALL) {
		set_rc(r, read(fd, in, (size_t)st->n));
		return;
	}
	long total = 0;
	ssize_t k = 0;
	/* Bounded: a FIFO open for reading and writing by us reads what we
	 * wrote, never more than its buffer. */
	for (int i = 0; i < 1024; i++) {
		k = read(fd, in, sizeof in);
		if (k <= 0)
			break;
		total += k;
	}
	r->aux = k == -1 ? errno : k == 0 ? -1 : 0; /* -1: EOF */
	if (total > 0)
		r->rc = total;
	else
		set_rc(r, k);
}

void
fz_world_apply(struct fz_world *w, const struct fz_step *st, struct fz_res *r)
{
	memset(r, 0, sizeof *r);
	int pair[2], fd;
	switch (st->op) {
	case FZ_PIPE:
		set_rc(r, make_pipe(pair, st->n));
		if (r->rc == 0) {
			w->fd[st->a] = pair[0];
			w->fd[st->b] = pair[1];
		}
		break;
	case FZ_FIFO:
		set_rc(r, make_fifo(w, &pair[0], st->var == 1 ? NULL : &pair[1],
		    st->var == 1));
		if (r->rc == 0) {
			w->fd[st->a] = pair[0];
			if (st->var != 1)
				w->fd[st->b] = pair[1];
		}
		break;
	case FZ_SOCKPAIR:
		set_rc(r, make_socketpair(st->var, pair, st->n));
		if (r->rc == 0) {
			w->fd[st->a] = pair[0];
			w->fd[st->b] = pair[1];
		}
		break;
	case FZ_EPOLL:
		fd = st->var == 1 ? w->api->create(st->n) :
		    w->api->create1((int)st->mask);
		set_rc(r, fd == -1 ? -1 : 0);
		if (fd != -1)
			w->fd[st->a] = fd;
		break;
	case FZ_FILE:
		fd = make_file(w);
		set_rc(r, fd == -1 ? -1 : 0);
		if (fd != -1)
			w->fd[st->a] = fd;
		break;
	case FZ_DUP:
		fd = fcntl(w->fd[st->b], F_DUPFD_CLOEXEC, 0);
		set_rc(r, fd == -1 ? -1 : 0);
		if (fd != -1)
			w->fd[st->a] = fd;
		break;
	case FZ_REOPEN:
		fd = reopen(w->fd[st->b]);
		set_rc(r, fd == -1 ? -1 : 0);
		if (fd != -1) {
			nonblock(fd);
			w->fd[st->a] = fd;
		}
		break;
	case FZ_CLOSE:
		set_rc(r, close(w->fd[st->a]));
		w->closed_fd = w->fd[st->a];
		w->fd[st->a] = -1;
		break;
	case FZ_REOPEN_AT:
		reopen_at(w, st, r);
		break;
	case FZ_DUP2:
		fd = dup2(w->fd[st->b], w->fd[st->a]);
		set_rc(r, fd == -1 ? -1 : 0);
		break;
	case FZ_WRITE:
		do_write(w, st, r);
		break;
	case FZ_READ:
		do_read(w, st, r);
		break;
	case FZ_SHUTDOWN:
		set_rc(r, shutdown(w->fd[st->a], st->var == 0 ? SHUT_RD :
		    st->var == 1 ? SHUT_WR : SHUT_RDWR));
		break;
	default:
		r->rc = -1;
		r->err = ENOSYS;
		break;
	}
}

void
fz_world_ctl(struct fz_world *w, const struct fz_step *st, struct fz_res *r)
{
	memset(r, 0, sizeof *r);
	struct fz_ev ev = { st->mask, st->data };
	int op = st->var;
	/* var: 1..3 are the real ops; 0 and 4 are junk (EINVAL). */
	errno = 0;
	set_rc(r, w->api->ctl(operand(w, st->a), op, operand(w, st->b),
	    (st->flags & FZ_F_NULL) ? NULL : &ev));
}

void
fz_world_wait(struct fz_world *w, int epslot, int maxevents, int api,
    bool nullbuf, struct fz_res *r)
{
	memset(r, 0, sizeof *r);
	errno = 0;
	int n = w->api->wait(operand(w, epslot), nullbuf ? NULL : r->ev,
	    maxevents, api);
	set_rc(r, n);
	r->nev = n > 0 ? (n < FZ_FULL ? n : FZ_FULL) : 0;
}
