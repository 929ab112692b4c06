/*
 * dot.c — the call graph in Graphviz DOT (pprof's graph/dotgraph.go): a
 * legend, one box per node (font size by flat share, colour by cum share),
 * label/numeric tag "nodelets", and edges weighted and coloured by value,
 * dotted when they skip removed nodes.  -svg/-png/-pdf pipe it through
 * Graphviz `dot` (cmd_report.c).
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"
#include "base/sb.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t abs64(int64_t v)
{
	return cprof__wabs(v);
}

/* Replace every `from` by `to`. */
static char *replace_all(const char *s, const char *from, const char *to)
{
	cprof__sb b = CPROF_SB_INIT;
	size_t fl = strlen(from);
	for (const char *p = s;;) {
		const char *q = strstr(p, from);
		if (!q) {
			cprof__sb_puts(&b, p);
			break;
		}
		cprof__sb_add(&b, p, (size_t)(q - p));
		cprof__sb_puts(&b, to);
		p = q + fl;
	}
	return cprof__sb_detach(&b);
}

/* pprof's escapeForDot: \ -> \\, " -> \", newline -> \l. */
static char *escape_dot(const char *s)
{
	cprof__sb b = CPROF_SB_INIT;
	for (; *s; s++) {
		if (*s == '\\')
			cprof__sb_puts(&b, "\\\\");
		else if (*s == '"')
			cprof__sb_puts(&b, "\\\"");
		else if (*s == '\n')
			cprof__sb_puts(&b, "\\l");
		else
			cprof__sb_add(&b, s, 1);
	}
	return cprof__sb_detach(&b);
}

static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Regex-free parts of pprof's ShortenFunctionName. */
static char *shorten_go(const char *f)
{
	/* goVerRegExp: drop the first "/vN" major version followed by . or /. */
	char *s = strdup(f);
	if (!s)
		return NULL;
	for (char *p = s; (p = strstr(p, "/v")) != NULL; p++) {
		const char *d = p + 2;
		size_t nd = 0;
		while (isdigit((unsigned char)d[nd]))
			nd++;
		bool ok = (nd == 1 && d[0] >= '2') || (nd >= 2 && d[0] != '0');
		if (ok && (d[nd] == '.' || d[nd] == '/')) {
			memmove(p, d + nd, strlen(d + nd) + 1);
			break;
		}
	}
	return s;
}

/* goRegExp ^(?:[\w\-\.]+\/)+(.+): the part after the last package path. */
static const char *go_suffix(const char *f)
{
	size_t n = strlen(f), pos = 0;
	const char *last = NULL;
	for (;;) {
		size_t j = pos;
		while (j < n && (is_word(f[j]) || f[j] == '-' || f[j] == '.'))
			j++;
		if (j == pos || j >= n || f[j] != '/')
			break;
		pos = j + 1;
		if (pos < n)
			last = f + pos;
	}
	return last;
}

static char *shorten_name(const char *name)
{
	const char *anon = "(anonymous namespace)::";
	if (!strncmp(name, anon, strlen(anon)))
		name += strlen(anon);
	char *f = shorten_go(name);
	if (!f)
		return NULL;
	const char *g = go_suffix(f);
	if (g) {
		char *r = strdup(g);
		free(f);
		return r;
	}
	static const char *pats[] = {
		/* javaRegExp */
		"^([a-z][[:alnum:]_]*\\.)*([A-Z][[:alnum:]_$]*\\.(<init>|[a-z][[:alnum:]_$]*(\\$[0-9]+)?))(\\(|$)",
		/* cppRegExp */
		"^([_a-zA-Z][[:alnum:]_]*::)+(_*[A-Z][[:alnum:]_]*::~?[_a-zA-Z][[:alnum:]_]*(<.*>)?)",
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(pats); i++) {
		regex_t re;
		if (regcomp(&re, pats[i], REG_EXTENDED))
			continue;
		regmatch_t m[6];
		int rc = regexec(&re, f, 6, m, 0);
		regfree(&re);
		if (rc == 0 && m[2].rm_so >= 0) {
			char *r = strndup(f + m[2].rm_so, (size_t)(m[2].rm_eo - m[2].rm_so));
			free(f);
			return r;
		}
	}
	return f;
}

/* pprof's multilinePrintableName. */
static char *multiline_name(cprof__report *r, const cprof__gnode *n)
{
	const cprof__ninfo *i = &n->info;
	const char *name = cprof__profile_string(&r->strs, i->name);
	char *s1 = shorten_name(name), *s2 = s1 ? escape_dot(s1) : NULL;
	char *s3 = s2 ? replace_all(s2, "::", "\\n") : NULL;
	char *s4 = s3 ? replace_all(s3, "[...]", "[\xe2\x80\xa6]") : NULL;
	char *nm = s4 ? replace_all(s4, ".", "\\n") : NULL;
	free(s1);
	free(s2);
	free(s3);
	free(s4);
	if (!nm)
		return NULL;
	cprof__sb b = CPROF_SB_INIT;
	char tmp[64], base[4096];
	if (i->address) {
		snprintf(tmp, sizeof(tmp), "%016llx\\n", (unsigned long long)i->address);
		cprof__sb_puts(&b, tmp);
	}
	if (*nm) {
		cprof__sb_puts(&b, nm);
		cprof__sb_puts(&b, "\\n");
	}
	const char *file = cprof__profile_string(&r->strs, i->file);
	if (*file)
		file = cprof__path_base(file, base, sizeof(base));
	if (i->lineno != 0) {
		cprof__sb_puts(&b, file);
		snprintf(tmp, sizeof(tmp), ":%lld\\n", (long long)i->lineno);
		cprof__sb_puts(&b, tmp);
	} else if (*file) {
		cprof__sb_puts(&b, file);
		cprof__sb_puts(&b, "\\n");
	} else if (*name) {
		/* name already there */
	} else if (i->objfile) {
		cprof__sb_puts(&b, "[");
		cprof__sb_puts(&b, cprof__path_base(cprof__profile_string(&r->strs, i->objfile),
						    base, sizeof(base)));
		cprof__sb_puts(&b, "]\\n");
	} else {
		cprof__sb_puts(&b, "<unknown>\\n");
	}
	free(nm);
	return cprof__sb_detach(&b);
}

/* pprof's dotColor. */
static void dot_color(char *buf, size_t n, double score, bool bg)
{
	const double shift = 0.7;
	double sat = bg ? 0.1 : 1.0, val = bg ? 0.93 : 0.7;
	score = fmax(-1.0, fmin(1.0, score));
	if (fabs(score) < 0.2)
		sat *= fabs(score) / 0.2;
	if (score > 0.0)
		score = pow(score, 1.0 - shift);
	if (score < 0.0)
		score = -pow(-score, 1.0 - shift);
	double rr, gg, bb;
	if (score < 0.0) {
		gg = val;
		rr = val * (1 + sat * score);
	} else {
		rr = val;
		gg = val * (1 - sat * score);
	}
	bb = val * (1 - sat);
	snprintf(buf, n, "#%02x%02x%02x", (unsigned)(uint8_t)(rr * 255.0),
		 (unsigned)(uint8_t)(gg * 255.0), (unsigned)(uint8_t)(bb * 255.0));
}

static int64_t tval(int64_t v, int64_t div)
{
	return cprof__wdiv(v, div);
}

/* A tag as the nodelet code sees it (possibly a collapsed group). */
typedef struct vtag {
	char *name;
	int64_t flat, cum;   /* values (divided) */
	int64_t rflat, rcum; /* raw, for sorting */
	int64_t value;
	const char *unit;
} vtag;

static bool flat_tags_sort;

static int vtag_cmp(const void *pa, const void *pb)
{
	const vtag *a = pa, *b = pb;
	if (!flat_tags_sort && a->rcum != b->rcum && abs64(a->rcum) != abs64(b->rcum))
		return abs64(a->rcum) > abs64(b->rcum) ? -1 : 1;
	if (a->rflat != b->rflat && abs64(a->rflat) != abs64(b->rflat))
		return abs64(a->rflat) > abs64(b->rflat) ? -1 : 1;
	return strcmp(a->name, b->name);
}

static double tag_distance(const vtag *t, const vtag *u)
{
	const char *unit;
	double v = cprof__units_scale(u->value, u->unit, t->unit, &unit);
	return v < (double)t->value ? (double)t->value - v : v - (double)t->value;
}

/* pprof's collapsedTags: at most `count` numeric tags, nearest values grouped
 * into "min..max" ranges.  Sorts ts; may replace it with new groups. */
static size_t collapse_tags(vtag *ts, size_t n, size_t count, bool flat, int64_t *rdiv)
{
	(void)rdiv;
	flat_tags_sort = flat;
	qsort(ts, n, sizeof(*ts), vtag_cmp);
	if (n <= count)
		return n;
	size_t *group = calloc(n, sizeof(size_t));
	if (!group)
		return count < n ? count : n;
	for (size_t i = 0; i < count; i++)
		group[i] = i;
	for (size_t i = count; i < n; i++) {
		size_t g = 0;
		double d = tag_distance(&ts[i], &ts[0]);
		for (size_t k = 1; k < count; k++) {
			double nd = tag_distance(&ts[i], &ts[k]);
			if (nd < d) {
				g = k;
				d = nd;
			}
		}
		group[i] = g;
	}
	vtag out[8];
	for (size_t g = 0; g < count; g++) {
		size_t members = 0, mn = g, mx = g;
		int64_t f = 0, c = 0;
		for (size_t i = 0; i < n; i++) {
			if (group[i] != g)
				continue;
			members++;
			const char *u;
			if (i != g) {
				if (cprof__f2i(cprof__units_scale(ts[i].value, ts[i].unit,
								  ts[mn].unit, &u)) < ts[mn].value)
					mn = i;
				if (cprof__f2i(cprof__units_scale(ts[i].value, ts[i].unit,
								  ts[mx].unit, &u)) > ts[mx].value)
					mx = i;
			}
			f = cprof__wadd(f, ts[i].flat);
			c = cprof__wadd(c, ts[i].cum);
		}
		char a[64], b[64];
		char *name = NULL;
		if (members == 1) {
			cprof__units_label(a, sizeof(a), ts[g].value, ts[g].unit, "auto");
			name = strdup(a);
			f = ts[g].flat;
			c = ts[g].cum;
		} else {
			cprof__units_label(a, sizeof(a), ts[mn].value, ts[mn].unit, "auto");
			cprof__units_label(b, sizeof(b), ts[mx].value, ts[mx].unit, "auto");
			if (asprintf(&name, "%s..%s", a, b) < 0)
				name = NULL;
		}
		out[g] = (vtag){name ? name : strdup("?"), f, c, f, c, 0, NULL};
	}
	free(group);
	for (size_t i = 0; i < n; i++)
		free(ts[i].name);
	for (size_t g = 0; g < count; g++)
		ts[g] = out[g];
	qsort(ts, count, sizeof(*ts), vtag_cmp);
	return count;
}

/* The numeric tags of node id under label set lset (0: none), collapsed
 * into at most four nodelets hanging from source.  nts: room for every tag
 * of the node. */
static void numeric_nodelets(cprof__report *r, cprof__sb *b, vtag *nts, uint32_t id, int64_t lset,
			     const uint32_t *tstart, const uint32_t *tidx, bool flat,
			     const char *source)
{
	size_t n = 0;
	for (size_t k = tstart[id]; k < tstart[id + 1]; k++) {
		const cprof__gtag *t = &r->tags[tidx[k]];
		if (t->dropped || !t->numeric || t->lset != lset)
			continue;
		nts[n++] = (vtag){strdup(cprof__profile_string(&r->strs, t->name)),
				  tval(t->flat, t->flatdiv),
				  tval(t->cum, t->cumdiv),
				  t->flat,
				  t->cum,
				  t->value,
				  t->unit};
	}
	if (!n)
		return;
	int64_t dummy = 0;
	n = collapse_tags(nts, n, 4, flat, &dummy);
	char w[64];
	for (size_t j = 0; j < n; j++) {
		const vtag *t = &nts[j];
		int64_t v = t->cum;
		const char *attr = " style=\"dotted\"";
		if (flat || t->flat == t->cum) {
			v = t->flat;
			attr = "";
		}
		if (v == 0)
			continue;
		cprof__fmt_value(r, w, sizeof(w), v);
		cprof__sb_printf(
			b,
			"N%s_%zu [label = \"%s\" id=\"N%s_%zu\" fontsize=8 shape=box3d tooltip=\"%s\"]\n"
			"%s -> N%s_%zu [label=\" %s\" weight=100 tooltip=\"%s\" labeltooltip=\"%s\"%s]\n",
			source, j, t->name, source, j, w, source, source, j, w, w, w, attr);
	}
	for (size_t j = 0; j < n; j++)
		free(nts[j].name);
}

/* Nodelets of node id (numbered nid); true if any was written. */
static bool add_nodelets(cprof__report *r, FILE *out, uint32_t id, size_t nid, bool flat,
			 const uint32_t *tstart, const uint32_t *tidx)
{
	size_t nt = tstart[id + 1] - tstart[id];
	if (nt == 0)
		return false;
	vtag *lt = calloc(nt, sizeof(*lt)), *nts = calloc(nt, sizeof(*nts));
	if (!lt || !nts) {
		free(lt);
		free(nts);
		r->oom = true;
		return false;
	}
	size_t nl = 0;
	for (size_t k = tstart[id]; k < tstart[id + 1]; k++) {
		const cprof__gtag *t = &r->tags[tidx[k]];
		if (t->dropped || t->numeric)
			continue;
		lt[nl++] = (vtag){(char *)cprof__profile_string(&r->strs, t->name),
				  tval(t->flat, t->flatdiv),
				  tval(t->cum, t->cumdiv),
				  t->flat,
				  t->cum,
				  t->lset,
				  NULL};
	}
	flat_tags_sort = flat;
	qsort(lt, nl, sizeof(*lt), vtag_cmp);
	if (nl > 4)
		nl = 4;
	cprof__sb b = CPROF_SB_INIT;
	char w[64], src[64];
	for (size_t i = 0; i < nl; i++) {
		int64_t v = flat ? lt[i].flat : lt[i].cum;
		if (v == 0)
			continue;
		cprof__fmt_value(r, w, sizeof(w), v);
		cprof__sb_printf(
			&b,
			"N%zu_%zu [label = \"%s\" id=\"N%zu_%zu\" fontsize=8 shape=box3d tooltip=\"%s\"]\n"
			"N%zu -> N%zu_%zu [label=\" %s\" weight=100 tooltip=\"%s\" labeltooltip=\"%s\"]\n",
			nid, i, lt[i].name, nid, i, w, nid, nid, i, w, w, w);
		/* Numeric tags under this label set. */
		snprintf(src, sizeof(src), "N%zu_%zu", nid, i);
		numeric_nodelets(r, &b, nts, id, lt[i].value, tstart, tidx, flat, src);
	}
	snprintf(src, sizeof(src), "N%zu", nid);
	numeric_nodelets(r, &b, nts, id, 0, tstart, tidx, flat, src);
	free(lt);
	free(nts);
	bool any = cprof__sb_len(&b) > 0;
	if (cprof__sb_failed(&b))
		r->oom = true;
	else
		fputs(cprof__sb_str(&b), out);
	cprof__sb_free(&b);
	return any;
}

int cprof__report_dot(cprof__report *r, FILE *out, char *err, size_t errlen)
{
	size_t orig = 0, dnodes = 0, dedges = 0;
	uint32_t *nid = NULL, *tstart = NULL, *tidx = NULL, *eidx = NULL;
	bool *has_nodelets = NULL;
	char *labels = NULL;
	size_t llen = 0;
	int ret = -1;
	if (cprof__graph_trimmed(r, &orig, &dnodes, &dedges) < 0)
		goto oom;
	cprof__select_output_unit(r);
	FILE *lf = open_memstream(&labels, &llen);
	if (!lf)
		goto oom;
	cprof__print_labels(r, lf, orig, dnodes, dedges, true);
	if (fclose(lf) != 0)
		goto oom;

	const cprof__profile *p = r->p;
	char title[4096] = "";
	if (p->mapping.n > 0) {
		const char *f = cprof__profile_string(p, p->mapping.v[0].file);
		if (*f)
			cprof__path_base(f, title, sizeof(title));
	}
	fprintf(out, "digraph \"%s\" {\n", *title ? title : "unnamed");
	fprintf(out, "node [style=filled fillcolor=\"#f8f8f8\"]\n");
	/* Legend: the label lines, escaped, joined with \l. */
	if (llen > 0 && labels[llen - 1] == '\n')
		labels[--llen] = 0;
	char *nl = strchr(labels, '\n');
	char *first = nl ? strndup(labels, (size_t)(nl - labels)) : strdup(labels);
	char *e_first = first ? escape_dot(first) : NULL;
	char *e_all = escape_dot(labels);
	free(first);
	if (!e_first || !e_all) {
		free(e_first);
		free(e_all);
		goto oom;
	}
	fprintf(out, "subgraph cluster_L { \"%s\" [shape=box fontsize=16 label=\"%s\\l\"", e_first,
		e_all);
	if (*title)
		fprintf(out, " tooltip=\"%s\"", title);
	fprintf(out, "] }\n");
	free(e_first);
	free(e_all);

	if (r->nlist > 0) {
		nid = calloc(r->nnodes + 1, sizeof(*nid));
		has_nodelets = calloc(r->nnodes + 1, sizeof(*has_nodelets));
		if (!nid || !has_nodelets || cprof__graph_tags_by_node(r, &tstart, &tidx) < 0)
			goto oom;
		uint32_t *outdeg = calloc(r->nnodes + 1, sizeof(*outdeg));
		if (!outdeg)
			goto oom;
		for (size_t i = 0; i < r->nedges; i++)
			if (!r->edges[i].dropped)
				outdeg[r->edges[i].src]++;
		int64_t maxflat = 0;
		for (size_t i = 0; i < r->nlist; i++) {
			const cprof__gnode *n = &r->nodes[r->list[i]];
			nid[r->list[i]] = (uint32_t)i + 1;
			int64_t f = abs64(tval(n->flat, n->flatdiv));
			if (i == 0 || f > maxflat)
				maxflat = f;
		}
		char fv[64], cv[64], pc[32], c1[16], c2[16];
		for (size_t i = 0; i < r->nlist; i++) {
			uint32_t id = r->list[i];
			cprof__gnode *n = &r->nodes[id];
			int64_t flat = tval(n->flat, n->flatdiv), cum = tval(n->cum, n->cumdiv);
			char *label = multiline_name(r, n);
			char *tip = escape_dot(cprof__node_name(r, n));
			if (!label || !tip) {
				free(label);
				free(tip);
				free(outdeg);
				goto oom;
			}
			cprof__sb b = CPROF_SB_INIT;
			cprof__sb_puts(&b, label);
			cprof__fmt_value(r, fv, sizeof(fv), flat);
			if (flat != 0) {
				const char *pct = cprof__units_pct(pc, sizeof(pc), flat, r->total);
				while (*pct == ' ')
					pct++;
				cprof__sb_puts(&b, fv);
				cprof__sb_puts(&b, " (");
				cprof__sb_puts(&b, pct);
				cprof__sb_puts(&b, ")");
			} else {
				cprof__sb_puts(&b, "0");
			}
			snprintf(cv, sizeof(cv), "%s", fv);
			if (cum != flat) {
				cprof__sb_puts(&b, flat != 0 ? "\\n" : " ");
				cprof__fmt_value(r, cv, sizeof(cv), cum);
				const char *pct = cprof__units_pct(pc, sizeof(pc), cum, r->total);
				while (*pct == ' ')
					pct++;
				cprof__sb_puts(&b, "of ");
				cprof__sb_puts(&b, cv);
				cprof__sb_puts(&b, " (");
				cprof__sb_puts(&b, pct);
				cprof__sb_puts(&b, ")");
			}
			int fs = 8;
			if (maxflat != 0 && flat != 0 && abs64(flat) <= maxflat) {
				double g = ceil(16.0 * sqrt((double)abs64(flat) / (double)maxflat));
				if (g >= 0 && g <= 16) /* NaN for INT64_MIN values */
					fs += (int)g;
			}
			double sc = (double)cum / (double)abs64(r->total);
			dot_color(c1, sizeof(c1), sc, false);
			dot_color(c2, sizeof(c2), sc, true);
			fprintf(out,
				"N%zu [label=\"%s\" id=\"node%zu\" fontsize=%d shape=box tooltip=\"%s (%s)\" "
				"color=\"%s\" fillcolor=\"%s\"]\n",
				i + 1, cprof__sb_str(&b), i + 1, fs, tip, cv, c1, c2);
			if (cprof__sb_failed(&b))
				r->oom = true;
			cprof__sb_free(&b);
			free(label);
			free(tip);
			has_nodelets[id] =
				add_nodelets(r, out, id, i + 1, outdeg[id] > 0, tstart, tidx);
		}
		free(outdeg);
		/* Edges out of the graph's nodes, heaviest first. */
		size_t ne = 0;
		eidx = malloc((r->nedges + 1) * sizeof(*eidx));
		if (!eidx)
			goto oom;
		for (size_t i = 0; i < r->nedges; i++)
			if (!r->edges[i].dropped && r->nodes[r->edges[i].src].listed)
				eidx[ne++] = (uint32_t)i;
		cprof__sort_edges(r, eidx, ne);
		char w[64], col[16];
		for (size_t k = 0; k < ne; k++) {
			const cprof__gedge *e = &r->edges[eidx[k]];
			int64_t wv = tval(e->weight, e->weightdiv);
			cprof__fmt_value(r, w, sizeof(w), wv);
			fprintf(out, "N%u -> N%u [label=\" %s%s\"", nid[e->src], nid[e->dst], w,
				e->inline_ ? "\\n (inline)" : "");
			if (r->total != 0) {
				int64_t a = abs64(cprof__wdiv(cprof__wmul(wv, 100), r->total)),
					bw = abs64(cprof__wdiv(cprof__wmul(wv, 5), r->total));
				int weight = 1 + (int)(a < 100 ? a : 100);
				int width = 1 + (int)(bw < 5 ? bw : 5);
				if (weight > 1)
					fprintf(out, " weight=%d", weight);
				if (width > 1)
					fprintf(out, " penwidth=%d", width);
				dot_color(col, sizeof(col), (double)wv / (double)abs64(r->total),
					  false);
				fprintf(out, " color=\"%s\"", col);
			}
			char *s = escape_dot(cprof__node_name(r, &r->nodes[e->src]));
			char *d = escape_dot(cprof__node_name(r, &r->nodes[e->dst]));
			if (!s || !d) {
				free(s);
				free(d);
				goto oom;
			}
			const char *arrow = e->residual ? "..." : "->";
			fprintf(out, " tooltip=\"%s %s %s (%s)\" labeltooltip=\"%s %s %s (%s)\"", s,
				arrow, d, w, s, arrow, d, w);
			free(s);
			free(d);
			if (e->residual)
				fprintf(out, " style=\"dotted\"");
			if (has_nodelets[e->src])
				fprintf(out, " minlen=2");
			fprintf(out, "]\n");
		}
	}
	fprintf(out, "}\n");
	ret = cprof__report_end(out, r->oom, err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(labels);
	free(nid);
	free(has_nodelets);
	free(tstart);
	free(tidx);
	free(eidx);
	return ret;
}
