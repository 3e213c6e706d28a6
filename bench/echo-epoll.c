/*
 * A TCP echo server on epoll: level-triggered, non-blocking sockets,
 * accept until EAGAIN, read and write back what came.  A plain Linux
 * epoll program, as a user would write it.
 *
 * Compiled twice (see bench.h): against the system's <sys/epoll.h> and
 * against epollkq's.
 */
#include "config.h"

#include "bench.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#define MAXEV 256

static void
add(int epfd, int fd)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.fd = fd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		err(1, "epoll_ctl ADD");
}

static void
write_all(int fd, const char *buf, ssize_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, (size_t)len);
		if (w > 0) {
			buf += w;
			len -= w;
		} else if (w == -1 && errno == EAGAIN) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			(void)poll(&p, 1, -1);
		} else {
			return; /* the client went away */
		}
	}
}

static int
accept_nb(int lfd)
{
#ifdef HAVE_ACCEPT4
	return accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
	int fd = accept(lfd, NULL, NULL);
	if (fd != -1)
		(void)fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
#endif
}

static void
echo_serve(int lfd, int nconns)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd == -1)
		err(1, "epoll_create1");
	add(epfd, lfd);
	struct epoll_event ev[MAXEV];
	char buf[4096];
	for (int closed = 0; closed < nconns;) {
		int n = epoll_wait(epfd, ev, MAXEV, -1);
		if (n == -1)
			err(1, "epoll_wait");
		bench_tally[BENCH_ID].waits++;
		bench_tally[BENCH_ID].events += n;
		for (int k = 0; k < n; k++) {
			int fd = ev[k].data.fd;
			if (fd == lfd) {
				int c;
				while ((c = accept_nb(lfd)) != -1)
					add(epfd, c);
				continue;
			}
			ssize_t r = read(fd, buf, sizeof buf);
			if (r > 0) {
				write_all(fd, buf, r);
			} else if (r == 0 || errno != EAGAIN) {
				close(fd);
				closed++;
			}
		}
	}
	close(epfd);
}

const struct echo_ops BENCH_SYM(bench_echo_) = { echo_serve };
