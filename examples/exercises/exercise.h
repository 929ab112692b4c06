/*
 * exercise.h — what every exercise shares.
 *
 * An exercise is one C file with a naive and an optimised version of the
 * same computation, exercise_test() checking that both agree on the same
 * inputs, and benchmarks for both (sub-benchmarks keyed version=naive and
 * version=optimised, so `cprof benchstat -col /version` sets them side by
 * side).  Built plainly it is a benchmark program (cprof_bench's main);
 * built with -DEXERCISE_TEST it is the agreement test.
 */
#ifndef EXERCISE_H
#define EXERCISE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* strdup, strndup, asprintf */
#endif

#include <cprof/bench.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int ex_failures;

__attribute__((format(printf, 4, 5))) static void ex_check(int ok, const char *file, int line,
							   const char *fmt, ...)
{
	va_list ap;
	if (ok)
		return;
	ex_failures++;
	fprintf(stderr, "%s:%d: naive and optimised disagree: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* EX_CHECK(cond, "what", ...): one disagreement when cond is false. */
#define EX_CHECK(cond, ...) ex_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Defined by each exercise: runs both versions on the same inputs. */
static void exercise_test(void);

/* The parent benchmark: refuses to measure versions that disagree, then
 * runs each version as a sub-benchmark. */
#define EXERCISE_BENCH(Name, ...)                                                 \
	CPROF_BENCH(Name)                                                         \
	{                                                                         \
		static const struct {                                             \
			const char *name;                                         \
			void (*fn)(cprof_bench_b *);                              \
		} versions[] = {__VA_ARGS__};                                     \
		exercise_test();                                                  \
		if (ex_failures)                                                  \
			cprof_bench_fatalf(b, "%d disagreements", ex_failures);   \
		for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) \
			cprof_bench_run(b, versions[i].name, versions[i].fn);     \
	}

#ifdef EXERCISE_TEST
int main(void)
{
	exercise_test();
	if (ex_failures) {
		printf("not ok %s: %d disagreements\n", EXERCISE_NAME, ex_failures);
		return 1;
	}
	printf("ok %s\n", EXERCISE_NAME);
	return 0;
}
#endif

#endif
