/*
 * The fault-injection sweep (see fault.h).  Cases run in Check's fork
 * mode; their totals are added up in a shared mapping made before the
 * first fork, and printed once every case has run.
 */
#include "config.h"

#include "fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int
main(void)
{
	void *map = mmap(NULL, sizeof *fs_totals, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return EXIT_FAILURE;
	}
	fs_totals = map;
	memset(fs_totals, 0, sizeof *fs_totals);

	static Suite *(*const suites[])(void) = {
		fs_create_suite,
		fs_ctl_suite,
		fs_wait_suite,
		fs_fork_suite,
		fs_fdtypes_suite,
		NULL
	};
	int status = ekq_run_suites(suites);
	char verdict[64];
	if (status == EXIT_SUCCESS && fs_totals->violations == 0)
		snprintf(verdict, sizeof verdict, "all clean");
	else
		snprintf(verdict, sizeof verdict, "NOT CLEAN: %ld violations",
		    fs_totals->violations);
	printf("fault sweep: %ld scenarios, %ld fault points, %ld injected "
	    "failures (%ld failed the call, %ld tolerated), %s\n",
	    fs_totals->scenarios, fs_totals->points, fs_totals->injected,
	    fs_totals->failed, fs_totals->tolerated, verdict);
	return status;
}
