/*
 * One world's epoll calls.  This file is compiled twice: once against the
 * system's <sys/epoll.h> (FZ_WORLD_LINUX: the kernel, the oracle), once
 * with -I$(top_srcdir)/include (FZ_WORLD_EKQ: the same calls reach
 * epollkq).  Events leave a world as struct fz_ev, so neither header's
 * struct epoll_event is seen outside this file (the rest of the fuzzer
 * uses only the constants, which both headers give Linux's values).
 */
#include "config.h"

#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "fz.h"

/* The world's name comes as FZ_WORLD_LINUX or FZ_WORLD_EKQ (not as a
 * value: "linux" is a predefined macro in GNU C). */
#if defined(FZ_WORLD_LINUX)
#define FZ_API_NAME fz_api_linux
#define FZ_WORLD_NAME "linux"
#elif defined(FZ_WORLD_EKQ)
#define FZ_API_NAME fz_api_ekq
#define FZ_WORLD_NAME "epollkq"
#else
#error "define FZ_WORLD_LINUX or FZ_WORLD_EKQ"
#endif

static int
w_create(int size)
{
	return epoll_create(size);
}

static int
w_create1(int flags)
{
	return epoll_create1(flags);
}

static int
w_ctl(int epfd, int op, int fd, const struct fz_ev *ev)
{
	if (ev == NULL)
		return epoll_ctl(epfd, op, fd, NULL);
	struct epoll_event e;
	memset(&e, 0, sizeof e);
	e.events = ev->events;
	e.data.u64 = ev->data;
	return epoll_ctl(epfd, op, fd, &e);
}

static int
w_wait(int epfd, struct fz_ev *out, int maxevents, int api)
{
	/* Room for any maxevents the generator passes below FZ_BUF; larger
	 * ones are only ever asked of instances with fewer registrations
	 * than FZ_BUF, and the kernel writes only what it returns. */
	static struct epoll_event buf[FZ_BUF];
	struct epoll_event *evs = out != NULL ? buf : NULL;
	sigset_t mask;
	int n;
	switch (api) {
	case FZ_API_PWAIT:
		n = epoll_pwait(epfd, evs, maxevents, 0, NULL);
		break;
	case FZ_API_PWAIT_MASK:
		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR2);
		n = epoll_pwait(epfd, evs, maxevents, 0, &mask);
		break;
#ifdef HAVE_EPOLL_PWAIT2
	case FZ_API_PWAIT2: {
		struct timespec ts = { 0, 0 };
		n = epoll_pwait2(epfd, evs, maxevents, &ts, NULL);
		break;
	}
	case FZ_API_PWAIT2_BAD: {
		struct timespec ts = { 0, 1000000000L };
		n = epoll_pwait2(epfd, evs, maxevents, &ts, NULL);
		break;
	}
#endif
	default:
		n = epoll_wait(epfd, evs, maxevents, 0);
		break;
	}
	if (n > 0 && out != NULL) {
		for (int i = 0; i < n && i < FZ_FULL; i++) {
			out[i].events = buf[i].events;
			out[i].data = buf[i].data.u64;
		}
	}
	return n;
}

const struct fz_api FZ_API_NAME = {
	FZ_WORLD_NAME, w_create, w_create1, w_ctl, w_wait
};
