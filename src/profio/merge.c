/*
 * merge.c — pprof's Merge (profile/merge.go) over the array model.  A merge
 * builds a fresh profile: dst is added first, then src, each entity looked up
 * in a content-keyed hash table of the output (memoised per source by index,
 * as pprof memoises by id).
 */
#include "compat.h"
#include "profio/merge.h"
#include "profio/decode.h"
#include "base/hash.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a hash set of output entity indices, keyed by content -------------- */

typedef struct slot {
	uint32_t hash, idx1; /* idx1 = index + 1; 0 = empty */
} slot;

typedef struct set {
	slot *s;
	size_t mask, n;
} set;

static bool set_grow(set *t)
{
	size_t cap = t->s ? (t->mask + 1) * 2 : 1024;
	if (cap > SIZE_MAX / sizeof(slot))
		return false;
	slot *s = calloc(cap, sizeof(*s));
	if (!s)
		return false;
	if (t->s)
		for (size_t i = 0; i <= t->mask; i++)
			if (t->s[i].idx1) {
				size_t j = t->s[i].hash & (cap - 1);
				while (s[j].idx1)
					j = (j + 1) & (cap - 1);
				s[j] = t->s[i];
			}
	free(t->s);
	t->s = s;
	t->mask = cap - 1;
	return true;
}

/* ---- merge state ---------------------------------------------------------- */

typedef struct mapinfo {
	uint64_t id;    /* output mapping id; 0: not yet mapped */
	int64_t offset; /* added to addresses (other load address) */
} mapinfo;

typedef struct merger {
	cprof__profile *out;
	set maps, fns, locs, samples;
	/* Per source, by source index. */
	const cprof__profile *src;
	int64_t *str; /* source string -> output string + 1; 0 unmapped */
	mapinfo *map;
	uint64_t *fn, *loc;
	uint32_t *ltmp; /* one sample's output location ids */
	size_t ltmp_cap;
	cprof__label *labtmp;
	size_t labtmp_cap;
	int64_t *vtmp;
	bool oom;
} merger;

static int64_t mstr(merger *m, int64_t i)
{
	const cprof__profile *s = m->src;
	if (i <= 0 || (uint64_t)i >= s->str.n)
		return 0;
	if (!m->str[i])
		m->str[i] = cprof__profile_strn(m->out, s->str.v[i], s->str.len[i]) + 1;
	return m->str[i] - 1;
}

/* Looks up key hash h in t with eq(m, candidate index, ctx); returns the
 * slot to fill (idx1 == 0) or the match. */
#define SET_FIND(t, h, EQ)                                                               \
	({                                                                               \
		size_t j_ = (h) & (t)->mask;                                             \
		while ((t)->s[j_].idx1 &&                                                \
		       !((t)->s[j_].hash == (uint32_t)(h) && (EQ((t)->s[j_].idx1 - 1)))) \
			j_ = (j_ + 1) & (t)->mask;                                       \
		&(t)->s[j_];                                                             \
	})

static bool set_reserve(merger *m, set *t)
{
	if ((t->n + 1) * 2 <= (t->s ? t->mask + 1 : 0))
		return true;
	if (!set_grow(t)) {
		m->oom = true;
		return false;
	}
	return true;
}

/* Content keys of output entities (pprof's mappingKey, functionKey,
 * locationKey, sampleKey); strings are output indices, so equal strings are
 * equal numbers. */
static uint64_t map_size(const cprof__mapping *mp)
{
	uint64_t size = mp->limit - mp->start + 0xfff;
	return size - size % 0x1000;
}

static int64_t map_name(const cprof__mapping *mp)
{
	return mp->build_id ? mp->build_id : mp->file;
}

static uint64_t hash_mapping(const cprof__mapping *mp)
{
	return cprof__hash_step(cprof__hash_step(cprof__hash_step(1, map_size(mp)), mp->offset),
				(uint64_t)map_name(mp));
}

static bool mapping_eq(const cprof__mapping *a, const cprof__mapping *b)
{
	return map_size(a) == map_size(b) && a->offset == b->offset && map_name(a) == map_name(b);
}

static uint64_t hash_function(const cprof__function *f)
{
	return cprof__hash_step(
		cprof__hash_step(cprof__hash_step(cprof__hash_step(2, (uint64_t)f->name),
						  (uint64_t)f->system_name),
				 (uint64_t)f->filename),
		(uint64_t)f->start_line);
}

static bool function_eq(const cprof__function *a, const cprof__function *b)
{
	return a->name == b->name && a->system_name == b->system_name &&
	       a->filename == b->filename && a->start_line == b->start_line;
}

/* Address relative to the mapping start (address randomisation). */
static uint64_t loc_addr(const cprof__profile *o, const cprof__location *l)
{
	return l->mapping_id ? l->address - o->mapping.v[l->mapping_id - 1].start : l->address;
}

static uint64_t hash_location(const cprof__profile *o, const cprof__location *l)
{
	uint64_t h = cprof__hash_step(
		cprof__hash_step(cprof__hash_step(3, loc_addr(o, l)), l->mapping_id), l->is_folded);
	const cprof__line *ln = l->nline ? o->line_pool.v + l->line_off : NULL;
	for (uint32_t j = 0; j < l->nline; j++)
		h = cprof__hash_step(cprof__hash_step(cprof__hash_step(h, ln[j].function_id),
						      (uint64_t)ln[j].line),
				     (uint64_t)ln[j].column);
	return h;
}

static bool location_eq(const cprof__profile *o, const cprof__location *a, const cprof__location *b)
{
	return a->mapping_id == b->mapping_id && loc_addr(o, a) == loc_addr(o, b) &&
	       a->is_folded == b->is_folded && a->nline == b->nline &&
	       (!a->nline || !memcmp(o->line_pool.v + a->line_off, o->line_pool.v + b->line_off,
				     a->nline * sizeof(cprof__line)));
}

static uint64_t hash_sample(const uint32_t *locs, uint32_t nloc, const cprof__label *l,
			    uint32_t nlabel)
{
	uint64_t h = 4;
	uint32_t k = 0;
	for (; k + 1 < nloc; k += 2) /* two 32-bit ids a round */
		h = cprof__hash_step(h, locs[k] | (uint64_t)locs[k + 1] << 32);
	if (k < nloc)
		h = cprof__hash_step(h, locs[k]);
	for (k = 0; k < nlabel; k++)
		h = cprof__hash_step(
			cprof__hash_step(cprof__hash_step(cprof__hash_step(h, (uint64_t)l[k].key),
							  (uint64_t)l[k].str),
					 (uint64_t)l[k].num),
			(uint64_t)l[k].num_unit);
	return cprof__hash_step(h, nloc);
}

static bool sample_eq(const cprof__profile *o, const cprof__sample *c, const uint32_t *locs,
		      uint32_t nloc, const cprof__label *l, uint32_t nlabel)
{
	if (c->nloc != nloc || c->nlabel != nlabel)
		return false;
	for (uint32_t k = 0; k < nloc; k++)
		if (cprof__sample_loc(o, c, k) != locs[k])
			return false;
	return !nlabel || !memcmp(o->label_pool.v + c->label_off, l, nlabel * sizeof(*l));
}

static mapinfo map_mapping(merger *m, size_t i)
{
	if (m->map[i].id)
		return m->map[i];
	cprof__profile *o = m->out;
	const cprof__mapping *sm = &m->src->mapping.v[i];
	cprof__mapping nm = *sm;
	nm.file = mstr(m, sm->file);
	nm.build_id = mstr(m, sm->build_id);
	uint64_t h = hash_mapping(&nm);
	mapinfo mi = {0, 0};
	if (!set_reserve(m, &m->maps))
		return mi;
#define MAP_EQ(k) mapping_eq(&o->mapping.v[k], &nm)
	slot *sl = SET_FIND(&m->maps, h, MAP_EQ);
	if (sl->idx1) {
		mi.id = sl->idx1;
		mi.offset = (int64_t)(o->mapping.v[sl->idx1 - 1].start - sm->start);
	} else {
		mi.id = cprof__profile_add_mapping(o, &nm);
		if (!mi.id)
			return mi;
		sl->hash = (uint32_t)h;
		sl->idx1 = (uint32_t)mi.id;
		m->maps.n++;
	}
	m->map[i] = mi;
	return mi;
}

static uint64_t map_function(merger *m, uint64_t sid)
{
	size_t i = sid - 1;
	if (m->fn[i])
		return m->fn[i];
	cprof__profile *o = m->out;
	const cprof__function *sf = &m->src->function.v[i];
	cprof__function nf = {mstr(m, sf->name), mstr(m, sf->system_name), mstr(m, sf->filename),
			      sf->start_line};
	uint64_t h = hash_function(&nf);
	if (!set_reserve(m, &m->fns))
		return 0;
#define FN_EQ(k) function_eq(&o->function.v[k], &nf)
	slot *sl = SET_FIND(&m->fns, h, FN_EQ);
	if (!sl->idx1) {
		if (!CPROF_VEC_GROW(o, o->function, 1))
			return 0;
		o->function.v[o->function.n++] = nf;
		sl->hash = (uint32_t)h;
		sl->idx1 = (uint32_t)o->function.n;
		m->fns.n++;
	}
	return m->fn[i] = sl->idx1;
}

static uint64_t map_location(merger *m, uint64_t sid)
{
	size_t i = sid - 1;
	if (m->loc[i])
		return m->loc[i];
	cprof__profile *o = m->out;
	const cprof__location *sl0 = &m->src->location.v[i];
	mapinfo mi = {0, 0};
	if (sl0->mapping_id) {
		mi = map_mapping(m, sl0->mapping_id - 1);
		if (!mi.id)
			return 0;
	}
	uint64_t addr = sl0->address + (uint64_t)mi.offset;
	/* Lines go to the end of the output pool; dropped again if the
	 * location turns out to exist. */
	size_t loff = o->line_pool.n;
	if (!CPROF_VEC_GROW(o, o->line_pool, sl0->nline))
		return 0;
	const cprof__line *sln = sl0->nline ? cprof__location_lines(m->src, sl0) : NULL;
	for (uint32_t j = 0; j < sl0->nline; j++) {
		uint64_t f = map_function(m, sln[j].function_id);
		if (!f)
			return 0;
		o->line_pool.v[loff + j] = (cprof__line){f, sln[j].line, sln[j].column};
	}
	cprof__location nl = {.mapping_id = mi.id,
			      .address = addr,
			      .line_off = loff,
			      .nline = sl0->nline,
			      .is_folded = sl0->is_folded};
	uint64_t h = hash_location(o, &nl);
	if (!set_reserve(m, &m->locs))
		return 0;
#define LOC_EQ(k) location_eq(o, &o->location.v[k], &nl)
	slot *s = SET_FIND(&m->locs, h, LOC_EQ);
	if (!s->idx1) {
		if (!CPROF_VEC_GROW(o, o->location, 1))
			return 0;
		o->line_pool.n = loff + sl0->nline;
		o->location.v[o->location.n++] = nl;
		s->hash = (uint32_t)h;
		s->idx1 = (uint32_t)o->location.n;
		m->locs.n++;
	}
	return m->loc[i] = s->idx1;
}

static int label_cmp(const cprof__label *a, const cprof__label *b)
{
	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	if (a->str != b->str)
		return a->str < b->str ? -1 : 1;
	if (a->num != b->num)
		return a->num < b->num ? -1 : 1;
	if (a->num_unit != b->num_unit)
		return a->num_unit < b->num_unit ? -1 : 1;
	return 0;
}

static bool tmp_reserve(merger *m, size_t nloc, size_t nlab)
{
	if (nloc > m->ltmp_cap) {
		uint32_t *v = realloc(m->ltmp, nloc * sizeof(*v));
		if (!v)
			return false;
		m->ltmp = v;
		m->ltmp_cap = nloc;
	}
	if (nlab > m->labtmp_cap) {
		cprof__label *l = realloc(m->labtmp, nlab * sizeof(*l));
		if (!l)
			return false;
		m->labtmp = l;
		m->labtmp_cap = nlab;
	}
	return true;
}

static int64_t scale_value(int64_t v, double scale)
{
	if (scale == 1)
		return v;
	double x = round((double)v * scale);
	if (!(x > -9.2233720368547758e18))
		return INT64_MIN;
	if (!(x < 9.2233720368547758e18))
		return INT64_MAX;
	return (int64_t)x;
}

static bool map_sample(merger *m, const cprof__sample *ss, double scale)
{
	cprof__profile *o = m->out;
	const cprof__profile *src = m->src;
	size_t nt = o->sample_type.n;
	if (nt == 0)
		return true; /* no values: nothing to merge */
	const int64_t *sv = cprof__sample_values(src, ss);
	bool zero = true;
	for (size_t k = 0; k < nt; k++) {
		m->vtmp[k] = scale_value(sv[k], scale);
		zero &= m->vtmp[k] == 0;
	}
	if (zero)
		return true; /* pprof drops all-zero samples */
	if (!tmp_reserve(m, ss->nloc, ss->nlabel))
		return false;
	for (uint32_t k = 0; k < ss->nloc; k++) {
		uint64_t id = map_location(m, cprof__sample_loc(src, ss, k));
		if (!id)
			return false;
		m->ltmp[k] = (uint32_t)id; /* < 2^32: add_profile checked the count */
	}
	/* Labels in a canonical order, so equal label sets compare equal. */
	const cprof__label *lab = ss->nlabel ? cprof__sample_labels(src, ss) : NULL;
	cprof__label *nl = m->labtmp;
	for (uint32_t k = 0; k < ss->nlabel; k++) {
		cprof__label l = {mstr(m, lab[k].key), mstr(m, lab[k].str), lab[k].num,
				  mstr(m, lab[k].num_unit)};
		uint32_t j = k;
		for (; j > 0 && label_cmp(&nl[j - 1], &l) > 0; j--)
			nl[j] = nl[j - 1];
		nl[j] = l;
	}
	uint64_t h = hash_sample(m->ltmp, ss->nloc, nl, ss->nlabel);
	if (!set_reserve(m, &m->samples))
		return false;
#define SAMPLE_EQ(k) sample_eq(o, &o->sample.v[k], m->ltmp, ss->nloc, nl, ss->nlabel)
	slot *s = SET_FIND(&m->samples, h, SAMPLE_EQ);
	if (s->idx1) {
		int64_t *v = o->value_pool.v + o->sample.v[s->idx1 - 1].value_off;
		for (size_t k = 0; k < nt; k++)
			v[k] = (int64_t)((uint64_t)v[k] + (uint64_t)m->vtmp[k]); /* wraps like Go */
		return true;
	}
	if (!cprof__profile_add_sample32(o, m->ltmp, ss->nloc, m->vtmp, nl, ss->nlabel))
		return false;
	s->hash = (uint32_t)h;
	s->idx1 = (uint32_t)o->sample.n;
	m->samples.n++;
	return true;
}

/* Merge may get profiles that were built, not decoded: check every
 * reference before following it.  NULL if fine. */
static const char *check_refs(const cprof__profile *p)
{
	size_t nt = p->sample_type.n;
	for (size_t i = 0; i < p->sample.n; i++) {
		const cprof__sample *s = &p->sample.v[i];
		if (s->loc_off > p->loc_pool.n || s->nloc > p->loc_pool.n - s->loc_off ||
		    s->label_off > p->label_pool.n || s->nlabel > p->label_pool.n - s->label_off ||
		    s->value_off > p->value_pool.n || nt > p->value_pool.n - s->value_off)
			return "sample data out of range";
		for (uint32_t k = 0; k < s->nloc; k++) {
			uint64_t id = cprof__sample_loc(p, s, k);
			if (id == 0 || id > p->location.n)
				return "sample references an unknown location";
		}
	}
	for (size_t i = 0; i < p->location.n; i++) {
		const cprof__location *l = &p->location.v[i];
		if (l->mapping_id > p->mapping.n)
			return "location references an unknown mapping";
		if (l->line_off > p->line_pool.n || l->nline > p->line_pool.n - l->line_off)
			return "location lines out of range";
		for (uint32_t k = 0; k < l->nline; k++) {
			uint64_t f = p->line_pool.v[l->line_off + k].function_id;
			if (f == 0 || f > p->function.n)
				return "line references an unknown function";
		}
	}
	return NULL;
}

/* Add all of src's samples (scaled) to m->out. */
static bool add_profile(merger *m, const cprof__profile *src, double scale)
{
	bool ok = false;
	m->src = src;
	m->str = calloc(src->str.n ? src->str.n : 1, sizeof(*m->str));
	m->map = calloc(src->mapping.n + 1, sizeof(*m->map));
	m->fn = calloc(src->function.n + 1, sizeof(*m->fn));
	m->loc = calloc(src->location.n + 1, sizeof(*m->loc));
	if (!m->str || !m->map || !m->fn || !m->loc)
		goto out;
	if (src->sample.n > UINT32_MAX - 1 - m->out->sample.n ||
	    src->location.n > UINT32_MAX - 1 - m->out->location.n)
		goto out;
	/* The first mapping is the main binary: keep it first. */
	if (m->out->mapping.n == 0 && src->mapping.n > 0 && !map_mapping(m, 0).id)
		goto out;
	for (size_t i = 0; i < src->sample.n; i++)
		if (!map_sample(m, &src->sample.v[i], scale))
			goto out;
	ok = !m->out->oom;
out:
	free(m->str);
	free(m->map);
	free(m->fn);
	free(m->loc);
	m->str = NULL;
	m->map = NULL;
	m->fn = m->loc = NULL;
	return ok;
}

static bool str_eq(const cprof__profile *a, int64_t i, const cprof__profile *b, int64_t j)
{
	size_t la = i > 0 && (uint64_t)i < a->str.n ? a->str.len[i] : 0;
	size_t lb = j > 0 && (uint64_t)j < b->str.n ? b->str.len[j] : 0;
	return la == lb && (la == 0 || !memcmp(a->str.v[i], b->str.v[j], la));
}

static bool vt_equal(const cprof__profile *a, const cprof__valuetype *x, const cprof__profile *b,
		     const cprof__valuetype *y)
{
	return str_eq(a, x->type, b, y->type) && str_eq(a, x->unit, b, y->unit);
}

static void describe_types(const cprof__profile *p, char *buf, size_t len)
{
	size_t o = 0;
	o += (size_t)snprintf(buf, len, "[");
	for (size_t i = 0; i < p->sample_type.n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s/%s", i ? " " : "",
				      cprof__profile_string(p, p->sample_type.v[i].type),
				      cprof__profile_string(p, p->sample_type.v[i].unit));
	if (o < len)
		snprintf(buf + o, len - o, "]");
}

static bool is_empty(const cprof__profile *p)
{
	return p->sample_type.n == 0 && p->sample.n == 0 && p->location.n == 0 &&
	       p->mapping.n == 0 && p->function.n == 0 && p->period_type.type == 0 &&
	       p->period_type.unit == 0;
}

static int64_t copy_str(cprof__profile *o, const cprof__profile *p, int64_t i)
{
	return i > 0 && (uint64_t)i < p->str.n ? cprof__profile_strn(o, p->str.v[i], p->str.len[i])
					       : 0;
}

static void add_comments(cprof__profile *o, const cprof__profile *p)
{
	for (size_t i = 0; i < p->comment.n; i++) {
		int64_t c = copy_str(o, p, p->comment.v[i]);
		bool seen = false;
		for (size_t j = 0; j < o->comment.n && !seen; j++)
			seen = o->comment.v[j] == c;
		if (!seen && CPROF_VEC_GROW(o, o->comment, 1))
			o->comment.v[o->comment.n++] = c;
	}
}

/* pprof's combineHeaders, one more profile at a time. */
static void merge_headers(cprof__profile *out, const cprof__profile *s)
{
	if (s->time_nanos && (!out->time_nanos || s->time_nanos < out->time_nanos))
		out->time_nanos = s->time_nanos;
	out->duration_nanos =
		(int64_t)((uint64_t)out->duration_nanos + (uint64_t)s->duration_nanos);
	if (s->period > out->period)
		out->period = s->period;
	add_comments(out, s);
	if (!out->default_sample_type)
		out->default_sample_type = copy_str(out, s, s->default_sample_type);
	if (!out->doc_url)
		out->doc_url = copy_str(out, s, s->doc_url);
}

/* Make d, a profile in the form merges produce, m's output: its entities go
 * into m's tables as they are.  False if d is not in that form (duplicate
 * strings or entities, unsorted labels, all-zero samples); d is then
 * unchanged but for its string hash, and the caller rebuilds instead. */
static bool adopt(merger *m, cprof__profile *d)
{
	m->out = d;
	for (size_t i = 1; i < d->str.n; i++)
		if (cprof__profile_strn(d, d->str.v[i], d->str.len[i]) != (int64_t)i)
			return false;
	for (size_t i = 0; i < d->mapping.n; i++) {
		const cprof__mapping *mp = &d->mapping.v[i];
		uint64_t h = hash_mapping(mp);
		if (!set_reserve(m, &m->maps))
			return false;
#define ADOPT_MAP_EQ(k) mapping_eq(&d->mapping.v[k], mp)
		slot *sl = SET_FIND(&m->maps, h, ADOPT_MAP_EQ);
		if (sl->idx1)
			return false;
		*sl = (slot){(uint32_t)h, (uint32_t)(i + 1)};
		m->maps.n++;
	}
	for (size_t i = 0; i < d->function.n; i++) {
		const cprof__function *f = &d->function.v[i];
		uint64_t h = hash_function(f);
		if (!set_reserve(m, &m->fns))
			return false;
#define ADOPT_FN_EQ(k) function_eq(&d->function.v[k], f)
		slot *sl = SET_FIND(&m->fns, h, ADOPT_FN_EQ);
		if (sl->idx1)
			return false;
		*sl = (slot){(uint32_t)h, (uint32_t)(i + 1)};
		m->fns.n++;
	}
	for (size_t i = 0; i < d->location.n; i++) {
		const cprof__location *l = &d->location.v[i];
		uint64_t h = hash_location(d, l);
		if (!set_reserve(m, &m->locs))
			return false;
#define ADOPT_LOC_EQ(k) location_eq(d, &d->location.v[k], l)
		slot *sl = SET_FIND(&m->locs, h, ADOPT_LOC_EQ);
		if (sl->idx1)
			return false;
		*sl = (slot){(uint32_t)h, (uint32_t)(i + 1)};
		m->locs.n++;
	}
	size_t nt = d->sample_type.n;
	for (size_t i = 0; i < d->sample.n; i++) {
		const cprof__sample *s = &d->sample.v[i];
		if (!tmp_reserve(m, s->nloc, 0))
			return false;
		uint32_t *locs = m->ltmp;
		cprof__sample_locids(d, s, locs);
		const cprof__label *lab = s->nlabel ? cprof__sample_labels(d, s) : NULL;
		for (uint32_t k = 1; k < s->nlabel; k++)
			if (label_cmp(&lab[k - 1], &lab[k]) > 0)
				return false;
		const int64_t *v = cprof__sample_values(d, s);
		bool zero = true;
		for (size_t k = 0; k < nt && zero; k++)
			zero = v[k] == 0;
		if (zero)
			return false;
		uint64_t h = hash_sample(locs, s->nloc, lab, s->nlabel);
		if (!set_reserve(m, &m->samples))
			return false;
#define ADOPT_SAMPLE_EQ(k) sample_eq(d, &d->sample.v[k], locs, s->nloc, lab, s->nlabel)
		slot *sl = SET_FIND(&m->samples, h, ADOPT_SAMPLE_EQ);
		if (sl->idx1)
			return false;
		*sl = (slot){(uint32_t)h, (uint32_t)(i + 1)};
		m->samples.n++;
	}
	return !d->oom;
}

static void merger_free(merger *m)
{
	free(m->maps.s);
	free(m->fns.s);
	free(m->locs.s);
	free(m->samples.s);
	free(m->ltmp);
	free(m->labtmp);
	free(m->vtmp);
}

/* Build out = merge(first * fscale, second * sscale) (second may be NULL). */
static int build(cprof__profile *out, const cprof__profile *first, double fscale,
		 const cprof__profile *second, double sscale, char *err, size_t errlen)
{
	cprof__profile_init(out);
	const cprof__profile *h = first;
	for (size_t i = 0; i < h->sample_type.n; i++) {
		if (!CPROF_VEC_GROW(out, out->sample_type, 1))
			break;
		out->sample_type.v[out->sample_type.n++] =
			(cprof__valuetype){copy_str(out, h, h->sample_type.v[i].type),
					   copy_str(out, h, h->sample_type.v[i].unit)};
	}
	out->period_type.type = copy_str(out, h, h->period_type.type);
	out->period_type.unit = copy_str(out, h, h->period_type.unit);
	out->drop_frames = copy_str(out, h, h->drop_frames);
	out->keep_frames = copy_str(out, h, h->keep_frames);
	merge_headers(out, first);
	if (second)
		merge_headers(out, second);
	merger m;
	memset(&m, 0, sizeof(m));
	m.out = out;
	m.vtmp = calloc(out->sample_type.n + 1, sizeof(*m.vtmp));
	bool ok = m.vtmp && add_profile(&m, first, fscale) &&
		  (!second || add_profile(&m, second, sscale));
	merger_free(&m);
	cprof__profile_pools(out);
	if (!ok || out->oom) {
		cprof__profile_free(out);
		return cprof__errf(err, errlen, "merging profiles: out of memory");
	}
	return 0;
}

static bool has_zero_sample(const cprof__profile *p)
{
	for (size_t i = 0; i < p->sample.n; i++) {
		const int64_t *v = cprof__sample_values(p, &p->sample.v[i]);
		bool zero = true;
		for (size_t k = 0; k < p->sample_type.n && zero; k++)
			zero = v[k] == 0;
		if (zero)
			return true;
	}
	return false;
}

/* True if every location, function and mapping (but the first, the main
 * binary) is referenced: nothing for a compaction to drop. */
static bool all_referenced(const cprof__profile *p)
{
	size_t n = p->location.n + p->function.n + p->mapping.n + 1;
	bool *seen = calloc(n, sizeof(*seen));
	if (!seen)
		return false;
	bool *sl = seen, *sf = seen + p->location.n, *sm = sf + p->function.n;
	for (size_t i = 0; i < p->loc_pool.n; i++)
		sl[cprof__locpool_get(&p->loc_pool, i) - 1] = true;
	bool ok = true;
	for (size_t i = 0; i < p->location.n && ok; i++) {
		const cprof__location *l = &p->location.v[i];
		ok = sl[i];
		if (l->mapping_id)
			sm[l->mapping_id - 1] = true;
		for (uint32_t k = 0; k < l->nline; k++)
			sf[p->line_pool.v[l->line_off + k].function_id - 1] = true;
	}
	for (size_t i = 0; i < p->function.n && ok; i++)
		ok = sf[i];
	for (size_t i = 1; i < p->mapping.n && ok; i++)
		ok = sm[i];
	free(seen);
	return ok;
}

int cprof__profile_merge(cprof__profile *dst, const cprof__profile *src, double scale, char *err,
			 size_t errlen)
{
	const char *bad = check_refs(src);
	if (!bad)
		bad = check_refs(dst);
	if (bad)
		return cprof__errf(err, errlen, "merging profiles: invalid profile: %s", bad);
	bool first = is_empty(dst);
	if (!first) {
		bool ok = dst->sample_type.n == src->sample_type.n &&
			  vt_equal(dst, &dst->period_type, src, &src->period_type);
		for (size_t i = 0; ok && i < dst->sample_type.n; i++)
			ok = vt_equal(dst, &dst->sample_type.v[i], src, &src->sample_type.v[i]);
		if (!ok) {
			char a[200], b[200];
			if (!vt_equal(dst, &dst->period_type, src, &src->period_type))
				return cprof__errf(
					err, errlen, "incompatible period types %s/%s and %s/%s",
					cprof__profile_string(dst, dst->period_type.type),
					cprof__profile_string(dst, dst->period_type.unit),
					cprof__profile_string(src, src->period_type.type),
					cprof__profile_string(src, src->period_type.unit));
			describe_types(dst, a, sizeof(a));
			describe_types(src, b, sizeof(b));
			return cprof__errf(err, errlen, "incompatible sample types %s and %s", a,
					   b);
		}
	}
	if (!first && dst->sample_type.n > 0) {
		/* dst usually is the result of an earlier merge, or a profile
		 * that already is compact (Go's, cprof's): add src to it in
		 * place instead of copying it (half the peak memory). */
		merger m;
		memset(&m, 0, sizeof(m));
		m.vtmp = calloc(dst->sample_type.n + 1, sizeof(*m.vtmp));
		if (m.vtmp && all_referenced(dst) && adopt(&m, dst)) {
			merge_headers(dst, src);
			bool ok = add_profile(&m, src, scale);
			merger_free(&m);
			cprof__profile_pools(dst);
			if (!ok || dst->oom)
				return cprof__errf(err, errlen, "merging profiles: out of memory");
			if (has_zero_sample(dst))
				return cprof__profile_compact(dst, err, errlen);
			return 0;
		}
		merger_free(&m);
	}
	cprof__profile out;
	int rc = first ? build(&out, src, scale, NULL, 1, err, errlen)
		       : build(&out, dst, 1, src, scale, err, errlen);
	if (rc == 0 && has_zero_sample(&out)) {
		/* Values cancelled out: merge once more to drop those samples
		 * and what only they referenced (pprof does the same). */
		cprof__profile again;
		rc = build(&again, &out, 1, NULL, 1, err, errlen);
		cprof__profile_free(&out);
		out = again;
	}
	if (rc < 0)
		return -1;
	cprof__profile_free(dst);
	*dst = out;
	return 0;
}

int cprof__profile_compact(cprof__profile *p, char *err, size_t errlen)
{
	const char *bad = check_refs(p);
	if (bad)
		return cprof__errf(err, errlen, "merging profiles: invalid profile: %s", bad);
	/* Already compact (Go's and cprof's own profiles usually are): keep it,
	 * no copy. */
	if (p->sample_type.n > 0 && all_referenced(p)) {
		merger m;
		memset(&m, 0, sizeof(m));
		bool same = adopt(&m, p);
		merger_free(&m);
		if (same)
			return 0;
	}
	cprof__profile out;
	if (build(&out, p, 1, NULL, 1, err, errlen) < 0)
		return -1;
	cprof__profile_free(p);
	*p = out;
	return 0;
}
