/*
 * sb.h — a string builder on cprof__buf (git's strbuf on curl's dynbuf): the
 * text is always NUL-terminated, its length capped (max, as cprof__buf), every
 * size checked.  On overflow, a cap reached or an allocation failure the
 * builder latches the failure and ignores further appends, so callers build
 * the whole text and check cprof__sb_failed() once.  Not for signal handlers
 * (it allocates); a builder is not shared between threads.
 *
 *     cprof__sb s = CPROF_SB_INIT;
 *     cprof__sb_printf(&s, "%s-%d", name, procs);
 *     if (!cprof__sb_failed(&s)) puts(cprof__sb_str(&s));
 *     cprof__sb_free(&s);
 */
#ifndef CPROF_BASE_SB_H
#define CPROF_BASE_SB_H

#include "compat.h"
#include "base/buf.h"

#include <stdarg.h>

typedef struct cprof__sb {
	cprof__buf b; /* b.len excludes the terminating NUL */
} cprof__sb;

/* An empty builder with the default cap (a static or automatic initialiser;
 * a zero-initialised builder, `cprof__sb s = {0}`, is the same). */
#define CPROF_SB_INIT                                            \
	{                                                        \
		{                                                \
			NULL, 0, 0, CPROF_BUF_DEFAULT_MAX, false \
		}                                                \
	}

/* An empty builder holding at most max bytes of text (0: the default cap). */
void cprof__sb_init(cprof__sb *s, size_t max);
/* Frees the text; the builder is then empty (failure latch cleared, cap
 * kept) and may be used again. */
void cprof__sb_free(cprof__sb *s);
/* Empties the text, keeping its memory and the failure latch. */
void cprof__sb_reset(cprof__sb *s);

/* Shortens the text to its first n bytes (n <= its length), or removes
 * its first n bytes; the failure latch is kept. */
void cprof__sb_truncate(cprof__sb *s, size_t n);
void cprof__sb_drop_front(cprof__sb *s, size_t n);

/* Append n bytes of t (which may hold NULs), a C string, or printf output. */
void cprof__sb_add(cprof__sb *s, const char *t, size_t n);
void cprof__sb_puts(cprof__sb *s, const char *t);
void cprof__sb_printf(cprof__sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cprof__sb_vprintf(cprof__sb *s, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* The text so far, NUL-terminated ("" when empty); valid until the next
 * append, reset or free. */
static inline const char *cprof__sb_str(const cprof__sb *s)
{
	return s->b.data ? (const char *)s->b.data : "";
}
static inline size_t cprof__sb_len(const cprof__sb *s)
{
	return s->b.len;
}
static inline bool cprof__sb_failed(const cprof__sb *s)
{
	return s->b.failed;
}
/* Mark the text as failed (a caller's own error: what it built is incomplete). */
static inline void cprof__sb_fail(cprof__sb *s)
{
	s->b.failed = true;
}

/* Hands the text to the caller (free() it) and empties the builder; NULL if
 * the builder failed (its text is freed then). */
char *cprof__sb_detach(cprof__sb *s);

#endif
