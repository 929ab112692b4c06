/*
 * tags.c — the `tags` report (pprof's printTags): for every label key, the
 * total of the selected value over the samples carrying it and the share of
 * each label value, laid out as Go's tabwriter (right-aligned columns) does;
 * and `comments`.
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"
#include "base/hash.h"
#include "base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tagval {
	int64_t key, val; /* ids in r->strs */
	int64_t sum;
} tagval;

static const cprof__report *sort_r;

/* The (key, value) table's hash. */
static size_t pair_hash(int64_t key, int64_t val)
{
	return (size_t)cprof__mix64(cprof__mix64((uint64_t)key) ^ (uint64_t)val);
}

static int by_key_then_weight(const void *pa, const void *pb)
{
	const tagval *a = pa, *b = pb;
	int c = strcmp(cprof__profile_string(&sort_r->strs, a->key),
		       cprof__profile_string(&sort_r->strs, b->key));
	if (c)
		return c;
	int64_t x = cprof__wabs(a->sum), y = cprof__wabs(b->sum);
	if (a->sum != b->sum && x != y)
		return x > y ? -1 : 1;
	return strcmp(cprof__profile_string(&sort_r->strs, a->val),
		      cprof__profile_string(&sort_r->strs, b->val));
}

/* A tag value's cell: "1.5MB (25.00%):", or without the share when the
 * key's total is not positive. */
static void value_cell(const cprof__report *r, char *cell, size_t n, int64_t sum, int64_t total)
{
	char pct[32];
	const char *u;
	double f = cprof__units_scale(sum, r->sunit, r->o.unit, &u);
	if (total > 0)
		snprintf(cell, n, "%.1f%s (%s):", f, u,
			 cprof__units_pct(pct, sizeof(pct), sum, total));
	else
		snprintf(cell, n, "%.1f%s:", f, u);
}

int cprof__report_tags(cprof__report *r, FILE *out, char *err, size_t errlen)
{
	const cprof__profile *p = r->p;
	size_t cap = 1024, n = 0;
	tagval *tv = malloc(cap * sizeof(*tv));
	uint32_t *hash = calloc(4096, sizeof(uint32_t));
	size_t hcap = 4096;
	if (!tv || !hash)
		goto oom;
	for (size_t si = 0; si < p->sample.n; si++) {
		const cprof__sample *s = &p->sample.v[si];
		const cprof__label *l = cprof__sample_labels(p, s);
		int64_t v = cprof__rvalue(r, cprof__sample_values(p, s));
		for (uint32_t i = 0; i < s->nlabel; i++) {
			const char *k = cprof__profile_string(p, l[i].key);
			char b[64];
			const char *val;
			if (l[i].str != 0) {
				val = cprof__profile_string(p, l[i].str);
			} else {
				const char *unit = cprof__profile_string(p, l[i].num_unit);
				if (!*unit)
					unit = (!strcmp(k, "alignment") || !strcmp(k, "request"))
						       ? "bytes"
						       : k;
				val = cprof__units_label(b, sizeof(b), l[i].num, unit, r->o.unit);
			}
			int64_t kid = cprof__profile_str(&r->strs, k),
				vid = cprof__profile_str(&r->strs, val);
			if (r->strs.oom)
				goto oom;
			size_t j = pair_hash(kid, vid) & (hcap - 1);
			for (; hash[j]; j = (j + 1) & (hcap - 1))
				if (tv[hash[j] - 1].key == kid && tv[hash[j] - 1].val == vid)
					break;
			if (hash[j]) {
				tv[hash[j] - 1].sum = cprof__wadd(tv[hash[j] - 1].sum, v);
				continue;
			}
			if (n == cap) {
				tagval *nv = realloc(tv, cap * 2 * sizeof(*tv));
				if (!nv)
					goto oom;
				tv = nv;
				cap *= 2;
			}
			tv[n] = (tagval){kid, vid, v};
			hash[j] = (uint32_t)++n;
			if (n * 2 > hcap) {
				uint32_t *nh = calloc(hcap * 2, sizeof(uint32_t));
				if (!nh)
					goto oom;
				hcap *= 2;
				for (size_t q = 0; q < n; q++) {
					size_t jj = pair_hash(tv[q].key, tv[q].val) & (hcap - 1);
					while (nh[jj])
						jj = (jj + 1) & (hcap - 1);
					nh[jj] = (uint32_t)q + 1;
				}
				free(hash);
				hash = nh;
			}
		}
	}
	sort_r = r;
	qsort(tv, n, sizeof(*tv), by_key_then_weight);
	char num[64], cell[160];
	const char *u;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		int64_t total = 0;
		size_t w1 = 0;
		while (j < n && tv[j].key == tv[i].key)
			total = cprof__wadd(total, tv[j++].sum);
		for (size_t k = i; k < j; k++) {
			value_cell(r, cell, sizeof(cell), tv[k].sum, total);
			if (cprof__utf8_runes(cell) > w1)
				w1 = cprof__utf8_runes(cell);
		}
		const char *key = cprof__profile_string(&r->strs, tv[i].key);
		size_t w0 = cprof__utf8_runes(key) + 1;
		if (w0 < 1)
			w0 = 1;
		double f = cprof__units_scale(total, r->sunit, r->o.unit, &u);
		fprintf(out, "%*s%s:%s Total %.1f%s\n",
			(int)(w0 + 1 - (cprof__utf8_runes(key) + 1)), "", key, "", f, u);
		for (size_t k = i; k < j; k++) {
			value_cell(r, cell, sizeof(cell), tv[k].sum, total);
			snprintf(num, sizeof(num), "%*s", (int)(w0 + 1), " ");
			fprintf(out, "%s%*s%s %s\n", num, (int)(w1 + 1 - cprof__utf8_runes(cell)),
				"", cell, cprof__profile_string(&r->strs, tv[k].val));
		}
		fprintf(out, "\n");
		i = j;
	}
	free(tv);
	free(hash);
	return cprof__report_end(out, false, err, errlen);
oom:
	free(tv);
	free(hash);
	snprintf(err, errlen, "out of memory");
	return -1;
}

int cprof__report_comments(cprof__report *r, FILE *out, char *err, size_t errlen)
{
	const cprof__profile *p = r->p;
	for (size_t i = 0; i < p->comment.n; i++)
		fprintf(out, "%s\n", cprof__profile_string(p, p->comment.v[i]));
	return cprof__report_end(out, false, err, errlen);
}
