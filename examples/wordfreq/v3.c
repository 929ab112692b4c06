/*
 * v3 — the profile of v2: the time is in reading — fgetc (a locked call
 * per byte), realloc for every character of a word, malloc and free for
 * every word.  Step: fread 64 KiB blocks, letters found and lowercased
 * with one 256-entry table, the word built in a fixed buffer (words longer
 * than WORD_MAX are cut, as no word of a text is), a node's word copied
 * once, when the node is made.  The table is v2's.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wordfreq.h"

struct node {
	char *word;
	long count;
	struct node *next;   /* in the bucket */
	struct node *listed; /* every node, for the report */
};

struct table {
	struct node **bucket;
	size_t nbucket, n;
	struct node *all;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h;
}

static int grow(struct table *t)
{
	size_t nb = t->nbucket ? 2 * t->nbucket : 1024;
	struct node **b = calloc(nb, sizeof *b);
	if (!b)
		return -1;
	for (size_t i = 0; i < t->nbucket; i++)
		for (struct node *p = t->bucket[i], *next; p; p = next) {
			next = p->next;
			size_t k = fnv1a(p->word) & (nb - 1);
			p->next = b[k];
			b[k] = p;
		}
	free(t->bucket);
	t->bucket = b;
	t->nbucket = nb;
	return 0;
}

static struct node *lookup(struct table *t, const char *word)
{
	if (t->n >= t->nbucket && grow(t) != 0)
		return NULL;
	struct node **b = &t->bucket[fnv1a(word) & (t->nbucket - 1)];
	for (struct node *p = *b; p; p = p->next)
		if (strcmp(p->word, word) == 0)
			return p;
	struct node *p = malloc(sizeof *p);
	if (!p)
		return NULL;
	p->word = strdup(word);
	if (!p->word) {
		free(p);
		return NULL;
	}
	p->count = 0;
	p->next = *b;
	*b = p;
	p->listed = t->all;
	t->all = p;
	t->n++;
	return p;
}

static int by_count(const void *x, const void *y)
{
	const struct node *a = *(struct node *const *)x, *b = *(struct node *const *)y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->word, b->word);
}

enum { WORD_MAX = 255, BLOCK = 64 * 1024 };

int wordfreq_v3(FILE *in, FILE *out, int top)
{
	/* lower[c]: the lowercase letter, or 0 for a byte that ends a word */
	unsigned char lower[256] = {0};
	for (int c = 'a'; c <= 'z'; c++)
		lower[c] = lower[c - 'a' + 'A'] = (unsigned char)c;
	struct table t = {0};
	char word[WORD_MAX + 1];
	size_t len = 0;
	long words = 0, distinct = 0;
	int rc = 0;
	unsigned char *buf = malloc(BLOCK + 1);
	if (!buf)
		rc = -1;
	while (rc == 0) {
		size_t got = fread(buf, 1, BLOCK, in);
		int end = got < BLOCK; /* a short read: end of input or an error */
		if (end)
			buf[got++] = ' '; /* ends the last word */
		for (size_t i = 0; i < got; i++) {
			unsigned char c = lower[buf[i]];
			if (c) {
				if (len < WORD_MAX)
					word[len++] = (char)c;
				continue;
			}
			if (len == 0)
				continue;
			word[len] = '\0';
			len = 0;
			struct node *p = lookup(&t, word);
			if (!p) {
				rc = -1;
				break;
			}
			if (p->count++ == 0)
				distinct++;
			words++;
		}
		if (end)
			break;
	}
	free(buf);
	if (rc == 0 && ferror(in))
		rc = -1;
	struct node **v = NULL;
	if (rc == 0 && !(v = malloc((t.n ? t.n : 1) * sizeof *v)))
		rc = -1;
	if (rc == 0) {
		size_t n = 0;
		for (struct node *p = t.all; p; p = p->listed)
			v[n++] = p;
		qsort(v, n, sizeof *v, by_count);
		fprintf(out, "words %ld distinct %ld\n", words, distinct);
		for (size_t i = 0; i < n && i < (size_t)(top > 0 ? top : 0); i++)
			fprintf(out, "%7ld %s\n", v[i]->count, v[i]->word);
	} else {
		fprintf(stderr, "wordfreq: %s\n", ferror(in) ? "read error" : "out of memory");
	}
	while (t.all) {
		struct node *p = t.all;
		t.all = p->listed;
		free(p->word);
		free(p);
	}
	free(v);
	free(t.bucket);
	return rc;
}
