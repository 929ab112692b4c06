/*
 * benchunit.h — numbers as Go's benchstat prints them (golang.org/x/perf/
 * benchunit's scaler; Go's %v of a float64).  Unit tidying ("ns/op" ->
 * "sec/op") is the reader's, cprof__bf_tidy() in benchfmt.h.  Pure
 * functions; internal to src/benchstat/.
 */
#ifndef CPROF_BENCHSTAT_BENCHUNIT_H
#define CPROF_BENCHSTAT_BENCHUNIT_H

#include "compat.h"

#include <stddef.h>

/* How a row of values is printed: prec decimals of v / factor, then the
 * prefix ("k", "Mi", "n"...). */
struct scaler {
	int prec;
	double factor;
	const char *prefix;
};

/* The scaler for vals[0..n): SI prefixes (or IEC if binary) chosen by the
 * smallest non-zero magnitude, 3 or 4 significant digits. */
struct scaler cprof__bu_scale(const double *vals, size_t n, bool binary);

/* v formatted with s into buf. */
void cprof__bu_scale_fmt(struct scaler s, double v, char *buf, size_t size);

/* Go's %v of a float64: the fewest digits that round-trip, %e form when
 * the decimal exponent is < -4 or >= 6 (strconv's shortest 'g'). */
void cprof__bu_go_float(double v, char *buf, size_t size);

#endif
