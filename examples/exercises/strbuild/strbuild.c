/*
 * strbuild — build one string of n pieces "item 0,item 1,...".
 *
 * naive:     realloc + strcat per piece (strcat scans the whole string
 *            to find its end: O(n²) bytes read);
 * asprintf:  asprintf("%s%s") per piece (a new string and a full copy
 *            per piece: O(n²) bytes copied);
 * optimised: a buffer that knows its length and doubles its capacity
 *            (O(n) bytes, O(log n) allocations).
 *
 * Two sizes (Build1000, Build4000): four times the pieces costs the naive
 * versions about sixteen times the time, the buffer about four.
 */
#define EXERCISE_NAME "strbuild"
#include "../exercise.h"
#include <string.h>

static char *build_strcat(int pieces)
{
	char *s = calloc(1, 1), piece[32];
	if (!s)
		abort();
	for (int i = 0; i < pieces; i++) {
		snprintf(piece, sizeof piece, "item %d,", i);
		if (!(s = realloc(s, strlen(s) + strlen(piece) + 1)))
			abort();
		strcat(s, piece);
	}
	return s;
}

static char *build_asprintf(int pieces)
{
	char *s = strdup("");
	if (!s)
		abort();
	for (int i = 0; i < pieces; i++) {
		char *t;
		if (asprintf(&t, "%sitem %d,", s, i) < 0)
			abort();
		free(s);
		s = t;
	}
	return s;
}

static char *build_buffer(int pieces)
{
	size_t len = 0, cap = 64;
	char *s = malloc(cap);
	if (!s)
		abort();
	s[0] = '\0';
	for (int i = 0; i < pieces; i++) {
		if (cap - len < 32) { /* room for the longest piece and the NUL */
			cap *= 2;
			if (!(s = realloc(s, cap)))
				abort();
		}
		len += (size_t)snprintf(s + len, cap - len, "item %d,", i);
	}
	return s;
}

static void exercise_test(void)
{
	static const int sizes[] = {0, 1, 2, 7, 8, 100, 1000, 4000};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char *a = build_strcat(sizes[i]), *b = build_asprintf(sizes[i]),
		     *c = build_buffer(sizes[i]);
		EX_CHECK(!strcmp(a, b) && !strcmp(a, c), "on %d pieces", sizes[i]);
		free(a), free(b), free(c);
	}
}

static volatile int pieces;

static void run(cprof_bench_b *b, char *(*build)(int))
{
	int n = pieces;
	for (long i = 0; i < b->n; i++) {
		char *s = build(n);
		cprof_do_not_optimize(s[0]);
		free(s);
	}
}

static void naive(cprof_bench_b *b)
{
	run(b, build_strcat);
}

static void with_asprintf(cprof_bench_b *b)
{
	run(b, build_asprintf);
}

static void optimised(cprof_bench_b *b)
{
	run(b, build_buffer);
}

static void versions(cprof_bench_b *b, int n)
{
	exercise_test();
	if (ex_failures)
		cprof_bench_fatalf(b, "%d disagreements", ex_failures);
	pieces = n;
	cprof_bench_run(b, "version=naive", naive);
	cprof_bench_run(b, "version=asprintf", with_asprintf);
	cprof_bench_run(b, "version=optimised", optimised);
}

CPROF_BENCH(Build1000)
{
	versions(b, 1000);
}

CPROF_BENCH(Build4000)
{
	versions(b, 4000);
}
