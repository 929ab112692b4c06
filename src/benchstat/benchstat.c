/*
 * benchstat.c — `cprof benchstat`, following golang.org/x/perf/cmd/benchstat:
 *
 *   inputs  -> results (benchfmt.c) -> observations (one per value/unit,
 *   units tidied) -> projected into tables (file configuration + unit),
 *   rows (-row, default .fullname) and columns (-col, default .file)
 *   -> cells: median, CI (stats.c); comparisons against the first column
 *   -> geomean row -> text (benchstat's layout engine) or CSV.
 *
 * This file holds the options, the building and summarising of the tables
 * and the entry points; benchproc.c the keys, names and filters,
 * benchunit.c the number formats, table.c the text and CSV output.
 */
#include "compat.h"
#include "benchstat/benchstat.h"
#include "benchstat/benchstat_internal.h"
#include "benchstat/benchfmt.h"
#include "benchstat/benchproc.h"
#include "benchstat/benchunit.h"
#include "base/sb.h"
#include "base/hash.h"
#include "benchstat/stats.h"
#include "benchstat/table.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT (1ull << 30)

/* ---------------------------------------------------------------- */
/* interning                                                          */

/* Returns the index of s, adding it if new; (size_t)-1 when out of memory. */
static size_t intern(struct intern *t, const char *s)
{
	if (t->n * 2 >= t->nslot) {
		size_t ns = t->nslot ? t->nslot * 2 : 64;
		size_t *slot = calloc(ns, sizeof *slot);
		if (!slot)
			return (size_t)-1;
		for (size_t i = 0; i < t->n; i++) {
			size_t h = (size_t)cprof__fnv1a64(t->str[i], strlen(t->str[i])) & (ns - 1);
			while (slot[h])
				h = (h + 1) & (ns - 1);
			slot[h] = i + 1;
		}
		free(t->slot);
		t->slot = slot;
		t->nslot = ns;
	}
	size_t h = (size_t)cprof__fnv1a64(s, strlen(s)) & (t->nslot - 1);
	while (t->slot[h]) {
		if (!strcmp(t->str[t->slot[h] - 1], s))
			return t->slot[h] - 1;
		h = (h + 1) & (t->nslot - 1);
	}
	if (t->n == t->cap) {
		size_t c = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->str, c * sizeof *p);
		if (!p)
			return (size_t)-1;
		t->str = p;
		t->cap = c;
	}
	if (!(t->str[t->n] = strdup(s)))
		return (size_t)-1;
	t->slot[h] = ++t->n;
	return t->n - 1;
}

static void intern_free(struct intern *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- */
/* building the tables                                                */

static int add_obs(struct bs *b)
{
	/* the configuration keys that split tables: all but -row/-col's */
	for (size_t i = 0; i < b->set.nkeys; i++) {
		if (cprof__bp_is_proj_key(&b->o, b->set.keys[i]))
			continue;
		char **k = realloc(b->tkeys, (b->ntkeys + 1) * sizeof *k);
		if (!k)
			return -1;
		b->tkeys = k;
		k[b->ntkeys++] = b->set.keys[i];
	}
	for (size_t i = 0; i < b->set.nres; i++) {
		const struct cprof__bf_result *r = &b->set.res[i];
		for (size_t j = 0; j < r->nvals; j++) {
			char unit[512];
			double f = cprof__bf_tidy(r->vals[j].unit, unit, sizeof unit);
			if (isnan(r->vals[j].v) ||
			    !cprof__bp_filter_ok(&b->o, &b->set, r, r->vals[j].unit, unit))
				continue; /* NaN has no order: no median, no ranks */
			cprof__sb tk = {0}, rk = {0}, ck = {0};
			for (size_t k = 0; k < b->ntkeys; k++) {
				const char *v =
					cprof__bf_config_get(&b->set, r->config, b->tkeys[k]);
				cprof__sb_printf(&tk, "%s\x1f", v ? v : "");
			}
			cprof__sb_printf(&tk, "\x1e%s", unit);
			cprof__bp_row_value(&b->o, &b->set, r, unit, &rk);
			cprof__bp_key_value(&b->set, r, unit, &b->o.col, &ck);
			if ((b->o.row.order == O_FIXED &&
			     cprof__bp_fixed_pos(&b->o.row, cprof__sb_str(&rk)) < 0) ||
			    (b->o.col.order == O_FIXED &&
			     cprof__bp_fixed_pos(&b->o.col, cprof__sb_str(&ck)) < 0)) {
				cprof__sb_free(&tk);
				cprof__sb_free(&rk);
				cprof__sb_free(&ck);
				continue; /* a fixed order also filters */
			}
			bool oom = cprof__sb_failed(&tk) || cprof__sb_failed(&rk) ||
				   cprof__sb_failed(&ck);
			size_t ti = oom ? (size_t)-1 : intern(&b->tables, cprof__sb_str(&tk));
			size_t ri = oom ? (size_t)-1 : intern(&b->rows, cprof__sb_str(&rk));
			size_t ci = oom ? (size_t)-1 : intern(&b->cols, cprof__sb_str(&ck));
			size_t ni = intern(&b->names, r->name);
			cprof__sb_free(&tk);
			cprof__sb_free(&rk);
			cprof__sb_free(&ck);
			if (ti == (size_t)-1 || ri == (size_t)-1 || ci == (size_t)-1 ||
			    ni == (size_t)-1)
				return -1;
			if (ti == b->nt) {
				struct table *t = realloc(b->t, (b->nt + 1) * sizeof *t);
				if (!t)
					return -1;
				b->t = t;
				memset(&t[b->nt], 0, sizeof *t);
				t[b->nt].config = r->config;
				t[b->nt].unit = strdup(unit);
				if (!t[b->nt].unit)
					return -1;
				const char *a = cprof__bf_unit_meta(&b->set, unit, "assume");
				t[b->nt].exact = a && !strcmp(a, "exact");
				t[b->nt].binary = cprof__bf_unit_binary(unit);
				b->nt++;
			}
			if (b->nobs == b->capobs) {
				size_t c = b->capobs ? b->capobs * 2 : 256;
				struct obs *o = realloc(b->obs, c * sizeof *o);
				if (!o)
					return -1;
				b->obs = o;
				b->capobs = c;
			}
			b->obs[b->nobs++] = (struct obs){ti, ri, ci, ni, r->file, r->vals[j].v * f};
		}
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static void fmt_conf(double c, char *buf, size_t size)
{
	cprof__bu_go_float(c, buf, size);
}

/* The mode of sorted values (the smallest of equally common ones). */
static double mode_sorted(const double *v, size_t n)
{
	double best = v[0];
	size_t bestc = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j] == v[i])
			j++;
		if (j - i > bestc)
			best = v[i], bestc = j - i;
		i = j;
	}
	return best;
}

static int summarize(struct bs *b, struct table *t)
{
	char conf[32], alpha[32];
	fmt_conf(b->o.confidence, conf, sizeof conf);
	fmt_conf(b->o.alpha, alpha, sizeof alpha);
	for (size_t ri = 0; ri < t->nrows; ri++) {
		for (size_t ci = 0; ci < t->ncols; ci++) {
			struct cell *c = &t->cells[ri * t->ncols + ci];
			if (!c->present)
				continue;
			qsort(c->v, c->n, sizeof *c->v, cmp_double);
			if (c->vary_fullname || c->vary_file) {
				c->warn[c->nwarn++] =
					xasprintf("benchmarks vary in %s%s%s",
						  c->vary_fullname ? ".fullname" : "",
						  c->vary_fullname && c->vary_file ? ", " : "",
						  c->vary_file ? ".file" : "");
			}
			if (t->exact) {
				c->center = mode_sorted(c->v, c->n);
				c->lo = c->v[0];
				c->hi = c->v[c->n - 1];
				if (c->lo != c->hi) {
					char lo[40], hi[40];
					cprof__bu_go_float(c->lo, lo, sizeof lo);
					cprof__bu_go_float(c->hi, hi, sizeof hi);
					c->warn[c->nwarn++] = xasprintf(
						"exact distribution expected, but values range from %s "
						"to %s",
						lo, hi);
				}
			} else {
				cprof__stats_median_ci(c->v, c->n, b->o.confidence, &c->center,
						       &c->lo, &c->hi);
				if (isinf(c->lo) || isinf(c->hi)) {
					int need = cprof__stats_median_samples(b->o.confidence);
					c->warn[c->nwarn++] = xasprintf(
						"need %s %d samples for confidence interval at level %s",
						need > 50 ? ">" : ">=", need > 50 ? 50 : need,
						conf);
				}
			}
			if (ci == 0 || !t->cells[ri * t->ncols].present)
				continue;
			struct cell *base = &t->cells[ri * t->ncols];
			c->has_base = true;
			c->n1 = (int)base->n;
			c->n2 = (int)c->n;
			if (t->exact) {
				c->p = 0;
				continue;
			}
			double u;
			int rc = cprof__stats_utest(base->v, base->n, c->v, c->n, &u, &c->p);
			if (rc == CPROF__UTEST_NOMEM)
				return -1;
			if (rc == CPROF__UTEST_EQUAL)
				c->cwarn[c->ncwarn++] = xasprintf("all samples are equal");
			else if (rc == CPROF__UTEST_TOO_SMALL)
				c->cwarn[c->ncwarn++] = xasprintf("sample is too small");
			else if (c->p > b->o.alpha) {
				int need = cprof__stats_utest_samples(b->o.alpha);
				if (c->n1 < need && c->n2 < need)
					c->cwarn[c->ncwarn++] = xasprintf(
						"need %s %d samples to detect a difference at alpha "
						"level %s",
						need > 9 ? ">" : ">=", need > 9 ? 9 : need, alpha);
			}
		}
	}
	/* geomean row: geomean of centers; of ratios to the baseline */
	size_t nbase = 0;
	for (size_t ri = 0; ri < t->nrows; ri++)
		nbase += t->cells[ri * t->ncols].present;
	double *sums = malloc((t->nrows + 1) * sizeof *sums);
	double *ratios = malloc((t->nrows + 1) * sizeof *ratios);
	if (!sums || !ratios) {
		free(sums);
		free(ratios);
		return -1;
	}
	for (size_t ci = 0; ci < t->ncols && ci < 64; ci++) {
		size_t ns = 0, nr = 0;
		bool bad = false;
		for (size_t ri = 0; ri < t->nrows; ri++) {
			struct cell *c = &t->cells[ri * t->ncols + ci];
			if (!c->present)
				continue;
			sums[ns++] = c->center;
			if (!c->has_base)
				continue;
			double a = c->center, bc = t->cells[ri * t->ncols].center;
			if (a == bc)
				ratios[nr++] = 1; /* 0/0 counts as 1 */
			else if (bc == 0)
				bad = true, ratios[nr++] = 0;
			else
				ratios[nr++] = a / bc;
		}
		char **w = t->gwarn[ci];
		int *nw = &t->ngwarn[ci];
		if (ci > 0 && nbase != nr)
			w[(*nw)++] = xasprintf(
				"benchmark set differs from baseline; geomeans may not be comparable");
		double gm = cprof__stats_geomean(sums, ns);
		if (isnan(gm))
			w[(*nw)++] = xasprintf("summaries must be >0 to compute geomean");
		else
			t->has_sum[ci] = true, t->sum[ci] = gm;
		if (ci > 0 && !bad) {
			gm = cprof__stats_geomean(ratios, nr);
			if (isnan(gm))
				w[(*nw)++] = xasprintf("ratios must be >0 to compute geomean");
			else
				t->has_ratio[ci] = true, t->ratio[ci] = gm;
		}
	}
	free(sums);
	free(ratios);
	return 0;
}

/* Append id to v (n entries) unless seen[id]: the rows and columns in
 * the order they first appear.  false when out of memory. */
static bool add_first_seen(size_t **v, size_t *n, bool *seen, size_t id)
{
	if (seen[id])
		return true;
	size_t *p = realloc(*v, (*n + 1) * sizeof *p);
	if (!p)
		return false;
	*v = p;
	p[(*n)++] = id;
	seen[id] = true;
	return true;
}

static int build(struct bs *b)
{
	if (add_obs(b) < 0)
		return -1;
	for (size_t ti = 0; ti < b->nt; ti++) {
		struct table *t = &b->t[ti];
		size_t *rs = NULL, *cs = NULL, nr = 0, nc = 0;
		bool *rseen = calloc(b->rows.n + 1, 1), *cseen = calloc(b->cols.n + 1, 1);
		if (!rseen || !cseen) {
			free(rseen);
			free(cseen);
			return -1;
		}
		for (size_t i = 0; i < b->nobs; i++) {
			const struct obs *o = &b->obs[i];
			if (o->table != ti)
				continue;
			if (!add_first_seen(&rs, &nr, rseen, o->row) ||
			    !add_first_seen(&cs, &nc, cseen, o->col))
				goto oom;
		}
		free(rseen);
		free(cseen);
		rseen = cseen = NULL;
		/* rows and columns in global first-seen order */
		struct sortctx rctx = {&b->o.row, b->rows.str}, cctx = {&b->o.col, b->cols.str};
		qsort_r(rs, nr, sizeof *rs, cprof__bp_cmp_keyed, &rctx);
		qsort_r(cs, nc, sizeof *cs, cprof__bp_cmp_keyed, &cctx);
		if (nc > 64) {
			fprintf(b->err,
				"cprof: benchstat: table %s has %zu columns; showing the "
				"first 64\n",
				b->t[ti].unit, nc);
			nc = 64; /* a geomean slot per column; wider tables are unreadable */
		}
		t->rows = rs;
		t->nrows = nr;
		t->cols = cs;
		t->ncols = nc;
		t->cells = calloc(nr * nc > 0 ? nr * nc : 1, sizeof *t->cells);
		/* global row/column index -> position in this table */
		size_t *rpos = malloc((b->rows.n + 1) * sizeof *rpos);
		size_t *cpos = malloc((b->cols.n + 1) * sizeof *cpos);
		if (!t->cells || !rpos || !cpos) {
			free(rpos);
			free(cpos);
			return -1;
		}
		for (size_t k = 0; k <= b->rows.n; k++)
			rpos[k] = SIZE_MAX;
		for (size_t k = 0; k <= b->cols.n; k++)
			cpos[k] = SIZE_MAX;
		for (size_t k = 0; k < nr; k++)
			rpos[rs[k]] = k;
		for (size_t k = 0; k < nc; k++)
			cpos[cs[k]] = k;
		for (size_t i = 0; i < b->nobs; i++) {
			const struct obs *o = &b->obs[i];
			if (o->table != ti)
				continue;
			size_t r = rpos[o->row], c = cpos[o->col];
			if (r == SIZE_MAX || c == SIZE_MAX)
				continue;
			struct cell *cl = &t->cells[r * nc + c];
			if (!cl->present) {
				cl->present = true;
				cl->fullname = o->fullname;
				cl->file = o->file;
			}
			cl->vary_fullname |= cl->fullname != o->fullname &&
					     b->o.row.kind != K_FULLNAME &&
					     !cprof__bp_ignored(&b->o, ".fullname");
			cl->vary_file |= cl->file != o->file && b->o.row.kind != K_FILE &&
					 !cprof__bp_ignored(&b->o, ".file") &&
					 b->o.col.kind != K_FILE;
			if (cl->n == cl->cap) {
				size_t cap = cl->cap ? cl->cap * 2 : 8;
				double *v = realloc(cl->v, cap * sizeof *v);
				if (!v) {
					free(rpos);
					free(cpos);
					return -1;
				}
				cl->v = v;
				cl->cap = cap;
			}
			cl->v[cl->n++] = o->v;
		}
		free(rpos);
		free(cpos);
		if (summarize(b, t) < 0)
			return -1;
		continue;
	oom:
		free(rs);
		free(cs);
		free(rseen);
		free(cseen);
		return -1;
	}
	return 0;
}

/* Go benchstat's defaults: rows by full name, columns by file. */
static void bs_init(struct bs *b, FILE *err)
{
	memset(b, 0, sizeof *b);
	b->err = err;
	b->o.root = -1;
	b->o.alpha = 0.05;
	b->o.confidence = 0.95;
	cprof__bp_parse_key(".fullname", &b->o.row);
	cprof__bp_parse_key(".file", &b->o.col);
}

static void bs_free(struct bs *b)
{
	for (size_t ti = 0; ti < b->nt; ti++) {
		struct table *t = &b->t[ti];
		for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++) {
			struct cell *c = &t->cells[i];
			free(c->v);
			for (int k = 0; k < c->nwarn; k++)
				free(c->warn[k]);
			for (int k = 0; k < c->ncwarn; k++)
				free(c->cwarn[k]);
		}
		for (size_t ci = 0; ci < 64; ci++)
			for (int k = 0; k < t->ngwarn[ci]; k++)
				free(t->gwarn[ci][k]);
		free(t->cells);
		free(t->rows);
		free(t->cols);
		free(t->unit);
	}
	free(b->t);
	free(b->obs);
	free(b->tkeys);
	intern_free(&b->tables);
	intern_free(&b->rows);
	intern_free(&b->cols);
	intern_free(&b->names);
	intern_free(&b->files);
	cprof__bf_free(&b->set);
	cprof__bp_free_filter(&b->o);
}

/* ---------------------------------------------------------------- */
/* entry points                                                       */

/* The flags, as the parser reads them and its usage (and cprof's man page,
 * through cmd_benchstat.c) shows them. */
enum bflag { B_ALPHA, B_CONFIDENCE, B_FORMAT, B_ROW, B_COL, B_IGNORE, B_FILTER, B_TABLE };
const cprof__benchstat_flag cprof__benchstat_flags[] = {
	[B_ALPHA] = {"-alpha", "A", "consider a change significant if p < A (default 0.05)"},
	[B_CONFIDENCE] = {"-confidence", "C", "confidence level of the ranges (default 0.95)"},
	[B_FORMAT] = {"-format", "F", "text (default) or csv (warnings to stderr)"},
	[B_ROW] = {"-row", "KEY", "split rows by KEY (default .fullname)"},
	[B_COL] = {"-col", "KEY", "split columns by KEY (default .file)"},
	[B_IGNORE] = {"-ignore", "KEYS",
		      "ignore variations in KEYS (config keys, .file, .fullname)"},
	[B_FILTER] = {"-filter", "QUERY",
		      "keep results matching: key:value, key:/regexp/, key:(a OR b), -term (not), "
		      "terms side by side (and), OR, parentheses"},
	[B_TABLE] = {"-table", "KEY", "split tables by KEY (only .config, the default)"},
};
const size_t cprof__benchstat_nflags =
	sizeof(cprof__benchstat_flags) / sizeof(cprof__benchstat_flags[0]);

static void usage(FILE *f)
{
	fprintf(f, "usage: cprof benchstat [flags] inputs...\n"
		   "\n"
		   "Summarise Go-format benchmark results (cprof's harness, go test -bench,\n"
		   "...): the median of each benchmark with a 95%% confidence interval, one\n"
		   "column per input; later columns are compared with the first by a\n"
		   "Mann-Whitney U test (\"~\": no significant difference).  An input may be\n"
		   "label=path; \"-\" reads stdin.\n"
		   "\n");
	for (size_t i = 0; i < cprof__benchstat_nflags; i++) {
		const cprof__benchstat_flag *fl = &cprof__benchstat_flags[i];
		int w = fprintf(f, "  %s %s", fl->name, fl->arg);
		fprintf(f, "%*s %s\n", w < 18 ? 18 - w : 0, "", fl->help);
	}
	fprintf(f, "keys: .fullname .name .file .unit /subname-key config-key; a -row or -col\n"
		   "key may end in @alpha, @num (2k, 1Mi...) or @(v1 v2...) (order and filter)\n");
}

static int read_all(FILE *f, char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap);
	if (!p)
		return -1;
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_INPUT) {
				free(p);
				errno = EFBIG;
				return -1;
			}
			char *q = realloc(p, cap * 2);
			if (!q) {
				free(p);
				return -1;
			}
			p = q;
			cap *= 2;
		}
		size_t r = fread(p + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				free(p);
				return -1;
			}
			break;
		}
	}
	*buf = p;
	*len = n;
	return 0;
}

static int parse_double_opt(const char *v, double *d)
{
	char *end;
	errno = 0;
	*d = strtod(v, &end);
	return (!*v || *end || errno) ? -1 : 0;
}

int cprof__benchstat_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct bs b;
	bs_init(&b, err);
	int i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		a += a[1] == '-' ? 2 : 1;
		if (!strcmp(a, "h") || !strcmp(a, "help")) {
			usage(out);
			bs_free(&b);
			return 0;
		}
		char name[32];
		const char *val = strchr(a, '=');
		snprintf(name, sizeof name, "%.*s", (int)(val ? val - a : (long)strlen(a)), a);
		if (val)
			val++;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			fprintf(err, "cprof: benchstat: flag needs an argument: -%s\n", name);
			bs_free(&b);
			return 2;
		}
		size_t k = 0;
		while (k < cprof__benchstat_nflags &&
		       strcmp(name, cprof__benchstat_flags[k].name + 1))
			k++;
		int bad = 0;
		switch ((enum bflag)k) {
		case B_ALPHA:
			bad = parse_double_opt(val, &b.o.alpha) || b.o.alpha < 0 || b.o.alpha > 1;
			break;
		case B_CONFIDENCE:
			bad = parse_double_opt(val, &b.o.confidence) || b.o.confidence < 0 ||
			      b.o.confidence > 1;
			break;
		case B_FORMAT: bad = strcmp(val, "text") && !(b.o.csv = !strcmp(val, "csv")); break;
		case B_ROW:
			bad = cprof__bp_parse_key(val, &b.o.row) || b.o.row.kind == K_UNIT;
			break;
		case B_COL:
			bad = cprof__bp_parse_key(val, &b.o.col) || b.o.col.kind == K_UNIT;
			break;
		case B_FILTER:
			if (cprof__bp_parse_filter(val, &b.o, err) < 0) {
				bs_free(&b);
				return 2;
			}
			break;
		case B_IGNORE: {
			char tmp[1024];
			snprintf(tmp, sizeof tmp, "%s", val);
			char *save = NULL;
			for (char *kk = strtok_r(tmp, ", ", &save); kk;
			     kk = strtok_r(NULL, ", ", &save)) {
				if (b.o.nignore == 16 || strlen(kk) >= 128) {
					bad = 1;
					break;
				}
				snprintf(b.o.ignore[b.o.nignore++], 128, "%s", kk);
			}
			break;
		}
		case B_TABLE: bad = strcmp(val, ".config") != 0; break;
		default:
			fprintf(err,
				"cprof: benchstat: unknown flag -%s; run 'cprof benchstat -h'\n",
				name);
			bs_free(&b);
			return 2;
		}
		if (bad) {
			fprintf(err,
				"cprof: benchstat: invalid value \"%s\" for -%s "
				"(run 'cprof benchstat -h')\n",
				val, name);
			bs_free(&b);
			return 2;
		}
	}
	if (i >= argc) {
		usage(err);
		bs_free(&b);
		return 2;
	}
	if (b.o.row.kind == b.o.col.kind && strcmp(b.o.row.name, b.o.col.name) == 0) {
		fprintf(err, "cprof: benchstat: -row and -col must differ\n");
		bs_free(&b);
		return 2;
	}
	int rc = 0;
	for (; i < argc; i++) {
		const char *arg = argv[i], *path = arg, *label = arg;
		char lab[256];
		const char *eq = strchr(arg, '=');
		FILE *f;
		if (eq && eq != arg && (size_t)(eq - arg) < sizeof lab) {
			snprintf(lab, sizeof lab, "%.*s", (int)(eq - arg), arg);
			label = lab;
			path = eq + 1;
		}
		if (!strcmp(path, "-"))
			f = stdin;
		else if (!(f = fopen(path, "rb"))) {
			fprintf(err, "cprof: benchstat: cannot open %s: %s\n", path,
				strerror(errno));
			rc = 1;
			break;
		}
		char *buf;
		size_t len;
		int e = read_all(f, &buf, &len);
		if (f != stdin)
			fclose(f);
		if (e < 0) {
			fprintf(err, "cprof: benchstat: cannot read %s: %s\n", path,
				strerror(errno));
			rc = 1;
			break;
		}
		e = cprof__bf_parse(&b.set, label, buf, len, err);
		free(buf);
		if (e < 0) {
			fprintf(err, "cprof: benchstat: out of memory reading %s\n", path);
			rc = 1;
			break;
		}
	}
	if (rc == 0 && (build(&b) < 0 || cprof__table_render(&b, out, err) < 0)) {
		fprintf(err, "cprof: benchstat: out of memory\n");
		rc = 1;
	}
	bs_free(&b);
	return rc;
}

int cprof__benchstat_buffer(const char *buf, size_t len, FILE *out, FILE *err)
{
	struct bs b;
	bs_init(&b, err);
	/* two "files" from one buffer: split at the first line "--" if any,
	 * so the fuzzer reaches the comparison code too */
	const char *sep = NULL;
	for (size_t i = 0; i + 3 <= len; i++)
		if ((i == 0 || buf[i - 1] == '\n') && buf[i] == '-' && buf[i + 1] == '-' &&
		    buf[i + 2] == '\n') {
			sep = buf + i;
			break;
		}
	int rc = 0;
	if (sep) {
		if (cprof__bf_parse(&b.set, "old", buf, (size_t)(sep - buf), err) < 0 ||
		    cprof__bf_parse(&b.set, "new", sep + 3, len - (size_t)(sep + 3 - buf), err) < 0)
			rc = -1;
	} else if (cprof__bf_parse(&b.set, "input", buf, len, err) < 0) {
		rc = -1;
	}
	if (rc == 0 && (build(&b) < 0 || cprof__table_render(&b, out, err) < 0))
		rc = -1;
	bs_free(&b);
	return rc;
}
