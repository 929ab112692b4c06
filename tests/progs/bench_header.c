/* Every macro and inline function of cprof/bench.h, for bench_header.sh:
 * compiled as strict ISO C and as C++ (with -Wall -Wextra -Werror), then run
 * to check that the log kinds the macros pass mean what they say. */
#include <cprof/bench.h>

static volatile long sink;

CPROF_BENCH(Logs)
{
	cprof_bench_logf(b, "log %d", 1);
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(i * 2);
	cprof_clobber_memory();
}

CPROF_BENCH(Errors)
{
	cprof_bench_errorf(b, "error %d", 2);
	sink = b->n;
}

static long fatal_after;
CPROF_BENCH(Fatals)
{
	cprof_bench_fatalf(b, "fatal %d", 3);
	fatal_after++;
}

CPROF_BENCH(Skips)
{
	cprof_bench_skipf(b, "skip %d", 4);
	fatal_after++;
}

CPROF_BENCH(Loop)
{
	long x = 0;
	while (cprof_bench_loop(b))
		x++;
	cprof_do_not_optimize(x);
	cprof_bench_report_metric(b, 1.0, "things/op");
}

static void body(cprof_bench_pb *pb, void *arg)
{
	(void)arg;
	long x = 0;
	while (cprof_bench_pb_next(pb))
		x++;
	cprof_do_not_optimize(x);
}

CPROF_BENCH(Parallel)
{
	cprof_bench_run_parallel(b, body, 0);
}

int main(int argc, char **argv)
{
	int rc = cprof_bench_main(argc, argv);
	return fatal_after ? 10 : rc;
}
