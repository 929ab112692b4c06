/*
 * sorts.h — the sorting suite's algorithms, on arrays of int, ascending.
 * Each takes the array and its length and sorts in place; merge and radix
 * allocate a scratch array of n ints (and return -1 if malloc fails,
 * leaving the array unsorted), the others allocate nothing.
 */
#ifndef SORTS_H
#define SORTS_H
#include <stddef.h>

typedef int (*sort_fn)(int *a, size_t n);

struct sort_alg {
	const char *name;
	sort_fn fn;
	/* Θ(n²) on some shape: the benchmark caps these at a smaller n. */
	int quadratic;
};

/* The algorithms, ending with { NULL }. */
extern const struct sort_alg sort_algs[];

/* Input shapes: random, sorted, reversed, few unique (values 0..9). */
enum sort_shape { SHAPE_RANDOM, SHAPE_SORTED, SHAPE_REVERSED, SHAPE_FEW, SHAPE_COUNT };
extern const char *const sort_shape_names[SHAPE_COUNT];

/* Fills a[0..n) with shape, from a fixed seed (the same input every run). */
void sort_fill(int *a, size_t n, enum sort_shape shape);

/* Quadratic algorithms on a shape where they are quadratic; the benchmark
 * and the test run them up to this many elements only. */
int sort_is_quadratic(const struct sort_alg *alg, enum sort_shape shape);

#endif
