/*
 * epollkq: Linux's <sys/signalfd.h>, emulated on kqueue's EVFILT_SIGNAL
 * (no BSD has signalfd), with Linux's names, values and layout:
 * struct signalfd_siginfo is 128 bytes.  ssi_code carries the system's
 * own si_code, so it compares with <signal.h>'s SI_USER, SI_QUEUE, ...
 */
#ifndef _SYS_SIGNALFD_H
#define _SYS_SIGNALFD_H 1

#include <epollkq_fdtypes.h>
#include <signal.h>
#include <stdint.h>

#if defined(__GLIBC__) && !defined(__USE_POSIX)
#include <bits/types/sigset_t.h>
#endif

#define SFD_CLOEXEC EKQ_LINUX_O_CLOEXEC
#define SFD_NONBLOCK EKQ_LINUX_O_NONBLOCK

struct signalfd_siginfo {
	uint32_t ssi_signo;
	int32_t ssi_errno;
	int32_t ssi_code;
	uint32_t ssi_pid;
	uint32_t ssi_uid;
	int32_t ssi_fd;
	uint32_t ssi_tid;
	uint32_t ssi_band;
	uint32_t ssi_overrun;
	uint32_t ssi_trapno;
	int32_t ssi_status;
	int32_t ssi_int;
	uint64_t ssi_ptr;
	uint64_t ssi_utime;
	uint64_t ssi_stime;
	uint64_t ssi_addr;
	uint16_t ssi_addr_lsb;
	uint16_t __pad2;
	int32_t ssi_syscall;
	uint64_t ssi_call_addr;
	uint32_t ssi_arch;
	uint8_t __pad[28];
};

#if EKQ_FDT_RENAME
#define signalfd ekq_signalfd
#endif

#ifdef __cplusplus
extern "C" {
#endif

int signalfd(int fd, const sigset_t *mask, int flags) EKQ_FDT_SYM(signalfd);

#ifdef __cplusplus
}
#endif

#endif /* _SYS_SIGNALFD_H */
