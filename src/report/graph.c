/*
 * graph.c — pprof's internal/graph for the text reports: nodes keyed by
 * NodeInfo under the chosen granularity, flat/cum accumulation with
 * recursion de-duplication, edges with inline flags, trimming by
 * nodefraction / nodecount / edgefraction and pprof's node orders.
 *
 * Speed: every location's node list is computed once; a sample walk is then
 * array lookups plus a per-node stamp (no per-sample clearing or malloc).
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"
#include "base/hash.h"

#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t info_hash(const cprof__ninfo *i)
{
	uint64_t h = cprof__mix64((uint64_t)i->name + 0x9e3779b97f4a7c15ULL);
	h = cprof__mix64(h ^ (uint64_t)i->orig);
	h = cprof__mix64(h ^ i->address);
	h = cprof__mix64(h ^ (uint64_t)i->file);
	h = cprof__mix64(h ^ (uint64_t)i->start_line);
	h = cprof__mix64(h ^ (uint64_t)i->lineno);
	return cprof__mix64(h ^ (uint64_t)i->objfile);
}

static bool info_eq(const cprof__ninfo *a, const cprof__ninfo *b)
{
	return a->name == b->name && a->orig == b->orig && a->address == b->address &&
	       a->file == b->file && a->start_line == b->start_line && a->lineno == b->lineno &&
	       a->objfile == b->objfile;
}

/* A call tree node's hash: its NodeInfo's and its parent's (ctx). */
static uint64_t tree_hash(uint32_t ctx, const cprof__ninfo *i)
{
	return cprof__mix64(info_hash(i) ^ ((uint64_t)ctx << 1));
}

static uint64_t node_key_hash(const cprof__gnode *n, bool tree)
{
	return tree ? tree_hash(n->ctx, &n->info) : info_hash(&n->info);
}

/* Rebuild an open-addressing table of 1-based node indexes (*tab, *tabcap)
 * with cap slots over the nodes from `from` on. */
static bool node_rehash_into(cprof__report *r, size_t from, bool tree, uint32_t **tab,
			     size_t *tabcap, size_t cap)
{
	uint32_t *h = calloc(cap, sizeof(*h));
	if (!h)
		return false;
	for (size_t i = from; i < r->nnodes; i++) {
		size_t j = node_key_hash(&r->nodes[i], tree) & (cap - 1);
		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = (uint32_t)i + 1;
	}
	free(*tab);
	*tab = h;
	*tabcap = cap;
	return true;
}

static bool node_rehash(cprof__report *r, size_t cap)
{
	return node_rehash_into(r, 0, false, &r->nhash, &r->nhcap, cap);
}

/* A zeroed node at the end of r->nodes (may move them); NULL on OOM. */
static cprof__gnode *node_new(cprof__report *r)
{
	if (r->nnodes >= INT32_MAX - 1)
		return NULL;
	if (r->nnodes == r->cnodes) {
		size_t c = r->cnodes ? r->cnodes * 2 : 1024;
		cprof__gnode *v = realloc(r->nodes, c * sizeof(*v));
		if (!v)
			return NULL;
		r->nodes = v;
		r->cnodes = c;
	}
	cprof__gnode *n = &r->nodes[r->nnodes++];
	memset(n, 0, sizeof(*n));
	return n;
}

/* Node index for info, inserting it; -1 on OOM. */
static int32_t node_find_or_insert(cprof__report *r, const cprof__ninfo *info)
{
	if ((r->nnodes + 1) * 2 > r->nhcap && !node_rehash(r, r->nhcap ? r->nhcap * 2 : 1024))
		return -1;
	size_t j = info_hash(info) & (r->nhcap - 1);
	for (; r->nhash[j]; j = (j + 1) & (r->nhcap - 1))
		if (info_eq(&r->nodes[r->nhash[j] - 1].info, info))
			return (int32_t)r->nhash[j] - 1;
	cprof__gnode *n = node_new(r);
	if (!n)
		return -1;
	n->info = *info;
	r->nhash[j] = (uint32_t)r->nnodes;
	return (int32_t)r->nnodes - 1;
}

/* pprof's trimPath (report/source.go): returns a suffix of path. */
const char *cprof__trim_path(const char *path, const char *trim, const char *search)
{
	if (!trim || !*trim) {
		/* Heuristic: strip up to "/<base of a search dir>/" in path. */
		const char *s = search;
		while (s && *s) {
			const char *e = strchr(s, ':');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			char dir[4096], b[4096], want[4200];
			if (n > 0 && n < sizeof(dir)) {
				memcpy(dir, s, n);
				dir[n] = 0;
				snprintf(want, sizeof(want), "/%s/",
					 cprof__path_base(dir, b, sizeof(b)));
				const char *f = strstr(path, want);
				if (f)
					return f + strlen(want);
			}
			s = e ? e + 1 : NULL;
		}
	}
	for (const char *s = trim; s && *s;) {
		const char *e = strchr(s, ':');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		/* Prefix s[0..n) plus a '/' unless it ends with one. */
		if (n > 0 && !strncmp(path, s, n)) {
			if (s[n - 1] == '/')
				return path + n;
			if (path[n] == '/')
				return path + n + 1;
		}
		s = e ? e + 1 : NULL;
	}
	static const char *fixed[] = {"/proc/self/cwd/./", "/proc/self/cwd/"};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(fixed); i++)
		if (!strncmp(path, fixed[i], strlen(fixed[i])))
			return path + strlen(fixed[i]);
	return path;
}

int cprof__graph_init(cprof__report *r)
{
	cprof__profile *p = r->p;
	cprof__profile_init(&r->strs);
	r->func_name = calloc(p->function.n + 1, sizeof(int64_t));
	r->func_file = calloc(p->function.n + 1, sizeof(int64_t));
	r->map_file = calloc(p->mapping.n + 1, sizeof(int64_t));
	r->loc_off = calloc(p->location.n + 1, sizeof(uint32_t));
	r->loc_n = calloc(p->location.n + 1, sizeof(uint32_t));
	if (!r->func_name || !r->func_file || !r->map_file || !r->loc_off || !r->loc_n)
		return -1;
	bool function = false, filename = false, linenumber = false, address = false;
	bool inlines = !r->o.noinlines;
	switch (r->o.granularity) {
	case CPROF_GRAN_ADDRESSES: function = filename = linenumber = address = true; break;
	case CPROF_GRAN_LINES: function = filename = linenumber = true; break;
	case CPROF_GRAN_FILES: filename = true; break;
	case CPROF_GRAN_FUNCTIONS: function = true; break;
	case CPROF_GRAN_FILEFUNCTIONS: function = filename = true; break;
	}
	/* Only the strings the granularity shows: a big profile has as many
	 * functions as nodes. */
	for (size_t i = 0; i < p->function.n; i++) {
		const cprof__function *f = &p->function.v[i];
		if (function)
			r->func_name[i] =
				cprof__profile_str(&r->strs, cprof__profile_string(p, f->name));
		const char *fn = cprof__profile_string(p, f->filename);
		if (filename && *fn) {
			char *c = cprof__path_clean(
				cprof__trim_path(fn, r->o.trim_path, r->o.source_path));
			if (!c)
				return -1;
			r->func_file[i] = cprof__profile_str(&r->strs, c);
			free(c);
		}
	}
	for (size_t i = 0; i < p->mapping.n; i++)
		r->map_file[i] = cprof__profile_str(&r->strs,
						    cprof__profile_string(p, p->mapping.v[i].file));
	if (r->strs.oom)
		return -1;

	/* Only raw/list/disasm/callgrind keep object names. */
	bool objnames = r->o.format == CPROF_FMT_LIST || r->o.format == CPROF_FMT_CALLGRIND ||
			r->o.format == CPROF_FMT_DISASM;

	size_t total = 0;
	for (size_t i = 0; i < p->location.n; i++) {
		uint32_t n = p->location.v[i].nline;
		if (n > 1 && !inlines)
			n = 1;
		total += n ? n : 1;
	}
	if (total > UINT32_MAX || !(r->locnode = malloc((total + 1) * sizeof(int32_t))))
		return -1;
	size_t off = 0;
	for (size_t i = 0; i < p->location.n; i++) {
		const cprof__location *l = &p->location.v[i];
		const cprof__line *lines = cprof__location_lines(p, l);
		uint32_t n = l->nline;
		if (n > 1 && !inlines) {
			lines += n - 1;
			n = 1;
		}
		int64_t objfile = 0;
		if (l->mapping_id && l->mapping_id <= p->mapping.n)
			objfile = r->map_file[l->mapping_id - 1];
		r->loc_off[i] = (uint32_t)off;
		r->loc_n[i] = n ? n : 1;
		r->has_inline |= n > 1;
		if (n == 0) {
			cprof__ninfo ni = {.address = address ? l->address : 0, .objfile = objfile};
			if ((r->locnode[off++] = node_find_or_insert(r, &ni)) < 0)
				return -1;
			continue;
		}
		for (uint32_t k = 0; k < n; k++) {
			cprof__ninfo ni = {0};
			ni.address = address ? l->address : 0;
			uint64_t fid = lines[k].function_id;
			if (fid == 0 || fid > p->function.n) {
				ni.objfile = objfile;
			} else {
				ni.lineno = linenumber ? lines[k].line : 0;
				ni.name = function ? r->func_name[fid - 1] : 0;
				ni.file = filename ? r->func_file[fid - 1] : 0;
				if (objnames || ni.name == 0) {
					ni.objfile = objfile;
					ni.start_line = p->function.v[fid - 1].start_line;
				}
			}
			if ((r->locnode[off++] = node_find_or_insert(r, &ni)) < 0)
				return -1;
		}
	}
	r->nlocnode = off;
	r->list = malloc((r->nnodes + 1) * sizeof(*r->list));
	return r->list ? 0 : -1;
}

static bool edge_rehash(cprof__report *r, size_t cap)
{
	uint32_t *h = calloc(cap, sizeof(*h));
	if (!h)
		return false;
	for (size_t i = 0; i < r->nedges; i++) {
		uint64_t k = ((uint64_t)r->edges[i].src << 32) | r->edges[i].dst;
		size_t j = cprof__mix64(k) & (cap - 1);
		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = (uint32_t)i + 1;
	}
	free(r->ehash);
	r->ehash = h;
	r->ehcap = cap;
	return true;
}

static cprof__gedge *edge_get(cprof__report *r, uint32_t src, uint32_t dst, bool *created)
{
	if ((r->nedges + 1) * 2 > r->ehcap && !edge_rehash(r, r->ehcap ? r->ehcap * 2 : 4096))
		return NULL;
	uint64_t k = ((uint64_t)src << 32) | dst;
	size_t j = cprof__mix64(k) & (r->ehcap - 1);
	for (; r->ehash[j]; j = (j + 1) & (r->ehcap - 1)) {
		cprof__gedge *e = &r->edges[r->ehash[j] - 1];
		if (e->src == src && e->dst == dst) {
			*created = false;
			return e;
		}
	}
	if (r->nedges >= UINT32_MAX - 1)
		return NULL;
	if (r->nedges == r->cedges) {
		size_t c = r->cedges ? r->cedges * 2 : 4096;
		cprof__gedge *v = realloc(r->edges, c * sizeof(*v));
		if (!v)
			return NULL;
		r->edges = v;
		r->cedges = c;
	}
	cprof__gedge *e = &r->edges[r->nedges];
	memset(e, 0, sizeof(*e));
	e->src = src;
	e->dst = dst;
	r->ehash[j] = (uint32_t)++r->nedges;
	*created = true;
	return e;
}

static uint64_t tag_hash(uint32_t node, bool numeric, int64_t lset, int64_t name)
{
	return cprof__mix64(cprof__mix64(cprof__mix64(node + 0x51ULL) ^ (uint64_t)lset) ^
			    (uint64_t)name) ^
	       numeric;
}

static bool tag_rehash(cprof__report *r, size_t cap)
{
	uint32_t *h = calloc(cap, sizeof(*h));
	if (!h)
		return false;
	for (size_t i = 0; i < r->ntags; i++) {
		const cprof__gtag *t = &r->tags[i];
		size_t j = tag_hash(t->node, t->numeric, t->lset, t->name) & (cap - 1);
		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = (uint32_t)i + 1;
	}
	free(r->thash);
	r->thash = h;
	r->thcap = cap;
	return true;
}

static cprof__gtag *tag_get(cprof__report *r, uint32_t node, bool numeric, int64_t lset,
			    int64_t name)
{
	if ((r->ntags + 1) * 2 > r->thcap && !tag_rehash(r, r->thcap ? r->thcap * 2 : 1024))
		return NULL;
	size_t j = tag_hash(node, numeric, lset, name) & (r->thcap - 1);
	for (; r->thash[j]; j = (j + 1) & (r->thcap - 1)) {
		cprof__gtag *t = &r->tags[r->thash[j] - 1];
		if (t->node == node && t->numeric == numeric && t->lset == lset && t->name == name)
			return t;
	}
	if (r->ntags == r->ctags) {
		size_t c = r->ctags ? r->ctags * 2 : 1024;
		cprof__gtag *v = realloc(r->tags, c * sizeof(*v));
		if (!v)
			return NULL;
		r->tags = v;
		r->ctags = c;
	}
	cprof__gtag *t = &r->tags[r->ntags];
	memset(t, 0, sizeof(*t));
	t->node = node;
	t->numeric = numeric;
	t->lset = lset;
	t->name = name;
	r->thash[j] = (uint32_t)++r->ntags;
	return t;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* pprof's joinLabels: "k:v" of every string label (pprof::base removed),
 * sorted, joined with a literal backslash-n; interned in r->strs. */
static int64_t join_labels(cprof__report *r, const cprof__sample *s)
{
	const cprof__profile *p = r->p;
	const cprof__label *l = cprof__sample_labels(p, s);
	char *parts[64];
	size_t n = 0, len = 0;
	for (uint32_t i = 0; i < s->nlabel && n < CPROF_ARRAY_LEN(parts); i++) {
		if (l[i].str == 0)
			continue;
		const char *k = cprof__profile_string(p, l[i].key);
		if (!strcmp(k, "pprof::base"))
			continue;
		if (asprintf(&parts[n], "%s:%s", k, cprof__profile_string(p, l[i].str)) < 0)
			break;
		len += strlen(parts[n++]) + 2;
	}
	if (n == 0)
		return 0;
	qsort(parts, n, sizeof(*parts), cmp_cstr);
	char *j = malloc(len + 1);
	int64_t id = 0;
	if (j) {
		size_t o = 0;
		for (size_t i = 0; i < n; i++) {
			if (i) {
				j[o++] = '\\';
				j[o++] = 'n';
			}
			size_t pl = strlen(parts[i]);
			memcpy(j + o, parts[i], pl);
			o += pl;
		}
		j[o] = 0;
		id = cprof__profile_str(&r->strs, j);
		free(j);
	}
	for (size_t i = 0; i < n; i++)
		free(parts[i]);
	return id;
}

/* pprof's Node.addSample tag part: label tag of the sample's label set and a
 * numeric tag per "bytes" value. */
static int add_tags(cprof__report *r, uint32_t node, const cprof__sample *s, int64_t lset,
		    int64_t w, int64_t dw, bool flat)
{
	if (lset) {
		cprof__gtag *t = tag_get(r, node, false, lset, lset);
		if (!t)
			return -1;
		if (flat)
			t->flat = cprof__wadd(t->flat, w), t->flatdiv = cprof__wadd(t->flatdiv, dw);
		else
			t->cum = cprof__wadd(t->cum, w), t->cumdiv = cprof__wadd(t->cumdiv, dw);
	}
	const cprof__profile *p = r->p;
	const cprof__label *l = cprof__sample_labels(p, s);
	for (uint32_t i = 0; i < s->nlabel; i++) {
		if (l[i].str != 0 || strcmp(cprof__profile_string(p, l[i].key), "bytes"))
			continue;
		char b[64];
		cprof__units_label(b, sizeof(b), l[i].num, r->bytes_unit, "minimum");
		int64_t name = cprof__profile_str(&r->strs, b);
		cprof__gtag *t = tag_get(r, node, true, lset, name);
		if (!t)
			return -1;
		t->value = l[i].num;
		t->unit = r->bytes_unit;
		if (flat)
			t->flat = cprof__wadd(t->flat, w), t->flatdiv = cprof__wadd(t->flatdiv, dw);
		else
			t->cum = cprof__wadd(t->cum, w), t->cumdiv = cprof__wadd(t->cumdiv, dw);
	}
	return 0;
}

static bool sample_has_tags(const cprof__report *r, const cprof__sample *s)
{
	const cprof__label *l = cprof__sample_labels(r->p, s);
	for (uint32_t i = 0; i < s->nlabel; i++)
		if (l[i].str == 0
			    ? !strcmp(cprof__profile_string(r->p, l[i].key), "bytes")
			    : strcmp(cprof__profile_string(r->p, l[i].key), "pprof::base") != 0)
			return true;
	return false;
}

/* Per-sample label sets and the unit of "bytes" labels, once. */
static int prepare_tags(cprof__report *r)
{
	const cprof__profile *p = r->p;
	if (r->sample_lset)
		return 0;
	r->sample_lset = calloc(p->sample.n + 1, sizeof(int64_t));
	if (!r->sample_lset)
		return -1;
	r->bytes_unit = "bytes";
	bool found = false;
	for (size_t i = 0; i < p->sample.n; i++) {
		const cprof__sample *s = &p->sample.v[i];
		if (!s->nlabel)
			continue;
		r->sample_lset[i] = join_labels(r, s);
		const cprof__label *l = cprof__sample_labels(p, s);
		for (uint32_t k = 0; k < s->nlabel && !found; k++)
			if (l[k].str == 0 && l[k].num_unit &&
			    !strcmp(cprof__profile_string(p, l[k].key), "bytes")) {
				r->bytes_unit = cprof__profile_string(p, l[k].num_unit);
				found = true;
			}
	}
	return r->strs.oom ? -1 : 0;
}

/* r->list: the nodes with a value (only the kept ones when use_kept). */
static void list_nodes(cprof__report *r, bool use_kept)
{
	r->nlist = 0;
	for (size_t i = 0; i < r->nnodes; i++) {
		cprof__gnode *n = &r->nodes[i];
		n->listed = false;
		if (n->cum == 0 && n->flat == 0)
			continue;
		if (use_kept && !n->kept)
			continue;
		if (r->o.drop_negative && (n->flat < 0 || (n->flat == 0 && n->cum < 0)))
			continue;
		n->listed = true;
		r->list[r->nlist++] = (uint32_t)i;
	}
}

/* Sample stamp's weight on the edge src -> dst, once per sample (a
 * recursive stack passes an edge more than once); inl: an inlined call
 * (the edge is inline only if every such call is); residual: nodes were
 * dropped between.  NULL when out of memory. */
static cprof__gedge *edge_add(cprof__report *r, uint32_t src, uint32_t dst, uint32_t stamp,
			      int64_t w, int64_t dw, bool inl, bool residual)
{
	bool created;
	cprof__gedge *e = edge_get(r, src, dst, &created);
	if (!e || (!created && e->stamp == stamp))
		return e;
	e->stamp = stamp;
	e->weight = cprof__wadd(e->weight, w);
	e->weightdiv = cprof__wadd(e->weightdiv, dw);
	if (created)
		e->inline_ = inl;
	else if (!inl)
		e->inline_ = false;
	if (residual)
		e->residual = true;
	return e;
}

/* The per-node counters of one build, apart from the nodes: the sample
 * loop touches a node's stamp for every frame, and a gnode's (info, name)
 * spreads 20 000 nodes over megabytes, a cache miss per frame on a big
 * profile; these arrays stay in the cache.  Folded into the nodes after. */
typedef struct gacc {
	uint32_t stamp; /* last sample that added cum (dedup in recursion) */
	uint8_t skip;   /* use_kept and not kept */
	uint8_t peeked;
	int64_t cum, flat;
} gacc;

int cprof__graph_build(cprof__report *r, bool use_kept, bool want_edges)
{
	bool visual = r->o.format == CPROF_FMT_DOT;
	if (visual && prepare_tags(r) < 0)
		return -1;
	r->ntags = 0;
	if (r->thash)
		memset(r->thash, 0, r->thcap * sizeof(*r->thash));
	cprof__profile *p = r->p;
	gacc *acc = malloc((r->nnodes + 1) * sizeof(*acc));
	if (!acc)
		return -1;
	for (size_t i = 0; i < r->nnodes; i++) {
		cprof__gnode *n = &r->nodes[i];
		n->flat = n->flatdiv = n->cum = n->cumdiv = 0;
		n->listed = n->in_inline = n->in_noinline = false;
		acc[i] = (gacc){0, use_kept && !n->kept, n->peeked, 0, 0};
	}
	r->nedges = 0;
	if (r->ehash)
		memset(r->ehash, 0, r->ehcap * sizeof(*r->ehash));

	int rc = -1;
	for (size_t si = 0; si < p->sample.n; si++) {
		const cprof__sample *s = &p->sample.v[si];
		const int64_t *v = cprof__sample_values(p, s);
		int64_t w = cprof__rvalue(r, v), dw = r->has_mean ? v[0] : 0;
		if (w == 0 && dw == 0)
			continue;
		uint32_t stamp = (uint32_t)si + 1;
		bool tagged = visual && s->nlabel && sample_has_tags(r, s);
		int32_t parent = -1;
		bool residual = false;
		for (uint32_t i = s->nloc; i-- > 0;) {
			uint64_t lid = cprof__sample_loc(p, s, i);
			if (lid == 0 || lid > p->location.n)
				continue;
			const int32_t *ln = r->locnode + r->loc_off[lid - 1];
			uint32_t nn = r->loc_n[lid - 1];
			for (uint32_t ni = nn; ni-- > 0;) {
				int32_t id = ln[ni];
				gacc *a = &acc[id];
				if (a->skip) {
					residual = true;
					continue;
				}
				if (a->stamp != stamp) {
					a->stamp = stamp;
					a->cum = cprof__wadd(a->cum, w);
					if (dw) {
						cprof__gnode *n = &r->nodes[id];
						n->cumdiv = cprof__wadd(n->cumdiv, dw);
					}
					if (tagged &&
					    add_tags(r, (uint32_t)id, s, r->sample_lset[si], w, dw,
						     false) < 0)
						goto done;
				}
				if (want_edges && parent >= 0 && id != parent &&
				    (!r->edges_peeked || a->peeked || acc[parent].peeked) &&
				    !edge_add(r, (uint32_t)parent, (uint32_t)id, stamp, w, dw,
					      ni != nn - 1, residual))
					goto done;
				parent = id;
				residual = false;
			}
		}
		if (parent >= 0 && !residual) {
			acc[parent].flat = cprof__wadd(acc[parent].flat, w);
			if (dw) {
				cprof__gnode *n = &r->nodes[parent];
				n->flatdiv = cprof__wadd(n->flatdiv, dw);
			}
			if (tagged &&
			    add_tags(r, (uint32_t)parent, s, r->sample_lset[si], w, dw, true) < 0)
				goto done;
		}
	}
	for (size_t i = 0; i < r->nnodes; i++) {
		r->nodes[i].cum = acc[i].cum;
		r->nodes[i].flat = acc[i].flat;
	}
	list_nodes(r, use_kept);
	rc = 0;
done:
	free(acc);
	return rc;
}

static const char *sstr(const cprof__report *r, int64_t id)
{
	return cprof__profile_string(&r->strs, id);
}

const char *cprof__node_name(cprof__report *r, cprof__gnode *n)
{
	if (n->pname)
		return n->pname;
	const cprof__ninfo *i = &n->info;
	char addr[24] = "", tail[4200] = "";
	if (i->address)
		snprintf(addr, sizeof(addr), "%016llx", (unsigned long long)i->address);
	const char *name = sstr(r, i->name), *file = sstr(r, i->file);
	if (i->lineno != 0) {
		snprintf(tail, sizeof(tail), "%s:%lld", file, (long long)i->lineno);
	} else if (*file) {
		snprintf(tail, sizeof(tail), "%s", file);
	} else if (*name) {
		tail[0] = 0;
	} else if (i->objfile) {
		char b[4096];
		snprintf(tail, sizeof(tail), "[%s]",
			 cprof__path_base(sstr(r, i->objfile), b, sizeof(b)));
	} else {
		snprintf(tail, sizeof(tail), "<unknown>");
	}
	if (!*addr && !*tail) {
		/* The name alone (functions granularity): strs keeps it. */
		n->pname = name;
		return name;
	}
	const char *parts[3] = {addr, name, tail};
	size_t len = 0;
	for (int k = 0; k < 3; k++)
		len += strlen(parts[k]) + 1;
	char *s = malloc(len + 1);
	if (!s) {
		r->oom = true;
		return "<oom>";
	}
	s[0] = 0;
	size_t o = 0;
	for (int k = 0; k < 3; k++) {
		if (!*parts[k])
			continue;
		if (o)
			s[o++] = ' ';
		size_t pl = strlen(parts[k]);
		memcpy(s + o, parts[k], pl);
		o += pl;
		s[o] = 0;
	}
	n->pname = s;
	return s;
}

static int64_t abs64(int64_t v)
{
	return cprof__wabs(v);
}

/* fmt.Sprint(NodeInfo): the last tie-breaker of pprof's orders. */
static char *info_string(const cprof__report *r, const cprof__ninfo *i)
{
	char *s = NULL;
	if (asprintf(&s, "{%s %s %llu %s %lld %lld %s}", sstr(r, i->name), sstr(r, i->orig),
		     (unsigned long long)i->address, sstr(r, i->file), (long long)i->start_line,
		     (long long)i->lineno, sstr(r, i->objfile)) < 0)
		return NULL;
	return s;
}

static int compare_info(const cprof__report *r, const cprof__gnode *a, const cprof__gnode *b)
{
	char *x = info_string(r, &a->info), *y = info_string(r, &b->info);
	int c = (x && y) ? strcmp(x, y) : 0;
	free(x);
	free(y);
	return c;
}

struct sortctx {
	cprof__report *r;
	bool cum;
	int64_t *score; /* entropy order: per node */
};

static int node_cmp(const void *pa, const void *pb, void *ctx)
{
	struct sortctx *c = ctx;
	cprof__report *r = c->r;
	uint32_t ia = *(const uint32_t *)pa, ib = *(const uint32_t *)pb;
	cprof__gnode *a = &r->nodes[ia], *b = &r->nodes[ib];
	int64_t x1 = c->score ? c->score[ia] : c->cum ? a->cum : a->flat;
	int64_t y1 = c->score ? c->score[ib] : c->cum ? b->cum : b->flat;
	if (abs64(x1) != abs64(y1))
		return abs64(x1) > abs64(y1) ? -1 : 1;
	int s = strcmp(cprof__node_name(r, a), cprof__node_name(r, b));
	if (s)
		return s;
	bool second_cum = !c->score && !c->cum;
	int64_t x2 = second_cum ? a->cum : a->flat, y2 = second_cum ? b->cum : b->flat;
	if (abs64(x2) != abs64(y2))
		return abs64(x2) > abs64(y2) ? -1 : 1;
	return compare_info(r, a, b);
}

static bool node_less(uint32_t a, uint32_t b, void *ctx)
{
	return node_cmp(&a, &b, ctx) < 0;
}

/* pprof's edgeEntropyScore over a node's in (or out) edges idx[0..n). */
static double edge_entropy(const cprof__report *r, const uint32_t *idx, size_t n, int64_t self)
{
	double score = 0;
	int64_t total = self;
	for (size_t i = 0; i < n; i++)
		if (r->edges[idx[i]].weight > 0)
			total = cprof__wadd(total, abs64(r->edges[idx[i]].weight));
	if (total != 0) {
		for (size_t i = 0; i < n; i++) {
			double frac = (double)abs64(r->edges[idx[i]].weight) / (double)total;
			score += -frac * log2(frac);
		}
		if (self > 0) {
			double frac = (double)abs64(self) / (double)total;
			score += -frac * log2(frac);
		}
	}
	return score;
}

struct ectx {
	cprof__report *r;
	bool by_dst;
};

/* pprof's edgeList order within a node's group: |weight| descending, then
 * source name, then destination name. */
static int edge_cmp(const void *pa, const void *pb, void *ctx)
{
	struct ectx *c = ctx;
	cprof__report *r = c->r;
	const cprof__gedge *a = &r->edges[*(const uint32_t *)pa],
			   *b = &r->edges[*(const uint32_t *)pb];
	if (a->weight != b->weight && abs64(a->weight) != abs64(b->weight))
		return abs64(a->weight) > abs64(b->weight) ? -1 : 1;
	int s = strcmp(cprof__node_name(r, &r->nodes[a->src]),
		       cprof__node_name(r, &r->nodes[b->src]));
	if (s)
		return s;
	s = strcmp(cprof__node_name(r, &r->nodes[a->dst]), cprof__node_name(r, &r->nodes[b->dst]));
	if (s)
		return s;
	/* Equal names: a call tree's edges between two contexts (pprof's
	 * order is Go's map order there); cprof's is by node creation. */
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	return a->dst < b->dst ? -1 : a->dst > b->dst;
}

void cprof__sort_edges(cprof__report *r, uint32_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cprof__node_name(r, &r->nodes[r->edges[idx[i]].src]);
		cprof__node_name(r, &r->nodes[r->edges[idx[i]].dst]);
	}
	struct ectx c = {r, false};
	qsort_r(idx, n, sizeof(*idx), edge_cmp, &c);
}

int cprof__group_edges(cprof__report *r, bool by_dst, bool sorted, uint32_t **idx_out,
		       size_t **start_out)
{
	size_t ne = 0;
	uint32_t *idx = malloc((r->nedges + 1) * sizeof(*idx));
	size_t *start = calloc(r->nnodes + 2, sizeof(*start));
	uint32_t *fill = calloc(r->nnodes + 1, sizeof(*fill));
	uint32_t *tmp = malloc((r->nedges + 1) * sizeof(*tmp));
	if (!idx || !start || !fill || !tmp) {
		free(idx);
		free(start);
		free(fill);
		free(tmp);
		return -1;
	}
	for (size_t i = 0; i < r->nedges; i++) {
		const cprof__gedge *e = &r->edges[i];
		if (!e->dropped) {
			start[(by_dst ? e->dst : e->src) + 1]++;
			tmp[ne++] = (uint32_t)i;
		}
	}
	for (size_t n = 0; n < r->nnodes; n++)
		start[n + 1] += start[n];
	for (size_t i = 0; i < ne; i++) {
		const cprof__gedge *e = &r->edges[tmp[i]];
		uint32_t k = by_dst ? e->dst : e->src;
		idx[start[k] + fill[k]++] = tmp[i];
	}
	free(fill);
	free(tmp);
	if (sorted)
		for (size_t n = 0; n < r->nnodes; n++)
			if (start[n + 1] - start[n] > 1)
				cprof__sort_edges(r, idx + start[n], start[n + 1] - start[n]);
	*idx_out = idx;
	*start_out = start;
	return 0;
}

void cprof__graph_sort(cprof__report *r, bool cum, bool visual)
{
	/* Names first, so the comparator never allocates mid-sort. */
	for (size_t i = 0; i < r->nlist; i++)
		cprof__node_name(r, &r->nodes[r->list[i]]);
	struct sortctx c = {r, cum, NULL};
	uint32_t *in_idx = NULL, *out_idx = NULL;
	size_t *in_start = NULL, *out_start = NULL;
	if (visual) {
		c.score = calloc(r->nnodes + 1, sizeof(int64_t));
		if (!c.score || cprof__group_edges(r, true, false, &in_idx, &in_start) < 0 ||
		    cprof__group_edges(r, false, false, &out_idx, &out_start) < 0) {
			r->oom = true;
			goto out;
		}
		for (size_t i = 0; i < r->nlist; i++) {
			uint32_t id = r->list[i];
			const cprof__gnode *n = &r->nodes[id];
			size_t ni = in_start[id + 1] - in_start[id];
			size_t no = out_start[id + 1] - out_start[id];
			double score = 0;
			score += ni == 0 ? 1 : edge_entropy(r, in_idx + in_start[id], ni, 0);
			score +=
				no == 0 ? 1 : edge_entropy(r, out_idx + out_start[id], no, n->flat);
			c.score[id] = cprof__wadd(cprof__f2i(score * (double)n->cum), n->flat);
		}
	}
	/* A call tree's nodes can tie completely (one function in two contexts
	 * with equal values): their order is then sort.Sort's. */
	if (r->tree)
		cprof__go_sort(r->list, r->nlist, node_less, &c);
	else
		qsort_r(r->list, r->nlist, sizeof(*r->list), node_cmp, &c);
out:
	free(c.score);
	free(in_idx);
	free(in_start);
	free(out_idx);
	free(out_start);
}

static void trim_tags(cprof__report *r, int64_t cut)
{
	for (size_t i = 0; i < r->ntags; i++) {
		cprof__gtag *t = &r->tags[i];
		if (abs64(t->flat) < cut && abs64(t->cum) < cut)
			t->dropped = true;
	}
}

/* pprof's TrimLowFrequencyEdges walks the In edges of the graph's nodes: an
 * edge into a node left out of the list (cum and flat 0, as when -diff_base
 * cancels a node's samples that its edges still carry) is never trimmed, and
 * -dot prints it, into "N0". */
static size_t trim_edges(cprof__report *r, int64_t cut)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nedges; i++) {
		cprof__gedge *e = &r->edges[i];
		if (!e->dropped && r->nodes[e->dst].listed && abs64(e->weight) < cut) {
			e->dropped = true;
			n++;
		}
	}
	return n;
}

/* pprof's countTags: tags with a flat value, label and numeric. */
static int count_tags(const cprof__report *r, uint32_t id, const uint32_t *tstart,
		      const uint32_t *tidx)
{
	int n = 0;
	for (uint32_t k = tstart[id]; k < tstart[id + 1]; k++) {
		const cprof__gtag *t = &r->tags[tidx[k]];
		if (!t->dropped && t->flat != 0)
			n++;
	}
	return n;
}

int cprof__graph_tags_by_node(cprof__report *r, uint32_t **start, uint32_t **idx)
{
	*start = calloc(r->nnodes + 2, sizeof(uint32_t));
	*idx = malloc((r->ntags + 1) * sizeof(uint32_t));
	if (!*start || !*idx)
		return -1;
	for (size_t i = 0; i < r->ntags; i++)
		(*start)[r->tags[i].node + 1]++;
	for (size_t n = 0; n < r->nnodes; n++)
		(*start)[n + 1] += (*start)[n];
	uint32_t *fill = calloc(r->nnodes + 1, sizeof(uint32_t));
	if (!fill)
		return -1;
	for (size_t i = 0; i < r->ntags; i++) {
		uint32_t nd = r->tags[i].node;
		(*idx)[(*start)[nd] + fill[nd]++] = (uint32_t)i;
	}
	free(fill);
	return 0;
}

/* pprof's RemoveRedundantEdges: drop residual in-edges whose source still
 * reaches the destination through other edges, lightest first. */
static int remove_redundant_edges(cprof__report *r)
{
	uint32_t *idx = NULL;
	size_t *start = NULL;
	uint32_t *seen = calloc(r->nnodes + 1, sizeof(uint32_t));
	uint32_t *queue = malloc((r->nnodes + 1) * sizeof(uint32_t));
	int rc = -1;
	if (!seen || !queue || cprof__group_edges(r, true, true, &idx, &start) < 0)
		goto out;
	uint32_t gen = 0;
	for (size_t li = r->nlist; li-- > 0;) {
		uint32_t id = r->list[li];
		for (size_t j = start[id + 1]; j-- > start[id];) {
			cprof__gedge *e = &r->edges[idx[j]];
			if (e->dropped)
				continue;
			if (!e->residual)
				break;
			/* BFS backwards from e->dst, not using e. */
			gen++;
			size_t qh = 0, qt = 0;
			queue[qt++] = e->dst;
			seen[e->dst] = gen;
			bool redundant = false;
			while (qh < qt && !redundant) {
				uint32_t n = queue[qh++];
				for (size_t q = start[n]; q < start[n + 1]; q++) {
					cprof__gedge *ie = &r->edges[idx[q]];
					if (ie == e || ie->dropped || seen[ie->src] == gen)
						continue;
					if (ie->src == e->src) {
						redundant = true;
						break;
					}
					seen[ie->src] = gen;
					queue[qt++] = ie->src;
				}
			}
			if (redundant)
				e->dropped = true;
		}
	}
	rc = 0;
out:
	free(start);
	free(idx);
	free(seen);
	free(queue);
	return rc;
}

/* pprof's selectTopNodes: how many nodes of the sorted list -nodecount
 * keeps; a visual graph counts up to 4 of a node's tags as nodes too. */
static int top_count(cprof__report *r, bool visual, size_t *max)
{
	*max = (size_t)r->o.nodecount;
	if (!visual)
		return 0;
	uint32_t *ts = NULL, *ti = NULL;
	if (cprof__graph_tags_by_node(r, &ts, &ti) < 0) {
		free(ts);
		free(ti);
		return -1;
	}
	size_t count = 0;
	for (size_t i = 0; i < r->nlist; i++) {
		int t = count_tags(r, r->list[i], ts, ti);
		count += (size_t)(t > 4 ? 4 : t) + 1;
		if (count >= *max) {
			*max = i + 1;
			break;
		}
	}
	free(ts);
	free(ti);
	return 0;
}

/* Which kinds of edges (inline or not) reach each node, after trimming. */
static void mark_in_edges(cprof__report *r)
{
	for (size_t i = 0; i < r->nedges; i++) {
		cprof__gedge *e = &r->edges[i];
		if (e->dropped)
			continue;
		if (e->inline_)
			r->nodes[e->dst].in_inline = true;
		else
			r->nodes[e->dst].in_noinline = true;
	}
}

/* ---- the call tree (pprof's newTree and TrimTree) ---- */

static bool tree_rehash(cprof__report *r, size_t cap)
{
	return node_rehash_into(r, r->nbase, true, &r->trhash, &r->trhcap, cap);
}

/* The tree node for NodeInfo node `base` under tree node `parent` (-1: a
 * root), inserting it (pprof's per-parent NodeMap); -1 on OOM. */
static int32_t tree_child(cprof__report *r, int32_t parent, int32_t base)
{
	if ((r->nnodes - r->nbase + 1) * 2 > r->trhcap &&
	    !tree_rehash(r, r->trhcap ? r->trhcap * 2 : 1024))
		return -1;
	uint32_t ctx = (uint32_t)(parent + 1);
	cprof__ninfo info = r->nodes[base].info; /* (node_new may move it) */
	size_t j = tree_hash(ctx, &info) & (r->trhcap - 1);
	for (; r->trhash[j]; j = (j + 1) & (r->trhcap - 1)) {
		const cprof__gnode *n = &r->nodes[r->trhash[j] - 1];
		if (n->ctx == ctx && info_eq(&n->info, &info))
			return (int32_t)r->trhash[j] - 1;
	}
	cprof__gnode *n = node_new(r);
	if (!n)
		return -1;
	n->info = info;
	n->ctx = ctx;
	r->trhash[j] = (uint32_t)r->nnodes;
	return (int32_t)r->nnodes - 1;
}

/* pprof's newTree: a node per distinct path from the root, cum added along
 * the sample's path (each node once: a path has no repeats), flat to its
 * leaf, an edge from each node to the next.  The NodeInfo nodes of
 * cprof__graph_init stay as they are (zero, never listed). */
static int tree_build(cprof__report *r)
{
	bool visual = r->o.format == CPROF_FMT_DOT;
	if (visual && prepare_tags(r) < 0)
		return -1;
	cprof__profile *p = r->p;
	if (r->tree) { /* built before: start again from the NodeInfo nodes */
		for (size_t i = r->nbase; i < r->nnodes; i++)
			if (r->nodes[i].pname != sstr(r, r->nodes[i].info.name))
				free((char *)r->nodes[i].pname);
		r->nnodes = r->nbase;
		if (r->trhash)
			memset(r->trhash, 0, r->trhcap * sizeof(*r->trhash));
	}
	r->tree = true;
	r->nbase = r->nnodes;
	r->ntags = 0;
	if (r->thash)
		memset(r->thash, 0, r->thcap * sizeof(*r->thash));
	r->nedges = 0;
	if (r->ehash)
		memset(r->ehash, 0, r->ehcap * sizeof(*r->ehash));
	for (size_t si = 0; si < p->sample.n; si++) {
		const cprof__sample *s = &p->sample.v[si];
		const int64_t *v = cprof__sample_values(p, s);
		int64_t w = cprof__rvalue(r, v), dw = r->has_mean ? v[0] : 0;
		if (w == 0 && dw == 0)
			continue;
		bool tagged = visual && s->nlabel && sample_has_tags(r, s);
		int32_t parent = -1;
		for (uint32_t i = s->nloc; i-- > 0;) {
			uint64_t lid = cprof__sample_loc(p, s, i);
			if (lid == 0 || lid > p->location.n)
				continue;
			uint32_t off = r->loc_off[lid - 1], nn = r->loc_n[lid - 1];
			for (uint32_t ni = nn; ni-- > 0;) {
				int32_t id = tree_child(r, parent, r->locnode[off + ni]);
				if (id < 0)
					return -1;
				cprof__gnode *n = &r->nodes[id];
				n->cum = cprof__wadd(n->cum, w);
				n->cumdiv = cprof__wadd(n->cumdiv, dw);
				if (tagged && add_tags(r, (uint32_t)id, s, r->sample_lset[si], w,
						       dw, false) < 0)
					return -1;
				if (parent >= 0 &&
				    !edge_add(r, (uint32_t)parent, (uint32_t)id, (uint32_t)si + 1,
					      w, dw, ni != nn - 1, false))
					return -1;
				parent = id;
			}
		}
		if (parent >= 0) {
			cprof__gnode *n = &r->nodes[parent];
			n->flat = cprof__wadd(n->flat, w);
			n->flatdiv = cprof__wadd(n->flatdiv, dw);
			if (tagged &&
			    add_tags(r, (uint32_t)parent, s, r->sample_lset[si], w, dw, true) < 0)
				return -1;
		}
	}
	uint32_t *l = realloc(r->list, (r->nnodes + 1) * sizeof(*l));
	if (!l)
		return -1;
	r->list = l;
	list_nodes(r, false);
	return 0;
}

/* pprof's TrimTree: the listed nodes without `kept` leave the forest; a
 * kept node below one hangs from its nearest remaining ancestor through a
 * residual edge (inline when every edge it replaces was), or becomes a root
 * when there is none.  Nodes outside the list (zero) are never removed, as
 * pprof trims only its graph's nodes.  The order of the list is kept. */
static int trim_tree(cprof__report *r)
{
	int32_t *in = malloc((r->nnodes + 1) * sizeof(*in));
	if (!in)
		return -1;
	for (size_t i = 0; i < r->nnodes; i++)
		in[i] = -1;
	for (size_t i = 0; i < r->nedges; i++)
		if (!r->edges[i].dropped)
			in[r->edges[i].dst] = (int32_t)i;
#define GONE(id) (r->nodes[id].listed && !r->nodes[id].kept)
	/* Walks read the edges into removed nodes only; this loop changes
	 * the others, the next drops those. */
	for (size_t i = 0; i < r->nedges; i++) {
		cprof__gedge *e = &r->edges[i];
		if (e->dropped || GONE(e->dst) || !GONE(e->src))
			continue;
		uint32_t src = e->src;
		bool inl = e->inline_;
		while (GONE(src) && in[src] >= 0) {
			const cprof__gedge *up = &r->edges[in[src]];
			inl = inl && up->inline_;
			src = up->src;
		}
		if (GONE(src)) {
			e->dropped = true;
			continue;
		}
		e->src = src;
		e->residual = true;
		e->inline_ = inl;
	}
	for (size_t i = 0; i < r->nedges; i++)
		if (!r->edges[i].dropped && GONE(r->edges[i].dst))
			r->edges[i].dropped = true;
	size_t k = 0;
	for (size_t i = 0; i < r->nlist; i++) {
		cprof__gnode *n = &r->nodes[r->list[i]];
		if (GONE(r->list[i]))
			n->listed = false;
		else
			r->list[k++] = r->list[i];
	}
#undef GONE
	r->nlist = k;
	free(in);
	return 0;
}

/* pprof's newTrimmedGraph with call_tree: the tree is built once and
 * trimmed in place (TrimTree), never rebuilt from the samples. */
static int tree_trimmed(cprof__report *r, size_t *orig_count, size_t *dropped_nodes,
			size_t *dropped_edges)
{
	const cprof__report_opts *o = &r->o;
	bool visual = o->format == CPROF_FMT_DOT;
	*dropped_nodes = *dropped_edges = 0;
	if (tree_build(r) < 0)
		return -1;
	int64_t total = 0;
	for (size_t i = 0; i < r->nlist; i++)
		total = cprof__wadd(total, r->nodes[r->list[i]].flat);
	int64_t node_cut = abs64(cprof__f2i((double)total * o->nodefraction));
	int64_t edge_cut = abs64(cprof__f2i((double)total * o->edgefraction));
	if (node_cut > 0) {
		size_t kept = 0;
		for (size_t i = 0; i < r->nlist; i++) {
			cprof__gnode *n = &r->nodes[r->list[i]];
			n->kept = abs64(n->cum) >= node_cut;
			kept += n->kept;
		}
		if (kept != r->nlist) {
			*dropped_nodes = r->nlist - kept;
			if (trim_tree(r) < 0)
				return -1;
		}
	}
	*orig_count = r->nlist;
	cprof__graph_sort(r, o->cum_sort, visual);
	if (o->nodecount > 0) {
		trim_tags(r, node_cut);
		trim_edges(r, edge_cut);
		size_t max;
		if (top_count(r, visual, &max) < 0)
			return -1;
		if (max < r->nlist) {
			for (size_t i = 0; i < r->nlist; i++)
				r->nodes[r->list[i]].kept = i < max;
			if (trim_tree(r) < 0)
				return -1;
			cprof__graph_sort(r, o->cum_sort, visual);
		}
	}
	trim_tags(r, node_cut);
	*dropped_edges = trim_edges(r, edge_cut);
	/* (RemoveRedundantEdges: in a forest a node has one way in, so no
	 * edge is redundant.) */
	mark_in_edges(r);
	return r->oom ? -1 : 0;
}

int cprof__graph_trimmed(cprof__report *r, size_t *orig_count, size_t *dropped_nodes,
			 size_t *dropped_edges)
{
	const cprof__report_opts *o = &r->o;
	bool visual = o->format == CPROF_FMT_DOT;
	if (o->call_tree && (visual || o->format == CPROF_FMT_CALLGRIND))
		return tree_trimmed(r, orig_count, dropped_nodes, dropped_edges);
	*dropped_nodes = *dropped_edges = 0;
	/* A visual graph's edges are built once its nodes are chosen: the
	 * whole graph's (millions in a big profile) are needed only when no
	 * node is dropped. */
	if (cprof__graph_build(r, false, false) < 0)
		return -1;
	int64_t total = 0;
	for (size_t i = 0; i < r->nlist; i++)
		total = cprof__wadd(total, r->nodes[r->list[i]].flat);
	int64_t node_cut = abs64(cprof__f2i((double)total * o->nodefraction));
	int64_t edge_cut = abs64(cprof__f2i((double)total * o->edgefraction));
	bool use_kept = false;
	if (node_cut > 0) {
		size_t kept = 0;
		for (size_t i = 0; i < r->nnodes; i++)
			r->nodes[i].kept = false;
		for (size_t i = 0; i < r->nlist; i++) {
			cprof__gnode *n = &r->nodes[r->list[i]];
			if (abs64(n->cum) >= node_cut) {
				n->kept = true;
				kept++;
			}
		}
		if (kept != r->nlist) {
			*dropped_nodes = r->nlist - kept;
			use_kept = true;
			/* A kept node's flat and cum do not depend on the other
			 * nodes: without edges (and tags) to redo, rebuilding
			 * would only list the kept nodes. */
			if (!visual)
				list_nodes(r, true);
			else if (cprof__graph_build(r, true, true) < 0)
				return -1;
		}
	}
	if (visual && !use_kept && cprof__graph_build(r, false, true) < 0)
		return -1;
	*orig_count = r->nlist;
	cprof__graph_sort(r, o->cum_sort, visual);
	bool rebuilt = false;
	if (o->nodecount > 0) {
		size_t max;
		if (visual) {
			trim_tags(r, node_cut);
			trim_edges(r, edge_cut);
		}
		if (top_count(r, visual, &max) < 0)
			return -1;
		if (max < r->nlist) {
			for (size_t i = 0; i < r->nnodes; i++)
				r->nodes[i].kept = false;
			for (size_t i = 0; i < max; i++)
				r->nodes[r->list[i]].kept = true;
			use_kept = true;
			rebuilt = true;
			if (visual) {
				if (cprof__graph_build(r, true, true) < 0)
					return -1;
				cprof__graph_sort(r, o->cum_sort, true);
			}
		}
	}
	if (!visual) {
		/* Final build, with edges (inline labels, trees).  The text
		 * report shows edges only as inline labels: without inline
		 * frames it needs none (a big profile's edges are a fifth of
		 * its report's memory). */
		bool edges = o->format != CPROF_FMT_TEXT || r->has_inline;
		if (!edges)
			list_nodes(r, use_kept); /* (as above) */
		else if (cprof__graph_build(r, use_kept, true) < 0)
			return -1;
		cprof__graph_sort(r, o->cum_sort, false);
	}
	(void)rebuilt;
	if (visual)
		trim_tags(r, node_cut);
	*dropped_edges = trim_edges(r, edge_cut);
	if (visual && remove_redundant_edges(r) < 0)
		return -1;
	mark_in_edges(r);
	return r->oom ? -1 : 0;
}

void cprof__graph_free(cprof__report *r)
{
	for (size_t i = 0; i < r->nnodes; i++)
		if (r->nodes[i].pname != sstr(r, r->nodes[i].info.name))
			free((char *)r->nodes[i].pname);
	free(r->nodes);
	free(r->nhash);
	free(r->trhash);
	free(r->edges);
	free(r->ehash);
	free(r->list);
	free(r->tags);
	free(r->thash);
	free(r->sample_lset);
	free(r->locnode);
	free(r->loc_off);
	free(r->loc_n);
	free(r->func_name);
	free(r->func_file);
	free(r->map_file);
	cprof__profile_free(&r->strs);
}
