/*
 * A short kqueue tour: a pipe, a user event and EOF.  Runs unchanged on
 * FreeBSD and macOS, and on Linux over epollkq's compat/ kqueue.
 */
#include <sys/types.h>
#include <sys/event.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *
filter_name(short filter)
{
	switch (filter) {
	case EVFILT_READ: return "EVFILT_READ";
	case EVFILT_WRITE: return "EVFILT_WRITE";
	case EVFILT_USER: return "EVFILT_USER";
	default: return "?";
	}
}

/* Collect what is ready now and print it; returns the count. */
static int
show(int kq, const char *when)
{
	struct kevent ev[8];
	struct timespec poll_only = { 0, 0 };
	int n = kevent(kq, NULL, 0, ev, 8, &poll_only);
	if (n == -1)
		err(1, "kevent");
	printf("%s: %d event%s\n", when, n, n == 1 ? "" : "s");
	for (int i = 0; i < n; i++)
		printf("  ident %lu %s data %lld fflags %#x%s\n",
		    (unsigned long)ev[i].ident, filter_name(ev[i].filter),
		    (long long)ev[i].data, ev[i].fflags,
		    (ev[i].flags & EV_EOF) ? " EV_EOF" : "");
	return n;
}

int
main(void)
{
	int kq = kqueue();
	if (kq == -1)
		err(1, "kqueue");
	int p[2];
	if (pipe(p) == -1)
		err(1, "pipe");

	struct kevent ch[2];
	EV_SET(&ch[0], p[0], EVFILT_READ, EV_ADD, 0, 0, NULL);
	EV_SET(&ch[1], 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, NULL);
	if (kevent(kq, ch, 2, NULL, 0, NULL) == -1)
		err(1, "kevent register");

	int quiet = show(kq, "registered, nothing written");
	if (write(p[1], "hello", 5) != 5)
		err(1, "write");
	EV_SET(&ch[0], 1, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFCOPY | 0x2a,
	    0, NULL);
	if (kevent(kq, ch, 1, NULL, 0, NULL) == -1)
		err(1, "kevent trigger");
	int busy = show(kq, "5 bytes written, user event triggered");
	close(p[1]);
	int eof = show(kq, "writer closed");

	close(p[0]);
	close(kq);
	if (quiet != 0 || busy != 2 || eof != 1) {
		fprintf(stderr, "kqueue-demo: unexpected event counts\n");
		return EXIT_FAILURE;
	}
	printf("kqueue-demo: ok\n");
	return EXIT_SUCCESS;
}
