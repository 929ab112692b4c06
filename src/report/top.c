/*
 * top.c — the `-top` / `-text` report (pprof's printText): header lines,
 * then one row per node: flat flat% sum% cum cum% name [(inline)].
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"

#include <stdio.h>
#include <string.h>

int cprof__report_text(cprof__report *r, FILE *out, char *err, size_t errlen)
{
	size_t orig = 0, dnodes = 0, dedges = 0;
	if (cprof__graph_trimmed(r, &orig, &dnodes, &dedges) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cprof__select_output_unit(r);
	cprof__print_labels(r, out, orig, dnodes, 0, false);
	fprintf(out, "%10s %5s%% %5s%% %10s %5s%%\n", "flat", "flat", "sum", "cum", "cum");
	int64_t flat_sum = 0;
	for (size_t i = 0; i < r->nlist; i++) {
		cprof__gnode *n = &r->nodes[r->list[i]];
		int64_t flat = cprof__wdiv(n->flat, n->flatdiv);
		int64_t cum = cprof__wdiv(n->cum, n->cumdiv);
		const char *inl = "";
		if (n->in_inline)
			inl = n->in_noinline ? " (partial-inline)" : " (inline)";
		flat_sum = cprof__wadd(flat_sum, flat);
		cprof__print_flat_cum(r, out, flat, flat_sum, cum);
		fprintf(out, "  %s%s\n", cprof__node_name(r, n), inl);
	}
	return cprof__report_end(out, false, err, errlen);
}
