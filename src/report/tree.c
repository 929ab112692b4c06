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

/* A caller or callee line: the edge's weight, its share of the node's cum,
 * the node at its other end. */
static void print_edge(cprof__report *r, FILE *out, const cprof__gedge *e, uint32_t other,
		       int64_t cum)
{
	char w[64], pct[32];
	fprintf(out, "%50s %s |   %s%s\n", cprof__fmt_value(r, w, sizeof(w), e->weight),
		cprof__units_pct(pct, sizeof(pct), e->weight, cum),
		cprof__node_name(r, &r->nodes[other]), e->inline_ ? " (inline)" : "");
}

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
	/* Peek prints the edges of the matching nodes only (below, and
	 * nothing else of the graph depends on edges in a text report). */
	for (size_t i = 0; has_rx && i < r->nnodes; i++)
		r->nodes[i].peeked = !regexec(&rx, cprof__node_name(r, &r->nodes[i]), 0, NULL, 0);
	r->edges_peeked = has_rx;
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
			print_edge(r, out, e, e->src, cum);
		}
		flat_sum = cprof__wadd(flat_sum, flat);
		cprof__print_flat_cum(r, out, flat, flat_sum, cum);
		fprintf(out, "                | %s\n", name);
		for (size_t k = out_start[id]; k < out_start[id + 1]; k++) {
			const cprof__gedge *e = &r->edges[out_idx[k]];
			print_edge(r, out, e, e->dst, cum);
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
	r->edges_peeked = false;
	if (has_rx)
		regfree(&rx);
	free(in_idx);
	free(in_start);
	free(out_idx);
	free(out_start);
	return ret;
}
