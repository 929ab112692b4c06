#include "compat.h"
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cprof__buf_init(cprof__buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : CPROF_BUF_DEFAULT_MAX;
}

void cprof__buf_free(cprof__buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

bool cprof__buf_reserve(cprof__buf *b, size_t extra)
{
	if (b->failed)
		return false;
	if (extra > b->max - b->len) {
		b->failed = true;
		return false;
	}
	size_t need = b->len + extra;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	if (cap > b->max) /* never more than the cap: cprof__sb formats into it */
		cap = b->max;
	while (cap < need)
		cap = cap > b->max / 2 ? b->max : cap * 2;
	unsigned char *p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void cprof__buf_append(cprof__buf *b, const void *p, size_t n)
{
	if (n == 0 || !cprof__buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

int cprof__errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
