/*
 * bench_allocs.c — -benchmem through the harness's weak hook: this program
 * supplies cprof_alloc_stats() itself, with <cprof.h>'s contract, counting
 * the allocations made through counted().
 * Each op does exactly 3 mallocs of 64 bytes; untimed work allocates too;
 * another thread allocates inside the timed region.
 */
#include <cprof.h>
#include <cprof/bench.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

static uint64_t n_allocs, n_bytes;

int cprof_alloc_stats(struct cprof_alloc_stats *st)
{
	if (st->size < sizeof(*st))
		return -EINVAL;
	st->allocs = __atomic_load_n(&n_allocs, __ATOMIC_SEQ_CST);
	st->bytes_allocated = __atomic_load_n(&n_bytes, __ATOMIC_SEQ_CST);
	st->frees = 0;
	return 0;
}

static void *counted(size_t size)
{
	__atomic_add_fetch(&n_allocs, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&n_bytes, size, __ATOMIC_SEQ_CST);
	return malloc(size);
}

CPROF_BENCH(ThreeMallocs)
{
	void *setup = counted(1 << 20); /* before the reset: not counted */
	cprof_bench_reset_timer(b);
	for (long i = 0; i < b->n; i++) {
		void *p[3] = {counted(64), counted(64), counted(64)};
		cprof_bench_stop_timer(b);
		void *untimed = counted(4096); /* stopped timer: not counted */
		free(untimed);
		cprof_bench_start_timer(b);
		for (int k = 0; k < 3; k++)
			free(p[k]);
	}
	free(setup);
}

static void *other(void *arg)
{
	long n = *(long *)arg;
	for (long i = 0; i < n; i++)
		free(counted(32));
	return NULL;
}

CPROF_BENCH(OtherThread)
{
	/* one 32-byte allocation per op, made by another thread */
	long n = b->n;
	pthread_t t;
	pthread_create(&t, NULL, other, &n);
	pthread_join(t, NULL);
}
