/* The kqueue conformance suite: BSD semantics from kqueue(2). */
#include "config.h"

#include "ekq_test.h"

extern Suite *kq_smoke_suite(void);

int
main(void)
{
	static Suite *(*const suites[])(void) = {
		kq_smoke_suite,
		NULL
	};
	return ekq_run_suites(suites);
}
