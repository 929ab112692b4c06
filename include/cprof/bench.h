/*
 * cprof/bench.h — Go's testing.B for C.
 *
 *     #include <cprof/bench.h>
 *
 *     CPROF_BENCH(FindPrimes)
 *     {
 *             for (long i = 0; i < b->n; i++)
 *                     find_primes(100000);
 *     }
 *
 * Link with `pkg-config --cflags --libs cprof-bench`: the library supplies
 * main(), which runs the benchmarks selected by `-bench REGEX` with the
 * flags of `go test` (-benchtime 1s|100x, -count, -benchmem, -cpu 1,2,4,
 * -run, -list, -timeout, -cpuprofile, -memprofile, -json, -v) and prints
 * Go's benchmark format, so `cprof benchstat` and Go's own benchstat read it.
 * A program with its own main() calls cprof_bench_main(argc, argv).
 * docs/BENCH.md has the details.
 *
 * Threading: benchmarks run one at a time.  Every function here must be
 * called from the thread running the benchmark function, except
 * cprof_bench_pb_next() (any RunParallel body thread) and the log/error
 * functions (any thread).
 *
 * Compiler: this header needs GNU C — __attribute__((constructor)) and
 * __attribute__((format)), __typeof__, extended __asm__ and the __atomic
 * builtins — which gcc and clang provide in every -std mode (C and C++).
 *
 * Names starting with cprof__ (and the struct fields marked private) are
 * the harness's own: not part of the API, they may change in any release.
 */
#ifndef CPROF_BENCH_H
#define CPROF_BENCH_H

#ifndef __GNUC__
#error "cprof/bench.h needs GNU C extensions (gcc or clang)"
#endif

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most custom units one benchmark may report (cprof_bench_report_metric). */
#define CPROF_BENCH_MAX_METRICS 32

struct cprof__bench;

/* The benchmark handle (Go's *testing.B). */
typedef struct cprof_bench_b {
	long n;    /* run the measured operation n times (Go's b.N) */
	void *arg; /* the argument given to cprof_bench_run_arg(), else the parent's */
	/* private: not part of the API */
	long cprof__loop_i;               /* cprof_bench_loop's iteration, 0 before it starts */
	struct cprof__bench *cprof__priv; /* the harness's state of this benchmark */
} cprof_bench_b;

/* ---- private: not part of the API -------------------------------------
 * What the macros and inline functions of this header expand to.  Call the
 * public names instead (cprof_bench_logf, cprof_bench_loop...). */
enum cprof__bench_log_kind {
	CPROF__BENCH_LOG = 0,   /* cprof_bench_logf: log only */
	CPROF__BENCH_ERROR = 1, /* cprof_bench_errorf: log, fail, go on */
	CPROF__BENCH_FATAL = 2, /* cprof_bench_fatalf: log, fail, stop the benchmark */
	CPROF__BENCH_SKIP = 3,  /* cprof_bench_skipf: log, skip the benchmark */
};
/* kind is an enum cprof__bench_log_kind. */
void cprof__bench_log(cprof_bench_b *b, const char *file, int line, int kind, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* cprof_bench_loop's slow path: start, ramp up and end the timed loop. */
bool cprof__bench_loop_slow(cprof_bench_b *b);
/* ---- end of private ---------------------------------------------------- */

typedef void cprof_bench_fn(cprof_bench_b *b);

/* Registration (used by CPROF_BENCH; benchmarks run sorted by file, line). */
struct cprof_bench_reg {
	const char *name; /* "BenchmarkName" */
	cprof_bench_fn *fn;
	const char *file;
	int line;
	struct cprof_bench_reg *next;
};
void cprof_bench_register(struct cprof_bench_reg *reg);

/* Define and register BenchmarkName; the body sees `cprof_bench_b *b`. */
#define CPROF_BENCH(Name)                                                         \
	static void cprof_bench_fn_##Name(cprof_bench_b *b);                      \
	static struct cprof_bench_reg cprof_bench_reg_##Name = {                  \
		"Benchmark" #Name, cprof_bench_fn_##Name, __FILE__, __LINE__, 0}; \
	__attribute__((constructor)) static void cprof_bench_ctor_##Name(void)    \
	{                                                                         \
		cprof_bench_register(&cprof_bench_reg_##Name);                    \
	}                                                                         \
	static void cprof_bench_fn_##Name(cprof_bench_b *b)

/* Run the registered benchmarks as `go test -bench` would; returns the exit
 * status (0 PASS, 1 FAIL, 2 bad flags).  Prints to stdout/stderr. */
int cprof_bench_main(int argc, char **argv);

/* Package name for the `pkg:` header line and the `ok` trailer (default:
 * $CPROF_BENCH_PKG; without either no pkg: line is printed, as Go does for
 * an unknown import path).  Call before cprof_bench_main(). */
void cprof_bench_set_pkg(const char *pkg);

/* --- timer control (Go's StartTimer/StopTimer/ResetTimer) --- */
/* The timer runs while the benchmark function is called. */
void cprof_bench_start_timer(cprof_bench_b *b);
void cprof_bench_stop_timer(cprof_bench_b *b);
/* Zero the elapsed time, allocation counters and reported metrics. */
void cprof_bench_reset_timer(cprof_bench_b *b);
/* Time measured so far (including a running segment), in nanoseconds. */
int64_t cprof_bench_elapsed_ns(cprof_bench_b *b);

/* --- what is reported --- */
/* Bytes processed per operation: prints MB/s (10^6 bytes). */
void cprof_bench_set_bytes(cprof_bench_b *b, int64_t bytes);
/* B/op and allocs/op for this benchmark even without -benchmem. */
void cprof_bench_report_allocs(cprof_bench_b *b);
/* Report a custom metric, e.g. (b, hits / (double)b->n, "hits/op").
 * Units are sorted by name on the line; "ns/op", "MB/s", "B/op" and
 * "allocs/op" override the built-in values ("ns/op" 0 hides it).  An empty
 * unit or one with whitespace fails the benchmark.  Up to
 * CPROF_BENCH_MAX_METRICS units; more fail the benchmark. */
void cprof_bench_report_metric(cprof_bench_b *b, double value, const char *unit);
/* The -cpu value in effect (Go's GOMAXPROCS): the -P suffix of the name. */
int cprof_bench_procs(const cprof_bench_b *b);

/* --- logging and failure (file:line shown as Go shows it) --- */
/* Log (Go's b.Logf). */
#define cprof_bench_logf(b, ...) \
	cprof__bench_log((b), __FILE__, __LINE__, CPROF__BENCH_LOG, __VA_ARGS__)
/* Log and fail this benchmark, which goes on (Go's b.Errorf). */
#define cprof_bench_errorf(b, ...) \
	cprof__bench_log((b), __FILE__, __LINE__, CPROF__BENCH_ERROR, __VA_ARGS__)
/* Log, fail and stop this benchmark (longjmp; benchmark thread only). */
#define cprof_bench_fatalf(b, ...) \
	cprof__bench_log((b), __FILE__, __LINE__, CPROF__BENCH_FATAL, __VA_ARGS__)
/* Log and skip this benchmark (longjmp; benchmark thread only). */
#define cprof_bench_skipf(b, ...) \
	cprof__bench_log((b), __FILE__, __LINE__, CPROF__BENCH_SKIP, __VA_ARGS__)
bool cprof_bench_failed(const cprof_bench_b *b);

/* --- sub-benchmarks (Go's b.Run) ---
 * Runs fn as the sub-benchmark "parent/name" (whitespace becomes '_',
 * duplicates get #01, #02...).  A benchmark that calls this is not measured
 * itself; it is called once with n = 1.  Returns false if the sub-benchmark
 * failed.  The child sees b->arg == arg (cprof_bench_run: the parent's). */
bool cprof_bench_run(cprof_bench_b *b, const char *name, cprof_bench_fn *fn);
bool cprof_bench_run_arg(cprof_bench_b *b, const char *name, cprof_bench_fn *fn, void *arg);

/* --- parallel benchmarks (Go's RunParallel) ---
 * Runs body on parallelism * procs threads; they share the b->n iterations,
 * claimed through cprof_bench_pb_next().  ns/op is wall time over b->n. */
typedef struct cprof_bench_pb {
	/* private: not part of the API (cprof_bench_pb_next's state) */
	uint64_t *global; /* iterations claimed by all threads (atomic) */
	uint64_t grain;   /* iterations claimed at a time */
	uint64_t cache;   /* claimed iterations this thread has left */
	uint64_t bn;      /* b->n: iterations in all */
} cprof_bench_pb;
void cprof_bench_run_parallel(cprof_bench_b *b, void (*body)(cprof_bench_pb *pb, void *arg),
			      void *arg);
/* Threads per -cpu unit for run_parallel (p < 1 is ignored; default 1). */
void cprof_bench_set_parallelism(cprof_bench_b *b, int p);

/* True while there is another iteration for this thread. */
static inline bool cprof_bench_pb_next(cprof_bench_pb *pb)
{
	if (pb->cache == 0) {
		uint64_t n = __atomic_add_fetch(pb->global, pb->grain, __ATOMIC_RELAXED);
		if (n <= pb->bn)
			pb->cache = pb->grain;
		else if (n < pb->bn + pb->grain)
			pb->cache = pb->bn + pb->grain - n;
		else
			return false;
	}
	pb->cache--;
	return true;
}

/* --- Go 1.24's b.Loop ---
 *     CPROF_BENCH(X) { setup(); while (cprof_bench_loop(b)) work(); cleanup(); }
 * The function is called once per -count; the loop ramps b->n itself and
 * only the loop is timed.  Do not use b->n inside the loop. */
static inline bool cprof_bench_loop(cprof_bench_b *b)
{
	if (b->cprof__loop_i != 0 && b->cprof__loop_i < b->n) {
		b->cprof__loop_i++;
		return true;
	}
	return cprof__bench_loop_slow(b);
}

/* --- keeping the optimiser honest ---
 * cprof_do_not_optimize(x): the value of x is treated as used (and possibly
 * modified) by unknown code, so computing it cannot be removed.
 * cprof_clobber_memory(): all pending writes to memory are performed. */
#define cprof_do_not_optimize(x)                                          \
	do {                                                              \
		__typeof__((void)0, (x)) cprof__dno_v = (x);              \
		__asm__ volatile("" : "+m,r"(cprof__dno_v) : : "memory"); \
	} while (0)
#define cprof_clobber_memory() __asm__ volatile("" : : : "memory")

#ifdef __cplusplus
}
#endif
#endif /* CPROF_BENCH_H */
