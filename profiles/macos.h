/*
 * Profile macos: macOS 13 and later.  Read at the end of config.h
 * (profiles/README).  Sources: ../shared/PLATFORMS.md ("P") and
 * apple-oss-distributions/xnu as the search tool holds it.
 */
/* <sys/event.h>: EVFILT_USER -10, EVFILT_EXCEPT -15 with NOTE_OOB 0x2,
 * EV_DISPATCH, EV_RECEIPT (P 2a-2c, H-MAC); no kqueue1() (P 2e). */
#undef HAVE_EVFILT_USER
#define HAVE_EVFILT_USER 1
#undef HAVE_EVFILT_EXCEPT
#define HAVE_EVFILT_EXCEPT 1
#undef HAVE_EV_DISPATCH
#define HAVE_EV_DISPATCH 1
#undef HAVE_EV_RECEIPT
#define HAVE_EV_RECEIPT 1
#undef HAVE_KQUEUE1
/* No POLLRDHUP in <poll.h> (P 6).  No ppoll() and no dup3(): xnu's
 * syscalls.master was not read; gnulib's manual lists macOS 11.1 without
 * ppoll() ("ppoll") and macOS 14 without dup3() ("dup3").  glibc's entry
 * points: glibc only. */
#undef HAVE_POLLRDHUP
#undef HAVE_PPOLL
#undef HAVE_DUP3
#undef HAVE_FCNTL64
#undef HAVE___READ_CHK
#undef HAVE___POLL_CHK

/* kqueue_stat(): S_IFIFO, the pending count in st_size (P 6). */
#undef EKQ_PROFILE_KQ_FSTAT_SIZE
#define EKQ_PROFILE_KQ_FSTAT_SIZE 1
/* kqueue_internal() sets FP_CLOEXEC | FP_CLOFORK on every kqueue (P 2e,
 * K-MAC bsd/kern/kern_event.c). */
#undef EKQ_PROFILE_KQ_CLOEXEC
#define EKQ_PROFILE_KQ_CLOEXEC 1
/* pipe_kqfilter(): "FreeBSD will fail the attach with EPIPE ... Attach
 * should only fail for programming mistakes": EVFILT_WRITE with the reader
 * gone is added and fires with EV_EOF (bsd/kern/sys_pipe.c @ 1031c584,
 * filt_pipe_draincommon()). */
#undef EKQ_PROFILE_WIDOWED_WRITE_ERRNO
#define EKQ_PROFILE_WIDOWED_WRITE_ERRNO 0
/* pipe_stat() (bsd/kern/sys_pipe.c @ 1031c584): st_ino "based on the
 * current address of this pipe's struct pipe" (one per end), st_dev left
 * 0. */
#undef EKQ_PROFILE_PIPE_STAT_NOID
#undef EKQ_PROFILE_PIPE_STAT_NODEV
#define EKQ_PROFILE_PIPE_STAT_NODEV 1
#undef EKQ_PROFILE_PIPE_STAT_INO_PER_END
#define EKQ_PROFILE_PIPE_STAT_INO_PER_END 1
/* poll() runs on kevent (bsd/kern/sys_generic.c poll_callback(), idx): any
 * filter's EV_EOF is POLLHUP; the read filter then says every read bit
 * asked (POLLIN, POLLRDNORM, POLLPRI, POLLRDBAND); the write filter says
 * POLLOUT only without POLLHUP; POLLERR only for a filter that failed to
 * attach.  Pipes (sys_pipe.c @ 1031c584 pipe_kqfilter(),
 * filt_pipe_draincommon()): PIPE_EOF or no peer is EV_EOF on either
 * filter, the wrong end's being a "neutered" filter that fires then too:
 * a read end whose writer is gone, and a write end whose reader is gone,
 * are POLLHUP with the read bits asked, no POLLOUT, no POLLERR. */
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
#define EKQ_PROFILE_POLL_HUP_RDBAND 1
/* Sockets (bsd/kern/uipc_socket.c filt_soread_common(),
 * filt_sowrite_common(), idx): EV_EOF at SS_CANTRCVMORE (read) and
 * SS_CANTSENDMORE (write); so_error fires both; the write filter is quiet
 * until socanwrite().  So: an error alone is POLLIN|POLLOUT, a stream
 * socket never connected says nothing, and one whose read side is shut
 * (the peer's FIN) is POLLHUP with the read bits asked, without POLLOUT.
 * FIFOs (fifofs on sockets) and a local shutdown(SHUT_WR) alone are not
 * modelled. */
#undef EKQ_PROFILE_POLL_SOCKET_QUIET
#undef EKQ_PROFILE_POLL_SOCKET_NOERR
#undef EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET
#undef EKQ_PROFILE_POLL_SOCKET_DOWN_NOOUT
#undef EKQ_PROFILE_POLL_SOCKET_EOF_KEEPS_ERR
#undef EKQ_PROFILE_POLL_SOCKET_RDEOF_HUP
/* poll() never says POLLERR of a socket: configure's check finds no
 * HAVE_POLL_SOCKET_HUP, and lib/ takes EPOLLERR and EPOLLHUP of sockets
 * and FIFOs from the knotes (lib/bits.c quiet_bits()). */
#undef HAVE_POLL_SOCKET_HUP
#define EKQ_PROFILE_POLL_SOCKET_NOERR 1
#define EKQ_PROFILE_POLL_SOCKET_UNCONN_QUIET 1
#define EKQ_PROFILE_POLL_SOCKET_RDEOF_HUP 1
