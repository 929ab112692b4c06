/*
 * memo — an expensive pure function called with few distinct arguments
 * from every thread at once (cprof_bench_run_parallel).
 *
 * naive:     compute on every call;
 * optimised: memoise behind a pthread_rwlock_t: lookups share the read
 *            lock, the first caller of an argument computes it outside
 *            any lock and inserts it under the write lock;
 * wrlock:    the same cache, every lookup under the write lock — the
 *            mutex profile (CPROF_MUTEX) shows the threads waiting for the
 *            lock, not for the work: here the lock is the bottleneck.
 */
#define EXERCISE_NAME "memo"
#include "../exercise.h"
#include <pthread.h>
#include <stdint.h>

#define KEYS 64      /* distinct arguments: a table of KEYS slots, no eviction */
#define ROUNDS 20000 /* the cost of one call of the function */

/* The expensive pure function: ROUNDS rounds of a 64-bit mixer. */
static uint64_t expensive(uint64_t k)
{
	uint64_t x = k + 0x9e3779b97f4a7c15u;
	for (int i = 0; i < ROUNDS; i++) {
		x ^= x >> 31;
		x *= 0xbf58476d1ce4e5b9u;
		x ^= x >> 29;
	}
	return x;
}

struct memo {
	pthread_rwlock_t lock;
	unsigned char known[KEYS];
	uint64_t value[KEYS];
};

static void memo_init(struct memo *m)
{
	*m = (struct memo){.lock = PTHREAD_RWLOCK_INITIALIZER};
}

static uint64_t memo_get(struct memo *m, uint64_t k)
{
	unsigned slot = (unsigned)(k % KEYS);
	pthread_rwlock_rdlock(&m->lock);
	int known = m->known[slot];
	uint64_t v = m->value[slot];
	pthread_rwlock_unlock(&m->lock);
	if (known)
		return v;
	/* Computed outside the lock: two threads may both compute a new
	 * argument once; both get the same value (the function is pure). */
	v = expensive(k);
	pthread_rwlock_wrlock(&m->lock);
	m->known[slot] = 1;
	m->value[slot] = v;
	pthread_rwlock_unlock(&m->lock);
	return v;
}

static uint64_t memo_get_exclusive(struct memo *m, uint64_t k)
{
	unsigned slot = (unsigned)(k % KEYS);
	pthread_rwlock_wrlock(&m->lock);
	if (!m->known[slot]) {
		m->value[slot] = expensive(k);
		m->known[slot] = 1;
	}
	uint64_t v = m->value[slot];
	pthread_rwlock_unlock(&m->lock);
	return v;
}

static void exercise_test(void)
{
	struct memo m, x;
	memo_init(&m);
	memo_init(&x);
	for (uint64_t k = 0; k < 4 * KEYS; k++) {
		uint64_t key = k % KEYS, want = expensive(key);
		EX_CHECK(memo_get(&m, key) == want, "memo_get(%llu)", (unsigned long long)key);
		EX_CHECK(memo_get_exclusive(&x, key) == want, "memo_get_exclusive(%llu)",
			 (unsigned long long)key);
	}
	pthread_rwlock_destroy(&m.lock);
	pthread_rwlock_destroy(&x.lock);
}

static struct memo cache;

static void body_naive(cprof_bench_pb *pb, void *arg)
{
	(void)arg;
	uint64_t k = 0;
	while (cprof_bench_pb_next(pb))
		cprof_do_not_optimize(expensive(k++ % KEYS));
}

static void body_rwlock(cprof_bench_pb *pb, void *arg)
{
	(void)arg;
	uint64_t k = 0;
	while (cprof_bench_pb_next(pb))
		cprof_do_not_optimize(memo_get(&cache, k++ % KEYS));
}

static void body_wrlock(cprof_bench_pb *pb, void *arg)
{
	(void)arg;
	uint64_t k = 0;
	while (cprof_bench_pb_next(pb))
		cprof_do_not_optimize(memo_get_exclusive(&cache, k++ % KEYS));
}

static void naive(cprof_bench_b *b)
{
	cprof_bench_run_parallel(b, body_naive, NULL);
}

/* Each run starts with an empty cache: its first calls pay for the misses. */
static void optimised(cprof_bench_b *b)
{
	memo_init(&cache);
	cprof_bench_run_parallel(b, body_rwlock, NULL);
}

static void wrlock(cprof_bench_b *b)
{
	memo_init(&cache);
	cprof_bench_run_parallel(b, body_wrlock, NULL);
}

EXERCISE_BENCH(Memo, {"version=naive", naive}, {"version=optimised", optimised},
	       {"version=wrlock", wrlock})
