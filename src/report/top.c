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
	char fv[64], cv[64], fp[32], sp[32], cp[32];
	for (size_t i = 0; i < r->nlist; i++) {
		cprof__gnode *n = &r->nodes[r->list[i]];
		int64_t flat = cprof__wdiv(n->flat, n->flatdiv);
		int64_t cum = cprof__wdiv(n->cum, n->cumdiv);
		const char *inl = "";
		if (n->in_inline)
			inl = n->in_noinline ? " (partial-inline)" : " (inline)";
		flat_sum = cprof__wadd(flat_sum, flat);
		fprintf(out, "%10s %s %s %10s %s  %s%s\n",
			cprof__fmt_value(r, fv, sizeof(fv), flat),
			cprof__units_pct(fp, sizeof(fp), flat, r->total),
			cprof__units_pct(sp, sizeof(sp), flat_sum, r->total),
			cprof__fmt_value(r, cv, sizeof(cv), cum),
			cprof__units_pct(cp, sizeof(cp), cum, r->total), cprof__node_name(r, n),
			inl);
	}
	return cprof__report_end(out, false, err, errlen);
}
