/* httpreq.c — see httpreq.h. */
#include "compat.h"
#include "runtime/httpreq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cprof__http_parse_addr(const char *addr, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	const char *colon = strrchr(addr, ':');
	const char *port = colon ? colon + 1 : addr;
	if (colon && colon != addr) {
		char host[64];
		size_t n = (size_t)(colon - addr);
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, addr, n);
		host[n] = 0;
		if (!strcmp(host, "localhost"))
			strcpy(host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
			return -EINVAL;
	}
	long p;
	if (cprof__http_parse_long(port, &p) != 0 || p < 0 || p > 65535)
		return -EINVAL;
	sa->sin_port = htons((uint16_t)p);
	return 0;
}

int cprof__http_parse_long(const char *v, long *out)
{
	if (!v || !*v || *v == ' ' || *v == '\t' || *v == '\n')
		return -EINVAL; /* strtol would skip leading space; Go does not */
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = n;
	return 0;
}

size_t cprof__http_parse_pcs(const char *in, size_t len, uintptr_t *pcs, size_t max)
{
	size_t n = 0;
	const char *p = in, *end = in + len;
	while (p < end && n < max) {
		char tok[24]; /* "0x" and 16 hex digits fit; longer is not a pc */
		size_t k = 0;
		bool fits = true;
		for (; p < end && *p != '+'; p++) {
			if (k < sizeof(tok) - 1)
				tok[k++] = *p;
			else
				fits = false;
		}
		tok[k] = 0;
		p++; /* the '+' (or one past the end) */
		if (!k || !fits || tok[0] == '-' || tok[0] == '+' || tok[0] == ' ')
			continue;
		char *e;
		errno = 0;
		unsigned long long v = strtoull(tok, &e, 0);
		if (!errno && !*e)
			pcs[n++] = (uintptr_t)v;
	}
	return n;
}
