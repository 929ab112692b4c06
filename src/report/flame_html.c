/*
 * flame_html.c — the flame graph as one self-contained HTML page (see
 * flame.h).  The page is web/flame.html (embedded by web/embed.sh); this
 * file writes the data it draws, as JSON inside its <script>:
 *
 *   {"title", "subtitle", "types": [{"name", "unit"}...], "sel": index,
 *    "diff": bool, "pruned": share, "names": [...], "palette": "hot" | "mem"
 *    | "io", "hash": PACKED (24 colour bits per name), "nn": nodes,
 *    "d": PACKED, "n": PACKED, "v": [PACKED per column], "scale": [...],
 *    "same": [...]}
 *
 * Nodes are the merged tree in preorder (children in name order), with
 * every sample type's values, so the page can switch types, zoom, pivot and
 * tabulate without the server.  Columns are the sample types (NEW), then in
 * a differential graph the same types again (OLD).
 *
 * When frames were dropped ("pruned" > 0), "x": [PACKED per column] holds
 * for each frame written the total of its dropped children, which its self
 * value includes, packed as "v" is, with "xscale" and "xsame".
 *
 * "names" holds the names of the frames written (a pruned tree may name
 * few of the profile's functions).  PACKED strings hold one number per
 * node, each as base-64 digits (A-Za-z0-9-_) of 5 bits, least significant
 * first, digits 32..63 meaning "more follow": "d" is the depth step (0 for
 * the root, else the depth of the previous node + 1 - this depth), "n" the
 * name index, "v" a column's *self* values (zigzag: 2v, or -2v-1 when
 * negative) divided by "scale" (their GCD); the page sums them up into
 * totals.  "same"[c] >= 0 means column c equals column same[c] (an empty
 * string is written: CPU profiles' samples and nanoseconds are one column
 * times the period).  Mostly-zero self values make this ~4 times smaller
 * than JSON arrays of totals and quicker to parse (docs/FLAME.md).  JSON
 * strings are escaped for a <script> element (no "</script>" can appear).
 */
#include "compat.h"
#include "report/flame_int.h"
#include "base/escape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_jstr(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	cprof__json_escape(out, s, n);
	fputc('"', out);
}

/* The packed-number writer (see the top of this file). */
typedef struct packer {
	FILE *out;
	size_t n;
	char buf[65536];
} packer;

static const char pk_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void pk_init(packer *pk, FILE *out)
{
	pk->out = out;
	pk->n = 0;
}

static void pk_flush(packer *pk)
{
	fwrite(pk->buf, 1, pk->n, pk->out);
	pk->n = 0;
}

static void pk_put(packer *pk, uint64_t u)
{
	if (pk->n + 16 > sizeof(pk->buf)) /* 64 bits are at most 13 digits */
		pk_flush(pk);
	while (u >= 32) {
		pk->buf[pk->n++] = pk_digits[32 + (u & 31)];
		u >>= 5;
	}
	pk->buf[pk->n++] = pk_digits[u];
}

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t r = a % b;
		a = b;
		b = r;
	}
	return a;
}

/* What a page's column holds for each frame: its self value (the total
 * minus the totals of its kept children: what was dropped below a frame
 * counts as its own), or the total of its dropped children. */
typedef void column_fn(const ftree *t, const bool *keep, size_t c, int64_t *dst);

static void column_self(const ftree *t, const bool *keep, size_t c, int64_t *dst)
{
	for (size_t i = 0; i < t->nn; i++)
		dst[i] = keep[i] ? t->val[i * t->ncol + c] : 0;
	for (size_t i = 1; i < t->nn; i++)
		if (keep[i])
			dst[t->n[i].parent] -= t->val[i * t->ncol + c];
}

static void column_dropped(const ftree *t, const bool *keep, size_t c, int64_t *dst)
{
	for (size_t i = 0; i < t->nn; i++)
		dst[i] = 0;
	for (size_t i = 1; i < t->nn; i++)
		if (!keep[i] && keep[t->n[i].parent])
			dst[t->n[i].parent] += t->val[i * t->ncol + c];
}

static uint64_t abs_u64(int64_t v)
{
	return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

/* Writes "KEY":[PACKED per column],\n"PREFIXscale":[...],"PREFIXsame":[...]:
 * each column over the kept frames, zigzag over the column's GCD, and a
 * column equal to an earlier one (both scaled) written once, as an empty
 * string.  Columns are filled one at a time, an earlier one again for each
 * comparison: a page has a few columns, a tree may have millions of
 * frames.  False when out of memory (nothing written). */
static bool put_columns(FILE *out, const ftree *t, const bool *keep, column_fn *fill,
			const char *key, const char *prefix)
{
	size_t ncol = t->ncol, nn = t->nn;
	int64_t *v = malloc(2 * (nn + 1) * sizeof(*v));
	uint64_t *scale = malloc((ncol + 1) * sizeof(*scale));
	long *same = malloc((ncol + 1) * sizeof(*same));
	if (!v || !scale || !same) {
		free(v);
		free(scale);
		free(same);
		return false;
	}
	int64_t *w = v + nn + 1;
	packer pk;
	fprintf(out, "\"%s\":[", key);
	for (size_t c = 0; c < ncol; c++) {
		fill(t, keep, c, v);
		uint64_t g = 0;
		for (size_t i = 0; i < nn; i++)
			if (keep[i])
				g = gcd_u64(g, abs_u64(v[i]));
		scale[c] = g && g <= INT64_MAX ? g : 1;
		same[c] = -1;
		for (size_t j = 0; j < c && same[c] < 0; j++) {
			if (same[j] >= 0)
				continue;
			fill(t, keep, j, w);
			bool eq = true;
			for (size_t i = 0; i < nn && eq; i++)
				eq = !keep[i] ||
				     v[i] / (int64_t)scale[c] == w[i] / (int64_t)scale[j];
			if (eq)
				same[c] = (long)j;
		}
		fputs(c ? ",\n\"" : "\"", out);
		if (same[c] < 0) {
			pk_init(&pk, out);
			for (size_t i = 0; i < nn; i++)
				if (keep[i]) {
					int64_t x = v[i] / (int64_t)scale[c];
					pk_put(&pk, x < 0 ? 2 * abs_u64(x) - 1 : 2 * (uint64_t)x);
				}
			pk_flush(&pk);
		}
		fputc('"', out);
	}
	fprintf(out, "],\n\"%sscale\":[", prefix);
	for (size_t c = 0; c < ncol; c++)
		fprintf(out, c ? ",%llu" : "%llu", (unsigned long long)scale[c]);
	fprintf(out, "],\"%ssame\":[", prefix);
	for (size_t c = 0; c < ncol; c++)
		fprintf(out, c ? ",%ld" : "%ld", same[c]);
	fputc(']', out);
	free(v);
	free(scale);
	free(same);
	return true;
}

const char *cprof__flame_sample_type(const cprof__report *r, size_t k, size_t *n, size_t *sel)
{
	const cprof__profile *p = r->p;
	*n = p->sample_type.n;
	*sel = r->vi;
	return k < p->sample_type.n ? cprof__profile_string(p, p->sample_type.v[k].type) : NULL;
}

int cprof__report_flame_html(cprof__report *r, const cprof__flame_opts *o, FILE *out, bool *empty,
			     char *err, size_t errlen)
{
	const cprof__profile *p = r->p;
	size_t nt = p->sample_type.n;
	size_t *cols = malloc((nt + 1) * sizeof(*cols));
	uint32_t *depth = NULL;
	bool *keep = NULL;
	uint32_t *nmap = NULL;
	packer pk;
	ftree t;
	memset(&t, 0, sizeof(t));
	int ret = -1;
	if (!cols)
		goto oom;
	for (size_t k = 0; k < nt; k++)
		cols[k] = k;
	if (r->has_mean) {
		snprintf(err, errlen, "-mean is not supported by flame graphs");
		goto done;
	}
	if (cprof__ftree_build(&t, r, cols, nt, o->reverse) < 0)
		goto oom;
	depth = malloc((t.nn + 1) * sizeof(*depth));
	keep = malloc((t.nn + 1) * sizeof(*keep));
	if (!depth || !keep)
		goto oom;
	/* Past max_frames, drop frames below a share of the total of every
	 * type, raising the share until the tree fits. */
	size_t max = o->max_frames ? o->max_frames : 2000000;
	double share = 0;
	size_t kept;
	for (;;) {
		kept = 0;
		for (size_t i = 0; i < t.nn; i++) {
			bool k = i == 0 || keep[t.n[i].parent];
			if (k && i > 0) {
				bool big = false;
				for (size_t c = 0; c < t.ncol && !big; c++) {
					int64_t v = t.val[i * t.ncol + c];
					int64_t tot = t.val[c];
					big = v != 0 &&
					      (share == 0 ||
					       (double)(v < 0 ? -v : v) >=
						       share * (double)(tot < 0 ? -tot : tot));
				}
				k = big;
			}
			keep[i] = k;
			depth[i] = i == 0 ? 0 : depth[t.n[i].parent] + 1;
			kept += k;
		}
		if (kept <= max)
			break;
		share = share == 0 ? 1e-6 : share * 4;
	}
	if (empty) {
		int64_t tot = t.val[r->vi];
		*empty = tot == 0;
	}

	fputs(cprof__flame_html_head, out);
	fputs("{\"title\":", out);
	const char *title = o->title ? o->title : cprof__flame_title(o, t.diff);
	put_jstr(out, title, strlen(title));
	fputs(",\"subtitle\":\"", out);
	if (o->subtitle)
		cprof__json_escape(out, o->subtitle, strlen(o->subtitle));
	else
		cprof__flame_subtitle(out, r, &t, r->vi, cprof__json_escape);
	fprintf(out, "\",\"sel\":%zu,\"diff\":%s,\"pruned\":%g,\"types\":[", r->vi,
		t.diff ? "true" : "false", share);
	for (size_t k = 0; k < nt; k++) {
		const char *tn = cprof__profile_string(p, p->sample_type.v[k].type);
		const char *tu = cprof__profile_string(p, p->sample_type.v[k].unit);
		fputs(k ? ",{\"name\":" : "{\"name\":", out);
		put_jstr(out, tn, strlen(tn));
		fputs(",\"unit\":", out);
		put_jstr(out, tu, strlen(tu));
		fputc('}', out);
	}
	/* Only the names of kept frames, in their order: a pruned tree of a
	 * big profile may name a fraction of its functions. */
	nmap = malloc((t.nnames + 1) * sizeof(*nmap));
	if (!nmap)
		goto oom;
	for (size_t i = 0; i < t.nnames; i++)
		nmap[i] = UINT32_MAX;
	for (size_t i = 0; i < t.nn; i++)
		if (keep[i])
			nmap[t.n[i].name] = 0;
	uint32_t nused = 0;
	for (size_t i = 0; i < t.nnames; i++)
		if (nmap[i] == 0)
			nmap[i] = nused++;
	fputs("],\n\"names\":[", out);
	for (size_t i = 0; i < t.nnames; i++) {
		if (nmap[i] == UINT32_MAX)
			continue;
		size_t len;
		const char *nm = ftree_name(&t, (uint32_t)i, &len);
		if (nmap[i])
			fputc(',', out);
		put_jstr(out, nm, len);
	}
	/* Colours: the palette and each name's hash, as the SVG picks them. */
	static const char *const pals[] = {"hot", "hot", "mem", "io"};
	fprintf(out, "],\n\"palette\":\"%s\",\"hash\":\"",
		pals[cprof__flame_auto_palette(r, o->palette)]);
	pk_init(&pk, out);
	for (size_t i = 0; i < t.nnames; i++) {
		if (nmap[i] == UINT32_MAX)
			continue;
		size_t len;
		const char *nm = ftree_name(&t, (uint32_t)i, &len);
		pk_put(&pk, cprof__flame_hash24(nm, len));
	}
	pk_flush(&pk);
	fprintf(out, "\",\n\"nn\":%zu,\n\"d\":\"", kept);
	pk_init(&pk, out);
	uint32_t prev = 0;
	for (size_t i = 0; i < t.nn; i++)
		if (keep[i]) {
			pk_put(&pk, i ? prev + 1 - depth[i] : 0);
			prev = depth[i];
		}
	pk_flush(&pk);
	fputs("\",\n\"n\":\"", out);
	for (size_t i = 0; i < t.nn; i++)
		if (keep[i])
			pk_put(&pk, nmap[t.n[i].name]);
	pk_flush(&pk);
	/* Self values of the kept tree (a dropped subtree counts as its
	 * parent's self), per column. */
	fputs("\",\n", out);
	if (!put_columns(out, &t, keep, column_self, "v", ""))
		goto oom;
	/* Pruned: per column, what was dropped right below each kept frame
	 * (the totals of its dropped children), which its self above
	 * includes; the page's table and tooltip take it out again. */
	if (share > 0) {
		fputs(",\n", out);
		if (!put_columns(out, &t, keep, column_dropped, "x", "x"))
			goto oom;
	}
	fputs("}\n", out);
	fputs(cprof__flame_html_tail, out);
	ret = cprof__report_end(out, false, err, errlen);
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	free(cols);
	free(depth);
	free(keep);
	free(nmap);
	cprof__ftree_free(&t);
	return ret;
}
