/*
 * echo-server: a plain Linux epoll program.
 *
 * It listens on a loopback port and echoes what each connection sends.
 * Started without arguments it also forks a client that opens CONNS
 * connections, sends ROUNDS lines on each, checks every echo, and reports;
 * the server then exits with the client's verdict.  With a port argument
 * it just serves, forever.
 *
 * Nothing here is epollkq-specific: the same file builds against Linux's
 * own <sys/epoll.h> and, through `pkg-config --cflags --libs epollkq`,
 * against epollkq on macOS and the BSDs.
 */
#define _GNU_SOURCE 1
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONNS 64
#define ROUNDS 20
#define MAXEVENTS 32
#define BUFSZ 4096

/* One connection's unsent output (the echo that did not fit). */
struct conn {
	int fd;
	size_t len;
	char buf[BUFSZ];
};

static void
die(const char *what)
{
	fprintf(stderr, "echo-server: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void
set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);
	if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		die("fcntl");
}

static void
ctl(int epfd, int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.ptr = ptr;
	if (epoll_ctl(epfd, op, fd, &ev) == -1)
		die("epoll_ctl");
}

static int
listen_loopback(unsigned short *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd == -1)
		die("socket");
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(*port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof sin;
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, 128) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		die("listen");
	*port = ntohs(sin.sin_port);
	set_nonblock(fd);
	return fd;
}

/* Echo what is readable; wait for EPOLLOUT when the peer is slow. */
static void
serve(int epfd, struct conn *c)
{
	for (;;) {
		if (c->len > 0) {
			ssize_t n = write(c->fd, c->buf, c->len);
			if (n == -1 && errno == EAGAIN) {
				ctl(epfd, EPOLL_CTL_MOD, c->fd, EPOLLOUT, c);
				return;
			}
			if (n <= 0)
				goto gone;
			memmove(c->buf, c->buf + n, c->len - (size_t)n);
			c->len -= (size_t)n;
			if (c->len > 0)
				continue;
			ctl(epfd, EPOLL_CTL_MOD, c->fd, EPOLLIN | EPOLLRDHUP, c);
		}
		ssize_t n = read(c->fd, c->buf, sizeof c->buf);
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0)
			goto gone;
		c->len = (size_t)n;
	}
gone:
	/* A closed descriptor leaves the epoll set by itself. */
	close(c->fd);
	free(c);
}

static void
accept_all(int epfd, int lfd)
{
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd == -1) {
			if (errno == EAGAIN || errno == ECONNABORTED)
				return;
			die("accept");
		}
		set_nonblock(fd);
		struct conn *c = calloc(1, sizeof *c);
		if (c == NULL)
			die("calloc");
		c->fd = fd;
		ctl(epfd, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, c);
	}
}

/* Serve until `stop` (a pipe's read end) reports EOF, or forever. */
static void
run_server(int lfd, int stop)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd == -1)
		die("epoll_create1");
	static int listener_tag, stop_tag;
	ctl(epfd, EPOLL_CTL_ADD, lfd, EPOLLIN, &listener_tag);
	if (stop != -1)
		ctl(epfd, EPOLL_CTL_ADD, stop, EPOLLIN, &stop_tag);
	for (;;) {
		struct epoll_event evs[MAXEVENTS];
		int n = epoll_wait(epfd, evs, MAXEVENTS, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &listener_tag)
				accept_all(epfd, lfd);
			else if (evs[i].data.ptr == &stop_tag)
				return; /* the client is done (EPOLLHUP) */
			else
				serve(epfd, evs[i].data.ptr);
		}
	}
}

/* The client: CONNS connections, ROUNDS checked echoes on each. */
struct client_conn {
	int fd;
	int round;
	size_t got;
	char line[64];
	size_t linelen;
};

static void
next_line(struct client_conn *cc, int idx)
{
	cc->linelen = (size_t)snprintf(cc->line, sizeof cc->line,
	    "connection %d round %d\n", idx, cc->round);
	cc->got = 0;
	if (write(cc->fd, cc->line, cc->linelen) != (ssize_t)cc->linelen)
		die("client write");
}

static int
run_client(unsigned short port)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd == -1)
		die("client epoll_create1");
	static struct client_conn cc[CONNS];
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < CONNS; i++) {
		cc[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (cc[i].fd == -1 ||
		    connect(cc[i].fd, (struct sockaddr *)&sin, sizeof sin) == -1)
			die("client connect");
		int one = 1;
		setsockopt(cc[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		ctl(epfd, EPOLL_CTL_ADD, cc[i].fd, EPOLLIN, &cc[i]);
		next_line(&cc[i], i);
	}
	int done = 0, errors = 0;
	while (done < CONNS) {
		struct epoll_event evs[MAXEVENTS];
		int n = epoll_wait(epfd, evs, MAXEVENTS, 10000);
		if (n == 0) {
			fprintf(stderr, "echo-server: client timed out\n");
			return 1;
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("client epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			struct client_conn *c = evs[i].data.ptr;
			int idx = (int)(c - cc);
			char buf[64];
			ssize_t r = read(c->fd, buf, sizeof buf);
			if (r <= 0 || c->got + (size_t)r > c->linelen ||
			    memcmp(buf, c->line + c->got, (size_t)r) != 0) {
				errors++;
				r = (ssize_t)(c->linelen - c->got);
			}
			c->got += (size_t)r;
			if (c->got < c->linelen)
				continue;
			if (++c->round < ROUNDS) {
				next_line(c, idx);
			} else {
				close(c->fd);
				done++;
			}
		}
	}
	printf("echo-server: client: %d connections x %d rounds echoed, "
	    "%d mismatches\n", CONNS, ROUNDS, errors);
	return errors == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	unsigned short port = argc > 1 ? (unsigned short)atoi(argv[1]) : 0;
	int lfd = listen_loopback(&port);
	if (argc > 1) {
		printf("echo-server: serving on 127.0.0.1:%u\n", port);
		run_server(lfd, -1);
		return 0;
	}

	/* The client holds the write end; its exit is our EOF. */
	int done[2];
	if (pipe(done) == -1)
		die("pipe");
	printf("echo-server: serving on 127.0.0.1:%u\n", port);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == -1)
		die("fork");
	if (pid == 0) {
		close(lfd);
		close(done[0]);
		int rc = run_client(port);
		fflush(stdout);
		_exit(rc);
	}
	close(done[1]);
	run_server(lfd, done[0]);
	int status;
	if (waitpid(pid, &status, 0) == -1)
		die("waitpid");
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	printf("echo-server: %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
