/* Robustness: dlopen/dlclose in a loop.  Each iteration loads LIB, calls its
 * dlib_burn(BURN_US) and unloads it (checking that dlclose really unmapped
 * it), while a second thread burns CPU in side_work() (so the profiler
 * rebuilds its unwind tables while another thread is being sampled).
 * Prints "iterations N".
 * usage: robust_dlopen LIB [N [BURN_US]]   (default 300 2000) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static atomic_int stop;
static _Thread_local volatile double sink; /* per thread: no data race */

__attribute__((noinline)) static void side_work(void)
{
	double x = 1.0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (int i = 0; i < 2000; i++)
			x = x * 1.0000001 + 0.0000001;
		sink = x;
		/* A libc call now and then: ThreadSanitizer delivers signals only
		 * at intercepted calls. */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
	}
}

static void *side_main(void *arg)
{
	(void)arg;
	side_work();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int n = argc > 2 ? atoi(argv[2]) : 300;
	long us = argc > 3 ? atol(argv[3]) : 2000;
	int done = 0;
	pthread_t side;
	if (pthread_create(&side, NULL, side_main, NULL) != 0)
		return 1;
	for (int i = 0; i < n; i++) {
		void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		void (*burn)(long) = (void (*)(long))dlsym(h, "dlib_burn");
		if (!burn) {
			fprintf(stderr, "dlsym: %s\n", dlerror());
			return 1;
		}
		burn(us);
		if (dlclose(h) != 0) {
			fprintf(stderr, "dlclose: %s\n", dlerror());
			return 1;
		}
		if (dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD)) {
			fprintf(stderr, "library still loaded after dlclose\n");
			return 1;
		}
		done++;
	}
	atomic_store(&stop, 1);
	pthread_join(side, NULL);
	printf("iterations %d\n", done);
	return 0;
}
