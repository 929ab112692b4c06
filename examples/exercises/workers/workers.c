/*
 * workers — CPU-bound work split into 64 independent jobs (counting the
 * primes in 64 ranges by trial division).
 *
 * naive:     one thread does every job;
 * optimised: a pool of one worker per CPU this process may run on,
 *            started once; each batch is handed out through an atomic job
 *            counter, and the caller waits until the last job is done.
 */
#define EXERCISE_NAME "workers"
#include "../exercise.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

#define JOBS 64
#define SPAN 1000 /* numbers per job */

static long count_primes(long lo, long hi)
{
	long count = 0;
	for (long n = lo < 2 ? 2 : lo; n < hi; n++) {
		bool prime = true;
		for (long d = 2; d * d <= n; d++)
			if (n % d == 0) {
				prime = false;
				break;
			}
		count += prime;
	}
	return count;
}

static long run_sequential(long base)
{
	long total = 0;
	for (int j = 0; j < JOBS; j++)
		total += count_primes(base + (long)j * SPAN, base + (long)(j + 1) * SPAN);
	return total;
}

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t start, done;
	pthread_t *threads;
	int nthreads;
	unsigned long generation; /* bumped per batch */
	bool quit;
	int busy; /* workers still in the current batch */
	long base;
	atomic_int next; /* the next job to take */
	atomic_long total;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	unsigned long seen = 0;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->generation == seen && !p->quit)
			pthread_cond_wait(&p->start, &p->mu);
		if (p->quit) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		seen = p->generation;
		long base = p->base;
		pthread_mutex_unlock(&p->mu);

		long sum = 0;
		for (int j; (j = atomic_fetch_add(&p->next, 1)) < JOBS;)
			sum += count_primes(base + (long)j * SPAN, base + (long)(j + 1) * SPAN);
		atomic_fetch_add(&p->total, sum);

		pthread_mutex_lock(&p->mu);
		if (--p->busy == 0)
			pthread_cond_signal(&p->done);
		pthread_mutex_unlock(&p->mu);
	}
}

static int cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return 1;
}

static void pool_start(struct pool *p, int n)
{
	*p = (struct pool){.mu = PTHREAD_MUTEX_INITIALIZER,
			   .start = PTHREAD_COND_INITIALIZER,
			   .done = PTHREAD_COND_INITIALIZER,
			   .nthreads = n};
	if (!(p->threads = calloc((size_t)n, sizeof *p->threads)))
		abort();
	for (int i = 0; i < n; i++)
		if (pthread_create(&p->threads[i], NULL, worker, p))
			abort();
}

static long pool_run(struct pool *p, long base)
{
	pthread_mutex_lock(&p->mu);
	p->base = base;
	atomic_store(&p->next, 0);
	atomic_store(&p->total, 0);
	p->busy = p->nthreads;
	p->generation++;
	pthread_cond_broadcast(&p->start);
	while (p->busy)
		pthread_cond_wait(&p->done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return atomic_load(&p->total);
}

static void pool_stop(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->quit = true;
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
}

static void exercise_test(void)
{
	static const int sizes[] = {1, 2, 3, 8};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct pool p;
		pool_start(&p, sizes[i]);
		for (long base = 0; base < 3 * JOBS * SPAN; base += JOBS * SPAN) {
			long a = run_sequential(base), b = pool_run(&p, base);
			EX_CHECK(a == b, "%d workers from %ld: %ld vs %ld", sizes[i], base, a, b);
		}
		pool_stop(&p);
	}
}

static volatile long base = 1000000;

static void naive(cprof_bench_b *b)
{
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(run_sequential(base));
}

static void optimised(cprof_bench_b *b)
{
	struct pool p;
	pool_start(&p, cpus());
	cprof_bench_reset_timer(b);
	for (long i = 0; i < b->n; i++)
		cprof_do_not_optimize(pool_run(&p, base));
	cprof_bench_stop_timer(b);
	pool_stop(&p);
}

EXERCISE_BENCH(Batch, {"version=naive", naive}, {"version=optimised", optimised})
