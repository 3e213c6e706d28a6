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
 * holds); ppoll() [I: DragonFly 4.6 and later]. */
#undef HAVE_POLLRDHUP
#undef HAVE_PPOLL
#define HAVE_PPOLL 1
/* dup3() [I]; glibc's entry points: glibc only. */
#undef HAVE_DUP3
#define HAVE_DUP3 1
#undef HAVE_FCNTL64
#undef HAVE___READ_CHK
#undef HAVE___POLL_CHK

/* kqueue_stat(): S_IFIFO; st_size not recorded for DragonFly (P 6 lists
 * NetBSD, OpenBSD and macOS only): 0. */
#undef EKQ_PROFILE_KQ_FSTAT_SIZE
#undef EKQ_PROFILE_KQ_CLOEXEC
/* pipe_kqfilter(): EVFILT_WRITE with no peer is EPIPE
 * (sys/kern/sys_pipe.c @ 004d2de5). */
#undef EKQ_PROFILE_WIDOWED_WRITE_ERRNO
#define EKQ_PROFILE_WIDOWED_WRITE_ERRNO EPIPE
/* pipe_stat(): "Left as 0: st_dev, st_ino" (sys_pipe.c @ 004d2de5). */
#undef EKQ_PROFILE_PIPE_STAT_NOID
#define EKQ_PROFILE_PIPE_STAT_NOID 1
/* pipe_poll() (sys_pipe.c @ 004d2de5): a read end at PIPE_EOF is POLLIN as
 * asked and POLLHUP; a write end with no peer is POLLOUT as asked and
 * POLLHUP. */
#undef EKQ_PROFILE_POLL_PIPE_EOF_IN
#define EKQ_PROFILE_POLL_PIPE_EOF_IN 1
#undef EKQ_PROFILE_POLL_WIDOWED_HUP
#define EKQ_PROFILE_POLL_WIDOWED_HUP 1
#undef EKQ_PROFILE_POLL_WIDOWED_OUT
#define EKQ_PROFILE_POLL_WIDOWED_OUT 1
/* Sockets: not read here; Linux's bits stand. */
#undef EKQ_PROFILE_POLL_SOCKET_QUIET
