/*
 * emit.c — building and writing a profile, for every profile libcprof
 * writes (emit.h).  Normal context only.
 */
#include "compat.h"
#include "runtime/emit.h"
#include "base/hash.h"

#include <errno.h>
#include <string.h>

/* ---- delta profiles ---- */

typedef struct dlabel {
	char *key, *str, *unit;
	int64_t num;
} dlabel;

typedef struct dentry {
	struct dentry *next;
	uint64_t hash;
	uint32_t n, nl;
	bool seen;
	int64_t v[8];
	dlabel *l;
	uintptr_t pcs[];
} dentry;

#define DELTA_BUCKETS 4096

struct cprof__delta {
	dentry *b[DELTA_BUCKETS];
	int64_t t0; /* CLOCK_REALTIME of p0 */
	size_t ntypes;
};

static CPROF_TLS cprof__delta *cur_delta;
static CPROF_TLS int cur_mode;

cprof__delta *cprof__delta_new(void)
{
	cprof__delta *d = cprof__arena_calloc(1, sizeof(cprof__delta));
	if (d)
		d->t0 = cprof__now_ns();
	return d;
}

void cprof__delta_free(cprof__delta *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < DELTA_BUCKETS; i++)
		for (dentry *e = d->b[i], *next; e; e = next) {
			next = e->next;
			for (uint32_t k = 0; k < e->nl; k++) {
				cprof__arena_free(e->l[k].key);
				cprof__arena_free(e->l[k].str);
				cprof__arena_free(e->l[k].unit);
			}
			cprof__arena_free(e->l);
			cprof__arena_free(e);
		}
	cprof__arena_free(d);
}

void cprof__emit_delta(cprof__delta *d, int mode)
{
	cur_delta = d;
	cur_mode = d ? mode : 0;
}

static const char *str_of(const cprof__profile *p, int64_t i)
{
	return i ? cprof__profile_string(p, i) : "";
}

static uint64_t delta_hash(const cprof__profile *p, const uintptr_t *pcs, uint32_t n,
			   const cprof__label *l, size_t nl)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
	for (uint32_t k = 0; k < n; k++)
		h = cprof__hash_step(h, pcs[k]);
	for (size_t k = 0; k < nl; k++) {
		const char *ks = str_of(p, l[k].key), *ss = str_of(p, l[k].str);
		h = cprof__hash_step(h, cprof__fnv1a64(ks, strlen(ks)));
		h = cprof__hash_step(h, cprof__fnv1a64(ss, strlen(ss)));
		h = cprof__hash_step(h, (uint64_t)l[k].num);
	}
	return h;
}

static bool same_labels(const cprof__profile *p, const dentry *e, const cprof__label *l, size_t nl)
{
	if (e->nl != nl)
		return false;
	for (size_t k = 0; k < nl; k++)
		if (strcmp(e->l[k].key, str_of(p, l[k].key)) ||
		    strcmp(e->l[k].str, str_of(p, l[k].str)) || e->l[k].num != l[k].num)
			return false;
	return true;
}

static dentry *delta_find(cprof__delta *d, const cprof__profile *p, uint64_t h,
			  const uintptr_t *pcs, uint32_t n, const cprof__label *l, size_t nl)
{
	for (dentry *e = d->b[h % DELTA_BUCKETS]; e; e = e->next)
		if (e->hash == h && e->n == n && !memcmp(e->pcs, pcs, n * sizeof(*pcs)) &&
		    same_labels(p, e, l, nl))
			return e;
	return NULL;
}

static bool delta_collect(cprof__delta *d, const cprof__profile *p, const uintptr_t *pcs,
			  uint32_t n, const int64_t *values, const cprof__label *l, size_t nl)
{
	uint64_t h = delta_hash(p, pcs, n, l, nl);
	dentry *e = delta_find(d, p, h, pcs, n, l, nl);
	if (!e) {
		e = cprof__arena_calloc(1, sizeof(*e) + n * sizeof(*pcs));
		if (!e)
			return false;
		e->l = nl ? cprof__arena_calloc(nl, sizeof(*e->l)) : NULL;
		if (nl && !e->l) {
			cprof__arena_free(e);
			return false;
		}
		for (size_t k = 0; k < nl; k++) {
			e->l[k].key = cprof__arena_strdup(str_of(p, l[k].key));
			e->l[k].str = cprof__arena_strdup(str_of(p, l[k].str));
			e->l[k].unit = cprof__arena_strdup(str_of(p, l[k].num_unit));
			e->l[k].num = l[k].num;
			e->nl++;
			if (!e->l[k].key || !e->l[k].str || !e->l[k].unit)
				return false; /* freed with d */
		}
		e->hash = h;
		e->n = n;
		memcpy(e->pcs, pcs, n * sizeof(*pcs));
		e->next = d->b[h % DELTA_BUCKETS];
		d->b[h % DELTA_BUCKETS] = e;
	}
	for (size_t k = 0; k < d->ntypes && k < CPROF_ARRAY_LEN(e->v); k++)
		e->v[k] += values[k];
	return true;
}

static void add_sample(cprof__emit *e, const uintptr_t *pcs, uint32_t n, const int64_t *values,
		       const cprof__label *labels, size_t nlabels);

/* p1 − p0: the stacks only p0 had, negative. */
static void delta_rest(cprof__emit *e)
{
	cprof__delta *d = e->delta;
	for (size_t i = 0; i < DELTA_BUCKETS; i++)
		for (dentry *x = d->b[i]; x; x = x->next) {
			if (x->seen)
				continue;
			int64_t v[8];
			bool any = false;
			for (size_t k = 0; k < d->ntypes && k < CPROF_ARRAY_LEN(v); k++)
				any |= (v[k] = -x->v[k]) != 0;
			if (!any)
				continue;
			cprof__label l[4];
			size_t nl = x->nl < 4 ? x->nl : 4;
			for (size_t k = 0; k < nl; k++)
				l[k] = (cprof__label){
					.key = cprof__profile_str(&e->p, x->l[k].key),
					.str = *x->l[k].str ? cprof__profile_str(&e->p, x->l[k].str)
							    : 0,
					.num = x->l[k].num,
					.num_unit = *x->l[k].unit ? cprof__profile_str(&e->p,
										       x->l[k].unit)
								  : 0};
			add_sample(e, x->pcs, x->n, v, l, nl);
		}
}

void cprof__emit_begin(cprof__emit *e)
{
	memset(e, 0, sizeof(*e));
	e->delta = cur_delta;
	e->delta_mode = cur_mode;
	cprof__profile_init(&e->p);
	e->nproc = cprof__proc_labels(&e->p, e->proc);
	cprof__maps_snapshot();
	cprof__maps_emit(&e->p, &e->maps, &e->nmaps);
}

/* The mapping a pc falls in: the latest object seen at that address. */
static uint64_t mapping_of(const cprof__emit *e, uintptr_t pc)
{
	const cprof__maprange *best = NULL;
	for (size_t i = 0; i < e->nmaps; i++) {
		const cprof__maprange *m = &e->maps[i];
		if (pc >= m->start && pc < m->limit && (!best || m->seq > best->seq))
			best = m;
	}
	return best ? best->id : 0;
}

/* The Location of pc (one per pc, made on first use); 0 on OOM. */
static uint64_t location(cprof__emit *e, uintptr_t pc)
{
	uint64_t id = cprof__u64map_get(&e->locs, pc);
	if (id)
		return id;
	id = cprof__profile_add_location(&e->p, mapping_of(e, pc), pc, NULL, 0);
	if (id && !cprof__u64map_put(&e->locs, pc, id, cprof__arena_calloc, cprof__arena_free)) {
		e->p.oom = true;
		return 0;
	}
	return id;
}

void cprof__emit_sample(cprof__emit *e, const uintptr_t *pcs, uint32_t n, const int64_t *values,
			const cprof__label *labels, size_t nlabels)
{
	if (e->delta) {
		cprof__delta *d = e->delta;
		d->ntypes = e->p.sample_type.n;
		if (e->delta_mode == CPROF__DELTA_COLLECT) {
			if (!delta_collect(d, &e->p, pcs, n, values, labels, nlabels))
				e->p.oom = true;
			return; /* p0 itself is not written */
		}
		dentry *x = delta_find(d, &e->p, delta_hash(&e->p, pcs, n, labels, nlabels), pcs, n,
				       labels, nlabels);
		if (x) {
			int64_t v[8];
			bool any = false;
			for (size_t k = 0; k < d->ntypes && k < CPROF_ARRAY_LEN(v); k++)
				any |= (v[k] = values[k] - x->v[k]) != 0;
			x->seen = true;
			if (any)
				add_sample(e, pcs, n, v, labels, nlabels);
			return;
		}
	}
	add_sample(e, pcs, n, values, labels, nlabels);
}

static void add_sample(cprof__emit *e, const uintptr_t *pcs, uint32_t n, const int64_t *values,
		       const cprof__label *labels, size_t nlabels)
{
	uint64_t locs[CPROF_MAX_DEPTH];
	cprof__label l[4 + CPROF_ARRAY_LEN(e->proc)];
	if (nlabels > 4) {
		e->p.oom = true; /* a caller's bug; fails the write rather than truncating */
		return;
	}
	uint32_t nl = 0;
	for (uint32_t k = 0; k < n && nl < CPROF_ARRAY_LEN(locs); k++) {
		uint64_t id = location(e, pcs[k]);
		if (id)
			locs[nl++] = id;
	}
	if (nlabels)
		memcpy(l, labels, nlabels * sizeof(*l));
	memcpy(l + nlabels, e->proc, e->nproc * sizeof(*l));
	cprof__profile_add_sample(&e->p, locs, nl, values, l, nlabels + e->nproc);
}

void cprof__emit_event(cprof__emit *e, const char *name, const int64_t *values)
{
	uint64_t f = cprof__profile_add_function(&e->p, name, name, "", 0);
	cprof__line ln = {.function_id = f};
	uint64_t loc = cprof__profile_add_location(&e->p, 0, 0, &ln, 1);
	cprof__profile_add_sample(&e->p, &loc, 1, values, e->proc, e->nproc);
}

int cprof__emit_end(cprof__emit *e, int fd)
{
	if (e->delta_mode == CPROF__DELTA_COLLECT)
		return e->p.oom ? -ENOMEM : 0; /* kept in the delta, not written */
	if (e->delta_mode == CPROF__DELTA_SUBTRACT) {
		delta_rest(e);
		int64_t now = e->p.time_nanos ? e->p.time_nanos : cprof__now_ns();
		if (e->delta->t0 && now > e->delta->t0)
			e->p.duration_nanos = now - e->delta->t0;
	}
	cprof__symbolize(&e->p);
	if (e->p.oom)
		return -ENOMEM;
	return fd >= 0 ? cprof__profile_write_fd(&e->p, fd) : 0;
}

const char *cprof__emit_where(const cprof__emit *e, uintptr_t pc, const char **file, int64_t *line)
{
	*file = "";
	*line = 0;
	uint64_t id = cprof__u64map_get(&e->locs, pc);
	if (!id || id > e->p.location.n)
		return "??";
	const cprof__location *loc = &e->p.location.v[id - 1];
	if (!loc->nline)
		return "??";
	const cprof__line *ln = &cprof__location_lines(&e->p, loc)[loc->nline - 1];
	const cprof__function *fn = &e->p.function.v[ln->function_id - 1];
	*file = cprof__profile_string(&e->p, fn->filename);
	*line = ln->line;
	return cprof__profile_string(&e->p, fn->name);
}

void cprof__emit_free(cprof__emit *e)
{
	cprof__arena_free(e->maps);
	cprof__u64map_free(&e->locs, cprof__arena_free);
	cprof__profile_free(&e->p);
	memset(e, 0, sizeof(*e));
}
