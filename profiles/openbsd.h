/*
 * Profile openbsd: OpenBSD 7.x.  Read at the end of config.h
 * (profiles/README).  Sources: ../shared/PLATFORMS.md ("P") and
 * openbsd/src as the search tool holds it.
 */
/* <sys/event.h> v1.74: EVFILT_USER -10, EVFILT_EXCEPT -9 with NOTE_OOB
 * 0x4, EV_DISPATCH, EV_RECEIPT, kqueue1() (P 2a-2c, 2e: H-OB). */
#undef HAVE_EVFILT_USER
#define HAVE_EVFILT_USER 1
#undef HAVE_EVFILT_EXCEPT
#define HAVE_EVFILT_EXCEPT 1
#undef HAVE_EV_DISPATCH
#define HAVE_EV_DISPATCH 1
#undef HAVE_EV_RECEIPT
#define HAVE_EV_RECEIPT 1
#undef HAVE_KQUEUE1
#define HAVE_KQUEUE1 1
/* <poll.h>: no POLLRDHUP (sys/sys/poll.h v1.3, the version the index holds;
 * [I] none since); ppoll() [I: OpenBSD 5.4 and later]. */
#undef HAVE_POLLRDHUP
#undef HAVE_PPOLL
#define HAVE_PPOLL 1
/* dup3() [I: OpenBSD 5.7 and later]; glibc's entry points: glibc only. */
#undef HAVE_DUP3
#define HAVE_DUP3 1
#undef HAVE_FCNTL64
#undef HAVE___READ_CHK
#undef HAVE___POLL_CHK

/* kqueue_stat(): S_IFIFO, the pending count in st_size (P 6). */
#undef EKQ_PROFILE_KQ_FSTAT_SIZE
#define EKQ_PROFILE_KQ_FSTAT_SIZE 1
#undef EKQ_PROFILE_KQ_CLOEXEC
/* pipe_kqfilter(): EVFILT_WRITE with no peer is EPIPE
 * (sys/kern/sys_pipe.c @ 029b91ee). */
#undef EKQ_PROFILE_WIDOWED_WRITE_ERRNO
#define EKQ_PROFILE_WIDOWED_WRITE_ERRNO EPIPE
/* pipe_stat(): "Left as 0: st_dev, st_ino" (sys_pipe.c @ 029b91ee). */
#undef EKQ_PROFILE_PIPE_STAT_NOID
#define EKQ_PROFILE_PIPE_STAT_NOID 1
/* pipe_poll() (sys_pipe.c @ 029b91ee): a read end at PIPE_EOF is POLLIN as
 * asked; "POLLHUP and POLLOUT/POLLWRNORM are mutually exclusive": a write
 * end with no peer is POLLHUP alone, never POLLERR. */
#undef EKQ_PROFILE_POLL_PIPE_EOF_IN
#define EKQ_PROFILE_POLL_PIPE_EOF_IN 1
#undef EKQ_PROFILE_POLL_WIDOWED_HUP
#define EKQ_PROFILE_POLL_WIDOWED_HUP 1
#undef EKQ_PROFILE_POLL_WIDOWED_OUT
/* Sockets: soo_poll() not read here; Linux's bits stand. */
#undef EKQ_PROFILE_POLL_SOCKET_QUIET
