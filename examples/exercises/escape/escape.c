/*
 * escape — "escape analysis" in C.  Go's compiler puts a value on the
 * stack when it proves the value does not outlive the call; C leaves the
 * choice to the programmer, and a malloc'd scratch buffer freed before
 * the function returns is the C version of a value that escaped for no
 * reason.  CPROF_TEMP's temporary-allocation report (docs/HEAP.md) lists
 * exactly those: freed by the same thread with no other allocation in
 * between.
 *
 * naive:     format each point into a malloc'd 64-byte buffer and a
 *            malloc'd struct, hash, free both;
 * optimised: the buffer and the struct on the stack.
 */
#define EXERCISE_NAME "escape"
#include "../exercise.h"
#include <stdint.h>
#include <string.h>

#define POINTS 1000

struct point {
	long x, y;
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return h;
}

static uint64_t point_key_heap(long x, long y)
{
	struct point *p = malloc(sizeof *p);
	char *buf = malloc(64);
	if (!p || !buf)
		abort();
	p->x = x, p->y = y;
	int n = snprintf(buf, 64, "(%ld,%ld)", p->x, p->y);
	uint64_t h = hash(buf, (size_t)n);
	free(buf);
	free(p);
	return h;
}

static uint64_t point_key_stack(long x, long y)
{
	struct point p = {x, y};
	char buf[64];
	int n = snprintf(buf, sizeof buf, "(%ld,%ld)", p.x, p.y);
	return hash(buf, (size_t)n);
}

static uint64_t keys(uint64_t (*key)(long, long), long seed)
{
	uint64_t sum = 0;
	for (long i = 0; i < POINTS; i++)
		sum += key(seed + i, seed * 3 - i * 7);
	return sum;
}

static void exercise_test(void)
{
	static const long seeds[] = {0, 1, -1, 123456789, -987654321};
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
		EX_CHECK(keys(point_key_heap, seeds[i]) == keys(point_key_stack, seeds[i]),
			 "from seed %ld", seeds[i]);
}

static volatile long seed = 42;

static void naive(cprof_bench_b *b)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(keys(point_key_heap, seed));
}

static void optimised(cprof_bench_b *b)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(keys(point_key_stack, seed));
}

EXERCISE_BENCH(PointKeys, {"version=naive", naive}, {"version=optimised", optimised})
