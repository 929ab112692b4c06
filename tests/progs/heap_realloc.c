/* Buffers grown by realloc (issue 11): in place and moving, sampled or not.
 *
 *   heap_realloc NBUF MAX_KB STEP RATE
 *
 * Two sites:
 *   grow_single  grows NBUF buffers one after another from STEP bytes to up
 *                to MAX_KB KiB in STEP-byte steps (glibc mostly grows them
 *                in place), keeping every other one;
 *   grow_inter   grows NBUF buffers round-robin (their neighbours are each
 *                other, so glibc moves them until they are large), with
 *                reallocarray, keeping every other one.
 * Every step writes its new bytes and the end checks every buffer's whole
 * content ("ok data_intact").  The program prints (key value lines):
 *   moves, in_place     how often realloc returned another / the same pointer
 *   alloc_bytes         bytes newly allocated, as docs/HEAP.md defines them
 *                       for realloc: the growth when in place, the new size
 *                       when moved (counting from the requested sizes)
 *   live_bytes          what is still allocated at exit
 *   sigma_alloc         the standard deviation of the Poisson estimator of
 *                       alloc_bytes at RATE: sqrt(sum d^2 (1-p)/p) over the
 *                       events, p = 1 - exp(-d/RATE)
 *   sigma_inuse         the same for live_bytes
 *   slack_bytes         a bound on cprof's counting in chunk sizes instead
 *                       of requested sizes: one page per buffer and move
 * and, under libcprof, checks the exact counters (cprof_alloc_stats, found
 * with dlsym): a realloc is one free and one allocation of its new size.
 */
#include <cprof.h>
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"

static double rate;
static unsigned long long moves, in_place, allocs, frees, bytes;
static double alloc_bytes, var_alloc, slack;

static void event(size_t d)
{
	alloc_bytes += (double)d;
	if (rate > 1 && d > 0) {
		double p = -expm1(-(double)d / rate);
		var_alloc += (double)d * (double)d * (1 - p) / p;
	}
}

static unsigned char pat(size_t i, size_t k)
{
	return (unsigned char)(i * 131 + k * 7 + (k >> 12));
}

/* Grow b[i] from have to want bytes; the new bytes get their pattern. */
static int grow(unsigned char **b, size_t i, size_t have, size_t want, int array)
{
	unsigned char *q = array ? reallocarray(b[i], want / 8, 8) : realloc(b[i], want);
	if (!q)
		return -1;
	allocs++;
	bytes += want;
	if (b[i]) {
		frees++;
		if (q == b[i]) {
			in_place++;
			event(want > have ? want - have : 0);
		} else {
			moves++;
			event(want);
		}
	} else {
		event(want);
	}
	for (size_t k = have; k < want; k++)
		q[k] = pat(i, k);
	b[i] = q;
	return 0;
}

__attribute__((noinline)) static int grow_single(unsigned char **b, size_t *len, size_t n, size_t max,
						  size_t step)
{
	for (size_t i = 0; i < n; i++) {
		size_t target = max / 4 * (1 + i % 4);
		for (size_t s = step; s <= target; s += step) {
			if (grow(b, i, len[i], s, 0))
				return -1;
			len[i] = s;
		}
	}
	return 0;
}

__attribute__((noinline)) static int grow_inter(unsigned char **b, size_t *len, size_t n, size_t max,
						 size_t step)
{
	for (size_t s = step; s <= max; s += step)
		for (size_t i = 0; i < n; i++) {
			size_t target = max / 4 * (1 + i % 4);
			if (s > target)
				continue;
			if (grow(b, i, len[i], s, 1))
				return -1;
			len[i] = s;
		}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: heap_realloc NBUF MAX_KB STEP RATE\n");
		return 2;
	}
	size_t n = strtoul(argv[1], NULL, 10), max = strtoul(argv[2], NULL, 10) * 1024;
	size_t step = strtoul(argv[3], NULL, 10);
	rate = atof(argv[4]);
	if (!n || !step || step % 8 || max < 4 * step || (max / 4) % step) {
		fprintf(stderr, "heap_realloc: bad arguments\n");
		return 2;
	}
	int (*stats)(struct cprof_alloc_stats *) =
		(int (*)(struct cprof_alloc_stats *))dlsym(RTLD_DEFAULT, "cprof_alloc_stats");
	unsigned char **b[2];
	size_t *len[2];
	for (int s = 0; s < 2; s++) {
		b[s] = calloc(n, sizeof(*b[s]));
		len[s] = calloc(n, sizeof(*len[s]));
		if (!b[s] || !len[s])
			return 1;
	}
	struct cprof_alloc_stats s0 = CPROF_ALLOC_STATS_INIT, s1 = CPROF_ALLOC_STATS_INIT;
	if (stats)
		stats(&s0);
	int rc = grow_single(b[0], len[0], n, max, step);
	if (rc == 0)
		rc = grow_inter(b[1], len[1], n, max, step);
	if (rc == 0)
		for (int s = 0; s < 2; s++)
			for (size_t i = 0; i < n; i += 2) {
				free(b[s][i]);
				frees++;
				b[s][i] = NULL;
			}
	if (stats)
		stats(&s1);
	CHECK("grew", rc == 0, "realloc failed");
	size_t bad = 0;
	double live = 0, var_inuse = 0;
	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < n; i++) {
			if (!b[s][i])
				continue;
			live += (double)len[s][i];
			if (rate > 1) {
				double p = -expm1(-(double)len[s][i] / rate);
				var_inuse += (double)len[s][i] * (double)len[s][i] * (1 - p) / p;
			}
			for (size_t k = 0; k < len[s][i]; k++)
				bad += b[s][i][k] != pat(i, k);
		}
	CHECK("data_intact", bad == 0, "%zu bytes differ", bad);
	if (stats && !getenv("HEAP_TEST_NO_STATS")) {
		unsigned long long a = s1.allocs - s0.allocs, f = s1.frees - s0.frees;
		unsigned long long by = s1.bytes_allocated - s0.bytes_allocated;
		CHECK("exact_allocs", a == allocs, "cprof %llu, program %llu", a, allocs);
		CHECK("exact_frees", f == frees, "cprof %llu, program %llu", f, frees);
		CHECK("exact_bytes", by == bytes, "cprof %llu, program %llu", by, bytes);
	}
	slack = (double)(2 * n + moves) * 4096;
	printf("moves %llu\nin_place %llu\nalloc_bytes %.0f\nlive_bytes %.0f\n", moves, in_place,
	       alloc_bytes, live);
	printf("sigma_alloc %.0f\nsigma_inuse %.0f\nslack_bytes %.0f\n", sqrt(var_alloc), sqrt(var_inuse),
	       slack);
	return CHECK_STATUS;
}
