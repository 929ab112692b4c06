/*
 * v2 — the profile of v1: sort_list() on top, an insertion sort of the
 * distinct words into a list (quadratic in their number).  Step: the
 * nodes into an array, sorted by qsort.  Everything else is v1's.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <ctype.h>
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

int wordfreq_v2(FILE *in, FILE *out, int top)
{
	struct table t = {0};
	char *word = NULL;
	size_t len = 0;
	long words = 0, distinct = 0;
	int c, rc = 0;
	do {
		c = fgetc(in);
		if (c != EOF && isalpha(c)) { /* the C locale: ASCII letters */
			char *w = realloc(word, len + 2);
			if (!w) {
				rc = -1;
				break;
			}
			word = w;
			word[len++] = (char)tolower(c);
			word[len] = '\0';
		} else if (len > 0) {
			struct node *p = lookup(&t, word);
			if (!p) {
				rc = -1;
				break;
			}
			if (p->count++ == 0)
				distinct++;
			words++;
			free(word);
			word = NULL;
			len = 0;
		}
	} while (c != EOF);
	free(word);
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
