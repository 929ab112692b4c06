/*
 * bench_malloc.c — -benchmem with libcprof's exact allocation counters
 * (linked with -lcprof): real malloc/free, exactly 3 x 64 B per op in the
 * timed region; untimed allocations; another thread allocating while the
 * timer runs.
 */
#include <cprof/bench.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

CPROF_BENCH(ThreeMallocs)
{
	void *setup = malloc(1 << 20); /* before the reset: not counted */
	cprof_bench_reset_timer(b);
	for (long i = 0; i < b->n; i++) {
		void *p[3] = {malloc(64), malloc(64), malloc(64)};
		for (int k = 0; k < 3; k++) /* or the compiler drops malloc/free pairs */
			cprof_do_not_optimize(p[k]);
		cprof_bench_stop_timer(b);
		void *untimed = malloc(4096); /* timer stopped: not counted */
		cprof_do_not_optimize(untimed);
		free(untimed);
		cprof_bench_start_timer(b);
		for (int k = 0; k < 3; k++)
			free(p[k]);
	}
	free(setup);
}

struct job {
	sem_t ready, go, done;
	long n;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	sem_post(&j->ready); /* thread start-up (which may allocate) is over */
	sem_wait(&j->go);
	for (long i = 0; i < j->n; i++) {
		void *p = malloc(32);
		cprof_do_not_optimize(p);
		free(p);
	}
	sem_post(&j->done);
	return NULL;
}

CPROF_BENCH(OtherThread)
{
	/* one 32-byte allocation per op, made by another thread */
	struct job j;
	pthread_t t;
	cprof_bench_stop_timer(b);
	sem_init(&j.ready, 0, 0);
	sem_init(&j.go, 0, 0);
	sem_init(&j.done, 0, 0);
	j.n = b->n;
	pthread_create(&t, NULL, worker, &j);
	sem_wait(&j.ready);
	cprof_bench_start_timer(b);
	sem_post(&j.go);
	sem_wait(&j.done);
	cprof_bench_stop_timer(b);
	pthread_join(t, NULL);
	sem_destroy(&j.ready);
	sem_destroy(&j.go);
	sem_destroy(&j.done);
}

static void par_body(cprof_bench_pb *pb, void *arg)
{
	(void)arg;
	while (cprof_bench_pb_next(pb)) {
		void *p = malloc(16);
		cprof_do_not_optimize(p);
		free(p);
	}
}

/* one 16-byte allocation per op, on parallel threads: creating the
 * threads must not count */
CPROF_BENCH(Parallel)
{
	cprof_bench_run_parallel(b, par_body, NULL);
}
