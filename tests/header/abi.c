/*
 * Prints every constant, size and offset of <sys/epoll.h>.  Built once
 * against the host's header and once against epollkq's; the two outputs
 * must be identical (check-header.sh compares them).
 */
#include <stddef.h>
#include <stdio.h>
#include <sys/epoll.h>

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
	return 0;
}
