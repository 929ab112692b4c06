/*
 * duration.h — Go's time.Duration.String(), for the reports (raw.c: the
 * Duration line) and the benchmark harness (bench.c: -benchtime, -timeout),
 * which must print durations exactly as Go does.  Header-only, part of the
 * libc-only base layer (docs/ARCHITECTURE.md, dependency rules).
 */
#ifndef CPROF_BASE_DURATION_H
#define CPROF_BASE_DURATION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ".ddd" of f, prec digits, trailing zeros dropped ("" when f is 0): Go's
 * fmtFrac. */
static inline void cprof__go_frac(char *frac, size_t size, uint64_t f, int prec)
{
	frac[0] = 0;
	if (!f)
		return;
	snprintf(frac, size, ".%0*llu", prec, (unsigned long long)f);
	size_t l = strlen(frac);
	while (l > 1 && frac[l - 1] == '0')
		frac[--l] = 0;
}

/* d nanoseconds as Go prints a time.Duration: "0s", "750ns", "1.5µs",
 * "12.25ms", "3.5s", "2m0.5s", "1h2m3s". */
static inline void cprof__go_duration(char *buf, size_t size, int64_t d)
{
	uint64_t u = d < 0 ? (uint64_t)(-(d + 1)) + 1 : (uint64_t)d;
	const char *sign = d < 0 ? "-" : "";
	char frac[16];
	if (u == 0) {
		snprintf(buf, size, "0s");
		return;
	}
	if (u < 1000) {
		snprintf(buf, size, "%s%lluns", sign, (unsigned long long)u);
		return;
	}
	if (u < 1000000000) {
		/* µs or ms with a fraction */
		bool us = u < 1000000;
		uint64_t div = us ? 1000 : 1000000;
		cprof__go_frac(frac, sizeof(frac), u % div, us ? 3 : 6);
		snprintf(buf, size, "%s%llu%s%s", sign, (unsigned long long)(u / div), frac,
			 us ? "\xc2\xb5s" : "ms");
		return;
	}
	uint64_t secs = u / 1000000000;
	cprof__go_frac(frac, sizeof(frac), u % 1000000000, 9);
	uint64_t h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
	if (h)
		snprintf(buf, size, "%s%lluh%llum%llu%ss", sign, (unsigned long long)h,
			 (unsigned long long)m, (unsigned long long)s, frac);
	else if (m)
		snprintf(buf, size, "%s%llum%llu%ss", sign, (unsigned long long)m,
			 (unsigned long long)s, frac);
	else
		snprintf(buf, size, "%s%llu%ss", sign, (unsigned long long)s, frac);
}

#endif
