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

/* Self values of column c over the kept tree: the total minus the totals
 * of the kept children (what was dropped below a node counts as its own). */
static void column_self(const ftree *t, const bool *keep, size_t c, int64_t *selfv)
{
	for (size_t i = 0; i < t->nn; i++)
		selfv[i] = keep[i] ? t->val[i * t->ncol + c] : 0;
	for (size_t i = 1; i < t->nn; i++)
		if (keep[i])
			selfv[t->n[i].parent] -= t->val[i * t->ncol + c];
}

/* Column a scaled by 1/sa equals column b scaled by 1/sb (every value is a
 * multiple of its scale: totals are sums of self values). */
static bool columns_equal(const ftree *t, const bool *keep, size_t a, uint64_t sa, size_t b,
			  uint64_t sb)
{
	for (size_t i = 0; i < t->nn; i++)
		if (keep[i] &&
		    t->val[i * t->ncol + a] / (int64_t)sa != t->val[i * t->ncol + b] / (int64_t)sb)
			return false;
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
	int64_t *selfv = NULL;
	uint64_t *scale = NULL;
	long *same = NULL;
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
	 * parent's self), per column, then their GCD and equal columns. */
	size_t ncol = t.ncol;
	selfv = malloc(t.nn * sizeof(*selfv));
	scale = malloc(ncol * sizeof(*scale));
	same = malloc(ncol * sizeof(*same));
	if (!selfv || !scale || !same)
		goto oom;
	fputs("\",\n\"v\":[", out);
	for (size_t c = 0; c < ncol; c++) {
		column_self(&t, keep, c, selfv);
		uint64_t g = 0;
		for (size_t i = 0; i < t.nn; i++)
			if (keep[i])
				g = gcd_u64(g, selfv[i] < 0 ? 0 - (uint64_t)selfv[i]
							    : (uint64_t)selfv[i]);
		scale[c] = g && g <= INT64_MAX ? g : 1;
		same[c] = -1;
		for (size_t j = 0; j < c && same[c] < 0; j++)
			if (same[j] < 0 && columns_equal(&t, keep, c, scale[c], j, scale[j]))
				same[c] = (long)j;
		fputs(c ? ",\n\"" : "\"", out);
		if (same[c] < 0) {
			pk_init(&pk, out);
			for (size_t i = 0; i < t.nn; i++)
				if (keep[i]) {
					int64_t v = selfv[i] / (int64_t)scale[c];
					pk_put(&pk,
					       v < 0 ? 2 * (0 - (uint64_t)v) - 1 : 2 * (uint64_t)v);
				}
			pk_flush(&pk);
		}
		fputc('"', out);
	}
	fputs("],\n\"scale\":[", out);
	for (size_t c = 0; c < ncol; c++)
		fprintf(out, c ? ",%llu" : "%llu", (unsigned long long)scale[c]);
	fputs("],\"same\":[", out);
	for (size_t c = 0; c < ncol; c++)
		fprintf(out, c ? ",%ld" : "%ld", same[c]);
	fputc(']', out);
	if (share > 0) {
		/* Pruned: per column, what was dropped right below each kept
		 * frame (the totals of its dropped children), which its self
		 * above includes; the page's table and tooltip take it out
		 * again.  Packed as the self values are: zigzag over the
		 * column's GCD ("xscale"), a column equal to an earlier one
		 * written once ("xsame"). */
		int64_t *xv = malloc(ncol * t.nn * sizeof(*xv));
		if (!xv)
			goto oom;
		fputs(",\n\"x\":[", out);
		for (size_t c = 0; c < ncol; c++) {
			int64_t *x = xv + c * t.nn;
			for (size_t i = 0; i < t.nn; i++)
				x[i] = 0;
			for (size_t i = 1; i < t.nn; i++)
				if (!keep[i] && keep[t.n[i].parent])
					x[t.n[i].parent] += t.val[i * t.ncol + c];
			uint64_t g = 0;
			for (size_t i = 0; i < t.nn; i++)
				if (keep[i])
					g = gcd_u64(g,
						    x[i] < 0 ? 0 - (uint64_t)x[i] : (uint64_t)x[i]);
			scale[c] = g && g <= INT64_MAX ? g : 1;
			same[c] = -1;
			for (size_t j = 0; j < c && same[c] < 0; j++) {
				bool eq = same[j] < 0;
				for (size_t i = 0; i < t.nn && eq; i++)
					eq = !keep[i] ||
					     x[i] / (int64_t)scale[c] ==
						     xv[j * t.nn + i] / (int64_t)scale[j];
				if (eq)
					same[c] = (long)j;
			}
			fputs(c ? ",\"" : "\"", out);
			if (same[c] < 0) {
				pk_init(&pk, out);
				for (size_t i = 0; i < t.nn; i++)
					if (keep[i]) {
						int64_t v = x[i] / (int64_t)scale[c];
						pk_put(&pk, v < 0 ? 2 * (0 - (uint64_t)v) - 1
								  : 2 * (uint64_t)v);
					}
				pk_flush(&pk);
			}
			fputc('"', out);
		}
		free(xv);
		fputs("],\"xscale\":[", out);
		for (size_t c = 0; c < ncol; c++)
			fprintf(out, c ? ",%llu" : "%llu", (unsigned long long)scale[c]);
		fputs("],\"xsame\":[", out);
		for (size_t c = 0; c < ncol; c++)
			fprintf(out, c ? ",%ld" : "%ld", same[c]);
		fputc(']', out);
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
	free(selfv);
	free(scale);
	free(same);
	free(nmap);
	cprof__ftree_free(&t);
	return ret;
}
