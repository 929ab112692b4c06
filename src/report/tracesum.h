/*
 * tracesum.h — `cprof trace`'s summary of an execution trace (Chrome
 * trace-event JSON, as libcprof writes it; docs/TRACE.md): per thread the
 * time running (its CPU samples' weight) and blocked (by reason), the
 * longest waits with their stacks, and the events the recorder dropped.
 * Traces of other producers are read too: what has no cprof meaning
 * (their own categories) is counted as events and otherwise left out.
 */
#ifndef CPROF_REPORT_TRACESUM_H
#define CPROF_REPORT_TRACESUM_H

#include "compat.h"
#include "profio/json.h"

#include <stdio.h>

/* Summarise doc (the JSON Object Format, {"traceEvents": [...]}, or the
 * bare array of events) into out, with the `top` longest waits.  0, or -1
 * with a one-line message in err when doc is not a trace. */
int cprof__trace_summary(const cprof__json *doc, int top, FILE *out, char *err, size_t errlen);

#endif
