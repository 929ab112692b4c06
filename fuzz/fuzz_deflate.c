/*
 * fuzz_deflate.c — libFuzzer target for cprof's deflate (src/profio/deflate.c):
 * whatever the input, zlib's inflate must give it back, for chunked streams
 * with dictionaries as the gzip writer makes them.
 *
 *   clang -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Iinclude \
 *     fuzz/fuzz_deflate.c src/profile/{buf,deflate}.c -lz -o fuzz_deflate
 *   ./fuzz_deflate -max_total_time=300 -max_len=300000 CORPUS_DIR
 *
 * tests/unit/test_deflate.c runs the same round trip on generated data in
 * every test run.
 */
#include "compat.h"
#include "profio/deflate.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The first two bytes choose the chunk size (1 B .. 64 KiB). */
	if (size < 2)
		return 0;
	size_t chunk = 1 + (((size_t)data[0] << 8 | data[1]) & 0xffff);
	data += 2;
	size -= 2;
	cprof__deflate *d = cprof__deflate_new();
	cprof__buf out;
	cprof__buf_init(&out, 0);
	if (!d)
		abort();
	size_t off = 0;
	do {
		size_t len = size - off < chunk ? size - off : chunk;
		size_t dict = off < 32768 ? off : 32768;
		if (cprof__deflate_chunk(d, data + off - dict, dict, dict + len, off + len >= size, &out) < 0)
			abort();
		off += len;
	} while (off < size);
	unsigned char *back = malloc(size + 1);
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (!back || inflateInit2(&z, -15) != Z_OK)
		abort();
	z.next_in = out.data;
	z.avail_in = (uInt)out.len;
	z.next_out = back;
	z.avail_out = (uInt)(size + 1);
	int r = inflate(&z, Z_FINISH);
	if (r != Z_STREAM_END || z.total_out != size || z.avail_in != 0 || memcmp(back, data, size))
		abort();
	inflateEnd(&z);
	free(back);
	cprof__buf_free(&out);
	cprof__deflate_free(d);
	return 0;
}
