#include "compat.h"
#include "profile/pbwire.h"

static inline size_t varint_len(uint64_t v)
{
	/* 1 + floor(log2(v)) / 7, branch-free. */
	return 1 + (size_t)(63 - __builtin_clzll(v | 1)) / 7;
}

/* Writes v at d (room for 10 bytes); returns the bytes written.  Location
 * ids and small values take the first two branches. */
static inline size_t put_varint(unsigned char *d, uint64_t v)
{
	if (v < 0x80) {
		d[0] = (unsigned char)v;
		return 1;
	}
	if (v < 0x4000) {
		d[0] = (unsigned char)(v | 0x80);
		d[1] = (unsigned char)(v >> 7);
		return 2;
	}
	size_t n = 0;
	while (v > 0x7f) {
		d[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	d[n++] = (unsigned char)v;
	return n;
}

void cprof__pb_varint(cprof__buf *b, uint64_t v)
{
	if (!cprof__buf_reserve(b, 10))
		return;
	b->len += put_varint(b->data + b->len, v);
}

void cprof__pb_tag(cprof__buf *b, unsigned field, unsigned wiretype)
{
	cprof__pb_varint(b, ((uint64_t)field << 3) | wiretype);
}

void cprof__pb_uint(cprof__buf *b, unsigned field, uint64_t v)
{
	if (!v)
		return;
	cprof__pb_tag(b, field, 0);
	cprof__pb_varint(b, v);
}

void cprof__pb_int(cprof__buf *b, unsigned field, int64_t v)
{
	cprof__pb_uint(b, field, (uint64_t)v);
}

void cprof__pb_bool(cprof__buf *b, unsigned field, bool v)
{
	cprof__pb_uint(b, field, v ? 1 : 0);
}

void cprof__pb_bytes(cprof__buf *b, unsigned field, const void *p, size_t n)
{
	cprof__pb_tag(b, field, 2);
	cprof__pb_varint(b, n);
	cprof__buf_append(b, p, n);
}

/* Packed varints: one reservation, then plain stores (the encoder's
 * hottest loop: a big profile is mostly sample location ids). */
#define PACKED(b, field, v, n)                                      \
	do {                                                        \
		if (!(n))                                           \
			return;                                     \
		size_t len_ = 0;                                    \
		for (size_t i_ = 0; i_ < (n); i_++)                 \
			len_ += varint_len((v)[i_]);                \
		if (!cprof__buf_reserve((b), 20 + len_))            \
			return;                                     \
		unsigned char *d_ = (b)->data + (b)->len;           \
		d_ += put_varint(d_, ((uint64_t)(field) << 3) | 2); \
		d_ += put_varint(d_, len_);                         \
		for (size_t i_ = 0; i_ < (n); i_++)                 \
			d_ += put_varint(d_, (v)[i_]);              \
		(b)->len = (size_t)(d_ - (b)->data);                \
	} while (0)

void cprof__pb_packed_u64(cprof__buf *b, unsigned field, const uint64_t *v, size_t n)
{
	PACKED(b, field, v, n);
}

void cprof__pb_packed_u32(cprof__buf *b, unsigned field, const uint32_t *v, size_t n)
{
	PACKED(b, field, v, n);
}

void cprof__pb_packed_u16(cprof__buf *b, unsigned field, const uint16_t *v, size_t n)
{
	PACKED(b, field, v, n);
}

void cprof__pb_packed_i64(cprof__buf *b, unsigned field, const int64_t *v, size_t n)
{
	cprof__pb_packed_u64(b, field, (const uint64_t *)v, n);
}

/* Nested messages: reserve a fixed 5-byte length (a padded varint), so no
 * memmove is needed when the length is known. */
size_t cprof__pb_begin(cprof__buf *b, unsigned field)
{
	cprof__pb_tag(b, field, 2);
	static const unsigned char pad[5] = {0x80, 0x80, 0x80, 0x80, 0x00};
	cprof__buf_append(b, pad, sizeof(pad));
	return b->len;
}

void cprof__pb_end(cprof__buf *b, size_t mark)
{
	if (b->failed || mark < 5)
		return;
	uint64_t n = b->len - mark;
	if (n >= (1u << 28)) {
		b->failed = true;
		return;
	}
	unsigned char *p = b->data + mark - 5;
	for (int i = 0; i < 4; i++) {
		p[i] = (unsigned char)((n & 0x7f) | 0x80);
		n >>= 7;
	}
	p[4] = (unsigned char)n;
}
