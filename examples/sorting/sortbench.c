/*
 * sortbench.c — every algorithm of sorts.c on every input shape and size,
 * as Go-named sub-benchmarks:
 *
 *     BenchmarkSort/alg=quick3/shape=random/n=10000
 *
 * Sizes are 10^2..SORT_MAXN (default 10^6); the algorithms that are
 * quadratic on a shape stop at SORT_QUADMAX (default 10^4: one
 * bubble sort of 10^5 random ints takes ~10 s, and the ramp-up runs it
 * several times).  Each op sorts a fresh copy of the input; the copy is
 * outside the timer.
 *
 *     ./sortbench -bench . -benchtime 200ms -cpu 1 | tee sort.txt
 *     python3 fit.py sort.txt
 */
#include <cprof/bench.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sorts.h"

struct sort_case {
	const struct sort_alg *alg;
	enum sort_shape shape;
	size_t n;
	int *input; /* made by the first call: filtered-out cases cost nothing */
};

static long env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end;
	if (!s || !*s)
		return def;
	long v = strtol(s, &end, 10);
	return *end || v < 2 ? def : v;
}

static void sort_one(cprof_bench_b *b)
{
	struct sort_case *c = b->arg;
	cprof_bench_stop_timer(b);
	if (!c->input && (c->input = malloc(c->n * sizeof *c->input)) != NULL)
		sort_fill(c->input, c->n, c->shape);
	int *work = malloc(c->n * sizeof *work);
	if (!c->input || !work) {
		free(work);
		cprof_bench_fatalf(b, "out of memory for %zu ints", c->n);
	}
	cprof_bench_start_timer(b);
	for (long i = 0; i < b->n; i++) {
		cprof_bench_stop_timer(b);
		memcpy(work, c->input, c->n * sizeof *work);
		cprof_bench_start_timer(b);
		if (c->alg->fn(work, c->n) != 0) {
			free(work);
			cprof_bench_fatalf(b, "%s: out of memory", c->alg->name);
		}
	}
	cprof_do_not_optimize(work[c->n / 2]);
	free(work);
}

CPROF_BENCH(Sort)
{
	long maxn = env_long("SORT_MAXN", 1000000);
	long quadmax = env_long("SORT_QUADMAX", 10000);
	for (const struct sort_alg *alg = sort_algs; alg->name; alg++) {
		for (int s = 0; s < SHAPE_COUNT; s++) {
			for (long n = 100; n <= maxn; n *= 10) {
				if (sort_is_quadratic(alg, (enum sort_shape)s) && n > quadmax)
					break;
				struct sort_case c = {alg, (enum sort_shape)s, (size_t)n, NULL};
				char name[96];
				snprintf(name, sizeof name, "alg=%s/shape=%s/n=%ld", alg->name,
					 sort_shape_names[s], n);
				cprof_bench_run_arg(b, name, sort_one, &c);
				free(c.input);
			}
		}
	}
}
