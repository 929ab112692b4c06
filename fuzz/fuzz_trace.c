/*
 * fuzz_trace.c — libFuzzer target for `cprof trace`'s reader: the bounded
 * JSON parser (src/profio/json.c) and the summary built on it
 * (src/report/tracesum.c).  The corpus lives in tests/fixtures/trace/ and is
 * replayed, with deterministic mutations, by tests/unit/test_trace.c in
 * every test run.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc \
 *       fuzz/fuzz_trace.c src/profio/json.c src/report/tracesum.c \
 *       src/base/buf.c -lm -o fuzz_trace
 *   mkdir -p new && ./fuzz_trace -max_total_time=60 new tests/fixtures/trace/
 */
#include "compat.h"
#include "profio/json.h"
#include "report/tracesum.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	if (!null)
		null = fopen("/dev/null", "w");
	char *buf = malloc(size ? size : 1);
	if (!null || !buf) {
		free(buf);
		return 0;
	}
	memcpy(buf, data, size);
	char err[256];
	cprof__json *j = cprof__json_parse(buf, size, err, sizeof(err));
	if (j) {
		cprof__trace_summary(j, 5, null, err, sizeof(err));
		cprof__json_free(j);
	} else if (!err[0] || strchr(err, '\n')) {
		abort(); /* every refusal says why, on one line */
	}
	free(buf);
	return 0;
}
