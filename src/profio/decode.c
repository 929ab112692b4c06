/*
 * decode.c — profile.proto reader.  One pass over the wire format appends
 * every entity to the model's arrays with the file's ids (kept aside); a
 * second pass renumbers references to index + 1 and validates, following
 * pprof's profile/encode.go (postDecode) and profile.go (CheckValid).
 */
#include "compat.h"
#include "profio/decode.h"
#include "base/hash.h"
#include "profio/legacy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- wire format --------------------------------------------------------- */

typedef struct rd {
	const uint8_t *p, *end;
} rd;

/* A protobuf field as read by next_field. */
typedef struct field {
	unsigned num, wt;
	uint64_t u; /* wire types 0, 1, 5 */
	rd sub;     /* wire type 2 */
} field;

static inline bool get_varint(rd *r, uint64_t *v)
{
	const uint8_t *p = r->p;
	if (CPROF_LIKELY(p < r->end && *p < 0x80)) {
		*v = *p;
		r->p = p + 1;
		return true;
	}
	uint64_t x = 0;
	for (unsigned i = 0; i < 10; i++) {
		if (p + i >= r->end)
			return false;
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			r->p = p + i + 1;
			*v = x;
			return true;
		}
	}
	return false;
}

/* Reads one field; the error strings are pprof's. */
static const char *next_field(rd *r, field *f)
{
	uint64_t key;
	if (!get_varint(r, &key))
		return "bad varint";
	f->num = key >> 3 > UINT32_MAX ? UINT32_MAX : (unsigned)(key >> 3);
	f->wt = key & 7;
	switch (f->wt) {
	case 0:
		if (!get_varint(r, &f->u))
			return "bad varint";
		return NULL;
	case 1:
		if (r->end - r->p < 8)
			return "not enough data";
		f->u = 0;
		for (int i = 7; i >= 0; i--)
			f->u = f->u << 8 | r->p[i];
		r->p += 8;
		return NULL;
	case 2: {
		uint64_t n;
		if (!get_varint(r, &n))
			return "bad varint";
		if (n > (uint64_t)(r->end - r->p))
			return "too much data";
		f->sub.p = r->p;
		f->sub.end = r->p + n;
		r->p += n;
		return NULL;
	}
	case 5:
		if (r->end - r->p < 4)
			return "not enough data";
		f->u = (uint64_t)r->p[0] | (uint64_t)r->p[1] << 8 | (uint64_t)r->p[2] << 16 |
		       (uint64_t)r->p[3] << 24;
		r->p += 4;
		return NULL;
	default: return "unknown wire type";
	}
}

/* ---- decoding state ------------------------------------------------------- */

typedef struct idvec {
	uint64_t *v;
	size_t n, cap;
} idvec;

/* Sample location ids go into the model's pool as the file has them
 * (the locations may come later in the file; renumber() maps them).  File
 * ids are arbitrary uint64: those below BIG are stored as they are, the rare
 * others as BIG | their index in a side table (bigid). */
#define BIG ((uint32_t)1 << 31)

typedef struct bigid {
	idvec ids;      /* index -> file id */
	uint32_t *slot; /* hash of file id -> index + 1; 0 = empty */
	size_t mask;
} bigid;

typedef struct cprof__dec {
	cprof__profile *p;
	const char *werr;            /* wire-level error (pprof falls back to legacy) */
	idvec map_id, loc_id, fn_id; /* file ids, parallel to the entity arrays */
	bigid big;                   /* sample location ids >= BIG */
	size_t nstrings;             /* strings seen in the file */
	bool concat;
} dec;

static bool idvec_push(dec *d, idvec *v, uint64_t id)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof(*v->v)) {
			d->p->oom = true;
			return false;
		}
		uint64_t *nv = realloc(v->v, cap * sizeof(*nv));
		if (!nv) {
			d->p->oom = true;
			return false;
		}
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = id;
	return true;
}

static void dec_free(dec *d)
{
	free(d->map_id.v);
	free(d->loc_id.v);
	free(d->fn_id.v);
	free(d->big.ids.v);
	free(d->big.slot);
}

#define WIRE(d, e) ((d)->werr = (e), false)
#define WANT(d, f, t) ((f)->wt == (t) ? true : WIRE(d, "type mismatch"))

/* Append a repeated varint field (packed or not) to a 64-bit pool. */
static bool push_varints(dec *d, const field *f, void *vec)
{
	CPROF_VEC(uint64_t) *v = vec;
	if (f->wt == 0) {
		if (!cprof__vec_grow(d->p, v, sizeof(uint64_t), 1))
			return false;
		v->v[v->n++] = f->u;
		return true;
	}
	if (f->wt != 2)
		return WIRE(d, "type mismatch");
	size_t max = (size_t)(f->sub.end - f->sub.p); /* at most one per byte */
	if (max == 0)
		return true;
	if (!cprof__vec_grow(d->p, v, sizeof(uint64_t), max))
		return false;
	rd r = f->sub;
	uint64_t *out = v->v + v->n;
	while (r.p < r.end) {
		uint64_t x;
		if (!get_varint(&r, &x))
			return WIRE(d, "bad varint");
		*out++ = x;
	}
	v->n = (size_t)(out - v->v);
	return true;
}

/* The pool value standing for file location id x (>= BIG). */
static bool big_intern(dec *d, uint64_t x, uint32_t *out)
{
	bigid *b = &d->big;
	if ((b->ids.n + 1) * 2 > (b->slot ? b->mask + 1 : 0)) {
		size_t cap = b->slot ? (b->mask + 1) * 2 : 64;
		uint32_t *ns = cap <= SIZE_MAX / sizeof(*ns) ? calloc(cap, sizeof(*ns)) : NULL;
		if (!ns) {
			d->p->oom = true;
			return false;
		}
		for (size_t i = 0; i < b->ids.n; i++) {
			size_t j = cprof__mix64(b->ids.v[i]) & (cap - 1);
			while (ns[j])
				j = (j + 1) & (cap - 1);
			ns[j] = (uint32_t)(i + 1);
		}
		free(b->slot);
		b->slot = ns;
		b->mask = cap - 1;
	}
	size_t j = cprof__mix64(x) & b->mask;
	for (; b->slot[j]; j = (j + 1) & b->mask)
		if (b->ids.v[b->slot[j] - 1] == x) {
			*out = BIG | (b->slot[j] - 1);
			return true;
		}
	if (b->ids.n >= BIG - 1)
		return WIRE(d, "too many location ids");
	if (!idvec_push(d, &b->ids, x))
		return false;
	b->slot[j] = (uint32_t)b->ids.n;
	*out = BIG | (uint32_t)(b->ids.n - 1);
	return true;
}

/* The file location id a pool value stands for. */
static uint64_t big_file_id(const dec *d, uint32_t v)
{
	return v & BIG ? d->big.ids.v[v & ~BIG] : v;
}

/* Append one location id to the pool (room reserved), widening it when the
 * id needs more than 16 bits. */
static inline bool push_locid(dec *d, uint64_t x)
{
	cprof__locpool *lp = &d->p->loc_pool;
	uint32_t v;
	if (CPROF_LIKELY(x < BIG))
		v = (uint32_t)x;
	else if (!big_intern(d, x, &v))
		return false;
	if (CPROF_UNLIKELY(v > UINT16_MAX && !lp->wide) && !cprof__locpool_reserve(d->p, 0, v))
		return false;
	cprof__locpool_set(lp, lp->n++, v);
	return true;
}

/* Append a repeated location id field (packed or not) to the pool. */
static bool push_locids(dec *d, const field *f)
{
	cprof__profile *p = d->p;
	if (f->wt == 0)
		return cprof__locpool_reserve(p, 1, 0) && push_locid(d, f->u);
	if (f->wt != 2)
		return WIRE(d, "type mismatch");
	size_t max = (size_t)(f->sub.end - f->sub.p); /* at most one per byte */
	if (max == 0)
		return true;
	if (!cprof__locpool_reserve(p, max, 0))
		return false;
	rd r = f->sub;
	while (r.p < r.end) {
		uint64_t x;
		if (!get_varint(&r, &x))
			return WIRE(d, "bad varint");
		if (!push_locid(d, x))
			return false;
	}
	return true;
}

/* A message of varint fields only: fields 1..n into v[1..n] (0 when absent;
 * the last one wins, as in Go); fields of other numbers are skipped, those
 * in range must be varints. */
static bool varints(dec *d, rd r, uint64_t *v, unsigned n)
{
	field f;
	memset(v, 0, (n + 1) * sizeof(*v));
	while (r.p < r.end) {
		const char *e = next_field(&r, &f);
		if (e)
			return WIRE(d, e);
		if (f.num < 1 || f.num > n)
			continue;
		if (!WANT(d, &f, 0))
			return false;
		v[f.num] = f.u;
	}
	return true;
}

static bool dec_valuetype(dec *d, rd r, cprof__valuetype *vt)
{
	uint64_t v[3];
	if (!varints(d, r, v, 2))
		return false;
	*vt = (cprof__valuetype){(int64_t)v[1], (int64_t)v[2]};
	return true;
}

static bool dec_label(dec *d, rd r, cprof__label *l)
{
	uint64_t v[5];
	if (!varints(d, r, v, 4))
		return false;
	*l = (cprof__label){(int64_t)v[1], (int64_t)v[2], (int64_t)v[3], (int64_t)v[4]};
	return true;
}

static bool dec_sample(dec *d, rd r)
{
	cprof__profile *p = d->p;
	if (!CPROF_VEC_GROW(p, p->sample, 1))
		return false;
	size_t loc0 = p->loc_pool.n, lab0 = p->label_pool.n;
	cprof__sample s = {.loc_off = loc0, .label_off = lab0, .value_off = p->value_pool.n};
	field f;
	while (r.p < r.end) {
		const char *e = next_field(&r, &f);
		if (e)
			return WIRE(d, e);
		switch (f.num) {
		case 1:
			if (!push_locids(d, &f))
				return false;
			break;
		case 2:
			if (!push_varints(d, &f, &p->value_pool))
				return false;
			break;
		case 3: {
			if (!WANT(d, &f, 2))
				return false;
			cprof__label l;
			if (!dec_label(d, f.sub, &l))
				return false;
			/* pprof: a string label if str != 0, else numeric if num or
			 * unit != 0, else nothing. */
			if (l.str)
				l.num = l.num_unit = 0;
			else if (!l.num && !l.num_unit)
				break;
			if (!CPROF_VEC_GROW(p, p->label_pool, 1))
				return false;
			p->label_pool.v[p->label_pool.n++] = l;
			break;
		}
		default: break;
		}
	}
	if (p->loc_pool.n - loc0 > UINT32_MAX || p->label_pool.n - lab0 > UINT32_MAX)
		return WIRE(d, "sample too large");
	s.nloc = (uint32_t)(p->loc_pool.n - loc0);
	s.nlabel = (uint32_t)(p->label_pool.n - lab0);
	p->sample.v[p->sample.n++] = s;
	return true;
}

static bool dec_mapping(dec *d, rd r)
{
	cprof__profile *p = d->p;
	uint64_t v[11];
	if (!varints(d, r, v, 10))
		return false;
	cprof__mapping m = {
		.start = v[2],
		.limit = v[3],
		.offset = v[4],
		.file = (int64_t)v[5],
		.build_id = (int64_t)v[6],
		.has_functions = v[7] != 0,
		.has_filenames = v[8] != 0,
		.has_line_numbers = v[9] != 0,
		.has_inline_frames = v[10] != 0,
	};
	if (!CPROF_VEC_GROW(p, p->mapping, 1) || !idvec_push(d, &d->map_id, v[1]))
		return false;
	p->mapping.v[p->mapping.n++] = m;
	return true;
}

static bool dec_line(dec *d, rd r, cprof__line *ln)
{
	uint64_t v[4];
	if (!varints(d, r, v, 3))
		return false;
	*ln = (cprof__line){v[1], (int64_t)v[2], (int64_t)v[3]};
	return true;
}

static bool dec_location(dec *d, rd r)
{
	cprof__profile *p = d->p;
	cprof__location l;
	memset(&l, 0, sizeof(l));
	l.line_off = p->line_pool.n;
	uint64_t id = 0;
	field f;
	while (r.p < r.end) {
		const char *e = next_field(&r, &f);
		if (e)
			return WIRE(d, e);
		if (f.num < 1 || f.num > 5)
			continue;
		if (!WANT(d, &f, f.num == 4 ? 2 : 0))
			return false;
		switch (f.num) {
		case 1: id = f.u; break;
		case 2: l.mapping_id = f.u; break;
		case 3: l.address = f.u; break;
		case 4: {
			cprof__line ln;
			if (!dec_line(d, f.sub, &ln) || !CPROF_VEC_GROW(p, p->line_pool, 1))
				return false;
			p->line_pool.v[p->line_pool.n++] = ln;
			break;
		}
		default: l.is_folded = f.u != 0; break;
		}
	}
	if (p->line_pool.n - l.line_off > UINT32_MAX)
		return WIRE(d, "location too large");
	l.nline = (uint32_t)(p->line_pool.n - l.line_off);
	if (!CPROF_VEC_GROW(p, p->location, 1) || !idvec_push(d, &d->loc_id, id))
		return false;
	p->location.v[p->location.n++] = l;
	return true;
}

static bool dec_function(dec *d, rd r)
{
	cprof__profile *p = d->p;
	uint64_t v[6];
	if (!varints(d, r, v, 5))
		return false;
	cprof__function fn = {(int64_t)v[2], (int64_t)v[3], (int64_t)v[4], (int64_t)v[5]};
	if (!CPROF_VEC_GROW(p, p->function, 1) || !idvec_push(d, &d->fn_id, v[1]))
		return false;
	p->function.v[p->function.n++] = fn;
	return true;
}

/* One top-level field.  false on a wire error (d->werr), concatenation or
 * OOM. */
static bool dec_field(dec *d, const field *fp)
{
	cprof__profile *p = d->p;
	field f = *fp;
	switch (f.num) {
	case 1: {
		cprof__valuetype vt;
		if (!WANT(d, &f, 2) || !dec_valuetype(d, f.sub, &vt) ||
		    !CPROF_VEC_GROW(p, p->sample_type, 1))
			return false;
		p->sample_type.v[p->sample_type.n++] = vt;
		break;
	}
	case 2:
		if (!WANT(d, &f, 2) || !dec_sample(d, f.sub))
			return false;
		break;
	case 3:
		if (!WANT(d, &f, 2) || !dec_mapping(d, f.sub))
			return false;
		break;
	case 4:
		if (!WANT(d, &f, 2) || !dec_location(d, f.sub))
			return false;
		break;
	case 5:
		if (!WANT(d, &f, 2) || !dec_function(d, f.sub))
			return false;
		break;
	case 6: {
		if (!WANT(d, &f, 2))
			return false;
		size_t len = (size_t)(f.sub.end - f.sub.p);
		if (d->nstrings++ == 0) {
			/* The model's string 0 is already "". */
			if (len != 0)
				return WIRE(d, "string_table[0] must be ''");
			break;
		}
		if (cprof__profile_str_append(p, (const char *)f.sub.p, len) == 0)
			return WIRE(d, p->oom ? "out of memory" : "too many strings");
		break;
	}
	case 9:
		if (!WANT(d, &f, 0))
			return false;
		if (p->time_nanos != 0) {
			d->concat = true;
			return false;
		}
		p->time_nanos = (int64_t)f.u;
		break;
	case 7:
	case 8:
	case 10:
	case 12:
	case 14:
	case 15: {
		if (!WANT(d, &f, 0))
			return false;
		int64_t v = (int64_t)f.u;
		switch (f.num) {
		case 7: p->drop_frames = v; break;
		case 8: p->keep_frames = v; break;
		case 10: p->duration_nanos = v; break;
		case 12: p->period = v; break;
		case 14: p->default_sample_type = v; break;
		default: p->doc_url = v; break;
		}
		break;
	}
	case 11:
		if (!WANT(d, &f, 2) || !dec_valuetype(d, f.sub, &p->period_type))
			return false;
		break;
	case 13:
		if (!push_varints(d, &f, &p->comment))
			return false;
		break;
	default: break;
	}
	return !p->oom;
}

static bool dec_profile(dec *d, rd r)
{
	field f;
	while (r.p < r.end) {
		const char *e = next_field(&r, &f);
		if (e)
			return WIRE(d, e);
		if (!dec_field(d, &f))
			return false;
	}
	return true;
}

/* ---- id renumbering ------------------------------------------------------- */

/* Maps a file id to index + 1 (0: unknown).  Identity when the file's ids
 * are 1..n in order (Go, cprof), a dense table when they are small, else an
 * open-addressing hash. */
typedef struct idmap {
	size_t n;
	bool identity;
	uint32_t *dense; /* [id] -> index + 1, size dn */
	size_t dn;
	uint64_t *hkey; /* hash: keys, 0 = empty */
	uint32_t *hval;
	size_t hmask;
} idmap;

static inline uint64_t idmap_get(const idmap *m, uint64_t id)
{
	if (CPROF_LIKELY(m->identity))
		return id <= m->n ? id : 0;
	if (m->dense)
		return id < m->dn ? m->dense[id] : 0;
	if (!m->hkey || id == 0)
		return 0;
	for (size_t j = cprof__mix64(id) & m->hmask;; j = (j + 1) & m->hmask) {
		if (m->hkey[j] == id)
			return m->hval[j];
		if (m->hkey[j] == 0)
			return 0;
	}
}

static void idmap_free(idmap *m)
{
	free(m->dense);
	free(m->hkey);
	free(m->hval);
}

/* Returns 0, -1 (error in err) or -ENOMEM. */
static int idmap_build(idmap *m, const idvec *ids, const char *what, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->n = ids->n;
	if (ids->n >= UINT32_MAX)
		return cprof__errf(err, errlen, "malformed profile: too many %ss", what);
	bool identity = true;
	uint64_t max = 0;
	for (size_t i = 0; i < ids->n; i++) {
		uint64_t id = ids->v[i];
		if (id == 0)
			return cprof__errf(err, errlen,
					   "malformed profile: found %s with reserved id 0", what);
		identity &= id == i + 1;
		if (id > max)
			max = id;
	}
	if (identity) {
		m->identity = true;
		return 0;
	}
	if (max <= 4 * (uint64_t)ids->n + 1024) {
		m->dn = (size_t)max + 1;
		m->dense = calloc(m->dn, sizeof(*m->dense));
		if (!m->dense)
			return -ENOMEM;
		for (size_t i = 0; i < ids->n; i++) {
			uint64_t id = ids->v[i];
			if (m->dense[id])
				return cprof__errf(
					err, errlen,
					"malformed profile: multiple %ss with id %" PRIu64, what,
					id);
			m->dense[id] = (uint32_t)(i + 1);
		}
		return 0;
	}
	size_t cap = 16;
	while (cap < ids->n * 2)
		cap *= 2;
	m->hkey = calloc(cap, sizeof(*m->hkey));
	m->hval = calloc(cap, sizeof(*m->hval));
	if (!m->hkey || !m->hval)
		return -ENOMEM;
	m->hmask = cap - 1;
	for (size_t i = 0; i < ids->n; i++) {
		uint64_t id = ids->v[i];
		size_t j = cprof__mix64(id) & m->hmask;
		for (; m->hkey[j]; j = (j + 1) & m->hmask)
			if (m->hkey[j] == id)
				return cprof__errf(
					err, errlen,
					"malformed profile: multiple %ss with id %" PRIu64, what,
					id);
		m->hkey[j] = id;
		m->hval[j] = (uint32_t)(i + 1);
	}
	return 0;
}

/* ---- validation ---------------------------------------------------------- */

static bool str_ok(const cprof__profile *p, int64_t i)
{
	return i >= 0 && (uint64_t)i < p->str.n;
}

/* String indices, checked as pprof's postDecode does (failure there makes
 * pprof try the legacy parsers, so it is reported as a wire-level error). */
static const char *check_strings(const cprof__profile *p)
{
	static const char bad[] = "malformed profile format (string index out of range)";
	for (size_t i = 0; i < p->sample_type.n; i++)
		if (!str_ok(p, p->sample_type.v[i].type) || !str_ok(p, p->sample_type.v[i].unit))
			return bad;
	for (size_t i = 0; i < p->label_pool.n; i++) {
		const cprof__label *l = &p->label_pool.v[i];
		if (!str_ok(p, l->key) || !str_ok(p, l->str) || !str_ok(p, l->num_unit))
			return bad;
	}
	for (size_t i = 0; i < p->mapping.n; i++)
		if (!str_ok(p, p->mapping.v[i].file) || !str_ok(p, p->mapping.v[i].build_id))
			return bad;
	for (size_t i = 0; i < p->function.n; i++) {
		const cprof__function *f = &p->function.v[i];
		if (!str_ok(p, f->name) || !str_ok(p, f->system_name) || !str_ok(p, f->filename))
			return bad;
	}
	for (size_t i = 0; i < p->comment.n; i++)
		if (!str_ok(p, p->comment.v[i]))
			return bad;
	if (!str_ok(p, p->drop_frames) || !str_ok(p, p->keep_frames) ||
	    !str_ok(p, p->period_type.type) || !str_ok(p, p->period_type.unit) ||
	    !str_ok(p, p->default_sample_type) || !str_ok(p, p->doc_url))
		return bad;
	return NULL;
}

/* Renumber and check references (pprof's CheckValid, plus dangling ids). */
static int renumber(dec *d, char *err, size_t errlen)
{
	cprof__profile *p = d->p;
	size_t ntype = p->sample_type.n;
	if (ntype == 0 && p->sample.n)
		return cprof__errf(err, errlen, "malformed profile: samples without sample types");
	for (size_t i = 0; i < p->sample.n; i++) {
		size_t end = i + 1 < p->sample.n ? p->sample.v[i + 1].value_off : p->value_pool.n;
		size_t nv = end - p->sample.v[i].value_off;
		if (nv != ntype)
			return cprof__errf(
				err, errlen,
				"malformed profile: sample %zu has %zu values, %zu sample types", i,
				nv, ntype);
	}

	idmap mm, lm, fm;
	int rc = idmap_build(&mm, &d->map_id, "mapping", err, errlen);
	if (rc == 0)
		rc = idmap_build(&fm, &d->fn_id, "function", err, errlen);
	else
		memset(&fm, 0, sizeof(fm));
	if (rc == 0)
		rc = idmap_build(&lm, &d->loc_id, "location", err, errlen);
	else
		memset(&lm, 0, sizeof(lm));
	if (rc == -ENOMEM)
		rc = cprof__errf(err, errlen, "out of memory");
	for (size_t i = 0; rc == 0 && i < p->location.n; i++) {
		cprof__location *l = &p->location.v[i];
		uint64_t fid = d->loc_id.v[i];
		if (l->mapping_id) {
			uint64_t m = idmap_get(&mm, l->mapping_id);
			if (!m) {
				rc = cprof__errf(err, errlen,
						 "malformed profile: location %" PRIu64
						 " references unknown mapping %" PRIu64,
						 fid, l->mapping_id);
				break;
			}
			l->mapping_id = m;
		}
		cprof__line *ln = l->nline ? p->line_pool.v + l->line_off : NULL;
		for (uint32_t j = 0; j < l->nline; j++) {
			uint64_t f = idmap_get(&fm, ln[j].function_id);
			if (!f) {
				rc = ln[j].function_id == 0
					     ? cprof__errf(err, errlen,
							   "malformed profile: location %" PRIu64
							   " has a line without a function",
							   fid)
					     : cprof__errf(err, errlen,
							   "malformed profile: location %" PRIu64
							   " references unknown function %" PRIu64,
							   fid, ln[j].function_id);
				break;
			}
			ln[j].function_id = f;
		}
	}
	if (rc == 0) {
		cprof__locpool *v = &p->loc_pool;
		size_t n = v->n, k = 0;
		if (p->location.n >= BIG) {
			rc = cprof__errf(err, errlen, "malformed profile: too many locations");
			n = 0;
		} else if (lm.identity && d->big.ids.n == 0) {
			uint32_t nloc = (uint32_t)p->location.n;
			if (v->wide) {
				const uint32_t *w = v->v;
				for (; k < n; k++)
					if (CPROF_UNLIKELY(w[k] - 1 >= nloc))
						break;
			} else {
				const uint16_t *w = v->v;
				for (; k < n; k++)
					if (CPROF_UNLIKELY((uint32_t)w[k] - 1 >= nloc))
						break;
			}
		} else if (cprof__locpool_reserve(p, 0, (uint32_t)p->location.n)) {
			/* The pool now holds any index + 1: small file ids
			 * may map to ids above 2^16. */
			for (; k < n; k++) {
				uint64_t x =
					idmap_get(&lm, big_file_id(d, cprof__locpool_get(v, k)));
				if (CPROF_UNLIKELY(!x))
					break;
				cprof__locpool_set(v, k, (uint32_t)x); /* <= location.n < BIG */
			}
		} else {
			rc = cprof__errf(err, errlen, "out of memory");
			n = 0;
		}
		if (k < n) {
			/* The sample holding pool slot k (rare path). */
			size_t lo = 0, hi = p->sample.n;
			while (hi - lo > 1) {
				size_t mid = lo + (hi - lo) / 2;
				if (p->sample.v[mid].loc_off <= k)
					lo = mid;
				else
					hi = mid;
			}
			uint32_t x = cprof__locpool_get(v, k);
			rc = x == 0 ? cprof__errf(err, errlen,
						  "malformed profile: sample %zu has location id 0",
						  lo)
				    : cprof__errf(
					      err, errlen,
					      "malformed profile: sample %zu references unknown location %" PRIu64,
					      lo, big_file_id(d, x));
		}
	}
	idmap_free(&mm);
	idmap_free(&lm);
	idmap_free(&fm);
	return rc;
}

/* ---- entry points --------------------------------------------------------- */

/* Give every pool an allocation, even when empty, so that the model's
 * accessors (pool.v + offset) never do arithmetic on NULL (undefined; clang's
 * UBSan reports it) for profiles the reader returns. */
void cprof__profile_pools(cprof__profile *p)
{
	if (!p->loc_pool.v)
		cprof__locpool_reserve(p, 1, 0);
	if (!p->value_pool.v)
		CPROF_VEC_GROW(p, p->value_pool, 1);
	if (!p->label_pool.v)
		CPROF_VEC_GROW(p, p->label_pool, 1);
	if (!p->line_pool.v)
		CPROF_VEC_GROW(p, p->line_pool, 1);
}

/* After the last field (ok: no error so far): validate and renumber.
 * 0 ok; -1 error in err; 1: not a profile.proto (wire-level error in err). */
static int dec_finish(dec *d, bool ok, char *err, size_t errlen)
{
	cprof__profile *p = d->p;
	int rc;
	if (!ok) {
		if (p->oom)
			rc = cprof__errf(err, errlen, "out of memory");
		else if (d->concat)
			rc = cprof__errf(err, errlen,
					 "parsing profile: concatenated profiles detected");
		else
			rc = 1, cprof__errf(err, errlen, "%s",
					    d->werr ? d->werr : "malformed profile format");
	} else if (d->nstrings == 0) {
		rc = 1;
		cprof__errf(err, errlen, "malformed profile format (no string table)");
	} else {
		const char *e = check_strings(p);
		if (e)
			rc = 1, cprof__errf(err, errlen, "%s", e);
		else
			rc = renumber(d, err, errlen);
	}
	dec_free(d);
	if (rc == 0)
		cprof__profile_pools(p);
	if (rc == 0 && p->oom)
		rc = cprof__errf(err, errlen, "out of memory");
	return rc;
}

static int decode_proto(cprof__profile *p, const uint8_t *data, size_t n, char *err, size_t errlen)
{
	dec d;
	memset(&d, 0, sizeof(d));
	d.p = p;
	bool ok = dec_profile(&d, (rd){data, data + n});
	return dec_finish(&d, ok, err, errlen);
}

int cprof__gunzip(const void *in, size_t n, cprof__buf *out, size_t max, char *err, size_t errlen)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return cprof__errf(err, errlen, "decompressing profile: out of memory");
	const uint8_t *src = in;
	size_t left = n;
	/* Guess 4x; the buffer doubles from there. */
	size_t guess = n < max / 4 ? n * 4 : max;
	if (!cprof__buf_reserve(out, guess < 64 ? 64 : guess)) {
		inflateEnd(&z);
		return cprof__errf(err, errlen, "decompressing profile: out of memory");
	}
	int rc = -1;
	for (;;) {
		if (z.avail_in == 0 && left > 0) {
			size_t chunk = left > (1u << 30) ? (1u << 30) : left;
			z.next_in = (Bytef *)src;
			z.avail_in = (uInt)chunk;
			src += chunk;
			left -= chunk;
		}
		if (out->len == out->cap) {
			if (out->len >= max) {
				cprof__errf(err, errlen,
					    "decompressing profile: larger than %zu MiB",
					    max >> 20);
				break;
			}
			size_t extra = out->cap < max - out->len ? out->cap : max - out->len;
			if (!cprof__buf_reserve(out, extra)) {
				cprof__errf(err, errlen, "decompressing profile: out of memory");
				break;
			}
		}
		size_t room = out->cap - out->len;
		if (room > max - out->len)
			room = max - out->len;
		if (room > (1u << 30))
			room = 1u << 30;
		z.next_out = out->data + out->len;
		z.avail_out = (uInt)room;
		int zr = inflate(&z, Z_NO_FLUSH);
		out->len += room - z.avail_out;
		if (zr == Z_STREAM_END) {
			size_t rest = z.avail_in + left;
			if (rest == 0) {
				rc = 0;
				break;
			}
			/* Go's gzip reader continues with the next member; anything
			 * else after a member is an error. */
			const uint8_t *nx = z.next_in;
			if (!(z.avail_in >= 2   ? nx[0] == 0x1f && nx[1] == 0x8b
			      : z.avail_in == 1 ? nx[0] == 0x1f && left && src[0] == 0x8b
						: left >= 2 && src[0] == 0x1f && src[1] == 0x8b)) {
				cprof__errf(err, errlen,
					    "decompressing profile: gzip: invalid header");
				break;
			}
			if (inflateReset(&z) != Z_OK) {
				cprof__errf(err, errlen, "decompressing profile: zlib error");
				break;
			}
			continue;
		}
		if (zr == Z_OK)
			continue;
		if (zr == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
			cprof__errf(err, errlen, "decompressing profile: unexpected EOF");
			break;
		}
		if (zr == Z_BUF_ERROR)
			continue;
		cprof__errf(err, errlen, "decompressing profile: %s",
			    zr == Z_MEM_ERROR ? "out of memory"
			    : z.msg           ? z.msg
					      : "corrupt gzip data");
		break;
	}
	inflateEnd(&z);
	return rc;
}

int cprof__profile_decode(cprof__profile *p, const void *data, size_t n, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = 0;
	if (p->str.n != 1 || p->sample.n || p->location.n || p->function.n || p->mapping.n)
		return cprof__errf(err, errlen, "decoding into a non-empty profile");
	const uint8_t *b = data;
	cprof__buf gz;
	cprof__buf_init(&gz, CPROF_DECODE_MAX);
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		if (cprof__gunzip(data, n, &gz, CPROF_DECODE_MAX, err, errlen) < 0) {
			cprof__buf_free(&gz);
			return -1;
		}
		b = gz.data;
		n = gz.len;
	}
	int rc;
	if (n == 0) {
		rc = cprof__errf(err, errlen, "parsing profile: empty input file");
	} else {
		char perr[160];
		rc = decode_proto(p, b, n, perr, sizeof(perr));
		if (rc < 0) {
			cprof__errf(err, errlen, "%s", perr);
		} else if (rc > 0) {
			cprof__profile_free(p);
			cprof__profile_init(p);
			rc = cprof__legacy_parse(p, b, n, err, errlen);
			if (rc == 0)
				cprof__profile_pools(p);
			if (rc > 0) {
				cprof__profile_free(p);
				cprof__profile_init(p);
				rc = cprof__errf(
					err, errlen,
					"parsing profile: unrecognized profile format (as profile.proto: %s)",
					perr);
			}
		}
	}
	cprof__buf_free(&gz);
	return rc;
}

/* ---- one top-level field at a time (readfile.c) -------------------------- */

cprof__dec *cprof__dec_new(cprof__profile *p)
{
	dec *d = calloc(1, sizeof(*d));
	if (d)
		d->p = p;
	return d;
}

void cprof__dec_free(cprof__dec *d)
{
	if (!d)
		return;
	dec_free(d);
	free(d);
}

bool cprof__dec_need(cprof__dec *d, const uint8_t *data, size_t n, size_t *need)
{
	rd r = {data, data + n};
	uint64_t key, len = 0;
	*need = 0;
	if (!get_varint(&r, &key))
		return WIRE(d, "bad varint");
	if ((key & 7) != 2)
		return true;
	if (!get_varint(&r, &len))
		return WIRE(d, "bad varint");
	if (len > CPROF_DECODE_MAX)
		return WIRE(d, "too much data");
	*need = (size_t)(r.p - data) + (size_t)len;
	return true;
}

bool cprof__dec_field(cprof__dec *d, const uint8_t *data, size_t n, size_t *used)
{
	rd r = {data, data + n};
	field f;
	/* A length-delimited field longer than data fails here as "too much
	 * data", as it does in memory. */
	const char *e = next_field(&r, &f);
	if (e)
		return WIRE(d, e);
	*used = (size_t)(r.p - data);
	return dec_field(d, &f);
}

int cprof__dec_finish(cprof__dec *d, bool ok, char *err, size_t errlen)
{
	int rc = dec_finish(d, ok, err, errlen);
	free(d);
	return rc;
}
