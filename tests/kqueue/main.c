/* The kqueue conformance suite: BSD semantics from kqueue(2). */
#include "config.h"

#include "ekq_test.h"

extern Suite *kq_changelist_suite(void);
extern Suite *kq_errors_suite(void);
extern Suite *kq_read_suite(void);
extern Suite *kq_write_suite(void);
extern Suite *kq_fifo_suite(void);
extern Suite *kq_sockets_suite(void);
extern Suite *kq_tcp_suite(void);
extern Suite *kq_listen_suite(void);
extern Suite *kq_pty_suite(void);
extern Suite *kq_kqfd_suite(void);
extern Suite *kq_except_suite(void);
extern Suite *kq_user_suite(void);
extern Suite *kq_timer_suite(void);
extern Suite *kq_signal_suite(void);
extern Suite *kq_clear_suite(void);
extern Suite *kq_oneshot_dispatch_suite(void);
extern Suite *kq_receipt_suite(void);
extern Suite *kq_timeout_suite(void);
extern Suite *kq_threads_suite(void);
extern Suite *kq_close_suite(void);
extern Suite *kq_hygiene_suite(void);
extern Suite *kq_fork_suite(void);

int
main(void)
{
	static Suite *(*const suites[])(void) = {
		kq_changelist_suite,
		kq_errors_suite,
		kq_read_suite,
		kq_write_suite,
		kq_fifo_suite,
		kq_sockets_suite,
		kq_tcp_suite,
		kq_listen_suite,
		kq_pty_suite,
		kq_kqfd_suite,
		kq_except_suite,
		kq_user_suite,
		kq_timer_suite,
		kq_signal_suite,
		kq_clear_suite,
		kq_oneshot_dispatch_suite,
		kq_receipt_suite,
		kq_timeout_suite,
		kq_threads_suite,
		kq_close_suite,
		kq_hygiene_suite,
		kq_fork_suite,
		NULL
	};
	return ekq_run_suites(suites);
}
