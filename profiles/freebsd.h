/*
 * Profile freebsd: FreeBSD 14.3 and later.  Read at the end of config.h
 * (profiles/README).  Sources: ../shared/PLATFORMS.md (cited as "P" and
 * its section) and freebsd/freebsd-src as the search tool holds it.
 */
/* <sys/event.h>: EVFILT_USER -11, no EVFILT_EXCEPT, EV_DISPATCH and
 * EV_RECEIPT (P 2a, 2b, header H-FB); kqueue1() from 14.3 (P 2e: H-FB23,
 * L-FB, D-FB). */
#undef HAVE_EVFILT_USER
#define HAVE_EVFILT_USER 1
#undef HAVE_EVFILT_EXCEPT
#undef HAVE_EV_DISPATCH
#define HAVE_EV_DISPATCH 1
#undef HAVE_EV_RECEIPT
#define HAVE_EV_RECEIPT 1
#undef HAVE_KQUEUE1
#define HAVE_KQUEUE1 1
/* <poll.h>: POLLRDHUP 0x4000 "half shut down" (sys/sys/poll.h, the newer
 * of the two versions the index holds); ppoll(): sys_ppoll() in
 * sys/kern/sys_generic.c and lib/libc/sys/ppoll.c (copyright 2015, the
 * FreeBSD Foundation), so FreeBSD 11 and later (idx; gnulib's manual,
 * "ppoll", lists FreeBSD 6.4 among the systems without it). */
#undef HAVE_POLLRDHUP
#define HAVE_POLLRDHUP 1
#undef HAVE_PPOLL
#define HAVE_PPOLL 1
/* dup3(): lib/libc/gen/dup3.c (copyright 2012, over F_DUP2FD_CLOEXEC),
 * so FreeBSD 10 and later (freebsd-src @ 18b14b4a); glibc's fcntl64,
 * __read_chk and __poll_chk exist only in glibc. */
#undef HAVE_DUP3
#define HAVE_DUP3 1
#undef HAVE_FCNTL64
#undef HAVE___READ_CHK
#undef HAVE___POLL_CHK

/* kqueue_stat(): S_IFIFO, st_size 0 ("the unlocked value is useless"; P 6). */
#undef EKQ_PROFILE_KQ_FSTAT_SIZE
#undef EKQ_PROFILE_KQ_CLOEXEC
/* pipe_kqfilter(): EVFILT_WRITE with the reader gone is EPIPE
 * (sys/kern/sys_pipe.c @ 004248ee). */
#undef EKQ_PROFILE_WIDOWED_WRITE_ERRNO
#define EKQ_PROFILE_WIDOWED_WRITE_ERRNO EPIPE
/* pipe_stat(): st_dev pipedev_ino, st_ino pipe_ino: unique (sys_pipe.c). */
#undef EKQ_PROFILE_PIPE_STAT_NOID
/* pipe_poll() (sys_pipe.c @ 004248ee): a read end at PIPE_EOF says
 * POLLIN|POLLRDNORM as asked, and POLLHUP; a write end whose peer is not
 * PIPE_ACTIVE says POLLOUT|POLLWRNORM as asked, and POLLHUP; never
 * POLLERR. */
#undef EKQ_PROFILE_POLL_PIPE_EOF_IN
#define EKQ_PROFILE_POLL_PIPE_EOF_IN 1
#undef EKQ_PROFILE_POLL_WIDOWED_HUP
#define EKQ_PROFILE_POLL_WIDOWED_HUP 1
#undef EKQ_PROFILE_POLL_WIDOWED_OUT
#define EKQ_PROFILE_POLL_WIDOWED_OUT 1
/* Sockets: sopoll_generic() (sys/kern/uipc_socket.c, the pr_sopoll text of
 * FreeBSD 14 and 15, idx): POLLIN at soreadabledata() (so_error counts) or
 * SBS_CANTRCVMORE; POLLOUT at sowriteable() (sys/sys/socketvar.h: room and
 * SS_ISCONNECTED or no PR_CONNREQUIRED, or SBS_CANTSENDMORE, or so_error);
 * POLLHUP once both SBS_CANTRCVMORE and SBS_CANTSENDMORE; POLLRDHUP at
 * SBS_CANTRCVMORE; never POLLERR.  So an error is POLLIN|POLLOUT, and a
 * stream socket never connected says nothing.  FreeBSD 15 answers AF_UNIX
 * stream sockets from uipc_sopoll_stream_or_seqpacket() (uipc_usrreq.c,
 * idx: POLLHUP at SS_ISDISCONNECTED, POLLOUT from the peer's buffer):
 * not modelled, 14's sopoll_generic() stands for them. */
#undef EKQ_PROFILE_POLL_SOCKET_QUIET
#undef EKQ_PROFILE_POLL_SOCKET_NOERR
#undef EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET
/* poll() never says POLLERR of a socket: configure's check finds no
 * HAVE_POLL_SOCKET_HUP, and lib/ takes EPOLLERR and EPOLLHUP of sockets
 * and FIFOs from the knotes (lib/bits.c quiet_bits()). */
#undef HAVE_POLL_SOCKET_HUP
#define EKQ_PROFILE_POLL_SOCKET_NOERR 1
#define EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET 1
#undef EKQ_PROFILE_POLL_SOCKET_DOWN_NOOUT
#undef EKQ_PROFILE_POLL_SOCKET_RDEOF_HUP
