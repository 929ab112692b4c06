/*
 * deflate.h — a fast raw deflate (RFC 1951) compressor for profile output:
 * greedy LZ77 with one hash probe per position (the scheme of Go's
 * BestSpeed, which go tool pprof writes with), dynamic Huffman blocks.
 * About twice zlib's level-1 speed on encoded profiles, output within a few
 * percent of it.  zlib still reads everything (inflate).
 *
 * Thread-safe (no shared state); allocates (never from a signal handler).
 */
#ifndef CPROF_DEFLATE_H
#define CPROF_DEFLATE_H

#include "compat.h"
#include "base/buf.h"

typedef struct cprof__deflate cprof__deflate;

/* NULL on allocation failure.  One per thread; reusable. */
cprof__deflate *cprof__deflate_new(void);
void cprof__deflate_free(cprof__deflate *d);

/*
 * Append to out the deflate blocks of in[dict, n): in[0, dict) (at most 32 KiB)
 * is the data before it, which matches may refer to.  last: the final
 * block (BFINAL) ends the stream; otherwise the blocks end with an empty
 * stored block, byte-aligned, as zlib's Z_SYNC_FLUSH, so that independently
 * compressed pieces concatenate into one stream.  0, or -1 when out failed
 * (out of memory or its cap: its only failure, so no message).
 */
int cprof__deflate_chunk(cprof__deflate *d, const unsigned char *in, size_t dict, size_t n,
			 bool last, cprof__buf *out);

#endif
