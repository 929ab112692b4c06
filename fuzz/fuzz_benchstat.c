/*
 * fuzz_benchstat.c — libFuzzer target for `cprof benchstat`'s reader of
 * the Go benchmark format and everything downstream of it (projection,
 * statistics, table layout).  A line "--" splits the input into two files
 * so comparisons are exercised too.  The corpus lives in
 * tests/fixtures/benchstat/ (the .txt files) and is replayed, with mutations, by
 * tests/unit/test_benchstat.c in every test run.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *       fuzz/fuzz_benchstat.c $(find src/benchstat -name '*.c') -lm -o fuzz_benchstat
 *   mkdir -p new && ./fuzz_benchstat -max_total_time=60 new tests/fixtures/benchstat/
 *   (new inputs go to the first directory: keep them out of the fixtures)
 */
#include "compat.h"
#include "benchstat/benchstat.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	if (!null)
		null = fopen("/dev/null", "w");
	if (!null)
		return 0;
	cprof__benchstat_buffer((const char *)data, size, null, null);
	return 0;
}
