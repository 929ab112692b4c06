/*
 * legacy.c — legacy profile formats, converted as pprof converts them
 * (pprof: profile/legacy_profile.go, profile.go massageMappings) or, for
 * jemalloc's dump format that pprof does not read, as jeprof reads it
 * (ReadThreadedHeapProfile).  Each parser collects raw samples (address
 * stacks + values); finish() then parses the memory map, builds locations in
 * first-use order and assigns mappings exactly like pprof's
 * ParseMemoryMap.  docs/READER.md lists the formats.
 */
#include "compat.h"
#include "profio/legacy.h"
#include "base/hash.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { UNRECOGNIZED = 1 };

/* ---- raw samples ----------------------------------------------------------- */

typedef struct rsample {
	size_t off; /* into addrs */
	size_t n;
	int64_t v[4];
	int64_t blocksize;
	bool has_bytes; /* numeric label "bytes" = blocksize */
} rsample;

typedef struct rmap {
	uint64_t start, limit, offset;
	int64_t file, build_id; /* strings of the output profile */
} rmap;

typedef struct raw {
	cprof__profile *p;
	CPROF_VEC(uint64_t) addrs;
	CPROF_VEC(rsample) s;
	CPROF_VEC(rmap) maps;
	size_t nvalues;
} raw;

static bool raw_sample(raw *r, const uint64_t *a, size_t n, const int64_t *v, int64_t blocksize,
		       bool has_bytes)
{
	if (!CPROF_VEC_GROW(r->p, r->addrs, n) || !CPROF_VEC_GROW(r->p, r->s, 1))
		return false;
	rsample s = {.off = r->addrs.n, .n = n, .blocksize = blocksize, .has_bytes = has_bytes};
	memcpy(s.v, v, r->nvalues * sizeof(*v));
	if (n)
		memcpy(r->addrs.v + r->addrs.n, a, n * sizeof(*a));
	r->addrs.n += n;
	r->s.v[r->s.n++] = s;
	return true;
}

static void raw_init(raw *r, cprof__profile *p, size_t nvalues)
{
	memset(r, 0, sizeof(*r));
	r->p = p;
	r->nvalues = nvalues;
}

static void raw_free(raw *r)
{
	free(r->addrs.v);
	free(r->s.v);
	free(r->maps.v);
}

/* A stack's addresses as a parser collects them. */
typedef struct abuf {
	uint64_t *v;
	size_t n, cap;
} abuf;

static bool abuf_push(abuf *b, uint64_t x)
{
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 64;
		uint64_t *v = nc <= SIZE_MAX / sizeof(*v) ? realloc(b->v, nc * sizeof(*v)) : NULL;
		if (!v)
			return false;
		b->v = v;
		b->cap = nc;
	}
	b->v[b->n++] = x;
	return true;
}

/* Remove frame k of sample s. */
static void drop_frame(raw *r, rsample *s, size_t k)
{
	uint64_t *a = r->addrs.v + s->off;
	memmove(a + k, a + k + 1, (s->n - k - 1) * sizeof(*a));
	s->n--;
}

/* ---- text lines ---------------------------------------------------------- */

typedef struct text {
	const char *p, *end;
} text;

/* Next line without its \n or \r\n (bufio.ScanLines).  false at the end. */
static bool next_line(text *t, const char **line, size_t *len)
{
	if (t->p >= t->end)
		return false;
	const char *nl = memchr(t->p, '\n', (size_t)(t->end - t->p));
	const char *e = nl ? nl : t->end;
	*line = t->p;
	*len = (size_t)(e - t->p);
	if (*len && e[-1] == '\r')
		(*len)--;
	t->p = nl ? nl + 1 : t->end;
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_space(**s))
		(*s)++, (*n)--;
	while (*n && is_space((*s)[*n - 1]))
		(*n)--;
}

static bool space_or_comment(const char *s, size_t n)
{
	trim(&s, &n);
	return n == 0 || s[0] == '#';
}

static bool contains(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	return n >= k && memmem(s, n, needle, k) != NULL;
}

static bool map_sentinel(const char *s, size_t n)
{
	return contains(s, n, "--- Memory map: ---") || contains(s, n, "MAPPED_LIBRARIES:");
}

/* A small cursor over one line. */
typedef struct cur {
	const char *p, *end;
} cur;

static void skip_sp(cur *c)
{
	while (c->p < c->end && is_space(*c->p))
		c->p++;
}

static bool lit(cur *c, const char *s)
{
	size_t k = strlen(s);
	if ((size_t)(c->end - c->p) < k || memcmp(c->p, s, k))
		return false;
	c->p += k;
	return true;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Hex digits (no prefix); false if none or overflow. */
static bool hex(cur *c, uint64_t *v)
{
	const char *s = c->p;
	uint64_t x = 0;
	while (c->p < c->end && hexval(*c->p) >= 0) {
		if (x >> 60)
			return false;
		x = x << 4 | (uint64_t)hexval(*c->p++);
	}
	*v = x;
	return c->p > s;
}

/* Decimal, optionally negative; false if none or overflow. */
static bool dec(cur *c, int64_t *v, bool allow_neg)
{
	bool neg = allow_neg && c->p < c->end && *c->p == '-';
	const char *s = c->p + neg;
	const char *q = s;
	uint64_t x = 0;
	while (q < c->end && *q >= '0' && *q <= '9') {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*q++ - '0');
	}
	if (q == s || x > (uint64_t)INT64_MAX)
		return false;
	c->p = q;
	*v = neg ? -(int64_t)x : (int64_t)x;
	return true;
}

/* ---- memory maps (pprof: parseMappingEntry) ------------------------------ */

/* 1: a mapping in *m; 0: a non-executable mapping (skipped); -1: not a
 * mapping line. */
static int parse_map_line(raw *r, const char *s, size_t n, rmap *m)
{
	cur c = {s, s + n};
	skip_sp(&c);
	uint64_t start, end;
	lit(&c, "0x");
	if (!hex(&c, &start))
		return -1;
	if (c.p < c.end && (*c.p == '-' || is_space(*c.p)))
		c.p++;
	skip_sp(&c);
	lit(&c, "0x");
	if (!hex(&c, &end))
		return -1;
	lit(&c, ":");
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->limit = end;
	cur after = c;

	/* /proc/self/maps: perms offset dev inode [path] */
	const char *perm = NULL;
	size_t permlen = 0;
	skip_sp(&c);
	const char *ps = c.p;
	while (c.p < c.end && strchr("-rwxp", *c.p) && *c.p)
		c.p++;
	if (c.p > ps && c.p > after.p) {
		perm = ps;
		permlen = (size_t)(c.p - ps);
	}
	cur q = c;
	uint64_t off, dmaj, dmin;
	int64_t inode;
	skip_sp(&q);
	const char *offs = q.p;
	bool procmaps = perm && q.p > c.p && hex(&q, &off) && q.p < q.end && is_space(*q.p) &&
			(skip_sp(&q), hex(&q, &dmaj)) && lit(&q, ":") && hex(&q, &dmin) &&
			q.p < q.end && is_space(*q.p) && (skip_sp(&q), dec(&q, &inode, false));
	(void)offs;
	if (procmaps) {
		m->offset = off;
		cur f = q;
		if (f.p < f.end && is_space(*f.p)) {
			skip_sp(&f);
			const char *fs = f.p;
			while (f.p < f.end && !is_space(*f.p))
				f.p++;
			if (f.p > fs)
				m->file = cprof__profile_strn(r->p, fs, (size_t)(f.p - fs));
		}
	} else {
		/* Brief form: start-end [perms] [file] [(@offset)] [buildid] */
		c = after;
		perm = NULL;
		cur t = c;
		if (t.p < t.end && is_space(*t.p)) {
			skip_sp(&t);
			const char *ws = t.p;
			while (t.p < t.end && !is_space(*t.p))
				t.p++;
			size_t wl = (size_t)(t.p - ws);
			bool is_perm = wl > 0;
			for (size_t k = 0; k < wl && is_perm; k++)
				is_perm = ws[k] && strchr("-rwxp", ws[k]);
			if (is_perm) {
				perm = ws;
				permlen = wl;
				c = t;
			}
		}
		t = c;
		if (t.p < t.end && is_space(*t.p)) {
			skip_sp(&t);
			const char *ws = t.p;
			while (t.p < t.end && !is_space(*t.p))
				t.p++;
			if (t.p > ws && !(t.p - ws >= 2 && ws[0] == '(' && ws[1] == '@')) {
				m->file = cprof__profile_strn(r->p, ws, (size_t)(t.p - ws));
				c = t;
			}
		}
		t = c;
		skip_sp(&t);
		if (lit(&t, "(@")) {
			uint64_t o;
			if (hex(&t, &o) && lit(&t, ")")) {
				m->offset = o;
				c = t;
			}
		}
		t = c;
		skip_sp(&t);
		const char *bs = t.p;
		uint64_t ignored;
		if (t.p > c.p && hex(&t, &ignored))
			m->build_id = cprof__profile_strn(r->p, bs, (size_t)(t.p - bs));
		else if (t.p > c.p) {
			/* a long hex build id overflows hex(): take the digits */
			const char *e = bs;
			while (e < t.end && hexval(*e) >= 0)
				e++;
			if (e - bs > 16)
				m->build_id = cprof__profile_strn(r->p, bs, (size_t)(e - bs));
		}
	}
	if (perm && !memchr(perm, 'x', permlen))
		return 0;
	return 1;
}

static bool parse_maps(raw *r, text t)
{
	const char *l;
	size_t n;
	while (next_line(&t, &l, &n)) {
		rmap m;
		if (parse_map_line(r, l, n, &m) == 1) {
			if (!CPROF_VEC_GROW(r->p, r->maps, 1))
				return false;
			r->maps.v[r->maps.n++] = m;
		}
	}
	return true;
}

static const char *mstr(raw *r, int64_t i)
{
	return cprof__profile_string(r->p, i);
}

/* A shared library: pprof's libRx `([.]so$|[.]so[._][0-9]+)`. */
static bool is_lib(const char *f, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		if (memcmp(f + i, ".so", 3))
			continue;
		if (i + 3 == n)
			return true;
		if ((f[i + 3] == '.' || f[i + 3] == '_') && i + 4 < n && f[i + 4] >= '0' &&
		    f[i + 4] <= '9')
			return true;
	}
	return false;
}

/* pprof's massageMappings: merge split mappings, move the main binary first. */
static void massage(raw *r)
{
	rmap *m = r->maps.v;
	size_t n = r->maps.n, k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k > 0) {
			rmap *a = &m[k - 1], *b = &m[i];
			bool adj = !(a->file && b->file &&
				     strcmp(mstr(r, a->file), mstr(r, b->file))) &&
				   !(a->build_id && b->build_id &&
				     strcmp(mstr(r, a->build_id), mstr(r, b->build_id))) &&
				   a->limit == b->start &&
				   !(a->offset && b->offset &&
				     a->offset + (a->limit - a->start) != b->offset);
			if (adj) {
				a->limit = b->limit;
				if (b->file)
					a->file = b->file;
				if (b->build_id)
					a->build_id = b->build_id;
				continue;
			}
		}
		m[k++] = m[i];
	}
	r->maps.n = k;
	for (size_t i = 0; i < k; i++) {
		const char *f = mstr(r, m[i].file);
		char buf[4096];
		/* strings.TrimSpace(strings.Replace(file, "(deleted)", "", -1)) */
		size_t o = 0;
		for (const char *q = f; *q && o < sizeof(buf) - 1;) {
			if (!strncmp(q, "(deleted)", 9)) {
				q += 9;
				continue;
			}
			buf[o++] = *q++;
		}
		buf[o] = 0;
		const char *b = buf;
		size_t bl = o;
		trim(&b, &bl);
		if (bl == 0 || is_lib(b, bl) || b[0] == '[')
			continue;
		rmap t = m[0];
		m[0] = m[i];
		m[i] = t;
		break;
	}
}

/* ---- building the profile ------------------------------------------------- */

/* Address -> location id, open addressing. */
typedef struct amap {
	uint64_t *k;
	uint32_t *v;
	size_t mask;
} amap;

static const char alloc_rx[] =
	"calloc|cfree|malloc|free|memalign|do_memalign|(__)?posix_memalign|pvalloc|valloc|realloc|"
	"tcmalloc::.*|tc_calloc|tc_cfree|tc_malloc|tc_free|tc_memalign|tc_posix_memalign|"
	"tc_pvalloc|tc_valloc|tc_realloc|tc_new|tc_delete|tc_newarray|tc_deletearray|"
	"tc_new_nothrow|tc_newarray_nothrow|malloc_zone_malloc|malloc_zone_calloc|"
	"malloc_zone_valloc|malloc_zone_realloc|malloc_zone_memalign|malloc_zone_free|"
	"runtime\\..*|BaseArena::.*|(::)?do_malloc_no_errno|(::)?do_malloc_pages|(::)?do_malloc|"
	"DoSampledAllocation|MallocedMemBlock::MallocedMemBlock|_M_allocate|"
	"__builtin_(vec_)?delete|__builtin_(vec_)?new|__gnu_cxx::new_allocator::allocate|"
	"__libc_malloc|__malloc_alloc_template::allocate|allocate|cpp_alloc|operator new(\\[\\])?|"
	"simple_alloc::allocate";
static const char alloc_skip_rx[] = "runtime\\.panic|runtime\\.reflectcall|runtime\\.call[0-9]*";
static const char cpu_rx[] = "ProfileData::Add|ProfileData::prof_handler|CpuProfiler::prof_handler|"
			     "__pthread_sighandler|__restore";

/* Turn r into the profile.  The sample types are already in r->p. */
static int finish(raw *r, text maps, char *err, size_t errlen)
{
	cprof__profile *p = r->p;
	if (!parse_maps(r, maps))
		return cprof__errf(err, errlen, "out of memory");
	massage(r);

	/* Locations in first-use order (pprof's remapLocationIDs). */
	size_t cap = 64;
	while (cap < r->addrs.n * 2 + 2)
		cap *= 2;
	amap am = {calloc(cap, sizeof(uint64_t)), calloc(cap, sizeof(uint32_t)), cap - 1};
	uint64_t *ids = malloc((r->addrs.n + 1) * sizeof(*ids));
	bool zero_loc = false; /* address 0 cannot be a hash key */
	uint32_t zero_id = 0;
	int rc = 0;
	if (!am.k || !am.v || !ids) {
		rc = cprof__errf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->s.n && rc == 0; i++) {
		const rsample *s = &r->s.v[i];
		for (size_t k = 0; k < s->n; k++) {
			uint64_t a = r->addrs.v[s->off + k];
			uint32_t id;
			if (a == 0 && zero_loc) {
				id = zero_id;
			} else {
				size_t j = cprof__mix64(a) & am.mask;
				while (am.v[j] && am.k[j] != a)
					j = (j + 1) & am.mask;
				if (a != 0 && am.v[j]) {
					id = am.v[j];
				} else {
					uint64_t nid =
						cprof__profile_add_location(p, 0, a, NULL, 0);
					if (!nid || nid > UINT32_MAX) {
						rc = cprof__errf(err, errlen, "out of memory");
						break;
					}
					id = (uint32_t)nid;
					if (a == 0) {
						zero_loc = true;
						zero_id = id;
					} else {
						am.k[j] = a;
						am.v[j] = id;
					}
				}
			}
			ids[s->off + k] = id;
		}
	}
	if (rc)
		goto out;

	/* pprof's remapMappingIDs. */
	rmap *m = r->maps.v;
	size_t nm = r->maps.n, first = 0;
	if (nm > 1 && !strncmp(mstr(r, m[0].file), "/anon_hugepage", 14) &&
	    m[0].limit == m[1].start)
		first = 1;
	if (nm > first && m[first].start - m[first].offset == 0x400000) {
		m[first].start = 0x400000;
		m[first].offset = 0;
	}
	bool fake = false;
	uint64_t fake_id = 0;
	for (size_t i = 0; i < p->location.n; i++) {
		cprof__location *l = &p->location.v[i];
		uint64_t a = l->address;
		if (a == 0)
			continue;
		size_t found = SIZE_MAX;
		for (size_t k = first; k < nm && found == SIZE_MAX; k++)
			if (m[k].start <= a && a < m[k].limit)
				found = k;
		for (size_t k = first; k < nm && found == SIZE_MAX; k++)
			if (m[k].offset != 0 && m[k].start - m[k].offset <= a && a < m[k].start) {
				m[k].start -= m[k].offset;
				m[k].offset = 0;
				found = k;
			}
		if (found != SIZE_MAX) {
			l->mapping_id = found - first + 1;
		} else {
			if (!fake) {
				fake = true;
				fake_id = nm - first + 1;
			}
			l->mapping_id = fake_id;
		}
	}
	for (size_t k = first; k < nm; k++) {
		cprof__mapping cm;
		memset(&cm, 0, sizeof(cm));
		cm.start = m[k].start;
		cm.limit = m[k].limit;
		cm.offset = m[k].offset;
		cm.file = m[k].file;
		cm.build_id = m[k].build_id;
		cprof__profile_add_mapping(p, &cm);
	}
	if (fake) {
		cprof__mapping cm;
		memset(&cm, 0, sizeof(cm));
		cm.limit = UINT64_MAX;
		cprof__profile_add_mapping(p, &cm);
	}

	int64_t bytes = cprof__profile_str(p, "bytes");
	for (size_t i = 0; i < r->s.n; i++) {
		const rsample *s = &r->s.v[i];
		cprof__label lab = {bytes, 0, s->blocksize, 0};
		bool has = s->has_bytes && s->blocksize != 0;
		if (s->n > UINT32_MAX ||
		    !cprof__profile_add_sample(p, ids + s->off, s->n, s->v, has ? &lab : NULL, has))
			break;
	}
	if (p->oom)
		rc = cprof__errf(err, errlen, "out of memory");
out:
	free(am.k);
	free(am.v);
	free(ids);
	return rc;
}

/* The period type (and period) of p. */
static void set_period(cprof__profile *p, const char *type, const char *unit, int64_t period)
{
	p->period_type.type = cprof__profile_str(p, type);
	p->period_type.unit = cprof__profile_str(p, unit);
	p->period = period;
}

/* The heap parsers' sample types: Go's heap layout when allocation counts
 * are present, else objects/count and space/bytes; period type space/bytes. */
static void heap_types(cprof__profile *p, bool has_alloc, int64_t rate)
{
	if (has_alloc) {
		cprof__profile_heap_types(p, rate);
		return;
	}
	cprof__profile_add_sample_type(p, "objects", "count");
	cprof__profile_add_sample_type(p, "space", "bytes");
	set_period(p, "space", "bytes", rate);
}

/* What every parser does last: on success (rc == 0) the frame regexps and
 * finish(); r is freed either way.  The sample types are already set. */
static int conclude(raw *r, int rc, text maps, const char *drop, const char *keep, char *err,
		    size_t errlen)
{
	if (rc == 0) {
		r->p->drop_frames = cprof__profile_str(r->p, drop);
		if (keep)
			r->p->keep_frames = cprof__profile_str(r->p, keep);
		rc = finish(r, maps, err, errlen);
	}
	raw_free(r);
	return rc;
}

/* pprof's parseAdditionalSections: the memory map after the samples, if any. */
static text maps_after(text t)
{
	const char *l;
	size_t ln;
	while (next_line(&t, &l, &ln))
		if (map_sentinel(l, ln))
			return t;
	return (text){t.end, t.end};
}

/* ---- gperftools CPU profile ------------------------------------------------ */

typedef struct words {
	const uint8_t *p, *end;
	unsigned size; /* 4 or 8 */
	bool big;
} words;

static bool word(words *w, uint64_t *v)
{
	if ((size_t)(w->end - w->p) < w->size)
		return false;
	uint64_t x = 0;
	for (unsigned i = 0; i < w->size; i++) {
		unsigned b = w->big ? i : w->size - 1 - i;
		x = x << 8 | w->p[b];
	}
	w->p += w->size;
	*v = x;
	return true;
}

static int parse_cpu(cprof__profile *p, const uint8_t *data, size_t n, char *err, size_t errlen)
{
	static const struct {
		unsigned size;
		bool big;
	} fmts[] = {{4, false}, {4, true}, {8, false}, {8, true}};
	words w;
	uint64_t period = 0;
	size_t f = 0;
	for (; f < CPROF_ARRAY_LEN(fmts); f++) {
		w = (words){data, data + n, fmts[f].size, fmts[f].big};
		uint64_t h[5];
		bool ok = true;
		for (int i = 0; i < 5 && ok; i++)
			ok = word(&w, &h[i]);
		if (ok && h[0] == 0 && h[1] == 3 && h[2] == 0 && h[3] > 0 && h[4] == 0) {
			period = h[3];
			break;
		}
	}
	if (f == CPROF_ARRAY_LEN(fmts) || period > INT64_MAX / 1000)
		return UNRECOGNIZED;

	raw r;
	raw_init(&r, p, 2);
	int64_t period_ns = (int64_t)period * 1000;
	uint64_t *stk = NULL;
	size_t stk_cap = 0;
	int rc = 0;
	while (w.p < w.end) {
		uint64_t count, depth;
		if (!word(&w, &count) || !word(&w, &depth) ||
		    depth > (uint64_t)(w.end - w.p) / w.size) {
			rc = UNRECOGNIZED;
			break;
		}
		if (depth > stk_cap) {
			uint64_t *ns = realloc(stk, depth * sizeof(*ns));
			if (!ns) {
				rc = cprof__errf(err, errlen, "out of memory");
				break;
			}
			stk = ns;
			stk_cap = depth;
		}
		for (uint64_t i = 0; i < depth; i++)
			word(&w, &stk[i]);
		if (count == 0 && depth == 1 && stk[0] == 0)
			break; /* trailer; the memory map text follows */
		for (uint64_t i = 1; i < depth; i++)
			stk[i]--; /* return address -> call instruction */
		int64_t v[2] = {(int64_t)count, (int64_t)(count * (uint64_t)period_ns)};
		if (!raw_sample(&r, stk, depth, v, 0, false)) {
			rc = cprof__errf(err, errlen, "out of memory");
			break;
		}
	}
	free(stk);
	if (rc) {
		raw_free(&r);
		return rc;
	}

	/* Strip up to two second-from-leaf frames nearly every sample shares:
	 * frames pushed by the signal handler. */
	size_t margin = r.s.n / 32;
	for (int iter = 0; iter < 2; iter++) {
		/* The candidate must be in >= n - margin samples: a majority,
		 * so Boyer-Moore voting finds it. */
		uint64_t cand = 0;
		size_t votes = 0, have = 0;
		for (size_t i = 0; i < r.s.n; i++) {
			const rsample *s = &r.s.v[i];
			if (s->n < 2)
				continue;
			uint64_t a = r.addrs.v[s->off + 1];
			if (votes == 0) {
				cand = a;
				votes = 1;
			} else if (cand == a) {
				votes++;
			} else {
				votes--;
			}
		}
		for (size_t i = 0; i < r.s.n; i++) {
			const rsample *s = &r.s.v[i];
			have += s->n >= 2 && r.addrs.v[s->off + 1] == cand;
		}
		if (have == 0 || have < r.s.n - margin)
			continue;
		for (size_t i = 0; i < r.s.n; i++) {
			rsample *s = &r.s.v[i];
			if (s->n >= 2 && r.addrs.v[s->off + 1] == cand)
				drop_frame(&r, s, 1);
		}
	}
	/* The leaf may be duplicated (from the signal context and the unwind). */
	for (size_t i = 0; i < r.s.n; i++) {
		rsample *s = &r.s.v[i];
		if (s->n >= 2 && r.addrs.v[s->off] == r.addrs.v[s->off + 1] + 1)
			drop_frame(&r, s, 1);
	}

	cprof__profile_add_sample_type(p, "samples", "count");
	cprof__profile_add_sample_type(p, "cpu", "nanoseconds");
	set_period(p, "cpu", "nanoseconds", period_ns);
	return conclude(&r, 0, (text){(const char *)w.p, (const char *)w.end}, cpu_rx, NULL, err,
			errlen);
}

/* ---- heap text ------------------------------------------------------------ */

/* pprof's scaleHeapSample: undo Poisson sampling at rate bytes. */
static void scale_heap(int64_t *count, int64_t *size, int64_t rate)
{
	if (*count == 0 || *size == 0) {
		*count = *size = 0;
		return;
	}
	if (rate <= 1)
		return;
	double avg = (double)*size / (double)*count;
	double scale = 1 / (1 - exp(-avg / (double)rate));
	double c = (double)*count * scale, s = (double)*size * scale;
	*count = c < 9.2e18 ? (int64_t)c : INT64_MAX;
	*size = s < 9.2e18 ? (int64_t)s : INT64_MAX;
}

/* "N: N [N: N]" with optional spaces; neg allows a leading '-' on the first
 * pair (pprof's heapSampleRE). */
static bool four(cur *c, int64_t v[4], bool neg)
{
	skip_sp(c);
	if (!dec(c, &v[0], neg) || !lit(c, ":"))
		return false;
	skip_sp(c);
	if (!dec(c, &v[1], neg))
		return false;
	skip_sp(c);
	if (!lit(c, "["))
		return false;
	skip_sp(c);
	if (!dec(c, &v[2], false) || !lit(c, ":"))
		return false;
	skip_sp(c);
	if (!dec(c, &v[3], false))
		return false;
	skip_sp(c);
	return lit(c, "]");
}

/* All 0x<hex> numbers of the "@ ..." part (pprof's hexNumberRE over
 * `@([ x0-9a-f]*)`). */
static int addrs_after_at(cur *c, abuf *out)
{
	out->n = 0;
	const char *s = c->p;
	const char *e = s;
	while (e < c->end &&
	       (*e == ' ' || *e == 'x' || (*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'f')))
		e++;
	for (const char *q = s; q < e;) {
		if (!(q + 2 < e && q[0] == '0' && q[1] == 'x' && q[2] != ' ' && q[2] != 'x')) {
			q++;
			continue;
		}
		q += 2;
		uint64_t a = 0;
		int digits = 0;
		while (q < e && *q != ' ' && *q != 'x') {
			a = a << 4 | (uint64_t)hexval(*q++);
			digits++;
		}
		if (digits > 16)
			return -1;
		if (!abuf_push(out, a))
			return -2;
	}
	return 0;
}

static int parse_heap(cprof__profile *p, const char *data, size_t n, char *err, size_t errlen)
{
	text t = {data, data + n};
	const char *l;
	size_t ln;
	if (!next_line(&t, &l, &ln))
		return UNRECOGNIZED;
	const char *hp = ln >= 13 ? memmem(l, ln, "heap profile:", 13) : NULL;
	if (!hp)
		return UNRECOGNIZED;
	cur c = {hp + 13, l + ln};
	int64_t h[4];
	if (!four(&c, h, false))
		return UNRECOGNIZED;
	skip_sp(&c);
	if (!lit(&c, "@"))
		return UNRECOGNIZED;
	skip_sp(&c);
	const char *ks = c.p;
	while (c.p < c.end &&
	       ((*c.p >= 'a' && *c.p <= 'z') || (*c.p >= '0' && *c.p <= '9') || *c.p == '_'))
		c.p++;
	size_t kl = (size_t)(c.p - ks);
	int64_t rate = 0;
	bool v2 = false, has_alloc = false;
#define KIND(s) (kl == strlen(s) && !memcmp(ks, s, kl))
	if (kl >= 4 && !memcmp(ks, "heap", 4)) {
		lit(&c, "/");
		cur d = c;
		int64_t x;
		if (d.p < d.end && *d.p >= '0' && *d.p <= '9') {
			if (!dec(&d, &x, false))
				return UNRECOGNIZED;
			rate = x;
		}
		/* pprof compares the header numbers as strings. */
		has_alloc = (h[2] != h[0] && h[2] != 0) || (h[3] != h[1] && h[3] != 0);
		if (KIND("heap_v2") || KIND("heapz_v2")) {
			v2 = true;
		} else if (KIND("heapprofile")) {
			rate = 1;
		} else if (KIND("heap")) {
			v2 = true;
			rate /= 2;
		} else {
			return UNRECOGNIZED;
		}
	} else if (KIND("growth") || KIND("growthz") || KIND("fragmentation") ||
		   KIND("fragmentationz")) {
		rate = 1;
	} else {
		return UNRECOGNIZED;
	}

	raw r;
	raw_init(&r, p, has_alloc ? 4 : 2);
	abuf a = {0};
	int rc = 0;
	text maps = {t.end, t.end};
	size_t lineno = 1;
	while (next_line(&t, &l, &ln)) {
		lineno++;
		trim(&l, &ln);
		if (space_or_comment(l, ln))
			continue;
		if (map_sentinel(l, ln)) {
			maps = t;
			break;
		}
		cur s = {l, l + ln};
		int64_t v[4];
		if (!four(&s, v, true) || (skip_sp(&s), !lit(&s, "@"))) {
			rc = cprof__errf(
				err, errlen,
				"parsing heap profile: line %zu: want 'N: N [N: N] @ 0x...'",
				lineno);
			break;
		}
		int64_t vals[4], blocksize = 0;
		int k = 0;
		/* alloc pair first (when present), then in-use (pprof's order) */
		for (int pair = has_alloc ? 1 : 0; pair >= 0; pair--) {
			int64_t cnt = v[pair * 2], size = v[pair * 2 + 1];
			if (cnt == 0 && size != 0) {
				rc = cprof__errf(
					err, errlen,
					"parsing heap profile: line %zu: %s count was 0 but %s bytes was %lld",
					lineno, pair ? "allocation" : "inuse",
					pair ? "allocation" : "inuse", (long long)size);
				break;
			}
			if (cnt != 0) {
				blocksize = size / cnt;
				if (v2)
					scale_heap(&cnt, &size, rate);
			}
			vals[k++] = cnt;
			vals[k++] = size;
		}
		if (rc)
			break;
		int ar = addrs_after_at(&s, &a);
		if (ar < 0) {
			rc = ar == -2 ? cprof__errf(err, errlen, "out of memory")
				      : cprof__errf(err, errlen,
						    "parsing heap profile: line %zu: bad address",
						    lineno);
			break;
		}
		for (size_t i = 0; i < a.n; i++)
			a.v[i]--;
		if (!raw_sample(&r, a.v, a.n, vals, blocksize, true)) {
			rc = cprof__errf(err, errlen, "out of memory");
			break;
		}
	}
	free(a.v);
	if (rc == 0)
		heap_types(p, has_alloc, rate);
	return conclude(&r, rc, maps, alloc_rx, alloc_skip_rx, err, errlen);
}

/* ---- jemalloc's heap_v2 dump (as jeprof reads it) ------------------------- */

/* "t*: N: N [N: N]" or "t<digits>: ...": which thread (-1 = "*"). */
static bool thread_line(cur *c, int64_t *thread, int64_t v[4])
{
	if (!lit(c, "t"))
		return false;
	if (lit(c, "*"))
		*thread = -1;
	else if (!dec(c, thread, false))
		return false;
	return lit(c, ":") && four(c, v, false);
}

static int parse_jemalloc(cprof__profile *p, const char *data, size_t n, char *err, size_t errlen)
{
	text t = {data, data + n};
	const char *l;
	size_t ln;
	if (!next_line(&t, &l, &ln))
		return UNRECOGNIZED;
	cur c = {l, l + ln};
	int64_t rate;
	if (!lit(&c, "heap_v2/") || !dec(&c, &rate, false))
		return UNRECOGNIZED;

	/* Samples are collected with 4 values and trimmed to 2 at the end if
	 * no allocation counts were recorded (opt.prof_accum off). */
	raw r;
	raw_init(&r, p, 4);
	abuf a = {0};
	bool in_stack = false, has_alloc = false, have_total = false;
	int rc = 0;
	text maps = {t.end, t.end};
	size_t lineno = 1;
	while (next_line(&t, &l, &ln)) {
		lineno++;
		if (map_sentinel(l, ln)) {
			maps = t;
			break;
		}
		trim(&l, &ln);
		if (ln == 0)
			continue;
		cur s = {l, l + ln};
		if (lit(&s, "@")) {
			if (!(s.p < s.end && is_space(*s.p)))
				goto bad;
			int ar = addrs_after_at(&s, &a);
			if (ar == -1)
				goto bad;
			if (ar < 0) {
				rc = cprof__errf(err, errlen, "out of memory");
				break;
			}
			/* jeprof's FixCallerAddresses: all but the leaf are
			 * return addresses. */
			for (size_t i = 1; i < a.n; i++)
				a.v[i]--;
			in_stack = true;
			have_total = false;
			continue;
		}
		int64_t thread, v[4];
		if (!thread_line(&s, &thread, v) || s.p != s.end)
			goto bad;
		if (!in_stack) {
			/* header summary lines */
			if (thread < 0)
				has_alloc |= v[2] != 0 || v[3] != 0;
			continue;
		}
		if (thread >= 0)
			continue; /* per-thread breakdown of the t* line */
		if (have_total)
			goto bad;
		have_total = true;
		has_alloc |= v[2] != 0 || v[3] != 0;
		int64_t vals[4] = {v[2], v[3], v[0], v[1]};
		int64_t blocksize = v[0] ? v[1] / v[0] : v[2] ? v[3] / v[2] : 0;
		scale_heap(&vals[0], &vals[1], rate);
		scale_heap(&vals[2], &vals[3], rate);
		if (!raw_sample(&r, a.v, a.n, vals, blocksize, true)) {
			rc = cprof__errf(err, errlen, "out of memory");
			break;
		}
		continue;
	bad:
		rc = cprof__errf(err, errlen,
				 "parsing jemalloc heap profile: line %zu: unexpected '%.*s'",
				 lineno, (int)(ln > 60 ? 60 : ln), l);
		break;
	}
	free(a.v);
	if (rc == 0) {
		heap_types(p, has_alloc, rate);
		for (size_t i = 0; !has_alloc && i < r.s.n; i++) {
			r.s.v[i].v[0] = r.s.v[i].v[2];
			r.s.v[i].v[1] = r.s.v[i].v[3];
		}
		r.nvalues = has_alloc ? 4 : 2;
	}
	return conclude(&r, rc, maps, alloc_rx, alloc_skip_rx, err, errlen);
}

/* ---- Go count profiles (goroutine/threadcreate debug=1) ------------------- */

static int parse_go_count(cprof__profile *p, const char *data, size_t n, char *err, size_t errlen)
{
	text t = {data, data + n};
	const char *l;
	size_t ln;
	bool got = false;
	while ((got = next_line(&t, &l, &ln)) && space_or_comment(l, ln))
		;
	if (!got)
		return UNRECOGNIZED;
	/* `\A(\S+) profile: total \d+\z` */
	const char *sp = memchr(l, ' ', ln);
	if (!sp || sp == l)
		return UNRECOGNIZED;
	for (const char *q = l; q < sp; q++)
		if (is_space(*q))
			return UNRECOGNIZED;
	cur c = {sp, l + ln};
	int64_t total;
	if (!lit(&c, " profile: total ") || !dec(&c, &total, false) || c.p != c.end)
		return UNRECOGNIZED;
	size_t tl = (size_t)(sp - l);
	char type[128];
	snprintf(type, sizeof(type), "%.*s", (int)(tl < 127 ? tl : 127), l);

	raw r;
	raw_init(&r, p, 1);
	abuf a = {0};
	int rc = 0;
	while (next_line(&t, &l, &ln)) {
		if (space_or_comment(l, ln))
			continue;
		if (ln >= 3 && !memcmp(l, "---", 3))
			break;
		/* `\A(\d+) @(( 0x[0-9a-f]+)+)\z` */
		cur s = {l, l + ln};
		int64_t cnt;
		bool ok = dec(&s, &cnt, false) && lit(&s, " @");
		a.n = 0;
		while (ok && s.p < s.end) {
			uint64_t x;
			ok = lit(&s, " 0x") && s.p < s.end && hexval(*s.p) >= 0 &&
			     !(*s.p >= 'A' && *s.p <= 'F');
			const char *hs = s.p;
			ok = ok && hex(&s, &x);
			for (const char *q = hs; ok && q < s.p; q++)
				ok = !(*q >= 'A' && *q <= 'F');
			if (!ok)
				break;
			if (!abuf_push(&a, x - 1)) {
				rc = cprof__errf(err, errlen, "out of memory");
				break;
			}
		}
		if (rc)
			break;
		if (!ok || a.n == 0) {
			rc = cprof__errf(err, errlen, "parsing %s profile: malformed line '%.*s'",
					 type, (int)(ln > 60 ? 60 : ln), l);
			break;
		}
		if (!raw_sample(&r, a.v, a.n, &cnt, 0, false)) {
			rc = cprof__errf(err, errlen, "out of memory");
			break;
		}
	}
	free(a.v);
	if (rc == 0) {
		cprof__profile_add_sample_type(p, type, "count");
		set_period(p, type, "count", 1);
	}
	return conclude(&r, rc, maps_after(t), cpu_rx, NULL, err, errlen);
}

/* ---- contention profiles (Go block/mutex debug=1, gperftools contentionz) -- */

static const char lock_rx[] =
	"RecordLockProfileData|(base::)?RecordLockProfileData.*|(base::)?SubmitMutexProfileData.*|"
	"(base::)?SubmitSpinLockProfileData.*|(base::Mutex::)?AwaitCommon.*|(base::Mutex::)?Unlock.*|"
	"(base::Mutex::)?UnlockSlow.*|(base::Mutex::)?ReaderUnlock.*|(base::MutexLock::)?~MutexLock.*|"
	"(Mutex::)?AwaitCommon.*|(Mutex::)?Unlock.*|(Mutex::)?UnlockSlow.*|(Mutex::)?ReaderUnlock.*|"
	"(MutexLock::)?~MutexLock.*|(SpinLock::)?Unlock.*|(SpinLock::)?SlowUnlock.*|"
	"(SpinLockHolder::)?~SpinLockHolder.*";

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && !memcmp(s, prefix, k);
}

/* pprof's parseContention. */
static int parse_contention(cprof__profile *p, const char *data, size_t n, char *err, size_t errlen)
{
	text t = {data, data + n};
	const char *l;
	size_t ln;
	if (!next_line(&t, &l, &ln))
		return UNRECOGNIZED;
	if (!starts(l, ln, "--- contentionz ") && !starts(l, ln, "--- mutex:") &&
	    !starts(l, ln, "--- contention:"))
		return UNRECOGNIZED;
	int64_t hz = 0, period = 1, duration = 0;
	bool have = false; /* l/ln hold a line for the sample loop */
	while (next_line(&t, &l, &ln)) {
		trim(&l, &ln);
		if (space_or_comment(l, ln))
			continue;
		const char *eq = memchr(l, '=', ln);
		if (starts(l, ln, "---") || !eq) {
			have = true;
			break;
		}
		const char *k = l, *v = eq + 1;
		size_t kl = (size_t)(eq - l), vl = ln - kl - 1;
		trim(&k, &kl);
		trim(&v, &vl);
		cur c = {v, v + vl};
		int64_t x = 0;
		bool num = dec(&c, &x, true) && c.p == c.end;
#define KEY(s) (kl == strlen(s) && !memcmp(k, s, kl))
		if (KEY("cycles/second")) {
			if (!num)
				return UNRECOGNIZED;
			hz = x;
		} else if (KEY("sampling period")) {
			if (!num)
				return UNRECOGNIZED;
			period = x;
		} else if (KEY("ms since reset")) {
			if (!num)
				return UNRECOGNIZED;
			duration = x * 1000 * 1000;
		} else if (!KEY("discarded samples")) {
			return UNRECOGNIZED;
		}
#undef KEY
	}
	raw r;
	raw_init(&r, p, 2);
	abuf a = {0};
	int rc = 0;
	text maps = {t.end, t.end};
	while (have) {
		trim(&l, &ln);
		if (starts(l, ln, "---")) {
			if (map_sentinel(l, ln))
				maps = t;
			break;
		}
		if (!space_or_comment(l, ln)) {
			/* `(\d+) *(\d+) @([ x0-9a-f]*)` */
			cur c = {l, l + ln};
			int64_t cycles, count;
			if (!dec(&c, &cycles, false) || (skip_sp(&c), !dec(&c, &count, false)) ||
			    (skip_sp(&c), !lit(&c, "@"))) {
				rc = UNRECOGNIZED;
				break;
			}
			int ar = addrs_after_at(&c, &a);
			if (ar < 0) {
				rc = ar == -2 ? cprof__errf(err, errlen, "out of memory")
					      : UNRECOGNIZED;
				break;
			}
			if (period > 0) {
				if (hz > 0)
					cycles = (int64_t)((double)cycles * (double)period /
							   ((double)hz / 1e9));
				count *= period;
			}
			for (size_t i = 0; i < a.n; i++)
				a.v[i]--;
			int64_t v[2] = {count, cycles};
			if (!raw_sample(&r, a.v, a.n, v, 0, false)) {
				rc = cprof__errf(err, errlen, "out of memory");
				break;
			}
		}
		have = next_line(&t, &l, &ln);
	}
	free(a.v);
	if (rc == 0) {
		if (maps.p == maps.end)
			maps = maps_after(t);
		cprof__profile_add_sample_type(p, "contentions", "count");
		cprof__profile_add_sample_type(p, "delay", "nanoseconds");
		set_period(p, "contentions", "count", period);
		p->duration_nanos = duration;
	}
	return conclude(&r, rc, maps, lock_rx, NULL, err, errlen);
}

int cprof__legacy_parse(cprof__profile *p, const void *data, size_t n, char *err, size_t errlen)
{
	int rc = parse_cpu(p, data, n, err, errlen);
	if (rc == UNRECOGNIZED)
		rc = parse_heap(p, data, n, err, errlen);
	if (rc == UNRECOGNIZED)
		rc = parse_jemalloc(p, data, n, err, errlen);
	if (rc == UNRECOGNIZED)
		rc = parse_go_count(p, data, n, err, errlen);
	if (rc == UNRECOGNIZED)
		rc = parse_contention(p, data, n, err, errlen);
	return rc;
}
