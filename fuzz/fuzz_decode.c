/*
 * fuzz_decode.c — libFuzzer target for the profile reader: profile.proto
 * (raw and gzipped), the legacy formats, and merging what decodes.
 *
 *   clang -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Iinclude \
 *     '-DCPROF_DECODE_MAX=((size_t)64<<20)' \
 *     fuzz/fuzz_decode.c src/profile/{buf,profile,decode,legacy,merge}.c -lz -lm -o fuzz_decode
 * (the smaller decompression cap keeps gzip bombs under libFuzzer's RSS limit)
 *   ./fuzz_decode -max_total_time=300 -rss_limit_mb=2048 CORPUS_DIR
 *
 * tests/unit/test_decode_corpus.c replays tests/fixtures/profiles/corpus/
 * through the same code in every test run.
 */
#include "compat.h"
#include "profio/decode.h"
#include "profio/readfile.h"
#include "profio/merge.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The file reader streams regular files through its own path: run it on a
 * memfd and check it agrees with decoding in memory. */
static void check_file_reader(const uint8_t *data, size_t size, int mem_rc)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return;
	size_t off = 0;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	char path[64], err[256] = "";
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cprof__profile p;
	cprof__profile_init(&p);
	int rc = cprof__profile_read_file(&p, path, err, sizeof(err));
	if (off == size && (rc < 0) != (mem_rc < 0))
		__builtin_trap();
	if (rc < 0 && (!err[0] || strchr(err, '\n')))
		__builtin_trap();
	cprof__profile_free(&p);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cprof__profile p;
	cprof__profile_init(&p);
	char err[256];
	err[0] = 0;
	int rc = cprof__profile_decode(&p, data, size, err, sizeof(err));
	check_file_reader(data, size, rc);
	if (rc < 0) {
		/* A failure always says why, on one line. */
		if (!err[0] || strchr(err, '\n'))
			__builtin_trap();
	} else {
		/* Whatever decodes must merge (with itself, scaled). */
		cprof__profile m;
		cprof__profile_init(&m);
		if (cprof__profile_merge(&m, &p, 1, err, sizeof(err)) == 0)
			cprof__profile_merge(&m, &p, -1, err, sizeof(err));
		cprof__profile_free(&m);
	}
	cprof__profile_free(&p);
	return 0;
}
