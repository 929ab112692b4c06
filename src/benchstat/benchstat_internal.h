/*
 * benchstat_internal.h — the tables `cprof benchstat` builds (benchstat.c)
 * and prints (table.c): observations projected into tables of cells, each
 * cell a sample with its summary and its comparison with the baseline
 * column.  Internal to src/benchstat/; never installed.
 */
#ifndef CPROF_BENCHSTAT_INTERNAL_H
#define CPROF_BENCHSTAT_INTERNAL_H

#include "compat.h"
#include "benchstat/benchfmt.h"
#include "benchstat/benchproc.h"

#include <stdio.h>

/* An interning table: string -> dense index, in first-seen order. */
struct intern {
	char **str;
	size_t n, cap;
	size_t *slot; /* open addressing, index + 1 */
	size_t nslot;
};

struct obs {
	size_t table, row, col, fullname, file;
	double v;
};

struct cell {
	bool present;
	size_t n, cap;
	double *v;
	size_t fullname, file; /* first seen, to detect variation */
	bool vary_fullname, vary_file;
	/* summary */
	double center, lo, hi;
	char *warn[3];
	int nwarn;
	/* comparison with the baseline column */
	bool has_base;
	double p;
	int n1, n2;
	char *cwarn[2];
	int ncwarn;
};

struct table {
	size_t config; /* a representative config snapshot */
	char *unit;
	bool exact, binary;
	size_t *rows, nrows; /* global row indices, first-seen order */
	size_t *cols, ncols;
	struct cell *cells; /* nrows x ncols */
	/* geomean row */
	bool has_sum[64];
	double sum[64];
	bool has_ratio[64];
	double ratio[64];
	char *gwarn[64][3];
	int ngwarn[64];
};

struct bs {
	FILE *err;
	struct opts o;
	struct cprof__bf_set set;
	struct intern tables, rows, cols, names, files;
	struct obs *obs;
	size_t nobs, capobs;
	struct table *t;
	size_t nt;
	char **tkeys; /* the config keys that split tables, first-seen order */
	size_t ntkeys;
};

#endif
