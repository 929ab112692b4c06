/*
 * tree.c — the `tree` and `peek` reports (pprof's printTree): for each node
 * its callers above and its callees below, with edge weights and their
 * share of the node's cum.
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cprof__report_tree(cprof__report *r, FILE *out, char *err, size_t errlen)
{
	static const char *sep =
		"----------------------------------------------------------+-------------";
	static const char *legend =
		"      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ";
	regex_t rx;
	bool has_rx = r->o.symbol != NULL;
	if (has_rx && cprof__symbol_regcomp(r, &rx, err, errlen) < 0)
		return -1;
	size_t orig = 0, dnodes = 0, dedges = 0;
	uint32_t *in_idx = NULL, *out_idx = NULL;
	size_t *in_start = NULL, *out_start = NULL;
	int ret = -1;
	if (cprof__graph_trimmed(r, &orig, &dnodes, &dedges) < 0 ||
	    cprof__group_edges(r, true, true, &in_idx, &in_start) < 0 ||
	    cprof__group_edges(r, false, true, &out_idx, &out_start) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	cprof__select_output_unit(r);
	cprof__print_labels(r, out, orig, dnodes, 0, false);
	fprintf(out, "%s\n%s\n", sep, legend);
	int64_t flat_sum = 0;
	size_t matched = 0;
	char b1[64], b2[64], b3[64], b4[64], b5[64];
	for (size_t i = 0; i < r->nlist; i++) {
		uint32_t id = r->list[i];
		cprof__gnode *n = &r->nodes[id];
		const char *name = cprof__node_name(r, n);
		if (has_rx && regexec(&rx, name, 0, NULL, 0) != 0)
			continue;
		matched++;
		int64_t flat = cprof__wdiv(n->flat, n->flatdiv);
		int64_t cum = cprof__wdiv(n->cum, n->cumdiv);
		fprintf(out, "%s\n", sep);
		for (size_t k = in_start[id]; k < in_start[id + 1]; k++) {
			const cprof__gedge *e = &r->edges[in_idx[k]];
			fprintf(out, "%50s %s |   %s%s\n",
				cprof__fmt_value(r, b1, sizeof(b1), e->weight),
				cprof__units_pct(b2, sizeof(b2), e->weight, cum),
				cprof__node_name(r, &r->nodes[e->src]),
				e->inline_ ? " (inline)" : "");
		}
		flat_sum = cprof__wadd(flat_sum, flat);
		fprintf(out, "%10s %s %s %10s %s                | %s\n",
			cprof__fmt_value(r, b1, sizeof(b1), flat),
			cprof__units_pct(b2, sizeof(b2), flat, r->total),
			cprof__units_pct(b3, sizeof(b3), flat_sum, r->total),
			cprof__fmt_value(r, b4, sizeof(b4), cum),
			cprof__units_pct(b5, sizeof(b5), cum, r->total), name);
		for (size_t k = out_start[id]; k < out_start[id + 1]; k++) {
			const cprof__gedge *e = &r->edges[out_idx[k]];
			fprintf(out, "%50s %s |   %s%s\n",
				cprof__fmt_value(r, b1, sizeof(b1), e->weight),
				cprof__units_pct(b2, sizeof(b2), e->weight, cum),
				cprof__node_name(r, &r->nodes[e->dst]),
				e->inline_ ? " (inline)" : "");
		}
	}
	if (r->nlist > 0)
		fprintf(out, "%s\n", sep);
	if (has_rx && matched == 0) {
		snprintf(err, errlen, "no matches found for regexp: %s", r->o.symbol);
		goto out;
	}
	ret = cprof__report_end(out, r->oom, err, errlen);
out:
	if (has_rx)
		regfree(&rx);
	free(in_idx);
	free(in_start);
	free(out_idx);
	free(out_start);
	return ret;
}
