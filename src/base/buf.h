/*
 * buf.h — a growable byte buffer with a hard cap (curl's dynbuf).  Every
 * size computation is checked; on overflow or allocation failure the buffer
 * latches an error and further appends are ignored, so callers check once
 * at the end (cprof__buf_failed).  Not for signal handlers: it allocates.
 */
#ifndef CPROF_BASE_BUF_H
#define CPROF_BASE_BUF_H

#include "compat.h"

typedef struct cprof__buf {
	unsigned char *data;
	size_t len, cap;
	size_t max; /* hard cap on len */
	bool failed;
} cprof__buf;

#define CPROF_BUF_DEFAULT_MAX ((size_t)4 << 30)

void cprof__buf_init(cprof__buf *b, size_t max);
void cprof__buf_free(cprof__buf *b);
bool cprof__buf_reserve(cprof__buf *b, size_t extra);
void cprof__buf_append(cprof__buf *b, const void *p, size_t n);
static inline bool cprof__buf_failed(const cprof__buf *b)
{
	return b->failed;
}

/* Format a one-line error message into err[errlen] (if err) and return -1:
 * the error convention of the reader, merge and fetch layers. */
int cprof__errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
