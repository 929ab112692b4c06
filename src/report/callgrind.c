/*
 * callgrind.c — the call graph in callgrind format for KCachegrind (pprof's
 * printCallgrind): address granularity, no trimming, cost lines per node
 * and call lines per out-edge, with callgrind's "(N) name" compression.
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* callgrind's name compression: "(N) name" the first time, "(N)" after. */
static void cg_name(FILE *out, uint32_t *ids, uint32_t *next, const cprof__report *r, int64_t s)
{
	if (s == 0)
		return;
	if (ids[s]) {
		fprintf(out, "(%u)", ids[s]);
		return;
	}
	ids[s] = ++*next;
	fprintf(out, "(%u) %s", ids[s], cprof__profile_string(&r->strs, s));
}

/* callgrind's subposition compression relative to the previous node. */
static void cg_address(char *buf, size_t n, const cprof__ninfo *prev, uint64_t cur)
{
	char abs_[32], rel[32];
	snprintf(abs_, sizeof(abs_), "0x%llx", (unsigned long long)cur);
	if (!prev) {
		snprintf(buf, n, "%s", abs_);
		return;
	}
	if (prev->address == cur) {
		snprintf(buf, n, "*");
		return;
	}
	snprintf(rel, sizeof(rel), "%+lld", (long long)(int64_t)(cur - prev->address));
	snprintf(buf, n, "%s", strlen(rel) < strlen(abs_) ? rel : abs_);
}

struct gctx {
	const cprof__report *r;
	const uint32_t *pos;
};

static int group_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct gctx *c = ctx;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	const cprof__ninfo *x = &c->r->nodes[a].info, *y = &c->r->nodes[b].info;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->name != y->name)
		return x->name < y->name ? -1 : 1;
	return c->pos[a] < c->pos[b] ? -1 : c->pos[a] > c->pos[b];
}

/* pprof's Node.Function: a node's NodeInfo without address and line; in a
 * call tree, also the parent the node was created under. */
static bool same_function(const cprof__gnode *x, const cprof__gnode *y)
{
	const cprof__ninfo *a = &x->info, *b = &y->info;
	return a->orig == b->orig && a->start_line == b->start_line && a->objfile == b->objfile &&
	       x->ctx == y->ctx;
}

int cprof__report_callgrind(cprof__report *r, FILE *out, char *err, size_t errlen)
{
	size_t orig, dn, de;
	int ret = -1;
	uint32_t *pos = NULL, *sorted = NULL, *ob = NULL, *fl = NULL, *fn = NULL, *eidx = NULL;
	int64_t *dname = NULL;
	size_t *estart = NULL;
	if (cprof__graph_trimmed(r, &orig, &dn, &de) < 0)
		goto oom;
	cprof__select_output_unit(r);
	/* pprof's getDisambiguatedNames: " [i/n]" when one (file, name) covers
	 * several functions (different object files or start lines, or, in a
	 * call tree, different callers). */
	pos = calloc(r->nnodes + 1, sizeof(*pos));
	sorted = malloc((r->nlist + 1) * sizeof(*sorted));
	dname = calloc(r->nnodes + 1, sizeof(*dname));
	if (!pos || !sorted || !dname)
		goto oom;
	for (size_t i = 0; i < r->nlist; i++) {
		pos[r->list[i]] = (uint32_t)i;
		sorted[i] = r->list[i];
		dname[r->list[i]] = r->nodes[r->list[i]].info.name;
	}
	struct gctx gc = {r, pos};
	qsort_r(sorted, r->nlist, sizeof(*sorted), group_cmp, &gc);
	for (size_t i = 0; i < r->nlist;) {
		size_t j = i;
		const cprof__ninfo *head = &r->nodes[sorted[i]].info;
		while (j < r->nlist && r->nodes[sorted[j]].info.file == head->file &&
		       r->nodes[sorted[j]].info.name == head->name)
			j++;
		/* Distinct functions in order of first appearance. */
		size_t nf = 0;
		uint32_t *fidx = calloc(j - i, sizeof(*fidx));
		if (!fidx)
			goto oom;
		for (size_t k = i; k < j; k++) {
			size_t q = i;
			for (; q < k; q++)
				if (same_function(&r->nodes[sorted[q]], &r->nodes[sorted[k]]))
					break;
			fidx[k - i] = q < k ? fidx[q - i] : (uint32_t)nf++;
		}
		if (nf > 1)
			for (size_t k = i; k < j; k++) {
				char *s;
				if (asprintf(&s, "%s [%u/%zu]",
					     cprof__profile_string(&r->strs, head->name),
					     fidx[k - i] + 1, nf) < 0) {
					free(fidx);
					goto oom;
				}
				dname[sorted[k]] = cprof__profile_str(&r->strs, s);
				free(s);
			}
		free(fidx);
		i = j;
	}
	if (r->strs.oom)
		goto oom;
	ob = calloc(r->strs.str.n + 1, sizeof(*ob));
	fl = calloc(r->strs.str.n + 1, sizeof(*fl));
	fn = calloc(r->strs.str.n + 1, sizeof(*fn));
	if (!ob || !fl || !fn || cprof__group_edges(r, false, true, &eidx, &estart) < 0)
		goto oom;
	uint32_t nob = 0, nfl = 0, nfn = 0;
	fprintf(out, "positions: instr line\n");
	fprintf(out, "events: %s(%s)\n", r->stype, r->out_unit);
	const cprof__ninfo *prev = NULL;
	char a[40];
	const char *u;
	for (size_t i = 0; i < r->nlist; i++) {
		uint32_t id = r->list[i];
		const cprof__gnode *n = &r->nodes[id];
		const cprof__ninfo *in = &n->info;
		if (!prev || in->objfile != prev->objfile || in->file != prev->file ||
		    in->name != prev->name) {
			fprintf(out, "\nob=");
			cg_name(out, ob, &nob, r, in->objfile);
			fprintf(out, "\nfl=");
			cg_name(out, fl, &nfl, r, in->file);
			fprintf(out, "\nfn=");
			cg_name(out, fn, &nfn, r, in->name);
			fprintf(out, "\n");
		}
		cg_address(a, sizeof(a), prev, in->address);
		int64_t flat = cprof__wdiv(n->flat, n->flatdiv);
		double sv = cprof__units_scale(flat, r->sunit, r->out_unit, &u);
		fprintf(out, "%s %lld %lld\n", a, (long long)in->lineno, (long long)cprof__f2i(sv));
		for (size_t k = estart[id]; k < estart[id + 1]; k++) {
			const cprof__gedge *e = &r->edges[eidx[k]];
			const cprof__gnode *callee = &r->nodes[e->dst];
			double c = cprof__units_scale(e->weight, r->sunit, r->out_unit, &u);
			fprintf(out, "cfl=");
			cg_name(out, fl, &nfl, r, callee->info.file);
			fprintf(out, "\ncfn=");
			/* (A callee outside the graph, all zero, has no name in
			 * pprof's table: "cfn=".) */
			cg_name(out, fn, &nfn, r, dname[e->dst]);
			cg_address(a, sizeof(a), prev, callee->info.address);
			fprintf(out, "\ncalls=0 %s %lld\n", a, (long long)callee->info.lineno);
			fprintf(out, "* * %lld\n", (long long)cprof__f2i(c));
		}
		prev = in;
	}
	ret = cprof__report_end(out, r->oom, err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(pos);
	free(sorted);
	free(dname);
	free(ob);
	free(fl);
	free(fn);
	free(eidx);
	free(estart);
	return ret;
}
