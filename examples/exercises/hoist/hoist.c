/*
 * hoist — upper-case a 4 KiB line in place.
 *
 * naive:     `i < strlen(s)` in the loop condition: the loop writes to s,
 *            so the compiler cannot prove the length invariant and calls
 *            strlen on every iteration (O(n²));
 * optimised: the length computed once, before the loop.
 */
#define EXERCISE_NAME "hoist"
#include "../exercise.h"
#include <ctype.h>
#include <string.h>

#define LEN 4096

static void upper_naive(char *s)
{
	for (size_t i = 0; i < strlen(s); i++)
		s[i] = (char)toupper((unsigned char)s[i]);
}

static void upper_hoisted(char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		s[i] = (char)toupper((unsigned char)s[i]);
}

static void fill(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		s[i] = (char)(" abcdefghijklmnopqrstuvwxyz0123456789,.ABC"[(i * 7 + i / 3) % 42]);
	s[len] = '\0';
}

static void exercise_test(void)
{
	static const size_t sizes[] = {0, 1, 2, 41, 42, 43, LEN};
	static char a[LEN + 1], b[LEN + 1];
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		fill(a, sizes[i]);
		fill(b, sizes[i]);
		upper_naive(a);
		upper_hoisted(b);
		EX_CHECK(!strcmp(a, b), "on %zu bytes", sizes[i]);
	}
}

static char line[LEN + 1];

static void run(cprof_bench_b *b, void (*upper)(char *))
{
	for (long i = 0; i < b->n; i++) {
		cprof_bench_stop_timer(b);
		fill(line, LEN);
		cprof_bench_start_timer(b);
		upper(line);
		cprof_clobber_memory();
	}
}

static void naive(cprof_bench_b *b)
{
	run(b, upper_naive);
}

static void optimised(cprof_bench_b *b)
{
	run(b, upper_hoisted);
}

EXERCISE_BENCH(Upper, {"version=naive", naive}, {"version=optimised", optimised})
