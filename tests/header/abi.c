/*
 * Prints every constant, size and offset of <sys/epoll.h>, <sys/eventfd.h>,
 * <sys/timerfd.h> and <sys/signalfd.h>.  Built once
 * against the host's header and once against epollkq's; the two outputs
 * must be identical (check-header.sh compares them).
 */
#include <stddef.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#define SHOW(x) printf("%s %lu\n", #x, (unsigned long)(x))

int
main(void)
{
	SHOW(EPOLLIN);
	SHOW(EPOLLPRI);
	SHOW(EPOLLOUT);
	SHOW(EPOLLERR);
	SHOW(EPOLLHUP);
	SHOW(EPOLLRDNORM);
	SHOW(EPOLLRDBAND);
	SHOW(EPOLLWRNORM);
	SHOW(EPOLLWRBAND);
	SHOW(EPOLLMSG);
	SHOW(EPOLLRDHUP);
	SHOW(EPOLLEXCLUSIVE);
	SHOW(EPOLLWAKEUP);
	SHOW(EPOLLONESHOT);
	SHOW(EPOLLET);
	SHOW(EPOLL_CLOEXEC);
	SHOW(EPOLL_CTL_ADD);
	SHOW(EPOLL_CTL_DEL);
	SHOW(EPOLL_CTL_MOD);
	SHOW(sizeof(struct epoll_event));
	SHOW(offsetof(struct epoll_event, events));
	SHOW(offsetof(struct epoll_event, data));
	SHOW(sizeof(epoll_data_t));
	SHOW(sizeof(((struct epoll_event *)0)->events));
	/* The signedness of the constants, as a compiler sees them. */
	SHOW(EPOLLIN < 0 ? 0 : (-EPOLLIN > 0));
	SHOW(-EPOLLET > 0);
	SHOW(EFD_SEMAPHORE);
	SHOW(EFD_CLOEXEC);
	SHOW(EFD_NONBLOCK);
	SHOW(sizeof(eventfd_t));
	SHOW((eventfd_t)-1 > 0);
	SHOW(TFD_TIMER_ABSTIME);
	SHOW(TFD_TIMER_CANCEL_ON_SET);
	SHOW(TFD_CLOEXEC);
	SHOW(TFD_NONBLOCK);
	SHOW(CLOCK_BOOTTIME);
	SHOW(CLOCK_REALTIME_ALARM);
	SHOW(CLOCK_BOOTTIME_ALARM);
	SHOW(SFD_CLOEXEC);
	SHOW(SFD_NONBLOCK);
	SHOW(sizeof(struct signalfd_siginfo));
	SHOW(offsetof(struct signalfd_siginfo, ssi_signo));
	SHOW(offsetof(struct signalfd_siginfo, ssi_errno));
	SHOW(offsetof(struct signalfd_siginfo, ssi_code));
	SHOW(offsetof(struct signalfd_siginfo, ssi_pid));
	SHOW(offsetof(struct signalfd_siginfo, ssi_uid));
	SHOW(offsetof(struct signalfd_siginfo, ssi_fd));
	SHOW(offsetof(struct signalfd_siginfo, ssi_tid));
	SHOW(offsetof(struct signalfd_siginfo, ssi_band));
	SHOW(offsetof(struct signalfd_siginfo, ssi_overrun));
	SHOW(offsetof(struct signalfd_siginfo, ssi_trapno));
	SHOW(offsetof(struct signalfd_siginfo, ssi_status));
	SHOW(offsetof(struct signalfd_siginfo, ssi_int));
	SHOW(offsetof(struct signalfd_siginfo, ssi_ptr));
	SHOW(offsetof(struct signalfd_siginfo, ssi_utime));
	SHOW(offsetof(struct signalfd_siginfo, ssi_stime));
	SHOW(offsetof(struct signalfd_siginfo, ssi_addr));
	SHOW(offsetof(struct signalfd_siginfo, ssi_addr_lsb));
	SHOW(offsetof(struct signalfd_siginfo, ssi_syscall));
	SHOW(offsetof(struct signalfd_siginfo, ssi_call_addr));
	SHOW(offsetof(struct signalfd_siginfo, ssi_arch));
	return 0;
}
