/* Robustness: the CPU profiler started and stopped over and over while
 * threads run.  4 threads burn CPU in spinner_work() (threads come and go:
 * each lives for ~20 ms of CPU, then a new one takes its place); the main
 * thread, N times, starts a profile to DIR/N.pb.gz with cprof_cpu_start()
 * (found with dlsym: libcprof is preloaded), burns in restart_work(),
 * and stops it.  Prints "restarts N" (successful start+stop pairs).
 * usage: robust_restart DIR [N]   (default 30) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "burn.h"

static atomic_int stop_all;

__attribute__((noinline)) static void spinner_work(void)
{
	burn(20000);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

__attribute__((noinline)) static void restart_work(void)
{
	burn(10000);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

static void *spinner(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_all)) {
		pthread_t t;
		spinner_work();
		/* hand over to a new thread */
		if (pthread_create(&t, NULL, spinner, NULL) == 0) {
			pthread_detach(t);
			return NULL;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int n = argc > 2 ? atoi(argv[2]) : 30;
	int (*start)(const char *, int) = (int (*)(const char *, int))dlsym(RTLD_DEFAULT, "cprof_cpu_start");
	int (*stop)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "cprof_cpu_stop");
	if (!start || !stop) {
		fprintf(stderr, "libcprof is not loaded\n");
		return 2;
	}
	for (int i = 0; i < 4; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, spinner, NULL) != 0)
			return 1;
		pthread_detach(t);
	}
	int good = 0;
	for (int i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%d.pb.gz", argv[1], i);
		int rc = start(path, 1000);
		if (rc != 0) {
			fprintf(stderr, "start %d: %d\n", i, rc);
			continue;
		}
		restart_work();
		rc = stop();
		if (rc != 0)
			fprintf(stderr, "stop %d: %d\n", i, rc);
		else
			good++;
	}
	atomic_store(&stop_all, 1);
	printf("restarts %d\n", good);
	return 0;
}
