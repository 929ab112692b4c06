/*
 * sorts.c — textbook versions of the sorting suite's algorithms, written
 * plainly so that their profiles read like the textbook.
 */
#include "sorts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline void swap(int *a, size_t i, size_t j)
{
	int t = a[i];
	a[i] = a[j];
	a[j] = t;
}

static int insertion_sort(int *a, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		int v = a[i];
		size_t j = i;
		while (j > 0 && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
	return 0;
}

static int selection_sort(int *a, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		size_t m = i;
		for (size_t j = i + 1; j < n; j++)
			if (a[j] < a[m])
				m = j;
		swap(a, i, m);
	}
	return 0;
}

/* With the usual early exit: one pass over sorted input. */
static int bubble_sort(int *a, size_t n)
{
	for (size_t end = n; end > 1; end--) {
		int swapped = 0;
		for (size_t j = 1; j < end; j++)
			if (a[j - 1] > a[j]) {
				swap(a, j - 1, j);
				swapped = 1;
			}
		if (!swapped)
			break;
	}
	return 0;
}

/* Ciura's gaps, extended by ×2.25 (Knuth vol. 3 §5.2.1 discusses both). */
static int shell_sort(int *a, size_t n)
{
	static const size_t ciura[] = {1, 4, 10, 23, 57, 132, 301, 701, 1750};
	size_t gaps[64];
	size_t ng = 0;
	for (size_t k = 0; k < sizeof ciura / sizeof ciura[0] && ciura[k] < n; k++)
		gaps[ng++] = ciura[k];
	while (ng > 0 && ng < 64 && gaps[ng - 1] * 9 / 4 < n)
		gaps[ng] = gaps[ng - 1] * 9 / 4, ng++;
	while (ng-- > 0) {
		size_t g = gaps[ng];
		for (size_t i = g; i < n; i++) {
			int v = a[i];
			size_t j = i;
			while (j >= g && a[j - g] > v) {
				a[j] = a[j - g];
				j -= g;
			}
			a[j] = v;
		}
	}
	return 0;
}

static void merge_rec(int *a, int *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	merge_rec(a, tmp, h);
	merge_rec(a + h, tmp, n - h);
	if (a[h - 1] <= a[h])
		return;
	memcpy(tmp, a, h * sizeof *a);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		a[k++] = tmp[i] <= a[j] ? tmp[i++] : a[j++];
	while (i < h)
		a[k++] = tmp[i++];
}

static int merge_sort(int *a, size_t n)
{
	int *tmp = malloc((n / 2 + 1) * sizeof *tmp);
	if (!tmp)
		return -1;
	merge_rec(a, tmp, n);
	free(tmp);
	return 0;
}

static size_t median3(const int *a, size_t i, size_t j, size_t k)
{
	if (a[i] < a[j])
		return a[j] < a[k] ? j : (a[i] < a[k] ? k : i);
	return a[i] < a[k] ? i : (a[j] < a[k] ? k : j);
}

/*
 * Hoare's partition (equal keys stop both scans, so few-unique input
 * splits evenly).  The loop recurses into the smaller part and iterates on
 * the larger, so the stack stays O(log n) deep even when the pivot is the
 * worst one: the naive pivot on sorted input is quadratic in time, not a
 * stack overflow.
 */
static void quick_rec(int *a, size_t n, int mo3)
{
	while (n > 1) {
		/* The pivot goes first: Hoare's scheme then never returns j = n-1. */
		if (mo3)
			swap(a, 0, median3(a, 0, n / 2, n - 1));
		int pv = a[0];
		size_t i = (size_t)-1, j = n;
		for (;;) {
			do
				i++;
			while (a[i] < pv);
			do
				j--;
			while (a[j] > pv);
			if (i >= j)
				break;
			swap(a, i, j);
		}
		/* [0, j] and [j+1, n) */
		size_t left = j + 1;
		if (left < n - left) {
			quick_rec(a, left, mo3);
			a += left;
			n -= left;
		} else {
			quick_rec(a + left, n - left, mo3);
			n = left;
		}
	}
}

static int quick_naive(int *a, size_t n)
{
	quick_rec(a, n, 0);
	return 0;
}

static int quick_median3(int *a, size_t n)
{
	quick_rec(a, n, 1);
	return 0;
}

static void sift_down(int *a, size_t root, size_t n)
{
	for (;;) {
		size_t c = 2 * root + 1;
		if (c >= n)
			return;
		if (c + 1 < n && a[c + 1] > a[c])
			c++;
		if (a[root] >= a[c])
			return;
		swap(a, root, c);
		root = c;
	}
}

static int heap_sort(int *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (size_t end = n; end > 1; end--) {
		swap(a, 0, end - 1);
		sift_down(a, 0, end - 1);
	}
	return 0;
}

/* LSD radix sort, 4 passes of 8 bits; the sign bit flipped so that
 * negative ints order first. */
static int radix_sort(int *a, size_t n)
{
	uint32_t *src = (uint32_t *)(void *)a;
	uint32_t *tmp = malloc(n * sizeof *tmp + 1);
	if (!tmp)
		return -1;
	uint32_t *dst = tmp;
	for (size_t i = 0; i < n; i++)
		src[i] ^= 0x80000000u;
	for (int shift = 0; shift < 32; shift += 8) {
		size_t count[257] = {0};
		for (size_t i = 0; i < n; i++)
			count[((src[i] >> shift) & 0xff) + 1]++;
		for (int b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	/* four passes: the result is back in a */
	for (size_t i = 0; i < n; i++)
		src[i] ^= 0x80000000u;
	free(tmp);
	return 0;
}

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	return (a > b) - (a < b);
}

static int libc_qsort(int *a, size_t n)
{
	qsort(a, n, sizeof *a, cmp_int);
	return 0;
}

const struct sort_alg sort_algs[] = {
	{"insertion", insertion_sort, 1},
	{"selection", selection_sort, 1},
	{"bubble", bubble_sort, 1},
	{"shell", shell_sort, 0},
	{"merge", merge_sort, 0},
	{"quick", quick_naive, 1},
	{"quick3", quick_median3, 0},
	{"heap", heap_sort, 0},
	{"radix", radix_sort, 0},
	{"qsort", libc_qsort, 0},
	{NULL, NULL, 0},
};

const char *const sort_shape_names[SHAPE_COUNT] = {"random", "sorted", "reversed", "few"};

int sort_is_quadratic(const struct sort_alg *alg, enum sort_shape shape)
{
	if (alg->fn == quick_naive) /* the first element is the worst pivot here */
		return shape == SHAPE_SORTED || shape == SHAPE_REVERSED;
	return alg->quadratic;
}

void sort_fill(int *a, size_t n, enum sort_shape shape)
{
	uint64_t x = 0x9e3779b97f4a7c15u; /* xorshift64: the same input every run */
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (shape) {
		case SHAPE_RANDOM: a[i] = (int)(uint32_t)(x >> 32); break;
		case SHAPE_SORTED: a[i] = (int)i - (int)(n / 2); break;
		case SHAPE_REVERSED: a[i] = (int)(n / 2) - (int)i; break;
		case SHAPE_FEW: a[i] = (int)(x >> 60) % 10; break;
		default: a[i] = 0; break;
		}
	}
}
