/*
 * units.h — pprof's measurement scaling and formatting (internal/measurement
 * of google/pprof): unit families (bytes, time, GCU), "minimum"/"auto"
 * scaling, value labels ("1.10s", "62.50MB", "0") and percentages
 * ("  100%", "98.21%", "0.041%").  Pure functions; thread-safe.
 */
#ifndef CPROF_REPORT_UNITS_H
#define CPROF_REPORT_UNITS_H

#include "compat.h"

/* Scale value from unit `from` to unit `to` ("minimum"/"auto" pick the
 * largest unit keeping the value >= 1).  *out_unit receives the canonical
 * unit name of the result, or "" when uninteresting ("count", "sample"...);
 * for unknown units it is `to` itself (not copied: it points into `to` or a
 * static table). */
double cprof__units_scale(int64_t value, const char *from, const char *to, const char **out_unit);

/* "%.2f" of the scaled value without a trailing ".00", plus the unit;
 * "0" for zero.  Writes at most n bytes (NUL-terminated); returns buf. */
char *cprof__units_label(char *buf, size_t n, int64_t value, const char *from, const char *to);

/* pprof's Percentage(): always 6 columns for normal ratios. */
char *cprof__units_pct(char *buf, size_t n, int64_t value, int64_t total);

/* True if `unit` names a known unit (any family), after pprof's sniffing
 * (lower case, trailing 's' dropped when longer than 2 characters). */
bool cprof__units_known(const char *unit);

#endif
