/*
 * prealloc — collect n values into an array whose final size is known.
 *
 * naive:     grow by one element per append (realloc every time);
 * optimised: reserve n elements once.
 */
#define EXERCISE_NAME "prealloc"
#include "../exercise.h"
#include <string.h>

#define N 10000

struct vec {
	long *v;
	size_t len, cap;
};

static void push_by_one(struct vec *a, long x)
{
	if (!(a->v = realloc(a->v, (a->len + 1) * sizeof *a->v)))
		abort();
	a->v[a->len++] = x;
}

static void reserve(struct vec *a, size_t n)
{
	if (a->cap < n) {
		if (!(a->v = realloc(a->v, n * sizeof *a->v)))
			abort();
		a->cap = n;
	}
}

/* The squares of 0..n-1 that are odd, then their sum. */
static long collect_naive(size_t n, struct vec *out)
{
	for (size_t i = 0; i < n; i++)
		push_by_one(out, (long)(i * i) | 1);
	long sum = 0;
	for (size_t i = 0; i < out->len; i++)
		sum += out->v[i];
	return sum;
}

static long collect_reserved(size_t n, struct vec *out)
{
	reserve(out, n);
	for (size_t i = 0; i < n; i++)
		out->v[out->len++] = (long)(i * i) | 1;
	long sum = 0;
	for (size_t i = 0; i < out->len; i++)
		sum += out->v[i];
	return sum;
}

static void exercise_test(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 100, N};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct vec a = {0}, b = {0};
		long sa = collect_naive(sizes[i], &a), sb = collect_reserved(sizes[i], &b);
		EX_CHECK(sa == sb && a.len == b.len &&
				 (!a.len || !memcmp(a.v, b.v, a.len * sizeof *a.v)),
			 "on %zu values", sizes[i]);
		free(a.v), free(b.v);
	}
}

static volatile size_t n = N;

static void naive(cprof_bench_b *b)
{
	for (long i = 0; i < b->n; i++) {
		struct vec a = {0};
		cprof_do_not_optimize(collect_naive(n, &a));
		free(a.v);
	}
}

static void optimised(cprof_bench_b *b)
{
	for (long i = 0; i < b->n; i++) {
		struct vec a = {0};
		cprof_do_not_optimize(collect_reserved(n, &a));
		free(a.v);
	}
}

EXERCISE_BENCH(Append, {"version=naive", naive}, {"version=optimised", optimised})
