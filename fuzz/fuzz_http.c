/*
 * fuzz_http.c — libFuzzer target for src/runtime/httpreq.c, what cprof
 * parses of an HTTP request inside the profiled process (the rest is
 * libmicrohttpd's): the input is tried as a /symbol body, as a query
 * parameter and as a serving address.
 */
#include "compat.h"
#include "runtime/httpreq.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uintptr_t pcs[64];
	size_t n = cprof__http_parse_pcs((const char *)data, size, pcs, 64);
	if (n > 64)
		__builtin_trap();
	char s[256];
	size_t k = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, data, k);
	s[k] = 0;
	long v;
	(void)cprof__http_parse_long(s, &v);
	struct sockaddr_in sa;
	(void)cprof__http_parse_addr(s, &sa);
	return 0;
}
