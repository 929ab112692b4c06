/*
 * sb.h — the string builder, UTF-8 rune count and string hash that the
 * files of src/benchstat/ share, kept in this one header (static inline:
 * nothing here is a linker symbol).
 *
 * struct sb grows with realloc, by doubling, without a size cap; a failed
 * allocation sets oom and turns every later call into a no-op, so callers
 * check oom once at the end.  Not thread-safe per builder.
 */
#ifndef CPROF_BENCHSTAT_SB_H
#define CPROF_BENCHSTAT_SB_H

#include "compat.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

static inline void sb_add(struct sb *s, const char *t, size_t n)
{
	if (s->oom)
		return;
	if (s->len + n + 1 > s->cap) {
		size_t c = s->cap ? s->cap : 64;
		while (c < s->len + n + 1)
			c *= 2;
		char *p = realloc(s->p, c);
		if (!p) {
			s->oom = true;
			return;
		}
		s->p = p;
		s->cap = c;
	}
	memcpy(s->p + s->len, t, n);
	s->len += n;
	s->p[s->len] = 0;
}

static inline void sb_puts(struct sb *s, const char *t)
{
	sb_add(s, t, strlen(t));
}

static inline void sb_printf(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void sb_printf(struct sb *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof buf) {
		sb_add(s, buf, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		s->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_add(s, big, (size_t)n);
	free(big);
}

static inline const char *sb_str(const struct sb *s)
{
	return s->p ? s->p : "";
}

/* UTF-8 code points in s (continuation bytes are not counted): the text
 * layout's column widths. */
static inline size_t runes(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* 64-bit FNV-1a of s: the interning tables' hash. */
static inline uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

#endif
