/*
 * emit.h — the runtime's one way of building and writing a profile.
 *
 * Every profile libcprof writes (CPU, heap, allocs, leaks, temporary
 * allocations) goes through an emitter: it takes the process's mappings
 * and the pid/comm labels at the start, turns each sample's pcs into
 * Locations (one per pc, shared by every sample), adds the pseudo-frame
 * samples (cprof.lostProfileEvent, cprof.unsampledCPU), and at the end
 * symbolises in-process and encodes.  A profile kind only chooses its
 * sample types and values.  Normal context only: it allocates (arena.c).
 *
 *     cprof__emit e;
 *     cprof__emit_begin(&e);
 *     cprof__profile_add_sample_type(&e.p, ...);   // the kind's types
 *     cprof__emit_sample(&e, pcs, n, values, labels, nlabels);  // each
 *     rc = cprof__emit_end(&e, fd);   // symbolise, write to fd
 *     cprof__emit_free(&e);
 */
#ifndef CPROF_RUNTIME_EMIT_H
#define CPROF_RUNTIME_EMIT_H

#include "compat.h"
#include "base/u64map.h"
#include "profile/profile.h"
#include "runtime/rt.h"

typedef struct cprof__delta cprof__delta;

typedef struct cprof__emit {
	cprof__profile p;     /* the caller sets sample types, period, times */
	cprof__label proc[2]; /* pid and comm (CPROF_PROCESS_LABELS) */
	size_t nproc;
	/* The mappings as they were emitted (maps.c), for pc → mapping id:
	 * this profile's own copy, so that profiles built at once on two
	 * threads do not share ids. */
	cprof__maprange *maps;
	size_t nmaps;
	cprof__u64map locs;  /* pc → Location id, in cprof's arena */
	cprof__delta *delta; /* a delta profile being taken (cprof__emit_delta) */
	int delta_mode;
} cprof__emit;

/* Start a profile: the mappings of every object loaded so far (a fresh
 * look at the loader's list), the process labels. */
void cprof__emit_begin(cprof__emit *e);
/* Add a sample with stack pcs[0..n) (leaf first), values (one per sample
 * type) and labels (at most 4; the process labels are added after them).
 * Out of memory: the profile is marked (p.oom) and cprof__emit_end fails. */
void cprof__emit_sample(cprof__emit *e, const uintptr_t *pcs, uint32_t n, const int64_t *values,
			const cprof__label *labels, size_t nlabels);
/* A sample of one pseudo-frame named `name` (Go's lostProfileEvent
 * convention), with the process labels. */
void cprof__emit_event(cprof__emit *e, const char *name, const int64_t *values);
/* Symbolise and, when fd >= 0, write the gzipped profile to fd.  0,
 * -ENOMEM, or the write's -errno.  The profile stays readable until
 * cprof__emit_free. */
int cprof__emit_end(cprof__emit *e, int fd);
/* After cprof__emit_end: the innermost function name, file and line of a
 * pc that a sample had ("??", "", 0 when unknown). */
const char *cprof__emit_where(const cprof__emit *e, uintptr_t pc, const char **file, int64_t *line);
void cprof__emit_free(cprof__emit *e);

/*
 * Delta profiles (Go's ?seconds=N on the cumulative profiles): the profile
 * of an interval, p1 − p0, as Go's net/http/pprof makes it (p0 scaled by
 * −1 and merged: samples keyed by stack and labels).  Around two writes of
 * the same profile by the same thread:
 *
 *     d = cprof__delta_new();
 *     cprof__emit_delta(d, CPROF__DELTA_COLLECT);  write(name);  // p0: kept in d
 *     cprof__emit_delta(NULL, 0);
 *     ...N seconds...
 *     cprof__emit_delta(d, CPROF__DELTA_SUBTRACT); write(name, fd); // p1 − p0
 *     cprof__emit_delta(NULL, 0);
 *     cprof__delta_free(d);
 *
 * Collecting does not symbolise.  Samples equal in both vanish; stacks
 * only in p0 come out negative.  Pseudo-frame events are not subtracted.
 */
enum { CPROF__DELTA_COLLECT = 1, CPROF__DELTA_SUBTRACT = 2 };
cprof__delta *cprof__delta_new(void);
void cprof__delta_free(cprof__delta *d);
/* For the emitters the calling thread begins next (thread-local). */
void cprof__emit_delta(cprof__delta *d, int mode);

#endif
