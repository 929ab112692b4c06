/*
 * harness_overhead.c — the harness's own cost (bench/harness_overhead.sh):
 * an empty benchmark (a loop with a compiler barrier, as Go's empty loop
 * is not optimised away), and a stable CPU-bound one for run-to-run spread.
 * bench/harness_overhead.go.txt holds the same two for Go's testing.B.
 */
#include <cprof/bench.h>

static unsigned long fib(unsigned n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

CPROF_BENCH(Empty)
{
	for (long i = 0; i < b->n; i++)
		cprof_clobber_memory();
}

static volatile unsigned fib_n = 20;

CPROF_BENCH(Fib20)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(fib(fib_n));
}
