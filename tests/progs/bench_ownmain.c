/* bench_ownmain.c — a program with its own main() calling the harness. */
#include <cprof/bench.h>
#include <stdio.h>

CPROF_BENCH(Own)
{
	for (long i = 0; i < b->n; i++)
		cprof_clobber_memory();
}

int main(int argc, char **argv)
{
	cprof_bench_set_pkg("example.com/ownmain");
	int rc = cprof_bench_main(argc, argv);
	printf("own main done rc=%d\n", rc);
	return rc;
}
