/*
 * Profile netbsd: NetBSD 9 (no EVFILT_USER: NetBSD 10 added it), with the
 * kernel behaviour seen under NetBSD-current of July 2016.  Read at the end
 * of config.h (profiles/README).  Sources: ../shared/PLATFORMS.md ("P").
 */
/* <sys/event.h>: no EVFILT_USER before NetBSD 10 (P 6), no EVFILT_EXCEPT
 * (P 2a, H-NB); EV_DISPATCH, EV_RECEIPT (P 2b); kqueue1() since NetBSD 6
 * (P 2e, M-NB). */
#undef HAVE_EVFILT_USER
#undef HAVE_EVFILT_EXCEPT
#undef HAVE_EV_DISPATCH
#define HAVE_EV_DISPATCH 1
#undef HAVE_EV_RECEIPT
#define HAVE_EV_RECEIPT 1
#undef HAVE_KQUEUE1
#define HAVE_KQUEUE1 1
/* No POLLRDHUP in <poll.h> (P 6); no ppoll() before NetBSD 10, pollts()
 * only [I]. */
#undef HAVE_POLLRDHUP
#undef HAVE_PPOLL
/* dup3() since NetBSD 6 [I]; glibc's entry points: glibc only. */
#undef HAVE_DUP3
#define HAVE_DUP3 1
#undef HAVE_FCNTL64
#undef HAVE___READ_CHK
#undef HAVE___POLL_CHK

/* kqueue_stat(): S_IFIFO, the pending count in st_size (P 6). */
#undef EKQ_PROFILE_KQ_FSTAT_SIZE
#define EKQ_PROFILE_KQ_FSTAT_SIZE 1
#undef EKQ_PROFILE_KQ_CLOEXEC
/* pipe_kqfilter(): EVFILT_WRITE with the reader gone is EBADF (P 6). */
#undef EKQ_PROFILE_WIDOWED_WRITE_ERRNO
#define EKQ_PROFILE_WIDOWED_WRITE_ERRNO EBADF
/* pipe_stat(): st_dev and st_ino 0, "XXX should be unique" (P 6). */
#undef EKQ_PROFILE_PIPE_STAT_NOID
#define EKQ_PROFILE_PIPE_STAT_NOID 1
/* pipe_poll(): a widowed write end is POLLOUT|POLLHUP, not POLLERR (P 6).
 * Its read end at EOF: not recorded in P; Linux's bits stand. */
#undef EKQ_PROFILE_POLL_PIPE_EOF_IN
#undef EKQ_PROFILE_POLL_WIDOWED_HUP
#define EKQ_PROFILE_POLL_WIDOWED_HUP 1
#undef EKQ_PROFILE_POLL_WIDOWED_OUT
#define EKQ_PROFILE_POLL_WIDOWED_OUT 1
/* sopoll() never sets POLLHUP or POLLERR (NetBSD/src sys/kern/
 * uipc_socket.c, sodopoll()); FIFOs (fifofs, on sockets) never say POLLHUP
 * (P 6, seen on NetBSD 2016).  configure's poll() check would find no
 * POLLHUP on a socket, and lib/ takes EPOLLHUP and EPOLLERR of sockets and
 * FIFOs from EV_EOF and its fflags (lib/bits.c). */
#undef HAVE_POLL_SOCKET_HUP
#undef EKQ_PROFILE_POLL_SOCKET_QUIET
#define EKQ_PROFILE_POLL_SOCKET_QUIET 1
