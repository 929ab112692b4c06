/*
 * cpu_workload — fixed-WORK two-thread CPU burner for bench/cpu_bench.sh.
 *
 * Unlike tests/progs/cpu_split.c (which burns a fixed amount of CPU *time*,
 * so a profiler's cost is invisible in wall time), each thread here does a
 * fixed number of iterations: thread "heavy" 3 units, thread "light" 1 unit.
 * Whatever the profiler steals shows up as longer wall time and more CPU.
 *
 * The burn loop sits at the bottom of a recursion DEPTH frames deep through
 * three mutually recursive functions; built with -O2 -fomit-frame-pointer,
 * so every sample exercises the CFI unwinder over a realistic stack.
 *
 * usage: cpu_workload [UNITS [DEPTH]]
 *   UNITS  millions of iterations per unit of work (default 450)
 *   DEPTH  recursion depth above the burn loop (default 20)
 *
 * Prints one line: "cpu_ns wall_ns heavy_ns light_ns" — the process's
 * getrusage CPU (user+sys), the wall time of the work phase (threads created
 * to threads joined), and each worker's own CLOCK_THREAD_CPUTIME_ID.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

/* A real frame of its own: never inlined, never cloned into a variant. */
#ifdef __clang__
#define KEEP_FRAME __attribute__((noinline))
#else
#define KEEP_FRAME __attribute__((noinline, noclone))
#endif

typedef struct job {
	long iters;
	int depth;
	long long cpu_ns; /* out: the thread's own CPU time */
} job;

static volatile double sink;

static long long ns_of(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

KEEP_FRAME static double burn(long iters)
{
	double x = 1.0;
	for (long i = 0; i < iters; i++)
		x = x * 1.0000001 + 0.0000001; /* latency-bound dependent chain */
	return x;
}

double rec_a(long iters, int d);
double rec_b(long iters, int d);
double rec_c(long iters, int d);
void *heavy(void *arg);
void *light(void *arg);

/* Not static, not inlined, not tail calls (the + after each call), so the
 * frames are real and the symbols named in every profile. */
KEEP_FRAME double rec_a(long iters, int d)
{
	return d <= 0 ? burn(iters) : rec_b(iters, d - 1) + 1.0;
}

KEEP_FRAME double rec_b(long iters, int d)
{
	return d <= 0 ? burn(iters) : rec_c(iters, d - 1) * 1.0 + 2.0;
}

KEEP_FRAME double rec_c(long iters, int d)
{
	return d <= 0 ? burn(iters) : rec_a(iters, d - 1) - 3.0;
}

KEEP_FRAME void *heavy(void *arg)
{
	job *j = arg;
	pthread_setname_np(pthread_self(), "heavy"); /* before any work is sampled */
	sink = rec_a(j->iters, j->depth);
	j->cpu_ns = ns_of(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

KEEP_FRAME void *light(void *arg)
{
	job *j = arg;
	pthread_setname_np(pthread_self(), "light");
	sink = rec_a(j->iters, j->depth);
	j->cpu_ns = ns_of(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

int main(int argc, char **argv)
{
	long units = argc > 1 ? atol(argv[1]) : 450;
	int depth = argc > 2 ? atoi(argv[2]) : 20;
	if (units <= 0 || depth < 0 || depth > 10000) {
		fprintf(stderr, "usage: cpu_workload [UNITS [DEPTH]]\n");
		return 2;
	}
	job h = {3 * units * 1000000L, depth, 0}, l = {units * 1000000L, depth, 0};
	pthread_t a, b;
	long long w0 = ns_of(CLOCK_MONOTONIC);
	if (pthread_create(&a, NULL, heavy, &h) || pthread_create(&b, NULL, light, &l)) {
		fprintf(stderr, "cpu_workload: pthread_create failed\n");
		return 1;
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	long long wall = ns_of(CLOCK_MONOTONIC) - w0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	long long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	printf("%lld %lld %lld %lld\n", cpu, wall, h.cpu_ns, l.cpu_ns);
	return 0;
}
