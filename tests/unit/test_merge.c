/* test_merge.c — pprof's merge rules (profile/merge.go) on small profiles. */
#include "compat.h"
#include "profio/decode.h"
#include "profio/merge.h"
#include "profile/profile.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

/* A CPU-like profile: main -> work -> leaf{1,2}; the binary loaded at base. */
static void cpu(cprof__profile *p, uint64_t base, int64_t time, int64_t period, int64_t scale)
{
	cprof__profile_init(p);
	cprof__profile_add_sample_type(p, "samples", "count");
	cprof__profile_add_sample_type(p, "cpu", "nanoseconds");
	p->period_type.type = cprof__profile_str(p, "cpu");
	p->period_type.unit = cprof__profile_str(p, "nanoseconds");
	p->period = period;
	p->time_nanos = time;
	p->duration_nanos = 1000;
	cprof__mapping m = {.start = base, .limit = base + 0x10000, .offset = 0,
			   .file = cprof__profile_str(p, "/bin/prog"),
			   .build_id = cprof__profile_str(p, "b1d")};
	uint64_t mid = cprof__profile_add_mapping(p, &m);
	uint64_t fm = cprof__profile_add_function(p, "main", "main", "m.c", 1);
	uint64_t fw = cprof__profile_add_function(p, "work", "work", "m.c", 10);
	uint64_t f1 = cprof__profile_add_function(p, "leaf1", "leaf1", "m.c", 20);
	uint64_t f2 = cprof__profile_add_function(p, "leaf2", "leaf2", "m.c", 30);
	cprof__line lm = {fm, 2, 0}, lw = {fw, 11, 0}, l1 = {f1, 21, 0}, l2 = {f2, 31, 0};
	uint64_t a = cprof__profile_add_location(p, mid, base + 0x100, &lm, 1);
	uint64_t b = cprof__profile_add_location(p, mid, base + 0x200, &lw, 1);
	uint64_t c = cprof__profile_add_location(p, mid, base + 0x300, &l1, 1);
	uint64_t d = cprof__profile_add_location(p, mid, base + 0x400, &l2, 1);
	uint64_t s1[] = {c, b, a}, s2[] = {d, b, a};
	int64_t v1[] = {2 * scale, 20 * scale}, v2[] = {3 * scale, 30 * scale};
	cprof__profile_add_sample(p, s1, 3, v1, NULL, 0);
	cprof__profile_add_sample(p, s2, 3, v2, NULL, 0);
	cprof__profile_add_sample(p, s1, 3, v1, NULL, 0); /* duplicate stack */
}

static int64_t total(const cprof__profile *p, size_t k)
{
	int64_t t = 0;
	for (size_t i = 0; i < p->sample.n; i++)
		t += cprof__sample_values(p, &p->sample.v[i])[k];
	return t;
}

static void test_basic(void)
{
	cprof__profile acc, a, b;
	cprof__profile_init(&acc);
	cpu(&a, 0x400000, 2000, 10, 1);
	cpu(&b, 0x7f0000000000, 1000, 20, 1); /* same binary, other load address */
	char err[256] = "";
	int rc = cprof__profile_merge(&acc, &a, 1, err, sizeof(err));
	CHECK("merge_first_compacts", rc == 0 && acc.sample.n == 2 && total(&acc, 1) == 70 &&
	      acc.location.n == 4 && acc.function.n == 4 && acc.mapping.n == 1,
	      "rc %d %s samples %zu total %" PRId64, rc, err, acc.sample.n, total(&acc, 1));
	rc = cprof__profile_merge(&acc, &b, 1, err, sizeof(err));
	CHECK("merge_rebased_mapping_dedups",
	      rc == 0 && acc.sample.n == 2 && acc.location.n == 4 && acc.mapping.n == 1 &&
	      acc.function.n == 4 && total(&acc, 0) == 14 && total(&acc, 1) == 140,
	      "rc %d %s samples %zu locs %zu maps %zu", rc, err, acc.sample.n, acc.location.n,
	      acc.mapping.n);
	CHECK("merge_headers", acc.period == 20 && acc.time_nanos == 1000 && acc.duration_nanos == 2000,
	      "period %" PRId64 " time %" PRId64 " dur %" PRId64, acc.period, acc.time_nanos,
	      acc.duration_nanos);
	CHECK("merge_keeps_first_load_address", acc.mapping.v[0].start == 0x400000, "start %" PRIx64,
	      acc.mapping.v[0].start);

	/* -base: subtracting a profile from itself leaves nothing, and what
	 * only the cancelled samples referenced is dropped. */
	cprof__profile x, y;
	cprof__profile_init(&x);
	cpu(&y, 0x400000, 5, 10, 1);
	cprof__profile_merge(&x, &y, 1, err, sizeof(err));
	rc = cprof__profile_merge(&x, &y, -1, err, sizeof(err));
	CHECK("base_cancels", rc == 0 && x.sample.n == 0 && x.location.n == 0 && x.function.n == 0,
	      "rc %d samples %zu locations %zu", rc, x.sample.n, x.location.n);
	cprof__profile_free(&x);

	/* Scale with rounding (pprof's Scale). */
	cprof__profile_init(&x);
	rc = cprof__profile_merge(&x, &y, 0.5, err, sizeof(err));
	CHECK("scale_rounds", rc == 0 && total(&x, 0) == 4 /* round(2)+round(1.5)=2+2 */ &&
	      total(&x, 1) == 35, "total %" PRId64 " %" PRId64, total(&x, 0), total(&x, 1));
	cprof__profile_free(&x);

	/* Time: earliest nonzero. */
	cprof__profile z;
	cpu(&z, 0x400000, 0, 10, 1);
	cprof__profile_init(&x);
	cprof__profile_merge(&x, &y, 1, err, sizeof(err));
	cprof__profile_merge(&x, &z, 1, err, sizeof(err));
	CHECK("time_earliest_nonzero", x.time_nanos == 5, "%" PRId64, x.time_nanos);
	cprof__profile_free(&x);
	cprof__profile_free(&z);

	/* Incompatible types: error, dst untouched. */
	cprof__profile h;
	cprof__profile_init(&h);
	cprof__profile_add_sample_type(&h, "objects", "count");
	cprof__profile_add_sample_type(&h, "space", "bytes");
	h.period_type = y.period_type; /* same strings? no: other table */
	h.period_type.type = cprof__profile_str(&h, "cpu");
	h.period_type.unit = cprof__profile_str(&h, "nanoseconds");
	size_t before = acc.sample.n;
	rc = cprof__profile_merge(&acc, &h, 1, err, sizeof(err));
	CHECK("incompatible_sample_types",
	      rc < 0 && strstr(err, "incompatible sample types [samples/count cpu/nanoseconds] and "
				    "[objects/count space/bytes]") && acc.sample.n == before,
	      "rc %d err '%s'", rc, err);
	h.period_type.type = cprof__profile_str(&h, "space");
	rc = cprof__profile_merge(&acc, &h, 1, err, sizeof(err));
	CHECK("incompatible_period_types", rc < 0 && strstr(err, "incompatible period types"),
	      "rc %d err '%s'", rc, err);
	cprof__profile_free(&h);
	cprof__profile_free(&y);

	cprof__profile_free(&acc);
	cprof__profile_free(&a);
	cprof__profile_free(&b);
}

/* Labels: equal label sets (in any order) merge; different ones do not. */
static void test_labels(void)
{
	cprof__profile p;
	cprof__profile_init(&p);
	cprof__profile_add_sample_type(&p, "samples", "count");
	uint64_t f = cprof__profile_add_function(&p, "f", "f", "", 0);
	cprof__line ln = {f, 1, 0};
	uint64_t l = cprof__profile_add_location(&p, 0, 0x10, &ln, 1);
	int64_t k1 = cprof__profile_str(&p, "k1"), k2 = cprof__profile_str(&p, "k2");
	int64_t va = cprof__profile_str(&p, "a"), vb = cprof__profile_str(&p, "b");
	cprof__label x[] = {{k1, va, 0, 0}, {k2, vb, 0, 0}};
	cprof__label y[] = {{k2, vb, 0, 0}, {k1, va, 0, 0}};
	cprof__label z[] = {{k1, vb, 0, 0}};
	int64_t one = 1;
	cprof__profile_add_sample(&p, &l, 1, &one, x, 2);
	cprof__profile_add_sample(&p, &l, 1, &one, y, 2);
	cprof__profile_add_sample(&p, &l, 1, &one, z, 1);
	cprof__profile_add_sample(&p, &l, 1, &one, NULL, 0);
	char err[256];
	int rc = cprof__profile_compact(&p, err, sizeof(err));
	CHECK("labels_merge_by_set", rc == 0 && p.sample.n == 3 && total(&p, 0) == 4,
	      "rc %d samples %zu", rc, p.sample.n);
	cprof__profile_free(&p);
}

/* Merge output survives encode/decode and merging is order-independent in
 * totals. */
static void test_roundtrip(void)
{
	cprof__profile a, b, acc;
	cpu(&a, 0x400000, 1, 10, 1);
	cpu(&b, 0x500000, 2, 10, 3);
	cprof__profile_init(&acc);
	char err[256];
	cprof__profile_merge(&acc, &a, 1, err, sizeof(err));
	cprof__profile_merge(&acc, &b, 1, err, sizeof(err));
	cprof__buf raw;
	cprof__buf_init(&raw, 0);
	cprof__profile_encode(&acc, &raw);
	cprof__profile d;
	cprof__profile_init(&d);
	int rc = cprof__profile_decode(&d, raw.data, raw.len, err, sizeof(err));
	CHECK("merged_profile_decodes", rc == 0 && d.sample.n == acc.sample.n &&
	      total(&d, 1) == total(&acc, 1) && total(&d, 1) == 70 * 4, "rc %d %s", rc, err);
	cprof__buf_free(&raw);
	cprof__profile_free(&d);
	cprof__profile_free(&acc);
	cprof__profile_free(&a);
	cprof__profile_free(&b);
}

/* Built (not decoded) profiles with bad references are refused, not
 * followed. */
static void test_invalid(void)
{
	cprof__profile p, acc;
	cpu(&p, 0x400000, 1, 10, 1);
	cprof__locpool_set(&p.loc_pool, 0, 99); /* no such location */
	cprof__profile_init(&acc);
	char err[256] = "";
	int rc = cprof__profile_merge(&acc, &p, 1, err, sizeof(err));
	CHECK("invalid_location_refused", rc < 0 && strstr(err, "unknown location"), "rc %d '%s'",
	      rc, err);
	cprof__locpool_set(&p.loc_pool, 0, 1);
	p.line_pool.v[0].function_id = 0;
	rc = cprof__profile_compact(&p, err, sizeof(err));
	CHECK("invalid_function_refused", rc < 0 && strstr(err, "unknown function"), "rc %d '%s'",
	      rc, err);
	cprof__profile_free(&p);
	cprof__profile_free(&acc);
}

/* Merging into an earlier merge's result works in place; it must give what
 * rebuilding gives (dst with a duplicate sample forces the rebuild). */
static void test_in_place(void)
{
	cprof__profile a, b, x, y;
	cpu(&a, 0x400000, 7, 10, 1);
	cpu(&b, 0x500000, 3, 10, 2);
	cprof__profile_init(&y);
	char err[256];
	cprof__profile_merge(&y, &a, 1, err, sizeof(err)); /* compact copy of a */
	int r1 = cprof__profile_merge(&y, &b, 1, err, sizeof(err)); /* in place */
	cpu(&x, 0x400000, 7, 10, 1);
	int r2 = cprof__profile_merge(&x, &b, 1, err, sizeof(err)); /* rebuild */
	cprof__buf ex, ey;
	cprof__buf_init(&ex, 0);
	cprof__buf_init(&ey, 0);
	cprof__profile_encode(&x, &ex);
	cprof__profile_encode(&y, &ey);
	CHECK("in_place_equals_rebuild", r1 == 0 && r2 == 0 && ex.len == ey.len &&
	      !memcmp(ex.data, ey.data, ex.len) && total(&y, 1) == 70 * 3,
	      "rc %d %d, %zu vs %zu bytes", r1, r2, ex.len, ey.len);
	/* In place, then cancelled: compacted away. */
	int r3 = cprof__profile_merge(&y, &b, -1, err, sizeof(err));
	r3 |= cprof__profile_merge(&y, &a, -1, err, sizeof(err));
	CHECK("in_place_cancel", r3 == 0 && y.sample.n == 0 && y.location.n == 0, "rc %d samples %zu",
	      r3, y.sample.n);
	/* dst compact but for an entity no sample references (which pprof's
	 * merge drops): not merged in place, the same result as compacting
	 * it first (cprof merge relies on that). */
	cprof__profile_free(&y);
	cprof__profile_free(&x);
	cprof__profile_init(&y);
	cprof__profile_init(&x);
	cprof__profile_merge(&y, &a, 1, err, sizeof(err));
	cprof__profile_merge(&x, &a, 1, err, sizeof(err));
	uint64_t fu = cprof__profile_add_function(&y, "unused", "unused", "u.c", 1);
	cprof__line lu = {fu, 2, 0};
	cprof__profile_add_location(&y, 1, 0x400999, &lu, 1);
	r1 = cprof__profile_merge(&y, &b, 1, err, sizeof(err));
	r2 = cprof__profile_merge(&x, &b, 1, err, sizeof(err));
	ex.len = ey.len = 0;
	cprof__profile_encode(&x, &ex);
	cprof__profile_encode(&y, &ey);
	CHECK("unreferenced_in_dst_dropped", r1 == 0 && r2 == 0 && y.function.n == 4 &&
	      ex.len == ey.len && !memcmp(ex.data, ey.data, ex.len),
	      "rc %d %d, %zu functions, %zu vs %zu bytes", r1, r2, y.function.n, ex.len, ey.len);
	cprof__buf_free(&ex);
	cprof__buf_free(&ey);
	cprof__profile_free(&a);
	cprof__profile_free(&b);
	cprof__profile_free(&x);
	cprof__profile_free(&y);
}

int main(void)
{
	test_in_place();
	test_invalid();
	test_basic();
	test_labels();
	test_roundtrip();
	return CHECK_STATUS;
}
