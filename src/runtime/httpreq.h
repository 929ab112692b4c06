/*
 * httpreq.h — the parts of an HTTP request that cprof parses itself (the
 * rest is libmicrohttpd's): the address to serve on, integer parameters,
 * and the address list of pprof's /symbol protocol.  Pure functions over
 * untrusted bytes: bounded, no allocation (fuzz/fuzz_http.c).
 */
#ifndef CPROF_RUNTIME_HTTPREQ_H
#define CPROF_RUNTIME_HTTPREQ_H

#include "compat.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* "HOST:PORT", ":PORT" or "PORT" (HOST: IPv4 dotted quad or localhost;
 * default 127.0.0.1) into sa.  0, or -EINVAL. */
int cprof__http_parse_addr(const char *addr, struct sockaddr_in *sa);
/* A query parameter as Go's strconv.Atoi: the whole string a decimal
 * integer in long's range.  0 and *out set, or -EINVAL. */
int cprof__http_parse_long(const char *v, long *out);
/* pprof's symbol request: numbers (0x-prefixed hex, 0-prefixed octal or
 * decimal, as Go's strconv.ParseUint(s, 0, 64)) joined by '+', in[0..len)
 * (not NUL-terminated).  Fills pcs[0..max) with the valid ones, skips the
 * rest; returns how many. */
size_t cprof__http_parse_pcs(const char *in, size_t len, uintptr_t *pcs, size_t max);

#endif
