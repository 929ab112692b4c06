/*
 * legacy.h — profile formats older than profile.proto that C users still
 * have, converted on read into the profile model the way pprof converts them
 * (pprof: profile/legacy_profile.go):
 *   - gperftools' binary CPU profile (32/64-bit, either endianness),
 *   - heap text: "heap profile: ..." (heap_v2, heapprofile, heap) from
 *     gperftools and Go's debug=1 output, and jemalloc's heap_v2 dump with
 *     its per-thread "t*:" / "t<N>:" lines.
 * Addresses come with the /proc/self/maps text the formats append, so the
 * result is an unsymbolised profile with mappings.
 */
#ifndef CPROF_LEGACY_H
#define CPROF_LEGACY_H

#include "compat.h"
#include "profile/profile.h"

/* Parse data (already decompressed) into the empty profile p.
 * Returns 0 on success, 1 if data is in none of the legacy formats (p left
 * empty), -1 with a message in err if it is one of them but malformed. */
int cprof__legacy_parse(cprof__profile *p, const void *data, size_t n, char *err, size_t errlen);

#endif
