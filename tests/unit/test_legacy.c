/* test_legacy.c — legacy formats through cprof__profile_decode: gperftools
 * CPU profiles in every word size/endianness, heap text, jemalloc heap_v2,
 * Go count text, memory maps, and their malformed variants. */
#include "compat.h"
#include "profio/decode.h"
#include "profile/profile.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int decode(cprof__profile *p, const void *d, size_t n, char *err, size_t errlen)
{
	cprof__profile_init(p);
	return cprof__profile_decode(p, d, n, err, errlen);
}

static const char *str(const cprof__profile *p, int64_t i)
{
	return cprof__profile_string(p, i);
}

/* ---- gperftools CPU ---- */

static void put(cprof__buf *b, unsigned size, bool big, uint64_t v)
{
	unsigned char w[8];
	for (unsigned i = 0; i < size; i++)
		w[big ? size - 1 - i : i] = (unsigned char)(v >> (8 * i));
	cprof__buf_append(b, w, size);
}

static const char maps_text[] =
	"00400000-00401000 r--p 00000000 08:01 1234       /bin/prog\n"
	"00401000-00480000 r-xp 00001000 08:01 1234       /bin/prog\n"
	"7f0000000000-7f0000100000 r-xp 00000000 08:01 99 /lib/libc.so.6\n"
	"7f0000100000-7f0000200000 rw-p 00100000 08:01 99 /lib/libc.so.6\n";

static void cpu_profile(cprof__buf *b, unsigned size, bool big, bool handler_frame)
{
	cprof__buf_init(b, 0);
	uint64_t hdr[] = {0, 3, 0, 10000 /* us */, 0};
	for (int i = 0; i < 5; i++)
		put(b, size, big, hdr[i]);
	/* 40 samples; with handler_frame each has the same second frame
	 * 0x7f0000000500 (pushed by the signal handler). */
	for (int i = 0; i < 40; i++) {
		uint64_t leaf = 0x401100 + (uint64_t)(i % 4) * 0x10;
		uint64_t st[] = {leaf, 0x7f0000000500, 0x401201 + (uint64_t)(i % 2) * 0x10, 0x401301};
		size_t n = 4;
		uint64_t *s = st;
		if (!handler_frame) {
			st[1] = leaf + 0; /* duplicated leaf: raw address == leaf */
		}
		put(b, size, big, 1 + (uint64_t)(i % 2));
		put(b, size, big, n);
		for (size_t k = 0; k < n; k++)
			put(b, size, big, s[k]);
	}
	put(b, size, big, 0);
	put(b, size, big, 1);
	put(b, size, big, 0);
	cprof__buf_append(b, maps_text, strlen(maps_text));
}

static void test_cpu(void)
{
	static const struct { unsigned size; bool big; const char *name; } f[] = {
		{4, false, "cpu_32le"}, {4, true, "cpu_32be"}, {8, false, "cpu_64le"}, {8, true, "cpu_64be"}};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(f); i++) {
		cprof__buf b;
		cpu_profile(&b, f[i].size, f[i].big, true);
		cprof__profile p;
		char err[256] = "";
		int rc = decode(&p, b.data, b.len, err, sizeof(err));
		int64_t count = 0, ns = 0;
		bool depth3 = rc == 0;
		for (size_t k = 0; rc == 0 && k < p.sample.n; k++) {
			count += cprof__sample_values(&p, &p.sample.v[k])[0];
			ns += cprof__sample_values(&p, &p.sample.v[k])[1];
			depth3 &= p.sample.v[k].nloc == 3;
		}
		CHECK(f[i].name,
		      rc == 0 && p.sample_type.n == 2 && !strcmp(str(&p, p.sample_type.v[1].type), "cpu") &&
		      p.period == 10000000 && count == 60 && ns == 600000000 && depth3 &&
		      strstr(str(&p, p.drop_frames), "ProfileData::Add"),
		      "rc %d '%s' samples %zu count %" PRId64 " depth3 %d", rc, err, p.sample.n, count,
		      depth3);
		if (f[i].size == 8 && !f[i].big) {
			/* Mappings: /bin/prog merged (r-- skipped), first; libc second;
			 * non-leaf addresses moved back onto the call. */
			const cprof__location *l0 = &p.location.v[0];
			CHECK("cpu_mappings", p.mapping.n == 2 &&
			      !strcmp(str(&p, p.mapping.v[0].file), "/bin/prog") &&
			      /* pprof: start - offset == 0x400000 -> start 0x400000, offset 0 */
			      p.mapping.v[0].start == 0x400000 && p.mapping.v[0].offset == 0 &&
			      !strcmp(str(&p, p.mapping.v[1].file), "/lib/libc.so.6") &&
			      l0->address == 0x401100 && l0->mapping_id == 1 &&
			      p.location.v[cprof__sample_loc(&p, &p.sample.v[0], 1) - 1].address == 0x401200,
			      "maps %zu first '%s' start %" PRIx64 " l0 %" PRIx64, p.mapping.n,
			      str(&p, p.mapping.v[0].file), p.mapping.v[0].start, l0->address);
		}
		cprof__profile_free(&p);
		cprof__buf_free(&b);
	}
	/* Duplicated leaf is removed. */
	cprof__buf b;
	cpu_profile(&b, 8, false, false);
	cprof__profile p;
	char err[256] = "";
	int rc = decode(&p, b.data, b.len, err, sizeof(err));
	CHECK("cpu_duplicate_leaf", rc == 0 && p.sample.v[0].nloc == 3, "rc %d nloc %u", rc,
	      rc == 0 ? p.sample.v[0].nloc : 0);
	cprof__profile_free(&p);
	/* Truncated: a stack deeper than the data is not a CPU profile. */
	b.len = 5 * 8 + 8 * 3;
	rc = decode(&p, b.data, b.len, err, sizeof(err));
	CHECK("cpu_truncated", rc < 0 && strstr(err, "unrecognized"), "rc %d '%s'", rc, err);
	cprof__profile_free(&p);
	cprof__buf_free(&b);
}

/* ---- heap text ---- */

static void test_heap(void)
{
	static const char heap[] =
		"heap profile:    3:   300 [    5:   500] @ heap_v2/524288\n"
		"     2:   200 [     3:   300] @ 0x401101 0x401201\n"
		"     1:   100 [     2:   200] @ 0x401301 0x401201\n"
		"\n"
		"MAPPED_LIBRARIES:\n"
		"00400000-00480000 r-xp 00000000 08:01 1234       /bin/prog\n";
	cprof__profile p;
	char err[256] = "";
	int rc = decode(&p, heap, sizeof(heap) - 1, err, sizeof(err));
	/* pprof's scaleHeapSample: count * 1/(1-exp(-avg/rate)). */
	double sc = 1 / (1 - exp(-100.0 / 524288));
	int64_t want_inuse = (int64_t)(2 * sc), want_alloc = (int64_t)(3 * sc);
	const int64_t *v = rc == 0 ? cprof__sample_values(&p, &p.sample.v[0]) : NULL;
	const cprof__label *l = rc == 0 ? cprof__sample_labels(&p, &p.sample.v[0]) : NULL;
	CHECK("heap_v2", rc == 0 && p.sample_type.n == 4 &&
	      !strcmp(str(&p, p.sample_type.v[0].type), "alloc_objects") &&
	      !strcmp(str(&p, p.sample_type.v[3].type), "inuse_space") && v[0] == want_alloc &&
	      v[2] == want_inuse && p.sample.v[0].nlabel == 1 && l[0].num == 100 &&
	      !strcmp(str(&p, l[0].key), "bytes") && p.period == 524288 &&
	      p.location.v[0].address == 0x401100 && p.mapping.n == 1 &&
	      strstr(str(&p, p.drop_frames), "malloc"),
	      "rc %d '%s' v %" PRId64 " %" PRId64 " want %" PRId64 " %" PRId64, rc, err,
	      v ? v[0] : 0, v ? v[2] : 0, want_alloc, want_inuse);
	cprof__profile_free(&p);

	static const char hp[] = "heap profile:    1:   64 [    1:   64] @ heapprofile\n"
				 "     1:    64 [     1:    64] @ 0x10 0x20\n";
	rc = decode(&p, hp, sizeof(hp) - 1, err, sizeof(err));
	v = rc == 0 ? cprof__sample_values(&p, &p.sample.v[0]) : NULL;
	CHECK("heapprofile_unscaled", rc == 0 && p.sample_type.n == 2 &&
	      !strcmp(str(&p, p.sample_type.v[0].type), "objects") && v[0] == 1 && v[1] == 64 &&
	      p.mapping.n == 1 && p.mapping.v[0].limit == UINT64_MAX /* fake */,
	      "rc %d '%s'", rc, err);
	cprof__profile_free(&p);

	static const char bad[] = "heap profile:    1:   64 [    1:   64] @ heapprofile\n"
				  "     1:    64 [     1:    64] 0x10\n";
	rc = decode(&p, bad, sizeof(bad) - 1, err, sizeof(err));
	CHECK("heap_malformed_line", rc < 0 && strstr(err, "line 2"), "rc %d '%s'", rc, err);
	cprof__profile_free(&p);

	static const char zero[] = "heap profile: 1: 64 [ 1: 64] @ heapprofile\n"
				   "     0:    64 [     1:    64] @ 0x10\n";
	rc = decode(&p, zero, sizeof(zero) - 1, err, sizeof(err));
	CHECK("heap_zero_count_nonzero_bytes", rc < 0 && strstr(err, "count was 0"), "rc %d '%s'", rc, err);
	cprof__profile_free(&p);
}

/* ---- jemalloc ---- */

static void test_jemalloc(void)
{
	static const char je[] =
		"heap_v2/524288\n"
		"  t*: 3: 3072 [0: 0]\n"
		"  t0: 2: 2048 [0: 0]\n"
		"  t1: 1: 1024 [0: 0]\n"
		"@ 0x401100 0x401201 0x401301\n"
		"  t*: 2: 2048 [0: 0]\n"
		"  t0: 1: 1024 [0: 0]\n"
		"  t1: 1: 1024 [0: 0]\n"
		"@ 0x401400 0x401201\n"
		"  t*: 1: 1024 [0: 0]\n"
		"  t0: 1: 1024 [0: 0]\n"
		"\n"
		"MAPPED_LIBRARIES:\n"
		"00400000-00480000 r-xp 00000000 08:01 1234       /bin/prog\n";
	cprof__profile p;
	char err[256] = "";
	int rc = decode(&p, je, sizeof(je) - 1, err, sizeof(err));
	double sc = 1 / (1 - exp(-1024.0 / 524288));
	const int64_t *v = rc == 0 ? cprof__sample_values(&p, &p.sample.v[0]) : NULL;
	CHECK("jemalloc_heap_v2", rc == 0 && p.sample.n == 2 && p.sample_type.n == 2 &&
	      !strcmp(str(&p, p.sample_type.v[1].type), "space") && v[0] == (int64_t)(2 * sc) &&
	      v[1] == (int64_t)(2048 * sc) &&
	      /* jeprof: the leaf is kept, callers move back onto the call */
	      p.location.v[cprof__sample_loc(&p, &p.sample.v[0], 0) - 1].address == 0x401100 &&
	      p.location.v[cprof__sample_loc(&p, &p.sample.v[0], 1) - 1].address == 0x401200 && p.mapping.n == 1,
	      "rc %d '%s' samples %zu", rc, err, p.sample.n);
	cprof__profile_free(&p);

	static const char acc[] = "heap_v2/1\n"
				  "  t*: 1: 16 [4: 64]\n"
				  "@ 0x10\n"
				  "  t*: 1: 16 [4: 64]\n";
	rc = decode(&p, acc, sizeof(acc) - 1, err, sizeof(err));
	v = rc == 0 ? cprof__sample_values(&p, &p.sample.v[0]) : NULL;
	CHECK("jemalloc_prof_accum", rc == 0 && p.sample_type.n == 4 && v[0] == 4 && v[1] == 64 &&
	      v[2] == 1 && v[3] == 16, "rc %d '%s'", rc, err);
	cprof__profile_free(&p);

	static const char bad[] = "heap_v2/1\n@ 0x10\n  t*: 1: 16 [4: 64]\n  bogus\n";
	rc = decode(&p, bad, sizeof(bad) - 1, err, sizeof(err));
	CHECK("jemalloc_malformed", rc < 0 && strstr(err, "line 4"), "rc %d '%s'", rc, err);
	cprof__profile_free(&p);
}

/* ---- Go count profiles ---- */

static void test_go_count(void)
{
	static const char g[] = "goroutine profile: total 4\n"
				"3 @ 0x437816 0x45e415 0x461381\n"
				"#\t0x45e414\ttime.Sleep+0x134\t/x/time.go:195\n"
				"\n"
				"1 @ 0x437816 0x461381\n";
	cprof__profile p;
	char err[256] = "";
	int rc = decode(&p, g, sizeof(g) - 1, err, sizeof(err));
	CHECK("go_goroutine_text", rc == 0 && p.sample.n == 2 &&
	      !strcmp(str(&p, p.sample_type.v[0].type), "goroutine") &&
	      cprof__sample_values(&p, &p.sample.v[0])[0] == 3 && p.location.v[0].address == 0x437815,
	      "rc %d '%s'", rc, err);
	cprof__profile_free(&p);
}

/* ---- contention (Go block/mutex debug=1) ---- */

static void test_contention(void)
{
	static const char m[] = "--- mutex:\n"
				"cycles/second=2000000000\n"
				"sampling period=5\n"
				"4000 3 @ 0x401101 0x401201\n"
				"#\t0x401100\tsync.(*Mutex).Unlock+0x1\n";
	cprof__profile p;
	char err[256] = "";
	int rc = decode(&p, m, sizeof(m) - 1, err, sizeof(err));
	const int64_t *v = rc == 0 && p.sample.n ? cprof__sample_values(&p, &p.sample.v[0]) : NULL;
	/* delay = cycles * period / GHz = 4000 * 5 / 2 ns; count = 3 * period */
	CHECK("go_mutex_text", rc == 0 && p.sample.n == 1 &&
	      !strcmp(str(&p, p.sample_type.v[1].type), "delay") && v[0] == 15 && v[1] == 10000 &&
	      p.period == 5 && strstr(str(&p, p.drop_frames), "SpinLock"),
	      "rc %d '%s'", rc, err);
	cprof__profile_free(&p);
	static const char bad[] = "--- contention:\nformat=x\n";
	rc = decode(&p, bad, sizeof(bad) - 1, err, sizeof(err));
	CHECK("contention_unknown_attr", rc < 0 && strstr(err, "unrecognized"), "rc %d '%s'", rc, err);
	cprof__profile_free(&p);
}

/* ---- memory map line forms ---- */

static void test_maps(void)
{
	static const char hp[] = "heap profile: 1: 64 [ 1: 64] @ heapprofile\n"
				 "     1:    64 [     1:    64] @ 0x1001 0x2001 0x3001\n"
				 "--- Memory map: ---\n"
				 "0x1000-0x1800 /bin/a (@200) abcdef0123\n"
				 "2000-3000 r-xp /lib/b.so\n"
				 "3000 4000 c\n";
	cprof__profile p;
	char err[256] = "";
	int rc = decode(&p, hp, sizeof(hp) - 1, err, sizeof(err));
	CHECK("brief_maps", rc == 0 && p.mapping.n == 3 &&
	      !strcmp(str(&p, p.mapping.v[0].file), "/bin/a") && p.mapping.v[0].offset == 0x200 &&
	      !strcmp(str(&p, p.mapping.v[0].build_id), "abcdef0123") &&
	      !strcmp(str(&p, p.mapping.v[1].file), "/lib/b.so") && p.location.v[1].mapping_id == 2,
	      "rc %d '%s' maps %zu", rc, err, p.mapping.n);
	cprof__profile_free(&p);
}

int main(void)
{
	test_cpu();
	test_heap();
	test_jemalloc();
	test_go_count();
	test_contention();
	test_maps();
	return CHECK_STATUS;
}
