/*
 * benchfmt.h — reader of the Go benchmark data format
 * (golang.org/design/14313-benchmark-format), from any producer: Go's
 * `go test -bench`, cprof's harness, anything printing the same lines.
 *
 *   key: value                       configuration, applies to what follows
 *   BenchmarkName N v unit [v unit]  a result
 *   Unit unit key=value...           unit metadata (assume=exact|nothing)
 *   anything else                    ignored
 *
 * Malformed result and Unit lines are reported as "FILE:LINE: message" and
 * skipped; parsing never stops on bad input.  Every count and length is
 * bounded (lines <= 1 MiB, <= 1024 values a line).  Not thread-safe per set.
 */
#ifndef CPROF_BENCHSTAT_BENCHFMT_H
#define CPROF_BENCHSTAT_BENCHFMT_H

#include "compat.h"

#include <stdio.h>

struct cprof__bf_value {
	double v;
	char *unit;
};

struct cprof__bf_result {
	size_t file;   /* index into set.files */
	int line;      /* 1-based */
	char *name;    /* full name without the "Benchmark" prefix */
	size_t config; /* index into set.configs */
	size_t nvals;
	struct cprof__bf_value *vals;
};

struct cprof__bf_kv {
	char *key, *val;
};

/* A snapshot of the file configuration in effect for some results. */
struct cprof__bf_config {
	size_t n;
	struct cprof__bf_kv *kv;
};

struct cprof__bf_unitmeta {
	char *unit, *key, *val;
};

struct cprof__bf_set {
	char **files;
	size_t nfiles;
	struct cprof__bf_result *res;
	size_t nres, capres;
	struct cprof__bf_config *configs;
	size_t nconfigs, capconfigs;
	char **keys; /* configuration keys, first-seen order */
	size_t nkeys;
	struct cprof__bf_unitmeta *meta;
	size_t nmeta;
};

/* Parse buf[0..len) as the file `label` into s.  Syntax errors go to err.
 * Returns the number of syntax errors, or -1 when out of memory. */
int cprof__bf_parse(struct cprof__bf_set *s, const char *label, const char *buf, size_t len,
		    FILE *err);

/* The metadata value of `key` for a (tidied) unit, or NULL. */
const char *cprof__bf_unit_meta(const struct cprof__bf_set *s, const char *unit, const char *key);

/* The value of configuration key in snapshot c, or NULL if unset. */
const char *cprof__bf_config_get(const struct cprof__bf_set *s, size_t c, const char *key);

void cprof__bf_free(struct cprof__bf_set *s);

/* benchunit: tidy a unit ("ns/op" -> "sec/op" x1e-9, "MB/s" -> "B/s"
 * x1e6; ns and MB only in the numerator).  Writes the tidied unit to out. */
double cprof__bf_tidy(const char *unit, char *out, size_t size);
/* Binary (1024) scaling if the numerator counts bytes (B, MB, bytes). */
bool cprof__bf_unit_binary(const char *unit);

#endif
