/*
 * v4 — the profile of v3: lookup() on top — fnv1a() reads each word a
 * second time, then the bucket's chain is chased through nodes and
 * strdup'ed strings scattered over the heap, with a strcmp per node.
 * Step: the hash computed while the letters are read, an open-addressing
 * table of {hash, count, word} slots (linear probing, doubled at 1/2 full)
 * compared by hash before the bytes, and the words packed one after the
 * other in one growing arena instead of one malloc each.  Reading is v3's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wordfreq.h"

struct slot {
	uint64_t hash;  /* 0: empty (a real hash of 0 is stored as 1) */
	long count;
	uint32_t off;   /* the word in the arena, NUL-terminated */
	uint32_t len;
};

struct table {
	struct slot *slot;
	size_t mask, n;
	char *arena;
	size_t used, cap;
};

static int grow(struct table *t)
{
	size_t nslot = t->slot ? 2 * (t->mask + 1) : 4096;
	struct slot *s = calloc(nslot, sizeof *s);
	if (!s)
		return -1;
	for (size_t i = 0; t->slot && i <= t->mask; i++) {
		if (!t->slot[i].hash)
			continue;
		size_t k = t->slot[i].hash & (nslot - 1);
		while (s[k].hash)
			k = (k + 1) & (nslot - 1);
		s[k] = t->slot[i];
	}
	free(t->slot);
	t->slot = s;
	t->mask = nslot - 1;
	return 0;
}

static struct slot *lookup(struct table *t, uint64_t h, const char *word, size_t len)
{
	h = h ? h : 1;
	size_t k = h & t->mask;
	for (; t->slot[k].hash; k = (k + 1) & t->mask) {
		struct slot *s = &t->slot[k];
		if (s->hash == h && s->len == len && memcmp(t->arena + s->off, word, len) == 0)
			return s;
	}
	/* a new word: into the arena, then the slot */
	if (t->used + len + 1 > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1 << 16;
		while (cap < t->used + len + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return NULL;
		char *a = realloc(t->arena, cap);
		if (!a)
			return NULL;
		t->arena = a;
		t->cap = cap;
	}
	memcpy(t->arena + t->used, word, len);
	t->arena[t->used + len] = '\0';
	struct slot *s = &t->slot[k];
	*s = (struct slot){h, 0, (uint32_t)t->used, (uint32_t)len};
	t->used += len + 1;
	if (++t->n * 2 > t->mask + 1) {
		if (grow(t) != 0)
			return NULL;
		return lookup(t, h, word, len); /* its new place */
	}
	return s;
}

static const char *sort_arena; /* qsort has no context argument */

static int by_count(const void *x, const void *y)
{
	const struct slot *a = x, *b = y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(sort_arena + a->off, sort_arena + b->off);
}

enum { WORD_MAX = 255, BLOCK = 64 * 1024 };

int wordfreq_v4(FILE *in, FILE *out, int top)
{
	unsigned char lower[256] = {0};
	for (int c = 'a'; c <= 'z'; c++)
		lower[c] = lower[c - 'a' + 'A'] = (unsigned char)c;
	struct table t = {0};
	char word[WORD_MAX + 1];
	size_t len = 0;
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a, as the letters arrive */
	long words = 0;
	int rc = 0;
	unsigned char *buf = malloc(BLOCK + 1);
	if (!buf || grow(&t) != 0)
		rc = -1;
	while (rc == 0) {
		size_t got = fread(buf, 1, BLOCK, in);
		int end = got < BLOCK; /* a short read: end of input or an error */
		if (end)
			buf[got++] = ' '; /* ends the last word */
		for (size_t i = 0; i < got; i++) {
			unsigned char c = lower[buf[i]];
			if (c) {
				if (len < WORD_MAX) {
					word[len++] = (char)c;
					h = (h ^ c) * 0x100000001b3u;
				}
				continue;
			}
			if (len == 0)
				continue;
			struct slot *s = lookup(&t, h, word, len);
			if (!s) {
				rc = -1;
				break;
			}
			s->count++;
			words++;
			len = 0;
			h = 0xcbf29ce484222325u;
		}
		if (end)
			break;
	}
	free(buf);
	if (rc == 0 && ferror(in))
		rc = -1;
	if (rc == 0) {
		/* the occupied slots to the front, then sorted */
		size_t n = 0;
		for (size_t i = 0; i <= t.mask; i++)
			if (t.slot[i].hash)
				t.slot[n++] = t.slot[i];
		sort_arena = t.arena;
		qsort(t.slot, n, sizeof *t.slot, by_count);
		fprintf(out, "words %ld distinct %zu\n", words, n);
		for (size_t i = 0; i < n && i < (size_t)(top > 0 ? top : 0); i++)
			fprintf(out, "%7ld %s\n", t.slot[i].count, t.arena + t.slot[i].off);
	} else {
		fprintf(stderr, "wordfreq: %s\n", ferror(in) ? "read error" : "out of memory");
	}
	free(t.slot);
	free(t.arena);
	return rc;
}
