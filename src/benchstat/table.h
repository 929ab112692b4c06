/*
 * table.h — benchstat's output of built tables (benchstat_internal.h):
 * Go benchstat's text layout (aligned columns, "vs base", footnoted
 * warnings) or its CSV form (warnings to err as "CELL: message").
 * Internal to src/benchstat/.
 */
#ifndef CPROF_BENCHSTAT_TABLE_H
#define CPROF_BENCHSTAT_TABLE_H

#include "compat.h"
#include "benchstat/benchstat_internal.h"

#include <stdio.h>

/* Print every table of b to out, in b->o's format; CSV warnings to err.
 * Nothing is written when memory runs out: returns -1, else 0. */
int cprof__table_render(const struct bs *b, FILE *out, FILE *err);

#endif
