/*
 * churn through epoll_ctl(): ADD for reading, MOD to reading and writing
 * (what a level-triggered server does when its output backs up), DEL.
 * Each operation is its own function, named for the way (churn_add_ekq,
 * ...), so that bench/callgrind-report.sh can count one kind at a time.
 *
 * Compiled twice (see bench.h): against the system's <sys/epoll.h> and
 * against epollkq's.
 */
#include "config.h"

#include "bench.h"

#include <sys/epoll.h>

#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHURN_ADD BENCH_SYM(churn_add_)
#define CHURN_MOD BENCH_SYM(churn_mod_)
#define CHURN_DEL BENCH_SYM(churn_del_)

void CHURN_ADD(void *st, const int *fds, int n);
void CHURN_MOD(void *st, const int *fds, int n);
void CHURN_DEL(void *st, const int *fds, int n);

static void
ctl(int epfd, int op, int fd, uint32_t events)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.fd = fd;
	if (epoll_ctl(epfd, op, fd, &ev) == -1)
		err(1, "epoll_ctl %d %d", op, fd);
}

static void *
churn_open(void)
{
	int *epfd = malloc(sizeof *epfd);
	if (epfd == NULL)
		err(1, "malloc");
	if ((*epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(1, "epoll_create1");
	return epfd;
}

__attribute__((noinline)) void
CHURN_ADD(void *st, const int *fds, int n)
{
	bench_tally[BENCH_ID].adds += n;
	for (int i = 0; i < n; i++)
		ctl(*(int *)st, EPOLL_CTL_ADD, fds[i], EPOLLIN);
}

__attribute__((noinline)) void
CHURN_MOD(void *st, const int *fds, int n)
{
	bench_tally[BENCH_ID].mods += n;
	for (int i = 0; i < n; i++)
		ctl(*(int *)st, EPOLL_CTL_MOD, fds[i], EPOLLIN | EPOLLOUT);
}

__attribute__((noinline)) void
CHURN_DEL(void *st, const int *fds, int n)
{
	bench_tally[BENCH_ID].dels += n;
	for (int i = 0; i < n; i++)
		ctl(*(int *)st, EPOLL_CTL_DEL, fds[i], 0);
}

static void
churn_close(void *st)
{
	close(*(int *)st);
	free(st);
}

const struct churn_ops BENCH_SYM(bench_churn_) = {
	churn_open, CHURN_ADD, CHURN_MOD, CHURN_DEL, churn_close
};
