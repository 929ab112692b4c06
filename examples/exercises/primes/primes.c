/*
 * primes — count the primes below 100 000.
 *
 * naive:     trial division of every number by every smaller number up to
 *            its square root;
 * optimised: the sieve of Eratosthenes.
 */
#define EXERCISE_NAME "primes"
#include "../exercise.h"
#include <stdbool.h>
#include <string.h>

#define LIMIT 100000

static bool is_prime(long n)
{
	if (n < 2)
		return false;
	for (long d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

static long primes_naive(long limit)
{
	long count = 0;
	for (long n = 2; n < limit; n++)
		count += is_prime(n);
	return count;
}

/* The optimised version is at the end of the file, below the benchmarks:
 * docs/TUTORIAL.md asks the reader to write a faster primes_naive first. */
static long primes_sieve(long limit);

static void exercise_test(void)
{
	static const long limits[] = {0, 1, 2, 3, 4, 10, 11, 100, 1000, 7919, 7920, LIMIT};
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		long a = primes_naive(limits[i]), b = primes_sieve(limits[i]);
		EX_CHECK(a == b, "below %ld: %ld vs %ld", limits[i], a, b);
	}
	EX_CHECK(primes_sieve(LIMIT) == 9592, "below %d: %ld, not 9592", LIMIT,
		 primes_sieve(LIMIT));
}

/* The limit is read through a volatile so the compiler cannot fold the
 * count into a constant. */
static volatile long limit = LIMIT;

static void naive(cprof_bench_b *b)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(primes_naive(limit));
}

static void optimised(cprof_bench_b *b)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(primes_sieve(limit));
}

EXERCISE_BENCH(Primes, {"version=naive", naive}, {"version=optimised", optimised})

/* The sieve of Eratosthenes: one pass crossing out the multiples of each
 * prime, no division. */
static long primes_sieve(long limit)
{
	if (limit < 3)
		return 0;
	char *composite = calloc((size_t)limit, 1);
	if (!composite)
		abort();
	long count = 0;
	for (long n = 2; n < limit; n++) {
		if (composite[n])
			continue;
		count++;
		for (long m = n * n; m < limit; m += n)
			composite[m] = 1;
	}
	free(composite);
	return count;
}
