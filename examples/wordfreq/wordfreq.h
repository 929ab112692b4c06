/*
 * wordfreq.h — the word-frequency counter, one function per optimisation
 * step (v0.c ... v4.c), all with the same contract and the same output.
 *
 * A word is a maximal run of ASCII letters, lowercased.  Prints
 *
 *     words W distinct D
 *     COUNT WORD            (the `top` most frequent words, most frequent
 *     ...                    first, ties in byte order of the word)
 *
 * to out.  Returns 0, or -1 on a read error or when out of memory (after
 * printing a one-line message to stderr).
 */
#ifndef WORDFREQ_H
#define WORDFREQ_H
#include <stdio.h>

typedef int wordfreq_fn(FILE *in, FILE *out, int top);

wordfreq_fn wordfreq_v0, wordfreq_v1, wordfreq_v2, wordfreq_v3, wordfreq_v4;

struct wordfreq_version {
	const char *name;
	wordfreq_fn *fn;
	const char *what; /* the step, in a few words */
};

/* Every version, oldest first, ending with { NULL }. */
extern const struct wordfreq_version wordfreq_versions[];

#endif
