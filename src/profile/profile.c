#include "compat.h"
#include "profile/profile.h"
#include "profile/pbwire.h"
#include "base/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

void cprof__profile_init(cprof__profile *p)
{
	memset(p, 0, sizeof(*p));
	cprof__profile_str_append(p, "", 0);
}

void cprof__profile_free(cprof__profile *p)
{
	for (size_t i = 1; i < p->str.n; i++)
		free((void *)p->str.v[i]);
	free(p->str.v);
	free(p->str.len);
	free(p->str.hash);
	free(p->sample_type.v);
	free(p->sample.v);
	free(p->mapping.v);
	free(p->location.v);
	free(p->function.v);
	free(p->loc_pool.v);
	free(p->value_pool.v);
	free(p->label_pool.v);
	free(p->line_pool.v);
	free(p->comment.v);
	memset(p, 0, sizeof(*p));
}

/* Every CPROF_VEC has the same layout: T *v; size_t n, cap. */
struct anyvec {
	void *v;
	size_t n, cap;
};

/* dst gets n elements of `elem` bytes from src (cap n); false on OOM. */
static bool dup_vec(void *dst, const void *src, size_t elem)
{
	struct anyvec *d = dst;
	const struct anyvec *s = src;
	d->v = NULL;
	d->n = d->cap = 0;
	if (!s->n)
		return true;
	if (!(d->v = malloc(s->n * elem)))
		return false;
	memcpy(d->v, s->v, s->n * elem);
	d->n = d->cap = s->n;
	return true;
}

int cprof__profile_copy(cprof__profile *dst, const cprof__profile *src)
{
	*dst = *src; /* the scalars; every pointer is replaced below */
	cprof__strtab *t = &dst->str;
	const cprof__strtab *st = &src->str;
	t->v = malloc((st->n ? st->n : 1) * sizeof(*t->v));
	t->len = malloc((st->n ? st->n : 1) * sizeof(*t->len));
	t->hash = st->hcap ? malloc(st->hcap * sizeof(*t->hash)) : NULL;
	t->n = t->cap = 0;
	bool ok = t->v && t->len && (t->hash || !st->hcap);
	if (ok && st->hcap)
		memcpy(t->hash, st->hash, st->hcap * sizeof(*t->hash));
	for (size_t i = 0; ok && i < st->n; i++) {
		char *s = (char *)"";
		if (i && !(s = malloc(st->len[i] + 1)))
			break;
		if (i)
			memcpy(s, st->v[i], st->len[i] + 1);
		t->v[i] = s;
		t->len[i] = st->len[i];
		t->n = t->cap = i + 1;
	}
	ok = ok && t->n == st->n;
	/* Every vector, so that a failure part-way frees what was copied. */
	dst->sample_type.v = NULL, dst->sample.v = NULL, dst->mapping.v = NULL;
	dst->location.v = NULL, dst->function.v = NULL, dst->loc_pool.v = NULL;
	dst->value_pool.v = NULL, dst->label_pool.v = NULL, dst->line_pool.v = NULL;
	dst->comment.v = NULL;
	size_t lw = src->loc_pool.wide ? sizeof(uint32_t) : sizeof(uint16_t);
	ok = ok && dup_vec(&dst->sample_type, &src->sample_type, sizeof(*src->sample_type.v)) &&
	     dup_vec(&dst->sample, &src->sample, sizeof(*src->sample.v)) &&
	     dup_vec(&dst->mapping, &src->mapping, sizeof(*src->mapping.v)) &&
	     dup_vec(&dst->location, &src->location, sizeof(*src->location.v)) &&
	     dup_vec(&dst->function, &src->function, sizeof(*src->function.v)) &&
	     dup_vec(&dst->loc_pool, &src->loc_pool, lw) &&
	     dup_vec(&dst->value_pool, &src->value_pool, sizeof(*src->value_pool.v)) &&
	     dup_vec(&dst->label_pool, &src->label_pool, sizeof(*src->label_pool.v)) &&
	     dup_vec(&dst->line_pool, &src->line_pool, sizeof(*src->line_pool.v)) &&
	     dup_vec(&dst->comment, &src->comment, sizeof(*src->comment.v));
	if (!ok) {
		if (!t->v || !t->len) { /* profile_free walks str.v[1..n) */
			t->n = 0;
		}
		cprof__profile_free(dst);
		return -1;
	}
	return 0;
}

bool cprof__vec_grow(cprof__profile *p, void *vec, size_t elem, size_t extra)
{
	struct anyvec *a = vec;
	if (extra <= a->cap - a->n)
		return true;
	if (p->oom || extra > SIZE_MAX / elem - a->n || extra > UINT32_MAX - a->n) {
		p->oom = true;
		return false;
	}
	size_t cap = a->cap ? a->cap : 16;
	while (cap < a->n + extra)
		cap = cap > SIZE_MAX / elem / 2 ? SIZE_MAX / elem : cap * 2;
	if (cap > UINT32_MAX)
		cap = UINT32_MAX; /* >= n + extra */
	void *v = realloc(a->v, cap * elem);
	if (!v) {
		p->oom = true;
		return false;
	}
	a->v = v;
	a->cap = cap;
	return true;
}

static bool strtab_rehash(cprof__profile *p, size_t hcap)
{
	uint32_t *h = calloc(hcap, sizeof(*h));
	if (!h) {
		p->oom = true;
		return false;
	}
	for (size_t i = 1; i < p->str.n; i++) {
		size_t j = cprof__fnv1a32(p->str.v[i], p->str.len[i]) & (hcap - 1);
		while (h[j])
			j = (j + 1) & (hcap - 1);
		h[j] = (uint32_t)i;
	}
	free(p->str.hash);
	p->str.hash = h;
	p->str.hcap = hcap;
	return true;
}

int64_t cprof__profile_str_append(cprof__profile *p, const char *s, size_t n)
{
	cprof__strtab *t = &p->str;
	if (p->oom || t->n >= UINT32_MAX - 1)
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		const char **v = realloc(t->v, cap * sizeof(*v));
		if (v)
			t->v = v;
		size_t *len = realloc(t->len, cap * sizeof(*len));
		if (len)
			t->len = len;
		if (!v || !len) {
			p->oom = true;
			return 0;
		}
		t->cap = cap;
	}
	char *c;
	if (t->n == 0) {
		c = (char *)"";
	} else {
		c = malloc(n + 1);
		if (!c) {
			p->oom = true;
			return 0;
		}
		memcpy(c, s, n);
		c[n] = 0;
	}
	t->v[t->n] = c;
	t->len[t->n] = n;
	return (int64_t)t->n++;
}

int64_t cprof__profile_strn(cprof__profile *p, const char *s, size_t n)
{
	if (!s || n == 0)
		return 0;
	cprof__strtab *t = &p->str;
	if ((t->n + 1) * 2 > t->hcap) {
		/* Size for every string: a decoded profile appends thousands
		 * (cprof__profile_str_append) before the first interning. */
		size_t hcap = t->hcap ? t->hcap * 2 : 256;
		while (hcap < (t->n + 1) * 2)
			hcap *= 2;
		if (!strtab_rehash(p, hcap))
			return 0;
	}
	size_t j = cprof__fnv1a32(s, n) & (t->hcap - 1);
	for (; t->hash[j]; j = (j + 1) & (t->hcap - 1)) {
		uint32_t i = t->hash[j];
		if (t->len[i] == n && memcmp(t->v[i], s, n) == 0)
			return i;
	}
	int64_t i = cprof__profile_str_append(p, s, n);
	if (i > 0)
		t->hash[j] = (uint32_t)i;
	return i;
}

int64_t cprof__profile_str(cprof__profile *p, const char *s)
{
	return s ? cprof__profile_strn(p, s, strlen(s)) : 0;
}

void cprof__profile_add_sample_type(cprof__profile *p, const char *type, const char *unit)
{
	if (!CPROF_VEC_GROW(p, p->sample_type, 1))
		return;
	cprof__valuetype vt = {cprof__profile_str(p, type), cprof__profile_str(p, unit)};
	p->sample_type.v[p->sample_type.n++] = vt;
}

void cprof__profile_heap_types(cprof__profile *p, int64_t period)
{
	cprof__profile_add_sample_type(p, "alloc_objects", "count");
	cprof__profile_add_sample_type(p, "alloc_space", "bytes");
	cprof__profile_add_sample_type(p, "inuse_objects", "count");
	cprof__profile_add_sample_type(p, "inuse_space", "bytes");
	p->period_type.type = cprof__profile_str(p, "space");
	p->period_type.unit = cprof__profile_str(p, "bytes");
	p->period = period;
}

uint64_t cprof__profile_add_mapping(cprof__profile *p, const cprof__mapping *m)
{
	if (!CPROF_VEC_GROW(p, p->mapping, 1))
		return 0;
	p->mapping.v[p->mapping.n++] = *m;
	return p->mapping.n;
}

uint64_t cprof__profile_add_function(cprof__profile *p, const char *name, const char *system_name,
				     const char *filename, int64_t start_line)
{
	if (!CPROF_VEC_GROW(p, p->function, 1))
		return 0;
	cprof__function f = {
		.name = cprof__profile_str(p, name),
		.system_name = cprof__profile_str(p, system_name),
		.filename = cprof__profile_str(p, filename),
		.start_line = start_line,
	};
	p->function.v[p->function.n++] = f;
	return p->function.n;
}

uint64_t cprof__profile_add_location(cprof__profile *p, uint64_t mapping_id, uint64_t address,
				     const cprof__line *lines, size_t nline)
{
	if (p->location.n >= UINT32_MAX - 1) { /* sample location ids are 32-bit */
		p->oom = true;
		return 0;
	}
	if (nline > UINT32_MAX || !CPROF_VEC_GROW(p, p->location, 1) ||
	    !CPROF_VEC_GROW(p, p->line_pool, nline))
		return 0;
	cprof__location l = {
		.mapping_id = mapping_id,
		.address = address,
		.line_off = p->line_pool.n,
		.nline = (uint32_t)nline,
	};
	if (nline)
		memcpy(p->line_pool.v + p->line_pool.n, lines, nline * sizeof(*lines));
	p->line_pool.n += nline;
	p->location.v[p->location.n++] = l;
	return p->location.n;
}

void cprof__sample_locids(const cprof__profile *p, const cprof__sample *s, uint32_t *dst)
{
	const cprof__locpool *lp = &p->loc_pool;
	if (s->nloc == 0)
		return; /* lp->v may be NULL: no arithmetic on it */
	if (lp->wide) {
		memcpy(dst, (const uint32_t *)lp->v + s->loc_off, s->nloc * sizeof(*dst));
		return;
	}
	const uint16_t *v = (const uint16_t *)lp->v + s->loc_off;
	for (uint32_t i = 0; i < s->nloc; i++)
		dst[i] = v[i];
}

bool cprof__locpool_reserve(cprof__profile *p, size_t extra, uint32_t max_id)
{
	cprof__locpool *lp = &p->loc_pool;
	if (max_id > UINT16_MAX && !lp->wide) {
		/* Widen in place, last id first: the 32-bit ids need twice
		 * the bytes of the 16-bit ones they overwrite. */
		size_t cap = lp->cap;
		if (cap > SIZE_MAX / sizeof(uint32_t)) {
			p->oom = true;
			return false;
		}
		if (cap) {
			void *v = realloc(lp->v, cap * sizeof(uint32_t));
			if (!v) {
				p->oom = true;
				return false;
			}
			lp->v = v;
		}
		const uint16_t *from = lp->v;
		uint32_t *to = lp->v;
		for (size_t i = lp->n; i-- > 0;)
			to[i] = from[i];
		lp->wide = true;
	}
	return cprof__vec_grow(p, lp, lp->wide ? sizeof(uint32_t) : sizeof(uint16_t), extra);
}

/* Append a sample whose ids are l64 or l32 (exactly one non-NULL). */
static uint64_t add_sample(cprof__profile *p, const uint64_t *l64, const uint32_t *l32, size_t nloc,
			   const int64_t *values, const cprof__label *labels, size_t nlabel)
{
	size_t nv = p->sample_type.n;
	uint32_t max = 0;
	for (size_t i = 0; i < nloc; i++) {
		uint32_t id = l32 ? l32[i] : (uint32_t)l64[i];
		max = id > max ? id : max;
	}
	if (nloc > UINT32_MAX || nlabel > UINT32_MAX || !CPROF_VEC_GROW(p, p->sample, 1) ||
	    !cprof__locpool_reserve(p, nloc, max) || !CPROF_VEC_GROW(p, p->value_pool, nv) ||
	    !CPROF_VEC_GROW(p, p->label_pool, nlabel))
		return 0;
	cprof__sample s = {
		.loc_off = p->loc_pool.n,
		.nloc = (uint32_t)nloc,
		.nlabel = (uint32_t)nlabel,
		.label_off = p->label_pool.n,
		.value_off = p->value_pool.n,
	};
	for (size_t i = 0; i < nloc; i++)
		cprof__locpool_set(&p->loc_pool, p->loc_pool.n + i,
				   l32 ? l32[i] : (uint32_t)l64[i]);
	if (nv)
		memcpy(p->value_pool.v + p->value_pool.n, values, nv * sizeof(*values));
	if (nlabel)
		memcpy(p->label_pool.v + p->label_pool.n, labels, nlabel * sizeof(*labels));
	p->loc_pool.n += nloc;
	p->value_pool.n += nv;
	p->label_pool.n += nlabel;
	p->sample.v[p->sample.n++] = s;
	return p->sample.n;
}

uint64_t cprof__profile_add_sample(cprof__profile *p, const uint64_t *locs, size_t nloc,
				   const int64_t *values, const cprof__label *labels, size_t nlabel)
{
	for (size_t i = 0; i < nloc; i++)
		if (locs[i] > UINT32_MAX) {
			p->oom = true; /* no location of p can have that id */
			return 0;
		}
	return add_sample(p, locs, NULL, nloc, values, labels, nlabel);
}

uint64_t cprof__profile_add_sample32(cprof__profile *p, const uint32_t *locs, size_t nloc,
				     const int64_t *values, const cprof__label *labels,
				     size_t nlabel)
{
	return add_sample(p, NULL, locs, nloc, values, labels, nlabel);
}

/* Field numbers: see profile.proto (docs/ARCHITECTURE.md points to them). */
static void encode_valuetype(cprof__buf *b, unsigned field, const cprof__valuetype *vt)
{
	size_t m = cprof__pb_begin(b, field);
	cprof__pb_int(b, 1, vt->type);
	cprof__pb_int(b, 2, vt->unit);
	cprof__pb_end(b, m);
}

/* Where the encoder hands its bytes (cprof__profile_encode_chunked). */
typedef struct sink {
	size_t chunk;
	void (*drain)(void *ctx, cprof__buf *b);
	void *ctx;
} sink;

#define DRAIN(s, b)                                                         \
	do {                                                                \
		if ((s) && (b)->len >= (s)->chunk && !cprof__buf_failed(b)) \
			(s)->drain((s)->ctx, (b));                          \
	} while (0)

static int encode(const cprof__profile *p, cprof__buf *b, sink *sk)
{
	if (p->oom)
		return -ENOMEM;
	for (size_t i = 0; i < p->sample_type.n; i++)
		encode_valuetype(b, 1, &p->sample_type.v[i]);
	for (size_t i = 0; i < p->sample.n; i++) {
		DRAIN(sk, b);
		const cprof__sample *s = &p->sample.v[i];
		size_t m = cprof__pb_begin(b, 2);
		if (s->nloc && p->loc_pool.wide)
			cprof__pb_packed_u32(b, 1, (const uint32_t *)p->loc_pool.v + s->loc_off,
					     s->nloc);
		else if (s->nloc)
			cprof__pb_packed_u16(b, 1, (const uint16_t *)p->loc_pool.v + s->loc_off,
					     s->nloc);
		cprof__pb_packed_i64(b, 2, cprof__sample_values(p, s), p->sample_type.n);
		const cprof__label *l = cprof__sample_labels(p, s);
		for (uint32_t j = 0; j < s->nlabel; j++) {
			size_t lm = cprof__pb_begin(b, 3);
			cprof__pb_int(b, 1, l[j].key);
			cprof__pb_int(b, 2, l[j].str);
			cprof__pb_int(b, 3, l[j].num);
			cprof__pb_int(b, 4, l[j].num_unit);
			cprof__pb_end(b, lm);
		}
		cprof__pb_end(b, m);
	}
	for (size_t i = 0; i < p->mapping.n; i++) {
		DRAIN(sk, b);
		const cprof__mapping *mp = &p->mapping.v[i];
		size_t m = cprof__pb_begin(b, 3);
		cprof__pb_uint(b, 1, i + 1);
		cprof__pb_uint(b, 2, mp->start);
		cprof__pb_uint(b, 3, mp->limit);
		cprof__pb_uint(b, 4, mp->offset);
		cprof__pb_int(b, 5, mp->file);
		cprof__pb_int(b, 6, mp->build_id);
		cprof__pb_bool(b, 7, mp->has_functions);
		cprof__pb_bool(b, 8, mp->has_filenames);
		cprof__pb_bool(b, 9, mp->has_line_numbers);
		cprof__pb_bool(b, 10, mp->has_inline_frames);
		cprof__pb_end(b, m);
	}
	for (size_t i = 0; i < p->location.n; i++) {
		DRAIN(sk, b);
		const cprof__location *l = &p->location.v[i];
		size_t m = cprof__pb_begin(b, 4);
		cprof__pb_uint(b, 1, i + 1);
		cprof__pb_uint(b, 2, l->mapping_id);
		cprof__pb_uint(b, 3, l->address);
		const cprof__line *ln = cprof__location_lines(p, l);
		for (uint32_t j = 0; j < l->nline; j++) {
			size_t lm = cprof__pb_begin(b, 4);
			cprof__pb_uint(b, 1, ln[j].function_id);
			cprof__pb_int(b, 2, ln[j].line);
			cprof__pb_int(b, 3, ln[j].column);
			cprof__pb_end(b, lm);
		}
		cprof__pb_bool(b, 5, l->is_folded);
		cprof__pb_end(b, m);
	}
	for (size_t i = 0; i < p->function.n; i++) {
		DRAIN(sk, b);
		const cprof__function *f = &p->function.v[i];
		size_t m = cprof__pb_begin(b, 5);
		cprof__pb_uint(b, 1, i + 1);
		cprof__pb_int(b, 2, f->name);
		cprof__pb_int(b, 3, f->system_name);
		cprof__pb_int(b, 4, f->filename);
		cprof__pb_int(b, 5, f->start_line);
		cprof__pb_end(b, m);
	}
	for (size_t i = 0; i < p->str.n; i++) {
		DRAIN(sk, b);
		cprof__pb_bytes(b, 6, p->str.v[i], p->str.len[i]);
	}
	cprof__pb_int(b, 7, p->drop_frames);
	cprof__pb_int(b, 8, p->keep_frames);
	cprof__pb_int(b, 9, p->time_nanos);
	cprof__pb_int(b, 10, p->duration_nanos);
	if (p->period_type.type || p->period_type.unit)
		encode_valuetype(b, 11, &p->period_type);
	cprof__pb_int(b, 12, p->period);
	cprof__pb_packed_i64(b, 13, p->comment.v, p->comment.n);
	cprof__pb_int(b, 14, p->default_sample_type);
	cprof__pb_int(b, 15, p->doc_url);
	return cprof__buf_failed(b) ? -ENOMEM : 0;
}

int cprof__profile_encode(const cprof__profile *p, cprof__buf *b)
{
	return encode(p, b, NULL);
}

int cprof__profile_encode_chunked(const cprof__profile *p, cprof__buf *b, size_t chunk,
				  void (*drain)(void *ctx, cprof__buf *b), void *ctx)
{
	sink s = {chunk, drain, ctx};
	return encode(p, b, &s);
}

int cprof__gzip(const void *in, size_t n, cprof__buf *out, int level)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	int rc;
	do {
		/* zlib's avail_in is 32-bit: feed big inputs in chunks. */
		if (z.avail_in == 0 && n > 0) {
			size_t chunk = n > (1u << 30) ? (1u << 30) : n;
			z.avail_in = (uInt)chunk;
			n -= chunk;
		}
		if (!cprof__buf_reserve(out, 1 << 16)) {
			deflateEnd(&z);
			return -ENOMEM;
		}
		z.next_out = out->data + out->len;
		z.avail_out = (uInt)(out->cap - out->len);
		size_t before = z.avail_out;
		rc = deflate(&z, n == 0 && z.avail_in == 0 ? Z_FINISH : Z_NO_FLUSH);
		out->len += before - z.avail_out;
	} while (rc == Z_OK || rc == Z_BUF_ERROR);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -EIO;
}

int cprof__write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (w == 0)
			return -EIO;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- gzip writers -------------------------------------------------------- */

#define GZ_CHUNK ((size_t)256 << 10) /* encoded bytes per deflate step */

/* One continuous gzip stream, written as it fills. */
typedef struct gzser {
	z_stream z;
	int fd, rc;
	unsigned char out[GZ_CHUNK];
} gzser;

static void gzser_run(gzser *g, const unsigned char *in, size_t n, int flush)
{
	g->z.next_in = (Bytef *)in;
	g->z.avail_in = (uInt)n; /* callers keep n below 4 GiB */
	while (g->rc == 0) {
		g->z.next_out = g->out;
		g->z.avail_out = sizeof(g->out);
		int zr = deflate(&g->z, flush);
		size_t got = sizeof(g->out) - g->z.avail_out;
		if (got)
			g->rc = cprof__write_all(g->fd, g->out, got);
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			g->rc = -EIO;
		else if (flush != Z_FINISH && g->z.avail_in == 0 && g->z.avail_out != 0)
			break;
	}
}

static void gzser_drain(void *ctx, cprof__buf *b)
{
	gzser *g = ctx;
	if (b->len > UINT32_MAX) /* one field over 4 GiB: zlib's avail_in is 32-bit */
		g->rc = g->rc ? g->rc : -EFBIG;
	else
		gzser_run(g, b->data, b->len, Z_NO_FLUSH);
	b->len = 0;
}

int cprof__profile_write_fd(const cprof__profile *p, int fd)
{
	gzser *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->fd = fd;
	/* Level 1, as Go's profile writer (BestSpeed). */
	if (deflateInit2(&g->z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(g);
		return -ENOMEM;
	}
	cprof__buf b;
	cprof__buf_init(&b, 0);
	int rc = cprof__profile_encode_chunked(p, &b, GZ_CHUNK, gzser_drain, g);
	if (rc == 0 && b.len > UINT32_MAX)
		rc = -EFBIG;
	if (rc == 0) {
		gzser_run(g, b.data, b.len, Z_FINISH);
		rc = g->rc;
	}
	deflateEnd(&g->z);
	cprof__buf_free(&b);
	free(g);
	return rc;
}
