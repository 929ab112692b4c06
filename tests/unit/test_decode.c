/* test_decode.c — profile.proto decoding: round trips, gzip, renumbering and
 * every validation error. */
#include "compat.h"
#include "profio/decode.h"
#include "profio/readfile.h"
#include "profio/gzwrite.h"
#include "profile/profile.h"
#include "profile/pbwire.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* A profile with everything the model has. */
static void build(cprof__profile *p)
{
	cprof__profile_init(p);
	cprof__profile_add_sample_type(p, "samples", "count");
	cprof__profile_add_sample_type(p, "cpu", "nanoseconds");
	cprof__mapping m = {.start = 0x400000, .limit = 0x500000, .offset = 0x1000,
			   .file = cprof__profile_str(p, "/bin/prog"),
			   .build_id = cprof__profile_str(p, "abcdef"),
			   .has_functions = true, .has_line_numbers = true};
	uint64_t mid = cprof__profile_add_mapping(p, &m);
	uint64_t f1 = cprof__profile_add_function(p, "main", "main", "main.c", 10);
	uint64_t f2 = cprof__profile_add_function(p, "work", "_Z4workv", "work.c", 20);
	uint64_t f3 = cprof__profile_add_function(p, "inl", "inl", "work.c", 30);
	cprof__line l1[] = {{f1, 12, 3}};
	cprof__line l2[] = {{f3, 31, 0}, {f2, 22, 5}};
	uint64_t a = cprof__profile_add_location(p, mid, 0x401000, l1, 1);
	uint64_t b = cprof__profile_add_location(p, mid, 0x402000, l2, 2);
	uint64_t c = cprof__profile_add_location(p, 0, 0x999, NULL, 0);
	uint64_t s1[] = {b, a}, s2[] = {c, b, a};
	int64_t v1[] = {3, 30000000}, v2[] = {-1, 10000000};
	cprof__label lab[] = {{cprof__profile_str(p, "thread"), cprof__profile_str(p, "t1"), 0, 0},
			     {cprof__profile_str(p, "bytes"), 0, 4096, cprof__profile_str(p, "bytes")}};
	cprof__profile_add_sample(p, s1, 2, v1, lab, 2);
	cprof__profile_add_sample(p, s2, 3, v2, NULL, 0);
	cprof__profile_add_sample(p, NULL, 0, v1, lab, 1);
	p->location.v[1].is_folded = true;
	p->drop_frames = cprof__profile_str(p, "malloc");
	p->keep_frames = cprof__profile_str(p, "keep");
	p->time_nanos = 1700000000123456789;
	p->duration_nanos = 5000000000;
	p->period_type.type = cprof__profile_str(p, "cpu");
	p->period_type.unit = cprof__profile_str(p, "nanoseconds");
	p->period = 10000000;
	CPROF_VEC_GROW(p, p->comment, 2);
	p->comment.v[p->comment.n++] = cprof__profile_str(p, "a comment");
	p->comment.v[p->comment.n++] = cprof__profile_str(p, "another");
	p->default_sample_type = cprof__profile_str(p, "cpu");
	p->doc_url = cprof__profile_str(p, "https://example.com/doc");
}

#define SAME(field) if (a->field != b->field) return #field

/* NULL if a and b are identical (strings compared by content). */
static const char *diff(const cprof__profile *a, const cprof__profile *b)
{
	if (a->str.n != b->str.n)
		return "string count";
	for (size_t i = 0; i < a->str.n; i++)
		if (a->str.len[i] != b->str.len[i] || memcmp(a->str.v[i], b->str.v[i], a->str.len[i]))
			return "string";
	SAME(sample_type.n);
	for (size_t i = 0; i < a->sample_type.n; i++) {
		SAME(sample_type.v[i].type);
		SAME(sample_type.v[i].unit);
	}
	SAME(sample.n);
	for (size_t i = 0; i < a->sample.n; i++) {
		const cprof__sample *x = &a->sample.v[i], *y = &b->sample.v[i];
		if (x->nloc != y->nloc || x->nlabel != y->nlabel)
			return "sample shape";
		for (uint32_t k = 0; k < x->nloc; k++)
			if (cprof__sample_loc(a, x, k) != cprof__sample_loc(b, y, k))
				return "sample locations";
		if (memcmp(cprof__sample_values(a, x), cprof__sample_values(b, y), a->sample_type.n * 8))
			return "sample values";
		if (x->nlabel && memcmp(cprof__sample_labels(a, x), cprof__sample_labels(b, y),
					x->nlabel * sizeof(cprof__label)))
			return "sample labels";
	}
	SAME(mapping.n);
	for (size_t i = 0; i < a->mapping.n; i++) {
		SAME(mapping.v[i].start);
		SAME(mapping.v[i].limit);
		SAME(mapping.v[i].offset);
		SAME(mapping.v[i].file);
		SAME(mapping.v[i].build_id);
		SAME(mapping.v[i].has_functions);
		SAME(mapping.v[i].has_filenames);
		SAME(mapping.v[i].has_line_numbers);
		SAME(mapping.v[i].has_inline_frames);
	}
	SAME(function.n);
	for (size_t i = 0; i < a->function.n; i++)
		if (memcmp(&a->function.v[i], &b->function.v[i], sizeof(cprof__function)))
			return "function";
	SAME(location.n);
	for (size_t i = 0; i < a->location.n; i++) {
		const cprof__location *x = &a->location.v[i], *y = &b->location.v[i];
		if (x->mapping_id != y->mapping_id || x->address != y->address ||
		    x->nline != y->nline || x->is_folded != y->is_folded)
			return "location";
		if (x->nline && memcmp(cprof__location_lines(a, x), cprof__location_lines(b, y),
				       x->nline * sizeof(cprof__line)))
			return "location lines";
	}
	SAME(comment.n);
	for (size_t i = 0; i < a->comment.n; i++)
		SAME(comment.v[i]);
	SAME(drop_frames);
	SAME(keep_frames);
	SAME(time_nanos);
	SAME(duration_nanos);
	SAME(period_type.type);
	SAME(period_type.unit);
	SAME(period);
	SAME(default_sample_type);
	SAME(doc_url);
	return NULL;
}

static void test_roundtrip(void)
{
	cprof__profile a, b, c;
	build(&a);
	cprof__buf raw, gz;
	cprof__buf_init(&raw, 0);
	cprof__buf_init(&gz, 0);
	int rc = cprof__profile_encode(&a, &raw);
	char err[256] = "";
	cprof__profile_init(&b);
	int d = cprof__profile_decode(&b, raw.data, raw.len, err, sizeof(err));
	const char *why = d == 0 ? diff(&a, &b) : err;
	CHECK("roundtrip_raw", rc == 0 && d == 0 && !why, "%s", why ? why : "");

	cprof__gzip(raw.data, raw.len, &gz, 6);
	cprof__profile_init(&c);
	d = cprof__profile_decode(&c, gz.data, gz.len, err, sizeof(err));
	why = d == 0 ? diff(&a, &c) : err;
	CHECK("roundtrip_gzip", d == 0 && !why, "%s", why ? why : "");

	/* Two gzip members: Go reads them as one stream, so the profile is
	 * "concatenated". */
	cprof__buf two;
	cprof__buf_init(&two, 0);
	cprof__buf_append(&two, gz.data, gz.len);
	cprof__buf_append(&two, gz.data, gz.len);
	cprof__profile_free(&c);
	cprof__profile_init(&c);
	d = cprof__profile_decode(&c, two.data, two.len, err, sizeof(err));
	CHECK("concatenated_gzip", d < 0 && strstr(err, "concatenated"), "rc %d: %s", d, err);

	/* Truncated gzip. */
	cprof__profile_free(&c);
	cprof__profile_init(&c);
	d = cprof__profile_decode(&c, gz.data, gz.len - 9, err, sizeof(err));
	CHECK("truncated_gzip", d < 0 && strstr(err, "decompressing"), "rc %d: %s", d, err);

	/* Garbage after a gzip member. */
	two.len = gz.len;
	cprof__buf_append(&two, "xx", 2);
	cprof__profile_free(&c);
	cprof__profile_init(&c);
	d = cprof__profile_decode(&c, two.data, two.len, err, sizeof(err));
	CHECK("gzip_trailing_garbage", d < 0 && strstr(err, "decompressing"), "rc %d: %s", d, err);

	/* Decoded profiles re-encode to the same bytes. */
	cprof__buf again;
	cprof__buf_init(&again, 0);
	cprof__profile_encode(&b, &again);
	CHECK("reencode_identical", again.len == raw.len && !memcmp(again.data, raw.data, raw.len),
	      "%zu vs %zu bytes", again.len, raw.len);

	/* Interning into a decoded profile with many strings (more than the
	 * string hash's first size) terminates and finds them. */
	{
		cprof__profile big, dec;
		cprof__profile_init(&big);
		char name[32];
		for (int k = 0; k < 3000; k++) {
			snprintf(name, sizeof(name), "s%d", k);
			cprof__profile_str(&big, name);
		}
		cprof__buf eb;
		cprof__buf_init(&eb, 0);
		cprof__profile_encode(&big, &eb);
		cprof__profile_init(&dec);
		int dr = cprof__profile_decode(&dec, eb.data, eb.len, err, sizeof(err));
		int64_t k = dr == 0 ? cprof__profile_str(&dec, "s2999") : -1;
		CHECK("intern_after_decode_many", dr == 0 && k > 0 && (size_t)k < big.str.n &&
		      dec.str.n == big.str.n, "rc %d index %" PRId64, dr, k);
		cprof__buf_free(&eb);
		cprof__profile_free(&big);
		cprof__profile_free(&dec);
	}

	/* Interning after decoding finds the file's strings. */
	int64_t i = cprof__profile_str(&b, "work.c");
	CHECK("intern_after_decode", i > 0 && !strcmp(cprof__profile_string(&b, i), "work.c") &&
	      b.str.n == a.str.n, "index %" PRId64, i);

	cprof__buf_free(&raw);
	cprof__buf_free(&gz);
	cprof__buf_free(&two);
	cprof__buf_free(&again);
	cprof__profile_free(&a);
	cprof__profile_free(&b);
	cprof__profile_free(&c);
}

/* ---- hand-built wire data for the error cases ---- */

static void vt(cprof__buf *b, unsigned field, int64_t type, int64_t unit)
{
	size_t m = cprof__pb_begin(b, field);
	cprof__pb_int(b, 1, type);
	cprof__pb_int(b, 2, unit);
	cprof__pb_end(b, m);
}

static void sample(cprof__buf *b, const uint64_t *locs, size_t nloc, const int64_t *v, size_t nv)
{
	size_t m = cprof__pb_begin(b, 2);
	cprof__pb_packed_u64(b, 1, locs, nloc);
	cprof__pb_packed_i64(b, 2, v, nv);
	cprof__pb_end(b, m);
}

static void mapping(cprof__buf *b, uint64_t id, int64_t file)
{
	size_t m = cprof__pb_begin(b, 3);
	cprof__pb_uint(b, 1, id);
	cprof__pb_uint(b, 2, 0x1000);
	cprof__pb_uint(b, 3, 0x2000);
	cprof__pb_int(b, 5, file);
	cprof__pb_end(b, m);
}

static void location(cprof__buf *b, uint64_t id, uint64_t map, uint64_t fn)
{
	size_t m = cprof__pb_begin(b, 4);
	cprof__pb_uint(b, 1, id);
	cprof__pb_uint(b, 2, map);
	cprof__pb_uint(b, 3, 0x1234);
	if (fn != UINT64_MAX) {
		size_t l = cprof__pb_begin(b, 4);
		cprof__pb_uint(b, 1, fn);
		cprof__pb_int(b, 2, 7);
		cprof__pb_end(b, l);
	}
	cprof__pb_end(b, m);
}

static void function(cprof__buf *b, uint64_t id, int64_t name)
{
	size_t m = cprof__pb_begin(b, 5);
	cprof__pb_uint(b, 1, id);
	cprof__pb_int(b, 2, name);
	cprof__pb_int(b, 3, name);
	cprof__pb_end(b, m);
}

static void strings(cprof__buf *b, bool first_empty)
{
	static const char *s[] = {"", "samples", "count", "f", "/bin/x"};
	cprof__pb_bytes(b, 6, first_empty ? "" : "x", first_empty ? 0 : 1);
	for (size_t i = 1; i < CPROF_ARRAY_LEN(s); i++)
		cprof__pb_bytes(b, 6, s[i], strlen(s[i]));
}

enum { OK_ = 0 };
/* Variants of one small valid profile; each breaks one rule. */
enum variant {
	V_OK, V_STR0, V_STRIDX, V_NEGSTR, V_MAP0, V_LOC0, V_FN0, V_MAPDUP, V_LOCDUP, V_FNDUP,
	V_NVALUES, V_NOTYPES, V_DANGLOC, V_LOCID0, V_DANGFN, V_LINENOFN, V_DANGMAP, V_CONCAT,
	V_SPARSE, V_NOSTRINGS, V_WIRETYPE, V_TRUNC, V_BIGIDS, V_EDGEIDS, V_DANGBIG,
};

static void make(cprof__buf *b, enum variant v)
{
	cprof__buf_init(b, 0);
	if (v != V_NOTYPES)
		vt(b, 1, 1, v == V_STRIDX ? 99 : v == V_NEGSTR ? -1 : 2);
	int64_t vals[] = {5, 6, 7};
	/* The model keeps file location ids below 2^31 as they are until the
	 * locations are known, larger ones in a side table: both sides of
	 * that line, and beyond 32 bits. */
	uint64_t l1 = v == V_SPARSE ? 1000 : v == V_BIGIDS ? UINT64_MAX : v == V_EDGEIDS ? (1ull << 31) - 1 : 1;
	uint64_t l2 = v == V_SPARSE ? 7 : v == V_BIGIDS ? (1ull << 40) : v == V_EDGEIDS ? (1ull << 31) : 2;
	uint64_t locs[] = {l1, v == V_DANGLOC ? 77 : v == V_LOCID0 ? 0 : v == V_DANGBIG ? (1ull << 41) : l2};
	sample(b, locs, 2, vals, v == V_NVALUES ? 2 : 1);
	sample(b, locs + 1, 1, vals + 1, v == V_NVALUES ? 2 : 1);
	uint64_t m1 = v == V_SPARSE ? 40 : 1;
	mapping(b, v == V_MAP0 ? 0 : m1, 4);
	if (v == V_MAPDUP)
		mapping(b, m1, 4);
	uint64_t f1 = v == V_SPARSE ? 9 : v == V_BIGIDS ? (1ull << 50) : 1;
	location(b, v == V_LOC0 ? 0 : l1, v == V_DANGMAP ? 5 : m1,
		 v == V_DANGFN ? 3 : v == V_LINENOFN ? 0 : f1);
	location(b, v == V_LOCDUP ? l1 : l2, 0, UINT64_MAX);
	function(b, v == V_FN0 ? 0 : f1, 3);
	if (v == V_FNDUP)
		function(b, f1, 3);
	if (v != V_NOSTRINGS)
		strings(b, v != V_STR0);
	cprof__pb_int(b, 9, 12345);
	if (v == V_CONCAT)
		cprof__pb_int(b, 9, 12346);
	if (v == V_WIRETYPE) {
		cprof__pb_tag(b, 12, 2); /* period as bytes */
		cprof__pb_varint(b, 0);
	}
	if (v == V_TRUNC)
		b->len -= 2;
}

static void test_errors(void)
{
	static const struct {
		enum variant v;
		const char *name, *want;
	} cases[] = {
		{V_OK, "valid", NULL},
		{V_SPARSE, "sparse_ids", NULL},
		{V_BIGIDS, "huge_ids", NULL},
		{V_EDGEIDS, "ids_around_2^31", NULL},
		{V_STR0, "string0_not_empty", "string_table[0]"},
		{V_STRIDX, "string_index_out_of_range", "string index"},
		{V_NEGSTR, "negative_string_index", "string index"},
		{V_MAP0, "mapping_id_0", "mapping with reserved id 0"},
		{V_LOC0, "location_id_0", "location with reserved id 0"},
		{V_FN0, "function_id_0", "function with reserved id 0"},
		{V_MAPDUP, "duplicate_mapping", "multiple mappings with id 1"},
		{V_LOCDUP, "duplicate_location", "multiple locations with id 1"},
		{V_FNDUP, "duplicate_function", "multiple functions with id 1"},
		{V_NVALUES, "value_count", "sample 0 has 2 values, 1 sample types"},
		{V_NOTYPES, "no_sample_types", "samples without sample types"},
		{V_DANGLOC, "dangling_location", "sample 0 references unknown location 77"},
		{V_DANGBIG, "dangling_huge_location", "sample 0 references unknown location 2199023255552"},
		{V_LOCID0, "location_ref_0", "sample 0 has location id 0"},
		{V_DANGFN, "dangling_function", "location 1 references unknown function 3"},
		{V_LINENOFN, "line_without_function", "location 1 has a line without a function"},
		{V_DANGMAP, "dangling_mapping", "location 1 references unknown mapping 5"},
		{V_CONCAT, "concatenated", "concatenated profiles detected"},
		{V_NOSTRINGS, "no_string_table", "no string table"},
		{V_WIRETYPE, "wire_type_mismatch", "type mismatch"},
		{V_TRUNC, "truncated", "unrecognized profile format"},
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(cases); i++) {
		cprof__buf b;
		make(&b, cases[i].v);
		cprof__profile p;
		cprof__profile_init(&p);
		char err[256] = "";
		int rc = cprof__profile_decode(&p, b.data, b.len, err, sizeof(err));
		char name[64];
		snprintf(name, sizeof(name), "error_%s", cases[i].name);
		if (!cases[i].want)
			CHECK(name, rc == 0 && p.sample.n == 2 && p.location.n == 2 &&
			      cprof__sample_loc(&p, &p.sample.v[0], 0) == 1 &&
			      cprof__sample_loc(&p, &p.sample.v[0], 1) == 2 &&
			      cprof__sample_loc(&p, &p.sample.v[1], 0) == 2 &&
			      p.location.v[0].mapping_id == 1 &&
			      cprof__location_lines(&p, &p.location.v[0])[0].function_id == 1,
			      "rc %d: %s", rc, err);
		else
			CHECK(name, rc < 0 && strstr(err, cases[i].want) && !strchr(err, '\n'),
			      "rc %d, err '%s', want '%s'", rc, err, cases[i].want);
		cprof__profile_free(&p);
		cprof__buf_free(&b);
	}

	/* No array of the model reaches 2^32 elements (its offsets are
	 * 32-bit); refused before any allocation. */
	{
		cprof__profile q;
		cprof__profile_init(&q);
		CPROF_VEC(uint8_t) v = {NULL, (size_t)UINT32_MAX - 2, (size_t)UINT32_MAX - 2};
		bool grew = CPROF_VEC_GROW(&q, v, 5);
		CHECK("vec_refuses_2^32_elements", !grew && q.oom && !v.v, "grew %d", grew);
		free(v.v);
		cprof__profile_free(&q);
	}

	cprof__profile p;
	cprof__profile_init(&p);
	char err[256];
	int rc = cprof__profile_decode(&p, "", 0, err, sizeof(err));
	CHECK("error_empty", rc < 0 && strstr(err, "empty"), "rc %d: %s", rc, err);
	rc = cprof__profile_decode(&p, "hello world\n", 12, err, sizeof(err));
	CHECK("error_text", rc < 0 && strstr(err, "unrecognized"), "rc %d: %s", rc, err);
	/* Error text is truncated, never overflows. */
	char tiny[8];
	rc = cprof__profile_decode(&p, "hello world\n", 12, tiny, sizeof(tiny));
	CHECK("error_truncated_message", rc < 0 && strlen(tiny) == 7, "'%s'", tiny);
	cprof__profile_free(&p);
}

/* Labels are normalised as pprof reads them. */
static void test_labels(void)
{
	cprof__buf b;
	cprof__buf_init(&b, 0);
	vt(&b, 1, 1, 2);
	size_t m = cprof__pb_begin(&b, 2);
	int64_t v = 1;
	cprof__pb_packed_i64(&b, 2, &v, 1);
	static const int64_t lab[][4] = {{1, 2, 5, 2}, {1, 0, 0, 0}, {1, 0, 0, 2}, {2, 0, 9, 0}};
	for (size_t i = 0; i < 4; i++) {
		size_t lm = cprof__pb_begin(&b, 3);
		for (unsigned f = 0; f < 4; f++)
			cprof__pb_int(&b, f + 1, lab[i][f]);
		cprof__pb_end(&b, lm);
	}
	cprof__pb_end(&b, m);
	strings(&b, true);
	cprof__profile p;
	cprof__profile_init(&p);
	char err[256] = "";
	int rc = cprof__profile_decode(&p, b.data, b.len, err, sizeof(err));
	const cprof__label *l = rc == 0 ? cprof__sample_labels(&p, &p.sample.v[0]) : NULL;
	CHECK("labels_normalised",
	      rc == 0 && p.sample.v[0].nlabel == 3 && l[0].str == 2 && l[0].num == 0 &&
	      l[0].num_unit == 0 && l[1].num == 0 && l[1].num_unit == 2 && l[2].num == 9,
	      "rc %d %s", rc, err);
	cprof__profile_free(&p);
	cprof__buf_free(&b);
}

/* cprof__profile_read_file streams regular files: same results and the same
 * errors as decoding the bytes in memory. */
static void write_file(const char *path, const void *d, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(d, 1, n, f);
		fclose(f);
	}
}

static void test_files(void)
{
	char dir[] = "/tmp/cprof-test-decode.XXXXXX";
	if (!mkdtemp(dir)) {
		printf("not ok files: mkdtemp\n");
		check_failures++;
		return;
	}
	char path[256];
	snprintf(path, sizeof(path), "%s/p", dir);
	cprof__profile a;
	build(&a);
	/* A 1 MiB string: one field larger than the reader's window. */
	char *big = malloc(1 << 20);
	memset(big, 'x', 1 << 20);
	big[(1 << 20) - 1] = 0;
	cprof__profile_str(&a, big);
	free(big);
	cprof__buf raw, gz;
	cprof__buf_init(&raw, 0);
	cprof__buf_init(&gz, 0);
	cprof__profile_encode(&a, &raw);
	cprof__gzip(raw.data, raw.len, &gz, 1);
	static const struct {
		const char *name;
		int kind; /* 0 raw, 1 gz, 2 gz twice (concatenated), 3 truncated gz,
			     4 gz + garbage, 5 empty, 6 legacy text, 7 missing */
		const char *want;
	} cases[] = {
		{"file_raw", 0, NULL}, {"file_gzip", 1, NULL},
		{"file_concatenated", 2, "concatenated profiles detected"},
		{"file_truncated_gzip", 3, "unexpected EOF"},
		{"file_gzip_garbage", 4, "gzip: invalid header"},
		{"file_empty", 5, "empty input file"},
		{"file_legacy_fallback", 6, NULL},
		{"file_missing", 7, "No such file"},
	};
	static const char heap[] = "heap profile: 1: 64 [ 1: 64] @ heapprofile\n"
				   "     1:    64 [     1:    64] @ 0x10 0x20\n";
	for (size_t i = 0; i < CPROF_ARRAY_LEN(cases); i++) {
		unlink(path);
		switch (cases[i].kind) {
		case 0: write_file(path, raw.data, raw.len); break;
		case 1: write_file(path, gz.data, gz.len); break;
		case 2: {
			FILE *f = fopen(path, "wb");
			fwrite(gz.data, 1, gz.len, f);
			fwrite(gz.data, 1, gz.len, f);
			fclose(f);
			break;
		}
		case 3: write_file(path, gz.data, gz.len / 2); break;
		case 4: {
			FILE *f = fopen(path, "wb");
			fwrite(gz.data, 1, gz.len, f);
			fwrite("zz", 1, 2, f);
			fclose(f);
			break;
		}
		case 5: write_file(path, "", 0); break;
		case 6: write_file(path, heap, sizeof(heap) - 1); break;
		default: break;
		}
		cprof__profile p;
		cprof__profile_init(&p);
		char err[256] = "";
		int rc = cprof__profile_read_file(&p, path, err, sizeof(err));
		if (!cases[i].want) {
			const char *why = rc ? err : cases[i].kind == 6 ? (p.sample.n == 1 ? NULL : "samples")
								      : diff(&a, &p);
			CHECK(cases[i].name, rc == 0 && !why, "%s", why ? why : "");
		} else {
			CHECK(cases[i].name, rc < 0 && strstr(err, cases[i].want) && strstr(err, path),
			      "rc %d err '%s'", rc, err);
		}
		cprof__profile_free(&p);
	}
	cprof__buf_free(&raw);
	cprof__buf_free(&gz);
	cprof__profile_free(&a);

	/* Compressed files over 1 MiB are inflated on a thread of their own:
	 * the same results and errors. */
	build(&a);
	size_t nbig = (size_t)3 << 20;
	big = malloc(nbig + 1);
	uint64_t x = 99;
	for (size_t k = 0; k < nbig; k++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		big[k] = (char)('!' + (x >> 58));
	}
	big[nbig] = 0;
	cprof__profile_str(&a, big);
	free(big);
	cprof__buf_init(&raw, 0);
	cprof__buf_init(&gz, 0);
	cprof__profile_encode(&a, &raw);
	cprof__gzip(raw.data, raw.len, &gz, 1);
	static const struct {
		const char *name;
		size_t cut;      /* bytes cut off the end */
		int copies;      /* gzip members */
		const char *tail;
		const char *want;
	} bigcases[] = {
		{"file_big_gzip", 0, 1, "", NULL},
		{"file_big_concatenated", 0, 2, "", "concatenated profiles detected"},
		{"file_big_truncated", 1000, 1, "", "unexpected EOF"},
		{"file_big_garbage", 0, 1, "zz", "gzip: invalid header"},
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(bigcases); i++) {
		FILE *f = fopen(path, "wb");
		for (int c = 0; f && c < bigcases[i].copies; c++)
			fwrite(gz.data, 1, gz.len - bigcases[i].cut, f);
		if (f) {
			fputs(bigcases[i].tail, f);
			fclose(f);
		}
		cprof__profile p;
		cprof__profile_init(&p);
		char err[256] = "";
		int rc = cprof__profile_read_file(&p, path, err, sizeof(err));
		if (!bigcases[i].want) {
			const char *why = rc ? err : diff(&a, &p);
			CHECK(bigcases[i].name, gz.len > (2u << 20) && rc == 0 && !why, "%s", why ? why : "");
		} else {
			CHECK(bigcases[i].name, rc < 0 && strstr(err, bigcases[i].want), "rc %d err '%s'", rc,
			      err);
		}
		cprof__profile_free(&p);
	}
	unlink(path);
	rmdir(dir);
	cprof__buf_free(&raw);
	cprof__buf_free(&gz);
	cprof__profile_free(&a);
}

/* The gzip writers (serial and parallel, pigz-style) give back the encoder's
 * exact bytes: a profile of several chunks, one field bigger than a chunk. */
static void test_writers(void)
{
	cprof__profile a;
	build(&a);
	uint64_t x = 12345;
	for (int k = 0; k < 40000; k++) {
		uint64_t locs[12];
		for (int j = 0; j < 12; j++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			locs[j] = 1 + (x >> 33) % 3;
		}
		int64_t v[2] = {k, (int64_t)x >> 8};
		cprof__profile_add_sample(&a, locs, 1 + (size_t)(x >> 60) % 12, v, NULL, 0);
	}
	char *big = malloc(600 << 10);
	for (size_t k = 0; k + 1 < (600 << 10); k++)
		big[k] = (char)('a' + (k * 7919 % 26));
	big[(600 << 10) - 1] = 0;
	cprof__profile_str(&a, big);
	free(big);
	cprof__buf raw;
	cprof__buf_init(&raw, 0);
	cprof__profile_encode(&a, &raw);
	static const struct {
		const char *name;
		int threads; /* -1: cprof__profile_write_fd, else cprof__profile_write_gz */
	} cases[] = {
		{"write_fd", -1}, {"write_gz_0_threads", 0}, {"write_gz_1_thread", 1},
		{"write_gz_3_threads", 3},
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(cases); i++) {
		FILE *f = tmpfile();
		int fd = f ? fileno(f) : -1;
		int rc = fd < 0 ? -1
			 : cases[i].threads < 0
			     ? cprof__profile_write_fd(&a, fd)
			     : cprof__profile_write_gz(&a, fd, cases[i].threads, NULL, 0);
		long n = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
		unsigned char *gz = n > 0 ? malloc((size_t)n) : NULL;
		bool got = gz && pread(fd, gz, (size_t)n, 0) == n;
		char err[256] = "";
		cprof__buf out;
		cprof__buf_init(&out, 0);
		/* zlib checks the CRC and length of the one gzip member. */
		int gr = got ? cprof__gunzip(gz, (size_t)n, &out, (size_t)1 << 30, err, sizeof(err)) : -1;
		CHECK(cases[i].name, rc == 0 && gr == 0 && raw.len > (1 << 20) && out.len == raw.len &&
		      !memcmp(out.data, raw.data, raw.len) && gz[0] == 0x1f && gz[1] == 0x8b,
		      "rc %d gunzip %d (%s), %zu vs %zu bytes", rc, gr, err, out.len, raw.len);
		cprof__buf_free(&out);
		free(gz);
		if (f)
			fclose(f);
	}
	cprof__buf_free(&raw);
	cprof__profile_free(&a);
}

/* Sample location ids take 16 bits each until one needs more: the pool
 * widens then, keeping the ids already stored; the reader widens it when a
 * file's ids, or their renumbering, need more than 16 bits. */
static void test_wide_ids(void)
{
	enum { NLOC = 70000 };
	cprof__profile p, q;
	cprof__profile_init(&p);
	cprof__profile_add_sample_type(&p, "samples", "count");
	for (uint64_t i = 0; i < NLOC; i++)
		cprof__profile_add_location(&p, 0, 0x1000 + i, NULL, 0);
	uint64_t a[] = {1, 2, UINT16_MAX}, b[] = {NLOC, 5};
	int64_t v = 1;
	cprof__profile_add_sample(&p, a, 3, &v, NULL, 0);
	bool narrow = !p.loc_pool.wide;
	cprof__profile_add_sample(&p, b, 2, &v, NULL, 0);
	const cprof__sample *s0 = &p.sample.v[0], *s1 = &p.sample.v[1];
	CHECK("wide_ids_model", !p.oom && narrow && p.loc_pool.wide &&
	      cprof__sample_loc(&p, s0, 0) == 1 && cprof__sample_loc(&p, s0, 1) == 2 &&
	      cprof__sample_loc(&p, s0, 2) == UINT16_MAX && cprof__sample_loc(&p, s1, 0) == NLOC &&
	      cprof__sample_loc(&p, s1, 1) == 5,
	      "narrow before %d, wide after %d", narrow, p.loc_pool.wide);

	cprof__buf e;
	cprof__buf_init(&e, 0);
	cprof__profile_encode(&p, &e);
	cprof__profile_init(&q);
	char err[256] = "";
	int rc = cprof__profile_decode(&q, e.data, e.len, err, sizeof(err));
	const char *d = rc == 0 ? diff(&p, &q) : "decode";
	CHECK("wide_ids_roundtrip", rc == 0 && !d && q.loc_pool.wide, "rc %d %s: %s", rc, err,
	      d ? d : "");
	cprof__profile_free(&q);
	cprof__buf_free(&e);
	cprof__profile_free(&p);

	build(&p);
	cprof__buf_init(&e, 0);
	cprof__profile_encode(&p, &e);
	cprof__profile_init(&q);
	rc = cprof__profile_decode(&q, e.data, e.len, err, sizeof(err));
	CHECK("narrow_ids_roundtrip", rc == 0 && !diff(&p, &q) && !q.loc_pool.wide, "rc %d %s", rc,
	      err);
	cprof__profile_free(&q);
	cprof__buf_free(&e);
	cprof__profile_free(&p);

	/* File ids in reverse order: file id 1 is the last location, so
	 * renumbering turns a 16-bit id into one of 17 bits. */
	cprof__buf_init(&e, 0);
	size_t m = cprof__pb_begin(&e, 1);
	cprof__pb_int(&e, 1, 1);
	cprof__pb_int(&e, 2, 2);
	cprof__pb_end(&e, m);
	uint64_t ids[] = {1, NLOC, 2};
	m = cprof__pb_begin(&e, 2);
	cprof__pb_packed_u64(&e, 1, ids, 3);
	cprof__pb_packed_i64(&e, 2, &v, 1);
	cprof__pb_end(&e, m);
	for (uint64_t i = 0; i < NLOC; i++) {
		m = cprof__pb_begin(&e, 4);
		cprof__pb_uint(&e, 1, NLOC - i);
		cprof__pb_uint(&e, 3, 0x1000 + NLOC - i);
		cprof__pb_end(&e, m);
	}
	cprof__pb_bytes(&e, 6, "", 0);
	cprof__pb_bytes(&e, 6, "samples", 7);
	cprof__pb_bytes(&e, 6, "count", 5);
	cprof__profile_init(&q);
	rc = cprof__profile_decode(&q, e.data, e.len, err, sizeof(err));
	const cprof__sample *s = rc == 0 && q.sample.n == 1 ? &q.sample.v[0] : NULL;
	CHECK("wide_ids_renumbered", s && q.loc_pool.wide && cprof__sample_loc(&q, s, 0) == NLOC &&
	      cprof__sample_loc(&q, s, 1) == 1 && cprof__sample_loc(&q, s, 2) == NLOC - 1 &&
	      q.location.v[NLOC - 1].address == 0x1001,
	      "rc %d %s", rc, err);
	cprof__profile_free(&q);
	cprof__buf_free(&e);
}

/* cprof__profile_copy: equal to its source, independent of it, and the
 * copy's string table still interns (cprof web hands copies to reports). */
static void test_copy(void)
{
	cprof__profile a, b;
	build(&a);
	int rc = cprof__profile_copy(&b, &a);
	const char *why = rc == 0 ? diff(&a, &b) : "copy failed";
	cprof__buf ea, eb;
	cprof__buf_init(&ea, 0);
	cprof__buf_init(&eb, 0);
	cprof__profile_encode(&a, &ea);
	cprof__profile_encode(&b, &eb);
	CHECK("copy_equal", !why && ea.len == eb.len && !memcmp(ea.data, eb.data, ea.len), "%s",
	      why ? why : "encodings differ");
	size_t nstr = a.str.n, nsample = a.sample.n;
	int64_t old = cprof__profile_str(&b, "work.c");
	int64_t fresh = cprof__profile_str(&b, "only in the copy");
	uint64_t loc[] = {1};
	int64_t v[] = {1, 2};
	cprof__profile_add_sample(&b, loc, 1, v, NULL, 0);
	b.sample.v[0].nloc = 0;
	CHECK("copy_independent",
	      old > 0 && (size_t)old < nstr && !strcmp(cprof__profile_string(&a, old), "work.c") &&
		      (size_t)fresh == nstr && a.str.n == nstr && a.sample.n == nsample &&
		      a.sample.v[0].nloc != 0 && b.sample.n == nsample + 1 && !b.oom,
	      "old %" PRId64 " fresh %" PRId64 " nstr %zu/%zu", old, fresh, nstr, a.str.n);
	cprof__profile_free(&b);
	cprof__buf_free(&ea);
	cprof__buf_free(&eb);
	cprof__profile_free(&a);

	/* Wide location ids stay wide; an empty profile copies too. */
	cprof__profile_init(&a);
	cprof__profile_add_sample_type(&a, "samples", "count");
	for (uint64_t i = 0; i < 70000; i++)
		cprof__profile_add_location(&a, 0, 0x1000 + i, NULL, 0);
	uint64_t far[] = {70000, 1};
	cprof__profile_add_sample(&a, far, 2, v, NULL, 0);
	rc = cprof__profile_copy(&b, &a);
	CHECK("copy_wide", rc == 0 && b.loc_pool.wide && !diff(&a, &b) &&
	      cprof__sample_loc(&b, &b.sample.v[0], 0) == 70000, "rc %d", rc);
	cprof__profile_free(&b);
	cprof__profile_free(&a);
	cprof__profile_init(&a);
	rc = cprof__profile_copy(&b, &a);
	CHECK("copy_empty", rc == 0 && b.str.n == 1 && !strcmp(cprof__profile_string(&b, 0), ""),
	      "rc %d", rc);
	cprof__profile_free(&b);
	cprof__profile_free(&a);
}

int main(void)
{
	test_roundtrip();
	test_errors();
	test_labels();
	test_files();
	test_writers();
	test_wide_ids();
	test_copy();
	return CHECK_STATUS;
}
