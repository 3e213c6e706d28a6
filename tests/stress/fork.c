/*
 * fork() while other threads use an eventfd: every fork() returns, and so
 * does every call of the other threads.  The library's fork() handlers take
 * its locks in one order; a call made meanwhile must not hold one of them
 * while it waits for another that fork() holds.  A deadlock leaves the run
 * stuck, and the case's timeout fails it.
 *
 * EKQ_FORK_CYCLES sets the number of fork()s (1,000 by default).
 */
#include "config.h"

#include "st.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define FK_CYCLES 1000L
#define FK_USERS 2

struct fk_run {
	int efd;
	atomic_bool stop;
	atomic_long calls;
	atomic_long errors;     /* calls that failed */
};

/*
 * write() then read(): each one reaches the eventfd's state and its
 * kqueue, as a program's would.  No ck_assert() here: Check's lock could be
 * held at fork(), and the child would find it taken.
 */
static void *
fk_user(void *arg)
{
	struct fk_run *run = arg;
	while (!atomic_load(&run->stop)) {
		uint64_t one = 1, got;
		if (write(run->efd, &one, sizeof one) != (ssize_t)sizeof one)
			atomic_fetch_add(&run->errors, 1);
		ssize_t r = read(run->efd, &got, sizeof got);
		/* The other user may have taken the count first. */
		if (r != (ssize_t)sizeof got && (r != -1 || errno != EAGAIN))
			atomic_fetch_add(&run->errors, 1);
		atomic_fetch_add(&run->calls, 1);
	}
	return NULL;
}

START_TEST(fork_while_threads_use_an_eventfd_returns_in_every_thread)
{
	struct fk_run run;
	run.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ck_assert_msg(run.efd >= 0, "eventfd: %s", strerror(errno));
	atomic_init(&run.stop, false);
	atomic_init(&run.calls, 0);
	atomic_init(&run.errors, 0);
	pthread_t users[FK_USERS];
	for (int i = 0; i < FK_USERS; i++)
		ck_assert_int_eq(pthread_create(&users[i], NULL, fk_user, &run),
		    0);
	long cycles = st_env("EKQ_FORK_CYCLES", FK_CYCLES);
	for (long i = 0; i < cycles; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		ck_assert_msg(pid != -1, "fork %ld: %s", i, strerror(errno));
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	atomic_store(&run.stop, true);
	for (int i = 0; i < FK_USERS; i++)
		ck_assert_int_eq(pthread_join(users[i], NULL), 0);
	printf("stress fork: %ld fork()s, %ld eventfd write()+read() pairs "
	    "meanwhile\n", cycles, atomic_load(&run.calls));
	fflush(stdout);
	ck_assert_int_gt(atomic_load(&run.calls), 0);
	ck_assert_int_eq(atomic_load(&run.errors), 0);
	ck_assert_int_eq(close(run.efd), 0);
}
END_TEST

Suite *
st_fork_suite(void)
{
	Suite *s = suite_create("stress: fork");
	TCase *tc = tcase_create("fork");
	tcase_set_timeout(tc, (double)st_env("EKQ_FORK_TIMEOUT", 120));
	tcase_add_test(tc, fork_while_threads_use_an_eventfd_returns_in_every_thread);
	suite_add_tcase(s, tc);
	return s;
}
