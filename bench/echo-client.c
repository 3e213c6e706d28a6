/*
 * The echo load client: `nconns` loopback TCP connections, each with one
 * request of `size` bytes in flight (a closed loop: the next request goes
 * when the whole echo is back).  It runs in its own process, on the
 * kernel's epoll where there is one (poll() elsewhere), the same for every
 * way the server is run.
 */
#include "config.h"

#include "bench.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#ifdef BENCH_HAVE_LINUX
#include <sys/epoll.h>
#endif

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXEV 256

struct conn {
	int fd;
	int got;        /* bytes of the current echo received */
};

static int
dial(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd == -1)
		err(1, "socket");
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1)
		err(1, "connect");
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* Reset on close: no TIME_WAIT left behind, run after run. */
	struct linger lg = { 1, 0 };
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	return fd;
}

/* Read what came on `c`; send the next request for each complete echo.
 * Returns the echoes completed. */
static long
serve_conn(struct conn *c, const struct echo_load *l, char *buf)
{
	long done = 0;
	ssize_t r;
	while ((r = read(c->fd, buf, 4096)) > 0) {
		c->got += (int)r;
		while (c->got >= l->size) {
			c->got -= l->size;
			done++;
			if (write(c->fd, buf, (size_t)l->size) != l->size)
				err(1, "echo client: write");
		}
	}
	if (r == 0 || errno != EAGAIN)
		errx(1, "echo client: the server closed a connection");
	return done;
}

struct echo_count
bench_echo_client(const struct echo_load *l)
{
	struct conn *c = calloc((size_t)l->nconns, sizeof *c);
	char *buf = calloc(1, 4096 > l->size ? 4096 : (size_t)l->size);
	if (c == NULL || buf == NULL)
		err(1, "calloc");
	memset(buf, 'r', (size_t)l->size);
	for (int i = 0; i < l->nconns; i++)
		c[i].fd = dial(l->port);
#ifdef BENCH_HAVE_LINUX
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd == -1)
		err(1, "epoll_create1");
	for (int i = 0; i < l->nconns; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, c[i].fd, &ev) == -1)
			err(1, "epoll_ctl");
	}
	struct epoll_event ev[MAXEV];
#else
	struct pollfd *pfd = calloc((size_t)l->nconns, sizeof *pfd);
	if (pfd == NULL)
		err(1, "calloc");
	for (int i = 0; i < l->nconns; i++)
		pfd[i] = (struct pollfd){ .fd = c[i].fd, .events = POLLIN };
#endif
	for (int i = 0; i < l->nconns; i++)
		if (write(c[i].fd, buf, (size_t)l->size) != l->size)
			err(1, "echo client: write");

	double start = bench_now_ns();
	double from = start + l->warmup_ms * 1e6;
	double until = from + l->window_ms * 1e6;
	long done = 0, at_from = -1;
	double t_from = 0, now;
	while ((now = bench_now_ns()) < until) {
		if (at_from < 0 && now >= from) {
			at_from = done;
			t_from = now;
		}
#ifdef BENCH_HAVE_LINUX
		int n = epoll_wait(epfd, ev, MAXEV, 100);
		if (n == -1)
			err(1, "epoll_wait");
		for (int k = 0; k < n; k++)
			done += serve_conn(&c[ev[k].data.u32], l, buf);
#else
		int n = poll(pfd, (nfds_t)l->nconns, 100);
		if (n == -1)
			err(1, "poll");
		for (int i = 0; i < l->nconns && n > 0; i++)
			if (pfd[i].revents) {
				done += serve_conn(&c[i], l, buf);
				n--;
			}
#endif
	}
	struct echo_count r = { done - (at_from < 0 ? 0 : at_from),
		(now - t_from) / 1e9 };
	for (int i = 0; i < l->nconns; i++)
		close(c[i].fd);
#ifdef BENCH_HAVE_LINUX
	close(epfd);
#else
	free(pfd);
#endif
	free(c);
	free(buf);
	return r;
}
