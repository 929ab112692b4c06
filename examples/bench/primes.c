/*
 * primes.c — the seed's comparison: counting the primes below 100 000 by
 * trial division against the sieve of Eratosthenes.
 *
 *     ./primes -bench . -benchmem
 */
#include <cprof/bench.h>
#include <stdbool.h>
#include <stdlib.h>
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

/* Trial division of every number below limit. */
static long count_naive(long limit)
{
	long count = 0;
	for (long n = 2; n < limit; n++)
		count += is_prime(n);
	return count;
}

/* The sieve of Eratosthenes. */
static long count_sieve(long limit)
{
	char *composite = calloc((size_t)limit, 1);
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

CPROF_BENCH(PrimesNaive)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(count_naive(LIMIT));
}

CPROF_BENCH(PrimesSieve)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(count_sieve(LIMIT));
}

/* Both, as sub-benchmarks keyed by method: `cprof benchstat -col /method`
 * puts them side by side with the ratio. */
static void naive(cprof_bench_b *b)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(count_naive(LIMIT));
}

static void sieve(cprof_bench_b *b)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(count_sieve(LIMIT));
}

CPROF_BENCH(Primes)
{
	if (count_naive(1000) != 168 || count_sieve(1000) != 168)
		cprof_bench_fatalf(b, "wrong prime count");
	cprof_bench_run(b, "method=naive", naive);
	cprof_bench_run(b, "method=sieve", sieve);
}
