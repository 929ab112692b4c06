/*
 * arena.c — cprof's own memory, from its own mappings.
 *
 * Everything libcprof allocates for itself (unwind tables, symbolisation,
 * profile building, CPU aggregation tables, thread trampolines) comes from
 * here, never from the program's allocator: cprof's bytes would otherwise
 * appear in the program's heap profile, and a large request from cprof
 * (glibc's threshold is 1 KiB) makes glibc consolidate every small chunk
 * the program freed into its fastbins — at profile-writing time, the
 * program's cost charged to nobody.  gperftools (LowLevelAlloc), jemalloc
 * (base_alloc) and tcmalloc (Arena) keep their metadata out of the heap the
 * same way.
 *
 * Design: power-of-two size classes from 64 bytes to 128 KiB carved from
 * 1 MiB mappings, one free list per class (memory is reused, never
 * unmapped: cprof's working set is small and recurs at each write); larger
 * blocks are mappings of their own, unmapped on free, grown with mremap.
 * One spinlock (not a pthread mutex: heap.c calls in from inside malloc,
 * possibly before a sanitizer's runtime is up), held for list operations
 * only, never across a system call.
 *
 * Each block is preceded by a 32-byte header
 *   [-32] class size or mapping length   [-24] 0
 *   [-16] pointer ^ arena secret         [ -8] COOKIE (heap.c's)
 * so that free() recognises a block of ours on the path it already takes
 * for cprof's sampled objects (the 8 bytes before a glibc chunk never equal
 * COOKIE), and frees of cprof memory by the program or by a library
 * (libdw, zlib, stdio) come back here.
 */
#include "compat.h"
#include "runtime/rt.h"

#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#define AHDR 32
#define MIN_SHIFT 6  /* 64-byte blocks, header included */
#define MAX_SHIFT 17 /* 128 KiB: larger blocks are mappings of their own */
#define NCLASS (MAX_SHIFT - MIN_SHIFT + 1)
#define SLAB (1u << 20)

static cprof__spin lock;
static void *freelist[NCLASS];
static char *cur, *end;
static uintptr_t secret = 0x5bd1e9955bd1e995ULL;
/* This thread is inside the arena: heap.c sends a nested allocation (a
 * signal handler's) to the real allocator instead of deadlocking here. */
CPROF_TLS int cprof__arena_inside;

static void lock_arena(void)
{
	cprof__arena_inside++;
	cprof__spin_lock(&lock);
}

static void unlock_arena(void)
{
	cprof__spin_unlock(&lock);
	cprof__arena_inside--;
}

static void *map(size_t n)
{
	void *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

static void *tag(char *blk, size_t len)
{
	uint64_t *w = (uint64_t *)(blk + AHDR);
	w[-4] = len;
	w[-3] = 0;
	w[-2] = (uintptr_t)w ^ secret;
	w[-1] = CPROF_ARENA_COOKIE;
	return w;
}

static int class_of(size_t total)
{
	int s = MIN_SHIFT;
	while (((size_t)1 << s) < total)
		s++;
	return s - MIN_SHIFT;
}

/* *fresh: the block's bytes come straight from mmap (zero, and not yet
 * touched: calloc must not write them, or a 256 KB zlib state costs 64 page
 * faults in every process that writes a profile). */
static void *alloc(size_t n, bool *fresh)
{
	*fresh = true;
	if (n > ((size_t)1 << 40))
		return NULL;
	size_t total = n + AHDR;
	if (total > ((size_t)1 << MAX_SHIFT)) {
		size_t pg = 4096, len = (total + pg - 1) & ~(pg - 1);
		char *m = map(len);
		return m ? tag(m, len) : NULL;
	}
	int c = class_of(total);
	size_t sz = (size_t)1 << (c + MIN_SHIFT);
	lock_arena();
	char *blk = freelist[c];
	if (blk) {
		freelist[c] = *(void **)blk;
		unlock_arena();
		*fresh = false;
		return tag(blk, sz);
	}
	if ((size_t)(end - cur) < sz) {
		unlock_arena(); /* no system call under the lock */
		char *m = map(SLAB);
		if (!m)
			return NULL;
		lock_arena();
		/* The rest of the old slab goes to the free lists. */
		while (cur && end - cur >= (1 << MIN_SHIFT)) {
			int k = NCLASS - 1;
			while (((size_t)1 << (k + MIN_SHIFT)) > (size_t)(end - cur))
				k--;
			*(void **)cur = freelist[k];
			freelist[k] = cur;
			cur += (size_t)1 << (k + MIN_SHIFT);
		}
		cur = m;
		end = m + SLAB;
	}
	blk = cur;
	cur += sz;
	unlock_arena();
	return tag(blk, sz);
}

void *cprof__arena_alloc(size_t n)
{
	bool fresh;
	return alloc(n, &fresh);
}

void *cprof__arena_calloc(size_t n, size_t m)
{
	size_t total;
	if (__builtin_mul_overflow(n, m, &total))
		return NULL;
	bool fresh;
	void *p = alloc(total, &fresh);
	if (p && !fresh)
		memset(p, 0, total); /* a reused block */
	return p;
}

bool cprof__arena_owns(const void *p)
{
	const uint64_t *w = p;
	return w[-1] == CPROF_ARENA_COOKIE && w[-2] == ((uintptr_t)p ^ secret);
}

size_t cprof__arena_usable(const void *p)
{
	return ((const uint64_t *)p)[-4] - AHDR;
}

void cprof__arena_free(void *p)
{
	if (!p)
		return;
	uint64_t *w = p;
	size_t len = w[-4];
	w[-1] = w[-2] = 0; /* a double free must not look like ours twice */
	char *blk = (char *)p - AHDR;
	if (len > ((size_t)1 << MAX_SHIFT)) {
		munmap(blk, len);
		return;
	}
	int c = class_of(len);
	lock_arena();
	*(void **)blk = freelist[c];
	freelist[c] = blk;
	unlock_arena();
}

void *cprof__arena_realloc(void *p, size_t n)
{
	if (!p)
		return cprof__arena_alloc(n);
	if (n == 0) {
		cprof__arena_free(p);
		return NULL;
	}
	uint64_t *w = p;
	size_t len = w[-4];
	if (n + AHDR <= len && (len > ((size_t)1 << MAX_SHIFT) || n + AHDR > len / 2))
		return p;
	if (len > ((size_t)1 << MAX_SHIFT) && n + AHDR > ((size_t)1 << MAX_SHIFT)) {
		size_t nl = (n + AHDR + 4095) & ~(size_t)4095;
		char *m = mremap((char *)p - AHDR, len, nl, MREMAP_MAYMOVE);
		return m == MAP_FAILED ? NULL : tag(m, nl);
	}
	void *q = cprof__arena_alloc(n);
	if (!q)
		return NULL;
	size_t old = len - AHDR;
	memcpy(q, p, old < n ? old : n);
	cprof__arena_free(p);
	return q;
}

char *cprof__arena_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = cprof__arena_alloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

void cprof__arena_atfork_prepare(void)
{
	lock_arena();
}

void cprof__arena_atfork_parent(void)
{
	unlock_arena();
}

void cprof__arena_atfork_child(void)
{
	atomic_store(&lock, 0);
	cprof__arena_inside = 0;
}
