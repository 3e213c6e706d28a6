/*
 * fork(): a kqueue is not inherited (kqueue(2); macOS also marks it
 * close-on-fork).  In the child it is unusable and closing it there must not
 * disturb the parent's queue.
 */
#include "config.h"

#include "kq_util.h"

#include <sys/wait.h>
#include <unistd.h>

/* Run `body(kq)` in a child and return its exit status. */
static int
in_child(int kq, int (*body)(int))
{
	pid_t pid = fork();
	ck_assert_ok(pid);
	if (pid == 0)
		_exit(body(kq));
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int
child_kevent_errno(int kq)
{
	struct kevent ev;
	struct timespec zero = { 0, 0 };
	errno = 0;
	if (kevent(kq, NULL, 0, &ev, 1, &zero) != -1)
		return 100;
	return errno;
}

static int
child_change_errno(int kq)
{
	struct kevent ch;
	EV_SET(&ch, 0, EVFILT_READ, EV_ADD, 0, 0, NULL);
	errno = 0;
	if (kevent(kq, &ch, 1, NULL, 0, NULL) != -1)
		return 100;
	return errno;
}

/* Try to undo the parent's registrations from the child, then close. */
static int
child_meddles_and_closes(int kq)
{
	struct kevent ch;
	EV_SET(&ch, 0, EVFILT_READ, EV_DELETE, 0, 0, NULL);
	(void)kevent(kq, &ch, 1, NULL, 0, NULL);
	(void)close(kq);
	return 0;
}

START_TEST(kqueue_wait_in_a_fork_child_fails_with_ebadf)
{
	int kq = kqt_new();
	ck_assert_int_eq(in_child(kq, child_kevent_errno), EBADF);
}
END_TEST

START_TEST(kqueue_change_in_a_fork_child_fails_with_ebadf)
{
	int kq = kqt_new();
	ck_assert_int_eq(in_child(kq, child_change_errno), EBADF);
}
END_TEST

START_TEST(closing_the_kqueue_in_a_child_leaves_the_parent_working)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	/* The child tries EV_DELETE on ident 0, so watch the pipe as fd 0. */
	ck_assert_int_eq(dup2(p[0], 0), 0);
	kqt_add(kq, 0, EVFILT_READ, 0);
	ck_assert_int_eq(in_child(kq, child_meddles_and_closes), 0);
	ekq_write_all(p[1], "x", 1);
	kqt_expect_one(kq, 0, EVFILT_READ);
}
END_TEST

START_TEST(parent_kqueue_keeps_pending_events_across_a_fork)
{
	int kq = kqt_new(), p[2];
	ekq_make_pipe(p);
	ekq_write_all(p[1], "x", 1);
	kqt_add(kq, p[0], EVFILT_READ, 0);
	ck_assert_int_eq(in_child(kq, child_kevent_errno), EBADF);
	kqt_expect_one(kq, (uintptr_t)p[0], EVFILT_READ);
}
END_TEST

Suite *
kq_fork_suite(void)
{
	Suite *s = suite_create("fork");
	TCase *tc = tcase_create("fork");
	tcase_add_test(tc, kqueue_wait_in_a_fork_child_fails_with_ebadf);
	tcase_add_test(tc, kqueue_change_in_a_fork_child_fails_with_ebadf);
	tcase_add_test(tc, closing_the_kqueue_in_a_child_leaves_the_parent_working);
	tcase_add_test(tc, parent_kqueue_keeps_pending_events_across_a_fork);
	suite_add_tcase(s, tc);
	return s;
}
