/* A program as a Linux epoll user writes it, with eventfd, timerfd and
 * signalfd beside; must compile warning-free. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>

/* No macro named read, write or close may reach C++ code (epoll-shim's
 * did): members of those names must compile. */
struct stream {
	int read() { return 0; }
	int write(int n) { return n; }
	int close() { return 0; }
};

/* eventfd, timerfd and signalfd as a Linux program uses them. */
static int
fdtypes(void)
{
	eventfd_t value = 0;
	struct itimerspec its, old;
	struct signalfd_siginfo info;
	sigset_t *set = 0;
	int efd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	int sfd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	its.it_value.tv_sec = 1;
	its.it_value.tv_nsec = 0;
	its.it_interval = its.it_value;
	info.ssi_signo = 0;
	return eventfd_read(efd, &value) + eventfd_write(efd, value) +
	    timerfd_settime(tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
	    &its, &old) + timerfd_gettime(tfd, &its) + sfd +
	    (int)info.ssi_signo + timerfd_create(CLOCK_BOOTTIME, 0) +
	    timerfd_create(CLOCK_REALTIME, 0);
}

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
	    epoll_pwait2(epfd, &ev, 1, ts, mask) + epoll_create(1) +
	    fdtypes() + stream().read() + stream().write(0) +
	    stream().close();
}
