/*
 * heap_churn.c — the malloc-churn workload of the heap-profiler benchmark
 * (issue 3 §Benchmark; driven by bench/heap_bench.sh).
 *
 *   heap_churn [OPS [LIVE [THREADS [SEED]]]]
 *
 * Each thread fills LIVE slots with objects of random size (16..4096 bytes),
 * then OPS/THREADS times replaces a random slot: free the old object, malloc
 * a new one.  Every object's first and last byte are written, and read back
 * at free, into a checksum, so the compiler can elide neither the malloc nor
 * the free.  Fixed seed: every run does the same calls.  Defaults: 20 M ops,
 * 10 000 live, one thread, seed 1.
 *
 * With HEAP_CHURN_IDLE_THREAD=1 in the environment, an extra thread that only
 * sleeps is started first.  A process that has ever had a second thread
 * loses glibc malloc's single-thread fast path (no arena lock); this arm
 * tells that cost apart from a profiler's own (cprof's heap profiler starts
 * a service thread).
 *
 * Prints one line of key=value pairs:
 *   ops, live, threads, allocs (malloc calls), bytes (the exact number of
 *   bytes those calls asked for: the truth alloc_space is judged against),
 *   wall_ns (the churn loop, threads created to threads joined),
 *   cpu_ns (the process's CPU time over the same interval),
 *   sum (the checksum).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MIN_SIZE 16
#define MAX_SIZE 4096

typedef struct worker {
	pthread_t tid;
	uint64_t seed, ops, live;
	uint64_t allocs, bytes, sum;
	int failed;
} worker;

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* noinline: one stable call site in the heap profile. */
__attribute__((noinline)) static unsigned char *churn_alloc(worker *w, uint64_t *rng)
{
	size_t n = MIN_SIZE + (size_t)(xorshift(rng) % (MAX_SIZE - MIN_SIZE + 1));
	unsigned char *p = malloc(n);
	if (!p) {
		w->failed = 1;
		return NULL;
	}
	p[0] = (unsigned char)n;
	p[n - 1] = (unsigned char)(n >> 8);
	w->allocs++;
	w->bytes += n;
	return p;
}

static void *run(void *arg)
{
	worker *w = arg;
	uint64_t rng = w->seed * 0x9e3779b97f4a7c15ULL + 1;
	unsigned char **slot = calloc(w->live, sizeof(*slot));
	size_t *size = calloc(w->live, sizeof(*size));
	if (!slot || !size) {
		w->failed = 1;
		return NULL;
	}
	for (uint64_t i = 0; i < w->live; i++) {
		uint64_t before = w->bytes;
		slot[i] = churn_alloc(w, &rng);
		size[i] = (size_t)(w->bytes - before);
	}
	for (uint64_t i = 0; i < w->ops && !w->failed; i++) {
		uint64_t k = xorshift(&rng) % w->live;
		unsigned char *p = slot[k];
		w->sum += p[0] + p[size[k] - 1];
		free(p);
		uint64_t before = w->bytes;
		slot[k] = churn_alloc(w, &rng);
		size[k] = (size_t)(w->bytes - before);
	}
	for (uint64_t i = 0; i < w->live; i++) {
		if (slot[i])
			w->sum += slot[i][0];
		free(slot[i]);
	}
	free(slot);
	free(size);
	return NULL;
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t arg(int argc, char **argv, int i, uint64_t def)
{
	if (argc <= i)
		return def;
	char *end;
	unsigned long long v = strtoull(argv[i], &end, 10);
	if (*end || !v) {
		fprintf(stderr, "heap_churn: bad argument '%s' (want a positive integer)\n", argv[i]);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	uint64_t ops = arg(argc, argv, 1, 20000000);
	uint64_t live = arg(argc, argv, 2, 10000);
	uint64_t nthreads = arg(argc, argv, 3, 1);
	uint64_t seed = arg(argc, argv, 4, 1);
	if (nthreads > 64) {
		fprintf(stderr, "heap_churn: at most 64 threads\n");
		return 2;
	}
	const char *idle_env = getenv("HEAP_CHURN_IDLE_THREAD");
	if (idle_env && *idle_env == '1') {
		pthread_t t;
		if (pthread_create(&t, NULL, idle, NULL) || pthread_detach(t)) {
			fprintf(stderr, "heap_churn: pthread_create failed\n");
			return 1;
		}
	}
	worker w[64] = {0};
	uint64_t w0 = clock_ns(CLOCK_MONOTONIC), c0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	for (uint64_t i = 0; i < nthreads; i++) {
		w[i].seed = seed + i;
		w[i].ops = ops / nthreads + (i < ops % nthreads);
		w[i].live = live;
	}
	if (nthreads == 1) {
		run(&w[0]);
	} else {
		for (uint64_t i = 0; i < nthreads; i++)
			if (pthread_create(&w[i].tid, NULL, run, &w[i])) {
				fprintf(stderr, "heap_churn: pthread_create failed\n");
				return 1;
			}
		for (uint64_t i = 0; i < nthreads; i++)
			pthread_join(w[i].tid, NULL);
	}
	uint64_t w1 = clock_ns(CLOCK_MONOTONIC), c1 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t allocs = 0, bytes = 0, sum = 0;
	for (uint64_t i = 0; i < nthreads; i++) {
		if (w[i].failed) {
			fprintf(stderr, "heap_churn: out of memory\n");
			return 1;
		}
		allocs += w[i].allocs;
		bytes += w[i].bytes;
		sum += w[i].sum;
	}
	printf("ops=%llu live=%llu threads=%llu allocs=%llu bytes=%llu wall_ns=%llu cpu_ns=%llu "
	       "sum=%llu\n",
	       (unsigned long long)ops, (unsigned long long)live, (unsigned long long)nthreads,
	       (unsigned long long)allocs, (unsigned long long)bytes,
	       (unsigned long long)(w1 - w0), (unsigned long long)(c1 - c0),
	       (unsigned long long)sum);
	return 0;
}
