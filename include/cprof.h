/*
 * cprof.h — the libcprof runtime API: pprof-compatible profiles of C programs.
 *
 * Link with `pkg-config --cflags --libs cprof`, or use no code at all:
 *
 *     LD_PRELOAD=libcprof.so CPROF_CPU=cpu.pb.gz ./prog
 *
 * Conventions, for every function here:
 *   - 0 (or a non-negative value) on success, a negative errno value on
 *     failure; cprof_strerror() names it.  A failing call has no side effects.
 *   - Thread-safe: any thread may call any function at any time.  None of
 *     them may be called from a signal handler.
 *   - The runtime never aborts or exits its host: when something goes wrong
 *     inside the profiler it drops samples and says so (in the profile, and
 *     as one line on stderr).
 */
#ifndef CPROF_H
#define CPROF_H

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header; cprof_version() gives the library's.  The
 * only place the version is written (the Makefile reads it from here). */
#define CPROF_VERSION_MAJOR 0
#define CPROF_VERSION_MINOR 1
#define CPROF_VERSION_PATCH 0
#define CPROF_VERSION_NUMBER \
	(CPROF_VERSION_MAJOR * 10000 + CPROF_VERSION_MINOR * 100 + CPROF_VERSION_PATCH)
#define CPROF_STR_(x) #x
#define CPROF_STR(x) CPROF_STR_(x)
#define CPROF_VERSION                  \
	CPROF_STR(CPROF_VERSION_MAJOR) \
	"." CPROF_STR(CPROF_VERSION_MINOR) "." CPROF_STR(CPROF_VERSION_PATCH)

/* Default CPU sampling rate, in samples per second of CPU time per thread. */
#define CPROF_DEFAULT_HZ 100

/*
 * Start CPU profiling of every thread of the process — those alive now and
 * those created later — at `hz` samples per CPU-second (hz <= 0: 100).
 * The profile (gzipped profile.proto, Go's CPU conventions) is written to
 * `path` by cprof_cpu_stop(), or at exit if the program never stops it,
 * whole or not at all: into a temporary beside `path`, renamed over it when
 * complete.  Nothing is created now (an existing file stays as it is until
 * then), but an unwritable path fails here.  A character device (/dev/null)
 * is written in place.  A child forked without exec goes on profiling into
 * `path.PID`.
 *
 * Errors: -EBUSY if a CPU profile is already running; -EINVAL for a NULL or
 * empty path, a path that is a FIFO, socket or block device, or hz >
 * 1000000; open(2)'s errors for the path or its directory; -ENOMEM when
 * the sample buffers cannot be allocated.
 */
int cprof_cpu_start(const char *path, int hz);

/* As cprof_cpu_start(), writing to `fd`, which the caller keeps owning
 * (cprof does not close it).  -EBADF if fd is not open for writing. */
int cprof_cpu_start_fd(int fd, int hz);

/*
 * Stop CPU profiling: disarm every thread's timer, wait for in-flight
 * signal handlers, symbolise the samples and write the profile.
 * Returns 0, -ESRCH if no CPU profile is running, or the write error.
 */
int cprof_cpu_stop(void);

/* ---- Execution trace ----
 *
 * Start recording what every thread of the process does over time — those
 * alive now and those created later: CPU samples with their stacks while
 * it runs, the intervals it spends blocked in a lock, condition variable,
 * semaphore, join or barrier (with the reason, the object and the stack),
 * its creation (by which thread, from which stack), its exit and its name.
 * The trace (Chrome trace-event JSON, which Perfetto UI and chrome://tracing
 * open; docs/TRACE.md) is written to `path` by cprof_trace_stop(), or at
 * exit if the program never stops it, whole or not at all, as
 * cprof_cpu_start() writes its profile.  A child forked without exec goes
 * on tracing into `path.PID`.
 *
 * Samples come from the CPU profiler's timers: at its rate when a CPU
 * profile runs, else the timers are started for the trace at
 * CPROF_DEFAULT_HZ.  Memory is bounded: each thread has a buffer of
 * CPROF_TRACE_BUFFER_KB KiB (256 by default); once full, that thread's
 * later events are dropped and counted, in the trace and on stderr.
 * Thread-safe.
 *
 * Errors: -EBUSY if a trace is already running; -EINVAL for a NULL or
 * empty path, or a path that is a FIFO, socket or block device; open(2)'s
 * errors for the path or its directory.
 */
int cprof_trace_start(const char *path);

/* Stop the trace: wait for in-flight recorders, symbolise every stack and
 * write the JSON.  Returns 0, -ESRCH if no trace is running (in this
 * process), or the write error. */
int cprof_trace_stop(void);

/* ---- Heap and allocs profiles (malloc interposition) ----
 *
 * libcprof interposes the malloc family (malloc, calloc, realloc,
 * reallocarray, free, posix_memalign, aligned_alloc, memalign, valloc,
 * pvalloc, malloc_usable_size; C++ new/delete reach it through libstdc++).
 * Allocations are sampled as a Poisson process over allocated bytes with
 * mean `rate` bytes, exactly as Go's runtime.MemProfileRate, and values are
 * unbiased as Go's pprof does.  docs/HEAP.md has the math.
 */

/* Default sampling rate: one sample per 512 KiB allocated, on average. */
#define CPROF_DEFAULT_HEAP_RATE 524288L

/* Set the sampling rate in bytes: 0 turns sampling off, 1 records every
 * allocation.  Objects sampled earlier stay accounted.  -EINVAL if bytes < 0;
 * -ENOTSUP if the program's allocator is not glibc's (cprof can count its
 * calls but not sample them). */
int cprof_heap_set_rate(long bytes);

/* Write the heap profile (Go's four sample types alloc_objects, alloc_space,
 * inuse_objects, inuse_space; period type space/bytes; numeric label
 * `bytes`) to `path` or `fd` (not closed).  A path is written whole or not
 * at all (a temporary beside it, renamed over it when complete); a FIFO,
 * socket or block device there is refused (-EINVAL: use the _fd variants).
 * The allocs variants write the same data with default_sample_type =
 * alloc_space.  0, or a negative errno (-EINVAL, -EBADF, open(2)/write(2)/
 * rename(2) errors, -ENOMEM). */
int cprof_heap_write(const char *path);
int cprof_heap_write_fd(int fd);
int cprof_allocs_write(const char *path);
int cprof_allocs_write_fd(int fd);

/* Process-wide totals since the program started, counted exactly (every
 * call, every thread, through per-thread counters).  realloc counts as one
 * free (of a non-NULL pointer) and one allocation.
 *
 * The struct may grow at its end in later versions.  The caller sets
 * `size` to the size it was compiled with (CPROF_ALLOC_STATS_INIT does);
 * the library fills the fields both know and sets `size` to the bytes it
 * filled, leaving any later field as the caller set it — a program built
 * against one header works with an older or newer library.  -EINVAL for a
 * NULL st or a size smaller than this first version's (32 bytes). */
struct cprof_alloc_stats {
	unsigned long long size;            /* in: sizeof as compiled; out: bytes filled */
	unsigned long long allocs;          /* successful or not: calls that asked for memory */
	unsigned long long frees;           /* free() of non-NULL pointers, realloc moves */
	unsigned long long bytes_allocated; /* bytes requested by those calls */
};
/* clang-format off */
#define CPROF_ALLOC_STATS_INIT {sizeof(struct cprof_alloc_stats), 0, 0, 0}
/* clang-format on */
int cprof_alloc_stats(struct cprof_alloc_stats *st);

/* ---- Contention: the mutex and block profiles ----
 *
 * libcprof interposes pthread_mutex_lock/timedlock/clocklock/unlock, the
 * pthread_rwlock lock and unlock calls (timed and clock variants),
 * pthread_spin_lock/unlock, pthread_cond_wait/timedwait/clockwait,
 * sem_wait/timedwait/clockwait, pthread_join and pthread_barrier_wait.
 * While neither profile (nor the execution trace) is on, each forwards to
 * libc at once.  While one is on, a lock is tried first and only a wait
 * that blocks is timed.  docs/CONTENTION.md has the semantics.
 */

/* The mutex profile (Go's SetMutexProfileFraction): about 1 in n contended
 * lock acquisitions is recorded, its count and delay scaled by n; 0 turns
 * it off (what was recorded stays).  Sample types contentions/count and
 * delay/nanoseconds.  The delay is charged to the stack that held the lock
 * (where it was unlocked) — CPROF_MUTEX_STACK=waiter charges the waiter
 * instead.  Returns the previous fraction; n < 0 only reads it.  -ENOMEM
 * if the table of contended locks cannot be allocated.  Without code
 * changes: CPROF_MUTEX=path (written at exit), CPROF_MUTEX_FRACTION=n
 * (default 1). */
int cprof_mutex_profile_fraction(int n);

/* The block profile (Go's SetBlockProfileRate): time spent blocked in the
 * calls above — mutex and rwlock waits included, as Go counts
 * sync.Mutex waits — charged to the waiter's stack.  A wait of at least
 * `ns` nanoseconds is always recorded, a shorter one of d ns with
 * probability d/ns and scaled; 1 records every wait, 0 turns it off.
 * Returns the previous rate; -EINVAL if ns < 0.  Without code changes:
 * CPROF_BLOCK=path, CPROF_BLOCK_RATE=ns (default 1); CPROF_BLOCK_IO=1 also
 * times poll, epoll_wait and select with a timeout, and reads of pipes
 * and sockets. */
long cprof_block_profile_rate(long ns);

/* ---- Named profiles (Go's runtime/pprof.Lookup) ----
 *
 * "heap" and "allocs", "mutex" and "block" (above); "threadcreate": the stacks that created
 * the program's threads (pthread_create; sample type threadcreate/count),
 * recorded from the start whenever libcprof is loaded (without code
 * changes, CPROF_THREADCREATE=path writes it at exit); "threads", and the
 * same under Go's name "goroutine": a snapshot of every live thread's stack
 * (sample type threads/count or goroutine/count), taken when written —
 * each thread is sent a SIGPROF and writes its own stack; a thread that
 * cannot answer within 100 ms (SIGPROF blocked, stopped...) is listed with
 * the reason as the pseudo-frame cprof.threadNotResponding.  The signal
 * ends a system call the kernel does not restart (nanosleep, poll...) with
 * EINTR, as any signal does (docs/PROFILES.md). */

/* The names cprof_profile_write knows, NULL-terminated, sorted. */
const char *const *cprof_profile_names(void);

/* Write the profile `name` to fd (which cprof does not close), in the form
 * Go's WriteTo(w, debug) writes:
 *   debug 0   gzipped profile.proto;
 *   debug 1   Go's text: "NAME profile: total N" and "COUNT @ ADDRS" for
 *             threadcreate, threads and goroutine, "heap profile: ..." for
 *             heap and allocs, "--- mutex:" / "--- contention:" for the
 *             contention profiles, each record followed by its symbolised
 *             frames as "#" lines; go tool pprof reads it back;
 *   debug >= 2  threads and goroutine: one block per thread ("thread TID
 *             "NAME" [STATE]:" and its frames); every other profile: as 1.
 * Thread-safe; threads snapshots are serialised.  Returns 0, -EINVAL for a
 * NULL or unknown name or a negative debug, -EBADF if fd is not open for
 * writing, -ENOMEM, or the write's -errno (-EPIPE...). */
int cprof_profile_write(const char *name, int fd, int debug);

/* ---- /debug/pprof over HTTP (Go's net/http/pprof) ----
 *
 * Serve the profiles from inside the program, as Go's net/http/pprof
 * does: /debug/pprof/ (index), profile?seconds=N (CPU), heap, allocs,
 * mutex, block, threadcreate, goroutine (and Go's debug=1/2 text forms),
 * ?seconds=N delta profiles, trace?seconds=N, cmdline, symbol; /metrics for
 * Prometheus.
 * docs/HTTP.md has the contract and the security model.  Without code
 * changes: CPROF_HTTP=127.0.0.1:6060 (this process only; not its exec'd
 * children).
 */

/* Start serving on addr ("HOST:PORT", ":PORT" or "PORT"; IPv4; port 0
 * picks a free one).  HOST defaults to 127.0.0.1; any non-loopback HOST is
 * refused (-EACCES, said on stderr) unless CPROF_HTTP_ALLOW_REMOTE=1 and
 * CPROF_HTTP_TOKEN=T are set, and every request then needs
 * "Authorization: Bearer T".  Prints "cprof: serving
 * http://HOST:PORT/debug/pprof/" once.  libmicrohttpd is loaded now
 * (-ENOENT if it is not installed).  Errors: -EINVAL (bad addr), -EBUSY
 * (already serving), bind(2)'s. */
int cprof_http_start(const char *addr);
/* Stop serving (a CPU profile being taken for a request is stopped).
 * -ESRCH if not serving. */
int cprof_http_stop(void);
/* "HOST:PORT" as bound, or NULL when not serving.  Static storage, valid
 * until cprof_http_stop. */
const char *cprof_http_addr(void);

/* ---- Profile labels (Go's pprof.Do, pprof.Labels) ----
 *
 * Key/value string labels on the calling thread, written as pprof string
 * labels on every sample it takes while they are set: CPU samples, heap and
 * allocs samples (the labels of the allocating thread), threadcreate (the
 * creating thread's), and the contention profiles.  `go tool pprof
 * -tagfocus key=value`, `-tagignore`, `-tags` and cprof's reports filter
 * and break down by them.
 *
 *   cprof_labels_push("request", "GET /index", "worker", "3", NULL);
 *   handle();                // its samples carry request= and worker=
 *   cprof_labels_pop();
 *
 * Sets nest: a push adds its pairs to the thread's current set (a key it
 * names replaces that key's outer value, as Go's WithLabels), and the
 * matching pop restores the outer set.  An empty value hides the key's
 * outer value (pprof writes no empty labels).  A thread created while a
 * set is current starts with that set (it cannot pop it).  Thread-safe: each
 * thread has its own stack of sets; not from a signal handler.
 *
 * Label sets are kept for the life of the process (samples point to them):
 * every distinct set (outer labels included) takes a slot of a table of
 * CPROF_LABELS_MAX_SETS sets and CPROF_LABELS_MAX_BYTES bytes.  Label with
 * a bounded set of values (an endpoint, a tenant, a stage), never with
 * request ids.  When the table is full a push still succeeds (so that
 * pops stay matched), but the set it makes is replaced by the single label
 * cprof.labels=overflow: its samples are counted under that label, and
 * stderr gets one line.  Loading libcprof without labels costs nothing.
 */
#define CPROF_LABELS_MAX_PAIRS 16      /* pairs in a set, outer ones included */
#define CPROF_LABELS_MAX_LEN 255       /* bytes in a key or a value */
#define CPROF_LABELS_MAX_DEPTH 1024    /* pushes without a pop, per thread */
#define CPROF_LABELS_MAX_SETS 4096     /* distinct sets per process */
#define CPROF_LABELS_MAX_BYTES 1048576 /* their memory, per process */

/*
 * Push a label set made of the current one and the pairs key, value, ...
 * ending with a NULL key (the compiler checks the terminator).  Within the
 * call a later duplicate key wins.
 *
 * Errors (nothing pushed): -EINVAL for a NULL first key, a NULL value (an
 * odd count), an empty key, or a key cprof writes itself (thread, pid,
 * comm, bytes); -ENAMETOOLONG for a key or value longer than
 * CPROF_LABELS_MAX_LEN bytes; -E2BIG for a set of more than
 * CPROF_LABELS_MAX_PAIRS pairs; -EOVERFLOW past CPROF_LABELS_MAX_DEPTH
 * nested pushes; -ENOMEM.
 */
int cprof_labels_push(const char *key, const char *value, ...) __attribute__((sentinel));

/* Restore the set that was current before this thread's last push.  0, or
 * -ENOENT when the thread has pushed nothing (an inherited set stays). */
int cprof_labels_pop(void);

#ifndef __cplusplus
/*
 * A block with labels, for C:
 *
 *   CPROF_LABELS("stage", "parse") {
 *           parse(input);      // break, return or goto out of it pop too
 *   }
 *
 * Pushes the pairs (an odd count does not compile), runs the block once,
 * and pops on leaving it by any way but longjmp (the cleanup attribute of
 * gcc and clang).  A failed push runs the block without labels and pops
 * nothing.
 */
/* clang-format off */
#define CPROF_LABELS(...) CPROF_LABELS_(__COUNTER__, __VA_ARGS__)
#define CPROF_LABELS_(n, ...)                                                           \
	for (int CPROF_LABELS_CAT_(cprof_labels_rc_, n) CPROF_LABELS_CLEANUP_ =         \
		     cprof_labels_push(__VA_ARGS__, (const char *)0),                   \
		 CPROF_LABELS_CAT_(cprof_labels_once_, n) = CPROF_LABELS_EVEN_(__VA_ARGS__); \
	     CPROF_LABELS_CAT_(cprof_labels_once_, n);                                  \
	     CPROF_LABELS_CAT_(cprof_labels_once_, n) = 0)
#define CPROF_LABELS_CLEANUP_ __attribute__((cleanup(cprof_labels_scope_end_), unused))
/* 1, or a compile error (an array of negative size) for an odd count. */
#define CPROF_LABELS_EVEN_(...) \
	(1 + 0 * (int)sizeof(char[sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *) % 2 ? -1 : 1]))
#define CPROF_LABELS_CAT_(a, b) CPROF_LABELS_CAT2_(a, b)
#define CPROF_LABELS_CAT2_(a, b) a##b
/* clang-format on */
static inline void cprof_labels_scope_end_(int *rc)
{
	if (*rc == 0)
		cprof_labels_pop();
}
#endif

/* A static, human-readable description of a value returned by cprof_*()
 * (negative errno, or 0).  Never NULL. */
const char *cprof_strerror(int err);

/* The version of the libcprof in use ("MAJOR.MINOR.PATCH"): a program built
 * against one header may run with another library. */
const char *cprof_version(void);

#ifdef __cplusplus
}
#endif
#endif /* CPROF_H */
