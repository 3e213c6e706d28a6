/* The stress suites (see st.h). */
#include "config.h"

#include "st.h"

#include <stdlib.h>
#include <string.h>

int
st_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev;
	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.u64 = data;
	return epoll_ctl(epfd, op, fd, &ev);
}

long
st_env(const char *name, long dflt)
{
	const char *v = getenv(name);
	if (v == NULL || *v == '\0')
		return dflt;
	char *end;
	long n = strtol(v, &end, 10);
	return *end == '\0' && n > 0 ? n : dflt;
}

int
main(void)
{
	static Suite *(*const suites[])(void) = {
		st_threads_suite,
		st_nofile_suite,
		st_churn_suite,
		st_fork_suite,
		NULL
	};
	return ekq_run_suites(suites);
}
