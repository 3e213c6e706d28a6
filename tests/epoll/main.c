/*
 * The epoll conformance suite.  Written once, against the epoll API and
 * POSIX only; on Linux it is built twice, against the kernel's own
 * <sys/epoll.h> (the oracle) and against epollkq.  Both must pass the same
 * assertions: a case that Linux fails is a wrong case.
 *
 * Deliberately NOT tested, because epollkq cannot follow Linux there by
 * design (see DESIGN.md):
 *  - events for a registered fd that was closed while a dup() of it stays
 *    open.  Linux keys a registration on (open file description, fd number)
 *    and keeps reporting it until the last reference to the file goes away;
 *    kqueue drops knotes on close(fd).  So no case closes a registered fd
 *    while another descriptor still refers to the same file.
 *  - a parent and its fork()ed child sharing one epoll instance (Linux:
 *    one instance, shared ready list and ET/ONESHOT state; epollkq rebuilds
 *    a separate instance in the child).  The fork cases check only that the
 *    child's copy keeps its number and registrations and works on its own.
 *  - EPOLLEXCLUSIVE's wake-one behaviour.  Only its errno rules and that ADD
 *    accepts it are asserted.
 *  - EFAULT for a pointer that is not NULL but points at inaccessible
 *    memory (an event, the events buffer, a timespec).  The kernel checks
 *    user pointers; a library would need a probe per call.  NULL is tested.
 *  - an epoll fd kept across execve() (no EPOLL_CLOEXEC) still reporting
 *    its registrations: the instance's state lives in the old image's
 *    memory.  The descriptor itself surviving exec is tested.
 *
 * Special argv (used by cases that exec this binary to look at the world
 * after execve):
 *   --ep-fd-open N       exit 0 if descriptor N is open, 1 if not
 *   --ep-wait N DATA     exit 0 if epoll_wait(N, .., 1, 0) returns exactly
 *                        one event whose data.u64 is DATA; 2 on error, 3 if
 *                        nothing, 4 if other data
 */
#include "config.h"

#include "ep_test.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *ep_self_exe;

/*
 * The tags of tests/epoll/differences.tsv's rows that name this build's
 * platform profile (through ep_diffs.h): there the cases that use the tag
 * assert the profile's documented behaviour instead of Linux's.  Linux's
 * epoll and a native kqueue build name none.
 */
static const char *
profile_diffs(void)
{
#ifdef EP_PROFILE
	static const struct {
		const char *profile, *tags;
	} diffs[] = {
#include "tests/epoll/ep_diffs.h"
	};
	for (size_t i = 0; i < sizeof diffs / sizeof diffs[0]; i++)
		if (strcmp(diffs[i].profile, EP_PROFILE) == 0)
			return diffs[i].tags;
#endif
	return "";
}

bool
ep_differs(const char *tag)
{
	size_t len = strlen(tag);
	for (const char *t = profile_diffs(); (t = strstr(t, tag)) != NULL;
	    t += len)
		if ((t[len] == ' ' || t[len] == '\0') &&
		    (t == profile_diffs() || t[-1] == ' '))
			return true;
	return false;
}

extern Suite *ep_create_suite(void);
extern Suite *ep_ctl_errors_suite(void);
extern Suite *ep_wait_errors_suite(void);
extern Suite *ep_pipe_suite(void);
extern Suite *ep_fifo_suite(void);
extern Suite *ep_unix_stream_suite(void);
extern Suite *ep_unix_dgram_suite(void);
extern Suite *ep_tcp_suite(void);
extern Suite *ep_udp_suite(void);
extern Suite *ep_listen_suite(void);
extern Suite *ep_connect_suite(void);
extern Suite *ep_shutdown_suite(void);
extern Suite *ep_level_edge_suite(void);
extern Suite *ep_oneshot_suite(void);
extern Suite *ep_modify_suite(void);
extern Suite *ep_close_reuse_suite(void);
extern Suite *ep_dup_suite(void);
extern Suite *ep_nested_suite(void);
extern Suite *ep_poll_epfd_suite(void);
extern Suite *ep_threads_suite(void);
extern Suite *ep_fairness_suite(void);
extern Suite *ep_signals_suite(void);
extern Suite *ep_timeouts_suite(void);
extern Suite *ep_cloexec_suite(void);
extern Suite *ep_fork_suite(void);
extern Suite *ep_quiet_suite(void);
extern Suite *ep_hygiene_suite(void);
extern Suite *ep_fuzzfound_suite(void);

static int
child_fd_open(const char *arg)
{
	int fd = atoi(arg);
	return fcntl(fd, F_GETFD) == -1 ? 1 : 0;
}

static int
child_wait(const char *fdarg, const char *dataarg)
{
	int epfd = atoi(fdarg);
	uint64_t want = strtoull(dataarg, NULL, 0);
	struct epoll_event ev[2];
	int n = epoll_wait(epfd, ev, 2, 0);
	if (n < 0)
		return 2;
	if (n != 1)
		return 3;
	return ev[0].data.u64 == want ? 0 : 4;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--ep-fd-open") == 0)
		return child_fd_open(argv[2]);
	if (argc == 4 && strcmp(argv[1], "--ep-wait") == 0)
		return child_wait(argv[2], argv[3]);

	/* Cases exec this binary by path: make a relative argv[0] absolute
	 * so that it still names us whatever the current directory. */
	static char self[PATH_MAX];
	ep_self_exe = realpath(argv[0], self) != NULL ? self : argv[0];

	static Suite *(*const suites[])(void) = {
		ep_create_suite,
		ep_ctl_errors_suite,
		ep_wait_errors_suite,
		ep_pipe_suite,
		ep_fifo_suite,
		ep_unix_stream_suite,
		ep_unix_dgram_suite,
		ep_tcp_suite,
		ep_udp_suite,
		ep_listen_suite,
		ep_connect_suite,
		ep_shutdown_suite,
		ep_level_edge_suite,
		ep_oneshot_suite,
		ep_modify_suite,
		ep_close_reuse_suite,
		ep_dup_suite,
		ep_nested_suite,
		ep_poll_epfd_suite,
		ep_threads_suite,
		ep_fairness_suite,
		ep_signals_suite,
		ep_timeouts_suite,
		ep_cloexec_suite,
		ep_fork_suite,
		ep_quiet_suite,
		ep_hygiene_suite,
		ep_fuzzfound_suite,
		NULL
	};
	return ekq_run_suites(suites);
}
