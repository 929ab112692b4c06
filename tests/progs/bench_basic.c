/* bench_basic.c — a benchmark program using the library's default main(). */
#include <cprof/bench.h>
#include <stdlib.h>
#include <string.h>

static unsigned long fib(unsigned n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

CPROF_BENCH(Fib)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(fib(12));
}

static void copy(cprof_bench_b *b)
{
	size_t size = (size_t)(uintptr_t)b->arg;
	char *src = calloc(1, size), *dst = malloc(size);
	cprof_bench_set_bytes(b, (int64_t)size);
	cprof_bench_reset_timer(b);
	for (long i = 0; i < b->n; i++) {
		memcpy(dst, src, size);
		cprof_clobber_memory();
	}
	cprof_bench_stop_timer(b);
	free(src);
	free(dst);
}

CPROF_BENCH(Copy)
{
	cprof_bench_run_arg(b, "size=64", copy, (void *)64);
	cprof_bench_run_arg(b, "size=4096", copy, (void *)4096);
}

static void body(cprof_bench_pb *pb, void *arg)
{
	(void)arg;
	while (cprof_bench_pb_next(pb))
		cprof_do_not_optimize(fib(10));
}

CPROF_BENCH(FibParallel)
{
	cprof_bench_run_parallel(b, body, NULL);
}

CPROF_BENCH(Loop)
{
	while (cprof_bench_loop(b))
		cprof_do_not_optimize(fib(8));
}

/* spins on the CPU for the profiler to see */
__attribute__((noinline)) static unsigned long spin_work(long n)
{
	unsigned long x = 1; /* an LCG: no closed form for the optimiser to find */
	for (long i = 0; i < n; i++)
		x = x * 6364136223846793005ul + (unsigned long)i;
	return x;
}

/* volatile: a pure call with a constant argument would be hoisted out of
 * the loop (cprof_do_not_optimize keeps the result, not the computation) */
static volatile long spin_n = 20000;

CPROF_BENCH(Spin)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(spin_work(spin_n));
}
