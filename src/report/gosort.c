/*
 * gosort.c — Go 1.19's sort.Sort (pattern-defeating quicksort, package
 * sort's zsortinterface.go) on an array of uint32, step for step: the same
 * comparisons and swaps, so elements that compare equal end in the order
 * Go leaves them in.  pprof's call tree sorts nodes that tie completely
 * (same values, same NodeInfo); when its input order is fixed, only this
 * algorithm gives its output.
 */
#include "compat.h"
#include "report/internal.h"

typedef struct {
	uint32_t *v;
	cprof__go_less less;
	void *ctx;
} gdata;

static bool lt(const gdata *d, size_t i, size_t j)
{
	return d->less(d->v[i], d->v[j], d->ctx);
}

static void sw(gdata *d, size_t i, size_t j)
{
	uint32_t t = d->v[i];
	d->v[i] = d->v[j];
	d->v[j] = t;
}

/* bits.Len */
static int bitlen(size_t x)
{
	int n = 0;
	for (; x; x >>= 1)
		n++;
	return n;
}

static void insertion_sort(gdata *d, size_t a, size_t b)
{
	for (size_t i = a + 1; i < b; i++)
		for (size_t j = i; j > a && lt(d, j, j - 1); j--)
			sw(d, j, j - 1);
}

static void sift_down(gdata *d, size_t lo, size_t hi, size_t first)
{
	size_t root = lo;
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= hi)
			return;
		if (child + 1 < hi && lt(d, first + child, first + child + 1))
			child++;
		if (!lt(d, first + root, first + child))
			return;
		sw(d, first + root, first + child);
		root = child;
	}
}

static void heap_sort(gdata *d, size_t a, size_t b)
{
	size_t first = a, hi = b - a;
	for (size_t i = (hi - 1) / 2 + 1; i-- > 0;)
		sift_down(d, i, hi, first);
	for (size_t i = hi; i-- > 0;) {
		sw(d, first, first + i);
		sift_down(d, 0, i, first);
	}
}

enum hint { UNKNOWN, INCREASING, DECREASING };

static size_t order2(gdata *d, size_t a, size_t b, int *swaps, size_t *hi)
{
	if (lt(d, b, a)) {
		++*swaps;
		*hi = a;
		return b;
	}
	*hi = b;
	return a;
}

static size_t median(gdata *d, size_t a, size_t b, size_t c, int *swaps)
{
	a = order2(d, a, b, swaps, &b);
	b = order2(d, b, c, swaps, &c);
	a = order2(d, a, b, swaps, &b);
	(void)a;
	(void)c;
	return b;
}

static size_t choose_pivot(gdata *d, size_t a, size_t b, enum hint *h)
{
	size_t l = b - a;
	int swaps = 0;
	size_t i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3;
	if (l >= 8) {
		if (l >= 50) {
			i = median(d, i - 1, i, i + 1, &swaps);
			j = median(d, j - 1, j, j + 1, &swaps);
			k = median(d, k - 1, k, k + 1, &swaps);
		}
		j = median(d, i, j, k, &swaps);
	}
	*h = swaps == 0 ? INCREASING : swaps == 12 ? DECREASING : UNKNOWN;
	return j;
}

static void reverse_range(gdata *d, size_t a, size_t b)
{
	for (size_t i = a, j = b - 1; i < j; i++, j--)
		sw(d, i, j);
}

/* Go's partialInsertionSort, including its inner loop's bound of 1 (not a)
 * when shifting the smaller element left. */
static bool partial_insertion_sort(gdata *d, size_t a, size_t b)
{
	size_t i = a + 1;
	for (int step = 0; step < 5; step++) {
		while (i < b && !lt(d, i, i - 1))
			i++;
		if (i == b)
			return true;
		if (b - a < 50)
			return false;
		sw(d, i, i - 1);
		if (i - a >= 2)
			for (size_t j = i - 1; j >= 1; j--) {
				if (!lt(d, j, j - 1))
					break;
				sw(d, j, j - 1);
			}
		if (b - i >= 2)
			for (size_t j = i + 1; j < b; j++) {
				if (!lt(d, j, j - 1))
					break;
				sw(d, j, j - 1);
			}
	}
	return false;
}

static void break_patterns(gdata *d, size_t a, size_t b)
{
	size_t length = b - a;
	if (length < 8)
		return;
	uint64_t r = length;
	size_t modulus = (size_t)1 << bitlen(length);
	for (size_t idx = a + (length / 4) * 2 - 1; idx <= a + (length / 4) * 2 + 1; idx++) {
		r ^= r << 13;
		r ^= r >> 17;
		r ^= r << 5;
		size_t other = (size_t)r & (modulus - 1);
		if (other >= length)
			other -= length;
		sw(d, idx, a + other);
	}
}

static size_t partition_equal(gdata *d, size_t a, size_t b, size_t pivot)
{
	sw(d, a, pivot);
	/* i and j inclusive, as Go's ints: j may reach a. */
	ptrdiff_t i = (ptrdiff_t)a + 1, j = (ptrdiff_t)b - 1;
	for (;;) {
		while (i <= j && !lt(d, a, (size_t)i))
			i++;
		while (i <= j && lt(d, a, (size_t)j))
			j--;
		if (i > j)
			break;
		sw(d, (size_t)i, (size_t)j);
		i++;
		j--;
	}
	return (size_t)i;
}

static size_t partition(gdata *d, size_t a, size_t b, size_t pivot, bool *already)
{
	sw(d, a, pivot);
	ptrdiff_t i = (ptrdiff_t)a + 1, j = (ptrdiff_t)b - 1;
	while (i <= j && lt(d, (size_t)i, a))
		i++;
	while (i <= j && !lt(d, (size_t)j, a))
		j--;
	if (i > j) {
		sw(d, (size_t)j, a);
		*already = true;
		return (size_t)j;
	}
	sw(d, (size_t)i, (size_t)j);
	i++;
	j--;
	for (;;) {
		while (i <= j && lt(d, (size_t)i, a))
			i++;
		while (i <= j && !lt(d, (size_t)j, a))
			j--;
		if (i > j)
			break;
		sw(d, (size_t)i, (size_t)j);
		i++;
		j--;
	}
	sw(d, (size_t)j, a);
	*already = false;
	return (size_t)j;
}

static void pdqsort(gdata *d, size_t a, size_t b, int limit)
{
	bool was_balanced = true, was_partitioned = true;
	for (;;) {
		size_t length = b - a;
		if (length <= 12) {
			insertion_sort(d, a, b);
			return;
		}
		if (limit == 0) {
			heap_sort(d, a, b);
			return;
		}
		if (!was_balanced) {
			break_patterns(d, a, b);
			limit--;
		}
		enum hint h;
		size_t pivot = choose_pivot(d, a, b, &h);
		if (h == DECREASING) {
			reverse_range(d, a, b);
			pivot = (b - 1) - (pivot - a);
			h = INCREASING;
		}
		if (was_balanced && was_partitioned && h == INCREASING &&
		    partial_insertion_sort(d, a, b))
			return;
		if (a > 0 && !lt(d, a - 1, pivot)) {
			a = partition_equal(d, a, b, pivot);
			continue;
		}
		bool already;
		size_t mid = partition(d, a, b, pivot, &already);
		was_partitioned = already;
		size_t left = mid - a, right = b - mid, threshold = length / 8;
		if (left < right) {
			was_balanced = left >= threshold;
			pdqsort(d, a, mid, limit);
			a = mid + 1;
		} else {
			was_balanced = right >= threshold;
			pdqsort(d, mid + 1, b, limit);
			b = mid;
		}
	}
}

void cprof__go_sort(uint32_t *v, size_t n, cprof__go_less less, void *ctx)
{
	if (n <= 1)
		return;
	gdata d = {v, less, ctx};
	pdqsort(&d, 0, n, bitlen(n));
}
