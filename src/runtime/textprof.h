/*
 * textprof.h — Go's text forms of the named profiles (runtime/pprof's
 * debug=1 and debug=2), written from an emitter's symbolised profile
 * (emit.h): the records' pcs must all have been given to cprof__emit_sample
 * and cprof__emit_end called (with fd -1) before.  Normal context; the
 * writers allocate (arena) and write(2) to fd, which they do not close.
 * Every writer returns 0, -ENOMEM or the write's -errno.
 *
 * The debug=1 forms are the ones pprof's legacy parser reads back (`go tool
 * pprof` on the text): count profiles, heap and contention.  Addresses are
 * written as return addresses (pc + 1: the parser subtracts one from each,
 * landing on the pcs of the proto); each record is followed by its
 * symbolised frames as `#` comments, which the parser skips.
 */
#ifndef CPROF_RUNTIME_TEXTPROF_H
#define CPROF_RUNTIME_TEXTPROF_H

#include "compat.h"
#include "runtime/emit.h"
#include "runtime/threadsprof.h"

/* One record: a stack and its values (what they are depends on the form),
 * or, with pseudo set, a pseudo-frame sample (cprof.threadNotResponding,
 * cprof.lostProfileEvent) with an optional note ("reason=..."): written as
 * address 0 and a comment naming it, so that totals still add up. */
typedef struct cprof__text_rec {
	const uintptr_t *pcs;
	uint32_t depth;
	int64_t v[4];
	const char *pseudo, *note;
} cprof__text_rec;

/* Count profile (threadcreate, threads/goroutine): "NAME profile: total
 * N", then "COUNT @ ADDRS" and its frames per record, by count (v[0])
 * descending.  recs is reordered. */
int cprof__text_count(int fd, const cprof__emit *e, const char *name, cprof__text_rec *recs,
		      size_t n);
/* Heap profile: "heap profile: IO: IB [AO: AB] @ heap/<2*rate>", records
 * "IO: IB [AO: AB] @ ADDRS" by in-use bytes descending: v = {in-use
 * objects, in-use bytes, allocated objects, allocated bytes}, the raw
 * sample counts (pprof unscales them with the rate as Go's are; rate <= 1:
 * exact counts, written as heap/2).  Then "# NAME = VALUE" lines of stats
 * (name/value pairs, NULL-terminated names), under "# cprof.AllocStats". */
int cprof__text_heap(int fd, const cprof__emit *e, long rate, cprof__text_rec *recs, size_t n,
		     const char *const *stat_names, const unsigned long long *stat_values);
/* Contention profile (Go's mutex and block): "--- NAME:" (Go's names:
 * "mutex" for the mutex profile, "contention" for block),
 * "cycles/second=1000000000" (the delays are nanoseconds, so pprof reads
 * them back as nanoseconds), "sampling period=PERIOD" when period > 0 (the
 * mutex profile's fraction: pprof multiplies both values by it, so pass
 * the sampled, unscaled values), then "DELAY COUNT @ ADDRS" records by
 * delay descending.  v in the proto's order: v[0] contentions (count),
 * v[1] delay (ns), as stacks.c's tables hold them. */
int cprof__text_contention(int fd, const cprof__emit *e, const char *name, long period,
			   cprof__text_rec *recs, size_t n);
/* The threads profile at debug=2: a block per thread, Go's goroutine dump
 * adapted ("thread TID "NAME" [STATE, N seconds]:", then "func(...)" and
 * "\tFILE:LINE +0xOFF" per frame), in t's order. */
int cprof__text_threads(int fd, const cprof__emit *e, const cprof__thread *t, size_t n);

/* The writers of the profiles' text forms (debug >= 1), for api.c:
 * stacks.c's kinds (counts per stack), and heap_profile.c's heap and
 * allocs (one text for both, as Go's).  0 or -errno. */
int cprof__stackprof_write_text(int kind, int fd);
int cprof__heap_write_text(int fd);

#endif
