/* 50 short-lived threads, one after another, each burning `argv[1]` ms of
 * its own CPU (default 15).  Prints the process's getrusage CPU ns. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static volatile double sink;
static long burn_ns;

__attribute__((noinline)) static void *worker(void *arg)
{
	(void)arg;
	struct timespec t0, t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	double x = 1;
	do {
		for (int i = 0; i < 2000; i++)
			x = x * 1.0000001 + 0.1;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < burn_ns);
	sink = x;
	return NULL;
}

int main(int argc, char **argv)
{
	burn_ns = (argc > 1 ? atol(argv[1]) : 15) * 1000000L;
	for (int i = 0; i < 50; i++) {
		pthread_t t;
		pthread_create(&t, NULL, worker, NULL);
		pthread_join(t, NULL);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%lld\n", (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
				 (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL);
	return 0;
}
