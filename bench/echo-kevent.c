/*
 * The TCP echo server of bench/echo-epoll.c written against kqueue: one
 * level-triggered EVFILT_READ knote per socket; read() tells data from
 * end of file, as in the epoll version.
 */
#include "config.h"

#include "bench.h"

#include <sys/types.h>
#include <sys/event.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#define MAXEV 256

static void
add(int kq, int fd)
{
	struct kevent ch;
	EV_SET(&ch, fd, EVFILT_READ, EV_ADD, 0, 0, NULL);
	if (kevent(kq, &ch, 1, NULL, 0, NULL) == -1)
		err(1, "kevent EV_ADD");
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
			return;
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
	int kq = kqueue();
	if (kq == -1)
		err(1, "kqueue");
	add(kq, lfd);
	struct kevent ev[MAXEV];
	char buf[4096];
	for (int closed = 0; closed < nconns;) {
		int n = kevent(kq, NULL, 0, ev, MAXEV, NULL);
		if (n == -1)
			err(1, "kevent");
		bench_tally[WAY_KQ].waits++;
		bench_tally[WAY_KQ].events += n;
		for (int k = 0; k < n; k++) {
			int fd = (int)ev[k].ident;
			if (fd == lfd) {
				int c;
				while ((c = accept_nb(lfd)) != -1)
					add(kq, c);
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
	close(kq);
}

const struct echo_ops bench_echo_kq = { echo_serve };
