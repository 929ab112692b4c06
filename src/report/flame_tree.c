/*
 * flame_tree.c — the merged call tree of a report, which the SVG
 * (flame_svg.c) and HTML (flame_html.c) flame graphs draw.
 *
 * Every sample's stack (root first, inlined frames expanded, names as the
 * report's granularity gives them) becomes a path in a trie keyed by
 * (parent, frame name), with the sample's value added to every node on the
 * path.  Frame names are interned once; stacks are sorted by name rank and
 * merged with their predecessor's common prefix, so building is linear in
 * the number of frames after the sort: the 200 000-stack synthetic profile
 * (~4.8 M frames) builds in a fraction of a second.
 */
#include "compat.h"
#include "report/flame_int.h"
#include "base/hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool names_rehash(ftree *t, size_t cap)
{
	uint32_t *h = calloc(cap, sizeof(*h));
	if (!h)
		return false;
	for (size_t i = 0; i < t->nnames; i++) {
		size_t len;
		const char *s = ftree_name(t, (uint32_t)i, &len);
		size_t k = cprof__fnv1a32(s, len) & (cap - 1);
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
	size_t k = cprof__fnv1a32(s, n) & (t->nhcap - 1);
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
	cprof__buf_append(&t->names_buf, s, n);
	cprof__buf_append(&t->names_buf, "", 1);
	if (cprof__buf_failed(&t->names_buf))
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

static bool is_base_sample(const cprof__profile *p, const cprof__sample *s, int64_t kbase,
			   int64_t vtrue)
{
	const cprof__label *l = cprof__sample_labels(p, s);
	for (uint32_t i = 0; i < s->nlabel; i++)
		if (l[i].key == kbase && l[i].str == vtrue)
			return true;
	return false;
}

/* String index of s in p without interning it (-1: absent). */
static int64_t find_string(const cprof__profile *p, const char *s)
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
int cprof__ftree_build(ftree *t, cprof__report *r, const size_t *cols, size_t ncols, bool reverse)
{
	const cprof__profile *p = r->p;
	memset(t, 0, sizeof(*t));
	cprof__buf_init(&t->names_buf, 0);
	size_t sel = r->vi;
	if (!cols) {
		cols = &sel;
		ncols = 1;
	}
	int64_t kbase = find_string(p, "pprof::base"), vtrue = find_string(p, "true");
	bool diff = false;
	if (kbase >= 0 && vtrue >= 0)
		for (size_t i = 0; i < p->sample.n && !diff; i++)
			diff = p->sample.v[i].nlabel &&
			       is_base_sample(p, &p->sample.v[i], kbase, vtrue);
	t->diff = diff;
	t->nv = ncols;
	t->ncol = diff ? 2 * ncols : ncols;
	uint32_t *gname = malloc((r->nnodes + 1) * sizeof(*gname));
	fstack *st = malloc((p->sample.n + 1) * sizeof(*st));
	CPROF_VEC(uint32_t) fr = {0};
	uint32_t *rank = NULL, *ord = NULL, *path = NULL;
	size_t nst = 0;
	int rc = -1;
	if (!gname || !st)
		goto oom;
	for (size_t i = 0; i < r->nnodes; i++)
		gname[i] = UINT32_MAX;
	uint32_t all = name_intern(t, "all", 3);
	if (all == UINT32_MAX)
		goto oom;
	/* 1. Every sample's stack as frame name ids, root first. */
	for (size_t si = 0; si < p->sample.n; si++) {
		const cprof__sample *s = &p->sample.v[si];
		const int64_t *v = cprof__sample_values(p, s);
		bool nz = false;
		for (size_t k = 0; k < ncols; k++)
			nz |= v[cols[k]] != 0;
		if (!nz)
			continue;
		size_t off = fr.n;
		for (uint32_t i = s->nloc; i-- > 0;) {
			uint32_t lid = cprof__sample_loc(p, s, i);
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
		const int64_t *v = cprof__sample_values(p, &p->sample.v[s->sample]);
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
	rc = 0;
oom:
	free(gname);
	free(st);
	free(fr.v);
	free(rank);
	free(ord);
	free(path);
	if (rc < 0)
		t->oom = true;
	return rc;
}

void cprof__ftree_free(ftree *t)
{
	free(t->n);
	free(t->val);
	cprof__buf_free(&t->names_buf);
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
