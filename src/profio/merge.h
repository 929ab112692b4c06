/*
 * merge.h — merge profiles with pprof's rules (pprof: profile/merge.go).
 *
 * Not thread-safe per profile; allocates (never from a signal handler).
 */
#ifndef CPROF_MERGE_H
#define CPROF_MERGE_H

#include "compat.h"
#include "profile/profile.h"

/*
 * Merge src into dst.  dst is either empty (just cprof__profile_init'ed: it
 * then takes src's headers) or a profile with the same sample types and
 * period type as src (compared by name and unit), else -1 with
 * "incompatible sample types [...] and [...]" in err.
 *
 * Headers: period = max, time_nanos = earliest nonzero, duration summed,
 * comments deduplicated in order, default_sample_type/doc_url = first
 * non-empty, drop/keep_frames from dst.  Mappings, functions and locations
 * are deduplicated by content (mappings by build id or file, rounded size and
 * offset, so the same binary loaded at another address merges and its
 * locations are rebased); samples with the same stack and labels are summed;
 * all-zero samples and entities no sample references are dropped (the first
 * profile's first mapping, the main binary, stays first).  The result is
 * compact: strings are interned, ids are 1..n.
 *
 * scale multiplies src's values (rounded to nearest, as pprof's Scale); use
 * -1 for pprof's -base subtraction.  dst's values are not scaled.
 *
 * When dst is in the form merges produce (the usual case: the result of an
 * earlier merge, or a compact profile), src is added to it in place;
 * otherwise dst is rebuilt.  Either way the result is merge(compact(dst),
 * src): a caller need not compact dst first.
 * Either way pointers into dst are invalid afterwards.  Returns 0, or -1 with
 * a one-line message in err: dst is unchanged on incompatible or invalid
 * input; after "out of memory" it must only be freed.
 */
int cprof__profile_merge(cprof__profile *dst, const cprof__profile *src, double scale, char *err,
			 size_t errlen);

/* The canonical, compacted form pprof computes for every profile it reads
 * (duplicate samples summed, zero samples and unused entities dropped, as a
 * merge of p alone).  A profile already in that form is left as it is (no
 * copy; entity order kept).  0 or -1 (invalid profile, OOM). */
int cprof__profile_compact(cprof__profile *p, char *err, size_t errlen);

#endif
