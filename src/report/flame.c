/*
 * flame.c — the merged call tree of a report and its SVG flame graph.
 *
 * The tree: every sample's stack (root first, inlined frames expanded, names
 * as the report's granularity gives them) is inserted in a trie keyed by
 * (parent, frame name), adding the sample's value to every node on the path.
 * A hash table over (parent, name) keeps that linear in the number of
 * frames, so the 200 000-stack synthetic profile (~4.8 M frames) builds in a
 * fraction of a second.
 *
 * The SVG follows flamegraph.pl's model (docs/FLAME.md): one <g> per frame
 * with a <title> tooltip, a <rect> and a label when it fits; frames narrower
 * than --minwidth are pruned before anything is written; the script
 * (web/flame_svg.js, embedded) adds zoom, search and the details line.
 */
#include "compat.h"
#include "report/flame_int.h"
#include "report/units.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cprof_flame_opts_init(cprof_flame_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->width = 1200;
	o->frame_height = 16;
	o->fontsize = 12;
	o->minwidth = 0.1;
	o->palette = CPROF_PAL_AUTO;
}

/* ---- text ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned min;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	unsigned cp = c & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* U+FFFE/U+FFFF are not XML characters. */
	if (cp == 0xfffe || cp == 0xffff)
		return 0;
	return len;
}

size_t cprof__utf8_len(const char *s, size_t n)
{
	size_t chars = 0;
	for (size_t i = 0; i < n; chars++) {
		size_t l = utf8_seq((const unsigned char *)s + i, n - i);
		i += l ? l : 1;
	}
	return chars;
}

size_t cprof__utf8_prefix(const char *s, size_t n, size_t chars)
{
	size_t i = 0;
	while (i < n && chars-- > 0) {
		size_t l = utf8_seq((const unsigned char *)s + i, n - i);
		i += l ? l : 1;
	}
	return i;
}

void cprof__xml_escape(FILE *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0; /* start of the pending run of plain bytes */
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		const char *rep = NULL;
		size_t l = 1;
		if (c == '&')
			rep = "&amp;";
		else if (c == '<')
			rep = "&lt;";
		else if (c == '>')
			rep = "&gt;";
		else if (c == '"')
			rep = "&quot;";
		else if (c == '\'')
			rep = "&#39;";
		else if (c < 0x20 && c != '\t')
			rep = "\xef\xbf\xbd";
		else if (c >= 0x80 && !(l = utf8_seq(u + i, n - i))) {
			rep = "\xef\xbf\xbd";
			l = 1;
		}
		if (rep) {
			fwrite(s + run, 1, i - run, out);
			fputs(rep, out);
			i += l;
			run = i;
		} else {
			i += l;
		}
	}
	fwrite(s + run, 1, n - run, out);
}

void cprof__json_escape(FILE *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = u[i];
		char rep[8];
		size_t l = 1;
		bool esc = true;
		if (c == '"' || c == '\\')
			snprintf(rep, sizeof(rep), "\\%c", c);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			snprintf(rep, sizeof(rep), "\\u%04x", c);
		else if (c >= 0x80 && !(l = utf8_seq(u + i, n - i))) {
			snprintf(rep, sizeof(rep), "\\ufffd");
			l = 1;
		} else if (l == 3 && c == 0xe2 && u[i + 1] == 0x80 && (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
			/* U+2028/U+2029 end lines in older JavaScript. */
			snprintf(rep, sizeof(rep), "\\u%04x", 0x2000 + (u[i + 2] == 0xa8 ? 0x28 : 0x29));
		} else {
			esc = false;
		}
		if (esc) {
			fwrite(s + run, 1, i - run, out);
			fputs(rep, out);
			i += l;
			run = i;
		} else {
			i += l;
		}
	}
	fwrite(s + run, 1, n - run, out);
}

/* ---- colours ---------------------------------------------------------- */

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	/* Final mix so that names differing in the last byte differ in every
	 * colour channel. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

uint32_t cprof__flame_hash24(const char *name, size_t n)
{
	return (uint32_t)(fnv1a(name, n) & 0xffffff);
}

void cprof__flame_color(cprof_flame_palette pal, const char *name, size_t n, int rgb[3])
{
	uint64_t h = cprof__flame_hash24(name, n);
	double v1 = (double)(h & 0xff) / 255, v2 = (double)((h >> 8) & 0xff) / 255;
	double v3 = (double)((h >> 16) & 0xff) / 255;
	switch (pal) {
	case CPROF_PAL_MEM: /* flamegraph.pl's mem: greens */
		rgb[0] = 0;
		rgb[1] = 190 + (int)(50 * v2);
		rgb[2] = (int)(210 * v1);
		break;
	case CPROF_PAL_IO: /* io: blues */
		rgb[0] = 80 + (int)(60 * v1);
		rgb[1] = rgb[0];
		rgb[2] = 190 + (int)(55 * v2);
		break;
	default: /* hot */
		rgb[0] = 205 + (int)(50 * v3);
		rgb[1] = (int)(230 * v1);
		rgb[2] = (int)(55 * v2);
		break;
	}
}

static bool contains(const char *s, const char *word)
{
	return strstr(s, word) != NULL;
}

cprof_flame_palette cprof__flame_auto_palette(const cprof_report *r, cprof_flame_palette pal)
{
	if (pal != CPROF_PAL_AUTO)
		return pal;
	const char *t = r->stype ? r->stype : "";
	const char *u = r->sunit ? r->sunit : "";
	if (contains(t, "delay") || contains(t, "contention") || contains(t, "block") ||
	    contains(t, "mutex") || contains(t, "wait") || contains(t, "lock"))
		return CPROF_PAL_IO;
	if (contains(t, "space") || contains(t, "objects") || contains(t, "alloc") ||
	    contains(t, "inuse") || contains(t, "heap") || !strcmp(u, "bytes"))
		return CPROF_PAL_MEM;
	return CPROF_PAL_HOT;
}

/* ---- the tree --------------------------------------------------------- */

static uint32_t hash32(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static bool names_rehash(ftree *t, size_t cap)
{
	uint32_t *h = calloc(cap, sizeof(*h));
	if (!h)
		return false;
	for (size_t i = 0; i < t->nnames; i++) {
		size_t len;
		const char *s = ftree_name(t, (uint32_t)i, &len);
		size_t k = hash32(s, len) & (cap - 1);
		while (h[k])
			k = (k + 1) & (cap - 1);
		h[k] = (uint32_t)i + 1;
	}
	free(t->nhash);
	t->nhash = h;
	t->nhcap = cap;
	return true;
}

/* Intern a frame name; UINT32_MAX on OOM. */
static uint32_t name_intern(ftree *t, const char *s, size_t n)
{
	if ((t->nnames + 1) * 2 > t->nhcap && !names_rehash(t, t->nhcap ? t->nhcap * 2 : 1024))
		return UINT32_MAX;
	size_t k = hash32(s, n) & (t->nhcap - 1);
	for (uint32_t e; (e = t->nhash[k]); k = (k + 1) & (t->nhcap - 1)) {
		size_t len;
		const char *x = ftree_name(t, e - 1, &len);
		if (len == n && !memcmp(x, s, n))
			return e - 1;
	}
	if (t->nnames == t->cnames) {
		size_t c = t->cnames ? t->cnames * 2 : 1024;
		size_t *o = realloc(t->names_off, c * sizeof(*o));
		if (o)
			t->names_off = o;
		uint32_t *l = realloc(t->names_len, c * sizeof(*l));
		if (l)
			t->names_len = l;
		if (!o || !l || n > UINT32_MAX)
			return UINT32_MAX;
		t->cnames = c;
	}
	t->names_off[t->nnames] = t->names_buf.len;
	t->names_len[t->nnames] = (uint32_t)n;
	cprof_buf_append(&t->names_buf, s, n);
	cprof_buf_append(&t->names_buf, "", 1);
	if (cprof_buf_failed(&t->names_buf))
		return UINT32_MAX;
	t->nhash[k] = (uint32_t)t->nnames + 1;
	return (uint32_t)t->nnames++;
}

/* Append node (parent, name) as the last child of parent.  Nodes are made
 * in preorder with children in name order (see cprof__ftree_build), so the
 * previous sibling is passed in (0: first child).  0 on OOM. */
static uint32_t add_node(ftree *t, uint32_t parent, uint32_t name, uint32_t prev)
{
	if (t->nn == t->cap) {
		size_t c = t->cap ? t->cap * 2 : 4096;
		if (c > UINT32_MAX - 1)
			return 0;
		fnode *n = realloc(t->n, c * sizeof(*n));
		if (!n)
			return 0;
		t->n = n;
		int64_t *v = realloc(t->val, c * t->ncol * sizeof(*v));
		if (!v)
			return 0;
		t->val = v;
		t->cap = c;
	}
	uint32_t i = (uint32_t)t->nn++;
	t->n[i] = (fnode){.name = name, .parent = parent, .child = 0, .next = 0};
	memset(t->val + (size_t)i * t->ncol, 0, t->ncol * sizeof(int64_t));
	if (i > 0) {
		if (prev)
			t->n[prev].next = i;
		else
			t->n[parent].child = i;
	}
	return i;
}

static bool is_base_sample(const cprof_profile *p, const cprof_sample *s, int64_t kbase,
			   int64_t vtrue)
{
	const cprof_label *l = cprof_sample_labels(p, s);
	for (uint32_t i = 0; i < s->nlabel; i++)
		if (l[i].key == kbase && l[i].str == vtrue)
			return true;
	return false;
}

/* String index of s in p without interning it (-1: absent). */
static int64_t find_string(const cprof_profile *p, const char *s)
{
	for (size_t i = 0; i < p->str.n; i++)
		if (!strcmp(p->str.v[i], s))
			return (int64_t)i;
	return -1;
}

/* A sample's stack: frame name ranks at frames[off..off+len), root first. */
typedef struct fstack {
	size_t off;
	uint32_t len;
	uint32_t sample;
	bool base;
} fstack;

static int cmp_stacks(const void *pa, const void *pb, void *ctx)
{
	const uint32_t *fr = ctx;
	const fstack *a = pa, *b = pb;
	const uint32_t *x = fr + a->off, *y = fr + b->off;
	uint32_t n = a->len < b->len ? a->len : b->len;
	for (uint32_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

static uint32_t *name_ranks(const ftree *t, uint32_t **ord_out);

/*
 * Sort-and-merge, flamegraph.pl's flow(): the stacks (frame names replaced
 * by their rank in name order) are sorted, then each one shares the prefix
 * it has in common with the previous one and adds nodes for the rest.  No
 * hashing; nodes come out in preorder, every child list in name order.
 */
int cprof__ftree_build(ftree *t, cprof_report *r, const size_t *cols, size_t ncols, bool reverse)
{
	const cprof_profile *p = r->p;
	memset(t, 0, sizeof(*t));
	cprof_buf_init(&t->names_buf, 0);
	size_t sel = r->vi;
	if (!cols) {
		cols = &sel;
		ncols = 1;
	}
	int64_t kbase = find_string(p, "pprof::base"), vtrue = find_string(p, "true");
	bool diff = false;
	if (kbase >= 0 && vtrue >= 0)
		for (size_t i = 0; i < p->sample.n && !diff; i++)
			diff = p->sample.v[i].nlabel && is_base_sample(p, &p->sample.v[i], kbase, vtrue);
	t->diff = diff;
	t->nv = ncols;
	t->ncol = diff ? 2 * ncols : ncols;
	uint32_t *gname = malloc((r->nnodes + 1) * sizeof(*gname));
	fstack *st = malloc((p->sample.n + 1) * sizeof(*st));
	CPROF_VEC(uint32_t) fr = {0};
	uint32_t *rank = NULL, *ord = NULL, *path = NULL;
	size_t nst = 0;
	if (!gname || !st)
		goto oom;
	for (size_t i = 0; i < r->nnodes; i++)
		gname[i] = UINT32_MAX;
	uint32_t all = name_intern(t, "all", 3);
	if (all == UINT32_MAX)
		goto oom;
	/* 1. Every sample's stack as frame name ids, root first. */
	for (size_t si = 0; si < p->sample.n; si++) {
		const cprof_sample *s = &p->sample.v[si];
		const int64_t *v = cprof_sample_values(p, s);
		bool nz = false;
		for (size_t k = 0; k < ncols; k++)
			nz |= v[cols[k]] != 0;
		if (!nz)
			continue;
		size_t off = fr.n;
		for (uint32_t i = s->nloc; i-- > 0;) {
			uint32_t lid = cprof_sample_loc(p, s, i);
			if (lid == 0 || lid > p->location.n)
				continue;
			const int32_t *ln = r->locnode + r->loc_off[lid - 1];
			uint32_t nl = r->loc_n[lid - 1];
			if (fr.n + nl > fr.cap) {
				size_t nc = (fr.n + nl) * 2;
				uint32_t *nv = realloc(fr.v, nc * sizeof(*nv));
				if (!nv)
					goto oom;
				fr.v = nv;
				fr.cap = nc;
			}
			for (uint32_t k = nl; k-- > 0;) {
				uint32_t g = (uint32_t)ln[k];
				if (gname[g] == UINT32_MAX) {
					const char *nm = cprof__node_name(r, &r->nodes[g]);
					gname[g] = name_intern(t, nm, strlen(nm));
					if (gname[g] == UINT32_MAX)
						goto oom;
				}
				fr.v[fr.n++] = gname[g];
			}
		}
		if (r->oom)
			goto oom;
		size_t depth = fr.n - off;
		if (depth > UINT32_MAX)
			goto oom;
		if (reverse)
			for (size_t a = off, z = fr.n; a + 1 < z; a++, z--) {
				uint32_t x = fr.v[a];
				fr.v[a] = fr.v[z - 1];
				fr.v[z - 1] = x;
			}
		if (depth > t->maxdepth)
			t->maxdepth = depth;
		st[nst++] = (fstack){off, (uint32_t)depth, (uint32_t)si,
				     diff && s->nlabel && is_base_sample(p, s, kbase, vtrue)};
	}
	/* 2. Names -> ranks, sort the stacks. */
	rank = name_ranks(t, &ord);
	path = malloc((t->maxdepth + 1) * sizeof(*path));
	if (!rank || !path)
		goto oom;
	for (size_t i = 0; i < fr.n; i++)
		fr.v[i] = rank[fr.v[i]];
	qsort_r(st, nst, sizeof(*st), cmp_stacks, fr.v);
	/* 3. Merge. */
	add_node(t, 0, all, 0);
	if (t->nn != 1)
		goto oom;
	path[0] = 0;
	const fstack *prev = NULL;
	for (size_t i = 0; i < nst; i++) {
		const fstack *s = &st[i];
		const uint32_t *f = fr.v + s->off;
		uint32_t common = 0;
		if (prev) {
			const uint32_t *pf = fr.v + prev->off;
			uint32_t n = prev->len < s->len ? prev->len : s->len;
			while (common < n && pf[common] == f[common])
				common++;
		}
		for (uint32_t d = common; d < s->len; d++) {
			/* The previous stack's frame at this depth is the previous
			 * sibling when only it diverges here. */
			uint32_t sib = (d == common && prev && prev->len > d) ? path[d + 1] : 0;
			uint32_t n = add_node(t, path[d], ord[f[d]], sib);
			if (!n)
				goto oom;
			path[d + 1] = n;
		}
		const int64_t *v = cprof_sample_values(p, &p->sample.v[s->sample]);
		size_t off = s->base ? ncols : 0;
		for (uint32_t d = 0; d <= s->len; d++) {
			int64_t *cv = t->val + (size_t)path[d] * t->ncol + off;
			for (size_t k = 0; k < ncols; k++) {
				int64_t x = v[cols[k]];
				cv[k] = cprof__wadd(cv[k], s->base ? cprof__wadd(0, -x) : x);
			}
		}
		prev = s;
	}
	free(gname);
	free(st);
	free(fr.v);
	free(rank);
	free(ord);
	free(path);
	return 0;
oom:
	free(gname);
	free(st);
	free(fr.v);
	free(rank);
	free(ord);
	free(path);
	t->oom = true;
	return -1;
}

void cprof__ftree_free(ftree *t)
{
	free(t->n);
	free(t->val);
	cprof_buf_free(&t->names_buf);
	free(t->names_off);
	free(t->names_len);
	free(t->nhash);
	memset(t, 0, sizeof(*t));
}

static const ftree *sort_tree;

static int cmp_by_name(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	size_t la, lb;
	const char *sa = ftree_name(sort_tree, sort_tree->n[a].name, &la);
	const char *sb = ftree_name(sort_tree, sort_tree->n[b].name, &lb);
	int c = memcmp(sa, sb, la < lb ? la : lb);
	return c ? c : (la > lb) - (la < lb);
}

/* Name ranks (position in the sorted list of names): comparing ranks is
 * comparing names.  *ord_out (may be NULL) gets the inverse (rank -> name). */
static uint32_t *name_ranks(const ftree *t, uint32_t **ord_out)
{
	uint32_t *ord = malloc((t->nnames + 1) * sizeof(*ord));
	uint32_t *rank = malloc((t->nnames + 1) * sizeof(*rank));
	fnode *fake = malloc((t->nnames + 1) * sizeof(*fake));
	if (!ord || !rank || !fake) {
		free(ord);
		free(fake);
		free(rank);
		return NULL;
	}
	/* Sort name indexes through a fake node array (cmp_by_name reads
	 * n[i].name). */
	ftree tmp = *t;
	tmp.n = fake;
	for (size_t i = 0; i < t->nnames; i++) {
		fake[i].name = (uint32_t)i;
		ord[i] = (uint32_t)i;
	}
	sort_tree = &tmp;
	qsort(ord, t->nnames, sizeof(*ord), cmp_by_name);
	sort_tree = NULL;
	for (size_t i = 0; i < t->nnames; i++)
		rank[ord[i]] = (uint32_t)i;
	free(fake);
	if (ord_out)
		*ord_out = ord;
	else
		free(ord);
	return rank;
}

/* ---- SVG -------------------------------------------------------------- */

/* A frame kept for drawing. */
typedef struct sframe {
	uint32_t node;
	uint32_t depth;
	double x, w;     /* left edge and width in value units */
} sframe;

/* Value with unit; counts get the sample type's name ("12 samples"). */
static void fmt_val(const cprof_report *r, char *buf, size_t n, int64_t v)
{
	cprof__fmt_value(r, buf, n, v);
	size_t len = strlen(buf);
	if (len && buf[len - 1] >= '0' && buf[len - 1] <= '9' && !cprof_units_known(r->sunit)) {
		const char *t = r->stype && *r->stype ? r->stype : "samples";
		snprintf(buf + len, n - len, " %s", t);
	}
}

static void fmt_pct(char *buf, size_t n, double v, double total)
{
	double p = total != 0 ? 100.0 * v / total : 0;
	if (p != 0 && fabs(p) < 0.01)
		snprintf(buf, n, "%.2g%%", p);
	else
		snprintf(buf, n, "%.2f%%", p);
}

/* A coordinate with at most 2 decimals, trailing zeros dropped. */
static void put_num(FILE *out, double v)
{
	char b[48];
	long long c = llround(v * 100);
	long long ip = c / 100, fp = c % 100;
	if (fp < 0)
		fp = -fp;
	if (c < 0 && ip == 0)
		fputc('-', out);
	if (fp == 0)
		snprintf(b, sizeof(b), "%lld", ip);
	else if (fp % 10 == 0)
		snprintf(b, sizeof(b), "%lld.%lld", ip, fp / 10);
	else
		snprintf(b, sizeof(b), "%lld.%02lld", ip, fp);
	fputs(b, out);
}

/* The frame's tooltip text: "name (value, pct)" or the diff form. */
static void put_title(FILE *out, const cprof_report *r, const ftree *t, uint32_t i, double total)
{
	size_t len;
	const char *nm = ftree_name(t, t->n[i].name, &len);
	int64_t v = t->val[(size_t)i * t->ncol];
	char b1[96], b2[96], b3[96], pct[48];
	cprof__xml_escape(out, nm, len);
	fmt_val(r, b1, sizeof(b1), v);
	if (!t->diff) {
		fmt_pct(pct, sizeof(pct), (double)v, total);
		fprintf(out, " (%s, %s)", b1, pct);
		return;
	}
	int64_t b = t->val[(size_t)i * t->ncol + 1];
	fmt_val(r, b2, sizeof(b2), b);
	if (v == 0 && b != 0) {
		fprintf(out, " (vanished; base %s)", b2);
		return;
	}
	fmt_pct(pct, sizeof(pct), (double)v, total);
	int64_t d = cprof__wadd(v, -b);
	fmt_val(r, b3, sizeof(b3), d);
	char rel[48] = "new";
	if (b != 0)
		snprintf(rel, sizeof(rel), "%+.1f%%", 100.0 * (double)d / (double)b);
	fprintf(out, " (%s, %s; base %s; %s%s, %s)", b1, pct, b2, d > 0 ? "+" : "", b3, rel);
}

typedef struct svgctx {
	cprof_report *r;
	const cprof_flame_opts *o;
	ftree *t;
	FILE *out;
	int64_t *w;      /* display width per node */
	double scale;    /* px per value unit */
	double total;    /* w[0] */
	double maxd;     /* diff: largest |change| of a non-root frame */
	int xpad, ytop, frameh, height;
	double fontw;    /* average glyph width, px */
	cprof_flame_palette pal;
} svgctx;

static void diff_color(const svgctx *c, uint32_t i, int rgb[3])
{
	const ftree *t = c->t;
	int64_t v = t->val[(size_t)i * t->ncol], b = t->val[(size_t)i * t->ncol + 1];
	if (c->o->diff_self) {
		for (uint32_t ch = t->n[i].child; ch; ch = t->n[ch].next) {
			v -= t->val[(size_t)ch * t->ncol];
			b -= t->val[(size_t)ch * t->ncol + 1];
		}
	}
	double d = (double)v - (double)b;
	double m = c->maxd > 0 ? fabs(d) / c->maxd : 0;
	if (m > 1)
		m = 1;
	/* sqrt: small changes stay visible next to the biggest one. */
	m = sqrt(m);
	int fade = (int)lround(215 * (1 - m));
	if (d > 0) {
		rgb[0] = 255;
		rgb[1] = rgb[2] = 40 + fade;
	} else if (d < 0) {
		rgb[0] = rgb[1] = 40 + fade;
		rgb[2] = 255;
	} else {
		rgb[0] = rgb[1] = rgb[2] = 235;
	}
}

static void put_frame(svgctx *c, const sframe *f)
{
	FILE *out = c->out;
	const ftree *t = c->t;
	uint32_t i = f->node;
	double x = c->xpad + f->x * c->scale;
	double w = f->w * c->scale;
	double y = c->o->inverted ? c->ytop + (double)f->depth * c->frameh
				  : c->ytop + (double)(c->height - 1 - f->depth) * c->frameh;
	int rgb[3];
	size_t len;
	const char *nm = ftree_name(t, t->n[i].name, &len);
	bool vanished = t->diff && t->val[(size_t)i * t->ncol] == 0;
	if (t->diff)
		diff_color(c, i, rgb);
	else
		cprof__flame_color(c->pal, nm, len, rgb);
	fputs("<g><title>", out);
	put_title(out, c->r, t, i, (double)t->val[0]);
	fputs("</title><rect x=\"", out);
	put_num(out, x);
	fputs("\" y=\"", out);
	put_num(out, y);
	fputs("\" width=\"", out);
	put_num(out, w);
	fprintf(out, "\" height=\"%d\" fill=\"#%02x%02x%02x\"%s/>", c->frameh - 1, rgb[0], rgb[1],
		rgb[2], vanished ? " class=\"gone\"" : "");
	/* Label: as many characters as fit, ".." when cut, none under 3. */
	size_t fit = w > 6 ? (size_t)((w - 6) / c->fontw) : 0;
	if (fit >= 3) {
		size_t chars = cprof__utf8_len(nm, len);
		fputs("<text x=\"", out);
		put_num(out, x + 3);
		fputs("\" y=\"", out);
		put_num(out, y + c->frameh - 5);
		fputs("\">", out);
		if (chars <= fit) {
			cprof__xml_escape(out, nm, len);
		} else {
			cprof__xml_escape(out, nm, cprof__utf8_prefix(nm, len, fit - 2));
			fputs("..", out);
		}
		fputs("</text>", out);
	}
	fputs("</g>\n", out);
}

/* Display widths: NEW totals, plus the OLD width of vanished subtrees in a
 * diff (a node's extra = its children's extras; a vanished child brings its
 * OLD total).  Parents come before children, so one backward pass. */
static int64_t *display_widths(const ftree *t)
{
	int64_t *w = malloc(t->nn * sizeof(*w));
	int64_t *extra = t->diff ? calloc(t->nn, sizeof(*extra)) : NULL;
	if (!w || (t->diff && !extra)) {
		free(w);
		free(extra);
		return NULL;
	}
	for (size_t i = t->nn; i-- > 0;) {
		int64_t v = t->val[i * t->ncol];
		if (v < 0)
			v = 0;
		w[i] = v;
		if (!t->diff)
			continue;
		int64_t b = t->val[i * t->ncol + 1];
		if (v == 0 && b > 0)
			extra[i] = b; /* vanished: drawn at its OLD width */
		else
			w[i] = cprof__wadd(v, extra[i]);
		if (i > 0)
			extra[t->n[i].parent] = cprof__wadd(extra[t->n[i].parent], extra[i]);
		if (v == 0 && b > 0)
			w[i] = b;
	}
	free(extra);
	return w;
}

static const char *svg_bg(cprof_flame_palette pal, bool diff)
{
	if (diff)
		return "#f4f4f4";
	switch (pal) {
	case CPROF_PAL_MEM:
		return "#e0f5e0";
	case CPROF_PAL_IO:
		return "#e0e8f8";
	default:
		return "#eeeeb0";
	}
}

void cprof__flame_subtitle(FILE *out, cprof_report *r, const ftree *t, size_t col,
			   void (*esc)(FILE *, const char *, size_t))
{
	int64_t total = t->val[col], old = t->diff ? t->val[t->nv + col] : 0;
	const cprof_profile *p = r->p;
	char b[96], b2[96];
	fputs("Type: ", out);
	esc(out, r->stype ? r->stype : "", r->stype ? strlen(r->stype) : 0);
	if (p->duration_nanos > 0)
		fprintf(out, " \xc2\xb7 Duration: %s",
			cprof_units_label(b, sizeof(b), p->duration_nanos, "nanoseconds", "auto"));
	fmt_val(r, b, sizeof(b), total);
	fprintf(out, " \xc2\xb7 Total: %s", b);
	if (!t->diff && r->total != total) {
		/* Filters dropped samples: say of how much (the report's total). */
		char pct[32];
		const char *pc = cprof_units_pct(pct, sizeof(pct), total, r->total);
		while (*pc == ' ')
			pc++;
		cprof__fmt_value(r, b2, sizeof(b2), r->total);
		fprintf(out, " (%s of %s)", pc, b2);
	}
	if (t->diff) {
		fmt_val(r, b2, sizeof(b2), old);
		fprintf(out, " (base %s", b2);
		if (old != 0)
			fprintf(out, ", %+.1f%%", 100.0 * ((double)total - (double)old) / (double)old);
		fputs(")", out);
	}
	for (size_t i = 0; i < r->nfilters; i++) {
		fputs(" \xc2\xb7 ", out);
		esc(out, r->filters[i], strlen(r->filters[i]));
	}
}

const char *cprof__flame_title(const cprof_flame_opts *o, bool diff)
{
	if (diff)
		return o->inverted ? "Differential Icicle Graph" : "Differential Flame Graph";
	return o->inverted ? "Icicle Graph" : "Flame Graph";
}

int cprof_report_flame_svg(cprof_report *r, const cprof_flame_opts *o, FILE *out, bool *empty,
			   char *err, size_t errlen)
{
	ftree t;
	svgctx c = {.r = r, .o = o, .out = out, .t = &t};
	sframe *fr = NULL, *stack = NULL;
	uint32_t *kids = NULL;
	int ret = -1;
	if (empty)
		*empty = false;
	memset(&t, 0, sizeof(t));
	if (r->has_mean) {
		snprintf(err, errlen, "-mean is not supported by flame graphs");
		return -1;
	}
	if (cprof__ftree_build(&t, r, NULL, 0, o->reverse) < 0)
		goto oom;
	c.w = display_widths(&t);
	if (!c.w)
		goto oom;
	c.pal = cprof__flame_auto_palette(r, o->palette);
	c.total = (double)c.w[0];
	c.xpad = 10;
	c.frameh = o->frame_height > 1 ? o->frame_height : 16;
	c.fontw = o->fontsize * 0.6;
	int width = o->width > 2 * c.xpad + 10 ? o->width : 1200;
	c.scale = c.total > 0 ? (width - 2.0 * c.xpad) / c.total : 0;
	/* Value below which a frame is not drawn. */
	double minv = o->minwidth_pct ? c.total * o->minwidth / 100
				      : (c.scale > 0 ? o->minwidth / c.scale : 0);

	/* Walk the kept frames depth first, children in name order; the frame
	 * list is the document order (preorder: a subtree is contiguous). */
	size_t nfr = 0, cfr = 0, nst = 0, cst = 64, ckids = 64;
	stack = malloc(cst * sizeof(*stack));
	kids = malloc(ckids * sizeof(*kids));
	if (!stack || !kids)
		goto oom;
	if (c.total > 0)
		stack[nst++] = (sframe){0, 0, 0, c.total};
	size_t maxdepth = 0;
	while (nst > 0) {
		sframe f = stack[--nst];
		if (nfr == cfr) {
			size_t nc = cfr ? cfr * 2 : 1024;
			sframe *n = realloc(fr, nc * sizeof(*fr));
			if (!n)
				goto oom;
			fr = n;
			cfr = nc;
		}
		fr[nfr++] = f;
		if (f.depth > maxdepth)
			maxdepth = f.depth;
		size_t k = 0;
		for (uint32_t ch = t.n[f.node].child; ch; ch = t.n[ch].next) {
			if (c.w[ch] <= 0 || (double)c.w[ch] < minv)
				continue;
			if (k == ckids) {
				uint32_t *n = realloc(kids, ckids * 2 * sizeof(*kids));
				if (!n)
					goto oom;
				kids = n;
				ckids *= 2;
			}
			kids[k++] = ch;
		}
		if (nst + k > cst) {
			size_t nc = (nst + k) * 2;
			sframe *n = realloc(stack, nc * sizeof(*stack));
			if (!n)
				goto oom;
			stack = n;
			cst = nc;
		}
		/* Children left to right from the parent's left edge; pushed in
		 * reverse so the leftmost is visited first.  Rounding never lets
		 * a child pass its parent's right edge. */
		double end = f.x + f.w, x = f.x;
		size_t m = 0;
		while (m < k && x < end)
			x += (double)c.w[kids[m++]];
		x = f.x;
		for (size_t j = 0; j < m; j++) {
			double cw = (double)c.w[kids[j]];
			if (cw > end - x)
				cw = end - x; /* never past the parent's right edge */
			stack[nst + m - 1 - j] = (sframe){kids[j], f.depth + 1, x, cw};
			x += cw;
		}
		nst += m;
	}

	/* Diff colours scale with the largest change of any non-root frame. */
	if (t.diff)
		for (size_t i = 1; i < nfr; i++) {
			uint32_t n = fr[i].node;
			double d = (double)t.val[(size_t)n * t.ncol] - (double)t.val[(size_t)n * t.ncol + 1];
			if (o->diff_self) {
				for (uint32_t ch = t.n[n].child; ch; ch = t.n[ch].next)
					d -= (double)t.val[(size_t)ch * t.ncol] -
					     (double)t.val[(size_t)ch * t.ncol + 1];
			}
			if (fabs(d) > c.maxd)
				c.maxd = fabs(d);
		}

	int fs = o->fontsize > 0 ? o->fontsize : 12;
	c.height = (int)maxdepth + 1;
	c.ytop = fs * 3 + fs * 2; /* title, subtitle */
	int imgh = c.ytop + c.height * c.frameh + fs * 2 + 10;
	const char *title = o->title ? o->title : cprof__flame_title(o, t.diff);
	if (empty)
		*empty = c.total <= 0;

	fprintf(out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
		"\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\" onload=\"init(evt)\">\n"
		"<!-- Generated by cprof flame. Frames: %zu of %zu (narrower than %g%s pruned). -->\n",
		width, imgh, width, imgh, nfr, t.nn, o->minwidth, o->minwidth_pct ? "%" : " px");
	fprintf(out,
		"<defs><linearGradient id=\"bg\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		"<stop stop-color=\"#eeeeee\" offset=\"5%%\"/><stop stop-color=\"%s\" offset=\"95%%\"/>"
		"</linearGradient>"
		"<pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
		"patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#dde4ff\"/>"
		"<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#5a78ff\" stroke-width=\"3\"/>"
		"</pattern></defs>\n",
		svg_bg(c.pal, t.diff));
	fprintf(out,
		"<style type=\"text/css\">\n"
		"text{font-family:monospace;font-size:%dpx;fill:#000}\n"
		"#title{text-anchor:middle;font-size:%dpx}\n"
		"#subtitle{text-anchor:middle;fill:#555}\n"
		"#frames>g{cursor:pointer}\n"
		"#frames>g:hover>rect{stroke:#000;stroke-width:0.5}\n"
		"#frames text{pointer-events:none}\n"
		".gone{fill:url(#hatch)}\n"
		".hide{display:none}\n"
		".parent{opacity:0.5}\n"
		"#search,#ignorecase,#unzoom{cursor:pointer;fill:#333}\n"
		"#search:hover,#ignorecase:hover,#unzoom:hover{fill:#00c}\n"
		"#ignorecase.on{fill:#c00;font-weight:bold}\n"
		"</style>\n",
		fs, fs + 5);
	fprintf(out,
		"<script type=\"text/ecmascript\"><![CDATA[\n"
		"var fg = {inverted: %s, fontsize: %d, fontwidth: 0.6, xpad: %d, frameh: %d};\n"
		"%s]]></script>\n",
		o->inverted ? "true" : "false", fs, c.xpad, c.frameh, cprof__flame_svg_js);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"url(#bg)\"/>\n", width,
		imgh);
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"%d\">", width / 2, fs * 2);
	cprof__xml_escape(out, title, strlen(title));
	fprintf(out, "</text>\n<text id=\"subtitle\" x=\"%d\" y=\"%d\">", width / 2, fs * 4);
	if (o->subtitle)
		cprof__xml_escape(out, o->subtitle, strlen(o->subtitle));
	else
		cprof__flame_subtitle(out, r, &t, 0, cprof__xml_escape);
	fprintf(out, "</text>\n");
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", c.xpad, imgh - fs / 2 - 5);
	fprintf(out, "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n",
		c.xpad, fs * 2);
	fprintf(out, "<text id=\"search\" x=\"%d\" y=\"%d\">Search</text>\n", width - c.xpad - 110,
		fs * 2);
	fprintf(out, "<text id=\"ignorecase\" x=\"%d\" y=\"%d\">ic</text>\n", width - c.xpad - 20,
		fs * 2);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n", width - c.xpad - 110,
		imgh - fs / 2 - 5);
	if (c.total <= 0) {
		fprintf(out,
			"<text id=\"empty\" x=\"%d\" y=\"%d\" style=\"text-anchor:middle\">"
			"No samples to draw: the total is not positive.</text>\n",
			width / 2, c.ytop + c.frameh);
	}
	fprintf(out, "<g id=\"frames\">\n");
	for (size_t i = 0; i < nfr; i++)
		put_frame(&c, &fr[i]);
	fputs("</g>\n</svg>\n", out);
	ret = cprof__report_end(out, false, err, errlen);
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	free(fr);
	free(stack);
	free(kids);
	free(c.w);
	cprof__ftree_free(&t);
	return ret;
}
