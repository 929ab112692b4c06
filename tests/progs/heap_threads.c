/* Threads and the heap profiler (issue 3, cases 2 and 3).
 *
 *   heap_threads stats   4 threads make known numbers of malloc/calloc/
 *                        realloc/free calls between two cprof_alloc_stats
 *                        snapshots taken at barriers: the deltas must be
 *                        exact.  Prints "ok"/"not ok" lines.
 *   heap_threads cross   2 producer threads allocate (producer_alloc), 2
 *                        consumer threads check the data and free: every
 *                        object is freed on another thread than its own.
 *                        Prints "objects producer_alloc N".
 *
 * cprof_alloc_stats is looked up with dlsym: the program also runs bare.
 * HEAP_TEST_NO_STATS=1: do not check the counters (they cannot count when a
 * sanitizer's malloc interceptor comes before libcprof's). */
#include <cprof.h>
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*stats_fn)(struct cprof_alloc_stats *);

#define T 4
#define N 20000
#define M 5000
static pthread_barrier_t bar;

static void *stats_worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	static void *held[T][N];
	pthread_barrier_wait(&bar); /* main takes the first snapshot */
	pthread_barrier_wait(&bar);
	for (int i = 0; i < N; i++) {
		held[id][i] = malloc(id * 1000 + (size_t)(i % 100) + 1);
		*(volatile char *)held[id][i] = 1;
	}
	for (int i = 0; i < N; i++)
		free(held[id][i]);
	for (int i = 0; i < M; i++) {
		char *p = calloc(2, 8);
		p = realloc(p, 64); /* one free and one allocation */
		p[63] = 1;
		free(p);
	}
	pthread_barrier_wait(&bar); /* main takes the second snapshot... */
	pthread_barrier_wait(&bar); /* ...before this thread exits (exiting frees) */
	return NULL;
}

static int stats_mode(void)
{
	stats_fn stats = (stats_fn)dlsym(RTLD_DEFAULT, "cprof_alloc_stats");
	struct cprof_alloc_stats a = CPROF_ALLOC_STATS_INIT, b = CPROF_ALLOC_STATS_INIT,
				 c = CPROF_ALLOC_STATS_INIT;
	pthread_t th[T];
	pthread_barrier_init(&bar, NULL, T + 1);
	for (uintptr_t i = 0; i < T; i++)
		pthread_create(&th[i], NULL, stats_worker, (void *)i);
	pthread_barrier_wait(&bar);
	if (stats)
		stats(&a);
	pthread_barrier_wait(&bar);
	pthread_barrier_wait(&bar);
	if (stats)
		stats(&b);
	pthread_barrier_wait(&bar);
	for (int i = 0; i < T; i++)
		pthread_join(th[i], NULL);
	if (stats)
		stats(&c);
	unsigned long long want_allocs = T * (N + 2ULL * M), want_frees = want_allocs, want_bytes = 0;
	for (int id = 0; id < T; id++)
		for (int i = 0; i < N; i++)
			want_bytes += id * 1000ULL + (unsigned long long)(i % 100) + 1;
	want_bytes += T * (16ULL + 64) * M;
	if (!stats || getenv("HEAP_TEST_NO_STATS")) {
		printf("ok stats_not_checked # n/a no libcprof, or HEAP_TEST_NO_STATS\n");
		return 0;
	}
	int bad = 0;
#define EXPECT(name, got, want)                                                                    \
	do {                                                                                       \
		if ((got) == (want)) {                                                             \
			printf("ok %s\n", name);                                                   \
		} else {                                                                           \
			printf("not ok %s: got %llu want %llu\n", name, (unsigned long long)(got), \
			       (unsigned long long)(want));                                        \
			bad++;                                                                     \
		}                                                                                  \
	} while (0)
	EXPECT("stats_allocs_exact", b.allocs - a.allocs, want_allocs);
	EXPECT("stats_frees_exact", b.frees - a.frees, want_frees);
	EXPECT("stats_bytes_exact", b.bytes_allocated - a.bytes_allocated, want_bytes);
	EXPECT("stats_size_filled", b.size, sizeof(b));
	/* Exited threads' counts are kept (thread exit itself may allocate). */
	EXPECT("stats_kept_after_thread_exit",
	       c.allocs >= b.allocs && c.frees >= b.frees && c.allocs - b.allocs < 100, 1);
	EXPECT("stats_null_einval", stats(NULL) < 0, 1);
	/* The struct may grow: a caller built against a larger one keeps its
	 * later fields; one that sets no size (or too small) is refused. */
	struct {
		struct cprof_alloc_stats st;
		unsigned long long later;
	} big = {{sizeof(big), 0, 0, 0}, 42};
	EXPECT("stats_larger_struct_ok", stats(&big.st), 0);
	EXPECT("stats_larger_struct_size_is_filled", big.st.size, sizeof(struct cprof_alloc_stats));
	EXPECT("stats_larger_struct_later_kept", big.later, 42);
	EXPECT("stats_larger_struct_counts", big.st.allocs >= c.allocs, 1);
	struct cprof_alloc_stats small = {0};
	EXPECT("stats_no_size_einval", stats(&small), -EINVAL);
	small.size = 8;
	EXPECT("stats_short_size_einval", stats(&small), -EINVAL);
	return bad ? 1 : 0;
}

/* ---- cross-thread free ---- */
#define P 2
#define K 20000
#define QN 256
static struct {
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	char *q[QN];
	size_t head, n;
	int producers_left;
} Q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0,
       P};
static _Atomic int corrupt;

__attribute__((noinline, noipa)) static char *producer_alloc(size_t n)
{
	char *p = malloc(n);
	__asm__ volatile("" : : "r"(p) : "memory"); /* no tail call: keep this frame */
	return p;
}

static void *producer(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	for (int i = 0; i < K; i++) {
		size_t n = 16 + (size_t)(i * 37 + (int)id * 11) % 3000;
		char *p = producer_alloc(n);
		memset(p, (int)(n & 0xff), n);
		pthread_mutex_lock(&Q.mu);
		while (Q.n == QN)
			pthread_cond_wait(&Q.room, &Q.mu);
		Q.q[(Q.head + Q.n++) % QN] = p;
		pthread_cond_signal(&Q.more);
		pthread_mutex_unlock(&Q.mu);
	}
	pthread_mutex_lock(&Q.mu);
	Q.producers_left--;
	pthread_cond_broadcast(&Q.more);
	pthread_mutex_unlock(&Q.mu);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&Q.mu);
		while (Q.n == 0 && Q.producers_left)
			pthread_cond_wait(&Q.more, &Q.mu);
		if (Q.n == 0) {
			pthread_mutex_unlock(&Q.mu);
			return NULL;
		}
		char *p = Q.q[Q.head];
		Q.head = (Q.head + 1) % QN;
		Q.n--;
		pthread_cond_signal(&Q.room);
		pthread_mutex_unlock(&Q.mu);
		size_t n = malloc_usable_size(p);
		(void)n;
		/* the first byte encodes the size's low byte; the rest must match */
		unsigned char v = (unsigned char)p[0];
		for (size_t i = 1; i < 16; i++)
			if ((unsigned char)p[i] != v)
				corrupt++;
		free(p);
	}
}

static int cross_mode(void)
{
	stats_fn stats = (stats_fn)dlsym(RTLD_DEFAULT, "cprof_alloc_stats");
	if (getenv("HEAP_TEST_NO_STATS"))
		stats = NULL;
	struct cprof_alloc_stats a = CPROF_ALLOC_STATS_INIT, b = CPROF_ALLOC_STATS_INIT;
	if (stats)
		stats(&a);
	pthread_t pt[P], ct[2];
	for (uintptr_t i = 0; i < 2; i++)
		pthread_create(&ct[i], NULL, consumer, NULL);
	for (uintptr_t i = 0; i < P; i++)
		pthread_create(&pt[i], NULL, producer, (void *)i);
	for (int i = 0; i < P; i++)
		pthread_join(pt[i], NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(ct[i], NULL);
	if (stats)
		stats(&b);
	printf("objects producer_alloc %d\n", P * K);
	if (corrupt)
		printf("not ok cross_data_intact: %d bad bytes\n", (int)corrupt);
	else
		printf("ok cross_data_intact\n");
	/* Every allocation freed: frees balance allocations up to the threads'
	 * own (few) allocations. */
	if (stats) {
		long long da = (long long)(b.allocs - a.allocs), df = (long long)(b.frees - a.frees);
		if (da >= P * K && df >= P * K && (da - df < 50 && df - da < 50))
			printf("ok cross_stats_balanced\n");
		else
			printf("not ok cross_stats_balanced: allocs +%lld frees +%lld\n", da, df);
	}
	return corrupt ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "stats"))
		return stats_mode();
	if (argc == 2 && !strcmp(argv[1], "cross"))
		return cross_mode();
	return 2;
}
