/*
 * gzwrite.h — write a profile gzipped as fast as the machine allows: the
 * encoder's output is cut into 256 KiB chunks at field boundaries, each
 * compressed with cprof's deflate (deflate.h) primed with the 32 KiB before
 * it, on worker threads (pigz's scheme), and written in order as one gzip
 * member.  For the CLI (it starts threads): the runtime writes with
 * cprof__profile_write_fd.
 */
#ifndef CPROF_GZWRITE_H
#define CPROF_GZWRITE_H

#include "compat.h"
#include "profile/profile.h"

/* Encode p and write it gzipped to fd, compressing on `threads` worker
 * threads (at most 8; 0: on the calling thread; if no thread can be
 * started, also on the calling thread).  Memory: about 1 MiB a thread.
 * 0, or -1 with the reason (strerror's words) in err; fd may then hold
 * part of the output. */
int cprof__profile_write_gz(const cprof__profile *p, int fd, int threads, char *err, size_t errlen);

#endif
