/* Test fixtures: descriptors of every kind the suites exercise. */
#include "config.h"

#include "ekq_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static void
cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);
	ck_assert_int_ne(flags, -1);
	ck_assert_int_ne(fcntl(fd, F_SETFD, flags | FD_CLOEXEC), -1);
}

void
ekq_set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	ck_assert_int_ne(flags, -1);
	ck_assert_int_ne(fcntl(fd, F_SETFL, flags | O_NONBLOCK), -1);
}

static void
prepare(int fd)
{
	cloexec(fd);
	ekq_set_nonblock(fd);
}

void
ekq_make_pipe(int fds[2])
{
	ck_assert_ok(pipe(fds));
	prepare(fds[0]);
	prepare(fds[1]);
}

void
ekq_make_socketpair(int type, int sv[2])
{
	ck_assert_ok(socketpair(AF_UNIX, type, 0, sv));
	prepare(sv[0]);
	prepare(sv[1]);
}

static struct sockaddr_in
loopback(unsigned short port)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

static unsigned short
local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	ck_assert_ok(getsockname(fd, (struct sockaddr *)&sin, &len));
	return ntohs(sin.sin_port);
}

int
ekq_make_tcp_listener(unsigned short *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_ok(fd);
	int one = 1;
	ck_assert_ok(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
	struct sockaddr_in sin = loopback(0);
	ck_assert_ok(bind(fd, (struct sockaddr *)&sin, sizeof sin));
	ck_assert_ok(listen(fd, 16));
	prepare(fd);
	*port = local_port(fd);
	return fd;
}

int
ekq_start_tcp_connect(unsigned short port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_ok(fd);
	prepare(fd);
	struct sockaddr_in sin = loopback(port);
	int rc = connect(fd, (struct sockaddr *)&sin, sizeof sin);
	ck_assert_msg(rc == 0 || errno == EINPROGRESS, "connect: %s",
	    strerror(errno));
	return fd;
}

void
ekq_make_tcp_pair(int *client, int *server)
{
	unsigned short port;
	int lfd = ekq_make_tcp_listener(&port);
	int cfd = ekq_start_tcp_connect(port);
	ekq_wait_fd(lfd, POLLIN, 5000);
	int sfd = accept(lfd, NULL, NULL);
	ck_assert_ok(sfd);
	prepare(sfd);
	ekq_wait_fd(cfd, POLLOUT, 5000);
	int err = 0;
	socklen_t len = sizeof err;
	ck_assert_ok(getsockopt(cfd, SOL_SOCKET, SO_ERROR, &err, &len));
	ck_assert_int_eq(err, 0);
	int one = 1;
	ck_assert_ok(setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
	ck_assert_ok(setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
	close(lfd);
	*client = cfd;
	*server = sfd;
}

unsigned short
ekq_unused_tcp_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_ok(fd);
	struct sockaddr_in sin = loopback(0);
	ck_assert_ok(bind(fd, (struct sockaddr *)&sin, sizeof sin));
	unsigned short port = local_port(fd);
	close(fd);
	return port;
}

void
ekq_make_udp_pair(int *a, int *b)
{
	int fa = socket(AF_INET, SOCK_DGRAM, 0);
	int fb = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_ok(fa);
	ck_assert_ok(fb);
	struct sockaddr_in sin = loopback(0);
	ck_assert_ok(bind(fa, (struct sockaddr *)&sin, sizeof sin));
	ck_assert_ok(bind(fb, (struct sockaddr *)&sin, sizeof sin));
	struct sockaddr_in to_b = loopback(local_port(fb));
	struct sockaddr_in to_a = loopback(local_port(fa));
	ck_assert_ok(connect(fa, (struct sockaddr *)&to_b, sizeof to_b));
	ck_assert_ok(connect(fb, (struct sockaddr *)&to_a, sizeof to_a));
	prepare(fa);
	prepare(fb);
	*a = fa;
	*b = fb;
}

/*
 * Temporary directories made by this process (a forked test case), removed
 * at exit whatever happened to the case.  They hold at most a FIFO "fifo"
 * or a socket "s".
 */
static char ekq_tmpdirs[16][256];
static int ekq_ntmpdirs;

static void
remove_tmpdirs(void)
{
	char path[sizeof ekq_tmpdirs[0] + 8];
	for (int i = 0; i < ekq_ntmpdirs; i++) {
		snprintf(path, sizeof path, "%.250s/fifo", ekq_tmpdirs[i]);
		unlink(path);
		snprintf(path, sizeof path, "%.250s/s", ekq_tmpdirs[i]);
		unlink(path);
		rmdir(ekq_tmpdirs[i]);
	}
}

static void
fresh_dir(char *path, size_t len)
{
	const char *tmp = getenv("TMPDIR");
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	ck_assert_int_lt(snprintf(path, len, "%s/ekqXXXXXX", tmp), (int)len);
	ck_assert_ptr_nonnull(mkdtemp(path));
	if (ekq_ntmpdirs == 0)
		atexit(remove_tmpdirs);
	if (ekq_ntmpdirs < 16)
		snprintf(ekq_tmpdirs[ekq_ntmpdirs++], sizeof ekq_tmpdirs[0], "%s",
		    path);
}

int
ekq_make_unix_listener(char *path, size_t len)
{
	struct sockaddr_un sun;
	char dir[PATH_MAX];
	fresh_dir(dir, sizeof dir);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	ck_assert_int_lt(snprintf(sun.sun_path, sizeof sun.sun_path, "%s/s", dir),
	    (int)sizeof sun.sun_path);
	ck_assert_int_lt(snprintf(path, len, "%s", sun.sun_path), (int)len);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_ok(fd);
	ck_assert_ok(bind(fd, (struct sockaddr *)&sun, sizeof sun));
	ck_assert_ok(listen(fd, 16));
	prepare(fd);
	return fd;
}

void
ekq_make_fifo(char *path, size_t len, int *rd, int *wr)
{
	char dir[PATH_MAX];
	fresh_dir(dir, sizeof dir);
	ck_assert_int_lt(snprintf(path, len, "%s/fifo", dir), (int)len);
	ck_assert_ok(mkfifo(path, 0600));
	*rd = open(path, O_RDONLY | O_NONBLOCK);
	ck_assert_ok(*rd);
	cloexec(*rd);
	if (wr != NULL) {
		*wr = open(path, O_WRONLY | O_NONBLOCK);
		ck_assert_ok(*wr);
		cloexec(*wr);
	}
}

void
ekq_remove_fifo(const char *path)
{
	char dir[PATH_MAX];
	unlink(path);
	ck_assert_int_lt(snprintf(dir, sizeof dir, "%s", path), (int)sizeof dir);
	char *slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
		rmdir(dir);
	}
}

void
ekq_make_pty(int *master, int *slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_ok(m);
	ck_assert_ok(grantpt(m));
	ck_assert_ok(unlockpt(m));
	const char *name = ptsname(m);
	ck_assert_ptr_nonnull(name);
	int s = open(name, O_RDWR | O_NOCTTY);
	ck_assert_ok(s);
	struct termios t;
	ck_assert_ok(tcgetattr(s, &t));
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
	    IGNCR | ICRNL | IXON);
	t.c_oflag &= ~(tcflag_t)OPOST;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	ck_assert_ok(tcsetattr(s, TCSANOW, &t));
	prepare(m);
	prepare(s);
	*master = m;
	*slave = s;
}

size_t
ekq_fill(int fd)
{
	static char buf[4096];
	size_t total = 0;
	for (;;) {
		ssize_t n = write(fd, buf, sizeof buf);
		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		ck_assert_msg(n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK),
		    "fill: %s", strerror(errno));
		/* Top up with single bytes: the last partial page. */
		for (;;) {
			n = write(fd, buf, 1);
			if (n != 1)
				break;
			total++;
		}
		return total;
	}
}

size_t
ekq_drain(int fd)
{
	char buf[4096];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n == 0)
			return total;
		ck_assert_msg(errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ECONNRESET || errno == EIO, "drain: %s",
		    strerror(errno));
		return total;
	}
}

void
ekq_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ekq_wait_fd(fd, POLLOUT, 5000);
			continue;
		}
		ck_assert_msg(n > 0, "write: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

void
ekq_read_exact(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ekq_wait_fd(fd, POLLIN, 5000);
			continue;
		}
		ck_assert_msg(n > 0, "read: %s", n == 0 ? "EOF" : strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

void
ekq_wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
	int rc;
	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc == -1 && errno == EINTR);
	ck_assert_msg(rc == 1, "fd %d: no events %#x within %d ms", fd,
	    (unsigned)events, timeout_ms);
}

int
ekq_count_open_fds(void)
{
	int n = 0;
	DIR *dir = opendir("/dev/fd");
	if (dir != NULL) {
		int self = dirfd(dir);
		struct dirent *de;
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (atoi(de->d_name) != self)
				n++;
		}
		closedir(dir);
		return n;
	}
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = 0; fd < max; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

long long
ekq_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ekq_count_fds_below(int limit)
{
	int n = 0;
	for (int fd = 0; fd < limit; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

void
ekq_fdset_snapshot(struct ekq_fdset *set)
{
	for (int fd = 0; fd < EKQ_FDSET_LIMIT; fd++)
		set->open[fd] = fcntl(fd, F_GETFD) != -1;
}

int
ekq_fdset_extra(const struct ekq_fdset *before)
{
	struct ekq_fdset now;
	ekq_fdset_snapshot(&now);
	int extra = 0;
	for (int fd = 0; fd < EKQ_FDSET_LIMIT; fd++) {
		ck_assert_msg(now.open[fd] || !before->open[fd],
		    "descriptor %d was closed behind the program's back", fd);
		if (now.open[fd] && !before->open[fd])
			extra++;
	}
	return extra;
}
