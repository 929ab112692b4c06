/*
 * strings.c — building a 1000-piece string three ways: repeated
 * concatenation (strlen + realloc every time), snprintf into a fresh
 * buffer each time, and a growable buffer that doubles.  Run with
 * -benchmem to see the allocations (needs libcprof's allocation counters).
 *
 *     ./strings -bench . -benchmem
 */
#include <cprof/bench.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIECES 1000

static char *concat(int pieces)
{
	char *s = calloc(1, 1);
	char piece[32];
	for (int i = 0; i < pieces; i++) {
		snprintf(piece, sizeof piece, "item %d,", i);
		s = realloc(s, strlen(s) + strlen(piece) + 1);
		strcat(s, piece);
	}
	return s;
}

static char *reprint(int pieces)
{
	char *s = calloc(1, 1);
	for (int i = 0; i < pieces; i++) {
		size_t n = strlen(s) + 32;
		char *t = malloc(n);
		snprintf(t, n, "%sitem %d,", s, i);
		free(s);
		s = t;
	}
	return s;
}

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_printf_piece(struct buf *b, int i)
{
	if (b->cap - b->len < 32) {
		b->cap = b->cap ? 2 * b->cap : 64;
		b->p = realloc(b->p, b->cap);
	}
	b->len += (size_t)snprintf(b->p + b->len, b->cap - b->len, "item %d,", i);
}

static char *growable(int pieces)
{
	struct buf b = {0};
	for (int i = 0; i < pieces; i++)
		buf_printf_piece(&b, i);
	return b.p;
}

static void run(cprof_bench_b *b, char *(*build)(int))
{
	for (long i = 0; i < b->n; i++) {
		char *s = build(PIECES);
		cprof_do_not_optimize(s[0]);
		free(s);
	}
}

static void concat_b(cprof_bench_b *b)
{
	run(b, concat);
}

static void snprintf_b(cprof_bench_b *b)
{
	run(b, reprint);
}

static void buffer_b(cprof_bench_b *b)
{
	run(b, growable);
}

CPROF_BENCH(Build)
{
	char *x = concat(50), *y = reprint(50), *z = growable(50);
	if (strcmp(x, y) || strcmp(y, z))
		cprof_bench_fatalf(b, "the three methods disagree");
	free(x), free(y), free(z);
	cprof_bench_report_allocs(b);
	cprof_bench_run(b, "method=concat", concat_b);
	cprof_bench_run(b, "method=snprintf", snprintf_b);
	cprof_bench_run(b, "method=buffer", buffer_b);
}
