/*
 * heap_int.h — what the two halves of the heap profiler share: heap.c,
 * which runs inside malloc (the interposers, exact counters, sampling into
 * buckets), and heap_profile.c, which runs in normal context (the rate,
 * writing the heap, allocs, leak and temporary-allocation profiles,
 * snapshots, the CPROF_* settings).  Nothing here is for other modules.
 */
#ifndef CPROF_RUNTIME_HEAP_INT_H
#define CPROF_RUNTIME_HEAP_INT_H

#include "compat.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define CPROF_HEAP_DEPTH 64 /* frames kept per sampled stack */

/* A bucket is 64-byte aligned and everything but pcs fits its first cache
 * line: a sample finds its bucket by (hash, fp, size, depth, labels) and a sampled
 * free counts in it touching that line only.  hash (of the stack's first
 * hash and the size: the table index) and fp (the stack's second hash) come
 * from two independent mixes; two stacks of the same size and depth are
 * merged only if both collide (2^-128 per pair), so the pcs, a line or two
 * further on, are not compared.  That saves a cache miss per
 * sample, and a program that allocates fast misses on every sample: the
 * workload evicts the buckets between two samples. */
typedef struct cprof__bucket {
	struct cprof__bucket *next;
	uint64_t hash, fp;
	size_t size;
	_Atomic uint64_t allocs, frees, temps;
	uint32_t depth;
	/* The allocating thread's label set (labels.c's id; 0: none), part
	 * of the key: an id, not a pointer, to keep the key in one line. */
	uint32_t labels;
	/* Tracked objects that came to this size by growing or shrinking in
	 * place (realloc): in use here, allocated elsewhere (docs/HEAP.md). */
	_Atomic uint64_t resized;
	/* The exact sizes of the events in allocs, and of the objects in
	 * resized, summed: the bucket's size is a class (size_class). */
	_Atomic uint64_t bytes, rbytes;
	uintptr_t pcs[];
} cprof__bucket;
_Static_assert(offsetof(cprof__bucket, resized) <= 64,
	       "a bucket's key and counters fit one cache line");

/* ---- heap.c, for heap_profile.c ---- */
/* Once, before anything else (the constructor, one thread): the thread
 * registry's key, the real allocator, glibc's allocator entry points. */
void cprof__heap_init(void);
/* Can allocations be sampled: the real allocator is resolved, and is glibc's? */
bool cprof__heap_can_sample(void);
/* The sampling rate in bytes (0: off, 1: every allocation). */
long cprof__heap_rate(void);
/* Set it; every thread looks at it on its next allocation. */
void cprof__heap_set_sampling(long bytes);
/* Allocations that could not be recorded (a signal handler's, while its
 * thread was recording another), and their bytes. */
void cprof__heap_lost(uint64_t *objs, uint64_t *bytes);
/* Every bucket now (arena; NULL and *n = 0 on OOM).  Buckets are never
 * freed, their stacks never change, their counters are atomic. */
cprof__bucket **cprof__heap_buckets(size_t *n);

/* ---- heap_profile.c, for heap.c ---- */
/* In a forked child, after heap.c reset its locks: the profiles from the
 * environment go on into .PID files (cprof__heap_atfork_child_resume). */
void cprof__heap_profile_atfork_child(void);

#endif
