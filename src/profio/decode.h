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
 * cprof_profile_init and has not filled.
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
 * caller still frees with cprof_profile_free.  Bounded: never reads outside
 * data, decompresses at most CPROF_DECODE_MAX bytes, memory stays linear in
 * the decompressed size.
 */
int cprof_profile_decode(cprof_profile *p, const void *data, size_t n, char *err, size_t errlen);

/* Read a whole file ("-" = stdin) and decode it; err is prefixed with the
 * path ("x.pb.gz: malformed profile: ...").  0 or -1. */
int cprof_profile_read_file(cprof_profile *p, const char *path, char *err, size_t errlen);

/* Read all of fd into out (capped at CPROF_DECODE_MAX).  0 or negative errno
 * (-EFBIG past the cap). */
int cprof_read_fd(int fd, cprof_buf *out);

/* Gunzip in (one or more concatenated gzip members) into out, at most max
 * bytes.  0, or -1 with a message in err. */
int cprof_gunzip(const void *in, size_t n, cprof_buf *out, size_t max, char *err, size_t errlen);

/* Allocate every empty per-sample pool of p (no elements), so the
 * accessors in profile.h never compute NULL + offset.  Decode and merge
 * results already have it. */
void cprof__profile_pools(cprof_profile *p);

#endif
