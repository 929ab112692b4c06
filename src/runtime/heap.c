/*
 * heap.c — malloc interposition: exact allocation counters, Poisson
 * sampling into (stack, size class) buckets.  heap_profile.c turns the
 * buckets into the heap, allocs, leak and temporary-allocation profiles
 * (heap_int.h is what the two share).
 *
 * Every function here runs inside malloc: it must not allocate through the
 * interposed entry points (a thread-local `busy` flag sends our own
 * allocations straight to the real allocator) and must not take a lock on
 * the common path.
 *
 * Costs, by path:
 *   - every malloc: two thread-local counter increments and a compare of
 *     the byte counter with the thread's next sampling point; no stack
 *     frame, a jump to glibc;
 *   - every free: one increment and, under glibc's allocator, one compare
 *     of the 8 bytes before the pointer with COOKIE (cprof's own blocks,
 *     below) and one byte of the sampled-block filter — no lock;
 *   - a sampled malloc (one per CPROF_HEAP_RATE bytes on average): an unwind,
 *     a bucket lookup under a mutex, an entry in the sampled-block table.
 *
 * Recognising sampled objects on free.  A sampled object is the program's
 * own glibc chunk, of the size it asked for (the heap's layout stays the
 * program's); a table beside the heap maps its address to its bucket
 * ("sampled blocks", below).  cprof's own blocks (arena.c, boot_alloc) carry
 * COOKIE in the 8 bytes before the pointer: for an object that glibc
 * allocated, those are malloc's chunk size field, whose bit 3 is always
 * clear (sizes are multiples of 16); COOKIE has bit 3 set, so it cannot
 * match, and reading them is always safe.  Sampling is only enabled over
 * glibc's allocator; under another allocator cprof still counts, but does
 * not sample.
 *
 * Sampling math (docs/HEAP.md): the distance in bytes between samples is
 * exponential with mean `rate` (a Poisson process over allocated bytes, as
 * Go's MemProfileRate); a bucket of objects of size s sampled n times
 * stands for n / (1 - exp(-s/rate)) objects (Go's scaleHeapSample).
 */
#include "compat.h"
#include "runtime/rt.h"
#include "runtime/heap_int.h"
#include "base/hash.h"
#include "profile/profile.h"
#include "profile/symbolize.h"

#include <cprof.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define COOKIE 0xc0ffee5afec0de08ULL /* bit 3 set: never a glibc chunk size */
_Static_assert(COOKIE == CPROF_ARENA_COOKIE, "arena.c marks its blocks as heap.c expects");
#define HEAP_DEPTH CPROF_HEAP_DEPTH

/* glibc's own entry points: what our interposers call. */
extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

typedef struct real_fns {
	void *(*malloc)(size_t);
	void (*free)(void *);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*memalign)(size_t, size_t);
	size_t (*usable)(void *);
} real_fns;

/* Filled on the first call (resolve_real): glibc's own entry points when
 * glibc is the allocator behind us, else the next definitions in lookup order
 * (jemalloc, a sanitizer's interceptor...), so that every pointer is freed by
 * the allocator that made it. */
static real_fns real;
static _Atomic int real_state; /* 0 unresolved, 1 resolving, 2 ready */
static _Atomic pid_t resolver;

/* Set when the real allocator is resolved and is glibc's: only then can
 * cprof sample, and the 8 bytes before any pointer free() gets are
 * readable (the chunk size field, or a cprof header), so free() compares
 * them with COOKIE at once. */
static _Atomic int glibc_allocator;

/* dlsym may allocate while we resolve: serve those from a static arena
 * (never freed).  Each object is preceded by a 16-byte header
 * {0, COOKIE}: under glibc, free() sees the cookie and then the range
 * (free_marked), so that the common path has no range check. */
static char boot_arena[1 << 16] __attribute__((aligned(64)));
static _Atomic size_t boot_used;

static inline bool is_boot(const void *p)
{
	/* One unsigned compare for both bounds: on every free. */
	return (uintptr_t)p - (uintptr_t)boot_arena < sizeof(boot_arena);
}

static void *boot_alloc(size_t n, size_t align)
{
	if (align < 16)
		align = 16;
	for (;;) {
		size_t used = atomic_load(&boot_used);
		/* The address aligned, not the offset: the arena itself is only
		 * 64-byte aligned. */
		uintptr_t lo = (uintptr_t)boot_arena;
		size_t start = ((lo + used + 16 + align - 1) & ~(uintptr_t)(align - 1)) - lo;
		if (start > sizeof(boot_arena) || n > sizeof(boot_arena) - start)
			return NULL;
		if (atomic_compare_exchange_weak(&boot_used, &used, start + n)) {
			uint64_t *w = (uint64_t *)(boot_arena + start);
			w[-1] = COOKIE; /* free() checks is_boot first */
			return w;       /* zeroed: static storage, never reused */
		}
	}
}

#ifdef CPROF_TEST_BOOT
/* Test builds only (tests/integration/heap_boot.sh): glibc 2.36's dlsym
 * does not allocate, so this build's resolution allocates as older ones
 * did, and hands the objects to the test program. */
static void *test_boot[4];
CPROF_EXPORT void **cprof_test_boot_objects(void)
{
	return test_boot;
}

static void test_boot_allocs(void)
{
	test_boot[0] = malloc(100);
	test_boot[1] = calloc(3, 40);
	test_boot[2] = memalign(256, 50);
	test_boot[3] = realloc(NULL, 30);
	free(malloc(10)); /* freed while still resolving */
}
#endif

/* runs inside malloc: allocations it causes go to boot_alloc */
__attribute__((noinline)) static void resolve_real(void)
{
	int expect = 0;
	pid_t me = (pid_t)syscall(SYS_gettid); /* no instrumented helper: a sanitizer
						 * may be initialising */
	if (!atomic_compare_exchange_strong(&real_state, &expect, 1)) {
		while (atomic_load(&real_state) != 2 && atomic_load(&resolver) != me)
			sched_yield();
		return;
	}
	atomic_store(&resolver, me);
#ifdef CPROF_TEST_BOOT
	test_boot_allocs();
#endif
	void *next = dlsym(RTLD_NEXT, "malloc");
	Dl_info info;
	real_fns r = {__libc_malloc,  __libc_free,     __libc_calloc,
		      __libc_realloc, __libc_memalign, NULL};
	bool glibc = true;
	if (next && dladdr(next, &info) && info.dli_fname && !strstr(info.dli_fname, "libc.so")) {
		real_fns f = {
			(void *(*)(size_t))next,
			(void (*)(void *))dlsym(RTLD_NEXT, "free"),
			(void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc"),
			(void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc"),
			(void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign"),
			(size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size"),
		};
		if (f.free && f.calloc && f.realloc && f.memalign) {
			r = f;
			glibc = false;
		}
	}
	real = r;
	atomic_store_explicit(&glibc_allocator, glibc, memory_order_relaxed);
	atomic_store(&real_state, 2);
}

bool cprof__heap_glibc_allocator(void)
{
	return atomic_load(&real_state) == 2 &&
	       atomic_load_explicit(&glibc_allocator, memory_order_relaxed);
}

/* True when the real allocator can be called; false while this very thread
 * is resolving it (then use boot_alloc). */
static inline bool real_ready(void)
{
	if (CPROF_LIKELY(atomic_load_explicit(&real_state, memory_order_acquire) == 2))
		return true;
	resolve_real();
	return atomic_load(&real_state) == 2;
}

typedef cprof__bucket bucket;

typedef struct heap_tls {
	/* bytes: exact bytes asked for, and the sampling clock: the allocation
	 * that takes it to next_sample or past is sampled (compared modulo 2^64,
	 * so a rebase or a wild size cannot stall it).  next_sample is written
	 * by other threads too (cprof_heap_set_rate sets it to 0: "look at the
	 * rate now"), with relaxed atomics, which are plain moves here. */
	uint64_t bytes, next_sample;
	uint64_t allocs, frees;
	/* realloc's exact bytes (the new size) minus what it put on the
	 * sampling clock (the bytes newly allocated): bytes + bytes_adj is the
	 * exact counter of bytes asked for. */
	uint64_t bytes_adj;
	uint64_t rng;
	uint64_t last_stack;    /* hash_stack of the last sample's stack */
	uintptr_t last_pcs[16]; /* its first frames, cprof's own included */
	int nlast_pcs;
	void *last;           /* last sampled allocation; still the thread's last */
	uint64_t last_allocs; /* if allocs has not moved since */
	/* Inside cprof: do not sample.  BUSY_SAMPLING while sample_alloc
	 * unwinds and finds the bucket: an allocation then can only be a
	 * signal handler's, interrupting it. */
	uint8_t busy;
	/* registered && !exited && !fatal && busy != BUSY_CPROF: the one flag
	 * the counting fast path tests; anything else goes through the slow
	 * paths (count_slow, or the arena for cprof's own allocations). */
	bool fast;
	bool registered, exited;
	bool in_samp;                /* inside a shard of the sampled-block table */
	volatile sig_atomic_t fatal; /* a fatal signal waits for a safe point */
	struct heap_tls *next, *prev;
} heap_tls;

enum { BUSY_CPROF = 1, BUSY_SAMPLING = 2 };

static CPROF_TLS heap_tls tls;

static inline void fast_update(heap_tls *t)
{
	t->fast = t->registered && !t->exited && !t->fatal && t->busy != BUSY_CPROF;
}

int cprof__own_enter(void)
{
	heap_tls *t = &tls;
	int prev = t->busy;
	t->busy = BUSY_CPROF;
	t->fast = false;
	return prev;
}

/* async-signal-safe */
bool cprof__heap_busy(void)
{
	return tls.busy != 0;
}

void cprof__own_leave(int prev)
{
	heap_tls *t = &tls;
	t->busy = (uint8_t)prev;
	fast_update(t);
}
/* Allocations rate 1 could not record (see sample_alloc). */
static _Atomic uint64_t lost_objs, lost_bytes;

/* Every function through which the program enters the allocator lives in
 * its own section, so that sampling can drop our frames from the program's
 * stack, and a fatal-signal handler can tell from the interrupted stack
 * whether the program is inside malloc (service.c's single-threaded flush).
 * The interposers tail-call glibc: while glibc's allocator runs, the stack
 * shows glibc's entry points instead (libc_alloc, below). */
#define HEAP_ENTRY __attribute__((section("cprof_heap_entry")))
extern const char __start_cprof_heap_entry[] __attribute__((visibility("hidden")));
extern const char __stop_cprof_heap_entry[] __attribute__((visibility("hidden")));

/* The thread registry's lock: a spinlock, not a pthread mutex, because it is
 * taken on a thread's first malloc, which may come before a sanitizer's
 * runtime (whose interceptors a mutex would go through) is initialised.
 * Held only for a few list operations. */
static cprof__spin reg_spin;

static void reg_lock(void)
{
	cprof__spin_lock(&reg_spin);
}

static void reg_unlock(void)
{
	cprof__spin_unlock(&reg_spin);
}

/* The bucket hash table.  One struct, so that a reader without the lock
 * (sample_alloc's prefetch) sees a slot array and its size together.
 * Tables are never unmapped: an old one, still in a reader's hands after a
 * resize, stays readable (its slots point at buckets, which live until
 * exit).  They double, so all the old ones together are smaller than the
 * current one. */
typedef struct btable {
	size_t cap;
	bucket *slot[];
} btable;

static struct {
	pthread_mutex_t lock; /* buckets */
	btable *tab;          /* written under lock; read without it by bucket_guess */
	size_t n;
	heap_tls *threads;
	uint64_t dead_allocs, dead_frees, dead_bytes; /* exited threads */
	pthread_key_t key;
	bool key_ok;
} H = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Read on every call: 0 off, else the sampling rate in bytes (1: every
 * allocation). */
static _Atomic long heap_rate;

bool cprof__heap_sampling(void)
{
	return atomic_load_explicit(&heap_rate, memory_order_relaxed) > 0;
}

/* ---- per-thread counters ---- */

static void thread_unregister(void *arg);

/* runs inside malloc: must not allocate (pthread_setspecific on one of the
 * first 32 keys does not) */
static void thread_register(heap_tls *t)
{
	/* A thread's first allocation may come from inside cprof itself (the
	 * service thread writing a profile): keep it busy then. */
	uint8_t was_busy = t->busy;
	t->registered = true;
	t->busy = BUSY_CPROF;
	reg_lock();
	t->prev = NULL;
	t->next = H.threads;
	if (H.threads)
		H.threads->prev = t;
	H.threads = t;
	bool key_ok = H.key_ok;
	reg_unlock();
	if (key_ok)
		pthread_setspecific(H.key, t);
	t->busy = was_busy;
	fast_update(t);
}

static void thread_unregister(void *arg)
{
	heap_tls *t = arg;
	if (!t || t->exited)
		return;
	reg_lock();
	if (t->prev)
		t->prev->next = t->next;
	else if (H.threads == t)
		H.threads = t->next;
	if (t->next)
		t->next->prev = t->prev;
	H.dead_allocs += t->allocs;
	H.dead_frees += t->frees;
	H.dead_bytes += t->bytes + t->bytes_adj;
	/* bytes goes on as the sampling clock of the thread's late calls */
	__atomic_store_n(&t->next_sample, t->next_sample - t->bytes, __ATOMIC_RELAXED);
	t->allocs = t->frees = t->bytes = t->bytes_adj = 0;
	t->exited = true;
	t->fast = false;
	reg_unlock();
}

void cprof__heap_thread_exit(void)
{
	thread_unregister(&tls);
}

/* After the thread left the registry, its late calls go to the totals. */
static void count_late(uint64_t a, uint64_t f, uint64_t b)
{
	reg_lock();
	H.dead_allocs += a;
	H.dead_frees += f;
	H.dead_bytes += b;
	reg_unlock();
}

static void fatal_at_entry(heap_tls *t);

/* The thread's first call, a late call after it left the registry, or a
 * fatal signal waiting: false if the call must go to count_late(). */
__attribute__((noinline)) static bool count_slow(heap_tls *t)
{
	if (!t->registered)
		thread_register(t);
	if (t->fatal)
		fatal_at_entry(t);
	return !t->exited;
}

/* *p += v in one instruction, so that a signal handler's allocation on this
 * thread cannot fall between the load and the store and be lost (xadd
 * without the lock prefix: the counter is this thread's own).  Returns the
 * new value; the "memory" clobber keeps the caller's earlier loads before it. */
static inline uint64_t add_own(uint64_t *p, uint64_t v)
{
#if defined(__x86_64__)
	uint64_t old = v;
	__asm__ volatile("xaddq %0, %1" : "+r"(old), "+m"(*p) : : "memory");
	return old + v;
#else
	return __atomic_add_fetch(p, v, __ATOMIC_RELAXED);
#endif
}

/* Count an allocation of n bytes; true when it is due for a sample (then
 * sample_alloc decides: the rate may be 0, or this thread inside cprof).
 * next_sample is read before the clock moves: a signal handler's sample
 * that lands in between moves next_sample past this allocation, which must
 * still be taken (rate 1 counts every allocation). */
static inline bool count_alloc(heap_tls *t, size_t n)
{
	if (CPROF_UNLIKELY(!t->fast) && !count_slow(t))
		count_late(1, 0, n); /* t->bytes only clocks sampling now */
	else
		t->allocs++;
	uint64_t next = __atomic_load_n(&t->next_sample, __ATOMIC_RELAXED);
	return CPROF_UNLIKELY((int64_t)(add_own(&t->bytes, n) - next) >= 0);
}

static inline void count_free(heap_tls *t)
{
	if (CPROF_UNLIKELY(!t->fast) && !count_slow(t)) {
		count_late(0, 1, 0);
		return;
	}
	t->frees++;
}

/* The first version's size: the smallest a caller may pass. */
#define ALLOC_STATS_V0 (4 * sizeof(unsigned long long))

CPROF_EXPORT int cprof_alloc_stats(struct cprof_alloc_stats *st)
{
	if (!st || st->size < ALLOC_STATS_V0)
		return -EINVAL;
	reg_lock();
	uint64_t a = H.dead_allocs, f = H.dead_frees, b = H.dead_bytes;
	/* Other threads' counters are read while they may be changing: each
	 * 64-bit load is atomic on x86-64, and callers (the benchmark harness)
	 * read at quiescent points. */
	for (heap_tls *t = H.threads; t; t = t->next) {
		a += __atomic_load_n(&t->allocs, __ATOMIC_RELAXED);
		f += __atomic_load_n(&t->frees, __ATOMIC_RELAXED);
		b += __atomic_load_n(&t->bytes, __ATOMIC_RELAXED) +
		     __atomic_load_n(&t->bytes_adj, __ATOMIC_RELAXED);
	}
	reg_unlock();
	struct cprof_alloc_stats mine = {sizeof(mine), a, f, b};
	size_t n = st->size < sizeof(mine) ? (size_t)st->size : sizeof(mine);
	mine.size = n;
	memcpy(st, &mine, n);
	return 0;
}

/* ---- sampling ---- */

static uint64_t rng_next(heap_tls *t)
{
	uint64_t x = t->rng;
	if (!x)
		x = (uint64_t)cprof__mono_ns() ^ ((uint64_t)cprof__gettid() << 32) ^
		    0x9e3779b97f4a7c15ULL;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	t->rng = x;
	return x;
}

/* Bytes until the next sample: exponential with mean `rate`. */
static int64_t next_gap(heap_tls *t, long rate)
{
	if (rate <= 1)
		return 0;
	double u = ((double)(rng_next(t) >> 11) + 0.5) / 9007199254740992.0; /* (0,1) */
	double g = -cprof__ln(u) * (double)rate;
	return g > 4e18 ? (int64_t)4e18 : (int64_t)g + 1;
}

/* Two independent 64-bit hashes of a stack. */
static uint64_t hash_stack(const uintptr_t *pcs, uint32_t n, uint64_t *fp)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL, g = 0xc2b2ae3d27d4eb4fULL;
	for (uint32_t i = 0; i < n; i++) {
		h = cprof__hash_step(h, pcs[i]);
		g += pcs[i];
		g *= 0xc4ceb9fe1a85ec53ULL;
		g ^= g >> 29;
	}
	*fp = g ^ n;
	return h;
}

/* A bucket's size: the allocation's own at rate 1 (every allocation
 * recorded, exactly) and up to 256 bytes; above, its class, 16 per power of
 * two (the size's five leading significant bits).  A bucket per sampled
 * size grew without end where a call site allocates sizes of every kind
 * (docs/HEAP.md, "Sampling math"); the bucket sums the exact sizes
 * it counts, and the profile scales by their mean. */
static inline size_t size_class(size_t n, long rate)
{
	if (rate <= 1 || n <= 256)
		return n;
	int shift = 63 - __builtin_clzll((unsigned long long)n) - 4;
	return n >> shift << shift;
}

static inline size_t size_key(size_t n)
{
	return size_class(n, atomic_load_explicit(&heap_rate, memory_order_relaxed));
}

/* An allocation event of `size` bytes counted in b. */
static inline void count_event(bucket *b, size_t size)
{
	atomic_fetch_add_explicit(&b->allocs, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&b->bytes, size, memory_order_relaxed);
}

/* A tracked object resized in place to `size` bytes, now in b. */
static inline void count_resized(bucket *b, size_t size)
{
	atomic_fetch_add_explicit(&b->resized, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&b->rbytes, size, memory_order_relaxed);
}

/* A bucket's hash: of its stack's hash and its size.  A bijection of the
 * stack hash for a given size, so that two buckets of one size share it
 * only if their stack hashes are equal. */
static inline uint64_t bucket_hash(uint64_t stack, size_t size)
{
	uint64_t h = stack + (uint64_t)size * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 29);
}

/* Memory for buckets and their table comes from mmap, never from malloc: a
 * sampled allocation may run in a signal handler that interrupted malloc
 * itself (holding its arena lock), and glibc's calloc would wait for that
 * lock forever.  Buckets live until exit; called with H.lock held.
 * runs inside malloc: must not allocate */
static void *meta_alloc(size_t n)
{
	static char *cur, *end;
	n = (n + 63) & ~(size_t)63; /* cache-line aligned (bucket) */
	if (n > (size_t)(end - cur)) {
		size_t sz = n > (1u << 20) ? n : (1u << 20);
		char *m =
			mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return NULL;
		cur = m;
		end = m + sz;
	}
	void *r = cur;
	cur += n;
	return r; /* zeroed: fresh anonymous pages */
}

/* The misses on the table slot and the bucket that a sample of `size`
 * bytes from stack `stack` will look up: a program that allocates fast has
 * evicted them since the last sample, and a thread's samples mostly come
 * from one stack, so sample_alloc guesses with the previous sample's stack
 * and overlaps the misses with its other work, in two steps:
 * bucket_guess prefetches the slot (and returns it), and later, when the
 * line has arrived, bucket_guess_more reads it and prefetches the bucket.
 * (Reading the slot at once stalls the real malloc that follows:
 * docs/PERFORMANCE.md, "Where the time goes".)  Without the lock: the table is read whole through one
 * pointer, tables are never unmapped, buckets never freed.
 * async-signal-safe */
static inline bucket **bucket_guess(uint64_t stack, size_t size)
{
	btable *tb = __atomic_load_n(&H.tab, __ATOMIC_ACQUIRE);
	if (!tb)
		return NULL;
	bucket **slot = &tb->slot[bucket_hash(stack, size_key(size)) & (tb->cap - 1)];
	__builtin_prefetch(slot);
	return slot;
}

static inline void bucket_guess_more(bucket **slot)
{
	bucket *b = slot ? __atomic_load_n(slot, __ATOMIC_RELAXED) : NULL;
	if (b)
		__builtin_prefetch(b);
}

/* Find or make the bucket of (stack, size, label set id); *stack_hash gets
 * the hash of the stack and set.  Takes H.lock; allocates with
 * meta_alloc/mmap only (t->busy is set by the caller).  Slots are written
 * with atomic stores: bucket_guess reads them without the lock. */
static bucket *bucket_get(const uintptr_t *pcs, uint32_t n, size_t size, uint32_t labels,
			  uint64_t *stack_hash)
{
	size = size_key(size);
	uint64_t fp, sh = hash_stack(pcs, n, &fp), h;
	if (labels) { /* a sample's labels are its stack's, for the hashes */
		sh = cprof__hash_step(sh, labels);
		fp = cprof__hash_step(fp, labels);
	}
	h = bucket_hash(sh, size);
	*stack_hash = sh;
	pthread_mutex_lock(&H.lock);
	btable *tb = H.tab;
	if (!tb || H.n + 1 > tb->cap / 2) {
		size_t cap = tb ? tb->cap * 2 : 1024;
		btable *nt = mmap(NULL, sizeof(*nt) + cap * sizeof(nt->slot[0]),
				  PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (nt != MAP_FAILED) {
			nt->cap = cap;
			for (size_t i = 0; tb && i < tb->cap; i++)
				for (bucket *b = tb->slot[i], *nx; b; b = nx) {
					nx = b->next;
					b->next = nt->slot[b->hash & (cap - 1)];
					nt->slot[b->hash & (cap - 1)] = b;
				}
			__atomic_store_n(&H.tab, nt, __ATOMIC_RELEASE);
			tb = nt;
		}
	}
	bucket *b = NULL;
	if (tb) {
		bucket **slot = &tb->slot[h & (tb->cap - 1)];
		for (b = *slot; b; b = b->next)
			if (b->hash == h && b->fp == fp && b->size == size && b->depth == n &&
			    b->labels == labels)
				break;
		if (!b) {
			b = meta_alloc(sizeof(*b) + n * sizeof(*pcs));
			if (b) {
				b->hash = h;
				b->fp = fp;
				b->size = size;
				b->depth = n;
				b->labels = labels;
				memcpy(b->pcs, pcs, n * sizeof(*pcs));
				b->next = *slot;
				__atomic_store_n(slot, b, __ATOMIC_RELEASE);
				H.n++;
			}
		}
	}
	pthread_mutex_unlock(&H.lock);
	return b;
}

/* The calling thread works for cprof and its allocation can come from the
 * arena (glibc is the allocator, so free() recognises arena blocks, and
 * this is not a signal handler's call nested in the arena's own). */
static inline bool own_alloc(const heap_tls *t)
{
	return t->busy == BUSY_CPROF &&
	       atomic_load_explicit(&glibc_allocator, memory_order_relaxed) && !cprof__arena_inside;
}

/* p (not NULL, not in the boot arena) is an arena block. */
static inline bool is_arena(const void *p)
{
	return atomic_load_explicit(&glibc_allocator, memory_order_relaxed) &&
	       ((const uint64_t *)p)[-1] == COOKIE && cprof__arena_owns(p);
}

/* ---- sampled blocks ----
 *
 * Which of the program's blocks are sampled (tracked: counted in a
 * bucket's in-use figures) is kept beside them, in a table from address to
 * bucket: a header in front of each sampled block made its chunk 32 bytes
 * larger than the program's, and glibc's behaviour hangs on the layout
 * (docs/HEAP.md, "realloc").  free() and realloc() read one byte of a
 * 64 KB filter (live entries per hash of the address); only when it is not
 * zero do they look in the table.  The table is split in 64 shards by
 * address, each an open-addressing table under its own spinlock (threads
 * that track every allocation, CPROF_LEAKS=1, do not queue on one lock); a
 * filter byte belongs to one shard, so its lock orders the byte's updates.
 * A signal handler that interrupts this thread inside a shard (t->in_samp)
 * must not wait on that lock: its calls leave the table alone — a block it
 * frees stays in the table, and is counted as freed when another block at
 * its address is, a rare miscount rather than a deadlock.
 */
#define SMIN 64 /* slots in a shard's first table */
#define SSHARDS 64

typedef struct sslot {
	uintptr_t key; /* 0: empty */
	bucket *b;
} sslot;

typedef struct sshard {
	cprof__spin lock;
	sslot *slot; /* mmap'd, cap slots */
	size_t cap, n;
} __attribute__((aligned(64))) sshard;

static sshard S[SSHARDS];
static _Atomic uint8_t S_filter[1 << 16]; /* saturates at 255 (then stays) */

/* Bits 58-63 pick the shard, 48-63 the filter byte, 16 and up the slot. */
static inline uint64_t s_mix(uintptr_t p)
{
	return (p >> 4) * 0x9e3779b97f4a7c15ULL;
}

/* Could p be a sampled block?  On every free and realloc. */
static inline bool samp_maybe(const void *p)
{
	return atomic_load_explicit(&S_filter[s_mix((uintptr_t)p) >> 48], memory_order_relaxed) !=
	       0;
}

/* Enter p's shard, locked; NULL when a call of this thread is already in
 * one (a signal handler nested in it). */
static sshard *s_enter(heap_tls *t, uintptr_t p)
{
	if (t->in_samp)
		return NULL;
	t->in_samp = true;
	sshard *h = &S[s_mix(p) >> 58];
	cprof__spin_lock(&h->lock);
	return h;
}

static void s_leave(heap_tls *t, sshard *h)
{
	cprof__spin_unlock(&h->lock);
	t->in_samp = false;
}

/* The live-entry count of p's filter byte moves by d.  Shard lock held. */
static void filter_add(uintptr_t p, int d)
{
	_Atomic uint8_t *f = &S_filter[s_mix(p) >> 48];
	uint8_t c = atomic_load_explicit(f, memory_order_relaxed);
	if (c != 255 && (d > 0 || c != 0))
		atomic_store_explicit(f, (uint8_t)(c + d), memory_order_relaxed);
}

static size_t s_home(const sshard *h, uintptr_t p)
{
	return (size_t)(s_mix(p) >> 16) & (h->cap - 1);
}

/* The slot of p in h, or NULL. */
static sslot *s_find(sshard *h, uintptr_t p)
{
	if (!h->cap)
		return NULL;
	for (size_t i = s_home(h, p);; i = (i + 1) & (h->cap - 1)) {
		if (h->slot[i].key == p)
			return &h->slot[i];
		if (h->slot[i].key == 0)
			return NULL;
	}
}

static void s_put(sshard *h, uintptr_t p, bucket *b)
{
	size_t i = s_home(h, p);
	while (h->slot[i].key)
		i = (i + 1) & (h->cap - 1);
	h->slot[i] = (sslot){p, b};
	h->n++;
}

/* Room for one more entry (at most half full); false on OOM. */
static bool s_room(sshard *h)
{
	if ((h->n + 1) * 2 <= h->cap)
		return true;
	size_t cap = h->cap ? 2 * h->cap : SMIN;
	sslot *v = mmap(NULL, cap * sizeof(sslot), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v == MAP_FAILED)
		return false;
	sshard old = {.slot = h->slot, .cap = h->cap};
	h->slot = v;
	h->cap = cap;
	h->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slot[i].key)
			s_put(h, old.slot[i].key, old.slot[i].b);
	if (old.slot)
		munmap(old.slot, old.cap * sizeof(sslot));
	return true;
}

/* Remove slot x: the entries after it in its cluster move back, so that
 * no lookup stops early (no tombstones to pile up under churn). */
static void s_del(sshard *h, sslot *x)
{
	size_t mask = h->cap - 1, i = (size_t)(x - h->slot);
	for (size_t j = (i + 1) & mask; h->slot[j].key; j = (j + 1) & mask) {
		size_t k = s_home(h, h->slot[j].key);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		h->slot[i] = h->slot[j];
		i = j;
	}
	h->slot[i] = (sslot){0, NULL};
	h->n--;
}

/* Track p (a block glibc just returned to this thread, not yet seen by the
 * program) in bucket b.  false: not tracked (no memory, or nested). */
static bool samp_insert(heap_tls *t, void *p, bucket *b)
{
	uintptr_t k = (uintptr_t)p;
	sshard *h = s_enter(t, k);
	if (!h)
		return false;
	bool ok = true;
	sslot *x = s_find(h, k);
	if (x) /* a block freed behind our back (a nested handler's free) */
		x->b = b;
	else if ((ok = s_room(h))) {
		filter_add(k, 1);
		s_put(h, k, b);
	}
	s_leave(t, h);
	return ok;
}

/* Stop tracking p: its bucket, or NULL if p was not tracked.  Sampling
 * is off meanwhile: a signal handler's allocation nested here is served
 * unsampled (and counted lost at rate 1), as inside sample_alloc. */
static bucket *samp_remove(heap_tls *t, const void *p)
{
	uintptr_t k = (uintptr_t)p;
	uint8_t was = t->busy;
	if (!was)
		t->busy = BUSY_SAMPLING;
	sshard *h = s_enter(t, k);
	bucket *b = NULL;
	if (h) {
		sslot *x = s_find(h, k);
		if (x) {
			b = x->b;
			s_del(h, x);
			filter_add(k, -1);
		}
		s_leave(t, h);
	}
	t->busy = was;
	return b;
}

static bool in_heap_entry(uintptr_t pc)
{
	return pc >= (uintptr_t)__start_cprof_heap_entry && pc < (uintptr_t)__stop_cprof_heap_entry;
}

/* The program's stack at this allocation, without cprof's frames: the
 * entry points it went through are all in section cprof_heap_entry (how
 * many depends on the compiler's tail calls). */
HEAP_ENTRY static int program_stack(heap_tls *t, uintptr_t *pcs, int max)
{
	uintptr_t all[HEAP_DEPTH + 8];
	int n = cprof__unwind_here(all, (int)CPROF_ARRAY_LEN(all), 0);
	t->nlast_pcs =
		n < (int)CPROF_ARRAY_LEN(t->last_pcs) ? n : (int)CPROF_ARRAY_LEN(t->last_pcs);
	memcpy(t->last_pcs, all, (size_t)t->nlast_pcs * sizeof(all[0]));
	int i = 0;
	while (i < n && in_heap_entry(all[i]))
		i++;
	int out = 0;
	for (; i < n && out < max; i++)
		pcs[out++] = all[i];
	return out;
}

/* count_alloc found a sample due: may it be taken now?  Not when the rate
 * is 0 or this thread is inside cprof. */
HEAP_ENTRY static inline bool sample_may(heap_tls *t, size_t size, long *ratep)
{
	long rate = atomic_load_explicit(&heap_rate, memory_order_relaxed);
	*ratep = rate;
	if (rate != 0 && !t->busy)
		return true;
	if (rate == 0) /* far away; set_rate brings it back */
		__atomic_store_n(&t->next_sample, t->bytes + (1ULL << 62), __ATOMIC_RELAXED);
	else if (t->busy == BUSY_SAMPLING && rate == 1) {
		/* Every allocation is wanted, and this one, a signal
		 * handler's interrupting our sampling on this thread,
		 * cannot be taken: count it (cprof.lostProfileEvent in
		 * the profile).  Still due: the next call samples. */
		atomic_fetch_add_explicit(&lost_objs, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&lost_bytes, size, memory_order_relaxed);
	}
	return false;
}

/* The next sampling point, an exponential distance away. */
HEAP_ENTRY static inline void sample_next(heap_tls *t, long rate)
{
	__atomic_store_n(&t->next_sample, t->bytes + (uint64_t)next_gap(t, rate), __ATOMIC_RELAXED);
}

/* sample_may, and the next sampling point drawn when it may (a realloc's
 * growth). */
HEAP_ENTRY static bool sample_due(heap_tls *t, size_t size, long *ratep)
{
	if (!sample_may(t, size, ratep))
		return false;
	sample_next(t, *ratep);
	return true;
}

/* An allocation that count_alloc found due: sample it, unless the rate is 0
 * now or this thread is inside cprof.  align: 0 for malloc's own alignment.
 * zero: calloc. */
HEAP_ENTRY __attribute__((noinline)) static void *sample_alloc(heap_tls *t, size_t size,
							       size_t align, bool zero)
{
	long rate;
	if (!sample_may(t, size, &rate))
		goto unsampled;
	/* Most likely this sample's stack is the last one's: start the misses
	 * on its bucket and on the unwinder's cache entries for its frames
	 * (docs/PERFORMANCE.md, "Where the time goes"); drawing the next
	 * sampling point overlaps them. */
	bucket **guess = bucket_guess(t->last_stack, size);
	cprof__unwind_prefetch(t->last_pcs, t->nlast_pcs);
	sample_next(t, rate);
	/* The real allocator first, then our unwinding and bucket lookup.  The
	 * other way round, glibc's malloc runs with its cache lines and branch
	 * history displaced by ours, several times slower than the program's
	 * own calls (docs/PERFORMANCE.md, "Where the time goes").  Not busy
	 * inside the real allocator: a signal handler that interrupts it while
	 * it holds its arena lock must be sampled (the sampled path takes no
	 * allocator lock), not sent unsampled to that same lock.  __libc_*
	 * never call back into our interposers. */
	char *user;
	if (align)
		user = real.memalign(align, size);
	else
		user = zero ? real.calloc(1, size) : real.malloc(size);
	if (!user) {
		errno = ENOMEM;
		return NULL;
	}
	bucket_guess_more(guess);
	t->busy = BUSY_SAMPLING;
	uintptr_t pcs[HEAP_DEPTH];
	int n = program_stack(t, pcs, HEAP_DEPTH);
	bucket *b =
		n > 0 ? bucket_get(pcs, (uint32_t)n, size, cprof__labels_cur_id(), &t->last_stack)
		      : NULL;
	bool tracked = b && samp_insert(t, user, b);
	t->busy = 0;
	if (!tracked) {               /* no stack, bucket or table entry: served unsampled */
		if (b && rate == 1) { /* wanted, not recorded: say so */
			atomic_fetch_add_explicit(&lost_objs, 1, memory_order_relaxed);
			atomic_fetch_add_explicit(&lost_bytes, size, memory_order_relaxed);
		}
		return user;
	}
	count_event(b, size);
	t->last = user;
	t->last_allocs = t->allocs;
	return user;
	/* Not sampled: rate 0, busy, no stack or no bucket. */
unsampled:
	if (align)
		return real.memalign(align, size);
	return zero ? real.calloc(1, size) : real.malloc(size);
}

/* free() of a block the filter says may be sampled: out of the table
 * (before glibc can hand its address out again), counted, freed. */
HEAP_ENTRY __attribute__((noinline)) static void free_maybe_sampled(heap_tls *t, void *p)
{
	int saved = errno;
	bucket *b = samp_remove(t, p);
	if (b) {
		atomic_fetch_add_explicit(&b->frees, 1, memory_order_relaxed);
		if (t->last == p && t->last_allocs == t->allocs)
			atomic_fetch_add_explicit(&b->temps, 1, memory_order_relaxed);
		t->last = NULL;
	}
	real.free(p);
	errno = saved;
}

/* ---- realloc ----
 *
 * glibc's realloc grows a block in place when it can; a profiler that
 * turns every sampled realloc into malloc + copy + free, or that puts the
 * whole new size on the sampling clock at every call, makes a buffer grown
 * step by step cost quadratic time.  So (docs/HEAP.md, "realloc"):
 *   - the clock advances by the bytes newly allocated: the growth of
 *     glibc's chunk when the block stays in place (chunk sizes telescope
 *     over a run of growths, so a block grown to s has put about s on the
 *     clock, whatever the step), the new size when it moves;
 *   - every realloc is glibc's realloc of the block itself, so glibc's
 *     in-place growth is kept; a tracked block's table entry follows it
 *     when it moves;
 *   - a block that is tracked (in the sampled-block table) stays tracked
 *     while it grows in place: it stood for 1/p(s) blocks of its old size s
 *     and now stands for 1/p(s') of its new one, which is the probability
 *     that a Poisson mark fell in the s + (s' - s) bytes it put on the
 *     clock.  Its count moves to the bucket of its new size (`resized`:
 *     in use, not allocated, there), unless its size class is the same;
 *   - a sampled growth is an allocation of the new bytes d (alloc_space
 *     gets d / p(d) in bucket (stack, d), in use nothing); the block it
 *     grew becomes tracked if it was not (a table entry: nothing moves).
 */

/* glibc's chunk size of p (a pointer glibc returned), overhead included. */
static inline size_t chunk_size(const void *p)
{
	return ((const size_t *)p)[-1] & ~(size_t)7;
}

/* realloc put d bytes on the clock where the exact counter wants n. */
static inline void count_realloc_adj(heap_tls *t, size_t n, size_t d)
{
	if (CPROF_UNLIKELY(t->exited))
		count_late(0, 0, n - d);
	else
		add_own(&t->bytes_adj, n - d);
}

/* An allocation event of `size` bytes at the program's stack: the bucket
 * of (stack, size) and the stack itself; NULL if none.  t->busy must be
 * BUSY_SAMPLING. */
HEAP_ENTRY static bucket *event_bucket(heap_tls *t, uintptr_t *pcs, int *depth, size_t size)
{
	if (*depth < 0)
		*depth = program_stack(t, pcs, HEAP_DEPTH);
	return *depth > 0 ? bucket_get(pcs, (uint32_t)*depth, size, cprof__labels_cur_id(),
				       &t->last_stack)
			  : NULL;
}

/* An untracked block q (n bytes, d of them new: all if it moved) whose
 * realloc is due for a sample: record the event, and track the block from
 * now on. */
HEAP_ENTRY __attribute__((noinline)) static void *realloc_due(heap_tls *t, char *q, size_t n,
							      size_t d, bool moved)
{
	long rate;
	if (!sample_due(t, d, &rate))
		return q;
	t->busy = BUSY_SAMPLING;
	uintptr_t pcs[HEAP_DEPTH];
	int depth = -1;
	bucket *bn = event_bucket(t, pcs, &depth, n);
	bucket *bd = !moved && bn ? event_bucket(t, pcs, &depth, d) : NULL;
	bool tracked = bn && (moved || bd) && samp_insert(t, q, bn);
	t->busy = 0;
	if (!tracked)
		return q; /* stays untracked; nothing recorded */
	if (moved) {
		count_event(bn, n);
		t->last = q;
		t->last_allocs = t->allocs;
	} else {
		count_event(bd, d);
		atomic_fetch_add_explicit(&bd->frees, 1, memory_order_relaxed);
		count_resized(bn, n);
	}
	return q;
}

/* samp_insert from a thread that may not be sampling: while it holds the
 * shard, a signal handler nested in it must not sample; nested in cprof
 * itself, the block is not tracked again. */
static bool track(heap_tls *t, void *p, bucket *b)
{
	if (t->busy)
		return false;
	t->busy = BUSY_SAMPLING;
	bool ok = samp_insert(t, p, b);
	t->busy = 0;
	return ok;
}

/* realloc of a tracked block p (bucket b), already out of the table. */
HEAP_ENTRY __attribute__((noinline)) static void *realloc_tracked(heap_tls *t, char *p, size_t n,
								  bucket *b)
{
	size_t old = chunk_size(p);
	char *user = real.realloc(p, n);
	if (!user) { /* p untouched, as realloc promises: tracked again */
		if (!track(t, p, b))
			atomic_fetch_add_explicit(&b->frees, 1, memory_order_relaxed);
		return NULL;
	}
	bool moved = user != p;
	size_t d = moved ? n : chunk_size(user) > old ? chunk_size(user) - old : 0;
	count_realloc_adj(t, n, d);
	long rate = 0;
	bool due = count_alloc(t, d) && sample_due(t, d, &rate);
	if (!due && !moved && size_key(n) == b->size) {
		if (!track(t, user, b))
			atomic_fetch_add_explicit(&b->frees, 1, memory_order_relaxed);
		return user;
	}
	if (!due && t->busy) {
		/* A signal handler's realloc that interrupted our sampling on this
		 * thread (which may hold the bucket lock), or cprof's own: no
		 * bucket lookup; the block is no longer tracked. */
		atomic_fetch_add_explicit(&b->frees, 1, memory_order_relaxed);
		return user;
	}
	if (!due)
		rate = atomic_load_explicit(&heap_rate, memory_order_relaxed);
	t->busy = BUSY_SAMPLING;
	uintptr_t pcs[HEAP_DEPTH];
	int depth = -1;
	bucket *nb = NULL; /* the block's bucket from now on */
	if (moved) {       /* free + malloc */
		atomic_fetch_add_explicit(&b->frees, 1, memory_order_relaxed);
		if (due && (nb = event_bucket(t, pcs, &depth, n))) {
			count_event(nb, n);
			t->last = user;
			t->last_allocs = t->allocs;
		}
	} else {
		bucket *bd = due ? event_bucket(t, pcs, &depth, d) : NULL;
		if (bd) {
			count_event(bd, d);
			atomic_fetch_add_explicit(&bd->frees, 1, memory_order_relaxed);
		}
		bool keep = true;
		if (n < b->size && rate > 1) {
			/* Shrunk: tracked with probability p(n) now, not p(size). */
			double u = ((double)(rng_next(t) >> 11) + 0.5) / 9007199254740992.0;
			keep = u * (1.0 - cprof__exp(-(double)b->size / (double)rate)) <
			       1.0 - cprof__exp(-(double)n / (double)rate);
		}
		uint64_t sh;
		if (keep)
			nb = size_key(n) == b->size
				     ? b
				     : bucket_get(b->pcs, b->depth, n, b->labels, &sh);
		else if (bd) /* a mark fell in its new bytes: tracked from now */
			nb = event_bucket(t, pcs, &depth, n);
		if (nb != b)
			atomic_fetch_add_explicit(&b->frees, 1, memory_order_relaxed);
		if (nb && nb != b)
			count_resized(nb, n);
	}
	if (nb && !samp_insert(t, user, nb)) {
		/* No room to track it: as if it had been freed. */
		atomic_fetch_add_explicit(&nb->frees, 1, memory_order_relaxed);
	}
	t->busy = 0;
	return user;
}

/* ---- the interposers ---- */

/* malloc and free are in two parts: the common path needs no stack frame
 * and ends in a jump to glibc (a tail call); the rest (a thread's first
 * call, a late call, a fatal signal waiting, the allocator unresolved) is
 * out of line.  t->fast implies a resolved allocator (a thread registers on
 * its first call after that).
 * runs inside malloc: must not allocate */
HEAP_ENTRY __attribute__((noinline)) static void *malloc_slow(size_t n)
{
	heap_tls *t = &tls;
	if (!real_ready())
		return boot_alloc(n, 16);
	if (own_alloc(t))
		return cprof__arena_alloc(n);
	if (count_alloc(t, n))
		return sample_alloc(t, n, 0, false);
	return real.malloc(n);
}

CPROF_EXPORT HEAP_ENTRY void *malloc(size_t n)
{
	heap_tls *t = &tls;
	if (CPROF_UNLIKELY(!t->fast))
		return malloc_slow(n);
	if (count_alloc(t, n))
		return sample_alloc(t, n, 0, false);
	return real.malloc(n);
}

HEAP_ENTRY __attribute__((noinline)) static void free_slow(void *p)
{
	heap_tls *t = &tls;
	if (!real_ready() || is_boot(p))
		return;
	if (is_arena(p)) {
		cprof__arena_free(p);
		return;
	}
	count_free(t);
	if (atomic_load_explicit(&glibc_allocator, memory_order_relaxed) && samp_maybe(p)) {
		free_maybe_sampled(t, p);
		return;
	}
	real.free(p);
}

/* free() of a pointer with COOKIE before it: ours, from the boot arena or
 * the arena (or the program wrote there: then it is glibc's to judge). */
HEAP_ENTRY __attribute__((noinline)) static void free_marked(heap_tls *t, void *p)
{
	if (is_boot(p))
		return;
	if (cprof__arena_owns(p)) {
		cprof__arena_free(p);
		return;
	}
	t->frees++;
	real.free(p);
}

CPROF_EXPORT HEAP_ENTRY void free(void *p)
{
	heap_tls *t = &tls;
	if (!p)
		return;
	if (CPROF_UNLIKELY(!t->fast)) {
		free_slow(p);
		return;
	}
	if (CPROF_LIKELY(atomic_load_explicit(&glibc_allocator, memory_order_relaxed))) {
		if (CPROF_UNLIKELY(((uint64_t *)p)[-1] == COOKIE)) {
			free_marked(t, p);
			return;
		}
		if (CPROF_UNLIKELY(samp_maybe(p))) {
			t->frees++;
			free_maybe_sampled(t, p);
			return;
		}
	} else if (CPROF_UNLIKELY(is_boot(p)))
		return;
	t->frees++;
	real.free(p);
}

/* runs inside malloc: must not allocate */
CPROF_EXPORT HEAP_ENTRY void *calloc(size_t n, size_t m)
{
	size_t total;
	if (__builtin_mul_overflow(n, m, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	heap_tls *t = &tls;
	if (CPROF_UNLIKELY(!t->fast)) {
		if (!real_ready())
			return boot_alloc(total, 16);
		if (own_alloc(t))
			return cprof__arena_calloc(n, m);
	}
	if (count_alloc(t, total))
		return sample_alloc(t, total, 0, true);
	return real.calloc(n, m);
}

HEAP_ENTRY static size_t usable_size(void *p)
{
	if (!real.usable) {
		real.usable = (size_t(*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
		if (!real.usable)
			return 0;
	}
	return real.usable(p);
}

HEAP_ENTRY __attribute__((noinline)) static void *realloc_impl(void *p, size_t n)
{
	if (CPROF_UNLIKELY(!real_ready() || is_boot(p))) {
		/* Moving out of the bootstrap arena: we do not know the old size;
		 * copy what can be there. */
		void *q = real_ready() ? malloc(n) : boot_alloc(n, 16);
		if (q && p) {
			size_t avail = (size_t)(boot_arena + sizeof(boot_arena) - (char *)p);
			memcpy(q, p, avail < n ? avail : n);
		}
		return q;
	}
	heap_tls *t = &tls;
	if (p && is_arena(p))
		return cprof__arena_realloc(p, n);
	if (!p && own_alloc(t))
		return cprof__arena_alloc(n);
	if (!p)
		goto fresh;
	if (n == 0) { /* glibc: free and return NULL */
		free(p);
		return NULL;
	}
	count_free(t);
	if (!atomic_load_explicit(&glibc_allocator, memory_order_relaxed)) {
		/* Counting only (no sampling under another allocator). */
		if (count_alloc(t, n))
			__atomic_store_n(&t->next_sample, t->bytes + (1ULL << 62),
					 __ATOMIC_RELAXED);
		return real.realloc(p, n);
	}
	if (samp_maybe(p)) {
		bucket *b = samp_remove(t, p);
		if (b)
			return realloc_tracked(t, p, n, b);
	}
	size_t old = chunk_size(p);
	char *q = real.realloc(p, n);
	if (!q)
		return NULL;
	size_t d = q != p ? n : chunk_size(q) > old ? chunk_size(q) - old : 0;
	count_realloc_adj(t, n, d);
	if (count_alloc(t, d))
		return realloc_due(t, q, n, d, q != p);
	return q;
fresh:
	if (count_alloc(t, n))
		return sample_alloc(t, n, 0, false);
	return real.malloc(n);
}

CPROF_EXPORT HEAP_ENTRY void *realloc(void *p, size_t n)
{
	return realloc_impl(p, n);
}

CPROF_EXPORT HEAP_ENTRY void *reallocarray(void *p, size_t n, size_t m)
{
	size_t total;
	if (__builtin_mul_overflow(n, m, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc_impl(p, total);
}

HEAP_ENTRY __attribute__((noinline)) static void *aligned_impl(size_t align, size_t n)
{
	if (CPROF_UNLIKELY(!real_ready()))
		return boot_alloc(n, align);
	heap_tls *t = &tls;
	if (t->busy == BUSY_CPROF)
		return real.memalign(align, n); /* cprof's own: not counted (rare) */
	if (count_alloc(t, n))
		return sample_alloc(t, n, align < 16 ? 16 : align, false);
	return real.memalign(align, n);
}

CPROF_EXPORT HEAP_ENTRY int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	int saved = errno;
	void *p = aligned_impl(align, n);
	if (!p)
		return ENOMEM;
	errno = saved;
	*out = p;
	return 0;
}

CPROF_EXPORT HEAP_ENTRY void *aligned_alloc(size_t align, size_t n)
{
	if (align == 0 || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	return aligned_impl(align, n);
}

CPROF_EXPORT HEAP_ENTRY void *memalign(size_t align, size_t n)
{
	if (align & (align - 1)) { /* glibc rounds up a non-power of two */
		size_t a = 16;
		while (a < align)
			a <<= 1;
		align = a;
	}
	return aligned_impl(align, n);
}

CPROF_EXPORT HEAP_ENTRY void *valloc(size_t n)
{
	return aligned_impl((size_t)sysconf(_SC_PAGESIZE), n);
}

CPROF_EXPORT HEAP_ENTRY void *pvalloc(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	if (n > SIZE_MAX - pg) {
		errno = ENOMEM;
		return NULL;
	}
	size_t r = n ? (n + pg - 1) & ~(pg - 1) : pg;
	return aligned_impl(pg, r);
}

CPROF_EXPORT HEAP_ENTRY size_t malloc_usable_size(void *p)
{
	if (!p || is_boot(p) || !real_ready())
		return 0;
	if (is_arena(p))
		return cprof__arena_usable(p);
	return usable_size(p);
}

/* glibc's allocator code, for the fatal-signal handler's test: our
 * interposers tail-call glibc's entry points, so while glibc's allocator
 * runs, one of these functions is on the stack (its internals are static
 * functions they call), or fork, which holds every arena lock around the
 * clone.  Found once, at start-up (find_libc_allocator). */
static struct {
	uintptr_t lo, hi;
} libc_alloc[20];
static int nlibc_alloc;

static void find_libc_allocator(void)
{
	static const char *const names[] = {
		"malloc",
		"free",
		"calloc",
		"realloc",
		"reallocarray",
		"memalign",
		"posix_memalign",
		"aligned_alloc",
		"valloc",
		"pvalloc",
		"malloc_usable_size",
		"malloc_trim",
		"mallinfo",
		"mallinfo2",
		"malloc_stats",
		"malloc_info",
		"mallopt",
		"fork",
	};
	Dl_info info;
	if (!glibc_allocator || !dladdr((void *)__libc_malloc, &info) || !info.dli_fname)
		return;
	void *libc = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
	if (!libc)
		return;
	for (size_t i = 0;
	     i < CPROF_ARRAY_LEN(names) && nlibc_alloc < (int)CPROF_ARRAY_LEN(libc_alloc); i++) {
		void *f = dlsym(libc, names[i]);
		const ElfW(Sym) *sym = NULL;
		if (f && dladdr1(f, &info, (void **)&sym, RTLD_DL_SYMENT) && sym && sym->st_size &&
		    info.dli_saddr) {
			libc_alloc[nlibc_alloc].lo = (uintptr_t)info.dli_saddr;
			libc_alloc[nlibc_alloc].hi = (uintptr_t)info.dli_saddr + sym->st_size;
			nlibc_alloc++;
		}
	}
	dlclose(libc);
}

/* Is this frame's pc in the allocator: our entry points or glibc's? */
static bool in_allocator(uintptr_t pc)
{
	if (in_heap_entry(pc))
		return true;
	for (int i = 0; i < nlibc_alloc; i++)
		if (pc >= libc_alloc[i].lo && pc < libc_alloc[i].hi)
			return true;
	return false;
}

/* Is any of these frames (return addresses are already pc - 1) inside the
 * allocator?  async-signal-safe */
static bool any_in_allocator(const uintptr_t *pcs, int n)
{
	for (int i = 0; i < n; i++)
		if (in_allocator(pcs[i]))
			return true;
	return false;
}

/* async-signal-safe */
bool cprof__heap_unsafe_here(const void *uc)
{
	if (tls.busy)
		return true; /* sampling, or writing a profile */
	uintptr_t pcs[CPROF_MAX_DEPTH];
	int n = cprof__unwind_uc(uc, pcs, CPROF_MAX_DEPTH);
	return any_in_allocator(pcs, n);
}

/* async-signal-safe.  The handler found the program inside the allocator:
 * the thread's next call into it, from a safe point, flushes. */
void cprof__heap_defer_fatal(void)
{
	tls.fatal = 1;
	tls.fast = false;
}

/* A fatal signal waits, and the program calls the allocator again: unless
 * this call is nested in another one (cprof's own, or a signal handler of the
 * program that interrupted malloc), this is a safe point. */
static void fatal_at_entry(heap_tls *t)
{
	if (t->busy)
		return;
	uintptr_t pcs[CPROF_MAX_DEPTH];
	int n = cprof__unwind_here(pcs, CPROF_MAX_DEPTH, 0);
	int i = 0;
	while (i < n && !in_heap_entry(pcs[i]))
		i++; /* count_slow's frames */
	while (i < n && in_heap_entry(pcs[i]))
		i++; /* the entry points the program called (realloc -> free...) */
	if (any_in_allocator(pcs + i, n - i))
		return;
	cprof__fatal_flush_now();
	t->fatal = 0; /* the service thread has it */
	fast_update(t);
}

/* ---- for heap_profile.c ---- */

/* The buckets, copied under H.lock; the profile is then built without it,
 * so that no allocator call is made while holding it: a sampled malloc in a
 * signal handler on another thread, which interrupted glibc's malloc there,
 * would wait for H.lock while we waited for that thread's arena lock. */
bucket **cprof__heap_buckets(size_t *n)
{
	bucket **v = NULL;
	size_t cap = 0;
	for (;;) {
		pthread_mutex_lock(&H.lock);
		size_t need = H.n;
		if (v && need <= cap) {
			size_t k = 0;
			for (size_t i = 0; H.tab && i < H.tab->cap; i++)
				for (bucket *b = H.tab->slot[i]; b; b = b->next)
					v[k++] = b;
			pthread_mutex_unlock(&H.lock);
			*n = k;
			return v;
		}
		pthread_mutex_unlock(&H.lock);
		cprof__arena_free(v);
		cap = need + need / 8 + 16;
		v = cprof__arena_alloc(cap * sizeof(*v));
		if (!v) {
			*n = 0;
			return NULL;
		}
	}
}

void cprof__heap_init(void)
{
	if (pthread_key_create(&H.key, thread_unregister) == 0)
		H.key_ok = true;
	real_ready();
	find_libc_allocator();
}

bool cprof__heap_can_sample(void)
{
	return real_ready() && glibc_allocator;
}

long cprof__heap_rate(void)
{
	return atomic_load(&heap_rate);
}

void cprof__heap_lost(uint64_t *objs, uint64_t *bytes)
{
	*objs = atomic_load(&lost_objs);
	*bytes = atomic_load(&lost_bytes);
}

void cprof__heap_set_sampling(long bytes)
{
	atomic_store(&heap_rate, bytes);
	/* Every thread looks at the rate on its next allocation. */
	reg_lock();
	for (heap_tls *t = H.threads; t; t = t->next)
		__atomic_store_n(&t->next_sample, 0, __ATOMIC_RELAXED);
	reg_unlock();
}

void cprof__heap_atfork_prepare(void)
{
	pthread_mutex_lock(&H.lock);
	reg_lock();
	for (int i = 0; i < SSHARDS; i++)
		cprof__spin_lock(&S[i].lock);
	cprof__arena_atfork_prepare(); /* held only for list operations: last */
}

void cprof__heap_atfork_parent(void)
{
	cprof__arena_atfork_parent();
	for (int i = 0; i < SSHARDS; i++)
		cprof__spin_unlock(&S[i].lock);
	reg_unlock();
	pthread_mutex_unlock(&H.lock);
}

void cprof__heap_atfork_child(void)
{
	cprof__arena_atfork_child();
	pthread_mutex_unlock(&H.lock); /* this thread's since the prepare handler */
	atomic_store(&reg_spin, 0);
	for (int i = 0; i < SSHARDS; i++)
		atomic_store(&S[i].lock, 0);
	/* Only this thread survives: fold the others into the totals. */
	for (heap_tls *t = H.threads, *nx; t; t = nx) {
		nx = t->next;
		if (t == &tls)
			continue;
		H.dead_allocs += t->allocs;
		H.dead_frees += t->frees;
		H.dead_bytes += t->bytes + t->bytes_adj;
	}
	heap_tls *me = &tls;
	H.threads = me->registered && !me->exited ? me : NULL;
	if (H.threads)
		me->next = me->prev = NULL;
	cprof__heap_profile_atfork_child();
}
