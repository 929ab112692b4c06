/*
 * buf.h — a growable byte buffer with a hard cap (curl's dynbuf).  Every
 * size computation is checked; on overflow or allocation failure the buffer
 * latches an error and further appends are ignored, so callers check once
 * at the end (cprof_buf_failed).  Not for signal handlers: it allocates.
 */
#ifndef CPROF_BUF_H
#define CPROF_BUF_H

#include "compat.h"

typedef struct cprof_buf {
	unsigned char *data;
	size_t len, cap;
	size_t max;   /* hard cap on len */
	bool failed;
} cprof_buf;

#define CPROF_BUF_DEFAULT_MAX ((size_t)4 << 30)

void cprof_buf_init(cprof_buf *b, size_t max);
void cprof_buf_free(cprof_buf *b);
bool cprof_buf_reserve(cprof_buf *b, size_t extra);
void cprof_buf_append(cprof_buf *b, const void *p, size_t n);
static inline bool cprof_buf_failed(const cprof_buf *b) { return b->failed; }

/* Format a one-line error message into err[errlen] (if err) and return -1:
 * the error convention of the reader, merge and fetch layers. */
int cprof_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Protobuf wire helpers (append). */
void cprof_pb_varint(cprof_buf *b, uint64_t v);
void cprof_pb_tag(cprof_buf *b, unsigned field, unsigned wiretype);
/* A varint field; omitted when v == 0 (proto3 default). */
void cprof_pb_uint(cprof_buf *b, unsigned field, uint64_t v);
void cprof_pb_int(cprof_buf *b, unsigned field, int64_t v);
void cprof_pb_bool(cprof_buf *b, unsigned field, bool v);
/* A length-delimited field (always written, even when empty). */
void cprof_pb_bytes(cprof_buf *b, unsigned field, const void *p, size_t n);
/* Packed repeated varints (omitted when n == 0). */
void cprof_pb_packed_u64(cprof_buf *b, unsigned field, const uint64_t *v, size_t n);
void cprof_pb_packed_i64(cprof_buf *b, unsigned field, const int64_t *v, size_t n);
void cprof_pb_packed_u32(cprof_buf *b, unsigned field, const uint32_t *v, size_t n);
void cprof_pb_packed_u16(cprof_buf *b, unsigned field, const uint16_t *v, size_t n);
/* Length prefix of a nested message: begin returns a mark, end patches it. */
size_t cprof_pb_begin(cprof_buf *b, unsigned field);
void cprof_pb_end(cprof_buf *b, size_t mark);

#endif
