/* Heap-profile accuracy (issue 3): keeps LIVE_MB of objects live in mixed
 * sizes (16 B .. 1 MiB, log-uniform), replacing some of them, while churning
 * other allocations that are freed soon after.  Prints the truths the
 * profile must match and, for RATE, the standard deviation the Poisson
 * sampling estimator should have (sum of s^2 (1-p)/p, p = 1 - exp(-s/R)).
 *
 *   heap_accuracy SEED LIVE_MB CHURN_MB RATE
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* log-uniform in [16, 1 MiB] */
static size_t rand_size(void)
{
	double u = (double)(next() >> 11) / 9007199254740992.0;
	return (size_t)(16.0 * pow(65536.0, u));
}

static double rate;
static double var_inuse, var_alloc;
static void account(size_t s, double *var)
{
	if (rate <= 1)
		return;
	double p = 1.0 - exp(-(double)s / rate);
	*var += (double)s * (double)s * (1.0 - p) / p;
}

static unsigned long long alloc_bytes, alloc_objs;

__attribute__((noinline)) static void *keep_alloc(size_t n)
{
	char *p = (next() & 1) ? malloc(n) : calloc(1, n);
	if (!p)
		abort();
	p[0] = 1;
	p[n - 1] = 2;
	alloc_bytes += n;
	alloc_objs++;
	account(n, &var_alloc);
	return p;
}

__attribute__((noinline)) static void *churn_alloc(size_t n)
{
	char *p = malloc(n);
	if (!p)
		abort();
	p[0] = 3;
	alloc_bytes += n;
	alloc_objs++;
	account(n, &var_alloc);
	return p;
}

#define RING 64
#define MAXKEEP (1 << 20)
static void *keep[MAXKEEP];
static size_t keep_size[MAXKEEP];

int main(int argc, char **argv)
{
	if (argc != 5)
		return 2;
	rng = strtoull(argv[1], NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
	unsigned long long live_target = strtoull(argv[2], NULL, 10) << 20;
	unsigned long long churn_target = strtoull(argv[3], NULL, 10) << 20;
	rate = strtod(argv[4], NULL);
	void *ring[RING] = {0};
	unsigned long long live = 0, churned = 0;
	size_t nkeep = 0, r = 0;
	/* Fill the live set, churning as we go. */
	while (live < live_target && nkeep < MAXKEEP) {
		size_t s = rand_size();
		keep[nkeep] = keep_alloc(s);
		keep_size[nkeep++] = s;
		live += s;
		for (int k = 0; k < 4; k++) {
			size_t c = rand_size() % 65536 + 16;
			free(ring[r]);
			ring[r] = churn_alloc(c);
			r = (r + 1) % RING;
			churned += c;
		}
	}
	/* Steady state: replace live objects, churn the rest. */
	while (churned < churn_target) {
		size_t i = next() % nkeep;
		free(keep[i]);
		live -= keep_size[i];
		size_t s = rand_size();
		keep[i] = keep_alloc(s);
		keep_size[i] = s;
		live += s;
		for (int k = 0; k < 8; k++) {
			size_t c = rand_size() % 65536 + 16;
			free(ring[r]);
			ring[r] = churn_alloc(c);
			r = (r + 1) % RING;
			churned += c;
		}
	}
	for (size_t i = 0; i < RING; i++)
		free(ring[i]);
	for (size_t i = 0; i < nkeep; i++)
		account(keep_size[i], &var_inuse);
	printf("live_bytes %llu\nlive_objects %zu\nalloc_bytes %llu\nalloc_objects %llu\n"
	       "sigma_inuse %.6f\nsigma_alloc %.6f\n",
	       live, nkeep, alloc_bytes, alloc_objs, sqrt(var_inuse) / (double)live,
	       sqrt(var_alloc) / (double)alloc_bytes);
	return 0; /* the live set stays allocated: the profile is written at exit */
}
