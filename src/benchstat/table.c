/*
 * table.c — benchstat's output: the text layout engine (Go's benchstat
 * texttab: cells spanning columns, margins, stretchable columns), the text
 * tables with their footnotes, and the CSV form.  See table.h.
 */
#include "compat.h"
#include "benchstat/table.h"
#include "benchstat/benchfmt.h"
#include "benchstat/benchunit.h"
#include "base/sb.h"
#include "base/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- */
/* text layout (benchstat's texttab)                                  */

enum { AL_LEFT, AL_CENTER, AL_RIGHT };

struct tcell {
	int row, col, span, align;
	size_t seq;
	char *value;
	const char *margin;
};

struct tt {
	struct tcell *c;
	size_t n, cap;
	int cols, row, col;
	bool *shrink;
	int nshrink;
	bool oom;
};

static void tt_row(struct tt *t)
{
	if (t->n > 0)
		t->row++;
	t->col = 0;
}

static void tt_colto(struct tt *t, int col)
{
	if (col > t->col)
		t->col = col;
}

static void tt_span(struct tt *t, int span, const char *value, int align, const char *margin)
{
	if (t->n == t->cap) {
		size_t c = t->cap ? t->cap * 2 : 64;
		struct tcell *p = realloc(t->c, c * sizeof *p);
		if (!p) {
			t->oom = true;
			return;
		}
		t->c = p;
		t->cap = c;
	}
	const char *m = t->col == 0 || !*value ? "" : " ";
	char *v = strdup(value);
	if (!v) {
		t->oom = true;
		return;
	}
	t->c[t->n] = (struct tcell){t->row, t->col, span, align, t->n, v, margin ? margin : m};
	t->n++;
	t->col += span;
	if (t->col > t->cols)
		t->cols = t->col;
}

static void tt_cell(struct tt *t, const char *value, int align, const char *margin)
{
	tt_span(t, 1, value, align, margin);
}

static int cmp_span(const void *a, const void *b)
{
	const struct tcell *x = a, *y = b;
	if (x->span != y->span)
		return x->span - y->span;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_pos(const void *a, const void *b)
{
	const struct tcell *x = a, *y = b;
	if (x->row != y->row)
		return x->row - y->row;
	return x->col - y->col;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n')
			return false;
	return true;
}

static void pad(cprof__sb *o, long n)
{
	for (long i = 0; i < n; i++)
		cprof__sb_add(o, " ", 1);
}

static void tt_format(struct tt *t, cprof__sb *o)
{
	if (t->oom || t->cols == 0) {
		return;
	}
	int nc = t->cols;
	long *lm = calloc((size_t)nc + 1, sizeof *lm), *ws = calloc((size_t)nc + 1, sizeof *ws);
	long *offs = calloc((size_t)nc + 2, sizeof *offs);
	int *spanc = calloc((size_t)nc + 1, sizeof *spanc);
	if (!lm || !ws || !offs || !spanc) {
		cprof__sb_fail(o);
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		long m = (long)cprof__utf8_runes(t->c[i].margin);
		if (m > lm[t->c[i].col])
			lm[t->c[i].col] = m;
	}
	qsort(t->c, t->n, sizeof *t->c, cmp_span);
	for (size_t i = 0; i < t->n; i++) {
		struct tcell *c = &t->c[i];
		long w = (long)cprof__utf8_runes(c->value) + lm[c->col];
		if (c->span == 1) {
			if (w > ws[c->col])
				ws[c->col] = w;
			continue;
		}
		long tw = 0;
		for (int k = c->col; k < c->col + c->span && k < nc; k++)
			tw += ws[k];
		if (tw >= w)
			continue;
		/* widen the stretchable columns, widest first, to the average */
		int ns = 0;
		for (int k = c->col; k < c->col + c->span && k < nc; k++) {
			if (k < t->nshrink && t->shrink[k])
				w -= ws[k];
			else
				spanc[ns++] = k;
		}
		for (int a = 1; a < ns; a++) /* stable sort by width, descending */
			for (int z = a; z > 0 && ws[spanc[z]] > ws[spanc[z - 1]]; z--) {
				int tmp = spanc[z];
				spanc[z] = spanc[z - 1];
				spanc[z - 1] = tmp;
			}
		int left = ns;
		for (int k = 0; k < ns; k++) {
			long avg = left ? (w + left - 1) / left : 0;
			if (avg > ws[spanc[k]])
				ws[spanc[k]] = avg;
			w -= ws[spanc[k]];
			left--;
		}
	}
	long off = 0;
	for (int i = 0; i < nc; i++) {
		offs[i] = off;
		off += ws[i];
	}
	offs[nc] = off;
	qsort(t->c, t->n, sizeof *t->c, cmp_pos);
	int row = 0;
	off = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct tcell *c = &t->c[i];
		if (blank(c->value) && blank(c->margin))
			continue;
		for (; c->row > row; row++, off = 0)
			cprof__sb_add(o, "\n", 1);
		long spaces = offs[c->col] - off;
		pad(o, spaces > 0 ? spaces : 0);
		pad(o, lm[c->col] - (long)cprof__utf8_runes(c->margin));
		cprof__sb_puts(o, c->margin);
		off += (spaces > 0 ? spaces : 0) + lm[c->col];
		int end = c->col + c->span < nc ? c->col + c->span : nc;
		long tw = offs[end] - offs[c->col] - lm[c->col];
		long r = (long)cprof__utf8_runes(c->value), lp = 0;
		if (c->align == AL_CENTER)
			lp = (tw - r) / 2;
		else if (c->align == AL_RIGHT)
			lp = tw - r;
		if (lp < 0)
			lp = 0;
		pad(o, lp);
		cprof__sb_puts(o, c->value);
		off += lp + r;
	}
	if (t->n > 0)
		cprof__sb_add(o, "\n", 1);
out:
	free(lm);
	free(ws);
	free(offs);
	free(spanc);
}

static void tt_free(struct tt *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->c[i].value);
	free(t->c);
	free(t->shrink);
}

/* ---------------------------------------------------------------- */
/* rendering                                                          */

static void pct_range(const struct cell *c, char *buf, size_t size)
{
	if (isinf(c->lo) || isinf(c->hi)) {
		snprintf(buf, size, "\xe2\x88\x9e");
		return;
	}
	int cs = (c->center > 0) - (c->center < 0);
	if (cs != (c->lo > 0) - (c->lo < 0) || cs != (c->hi > 0) - (c->hi < 0)) {
		snprintf(buf, size, "?");
		return;
	}
	if (c->center == 0) {
		snprintf(buf, size, "0%%");
		return;
	}
	double v = fmax(c->hi / c->center - 1, 1 - c->lo / c->center);
	snprintf(buf, size, "%.0f%%", 100 * v);
}

static void format_delta(const struct bs *b, const struct cell *c, double old, char *buf,
			 size_t size)
{
	double nw = c->center;
	if (c->p > b->o.alpha)
		snprintf(buf, size, "~");
	else if (old == nw)
		snprintf(buf, size, "0.00%%");
	else if (old == 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%+.2f%%", ((nw / old) - 1.0) * 100.0);
}

static void cmp_string(const struct cell *c, char *buf, size_t size)
{
	char p[32] = "";
	if (c->p != 0)
		snprintf(p, sizeof p, "p=%0.3f ", c->p);
	if (c->n1 == c->n2)
		snprintf(buf, size, "%sn=%d", p, c->n1);
	else
		snprintf(buf, size, "%sn=%d+%d", p, c->n1, c->n2);
}

/* Superscript footnote numbers. */
static void superscript(int i, cprof__sb *o)
{
	static const char *d[] = {"\xe2\x81\xb0", "\xc2\xb9",     "\xc2\xb2",     "\xc2\xb3",
				  "\xe2\x81\xb4", "\xe2\x81\xb5", "\xe2\x81\xb6", "\xe2\x81\xb7",
				  "\xe2\x81\xb8", "\xe2\x81\xb9"};
	char digits[24];
	snprintf(digits, sizeof digits, "%d", i);
	for (char *p = digits; *p; p++)
		cprof__sb_puts(o, d[*p - '0']);
}

struct notes {
	char **msg;
	size_t n;
};

static void warn_cell(struct tt *t, struct notes *nt, char *const *msgs, int count)
{
	cprof__sb s = {0};
	for (int k = 0; k < count; k++) {
		{
			const char *m = msgs[k];
			if (!m)
				continue;
			size_t i;
			for (i = 0; i < nt->n; i++)
				if (!strcmp(nt->msg[i], m))
					break;
			if (i == nt->n) {
				char **p = realloc(nt->msg, (nt->n + 1) * sizeof *p);
				if (!p) {
					t->oom = true;
					continue;
				}
				nt->msg = p;
				nt->msg[nt->n++] = (char *)m;
			}
			if (cprof__sb_len(&s))
				cprof__sb_puts(&s, " ");
			superscript((int)i + 1, &s);
		}
	}
	tt_cell(t, cprof__sb_str(&s), AL_LEFT, NULL);
	cprof__sb_free(&s);
}

static int start_col(int exp)
{
	return exp == 0 ? 1 : 1 + 3 + (exp - 1) * 6;
}

static void table_text(const struct bs *b, const struct table *t, cprof__sb *o)
{
	struct tt tt = {0};
	struct notes nt = {0};
	int ncols = (int)t->ncols;
	int redge = start_col(ncols + 1);
	tt.nshrink = redge + 8;
	tt.shrink = calloc((size_t)tt.nshrink, sizeof *tt.shrink);
	if (!tt.shrink) {
		cprof__sb_fail(o);
		return;
	}
	/* header: column keys, then units */
	tt_row(&tt);
	for (int i = 0; i < ncols; i++) {
		tt_colto(&tt, start_col(i));
		tt_span(&tt, start_col(i + 1) - start_col(i), b->cols.str[t->cols[i]], AL_CENTER,
			" \xe2\x94\x82 ");
	}
	tt_colto(&tt, redge);
	tt_cell(&tt, "", AL_LEFT, " \xe2\x94\x82");
	tt_row(&tt);
	for (int i = 0; i < ncols; i++) {
		int l = start_col(i);
		tt_colto(&tt, l);
		tt_span(&tt, 3, t->unit, AL_CENTER, " \xe2\x94\x82 ");
		if (i > 0)
			tt_span(&tt, 3, "vs base", AL_LEFT, "  ");
		for (int j = l + 1; j < tt.col && j < tt.nshrink; j++)
			tt.shrink[j] = true;
	}
	tt_colto(&tt, redge);
	tt_cell(&tt, "", AL_LEFT, " \xe2\x94\x82");

	double *centers = malloc((t->ncols + 1) * sizeof *centers);
	if (!centers) {
		cprof__sb_fail(o);
		tt_free(&tt);
		return;
	}
	for (size_t ri = 0; ri < t->nrows; ri++) {
		tt_row(&tt);
		tt_cell(&tt, b->rows.str[t->rows[ri]], AL_LEFT, NULL);
		size_t nc = 0;
		for (size_t ci = 0; ci < t->ncols; ci++)
			if (t->cells[ri * t->ncols + ci].present)
				centers[nc++] = t->cells[ri * t->ncols + ci].center;
		struct scaler sc = cprof__bu_scale(centers, nc, t->binary);
		for (int exp = 0; exp < ncols; exp++) {
			const struct cell *c = &t->cells[ri * t->ncols + (size_t)exp];
			if (!c->present)
				continue;
			char buf[128];
			tt_colto(&tt, start_col(exp));
			cprof__bu_scale_fmt(sc, c->center, buf, sizeof buf);
			tt_cell(&tt, buf, AL_RIGHT, NULL);
			pct_range(c, buf, sizeof buf);
			tt_cell(&tt, buf, AL_RIGHT, " \xc2\xb1 ");
			warn_cell(&tt, &nt, c->warn, c->nwarn);
			if (exp > 0 && c->has_base) {
				format_delta(b, c, t->cells[ri * t->ncols].center, buf, sizeof buf);
				tt_cell(&tt, buf, AL_RIGHT, NULL);
				char cs[96], par[100];
				cmp_string(c, cs, sizeof cs);
				snprintf(par, sizeof par, "(%s)", cs);
				tt_cell(&tt, par, AL_LEFT, NULL);
				warn_cell(&tt, &nt, c->cwarn, c->ncwarn);
			}
		}
	}
	free(centers);
	if (t->nrows > 1) {
		tt_row(&tt);
		tt_cell(&tt, "geomean", AL_LEFT, NULL);
		for (int exp = 0; exp < ncols; exp++) {
			char buf[128];
			if (t->has_sum[exp]) {
				tt_colto(&tt, start_col(exp));
				struct scaler sc = cprof__bu_scale(&t->sum[exp], 1, t->binary);
				cprof__bu_scale_fmt(sc, t->sum[exp], buf, sizeof buf);
				tt_cell(&tt, buf, AL_RIGHT, NULL);
			}
			if (exp > 0) {
				tt_colto(&tt, start_col(exp) + 3);
				if (t->has_ratio[exp]) {
					snprintf(buf, sizeof buf, "%+.2f%%",
						 (t->ratio[exp] - 1) * 100);
					tt_cell(&tt, buf, AL_RIGHT, NULL);
				} else {
					tt_cell(&tt, "?", AL_LEFT, NULL);
				}
			}
			tt_colto(&tt, start_col(exp + 1) - 1);
			warn_cell(&tt, &nt, t->gwarn[exp], t->ngwarn[exp]);
		}
	}
	tt_format(&tt, o);
	for (size_t i = 0; i < nt.n; i++) {
		superscript((int)i + 1, o);
		cprof__sb_printf(o, " %s\n", nt.msg[i]);
	}
	if (tt.oom)
		cprof__sb_fail(o);
	free(nt.msg);
	tt_free(&tt);
}

/* CSV (RFC 4180 quoting as Go's encoding/csv writes it). */
static void csv_field(cprof__sb *o, const char *f)
{
	bool q = (f[0] == ' ' || f[0] == '\t') || strpbrk(f, ",\"\r\n") || !strcmp(f, "\\.");
	if (!q) {
		cprof__sb_puts(o, f);
		return;
	}
	cprof__sb_add(o, "\"", 1);
	for (; *f; f++) {
		if (*f == '"')
			cprof__sb_add(o, "\"", 1);
		cprof__sb_add(o, f, 1);
	}
	cprof__sb_add(o, "\"", 1);
}

struct csvrow {
	char **f;
	size_t n;
};

static void row_push(struct csvrow *r, const char *s, bool *oom)
{
	char **p = realloc(r->f, (r->n + 1) * sizeof *p);
	if (!p || !(s = strdup(s))) {
		free(p == r->f ? NULL : NULL);
		if (p)
			r->f = p;
		*oom = true;
		return;
	}
	r->f = p;
	r->f[r->n++] = (char *)s;
}

static void row_clear_to(struct csvrow *r, size_t col, bool *oom)
{
	while (r->n < col && !*oom)
		row_push(r, "", oom);
}

static void row_emit(struct csvrow *r, cprof__sb *o, int *rowcount)
{
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			cprof__sb_add(o, ",", 1);
		csv_field(o, r->f[i]);
		free(r->f[i]);
	}
	cprof__sb_add(o, "\n", 1);
	r->n = 0;
	(*rowcount)++;
}

static void csv_warn(FILE *err, const struct csvrow *r, int row, char *const *msgs, int n)
{
	char name[16];
	int pos = (int)sizeof name - 1;
	name[pos] = 0;
	for (size_t x = r->n; x > 0 && pos > 0; x /= 26)
		name[--pos] = (char)('A' + x % 26);
	if (pos == (int)sizeof name - 1)
		name[--pos] = 'A';
	for (int i = 0; i < n; i++)
		fprintf(err, "%s%d: %s\n", name + pos, row, msgs[i]);
}

static int csv_start(int exp)
{
	return exp == 0 ? 1 : 1 + 2 + (exp - 1) * 4;
}

static void table_csv(const struct bs *b, const struct table *t, cprof__sb *o, int start_row,
		      int *rows, FILE *err)
{
	struct csvrow r = {0};
	bool oom = false;
	int n = 0;
	for (size_t exp = 0; exp < t->ncols; exp++) {
		row_clear_to(&r, (size_t)csv_start((int)exp), &oom);
		row_push(&r, b->cols.str[t->cols[exp]], &oom);
	}
	row_emit(&r, o, &n);
	for (size_t exp = 0; exp < t->ncols; exp++) {
		row_clear_to(&r, (size_t)csv_start((int)exp), &oom);
		row_push(&r, t->unit, &oom);
		row_push(&r, "CI", &oom);
		if (exp > 0) {
			row_push(&r, "vs base", &oom);
			row_push(&r, "P", &oom);
		}
	}
	row_emit(&r, o, &n);
	for (size_t ri = 0; ri < t->nrows; ri++) {
		row_push(&r, b->rows.str[t->rows[ri]], &oom);
		for (size_t exp = 0; exp < t->ncols; exp++) {
			const struct cell *c = &t->cells[ri * t->ncols + exp];
			if (!c->present)
				continue;
			char buf[128];
			row_clear_to(&r, (size_t)csv_start((int)exp), &oom);
			csv_warn(err, &r, start_row + n, c->warn, c->nwarn);
			cprof__bu_go_float(c->center, buf, sizeof buf);
			row_push(&r, buf, &oom);
			pct_range(c, buf, sizeof buf);
			row_push(&r, buf, &oom);
			if (exp > 0 && c->has_base) {
				csv_warn(err, &r, start_row + n, c->cwarn, c->ncwarn);
				format_delta(b, c, t->cells[ri * t->ncols].center, buf, sizeof buf);
				row_push(&r, buf, &oom);
				cmp_string(c, buf, sizeof buf);
				row_push(&r, buf, &oom);
			}
		}
		row_emit(&r, o, &n);
	}
	row_push(&r, "geomean", &oom);
	for (size_t exp = 0; exp < t->ncols && exp < 64; exp++) {
		char buf[64];
		row_clear_to(&r, (size_t)csv_start((int)exp), &oom);
		csv_warn(err, &r, start_row + n, t->gwarn[exp], t->ngwarn[exp]);
		if (t->has_sum[exp]) {
			cprof__bu_go_float(t->sum[exp], buf, sizeof buf);
			row_push(&r, buf, &oom);
		}
		if (exp > 0) {
			row_clear_to(&r, (size_t)csv_start((int)exp) + 2, &oom);
			if (t->has_ratio[exp])
				snprintf(buf, sizeof buf, "%+.2f%%", (t->ratio[exp] - 1) * 100);
			else
				snprintf(buf, sizeof buf, "?");
			row_push(&r, buf, &oom);
		}
	}
	row_emit(&r, o, &n);
	free(r.f);
	if (oom)
		cprof__sb_fail(o);
	*rows = n;
}

int cprof__table_render(const struct bs *b, FILE *out, FILE *err)
{
	cprof__sb o = {0};
	int csvrow = 1;
	for (size_t ti = 0; ti < b->nt; ti++) {
		const struct table *t = &b->t[ti];
		if (ti > 0) {
			cprof__sb_add(&o, "\n", 1);
			csvrow++;
		}
		/* configuration that changed since the previous table */
		for (size_t k = 0; k < b->ntkeys; k++) {
			const char *v = cprof__bf_config_get(&b->set, t->config, b->tkeys[k]);
			const char *pv =
				ti ? cprof__bf_config_get(&b->set, b->t[ti - 1].config, b->tkeys[k])
				   : NULL;
			if (ti == 0 || strcmp(v ? v : "", pv ? pv : "")) {
				cprof__sb line = {0};
				cprof__sb_printf(&line, "%s: %s", b->tkeys[k], v ? v : "");
				if (b->o.csv) {
					csv_field(&o, cprof__sb_str(&line));
					cprof__sb_add(&o, "\n", 1);
					csvrow++;
				} else {
					cprof__sb_printf(&o, "%s\n", cprof__sb_str(&line));
				}
				cprof__sb_free(&line);
			}
		}
		if (b->o.csv) {
			int n = 0;
			table_csv(b, t, &o, csvrow, &n, err);
			csvrow += n;
		} else {
			table_text(b, t, &o);
		}
	}
	if (cprof__sb_failed(&o)) {
		cprof__sb_free(&o);
		return -1;
	}
	if (cprof__sb_len(&o))
		fwrite(cprof__sb_str(&o), 1, cprof__sb_len(&o), out);
	cprof__sb_free(&o);
	return 0;
}
