/* Robustness: many short threads under profiling.  Creates NTHREADS threads
 * in waves of WAVE (so up to WAVE are alive at once), each burning ~BURN_US of
 * CPU in thread_work(); every thread is joined.  Prints "threads N" at the
 * end, N = the number of threads that ran.
 * usage: robust_threads [NTHREADS [WAVE [BURN_US]]]  (default 1000 64 1000)
 *        robust_threads ends
 *   Threads that end otherwise: 20 leave through pthread_exit() deep in
 *   exiting_work(), 20 are cancelled in cancelled_work(), then 4 detached
 *   threads are still burning in endless_work() when main returns (the
 *   profile is written while they are being sampled).  Prints "ends ok". */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "burn.h"

static atomic_int ran;
static long burn_us = 1000;
__attribute__((noinline)) static void thread_work(void)
{
	burn(burn_us);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

static void *thread_main(void *arg)
{
	(void)arg;
	thread_work();
	atomic_fetch_add(&ran, 1);
	return NULL;
}

__attribute__((noinline)) static void exiting_work(int depth)
{
	if (depth < 0)
		return;
	if (depth == 0) {
		for (int i = 0; i < 10; i++)
			thread_work();
		pthread_exit(NULL);
	}
	exiting_work(depth - 1);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

static void *exiting_main(void *arg)
{
	(void)arg;
	exiting_work(5);
	return (void *)1; /* not reached */
}

__attribute__((noinline)) static void cancelled_work(void)
{
	for (;;) {
		thread_work();
		pthread_testcancel();
	}
}

static void *cancelled_main(void *arg)
{
	(void)arg;
	cancelled_work();
	return NULL;
}

__attribute__((noinline)) static void endless_work(void)
{
	for (;;)
		thread_work();
}

static void *endless_main(void *arg)
{
	(void)arg;
	endless_work();
	return NULL;
}

static int ends(void)
{
	pthread_t t[20];
	void *rv;
	for (int i = 0; i < 20; i++)
		if (pthread_create(&t[i], NULL, exiting_main, NULL) != 0)
			return 1;
	for (int i = 0; i < 20; i++)
		if (pthread_join(t[i], &rv) != 0 || rv != NULL)
			return 1;
	for (int i = 0; i < 20; i++)
		if (pthread_create(&t[i], NULL, cancelled_main, NULL) != 0)
			return 1;
	for (int i = 0; i < 20; i++) {
		pthread_cancel(t[i]);
		if (pthread_join(t[i], &rv) != 0 || rv != PTHREAD_CANCELED)
			return 1;
	}
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], &a, endless_main, NULL) != 0)
			return 1;
	pthread_attr_destroy(&a);
	for (int i = 0; i < 100; i++)
		thread_work();
	puts("ends ok");
	fflush(stdout);
	return 0; /* exit() while the endless threads run */
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "ends"))
		return ends();
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
