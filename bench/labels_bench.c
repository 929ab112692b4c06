/*
 * labels_bench.c — what a label costs (bench/labels_bench.sh): a push and
 * its pop of a set seen before (the common case: labels with a bounded set
 * of values), two nested, and the scoped form.  bench/labels_bench.go.txt
 * holds the same for Go's pprof.Do and SetGoroutineLabels, the anchor.
 */
#include <cprof.h>
#include <cprof/bench.h>
#include <stddef.h>

CPROF_BENCH(PushPop)
{
	for (long i = 0; i < b->n; i++) {
		cprof_labels_push("endpoint", "/search", NULL);
		cprof_clobber_memory();
		cprof_labels_pop();
	}
}

CPROF_BENCH(PushPopNested)
{
	for (long i = 0; i < b->n; i++) {
		cprof_labels_push("endpoint", "/search", NULL);
		cprof_labels_push("stage", "parse", NULL);
		cprof_clobber_memory();
		cprof_labels_pop();
		cprof_labels_pop();
	}
}

CPROF_BENCH(Do)
{
	for (long i = 0; i < b->n; i++)
		CPROF_LABELS("endpoint", "/search")
		{
			cprof_clobber_memory();
		}
}
