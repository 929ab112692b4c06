/*
 * hash.h — the hashes of cprof's hash tables, header-only.
 *
 * FNV-1a for byte strings (names, interned strings) and one 64-bit mix for
 * integers and pointers (MurmurHash3's fmix64, first round: its shift-xor
 * folds the high bits into the low ones that a power-of-two table indexes
 * by, its multiply spreads every bit upwards).  A sequence of words
 * (several keys, a stack) folds in with cprof__hash_step.
 *
 * Tables never depend on slot order for their output: the values are part
 * of no format, except the flame graph's colours (report/flame_svg.c), which
 * hash names with cprof__fnv1a64 then cprof__mix64 — changing either changes
 * every colour.  Pure functions: async-signal-safe, thread-safe.
 */
#ifndef CPROF_BASE_HASH_H
#define CPROF_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a of p[0..n), 32 bits (offset basis 2166136261, prime 16777619). */
static inline uint32_t cprof__fnv1a32(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

/* FNV-1a of p[0..n), 64 bits (offset basis 0xcbf29ce484222325, prime
 * 0x100000001b3). */
static inline uint64_t cprof__fnv1a64(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

/* Mix the bits of x (a bijection; 0 maps to 0). */
static inline uint64_t cprof__mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

/* One step of a hash over a sequence of words (a stack's pcs, a record's
 * fields): h, then v folded in.  Start from any seed; order matters. */
static inline uint64_t cprof__hash_step(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 32);
}

#endif
