/* Runs a set of Check suites in fork mode; one process per case. */
#include "config.h"

#include "ekq_test.h"

#include <signal.h>
#include <stdlib.h>

int
ekq_run_suites(Suite *(*const ctors[])(void))
{
	/* A peer that went away must show up as EPIPE, not kill the case. */
	signal(SIGPIPE, SIG_IGN);

	SRunner *sr = srunner_create(NULL);
	for (size_t i = 0; ctors[i] != NULL; i++)
		srunner_add_suite(sr, ctors[i]());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
