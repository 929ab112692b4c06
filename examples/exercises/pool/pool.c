/*
 * pool — serve requests that each need a 16 KiB scratch object, on every
 * thread at once (cprof_bench_run_parallel).
 *
 * naive:     malloc the object per request, free it after;
 * optimised: a free list per thread (Go's sync.Pool keeps one per P): a
 *            request takes an object from its thread's list and gives it
 *            back; malloc only when the list is empty.  No lock: each
 *            list is its thread's own.
 */
#define EXERCISE_NAME "pool"
#include "../exercise.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>

struct request {
	struct request *next; /* the free list's link while pooled */
	size_t len;
	unsigned char body[16384 - 2 * sizeof(size_t)];
};

/* What a request does with its object: fill part of it, checksum it. */
static uint64_t handle(struct request *r, unsigned id)
{
	r->len = 64 + id % 64;
	for (size_t i = 0; i < r->len; i++)
		r->body[i] = (unsigned char)(id * 31 + i);
	uint64_t h = 0;
	for (size_t i = 0; i < r->len; i++)
		h = h * 131 + r->body[i];
	return h;
}

static uint64_t serve_malloc(unsigned id)
{
	struct request *r = malloc(sizeof *r);
	if (!r)
		abort();
	r->next = NULL;
	uint64_t h = handle(r, id);
	free(r);
	return h;
}

/* The thread's free list, and a key whose destructor frees it when the
 * thread exits. */
static _Thread_local struct request *free_list;
static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_drain(void *list)
{
	for (struct request *r = list, *next; r; r = next) {
		next = r->next;
		free(r);
	}
	free_list = NULL;
}

static void pool_init(void)
{
	if (pthread_key_create(&pool_key, pool_drain))
		abort();
}

static struct request *pool_get(void)
{
	struct request *r = free_list;
	if (r) {
		free_list = r->next;
		return r;
	}
	pthread_once(&pool_once, pool_init);
	if (!(r = malloc(sizeof *r)))
		abort();
	return r;
}

static void pool_put(struct request *r)
{
	r->next = free_list;
	free_list = r;
	pthread_setspecific(pool_key, free_list);
}

static uint64_t serve_pooled(unsigned id)
{
	struct request *r = pool_get();
	uint64_t h = handle(r, id);
	pool_put(r);
	return h;
}

static void exercise_test(void)
{
	for (unsigned id = 0; id < 3000; id += 7)
		EX_CHECK(serve_malloc(id) == serve_pooled(id), "on request %u", id);
	pool_drain(free_list);
	pthread_setspecific(pool_key, NULL);
}

static void body_malloc(cprof_bench_pb *pb, void *arg)
{
	(void)arg;
	unsigned id = 0;
	while (cprof_bench_pb_next(pb))
		cprof_do_not_optimize(serve_malloc(id++));
}

static void body_pooled(cprof_bench_pb *pb, void *arg)
{
	(void)arg;
	unsigned id = 0;
	while (cprof_bench_pb_next(pb))
		cprof_do_not_optimize(serve_pooled(id++));
}

static void naive(cprof_bench_b *b)
{
	cprof_bench_run_parallel(b, body_malloc, NULL);
}

static void optimised(cprof_bench_b *b)
{
	cprof_bench_run_parallel(b, body_pooled, NULL);
}

EXERCISE_BENCH(Serve, {"version=naive", naive}, {"version=optimised", optimised})
