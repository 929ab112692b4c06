/*
 * lock_workload.c — the workloads of bench/contention_bench.sh.
 *
 *   lock_workload pair N        one thread, N uncontended lock/unlock pairs
 *   lock_workload realistic N   4 threads, each N times: lock, ~200 ns of
 *                               work, unlock, ~200 ns of work outside
 *   lock_workload contended N   4 threads, each N times: lock, a counter
 *                               increment, unlock (a hot lock)
 *
 * Prints "ns_per_op X" (wall time of the loops / operations) and
 * "check X" (the counter, equal in every arm).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long counter;
static long n_ops;
static int work_iters; /* loop iterations of ~200 ns, calibrated */

static long long now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) static unsigned long work(int iters)
{
	unsigned long x = 1;
	for (int i = 0; i < iters; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static void *realistic(void *arg)
{
	(void)arg;
	unsigned long s = 0;
	for (long i = 0; i < n_ops; i++) {
		pthread_mutex_lock(&mu);
		s += work(work_iters);
		counter++;
		pthread_mutex_unlock(&mu);
		s += work(work_iters);
	}
	return (void *)s;
}

static void *contended(void *arg)
{
	(void)arg;
	for (long i = 0; i < n_ops; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void run4(void *(*fn)(void *))
{
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, fn, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: lock_workload pair|realistic|contended N\n");
		return 2;
	}
	n_ops = atol(argv[2]);
	/* ~200 ns of work: calibrated against the clock, not the arm */
	long long t = now();
	work(1000000);
	long long per = (now() - t) / 1000; /* ns per 1000 iterations */
	work_iters = per > 0 ? (int)(200000 / per) : 200;
	long long t0 = now();
	long ops = n_ops;
	if (!strcmp(argv[1], "pair")) {
		for (long i = 0; i < n_ops; i++) {
			pthread_mutex_lock(&mu);
			counter++;
			pthread_mutex_unlock(&mu);
		}
	} else if (!strcmp(argv[1], "realistic")) {
		run4(realistic);
		ops = 4 * n_ops;
	} else if (!strcmp(argv[1], "contended")) {
		run4(contended);
		ops = 4 * n_ops;
	} else {
		fprintf(stderr, "lock_workload: unknown workload '%s'\n", argv[1]);
		return 2;
	}
	long long t1 = now();
	printf("ns_per_op %.3f\ncheck %lu\n", (double)(t1 - t0) / (double)ops, counter);
	return 0;
}
