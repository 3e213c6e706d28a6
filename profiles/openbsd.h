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
/* <poll.h>: no POLLRDHUP (sys/sys/poll.h v1.3, the version the index
 * holds; no later poll.h was found); ppoll(): sys_ppoll() in
 * sys/kern/sys_generic.c (the kqueue-based poll of OpenBSD 7, idx). */
#undef HAVE_POLLRDHUP
#undef HAVE_PPOLL
#define HAVE_PPOLL 1
/* dup3(): sys_dup3() in sys/kern/kern_descrip.c (idx); glibc's entry
 * points: glibc only. */
#undef HAVE_DUP3
#define HAVE_DUP3 1
#undef HAVE_FCNTL64
#undef HAVE___READ_CHK
#undef HAVE___POLL_CHK

/* kqueue_stat(): S_IFIFO, the pending count in st_size (P 6). */
#undef EKQ_PROFILE_KQ_FSTAT_SIZE
#define EKQ_PROFILE_KQ_FSTAT_SIZE 1
#undef EKQ_PROFILE_KQ_CLOEXEC
/* pipe_kqfilter() of the current sys/kern/sys_pipe.c (the one without
 * fo_poll, idx): EVFILT_WRITE with the other end closed attaches to this
 * end, "the filter now always indicates a pending event" (filt_pipewrite():
 * EV_EOF).  The EPIPE of sys_pipe.c @ 029b91ee is gone. */
#undef EKQ_PROFILE_WIDOWED_WRITE_ERRNO
#define EKQ_PROFILE_WIDOWED_WRITE_ERRNO 0
/* pipe_stat(): "Left as 0: st_dev, st_ino" (sys_pipe.c @ 029b91ee and the
 * current text). */
#undef EKQ_PROFILE_PIPE_STAT_NOID
#define EKQ_PROFILE_PIPE_STAT_NOID 1
#undef EKQ_PROFILE_PIPE_STAT_NODEV
/* poll() runs on kevent (sys/kern/sys_generic.c ppollregister(),
 * ppollcollect(), idx; pipes have no fo_poll): the read filter says POLLIN
 * as asked, with POLLHUP where the filter set __EV_HUP; the write filter
 * says POLLHUP where it set __EV_HUP, else POLLOUT as asked ("POLLHUP and
 * POLLOUT/POLLWRNORM are mutually exclusive"); never POLLERR.  Pipes
 * (filt_piperead(), filt_pipewrite()): PIPE_EOF or no peer is EV_EOF with
 * __EV_HUP, on either end's read filter too: a read end whose writer is gone
 * is POLLIN|POLLHUP, a write end whose reader is gone POLLIN|POLLHUP. */
#undef EKQ_PROFILE_POLL_PIPE_EOF_IN
#define EKQ_PROFILE_POLL_PIPE_EOF_IN 1
#undef EKQ_PROFILE_POLL_PIPE_EOF_NOHUP
#undef EKQ_PROFILE_POLL_WIDOWED_HUP
#undef EKQ_PROFILE_POLL_WIDOWED_OUT
#undef EKQ_PROFILE_POLL_WIDOWED_IN
/* The widowed write end: POLLHUP without POLLOUT; lib/ says EPOLLOUT with
 * EPOLLERR there (README: diff-widowed-full-pipe). */
#define EKQ_PROFILE_POLL_WIDOWED_HUP 1
#define EKQ_PROFILE_POLL_WIDOWED_IN 1
#undef EKQ_PROFILE_POLL_WIDOWED_QUIET
#undef EKQ_PROFILE_POLL_HUP_RDBAND
/* Sockets (sys/kern/uipc_socket.c filt_soread(), filt_sowrite(),
 * filt_soexcept(), idx): the read filter fires at SS_CANTRCVMORE, on
 * so_error or data; the write filter at SS_CANTSENDMORE, on so_error or
 * room, never while a PR_CONNREQUIRED socket is unconnected; __EV_HUP only
 * at SS_ISDISCONNECTED.  So: an error is POLLIN|POLLOUT, a stream socket
 * never connected says nothing, one disconnected says POLLIN|POLLHUP. */
#undef EKQ_PROFILE_POLL_SOCKET_QUIET
#undef EKQ_PROFILE_POLL_SOCKET_NOERR
#undef EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET
#undef EKQ_PROFILE_POLL_SOCKET_DOWN_NOOUT
/* poll() never says POLLERR of a socket: configure's check finds no
 * HAVE_POLL_SOCKET_HUP, and lib/ takes EPOLLERR and EPOLLHUP of sockets
 * and FIFOs from the knotes (lib/bits.c quiet_bits()). */
#undef HAVE_POLL_SOCKET_HUP
#define EKQ_PROFILE_POLL_SOCKET_NOERR 1
#define EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET 1
#define EKQ_PROFILE_POLL_SOCKET_DOWN_NOOUT 1
#undef EKQ_PROFILE_POLL_SOCKET_EOF_KEEPS_ERR
#undef EKQ_PROFILE_POLL_SOCKET_RDEOF_HUP
