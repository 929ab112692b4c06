/*
 * readfile.h — read a profile from a file or stdin: a regular file is
 * decoded as it is read (gunzipped on a thread of its own when big), so
 * peak memory is the model's; anything else is read whole.  Formats,
 * validation and messages are cprof__profile_decode's (decode.h).
 *
 * Not thread-safe per profile; never used from a signal handler (allocates,
 * may start a thread).
 */
#ifndef CPROF_READFILE_H
#define CPROF_READFILE_H

#include "compat.h"
#include "profio/decode.h"

/* Read a whole file ("-" = stdin) and decode it; err is prefixed with the
 * path ("x.pb.gz: malformed profile: ...").  0 or -1. */
int cprof__profile_read_file(cprof__profile *p, const char *path, char *err, size_t errlen);

/* Read all of fd into out (capped at CPROF_DECODE_MAX).  0, or -1 with the
 * reason in err ("larger than the size limit of a profile", or strerror's
 * words). */
int cprof__read_fd(int fd, cprof__buf *out, char *err, size_t errlen);

#endif
