/*
 * labels.c — profile labels: cprof_labels_push/pop (Go's pprof.Do).
 *
 * Each thread has one pointer, cprof__labels_cur, to its current label set;
 * the profilers read it where they take a sample (the SIGPROF handler, the
 * sampled malloc, stacks.c's records) and store the pointer, or the set's
 * id, with the sample.  Sets are therefore immutable and never freed:
 * interned (one object per distinct set, found by hash) in a bounded
 * table, in cprof's arena.  A sample stores one word, samples with equal
 * sets aggregate by pointer, and a handler reads one TLS word: nothing to
 * lock, nothing that can change under it.
 *
 * A push merges the pairs into the current set (sorted by key, a key named
 * again replaces the outer value), interns the result, saves the old
 * pointer on the thread's stack and stores the new one; a pop restores it.
 * The pointer store is one aligned word, and the set behind it is complete
 * before it is published: a signal on this thread sees the old set or the
 * new one.
 */
#include "compat.h"
#include "runtime/rt.h"
#include "base/hash.h"

#include <cprof.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>

CPROF_TLS const cprof__labelset *cprof__labels_cur;
/* The sets that were current before each of this thread's pushes
 * (tls_stack[i] before push i), in the arena; freed at thread exit. */
static CPROF_TLS const cprof__labelset **tls_stack;
static CPROF_TLS uint32_t tls_depth, tls_cap;

#define TABLE_CAP (2 * CPROF_LABELS_MAX_SETS) /* open addressing, load <= 1/2 */

/* What a set takes when the table is full: samples say so.  Made with the
 * tables. */
static const cprof__labelset *overflow;

typedef _Atomic(const cprof__labelset *) setptr;

static struct {
	cprof__spin lock; /* insertions; a leaf: only the arena's lock is taken inside */
	/* Made on the first push: a program that sets no label pays nothing.
	 * Both are written once per slot (never moved, never freed), so a
	 * lookup reads them without the lock. */
	_Atomic(setptr *) byid; /* id -> set */
	_Atomic(setptr *) slot; /* TABLE_CAP, by hash */
	uint32_t n;             /* sets interned */
	size_t bytes;
	_Atomic uint64_t overflowed; /* pushes that got the overflow set */
} L;

static void lock(void)
{
	cprof__spin_lock(&L.lock);
}

static void unlock(void)
{
	cprof__spin_unlock(&L.lock);
}

static bool reserved(const char *key)
{
	/* Labels cprof writes itself: CPU samples' thread, CPROF_PROCESS_LABELS'
	 * pid and comm, the heap's numeric bytes. */
	return !strcmp(key, "thread") || !strcmp(key, "pid") || !strcmp(key, "comm") ||
	       !strcmp(key, "bytes");
}

static uint64_t hash_set(const char *const *kv, uint32_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	for (uint32_t i = 0; i < 2 * n; i++)
		h = cprof__hash_step(h, cprof__fnv1a64(kv[i], strlen(kv[i])));
	return h | 1;
}

static bool same(const cprof__labelset *s, const char *const *kv, uint32_t n)
{
	if (s->n != n)
		return false;
	for (uint32_t i = 0; i < 2 * n; i++)
		if (strcmp(s->kv[i], kv[i]))
			return false;
	return true;
}

/* Say once that the table is full.  L.lock held. */
static void full(void)
{
	static bool said;
	if (said)
		return;
	said = true;
	char a[24], b[24];
	cprof__log("label set table full (", cprof__itoa(a, CPROF_LABELS_MAX_SETS), " sets or ",
		   cprof__itoa(b, CPROF_LABELS_MAX_BYTES),
		   " bytes): samples of new label sets are labelled cprof.labels=overflow", NULL);
}

/* The slot of kv's set in tab, or of the first empty slot (*found NULL). */
static setptr *probe(setptr *tab, uint64_t h, const char *const *kv, uint32_t n,
		     const cprof__labelset **found)
{
	for (size_t j = h & (TABLE_CAP - 1);; j = (j + 1) & (TABLE_CAP - 1)) {
		const cprof__labelset *s = atomic_load_explicit(&tab[j], memory_order_acquire);
		if (!s || (s->hash == h && same(s, kv, n))) {
			*found = s;
			return &tab[j];
		}
	}
}

/* Make the tables, once.  L.lock held. */
static bool tables(void)
{
	if (atomic_load_explicit(&L.slot, memory_order_relaxed))
		return true;
	setptr *byid =
		cprof__arena_calloc(CPROF__LABELS_FIRST_ID + CPROF_LABELS_MAX_SETS, sizeof(*byid));
	setptr *slot = cprof__arena_calloc(TABLE_CAP, sizeof(*slot));
	cprof__labelset *over = cprof__arena_alloc(sizeof(*over) + 2 * sizeof(char *));
	if (!byid || !slot || !over) {
		cprof__arena_free(byid);
		cprof__arena_free(slot);
		cprof__arena_free(over);
		return false;
	}
	*over = (cprof__labelset){.id = CPROF__LABELS_OVERFLOW_ID, .n = 1};
	over->kv[0] = "cprof.labels";
	over->kv[1] = "overflow";
	overflow = over;
	atomic_store_explicit(&byid[CPROF__LABELS_OVERFLOW_ID], over, memory_order_relaxed);
	atomic_store_explicit(&L.byid, byid, memory_order_release);
	atomic_store_explicit(&L.slot, slot, memory_order_release);
	return true;
}

/* The interned set of kv[0..2n) (sorted, unique keys); the overflow set
 * when the table is full; NULL on OOM.  A set seen before is found without
 * the lock (the table holds at most half its slots: a probe ends). */
static const cprof__labelset *intern(const char *const *kv, uint32_t n)
{
	uint64_t h = hash_set(kv, n);
	const cprof__labelset *r = NULL;
	setptr *tab = atomic_load_explicit(&L.slot, memory_order_acquire);
	if (tab) {
		probe(tab, h, kv, n, &r);
		if (r)
			return r;
	}
	lock();
	if (!tables()) {
		unlock();
		return NULL;
	}
	tab = atomic_load_explicit(&L.slot, memory_order_relaxed);
	setptr *at = probe(tab, h, kv, n, &r); /* another thread may have made it */
	if (r) {
		unlock();
		return r;
	}
	size_t size = sizeof(cprof__labelset) + 2 * n * sizeof(char *);
	for (uint32_t i = 0; i < 2 * n; i++)
		size += strlen(kv[i]) + 1;
	if (L.n >= CPROF_LABELS_MAX_SETS || L.bytes + size > CPROF_LABELS_MAX_BYTES) {
		full();
		atomic_fetch_add_explicit(&L.overflowed, 1, memory_order_relaxed);
		unlock();
		return overflow;
	}
	cprof__labelset *s = cprof__arena_alloc(size);
	if (s) {
		char *str = (char *)&s->kv[2 * n];
		for (uint32_t i = 0; i < 2 * n; i++) {
			size_t len = strlen(kv[i]) + 1;
			memcpy(str, kv[i], len);
			s->kv[i] = str;
			str += len;
		}
		s->id = CPROF__LABELS_FIRST_ID + L.n++;
		s->n = n;
		s->hash = h;
		L.bytes += size;
		/* Complete before it is published (release). */
		atomic_store_explicit(&atomic_load_explicit(&L.byid, memory_order_relaxed)[s->id],
				      s, memory_order_release);
		atomic_store_explicit(at, s, memory_order_release);
		r = s;
	}
	unlock();
	return r;
}

/* Sort pairs by key, stably, keeping the last of equal keys; returns the
 * count left.  n is small (CPROF_LABELS_MAX_PAIRS twice at most). */
static uint32_t canon(const char **kv, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		const char *k = kv[2 * i], *v = kv[2 * i + 1];
		uint32_t j = i;
		for (; j > 0 && strcmp(kv[2 * (j - 1)], k) > 0; j--) {
			kv[2 * j] = kv[2 * (j - 1)];
			kv[2 * j + 1] = kv[2 * (j - 1) + 1];
		}
		kv[2 * j] = k;
		kv[2 * j + 1] = v;
	}
	uint32_t out = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (out && !strcmp(kv[2 * (out - 1)], kv[2 * i]))
			out--; /* a later one of the same key wins */
		kv[2 * out] = kv[2 * i];
		kv[2 * out + 1] = kv[2 * i + 1];
		out++;
	}
	return out;
}

/* Room for one more saved set on this thread's stack. */
static int stack_room(void)
{
	if (tls_depth < tls_cap)
		return 0;
	if (tls_depth >= CPROF_LABELS_MAX_DEPTH)
		return -EOVERFLOW;
	uint32_t cap = tls_cap ? 2 * tls_cap : 8;
	if (cap > CPROF_LABELS_MAX_DEPTH)
		cap = CPROF_LABELS_MAX_DEPTH;
	void *v = cprof__arena_realloc(tls_stack, cap * sizeof(*tls_stack));
	if (!v)
		return -ENOMEM;
	tls_stack = v;
	tls_cap = cap;
	return 0;
}

CPROF_EXPORT int cprof_labels_push(const char *key, const char *value, ...)
{
	if (!key)
		return -EINVAL;
	const cprof__labelset *cur = cprof__labels_cur;
	/* The current set's pairs first: the new ones override them. */
	const char *kv[2 * (2 * CPROF_LABELS_MAX_PAIRS)];
	uint32_t n = 0;
	if (cur && cur->id != CPROF__LABELS_OVERFLOW_ID) {
		memcpy(kv, cur->kv, 2 * cur->n * sizeof(*kv));
		n = cur->n;
	}
	uint32_t added = 0;
	int rc = 0;
	va_list ap;
	va_start(ap, value);
	for (const char *k = key, *v = value; k; k = va_arg(ap, const char *)) {
		if (added) /* the first pair came as the named parameters */
			v = va_arg(ap, const char *);
		if (!v || !*k || reserved(k)) {
			rc = -EINVAL;
			break;
		}
		if (strlen(k) > CPROF_LABELS_MAX_LEN || strlen(v) > CPROF_LABELS_MAX_LEN) {
			rc = -ENAMETOOLONG;
			break;
		}
		if (++added > CPROF_LABELS_MAX_PAIRS) {
			rc = -E2BIG;
			break;
		}
		kv[2 * n] = k;
		kv[2 * n + 1] = v;
		n++;
	}
	va_end(ap);
	if (rc)
		return rc;
	n = canon(kv, n);
	if (n > CPROF_LABELS_MAX_PAIRS)
		return -E2BIG;
	cprof__in_rt++;
	rc = stack_room();
	const cprof__labelset *s = rc ? NULL : intern(kv, n);
	cprof__in_rt--;
	if (rc)
		return rc;
	if (!s)
		return -ENOMEM;
	tls_stack[tls_depth++] = cur;
	/* The set is complete (intern's lock ordered its writes): a SIGPROF on
	 * this thread, after this store, reads a whole set. */
	atomic_signal_fence(memory_order_release);
	cprof__labels_cur = s;
	return 0;
}

CPROF_EXPORT int cprof_labels_pop(void)
{
	if (!tls_depth)
		return -ENOENT;
	cprof__labels_cur = tls_stack[--tls_depth];
	return 0;
}

const cprof__labelset *cprof__labels_by_id(uint32_t id)
{
	setptr *byid = atomic_load_explicit(&L.byid, memory_order_acquire);
	if (id == 0 || id >= CPROF__LABELS_FIRST_ID + CPROF_LABELS_MAX_SETS || !byid)
		return NULL;
	return atomic_load_explicit(&byid[id], memory_order_acquire);
}

uint64_t cprof__labels_overflowed(void)
{
	return atomic_load_explicit(&L.overflowed, memory_order_relaxed);
}

void cprof__labels_inherit(const cprof__labelset *s)
{
	cprof__labels_cur = s;
}

void cprof__labels_thread_exit(void)
{
	cprof__labels_cur = NULL;
	tls_depth = tls_cap = 0;
	cprof__arena_free(tls_stack);
	tls_stack = NULL;
}

/* Around fork: the child's table is whole, and its lock free. */
void cprof__labels_atfork_prepare(void)
{
	lock();
}

void cprof__labels_atfork_parent(void)
{
	unlock();
}

void cprof__labels_atfork_child(void)
{
	unlock();
}
