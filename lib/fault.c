/*
 * Fault injection (test builds only): ekq_fault_set(n) makes the nth
 * fault point from now fail; ekq_fault_count() tells how many points were
 * passed since, so that a test can sweep n over a whole scenario.
 */
#include "config.h"

#include "ep.h"
#include "sys.h"

#ifdef EKQ_FAULT_INJECTION
#include <stdatomic.h>

static atomic_long ekq_fault_target;
static atomic_long ekq_fault_passed;

EKQ_EXPORT void
ekq_fault_set(long nth)
{
	atomic_store(&ekq_fault_passed, 0);
	atomic_store(&ekq_fault_target, nth);
}

EKQ_EXPORT long
ekq_fault_count(void)
{
	return atomic_load(&ekq_fault_passed);
}

bool
ekq_fault_hit(int err)
{
	long n = atomic_fetch_add(&ekq_fault_passed, 1) + 1;
	if (n != atomic_load(&ekq_fault_target))
		return false;
	errno = err;
	return true;
}
#else
typedef int ekq_fault_unused; /* ISO C wants a declaration */
#endif
