/* burn.h — CPU burning for the robustness programs (tests/progs/robust_*.c).
 * Header-only: each program is one file, compiled on its own by the tests. */
#ifndef CPROF_TEST_BURN_H
#define CPROF_TEST_BURN_H

#include <time.h>

static _Thread_local volatile double sink; /* per thread: no data race */

/* This thread's CPU time, in nanoseconds. */
static long cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Spend `us` microseconds of this thread's CPU time. */
static void burn(long us)
{
	long t0 = cpu_ns();
	double x = 1.0;
	do {
		for (int i = 0; i < 2000; i++)
			x = x * 1.0000001 + 0.0000001;
	} while (cpu_ns() - t0 < us * 1000);
	sink = x;
}

#endif
