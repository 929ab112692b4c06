/*
 * v1 — the profile of v0: 75 % of the time in lookup()'s strcmp, walking
 * the list of distinct words for every word read.  Step: a hash table
 * (chained, FNV-1a, doubled when the load passes 1).  Everything else is
 * v0's.
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

static int before(const struct node *a, const struct node *b)
{
	if (a->count != b->count)
		return a->count > b->count;
	return strcmp(a->word, b->word) < 0;
}

static struct node *sort_list(struct node *head)
{
	struct node *sorted = NULL;
	while (head) {
		struct node *p = head, **q = &sorted;
		head = head->listed;
		while (*q && before(*q, p))
			q = &(*q)->listed;
		p->listed = *q;
		*q = p;
	}
	return sorted;
}

int wordfreq_v1(FILE *in, FILE *out, int top)
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
	if (rc == 0) {
		struct node *head = sort_list(t.all);
		fprintf(out, "words %ld distinct %ld\n", words, distinct);
		int i = 0;
		for (struct node *p = head; p && i < top; p = p->listed, i++)
			fprintf(out, "%7ld %s\n", p->count, p->word);
		t.all = head;
	} else {
		fprintf(stderr, "wordfreq: %s\n", ferror(in) ? "read error" : "out of memory");
	}
	while (t.all) {
		struct node *p = t.all;
		t.all = p->listed;
		free(p->word);
		free(p);
	}
	free(t.bucket);
	return rc;
}
