/*
 * pbwire.h — protobuf wire format, appended to a cprof_buf (src/base/buf.h):
 * varints, tags, length-delimited and packed fields, nested messages.  Like
 * every cprof_buf append, a failure (cap, allocation) latches in the buffer
 * and is checked once at the end.  Not for signal handlers: it allocates.
 */
#ifndef CPROF_PROFILE_PBWIRE_H
#define CPROF_PROFILE_PBWIRE_H

#include "compat.h"
#include "base/buf.h"

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
