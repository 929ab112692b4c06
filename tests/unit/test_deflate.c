/* test_deflate.c — cprof's deflate (src/profio/deflate.c) judged by zlib's
 * inflate: chunked streams with dictionaries, on data of every kind. */
#include "compat.h"
#include "profio/deflate.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint64_t rng = 88172645463325252ULL;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Compress d[0, n) in chunks of `chunk` as the gzip writer does (each
 * primed with the 32 KiB before it), inflate with zlib, compare.  Returns
 * NULL or what went wrong; *clen gets the compressed size. */
static const char *roundtrip(const unsigned char *d, size_t n, size_t chunk, size_t *clen)
{
	static char why[128];
	cprof__deflate *df = cprof__deflate_new();
	cprof__buf out;
	cprof__buf_init(&out, 0);
	const char *bad = df ? NULL : "no memory";
	size_t off = 0;
	do {
		size_t len = n - off < chunk ? n - off : chunk;
		size_t dict = off < 32768 ? off : 32768;
		if (!bad && cprof__deflate_chunk(df, d + off - dict, dict, dict + len, off + len >= n,
						&out) < 0)
			bad = "cprof__deflate_chunk failed";
		off += len;
	} while (off < n && !bad);
	unsigned char *back = malloc(n + 16);
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (!bad && (!back || inflateInit2(&z, -15) != Z_OK))
		bad = "inflateInit2";
	if (!bad) {
		z.next_in = out.data;
		z.avail_in = (uInt)out.len;
		z.next_out = back;
		z.avail_out = (uInt)(n + 16);
		int r = inflate(&z, Z_FINISH);
		if (r != Z_STREAM_END || z.total_out != n || z.avail_in != 0 || memcmp(back, d, n)) {
			snprintf(why, sizeof(why), "inflate %d (%s), %lu of %zu bytes, %u left over", r,
				 z.msg ? z.msg : "", z.total_out, n, z.avail_in);
			bad = why;
		}
		inflateEnd(&z);
	}
	*clen = out.len;
	free(back);
	cprof__buf_free(&out);
	cprof__deflate_free(df);
	return bad;
}

int main(void)
{
	static const char *const kinds[] = {"random", "three_letters", "runs", "text",
					    "varints", "zeros"};
	size_t big = 3 << 20;
	unsigned char *d = malloc(big);
	if (!d)
		return 1;
	for (size_t k = 0; k < CPROF_ARRAY_LEN(kinds); k++) {
		for (int rep = 0; rep < 4; rep++) {
			size_t n = rep == 0 ? 0 : rep == 1 ? 1 + next() % 5 : rep == 2 ? next() % 100000 : big;
			for (size_t i = 0; i < n; i++) {
				switch (k) {
				case 0: d[i] = (unsigned char)next(); break;
				case 1: d[i] = (unsigned char)"abc"[next() % 3]; break;
				case 2: d[i] = (unsigned char)(i / (1 + next() % 300) % 7); break;
				case 3: d[i] = (unsigned char)"the quick brown fox jumps "[(i * 7 + i / 97) % 26]; break;
				case 4: d[i] = (unsigned char)((i % 3 == 2 ? 0 : 0x80) | (next() % 40)); break;
				default: d[i] = 0; break;
				}
			}
			/* Chunks smaller and larger than the window and the
			 * block, and one chunk for everything. */
			static const size_t chunks[] = {1, 7, 32768, 65536 + 11, 262144, (size_t)1 << 30};
			for (size_t c = 0; c < CPROF_ARRAY_LEN(chunks); c++) {
				if (chunks[c] < 1000 && n > 20000)
					continue;
				size_t clen;
				const char *why = roundtrip(d, n, chunks[c], &clen);
				char name[96];
				snprintf(name, sizeof(name), "%s_%zu_bytes_chunk_%zu", kinds[k], n, chunks[c]);
				CHECK(name, !why, "%s", why);
				/* Within 10 % of zlib's level 1.  Not "text": its
				 * drifting period suits zlib's hash chains (one
				 * probe finds 2.3x zlib's 1.5 %; profiles: below). */
				if (!why && n == big && chunks[c] >= 32768 && k != 3) {
					uLongf zlen = compressBound(n);
					unsigned char *z = malloc(zlen);
					bool ok = z && compress2(z, &zlen, d, n, 1) == Z_OK;
					strcat(name, "_ratio");
					CHECK(name, ok && clen <= zlen + zlen / 10 + 64,
					      "%zu bytes, zlib level 1 %lu", clen, (unsigned long)zlen);
					free(z);
				}
			}
		}
	}
	free(d);

	/* Real profiles (the Go fixtures, concatenated): within 3 % of zlib. */
	const char *root = getenv("CPROF_ROOT");
	static const char *const fx[] = {"go-allocs", "go-cpu", "go-heap", "go-block",
					 "go-goroutine", "go-heap-dup"};
	cprof__buf all;
	cprof__buf_init(&all, 0);
	for (size_t i = 0; root && i < CPROF_ARRAY_LEN(fx); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/tests/fixtures/profiles/%s.pb.gz", root, fx[i]);
		gzFile g = gzopen(path, "rb");
		unsigned char tmp[4096];
		int r;
		while (g && (r = gzread(g, tmp, sizeof(tmp))) > 0)
			cprof__buf_append(&all, tmp, (size_t)r);
		if (g)
			gzclose(g);
	}
	size_t clen;
	const char *why = all.len > 20000 ? roundtrip(all.data, all.len, 262144, &clen) : "no fixtures";
	uLongf zlen = compressBound(all.len);
	unsigned char *z = malloc(zlen);
	bool ok = !why && z && compress2(z, &zlen, all.data, all.len, 1) == Z_OK;
	CHECK("go_profiles_ratio", ok && clen <= zlen + zlen * 3 / 100,
	      "%s: %zu bytes, zlib level 1 %lu", why ? why : "", why ? 0 : clen, (unsigned long)zlen);
	free(z);
	cprof__buf_free(&all);
	return CHECK_STATUS;
}
