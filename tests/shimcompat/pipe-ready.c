/*
 * A plain Linux epoll program, knowing nothing of epollkq: a pipe's read
 * end is registered for EPOLLIN, is not reported while the pipe is empty,
 * and is reported, readable, once a byte is written.  Exit status 0 only
 * if every step gives what Linux gives.
 */
#define _POSIX_C_SOURCE 200809L
#include <sys/epoll.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "pipe-ready: %s (errno %d: %s)\n", what, errno, strerror(errno));
	return 1;
}

int main(void)
{
	int p[2];
	int ep;
	int n;
	struct epoll_event ev, out[4];

	if (pipe(p) != 0)
		return fail("pipe");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return fail("epoll_create1");

	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN;
	ev.data.fd = p[0];
	if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0)
		return fail("epoll_ctl(EPOLL_CTL_ADD)");

	n = epoll_wait(ep, out, 4, 0);
	if (n != 0) {
		fprintf(stderr, "pipe-ready: empty pipe: epoll_wait gave %d, not 0\n", n);
		return 1;
	}

	if (write(p[1], "x", 1) != 1)
		return fail("write");
	n = epoll_wait(ep, out, 4, 5000);
	if (n != 1) {
		fprintf(stderr, "pipe-ready: after a write: epoll_wait gave %d, not 1\n", n);
		return n < 0 ? fail("epoll_wait") : 1;
	}
	if (out[0].data.fd != p[0] || out[0].events != EPOLLIN) {
		fprintf(stderr, "pipe-ready: got fd %d events %#x, not fd %d EPOLLIN\n",
		    out[0].data.fd, (unsigned)out[0].events, p[0]);
		return 1;
	}

	if (close(ep) != 0 || close(p[0]) != 0 || close(p[1]) != 0)
		return fail("close");
	puts("pipe-ready: the pipe was reported readable");
	return 0;
}
