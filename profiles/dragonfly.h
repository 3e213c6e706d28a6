/*
 * Profile dragonfly: DragonFly 6.x.  Read at the end of config.h
 * (profiles/README).  Sources: ../shared/PLATFORMS.md ("P") and
 * DragonFlyBSD/DragonFlyBSD as the search tool holds it.
 */
/* <sys/event.h>: EVFILT_USER -9, EVFILT_EXCEPT -8 with NOTE_OOB 0x2,
 * EV_DISPATCH and EV_RECEIPT (P 2a-2c, H-DF); no kqueue1() (P 2e, 4.6:
 * kqueue() plus fcntl()). */
#undef HAVE_EVFILT_USER
#define HAVE_EVFILT_USER 1
#undef HAVE_EVFILT_EXCEPT
#define HAVE_EVFILT_EXCEPT 1
#undef HAVE_EV_DISPATCH
#define HAVE_EV_DISPATCH 1
#undef HAVE_EV_RECEIPT
#define HAVE_EV_RECEIPT 1
#undef HAVE_KQUEUE1
/* <poll.h>: no POLLRDHUP (sys/sys/poll.h, the 2004 version the index
 * holds); ppoll(): NOT FOUND -- the newest sys/kern/sys_generic.c stored
 * (@ 9dd5bb28) has sys_poll() only, and no libc ppoll was found; kept
 * defined, as configure found before, until a DragonFly 6 source says. */
#undef HAVE_POLLRDHUP
#undef HAVE_PPOLL
#define HAVE_PPOLL 1
/* dup3(): lib/libc/gen/dup3.c (from FreeBSD, over F_DUP3FD, with
 * O_CLOFORK; DragonFly @ 178c2ff2); glibc's entry points: glibc only. */
#undef HAVE_DUP3
#define HAVE_DUP3 1
#undef HAVE_FCNTL64
#undef HAVE___READ_CHK
#undef HAVE___POLL_CHK

/* kqueue_stat(): S_IFIFO; st_size not recorded for DragonFly (P 6 lists
 * NetBSD, OpenBSD and macOS only): 0. */
#undef EKQ_PROFILE_KQ_FSTAT_SIZE
#undef EKQ_PROFILE_KQ_CLOEXEC
/* pipe_kqfilter() (sys/kern/sys_pipe.c, the pipebuf version of DragonFly
 * 5 and 6, idx): EVFILT_WRITE is EPIPE once the reader's side is
 * PIPE_CLOSED (and @ 004d2de5 with no peer). */
#undef EKQ_PROFILE_WIDOWED_WRITE_ERRNO
#define EKQ_PROFILE_WIDOWED_WRITE_ERRNO EPIPE
/* pipe_stat() (same file): st_ino = pipe->inum, "Left as 0: st_dev" -- the
 * @ 004d2de5 text left st_ino 0 too; current DragonFly gives a number. */
#undef EKQ_PROFILE_PIPE_STAT_NOID
#undef EKQ_PROFILE_PIPE_STAT_NODEV
#define EKQ_PROFILE_PIPE_STAT_NODEV 1
#undef EKQ_PROFILE_PIPE_STAT_INO_PER_END
/* poll() runs on kevent (sys/kern/sys_generic.c poll_copyin(),
 * poll_copyout() @ 03e3cac0 and later, idx; pipes have no fo_poll): a read
 * filter that fired says POLLIN as asked (POLLERR if EV_EOF came with an
 * error in fflags); a write filter with EV_EOF says POLLHUP (never POLLOUT),
 * else POLLOUT as asked; a filter that failed to attach is swallowed.
 * Pipes (filt_piperead(), filt_pipewrite()): a read end at PIPE_REOF is
 * POLLIN, no POLLHUP; a write end whose reader is gone fails EVFILT_WRITE
 * with EPIPE, and its read filter fires at PIPE_REOF: POLLIN alone.  FIFOs
 * (vfs/fifofs/fifo_vnops.c filt_fiforead(), filt_fifowrite(), idx): the
 * read filter ignores the disconnect under NOTE_OLDAPI; the write filter's
 * SS_ISDISCONNECTED is POLLHUP. */
#undef EKQ_PROFILE_POLL_PIPE_EOF_IN
#undef EKQ_PROFILE_POLL_PIPE_EOF_NOHUP
#undef EKQ_PROFILE_POLL_WIDOWED_HUP
#undef EKQ_PROFILE_POLL_WIDOWED_OUT
#undef EKQ_PROFILE_POLL_WIDOWED_IN
#undef EKQ_PROFILE_POLL_WIDOWED_QUIET
/* poll() never says POLLHUP of a pipe's or FIFO's read end nor POLLERR of
 * its write end here: lib/ takes them from the knotes' EV_EOF (no
 * HAVE_POLL_SOCKET_HUP below; lib/bits.c quiet_bits()). */
#define EKQ_PROFILE_POLL_PIPE_EOF_NOHUP 1
#define EKQ_PROFILE_POLL_WIDOWED_QUIET 1
#undef EKQ_PROFILE_POLL_HUP_RDBAND
/* Sockets (sys/kern/uipc_socket.c filt_soread(), filt_sowrite(), idx):
 * the read filter fires at SS_CANTRCVMORE (EV_EOF, so_error in fflags), on
 * so_error or data; the write filter at SS_CANTSENDMORE (EV_EOF, so_error in
 * fflags), on so_error or room, never while a PR_CONNREQUIRED socket is
 * unconnected.  So: an error alone is POLLIN|POLLOUT, a stream socket never
 * connected says nothing, one with both sides down POLLIN|POLLHUP, with
 * POLLERR while so_error is set.  A local shutdown(SHUT_WR) alone (POLLHUP,
 * no POLLOUT) is not modelled (kq_hostsock.c). */
#undef EKQ_PROFILE_POLL_SOCKET_QUIET
#undef EKQ_PROFILE_POLL_SOCKET_NOERR
#undef EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET
#undef EKQ_PROFILE_POLL_SOCKET_DOWN_NOOUT
#undef EKQ_PROFILE_POLL_SOCKET_EOF_KEEPS_ERR
/* poll() never says POLLERR of a socket: configure's check finds no
 * HAVE_POLL_SOCKET_HUP, and lib/ takes EPOLLERR and EPOLLHUP of sockets
 * and FIFOs from the knotes (lib/bits.c quiet_bits()). */
#undef HAVE_POLL_SOCKET_HUP
#define EKQ_PROFILE_POLL_SOCKET_NOERR 1
#define EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET 1
#define EKQ_PROFILE_POLL_SOCKET_DOWN_NOOUT 1
#define EKQ_PROFILE_POLL_SOCKET_EOF_KEEPS_ERR 1
#undef EKQ_PROFILE_POLL_SOCKET_RDEOF_HUP
