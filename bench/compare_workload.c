/*
 * compare_workload.c — the ground truth for bench/compare.sh: workloads
 * whose split is known by construction, so that each profiler's answer can
 * be checked against it.
 *
 *   compare_workload cpu UNITS     hot_a() runs 7 × UNITS × 10⁷ loop
 *                                  iterations, hot_b() 3 × UNITS × 10⁷ of
 *                                  the same loop: 70 % / 30 % of the CPU
 *                                  (also measured: each one's thread CPU
 *                                  time is printed)
 *   compare_workload alloc N       N rounds; each round alloc_a() mallocs
 *                                  7 blocks of 1000 B and alloc_b() 3 of
 *                                  1000 B, freed at once except every
 *                                  100th round's, kept to the end: total
 *                                  bytes 70 % / 30 %, a known peak (the
 *                                  pointer array's growth by realloc aside)
 *
 * Prints "truth KEY VALUE" lines (stdout).  Built -O2 -g with frame
 * pointers, both functions noinline, so that every profiler can see them.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile uint64_t sink;

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* External, not static: gcc may clone a static function under another
 * name (hot_a.constprop.0), and the profiles are searched by name. */
void hot_a(long iters);
void hot_b(long iters);
struct kept;
int alloc_a(int blocks, int kept, struct kept *k);
int alloc_b(int blocks, int kept, struct kept *k);

/* The same loop in both, so that equal iterations cost equal time. */
#define BURN(iters)                                                           \
	do {                                                                  \
		uint64_t x = sink | 1;                                        \
		for (long i = 0; i < (iters); i++)                            \
			x = x * 6364136223846793005u + 1442695040888963407u; \
		sink = x;                                                     \
	} while (0)

__attribute__((noinline)) void hot_a(long iters)
{
	BURN(iters);
}

__attribute__((noinline)) void hot_b(long iters)
{
	BURN(iters);
}

enum { BLOCK = 1000, KEEP_EVERY = 100 };

struct kept {
	void **p;
	size_t n, cap;
};

static int keep(struct kept *k, void *p)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 1024;
		void **q = realloc(k->p, cap * sizeof *q);
		if (!q)
			return -1;
		k->p = q;
		k->cap = cap;
	}
	k->p[k->n++] = p;
	return 0;
}

/* One round: `blocks` mallocs of BLOCK bytes, kept or freed. */
__attribute__((noinline)) int alloc_a(int blocks, int kept, struct kept *k)
{
	for (int i = 0; i < blocks; i++) {
		char *p = malloc(BLOCK);
		if (!p)
			return -1;
		memset(p, i, BLOCK);
		if (kept) {
			if (keep(k, p) != 0)
				return -1;
		} else {
			sink += (unsigned char)p[BLOCK - 1];
			free(p);
		}
	}
	return 0;
}

__attribute__((noinline)) int alloc_b(int blocks, int kept, struct kept *k)
{
	for (int i = 0; i < blocks; i++) {
		char *p = malloc(BLOCK);
		if (!p)
			return -1;
		memset(p, i, BLOCK);
		if (kept) {
			if (keep(k, p) != 0)
				return -1;
		} else {
			sink += (unsigned char)p[BLOCK - 1];
			free(p);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: compare_workload cpu UNITS | alloc N\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	if (n < 1 || n > 100000000) {
		fprintf(stderr, "compare_workload: %s: not a count in [1, 1e8]\n", argv[2]);
		return 2;
	}
	if (strcmp(argv[1], "cpu") == 0) {
		double t0 = thread_cpu();
		hot_a(7 * n * 10000000);
		double t1 = thread_cpu();
		hot_b(3 * n * 10000000);
		double t2 = thread_cpu();
		printf("truth cpu_share_hot_a %.4f\n", (t1 - t0) / (t2 - t0));
		printf("truth cpu_share_hot_b %.4f\n", (t2 - t1) / (t2 - t0));
		printf("truth iter_share_hot_a 0.7000\n");
		return 0;
	}
	if (strcmp(argv[1], "alloc") == 0) {
		struct kept k = {0};
		for (long r = 0; r < n; r++) {
			int kept = r % KEEP_EVERY == 0;
			if (alloc_a(7, kept, &k) != 0 || alloc_b(3, kept, &k) != 0) {
				fprintf(stderr, "compare_workload: out of memory\n");
				return 1;
			}
		}
		long rounds_kept = (n + KEEP_EVERY - 1) / KEEP_EVERY;
		/* the peak: every kept block and the array of them, plus one
		 * block in flight when the last round is not a kept one */
		long peak = rounds_kept * 10 * BLOCK + (long)(k.cap * sizeof *k.p) +
			    ((n - 1) % KEEP_EVERY ? BLOCK : 0);
		for (size_t i = 0; i < k.n; i++)
			free(k.p[i]);
		free(k.p);
		/* printed after the frees: stdout's buffer is not part of the peak */
		printf("truth alloc_bytes_a %ld\n", n * 7 * BLOCK);
		printf("truth alloc_bytes_b %ld\n", n * 3 * BLOCK);
		printf("truth alloc_count %ld\n", n * 10);
		printf("truth peak_bytes %ld\n", peak);
		return 0;
	}
	fprintf(stderr, "compare_workload: %s: not a workload (cpu, alloc)\n", argv[1]);
	return 2;
}
