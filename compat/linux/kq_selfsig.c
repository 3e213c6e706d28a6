/*
 * A signal the process sends itself, seen by EVFILT_SIGNAL before the
 * sending call returns.
 *
 * FreeBSD runs the process's signal knotes inside the sending system call
 * (tdsendsignal() in sys/kern/kern_sig.c calls KNOTE_LOCKED on p_klist), so
 * after kill(getpid(), sig) returns, the knote has fired and its kqueue
 * polls readable.  compat's helper thread sees signals only when it next
 * runs (kq_signal.c); so kill() and sigqueue() aimed at this process are
 * interposed here, and after the system's call they wait for one round of
 * the helper -- which finds the signal pending and fires the knotes --
 * when some signal is watched.  A signal aimed at one thread (raise(),
 * pthread_kill()) stays invisible to the helper: README's compat table.
 */
#include "config.h"

#include "kq.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

typedef int (*kill_fn)(pid_t, int);
typedef int (*sigqueue_fn)(pid_t, int, const union sigval);

static bool
to_self(pid_t pid)
{
	return pid == 0 || pid == -1 || pid == getpid() ||
	    (pid < -1 && -pid == getpgrp());
}

__attribute__((visibility("default"))) int
kill(pid_t pid, int sig)
{
	static _Atomic(kill_fn) real;
	kill_fn fn = atomic_load_explicit(&real, memory_order_relaxed);
	if (fn == NULL) {
		*(void **)&fn = dlsym(RTLD_NEXT, "kill");
		atomic_store_explicit(&real, fn, memory_order_relaxed);
	}
	int rc = fn(pid, sig);
	if (rc == 0 && sig != 0 && to_self(pid))
		ekq_signal_sent_to_self(sig);
	return rc;
}

__attribute__((visibility("default"))) int
sigqueue(pid_t pid, int sig, const union sigval value)
{
	static _Atomic(sigqueue_fn) real;
	sigqueue_fn fn = atomic_load_explicit(&real, memory_order_relaxed);
	if (fn == NULL) {
		*(void **)&fn = dlsym(RTLD_NEXT, "sigqueue");
		atomic_store_explicit(&real, fn, memory_order_relaxed);
	}
	int rc = fn(pid, sig, value);
	if (rc == 0 && sig != 0 && to_self(pid))
		ekq_signal_sent_to_self(sig);
	return rc;
}
