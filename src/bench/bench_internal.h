/*
 * bench_internal.h — the benchmark harness's internal seams, shared by
 * the files of src/bench/ and the unit tests (never installed).
 */
#ifndef CPROF_BENCH_INTERNAL_H
#define CPROF_BENCH_INTERNAL_H

#include "compat.h"

#include <stdio.h>

/* A clock in nanoseconds.  Tests install a fake one to make ramp-up and
 * output deterministic; NULL restores CLOCK_MONOTONIC. */
typedef int64_t cprof__bench_clock_fn(void);
void cprof__bench_set_clock(cprof__bench_clock_fn *fn);

/* Cumulative allocation counters (count, bytes) of the whole process;
 * false if unavailable.  NULL restores the runtime's (hooks.c). */
typedef bool cprof__bench_alloc_fn(uint64_t *allocs, uint64_t *bytes);
void cprof__bench_set_alloc_source(cprof__bench_alloc_fn *fn);

/* Replace the cpu: header value (NULL: /proc/cpuinfo's model name). */
void cprof__bench_set_cpu_name(const char *name);

/* cprof_bench_main() writing to the given streams. */
int cprof__bench_main_to(int argc, char **argv, FILE *out, FILE *err);

/* Go's predictN: the next b.N of a duration-mode ramp-up. */
int64_t cprof__bench_predict_n(int64_t goalns, int64_t prev_iters, int64_t prevns, int64_t last);

/* Go's time.ParseDuration (subset: no overflow past ~292 years).
 * Returns 0 and *ns, or -1 on a malformed string. */
int cprof__bench_parse_duration(const char *s, int64_t *ns);
/* Go's time.Duration.String(): cprof__go_duration() in src/duration.h. */
/* Go's prettyPrint: value with Go's field width, a space, the unit. */
void cprof__bench_pretty(char *buf, size_t size, double x, const char *unit);

/* hooks.c: the libcprof runtime through weak symbols (or dlsym when the
 * runtime is preloaded).  The int functions return -ENOSYS when absent. */
bool cprof__bench_rt_alloc(uint64_t *allocs, uint64_t *bytes);
bool cprof__bench_rt_have_alloc(void);
int cprof__bench_rt_cpu_start(const char *path);
int cprof__bench_rt_cpu_stop(void);
int cprof__bench_rt_allocs_write(const char *path);
bool cprof__bench_rt_have_allocs_write(void);
int cprof__bench_rt_heap_set_rate(long bytes);
const char *cprof__bench_rt_strerror(int err);

#endif
