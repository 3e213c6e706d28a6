/* A program as a Linux epoll user writes it; must compile warning-free. */
#include <sys/epoll.h>

int
main(void)
{
	struct epoll_event ev;
	sigset_t *mask = 0;
	struct timespec *ts = 0;
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET | EPOLLONESHOT;
	ev.data.u64 = 0;
	ev.data.ptr = &ev;
	ev.data.fd = 0;
	ev.data.u32 = 0;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev) == -1 ||
	    epoll_ctl(epfd, EPOLL_CTL_MOD, 0, &ev) == -1 ||
	    epoll_ctl(epfd, EPOLL_CTL_DEL, 0, 0) == -1)
		return 1;
	return epoll_wait(epfd, &ev, 1, 0) + epoll_pwait(epfd, &ev, 1, 0, mask) +
	    epoll_pwait2(epfd, &ev, 1, ts, mask) + epoll_create(1);
}
