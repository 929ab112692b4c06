/*
 * bench.c — every version of wordfreq on the same text, as the harness's
 * sub-benchmarks BenchmarkWordfreq/version=vN (output to /dev/null):
 *
 *     ./wordfreq_bench -bench . -benchmem -benchtime 1x -count 5 > steps.txt
 *     cprof benchstat -col /version steps.txt
 *
 * The text is WORDFREQ_TEXT (default corpus.txt in the current directory).
 */
#include <cprof/bench.h>

#include <stdlib.h>

#include "wordfreq.h"

static void run(cprof_bench_b *b)
{
	const struct wordfreq_version *v = b->arg;
	const char *path = getenv("WORDFREQ_TEXT");
	if (!path || !*path)
		path = "corpus.txt";
	FILE *out = fopen("/dev/null", "w");
	if (!out)
		cprof_bench_fatalf(b, "/dev/null: cannot open");
	for (long i = 0; i < b->n; i++) {
		FILE *in = fopen(path, "r");
		if (!in) {
			fclose(out);
			cprof_bench_fatalf(b, "%s: cannot open (make corpus.txt, or set WORDFREQ_TEXT)", path);
		}
		int rc = v->fn(in, out, 20);
		fclose(in);
		if (rc != 0) {
			fclose(out);
			cprof_bench_fatalf(b, "%s failed", v->name);
		}
	}
	fclose(out);
}

CPROF_BENCH(Wordfreq)
{
	for (const struct wordfreq_version *v = wordfreq_versions; v->name; v++) {
		char name[32];
		snprintf(name, sizeof name, "version=%s", v->name);
		cprof_bench_run_arg(b, name, run, (void *)v);
	}
}
