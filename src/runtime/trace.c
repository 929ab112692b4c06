/*
 * trace.c — the execution trace (not written yet: the hooks the rest of
 * the runtime calls).
 */
#include "compat.h"
#include "runtime/rt.h"

atomic_bool cprof__trace_on;

void cprof__trace_block(int reason, const void *obj, int64_t t0, int64_t t1, int skip)
{
	(void)reason;
	(void)obj;
	(void)t0;
	(void)t1;
	(void)skip;
}
