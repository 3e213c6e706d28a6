/*
 * The fd-types conformance suite: eventfd, timerfd and signalfd, alone and
 * inside epoll.  Written once, against the Linux API of <sys/eventfd.h>,
 * <sys/timerfd.h>, <sys/signalfd.h>, <sys/epoll.h> and POSIX; built twice,
 * against the kernel's own headers (the oracle, linked with nothing of
 * ours) and against epollkq's emulation.  A case that Linux fails is a
 * wrong case.
 *
 * Tags for what the emulation cannot follow by design (each descriptor is
 * a kqueue of this process, rebuilt as an independent copy in a fork()ed
 * child).  The epollkq build excludes them; the Linux build runs them:
 *
 *  diff-fork-shared  a parent and its child sharing one eventfd counter
 *                    (the child writes, the parent reads).  Linux: one
 *                    open file, one counter.  epollkq: the child's copy
 *                    has the same number and value but is its own object,
 *                    since a BSD child does not inherit kqueues.
 *  diff-select-writable  select() asked whether an eventfd with room is
 *                    writable.  Linux: yes.  epollkq: the descriptor is a
 *                    kqueue, which no kernel calls writable; poll() and
 *                    epoll, which the library answers, say yes.
 *  diff-si-code      ssi_code of a signal sent to one thread.  Linux:
 *                    SI_TKILL.  epollkq: the si_code sigtimedwait() gives,
 *                    which is the system's own (FreeBSD: SI_LWP; glibc
 *                    folds SI_TKILL into SI_USER).
 *  diff-passed       a descriptor passed over a unix socket (SCM_RIGHTS)
 *                    and then used.  What arrives is a plain kqueue
 *                    descriptor; the emulation's state for it lives in the
 *                    sender's memory under the sender's number.
 */
#include "config.h"

#include "fd_test.h"

#include <stdlib.h>

extern Suite *fd_eventfd_suite(void);
extern Suite *fd_timerfd_suite(void);
extern Suite *fd_timerfd_more_suite(void);
extern Suite *fd_signalfd_suite(void);
extern Suite *fd_epoll_suite(void);
extern Suite *fd_fork_suite(void);
extern Suite *fd_dup_suite(void);
extern Suite *fd_fortify_suite(void);
extern Suite *fd_wrong_args_suite(void);

int
main(void)
{
#ifdef FD_EXCLUDE_DIFFS
	if (getenv("CK_EXCLUDE_TAGS") == NULL)
		setenv("CK_EXCLUDE_TAGS", FD_EXCLUDE_DIFFS, 1);
#endif
	static Suite *(*const suites[])(void) = {
		fd_eventfd_suite,
		fd_timerfd_suite,
		fd_timerfd_more_suite,
		fd_signalfd_suite,
		fd_epoll_suite,
		fd_fork_suite,
		fd_dup_suite,
		fd_fortify_suite,
		fd_wrong_args_suite,
		NULL
	};
	return ekq_run_suites(suites);
}
