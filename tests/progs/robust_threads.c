/* Robustness: many short threads under profiling.  Creates NTHREADS threads
 * in waves of WAVE (so up to WAVE are alive at once), each burning ~BURN_US of
 * CPU in thread_work(); every thread is joined.  Prints "threads N" at the
 * end, N = the number of threads that ran.
 * usage: robust_threads [NTHREADS [WAVE [BURN_US]]]  (default 1000 64 1000) */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static atomic_int ran;
static long burn_us = 1000;
static _Thread_local volatile double sink; /* per thread: no data race */

static long thread_cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1000000000L + t.tv_nsec;
}

__attribute__((noinline)) static void thread_work(void)
{
	long t0 = thread_cpu_ns();
	double x = 1.0;
	do {
		for (int i = 0; i < 2000; i++)
			x = x * 1.0000001 + 0.0000001;
	} while (thread_cpu_ns() - t0 < burn_us * 1000);
	sink = x;
}

static void *thread_main(void *arg)
{
	(void)arg;
	thread_work();
	atomic_fetch_add(&ran, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	int wave = argc > 2 ? atoi(argv[2]) : 64;
	if (argc > 3)
		burn_us = atol(argv[3]);
	pthread_t *th = calloc((size_t)wave, sizeof(*th));
	if (!th)
		return 1;
	for (int done = 0; done < n;) {
		int k = n - done < wave ? n - done : wave;
		int made = 0;
		for (int i = 0; i < k; i++) {
			int rc = pthread_create(&th[made], NULL, thread_main, NULL);
			if (rc != 0) {
				fprintf(stderr, "pthread_create: error %d\n", rc);
				return 1;
			}
			made++;
		}
		for (int i = 0; i < made; i++)
			pthread_join(th[i], NULL);
		done += made;
	}
	free(th);
	printf("threads %d\n", atomic_load(&ran));
	return 0;
}
