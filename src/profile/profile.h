/*
 * profile.h — the in-memory profile.proto model shared by the runtime (which
 * builds and encodes profiles) and the CLI (which decodes and reports them).
 *
 * Layout: every entity lives in one array; an entity's id is its index + 1
 * (ids in decoded files are renumbered that way, see decode.c).  Per-sample
 * variable-length data (location ids, values, labels) lives in flat pools
 * addressed by offsets, so a 200 000-sample profile is a handful of
 * allocations.  Strings are interned: string index 0 is always "".
 *
 * Not thread-safe; never used from a signal handler (everything allocates).
 * Allocation failures latch `p->oom`; check it (or the encode result) once.
 */
#ifndef CPROF_PROFILE_H
#define CPROF_PROFILE_H

#include "compat.h"
#include "base/buf.h"

typedef struct cprof__valuetype {
	int64_t type, unit; /* string indices */
} cprof__valuetype;

typedef struct cprof__label {
	int64_t key, str, num, num_unit; /* str or (num, num_unit) */
} cprof__label;

/* 20 bytes: offsets are 32-bit because no array of the model holds 2^32
 * elements or more (CPROF_VEC_GROW refuses). */
typedef struct cprof__sample {
	uint32_t loc_off; /* into profile.loc_pool; leaf first */
	uint32_t nloc;
	uint32_t nlabel;
	uint32_t label_off; /* into profile.label_pool */
	uint32_t value_off; /* into profile.value_pool; nsample_type values */
} cprof__sample;

typedef struct cprof__mapping {
	uint64_t start, limit, offset;
	int64_t file, build_id; /* string indices */
	bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
} cprof__mapping;

typedef struct cprof__line {
	uint64_t function_id;
	int64_t line, column;
} cprof__line;

typedef struct cprof__location {
	uint64_t mapping_id; /* 0: none */
	uint64_t address;
	size_t line_off; /* into profile.line_pool; innermost first */
	uint32_t nline;
	bool is_folded;
} cprof__location;

typedef struct cprof__function {
	int64_t name, system_name, filename, start_line;
} cprof__function;

/* A growable array of T with latched failure; see CPROF_VEC_GROW(). */
#define CPROF_VEC(T)           \
	struct {               \
		T *v;          \
		size_t n, cap; \
	}

/* Sample location ids (location index + 1), 16 bits each while every id
 * stored fits, 32 bits from the first one that does not (the model holds
 * fewer than 2^32 locations).  Most profiles have fewer than 65 536
 * locations, and this pool is most of a big decoded profile.  Read with
 * cprof__sample_loc(); write with cprof__locpool_reserve() then
 * cprof__locpool_set().  Starts like a CPROF_VEC (cprof__vec_grow works). */
typedef struct cprof__locpool {
	void *v; /* uint16_t[cap], or uint32_t[cap] when wide */
	size_t n, cap;
	bool wide;
} cprof__locpool;

typedef struct cprof__strtab {
	const char **v; /* NUL-terminated; v[0] == "" */
	size_t *len;
	size_t n, cap;
	uint32_t *hash; /* open addressing over indices+1; 0 = empty */
	size_t hcap;
} cprof__strtab;

typedef struct cprof__profile {
	cprof__strtab str;
	CPROF_VEC(cprof__valuetype) sample_type;
	CPROF_VEC(cprof__sample) sample;
	CPROF_VEC(cprof__mapping) mapping;
	CPROF_VEC(cprof__location) location;
	CPROF_VEC(cprof__function) function;
	cprof__locpool loc_pool;
	CPROF_VEC(int64_t) value_pool;
	CPROF_VEC(cprof__label) label_pool;
	CPROF_VEC(cprof__line) line_pool;
	CPROF_VEC(int64_t) comment;
	int64_t drop_frames, keep_frames;
	int64_t time_nanos, duration_nanos;
	cprof__valuetype period_type;
	int64_t period;
	int64_t default_sample_type;
	int64_t doc_url;
	bool oom;
} cprof__profile;

void cprof__profile_init(cprof__profile *p);
void cprof__profile_free(cprof__profile *p);
/* Make dst (uninitialised) a deep copy of src: the same ids, strings and
 * pools, so that a caller can keep one decoded profile and hand out copies
 * that reports may change (cprof web).  0, or -1 with dst empty on OOM. */
int cprof__profile_copy(cprof__profile *dst, const cprof__profile *src);

/* Grow vec (a CPROF_VEC) to hold `extra` more elements; false (and p->oom)
 * on overflow, past UINT32_MAX elements (so pool offsets fit in 32 bits),
 * or on allocation failure. */
bool cprof__vec_grow(cprof__profile *p, void *vec, size_t elem, size_t extra);
#define CPROF_VEC_GROW(p, vec, extra) cprof__vec_grow((p), &(vec), sizeof(*(vec).v), (extra))

/* Intern a string (copied); returns its index, 0 for "" or on OOM. */
int64_t cprof__profile_str(cprof__profile *p, const char *s);
int64_t cprof__profile_strn(cprof__profile *p, const char *s, size_t n);
/* Append a string without interning (decoder: keeps file indices). */
int64_t cprof__profile_str_append(cprof__profile *p, const char *s, size_t n);
static inline const char *cprof__profile_string(const cprof__profile *p, int64_t i)
{
	return (i >= 0 && (size_t)i < p->str.n) ? p->str.v[i] : "";
}

void cprof__profile_add_sample_type(cprof__profile *p, const char *type, const char *unit);
/* Go's heap profile layout: sample types alloc_objects/count,
 * alloc_space/bytes, inuse_objects/count, inuse_space/bytes; period type
 * space/bytes with the given period (the sampling rate). */
void cprof__profile_heap_types(cprof__profile *p, int64_t period);

/* Add entities; each returns the new id (index + 1), 0 on OOM. */
uint64_t cprof__profile_add_mapping(cprof__profile *p, const cprof__mapping *m);
uint64_t cprof__profile_add_function(cprof__profile *p, const char *name, const char *system_name,
				     const char *filename, int64_t start_line);
uint64_t cprof__profile_add_location(cprof__profile *p, uint64_t mapping_id, uint64_t address,
				     const cprof__line *lines, size_t nline);
/* values: nsample_type entries.  Location ids must be below 2^32 (ids of
 * locations of this profile always are); a larger one fails as OOM does. */
uint64_t cprof__profile_add_sample(cprof__profile *p, const uint64_t *locs, size_t nloc,
				   const int64_t *values, const cprof__label *labels,
				   size_t nlabel);

static inline uint32_t cprof__locpool_get(const cprof__locpool *lp, size_t i)
{
	return lp->wide ? ((const uint32_t *)lp->v)[i] : ((const uint16_t *)lp->v)[i];
}
/* Store id at i (< lp->cap); the pool must be wide or id below 2^16 (see
 * cprof__locpool_reserve). */
static inline void cprof__locpool_set(cprof__locpool *lp, size_t i, uint32_t id)
{
	if (lp->wide)
		((uint32_t *)lp->v)[i] = id;
	else
		((uint16_t *)lp->v)[i] = (uint16_t)id;
}
/* Room for `extra` more ids of at most max_id: widens the pool (once) when
 * max_id needs more than 16 bits.  false (and p->oom) on failure. */
bool cprof__locpool_reserve(cprof__profile *p, size_t extra, uint32_t max_id);

/* Location id i (< s->nloc) of a sample; ids are leaf first. */
static inline uint32_t cprof__sample_loc(const cprof__profile *p, const cprof__sample *s,
					 uint32_t i)
{
	return cprof__locpool_get(&p->loc_pool, (size_t)s->loc_off + i);
}
/* Copy a sample's s->nloc location ids to dst. */
void cprof__sample_locids(const cprof__profile *p, const cprof__sample *s, uint32_t *dst);
/* Internal (merge): cprof__profile_add_sample with 32-bit ids. */
uint64_t cprof__profile_add_sample32(cprof__profile *p, const uint32_t *locs, size_t nloc,
				     const int64_t *values, const cprof__label *labels,
				     size_t nlabel);
static inline const int64_t *cprof__sample_values(const cprof__profile *p, const cprof__sample *s)
{
	return p->value_pool.v ? p->value_pool.v + s->value_off : NULL;
}
static inline const cprof__label *cprof__sample_labels(const cprof__profile *p,
						       const cprof__sample *s)
{
	return p->label_pool.v ? p->label_pool.v + s->label_off : NULL;
}
static inline const cprof__line *cprof__location_lines(const cprof__profile *p,
						       const cprof__location *l)
{
	return p->line_pool.v ? p->line_pool.v + l->line_off : NULL;
}

/* Serialise as profile.proto (uncompressed) into out.  0 or -ENOMEM. */
int cprof__profile_encode(const cprof__profile *p, cprof__buf *out);
/* Encode, gzip (level 1, as Go) and write to fd (all of it, retrying short
 * writes), streaming: the encoded bytes are never whole in memory, only
 * 256 KiB of them at a time.  0 or a negative errno (the file may then hold
 * part of the output).  The CLI has a faster writer: gzwrite.h. */
int cprof__profile_write_fd(const cprof__profile *p, int fd);
/* Internal (gzwrite.c): encode, handing the bytes to drain(ctx, b) after
 * each top-level field once b holds `chunk` bytes; drain empties b. */
int cprof__profile_encode_chunked(const cprof__profile *p, cprof__buf *b, size_t chunk,
				  void (*drain)(void *ctx, cprof__buf *b), void *ctx);

/* gzip helpers (zlib), also used by the reader.  0 or negative errno. */
int cprof__gzip(const void *in, size_t n, cprof__buf *out, int level);
/* Write all of buf to fd, retrying EINTR and short writes. */
int cprof__write_all(int fd, const void *p, size_t n);

#endif
