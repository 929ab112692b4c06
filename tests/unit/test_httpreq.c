/* test_httpreq.c — what cprof parses of an HTTP request
 * (src/runtime/httpreq.c): addresses, integer parameters, pprof's symbol
 * lists; and the fuzz target's seeds replayed (tests/fixtures/http). */
#include "compat.h"
#include "runtime/httpreq.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void addr(const char *in, int want_rc, const char *host, int port)
{
	struct sockaddr_in sa;
	int rc = cprof__http_parse_addr(in, &sa);
	char name[64], h[INET_ADDRSTRLEN] = "";
	snprintf(name, sizeof(name), "addr_%s", in);
	inet_ntop(AF_INET, &sa.sin_addr, h, sizeof(h));
	CHECK(name, rc == want_rc && (rc || (!strcmp(h, host) && ntohs(sa.sin_port) == port)),
	      "rc %d host %s port %d", rc, h, ntohs(sa.sin_port));
}

int main(void)
{
	addr("127.0.0.1:6060", 0, "127.0.0.1", 6060);
	addr(":0", 0, "127.0.0.1", 0);
	addr("8080", 0, "127.0.0.1", 8080);
	addr("localhost:1", 0, "127.0.0.1", 1);
	addr("0.0.0.0:80", 0, "0.0.0.0", 80);
	addr("127.0.0.1:65536", -EINVAL, NULL, 0);
	addr("127.0.0.1:-1", -EINVAL, NULL, 0);
	addr("127.0.0.1:", -EINVAL, NULL, 0);
	addr("example.com:80", -EINVAL, NULL, 0);
	addr("", -EINVAL, NULL, 0);
	addr("1.2.3.4.5:80", -EINVAL, NULL, 0);

	long v = 7;
	CHECK("long_30", (cprof__http_parse_long("30", &v)) == (0), "got %d",
	      (int)(cprof__http_parse_long("30", &v)));
	CHECK("long_30_value", ((int)v) == (30), "got %d", (int)((int)v));
	CHECK("long_-5", (cprof__http_parse_long("-5", &v)) == (0), "got %d",
	      (int)(cprof__http_parse_long("-5", &v)));
	CHECK("long_empty", (cprof__http_parse_long("", &v)) == (-EINVAL), "got %d",
	      (int)(cprof__http_parse_long("", &v)));
	CHECK("long_space", (cprof__http_parse_long(" 5", &v)) == (-EINVAL), "got %d",
	      (int)(cprof__http_parse_long(" 5", &v)));
	CHECK("long_junk", (cprof__http_parse_long("5s", &v)) == (-EINVAL), "got %d",
	      (int)(cprof__http_parse_long("5s", &v)));
	CHECK("long_overflow", cprof__http_parse_long("99999999999999999999", &v) == -EINVAL,
	      "accepted");

	uintptr_t pcs[8];
	const char *in = "0x401136+0x12+junk++017+42+0x10000000000000000+-1";
	size_t n = cprof__http_parse_pcs(in, strlen(in), pcs, 8);
	CHECK("pcs_count", ((int)n) == (4), "got %d", (int)((int)n));
	CHECK("pcs_values",
	      n == 4 && pcs[0] == 0x401136 && pcs[1] == 0x12 && pcs[2] == 017 && pcs[3] == 42,
	      "wrong values");
	CHECK("pcs_max", ((int)cprof__http_parse_pcs("1+2+3+4+5", 9, pcs, 3)) == (3), "got %d",
	      (int)((int)cprof__http_parse_pcs("1+2+3+4+5", 9, pcs, 3)));
	CHECK("pcs_not_terminated", ((int)cprof__http_parse_pcs("12+34", 4, pcs, 8)) == (2),
	      "got %d", (int)((int)cprof__http_parse_pcs("12+34", 4, pcs, 8)));
	CHECK("pcs_not_terminated_values", pcs[0] == 12 && pcs[1] == 3, "got %lu %lu",
	      (unsigned long)pcs[0], (unsigned long)pcs[1]);

	/* The fuzz seeds parse without harm. */
	const char *dir = getenv("CPROF_ROOT");
	char path[4096];
	/* (the root is a short path: f has room for it and a name) */
	snprintf(path, sizeof(path), "%s/tests/fixtures/http", dir ? dir : ".");
	DIR *d = opendir(path);
	int seen = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char f[4096 + 512], buf[4096];
		snprintf(f, sizeof(f), "%s/%s", path, e->d_name);
		FILE *fp = fopen(f, "rb");
		size_t len = fp ? fread(buf, 1, sizeof(buf), fp) : 0;
		if (fp)
			fclose(fp);
		cprof__http_parse_pcs(buf, len, pcs, 8);
		seen++;
	}
	if (d)
		closedir(d);
	CHECK("fuzz_seeds_replayed", seen >= 5, "%d seeds", seen);
	return CHECK_STATUS;
}
