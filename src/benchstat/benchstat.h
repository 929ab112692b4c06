/*
 * benchstat.h — `cprof benchstat`: Go's benchstat (golang.org/x/perf/
 * cmd/benchstat) in C.  Tables of medians with 95 % confidence intervals,
 * A/B comparisons by Mann–Whitney U, geomean rows, footnoted warnings, in
 * benchstat's text or CSV layout.  docs/BENCH.md describes the options.
 */
#ifndef CPROF_BENCHSTAT_BENCHSTAT_H
#define CPROF_BENCHSTAT_BENCHSTAT_H

#include "compat.h"

#include <stdio.h>

/* The flags benchstat takes: "-alpha", its value's name, a line of help.
 * The parser reads them; cprof's help and man page show them. */
typedef struct cprof__benchstat_flag {
	const char *name, *arg, *help;
} cprof__benchstat_flag;
extern const cprof__benchstat_flag cprof__benchstat_flags[];
extern const size_t cprof__benchstat_nflags;

/* Run benchstat with argv (argv[0] is the command name).  Output to out,
 * syntax warnings and errors to err.  Returns the exit status. */
int cprof__benchstat_main(int argc, char **argv, FILE *out, FILE *err);

/* Render benchstat's default report of one in-memory input (the fuzz
 * entry point and the corpus replay use this).  Never fails on bad input;
 * returns 0, or -1 when out of memory. */
int cprof__benchstat_buffer(const char *buf, size_t len, FILE *out, FILE *err);

#endif
