/*
 * v0 — the first version, as it is often written: characters one at a
 * time with fgetc, each word grown by one byte per character, a linked
 * list of distinct words searched from the head, and the list sorted by
 * insertion for the report.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "wordfreq.h"

struct node {
	char *word;
	long count;
	struct node *next;
};

/* A new word goes at the tail: the list keeps the order of first use. */
static struct node *lookup(struct node **head, const char *word)
{
	struct node **q = head;
	for (; *q; q = &(*q)->next)
		if (strcmp((*q)->word, word) == 0)
			return *q;
	struct node *p = malloc(sizeof *p);
	if (!p)
		return NULL;
	p->word = strdup(word);
	if (!p->word) {
		free(p);
		return NULL;
	}
	p->count = 0;
	p->next = NULL;
	*q = p;
	return p;
}

/* Most frequent first, then by word. */
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
		head = head->next;
		while (*q && before(*q, p))
			q = &(*q)->next;
		p->next = *q;
		*q = p;
	}
	return sorted;
}

int wordfreq_v0(FILE *in, FILE *out, int top)
{
	struct node *head = NULL;
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
			struct node *p = lookup(&head, word);
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
		head = sort_list(head);
		fprintf(out, "words %ld distinct %ld\n", words, distinct);
		int i = 0;
		for (struct node *p = head; p && i < top; p = p->next, i++)
			fprintf(out, "%7ld %s\n", p->count, p->word);
	} else {
		fprintf(stderr, "wordfreq: %s\n", ferror(in) ? "read error" : "out of memory");
	}
	while (head) {
		struct node *p = head;
		head = head->next;
		free(p->word);
		free(p);
	}
	return rc;
}
