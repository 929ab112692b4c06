/*
 * pbwire.h — protobuf wire format, appended to a cprof__buf (src/base/buf.h):
 * varints, tags, length-delimited and packed fields, nested messages.  Like
 * every cprof__buf append, a failure (cap, allocation) latches in the buffer
 * and is checked once at the end.  Not for signal handlers: it allocates.
 */
#ifndef CPROF_PROFILE_PBWIRE_H
#define CPROF_PROFILE_PBWIRE_H

#include "compat.h"
#include "base/buf.h"

void cprof__pb_varint(cprof__buf *b, uint64_t v);
void cprof__pb_tag(cprof__buf *b, unsigned field, unsigned wiretype);
/* A varint field; omitted when v == 0 (proto3 default). */
void cprof__pb_uint(cprof__buf *b, unsigned field, uint64_t v);
void cprof__pb_int(cprof__buf *b, unsigned field, int64_t v);
void cprof__pb_bool(cprof__buf *b, unsigned field, bool v);
/* A length-delimited field (always written, even when empty). */
void cprof__pb_bytes(cprof__buf *b, unsigned field, const void *p, size_t n);
/* Packed repeated varints (omitted when n == 0). */
void cprof__pb_packed_u64(cprof__buf *b, unsigned field, const uint64_t *v, size_t n);
void cprof__pb_packed_i64(cprof__buf *b, unsigned field, const int64_t *v, size_t n);
void cprof__pb_packed_u32(cprof__buf *b, unsigned field, const uint32_t *v, size_t n);
void cprof__pb_packed_u16(cprof__buf *b, unsigned field, const uint16_t *v, size_t n);
/* Length prefix of a nested message: begin returns a mark, end patches it. */
size_t cprof__pb_begin(cprof__buf *b, unsigned field);
void cprof__pb_end(cprof__buf *b, size_t mark);

#endif
