/*
 * u64map.h — a map from 64-bit keys (integers, addresses, pointers) to
 * non-zero 64-bit values: open addressing, linear probing, a power-of-two
 * table at most half full.  Header-only.
 *
 * The caller names the allocator on every call that may allocate or free,
 * so that the runtime keeps the table in cprof's own memory
 * (cprof__arena_calloc/free) and the tools in libc's (calloc/free).  A
 * zeroed cprof__u64map is empty; value 0 marks a free slot, so 0 is never
 * stored (every key, 0 included, may be).  Iteration order depends on the
 * hash: nothing that writes output may follow it.  Not thread-safe; never
 * used in a signal handler or inside malloc (it allocates).
 */
#ifndef CPROF_BASE_U64MAP_H
#define CPROF_BASE_U64MAP_H

#include "base/hash.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cprof__u64map {
	uint64_t *k, *v; /* v[i] == 0: slot i is free */
	size_t n, cap;   /* cap: a power of two, or 0 */
} cprof__u64map;

typedef void *cprof__u64map_calloc_fn(size_t n, size_t size);
typedef void cprof__u64map_free_fn(void *p);

/* The slot of k, or of the free slot where it would go (cap > 0). */
static inline size_t cprof__u64map_slot(const cprof__u64map *m, uint64_t k)
{
	size_t j = (size_t)cprof__mix64(k) & (m->cap - 1);
	while (m->v[j] && m->k[j] != k)
		j = (j + 1) & (m->cap - 1);
	return j;
}

/* The value of k, 0 when absent. */
static inline uint64_t cprof__u64map_get(const cprof__u64map *m, uint64_t k)
{
	return m->cap ? m->v[cprof__u64map_slot(m, k)] : 0;
}

/* Set k's value to v (non-zero), growing the table with alloc/release
 * when it would be more than half full.  false when out of memory: the
 * map is then as it was. */
static inline bool cprof__u64map_put(cprof__u64map *m, uint64_t k, uint64_t v,
				     cprof__u64map_calloc_fn *alloc, cprof__u64map_free_fn *release)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof(uint64_t))
			return false;
		cprof__u64map g = {alloc(cap, sizeof(uint64_t)), alloc(cap, sizeof(uint64_t)), m->n,
				   cap};
		if (!g.k || !g.v) {
			release(g.k);
			release(g.v);
			return false;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->v[i])
				continue;
			size_t j = cprof__u64map_slot(&g, m->k[i]);
			g.k[j] = m->k[i];
			g.v[j] = m->v[i];
		}
		release(m->k);
		release(m->v);
		*m = g;
	}
	size_t j = cprof__u64map_slot(m, k);
	if (!m->v[j])
		m->n++;
	m->k[j] = k;
	m->v[j] = v;
	return true;
}

/* Free the table (not what the values point to) and empty the map. */
static inline void cprof__u64map_free(cprof__u64map *m, cprof__u64map_free_fn *release)
{
	release(m->k);
	release(m->v);
	*m = (cprof__u64map){0};
}

#endif
