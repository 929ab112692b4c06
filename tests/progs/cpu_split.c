/* Two named threads burn CPU in a 3:1 split; prints the process's CPU time
 * (getrusage, user+sys, in ns) on stdout at the end.
 * usage: cpu_split [TOTAL_MS]   (default 2000 ms of CPU in all) */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static _Thread_local volatile double sink; /* per thread: no data race */

__attribute__((noinline)) static void burn(long ns)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	double x = 1.0;
	for (;;) {
		for (int i = 0; i < 10000; i++)
			x = x * 1.0000001 + 0.0000001;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) >= ns)
			break;
	}
	sink = x;
}

__attribute__((noinline)) static void *heavy(void *arg)
{
	burn(*(long *)arg);
	return NULL;
}

__attribute__((noinline)) static void *light(void *arg)
{
	burn(*(long *)arg);
	return NULL;
}

int main(int argc, char **argv)
{
	long total_ms = argc > 1 ? atol(argv[1]) : 2000;
	long h = total_ms * 750000L, l = total_ms * 250000L;
	pthread_t a, b;
	pthread_create(&a, NULL, heavy, &h);
	pthread_create(&b, NULL, light, &l);
	pthread_setname_np(a, "heavy");
	pthread_setname_np(b, "light");
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long long ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
		       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	printf("%lld\n", ns);
	return 0;
}
