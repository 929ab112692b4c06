/*
 * decode.h — read profiles: profile.proto (gzipped or raw) from any
 * producer, validated the way pprof validates them, with a fallback to the
 * legacy formats C users have (legacy.h).  docs/READER.md has the details.
 *
 * Not thread-safe per profile; never used from a signal handler (allocates).
 */
#ifndef CPROF_DECODE_H
#define CPROF_DECODE_H

#include "compat.h"
#include "profile/profile.h"

/* Hard cap on the decompressed (and on the raw) size of one profile.  The
 * fuzzer builds with a smaller one (-DCPROF_DECODE_MAX=...). */
#ifndef CPROF_DECODE_MAX
#define CPROF_DECODE_MAX ((size_t)2 << 30)
#endif

/*
 * Decode profile.proto bytes (gzipped — detected by 1f 8b, multi-member
 * gzip as Go reads it — or raw) into p, which the caller initialised with
 * cprof__profile_init and has not filled.
 *
 * Ids are renumbered to index + 1: location ids in samples, mapping ids in
 * locations and function ids in lines are rewritten.  The file's string
 * table is kept in order (string 0 must be ""), so string indices of the file
 * stay valid; the string hash is rebuilt lazily on the first interning.
 * Labels are normalised as pprof reads them: a label with a string value
 * loses its number; a label with neither is dropped.
 *
 * Validates as pprof does: string_table[0] == "", string indices in range,
 * zero or duplicate ids, value count == sample_type count, samples without
 * sample types, a second time_nanos ("concatenated profiles"); and, stricter
 * than pprof, every location/function/mapping reference must resolve.
 * When the bytes are not a profile.proto, the legacy parsers are tried
 * (gperftools CPU profile, heap text incl. jemalloc's heap_v2).
 *
 * Returns 0, or -1 with a one-line message in err (errlen bytes, always
 * NUL-terminated), e.g. "malformed profile: sample 3 has 1 values, 2 sample
 * types".  On failure p holds a valid, possibly partial profile that the
 * caller still frees with cprof__profile_free.  Bounded: never reads outside
 * data, decompresses at most CPROF_DECODE_MAX bytes, memory stays linear in
 * the decompressed size.
 */
int cprof__profile_decode(cprof__profile *p, const void *data, size_t n, char *err, size_t errlen);

/* Gunzip in (one or more concatenated gzip members) into out, at most max
 * bytes.  0, or -1 with a message in err. */
int cprof__gunzip(const void *in, size_t n, cprof__buf *out, size_t max, char *err, size_t errlen);

/* Allocate every empty per-sample pool of p (no elements), so the
 * accessors in profile.h never compute NULL + offset.  Decode and merge
 * results already have it. */
void cprof__profile_pools(cprof__profile *p);

/*
 * Internal (readfile.c): the decoder fed one top-level field at a time, as
 * a file is read, with cprof__profile_decode's checks and messages (for
 * profile.proto only; the caller falls back to cprof__profile_decode).
 */
typedef struct cprof__dec cprof__dec;
/* A decoder into p (empty, as for cprof__profile_decode); NULL on OOM. */
cprof__dec *cprof__dec_new(cprof__profile *p);
/* How many bytes of data the next top-level field takes, once the first
 * min(20, rest of the input) are in data[0, n): 0 when those are enough,
 * else its header and length-delimited payload.  false on a wire error
 * (kept in d: finish with ok false). */
bool cprof__dec_need(cprof__dec *d, const uint8_t *data, size_t n, size_t *need);
/* Decode the top-level field at data[0, n) (the bytes cprof__dec_need
 * asked for, or all that is left); *used: its size.  false on an error
 * (kept in d). */
bool cprof__dec_field(cprof__dec *d, const uint8_t *data, size_t n, size_t *used);
/* After the last field (ok: no error so far): validate and renumber as
 * cprof__profile_decode does, and free d.  0; -1 with a message in err; 1:
 * not a profile.proto (a wire-level error in err). */
int cprof__dec_finish(cprof__dec *d, bool ok, char *err, size_t errlen);
/* Free d without finishing (NULL: nothing). */
void cprof__dec_free(cprof__dec *d);

#endif
