/*
 * benchproc.h — benchstat's projection of results onto tables, rows and
 * columns, after golang.org/x/perf/benchproc:
 *   keys     .fullname, .name, .file, .unit, /sub-name keys, configuration
 *            keys; a -row or -col key may carry a sort order (@alpha,
 *            @num, @(v1 v2 ...), the last also a filter)
 *   names    Base/key=value/positional-GOMAXPROCS
 *   filters  -filter's language, parsed into an expression tree and
 *            evaluated per (result, unit)
 * Internal to src/benchstat/.  Errors of the filter parser go to the given
 * stream as one "cprof: benchstat: -filter: ..." line.
 */
#ifndef CPROF_BENCHSTAT_BENCHPROC_H
#define CPROF_BENCHSTAT_BENCHPROC_H

#include "compat.h"
#include "benchstat/benchfmt.h"
#include "base/sb.h"

#include <regex.h>
#include <stdio.h>

enum keykind { K_FULLNAME, K_NAME, K_FILE, K_UNIT, K_SUB, K_CONFIG };

enum keyorder { O_FIRST, O_ALPHA, O_NUM, O_FIXED };

struct key {
	enum keykind kind;
	char name[128]; /* the sub-name or config key */
	enum keyorder order;
	char fixed[512]; /* O_FIXED: the values, each followed by '\0', then '\0' */
};

/* -filter is an expression tree in an array: terms, NOT, AND, OR, "*" */
enum fkind { F_TRUE, F_TERM, F_NOT, F_AND, F_OR };

struct fnode {
	enum fkind kind;
	int a, b; /* children */
	bool re;
	struct key key;
	char *val;
	regex_t rx;
};

/* The command's options: the projection (-row, -col, -ignore) and -filter
 * that benchproc.c reads, the statistics' -alpha and -confidence, and the
 * output format. */
struct opts {
	double alpha, confidence;
	bool csv;
	struct key row, col;
	struct fnode *nodes;
	int nnodes, root;     /* root < 0: no filter */
	char ignore[16][128]; /* -ignore: config keys, .file, .fullname */
	int nignore;
};

/* Parse a key ("/size@num", "goos", ".name") into *k.  Returns 0, or -1
 * when spec names no key or has a bad order. */
int cprof__bp_parse_key(const char *spec, struct key *k);

/* Parse a -filter expression into o's tree (replacing it; "" means no
 * filter).  Returns 0, or -1 after one line to err (o then has no filter). */
int cprof__bp_parse_filter(const char *text, struct opts *o, FILE *err);

/* Free o's filter tree; o then has no filter. */
void cprof__bp_free_filter(struct opts *o);

/* Append the value of key k for result r measured in (tidied) unit to out;
 * false when r has no such sub-name or configuration key. */
bool cprof__bp_key_value(const struct cprof__bf_set *set, const struct cprof__bf_result *r,
			 const char *unit, const struct key *k, cprof__sb *out);

/* Does o's filter keep result r's value in raw_unit (as written) / unit
 * (tidied)?  True when there is no filter. */
bool cprof__bp_filter_ok(const struct opts *o, const struct cprof__bf_set *set,
			 const struct cprof__bf_result *r, const char *raw_unit, const char *unit);

/* Append r's row label: the -row key, minus the part a sub-name -col key
 * shows. */
void cprof__bp_row_value(const struct opts *o, const struct cprof__bf_set *set,
			 const struct cprof__bf_result *r, const char *unit, cprof__sb *out);

/* Is key listed in -ignore? */
bool cprof__bp_ignored(const struct opts *o, const char *key);

/* Is configuration key projected away (ignored, or the -row/-col key)? */
bool cprof__bp_is_proj_key(const struct opts *o, const char *key);

/* Position of v in k's @(...) order, or -1 if not listed. */
int cprof__bp_fixed_pos(const struct key *k, const char *v);

/* qsort_r comparator of interned value indices (size_t) by k's order, then
 * first-seen order; arg is a struct sortctx. */
struct sortctx {
	const struct key *k;
	char **str; /* the interned values */
};
int cprof__bp_cmp_keyed(const void *a, const void *b, void *arg);

#endif
