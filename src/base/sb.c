#include "compat.h"
#include "base/sb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cprof__sb_init(cprof__sb *s, size_t max)
{
	cprof__buf_init(&s->b, max);
}

void cprof__sb_free(cprof__sb *s)
{
	size_t max = s->b.max;
	cprof__buf_free(&s->b);
	cprof__buf_init(&s->b, max);
}

void cprof__sb_reset(cprof__sb *s)
{
	s->b.len = 0;
	if (s->b.data)
		s->b.data[0] = 0;
}

void cprof__sb_truncate(cprof__sb *s, size_t n)
{
	if (n < s->b.len) {
		s->b.len = n;
		s->b.data[n] = 0;
	}
}

void cprof__sb_drop_front(cprof__sb *s, size_t n)
{
	if (n > s->b.len)
		n = s->b.len;
	if (!n)
		return;
	memmove(s->b.data, s->b.data + n, s->b.len - n + 1);
	s->b.len -= n;
}

/* Room for n more bytes and the NUL after them.  The NUL is not counted in
 * len, but it needs its byte: the cap applies to len + 1. */
static bool sb_room(cprof__sb *s, size_t n)
{
	if (!s->b.max) /* a zero-initialised builder */
		s->b.max = CPROF_BUF_DEFAULT_MAX;
	if (n == SIZE_MAX) {
		s->b.failed = true;
		return false;
	}
	return cprof__buf_reserve(&s->b, n + 1);
}

void cprof__sb_add(cprof__sb *s, const char *t, size_t n)
{
	if (!sb_room(s, n))
		return;
	memcpy(s->b.data + s->b.len, t, n);
	s->b.len += n;
	s->b.data[s->b.len] = 0;
}

void cprof__sb_puts(cprof__sb *s, const char *t)
{
	cprof__sb_add(s, t, strlen(t));
}

void cprof__sb_vprintf(cprof__sb *s, const char *fmt, va_list ap)
{
	if (s->b.failed)
		return;
	/* Format into what is already reserved; grow once and format again
	 * only when it did not fit. */
	va_list aq;
	va_copy(aq, ap);
	size_t room = s->b.cap > s->b.len ? s->b.cap - s->b.len : 0;
	int n = vsnprintf(room ? (char *)s->b.data + s->b.len : NULL, room, fmt, aq);
	va_end(aq);
	if (n < 0) { /* an encoding error: nothing sensible to append */
		s->b.failed = true;
		if (room)
			s->b.data[s->b.len] = 0;
		return;
	}
	if ((size_t)n >= room) {
		if (!sb_room(s, (size_t)n)) {
			if (s->b.data)
				s->b.data[s->b.len] = 0;
			return;
		}
		vsnprintf((char *)s->b.data + s->b.len, (size_t)n + 1, fmt, ap);
	}
	s->b.len += (size_t)n;
}

void cprof__sb_printf(cprof__sb *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cprof__sb_vprintf(s, fmt, ap);
	va_end(ap);
}

char *cprof__sb_detach(cprof__sb *s)
{
	char *p = NULL;
	if (!s->b.failed) {
		if (!s->b.data)
			cprof__sb_add(s, "", 0);
		p = (char *)s->b.data;
		if (s->b.failed)
			p = NULL;
		else
			s->b.data = NULL;
	}
	cprof__sb_free(s);
	return p;
}
