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
/* No POLLRDHUP in <poll.h> (P 6); no ppoll() (README's difference table:
 * epoll_pwait() uses pselect() there) [I]; no dup3() [I]; glibc's entry
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
/* Pipe stat and poll(): xnu's poll() runs on kevent and its pipe stat on
 * vn_stat; neither was read here, so Linux's answers stand. */
#undef EKQ_PROFILE_PIPE_STAT_NOID
#undef EKQ_PROFILE_POLL_PIPE_EOF_IN
#undef EKQ_PROFILE_POLL_WIDOWED_HUP
#undef EKQ_PROFILE_POLL_WIDOWED_OUT
#undef EKQ_PROFILE_POLL_SOCKET_QUIET
