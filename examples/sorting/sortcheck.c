/*
 * sortcheck.c — every algorithm sorts every shape correctly: the result is
 * ascending and a permutation of the input (compared with libc qsort's
 * result), at sizes 0, 1, 2, 3, 17, 1000 and up to SORTCHECK_MAXN
 * (default 100 000; the quadratic cases stop at 10 000).  Prints one
 * "ok"/"not ok" line per algorithm and shape; exit 1 on a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sorts.h"

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	return (a > b) - (a < b);
}

int main(void)
{
	const char *e = getenv("SORTCHECK_MAXN");
	size_t maxn = e && *e ? strtoul(e, NULL, 10) : 100000;
	static const size_t sizes[] = {0, 1, 2, 3, 17, 1000, 10000, 100000, 1000000};
	int *in = malloc((maxn + 1) * sizeof *in), *want = malloc((maxn + 1) * sizeof *in),
	    *got = malloc((maxn + 1) * sizeof *in);
	int failed = 0;
	if (!in || !want || !got) {
		fprintf(stderr, "sortcheck: out of memory\n");
		return 1;
	}
	for (const struct sort_alg *alg = sort_algs; alg->name; alg++) {
		for (int s = 0; s < SHAPE_COUNT; s++) {
			const char *why = NULL;
			size_t bad_n = 0;
			for (size_t k = 0; k < sizeof sizes / sizeof sizes[0] && !why; k++) {
				size_t n = sizes[k];
				if (n > maxn || (sort_is_quadratic(alg, (enum sort_shape)s) && n > 10000))
					break;
				sort_fill(in, n, (enum sort_shape)s);
				memcpy(want, in, n * sizeof *in);
				memcpy(got, in, n * sizeof *in);
				qsort(want, n, sizeof *want, cmp_int);
				if (alg->fn(got, n) != 0)
					why = "returned an error";
				else if (n && memcmp(got, want, n * sizeof *got) != 0)
					why = "wrong result";
				bad_n = n;
			}
			if (why) {
				printf("not ok %s/%s: %s at n=%zu\n", alg->name, sort_shape_names[s], why, bad_n);
				failed = 1;
			} else {
				printf("ok %s/%s\n", alg->name, sort_shape_names[s]);
			}
		}
	}
	free(in);
	free(want);
	free(got);
	return failed;
}
