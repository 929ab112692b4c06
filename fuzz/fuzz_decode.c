/*
 * fuzz_decode.c — libFuzzer target for the profile reader: profile.proto
 * (raw and gzipped), the legacy formats, and merging what decodes.
 *
 *   clang -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Iinclude \
 *     fuzz/fuzz_decode.c src/profile/{buf,profile,decode,legacy,merge}.c -lz -lm -o fuzz_decode
 *   ./fuzz_decode -max_total_time=300 -rss_limit_mb=2048 CORPUS_DIR
 *
 * tests/unit/test_decode_corpus.c replays tests/fixtures/profiles/corpus/
 * through the same code in every test run.
 */
#include "compat.h"
#include "profile/decode.h"
#include "profile/merge.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cprof_profile p;
	cprof_profile_init(&p);
	char err[256];
	err[0] = 0;
	int rc = cprof_profile_decode(&p, data, size, err, sizeof(err));
	if (rc < 0) {
		/* A failure always says why, on one line. */
		if (!err[0] || strchr(err, '\n'))
			__builtin_trap();
	} else {
		/* Whatever decodes must merge (with itself, scaled). */
		cprof_profile m;
		cprof_profile_init(&m);
		if (cprof_profile_merge(&m, &p, 1, err, sizeof(err)) == 0)
			cprof_profile_merge(&m, &p, -1, err, sizeof(err));
		cprof_profile_free(&m);
	}
	cprof_profile_free(&p);
	return 0;
}
