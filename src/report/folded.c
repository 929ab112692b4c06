/*
 * folded.c — collapsed stacks ("root;caller;leaf value", one line per
 * distinct stack, sorted), the input of flamegraph.pl and friends.  Frames
 * are the report's node names under the chosen granularity, inlined frames
 * expanded; values are the selected sample value in the sample unit.
 */
#include "compat.h"
#include "report/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A sample's frames as the bytes of its line ("root;caller;leaf"), read
 * one at a time: stacks are compared and printed without being written
 * out first (a big profile's lines take several times its model). */
typedef struct frames {
	const cprof__report *r;
	uint32_t off;      /* the sample's ids in the pool */
	uint32_t i;        /* locations not visited yet: [0, i) */
	const int32_t *ln; /* nodes of the current location: [0, k) left */
	uint32_t k;
	const char *cur; /* rest of the current frame's name */
} frames;

static void frames_start(frames *f, const cprof__report *r, uint32_t loc_off, uint32_t nloc)
{
	*f = (frames){.r = r, .off = loc_off, .i = nloc, .cur = ""};
}

static inline uint32_t frames_loc(const frames *f, uint32_t i)
{
	return cprof__locpool_get(&f->r->p->loc_pool, (size_t)f->off + i);
}

/* The next frame's node, root first; -1 after the leaf. */
static int32_t frames_node(frames *f)
{
	const cprof__profile *p = f->r->p;
	while (f->k == 0) {
		if (f->i == 0)
			return -1;
		uint32_t lid = frames_loc(f, --f->i);
		if (lid == 0 || lid > p->location.n)
			continue;
		f->ln = f->r->locnode + f->r->loc_off[lid - 1];
		f->k = f->r->loc_n[lid - 1];
	}
	return f->ln[--f->k];
}

/* Names are made before sorting (cprof__node_name allocates). */
static const char *frame_name(const cprof__report *r, int32_t node)
{
	return r->nodes[node].pname;
}

/* The next byte of the line, -1 at its end; called once the first frame
 * has begun (the separator comes before every other frame). */
static int frames_byte(frames *f)
{
	if (!*f->cur) {
		int32_t n = frames_node(f);
		if (n < 0)
			return -1;
		f->cur = frame_name(f->r, n);
		return ';';
	}
	return (unsigned char)*f->cur++;
}

/* A line to sort: its sample's ids, value and first two frames' ranks
 * (most comparisons end there, without reading the pool). */
typedef struct fstack {
	uint32_t off, nloc;
	int64_t value;
	uint64_t prefix;
} fstack;

typedef struct fsort {
	const cprof__report *r;
	/* Per node, the rank of its frame in the lines' byte order: [2n] with
	 * more frames after it ("name;"), [2n + 1] as the leaf ("name" and
	 * the line's end).  NULL when a name holds a ';' (the frames are then
	 * not prefix-free): lines are compared byte by byte. */
	uint32_t *rank;
} fsort;

/* The lines' byte order, frame by frame: frames of the same node are
 * skipped whole. */
static int bytes_cmp(frames *x, frames *y)
{
	const cprof__report *r = x->r;
	for (;;) {
		if (!*x->cur && !*y->cur) {
			/* Both lines at a frame boundary, equal so far. */
			int32_t nx, ny;
			do {
				nx = frames_node(x);
				ny = frames_node(y);
			} while (nx >= 0 && nx == ny);
			if (nx < 0 || ny < 0)
				return (nx >= 0) - (ny >= 0);
			/* (the separators before them are equal) */
			x->cur = frame_name(r, nx);
			y->cur = frame_name(r, ny);
			continue;
		}
		int cx = frames_byte(x), cy = frames_byte(y);
		if (cx != cy)
			return cx < cy ? -1 : 1;
	}
}

/* The same order from the frames' ranks: no name is read. */
static int fstack_cmp(const void *pa, const void *pb, void *ctx)
{
	const fsort *c = ctx;
	const fstack *a = pa, *b = pb;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	frames x, y;
	frames_start(&x, c->r, a->off, a->nloc);
	frames_start(&y, c->r, b->off, b->nloc);
	if (!c->rank)
		return bytes_cmp(&x, &y);
	/* Equal locations have equal frames. */
	while (x.i && y.i && frames_loc(&x, x.i - 1) == frames_loc(&y, y.i - 1))
		x.i--, y.i--;
	int32_t nx = frames_node(&x), ny = frames_node(&y);
	for (;;) {
		if (nx < 0 || ny < 0)
			return (nx >= 0) - (ny >= 0);
		int32_t ax = frames_node(&x), ay = frames_node(&y);
		if (nx != ny) {
			uint32_t kx = c->rank[2 * (size_t)nx + (ax < 0)];
			uint32_t ky = c->rank[2 * (size_t)ny + (ay < 0)];
			if (kx != ky)
				return kx < ky ? -1 : 1;
		}
		nx = ax;
		ny = ay;
	}
}

/* fstack.prefix: the ranks of the first frame and (+ 1, 0 if none) of the
 * second; 0 without ranks. */
static uint64_t prefix(const fsort *c, uint32_t off, uint32_t nloc)
{
	if (!c->rank)
		return 0;
	frames f;
	frames_start(&f, c->r, off, nloc);
	int32_t n0 = frames_node(&f), n1 = frames_node(&f);
	uint64_t k0 = c->rank[2 * (size_t)n0 + (n1 < 0)], k1 = 0;
	if (n1 >= 0)
		k1 = (uint64_t)c->rank[2 * (size_t)n1 + (frames_node(&f) < 0)] + 1;
	return k0 << 32 | k1;
}

/* Order of "name;" (leaf false) and "name" + end (leaf true); names hold
 * no ';'. */
static int key_cmp(const void *pa, const void *pb, void *ctx)
{
	const cprof__report *r = ctx;
	uint32_t ka = *(const uint32_t *)pa, kb = *(const uint32_t *)pb;
	const char *x = frame_name(r, (int32_t)(ka / 2)), *y = frame_name(r, (int32_t)(kb / 2));
	while (*x && *x == *y)
		x++, y++;
	int cx = *x ? (unsigned char)*x : ka % 2 ? -1 : ';';
	int cy = *y ? (unsigned char)*y : kb % 2 ? -1 : ';';
	return cx < cy ? -1 : cx > cy;
}

/* fsort.rank for r's nodes, or NULL (a name holds a ';', or no memory). */
static uint32_t *make_ranks(const cprof__report *r)
{
	if (r->nnodes >= UINT32_MAX / 2)
		return NULL;
	size_t n = 2 * r->nnodes;
	for (size_t i = 0; i < r->nnodes; i++)
		if (strchr(frame_name(r, (int32_t)i), ';'))
			return NULL;
	uint32_t *key = malloc((n + 1) * sizeof(*key)), *rank = malloc((n + 1) * sizeof(*rank));
	if (!key || !rank) {
		free(key);
		free(rank);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		key[i] = (uint32_t)i;
	qsort_r(key, n, sizeof(*key), key_cmp, (void *)r);
	uint32_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && key_cmp(&key[i - 1], &key[i], (void *)r))
			k++;
		rank[key[i]] = k;
	}
	free(key);
	return rank;
}

int cprof__report_folded(cprof__report *r, FILE *out, char *err, size_t errlen)
{
	const cprof__profile *p = r->p;
	for (size_t i = 0; i < r->nnodes; i++)
		cprof__node_name(r, &r->nodes[i]);
	fstack *st = malloc((p->sample.n + 1) * sizeof(*st));
	fsort c = {r, NULL};
	cprof__buf line;
	cprof__buf_init(&line, 0);
	size_t ns = 0;
	int ret = -1;
	if (!st || r->oom)
		goto oom;
	c.rank = make_ranks(r); /* NULL: slower, same order */
	for (size_t si = 0; si < p->sample.n; si++) {
		const cprof__sample *s = &p->sample.v[si];
		int64_t v = cprof__rvalue(r, cprof__sample_values(p, s));
		frames f;
		frames_start(&f, r, s->loc_off, s->nloc);
		if (v == 0 || frames_node(&f) < 0)
			continue;
		st[ns++] = (fstack){s->loc_off, s->nloc, v, prefix(&c, s->loc_off, s->nloc)};
	}
	qsort_r(st, ns, sizeof(*st), fstack_cmp, &c);
	for (size_t i = 0; i < ns;) {
		int64_t sum = st[i].value;
		size_t j = i + 1;
		while (j < ns && fstack_cmp(&st[i], &st[j], &c) == 0)
			sum = cprof__wadd(sum, st[j++].value);
		frames f;
		frames_start(&f, r, st[i].off, st[i].nloc);
		line.len = 0;
		for (int32_t n; (n = frames_node(&f)) >= 0;) {
			const char *name = frame_name(r, n);
			if (line.len)
				cprof__buf_append(&line, ";", 1);
			cprof__buf_append(&line, name, strlen(name));
		}
		char v[32];
		int vl = snprintf(v, sizeof(v), " %lld\n", (long long)sum);
		cprof__buf_append(&line, v, (size_t)vl);
		if (cprof__buf_failed(&line))
			goto oom;
		fwrite(line.data, 1, line.len, out);
		i = j;
	}
	ret = cprof__report_end(out, false, err, errlen);
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	cprof__buf_free(&line);
	free(c.rank);
	free(st);
	return ret;
}
