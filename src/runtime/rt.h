/*
 * rt.h — internals shared by the modules of libcprof (src/runtime/).
 *
 * Dialects: functions marked "async-signal-safe" may run in the SIGPROF
 * handler; they never allocate, lock, or call stdio.
 */
#ifndef CPROF_RT_H
#define CPROF_RT_H

#include "compat.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#define CPROF_TLS __attribute__((tls_model("initial-exec"))) __thread

/* cprof's own short critical sections (inside malloc, in signal-safe
 * code, before a sanitizer's runtime is up: no pthread mutex).  Zero is
 * unlocked.  Waiters spin on a plain load, not on the exchange, so that the
 * line is not pulled between cores while held; one whose holder does not
 * come back soon (preempted) yields. */
typedef atomic_int cprof__spin;

static inline void cprof__spin_lock(cprof__spin *l)
{
	for (unsigned n = 0;; n++) {
		if (!atomic_load_explicit(l, memory_order_relaxed) &&
		    !atomic_exchange_explicit(l, 1, memory_order_acquire))
			return;
		if (n < 64) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		} else {
			sched_yield();
		}
	}
}

static inline void cprof__spin_unlock(cprof__spin *l)
{
	atomic_store_explicit(l, 0, memory_order_release);
}

/* ---- log.c: diagnostics on stderr, async-signal-safe ---- */
/* Write "cprof: " + the NULL-terminated list of strings + "\n" to fd 2 in one
 * write(2).  async-signal-safe. */
void cprof__log(const char *s, ...) __attribute__((sentinel));
/* Format v in decimal into buf (>= 24 bytes); returns buf.  async-signal-safe. */
char *cprof__itoa(char *buf, long long v);
pid_t cprof__gettid(void);    /* cached per thread; async-signal-safe */
void cprof__forget_tid(void); /* after fork: the child has a new tid */
/* Nanoseconds of CLOCK_REALTIME / CLOCK_MONOTONIC. */
int64_t cprof__now_ns(void);
int64_t cprof__mono_ns(void);

/* ---- math without libm ----
 * libm costs a process that never used it the pages ld.so touches to load
 * and search it (docs/PERFORMANCE.md, "Footprint"), for the three
 * functions the heap profiler needs.  Relative error below
 * 1e-15 on the domains used; async-signal-safe. */
/* Natural logarithm; x > 0 and finite. */
static inline double cprof__ln(double x)
{
	uint64_t b;
	memcpy(&b, &x, sizeof(b));
	int e = (int)((b >> 52) & 0x7ff) - 1023;
	if (e == -1023) { /* subnormal: normalise first */
		x *= 0x1p54;
		memcpy(&b, &x, sizeof(b));
		e = (int)((b >> 52) & 0x7ff) - 1023 - 54;
	}
	b = (b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
	double m;
	memcpy(&m, &b, sizeof(m)); /* x = m * 2^e, m in [1, 2) */
	if (m > 1.4142135623730951) {
		m *= 0.5;
		e++;
	}
	/* ln m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| <= 0.172 */
	double s = (m - 1) / (m + 1), s2 = s * s, t = 1.0 / 23;
	for (int k = 21; k >= 1; k -= 2)
		t = t * s2 + 1.0 / k;
	return e * 0.6931471805599453 + 2 * s * t;
}
/* e^x; x <= 709 and finite (0 below -745). */
static inline double cprof__exp(double x)
{
	if (x < -745)
		return 0;
	long k = (long)(x * 1.4426950408889634 + (x < 0 ? -0.5 : 0.5));
	/* r = x - k ln 2, with ln 2 in two parts: |r| <= 0.35 */
	double r = (x - (double)k * 6.93147180369123816490e-01) -
		   (double)k * 1.90821492927058770002e-10;
	double t = 1;
	for (int n = 14; n >= 1; n--)
		t = 1 + t * r / n;
	if (k < -1000) {
		t *= 0x1p-1000;
		k += 1000;
	}
	uint64_t b = (uint64_t)(k + 1023) << 52;
	double p;
	memcpy(&p, &b, sizeof(p));
	return t * p;
}
/* The nearest integer, halves away from zero; |x| < 2^63. */
static inline long long cprof__llround(double x)
{
	return x < 0 ? -(long long)(-x + 0.5) : (long long)(x + 0.5);
}

/* ---- stack bounds of the current thread, for guarded stack reads ---- */
extern CPROF_TLS uintptr_t cprof__stack_lo, cprof__stack_hi;
/* Learn the calling thread's stack bounds (normal context). */
void cprof__stack_bounds_init(void);

/* ---- unwind.c ---- */
#define CPROF_MAX_DEPTH 128
/* Nothing to prepare: unwinding reads each object's .eh_frame_hdr in place,
 * on the first sample that needs it (unwind.c).  Kept as the start hook of
 * the CPU and heap profilers; returns 0. */
int cprof__unwind_refresh(void);
void cprof__unwind_shutdown(void);
/* Around the real dlclose (normal context): begin waits until no handler is
 * reading CFI (microseconds) and keeps new ones to the row cache until end,
 * which also invalidates that cache (the closed object's addresses may hold
 * other code later). */
void cprof__unwind_close_begin(void);
void cprof__unwind_close_end(void);
void cprof__unwind_atfork_child(void);
/* Unwind from a signal context: pcs[0] is the interrupted pc, pcs[i>0] are
 * return addresses minus one (inside the call instruction).  Returns depth.
 * async-signal-safe; never faults (all stack reads are guarded). */
int cprof__unwind_uc(const void *ucontext, uintptr_t *pcs, int max);
/* Unwind the calling thread from its own frame (skipping `skip` frames).
 * async-signal-safe. */
int cprof__unwind_here(uintptr_t *pcs, int max, int skip);
/* The stack of a thread stopped in a system call, from a copy of it:
 * [lo, hi) of the original is at copy (lo and copy 8-byte aligned); pc,
 * sp and bp (0: unknown) its registers.  Reads outside the window end the
 * stack; frames whose CFA is rbp-based end it too when bp is unknown. */
int cprof__unwind_copy(uintptr_t pc, uintptr_t sp, uintptr_t bp, const void *copy, uintptr_t lo,
		       uintptr_t hi, uintptr_t *pcs, int max);
/* Start loading the unwinder's cache entries for the frames pcs (as the two
 * above return them): a caller that expects the same stack as last time
 * overlaps those misses with other work, where the unwinder's own lookups
 * come one after another (each frame's pc is known only after the previous
 * frame's lookup).  async-signal-safe */
void cprof__unwind_prefetch(const uintptr_t *pcs, int n);
/* Number of signal handlers inside the unwinder right now. */
extern atomic_int cprof__unwind_users;

/* ---- threads.c: registry, pthread_create interposition, timers ---- */
/* Once, from the constructor (env.c): the atfork handlers. */
void cprof__threads_init(void);
/* Create a thread that is never profiled (the writer, the service thread):
 * all signals blocked, a small stack, named "cprof".  0 or -errno. */
int cprof__spawn_internal(pthread_t *th, void *(*fn)(void *), void *arg);
/* Call fn (if not NULL) with each thread id of the process, from
 * /proc/self/task: threads we may not have seen created (made before we were
 * loaded, raw clone).  Returns how many there are, -1 if it cannot tell. */
int cprof__each_thread(void (*fn)(pid_t tid, void *arg), void *arg);
/* The thread pointer of thread tid (its pthread_t: x86-64 glibc's TCB is
 * at the thread pointer), for threads started after libcprof was loaded
 * and the one that loaded it; 0 when unknown.  With an initial-exec TLS
 * variable's offset from the caller's own thread pointer it locates that
 * thread's copy (the threads profile reads cprof__wait so).  Normal
 * context. */
uintptr_t cprof__thread_tp(pid_t tid);
/*
 * The tail of a thread's life: CPU timers are checked on the kernel tick, so
 * an expiry that falls in a thread's last tick is never delivered if the
 * thread exits first — ~half a tick lost per thread, a bias against
 * short-lived threads.  Each thread created through us keeps count of the
 * periods delivered to it; at exit the periods its CPU clock crossed but
 * that never arrived are recorded against its last sampled stack.
 */
#define CPROF_TAIL_DEPTH 64
typedef struct cprof__tail_state {
	unsigned gen;       /* profile generation of the thread's timer; 0: none */
	int64_t arm_cpu;    /* thread CPU clock (ns) when the timer was armed */
	long first, period; /* first expiry and interval (ns) */
	uint64_t delivered; /* periods the handler recorded */
	uint32_t nlast;
	uintptr_t *last;                      /* last sampled stack; CPROF_TAIL_DEPTH entries */
	const struct cprof__labelset *labels; /* that sample's label set */
} cprof__tail_state;
extern CPROF_TLS cprof__tail_state cprof__tail;
extern _Atomic unsigned cprof__cpu_gen;
/* Record `weight` periods against stack pcs[0..n) for the calling thread. */
void cprof__cpu_record_tail(uint64_t weight, const uintptr_t *pcs, uint32_t n);
typedef void (*cprof__thread_hook)(void);
/* Called on every thread (those known and those created later) while
 * `on` is true: arm(tid) per thread; disarm all on off.  Two holders may
 * share the timers (the CPU profiler and the execution trace): each start
 * takes a reference and each stop gives one back; the last stop disarms.
 * period_ns > 0 sets the period (re-arming every timer when they already
 * run); 0 keeps the running period, or CPROF_DEFAULT_HZ's when none. */
int cprof__timers_start(long period_ns);
void cprof__timers_stop(void);
long cprof__timers_period(void);   /* ns; async-signal-safe */
bool cprof__timers_fallback(void); /* true if setitimer is in use */
void cprof__threads_atfork_child(void);

/* ---- sigproxy.c: SIGPROF ownership and the program's own handler ---- */
typedef void (*cprof__sigprof_fn)(int, siginfo_t *, void *);
/* Install fn as SIGPROF handler; remember the program's handler and chain to
 * it for signals that are not cprof's. */
int cprof__sigprof_take(cprof__sigprof_fn fn);
/* Normal context, called now and then while profiling: if the program
 * replaced fn behind our sigaction()/signal() (sigset(), sysv_signal(), a raw
 * rt_sigaction), say so once and take SIGPROF back, forwarding to it. */
void cprof__sigprof_check(cprof__sigprof_fn fn);
void cprof__sigprof_release(void);
/* Forward a SIGPROF that is not cprof's to the program's handler.
 * async-signal-safe. */
void cprof__sigprof_forward(int sig, siginfo_t *si, void *uc);
/* Cookie in si_value identifying cprof's timer signals. */
#define CPROF_TIMER_COOKIE ((void *)0x63707266UL) /* "cprf" */
/* Cookie of the SIGPROF that parks a thread while a fatal signal's profile
 * is written (service.c), and of the service thread's watchdog. */
#define CPROF_PARK_COOKIE ((void *)0x63707061UL)     /* "cppa" */
#define CPROF_WATCHDOG_COOKIE ((void *)0x63707764UL) /* "cpwd" */
/* Queue one SIGPROF carrying cookie to thread tid of this process: 0, or
 * -errno (-ESRCH: it has ended).  async-signal-safe. */
int cprof__sigprof_queue(pid_t tid, void *cookie);
/* Resolve the real mask/wait functions (constructor, before any wrapper use). */
void cprof__sigproxy_init(void);
/* While on, the interposed pthread_sigmask/sigprocmask keep SIGPROF really
 * unblocked and the program sees the mask it asked for (per thread). */
void cprof__sigmask_keep(bool on);
/* On a new thread / the starting thread: apply the above to it; inherited
 * is the creator's view (cprof__sigmask_prof_view), -1 if unknown. */
void cprof__sigmask_adopt(int inherited);
int cprof__sigmask_prof_view(void);
/* pthread_sigmask for cprof's own use (not the program's view). */
int cprof__mask_real(int how, const sigset_t *set, sigset_t *old);
/* async-signal-safe: the program's own SIGPROF on a thread whose program
 * mask blocks it: make it pending again; false if not blocked. */
bool cprof__sigprof_bounce(siginfo_t *si, void *uc);
/* async-signal-safe: is this SIGPROF one of cprof's (timer, park, watchdog)? */
bool cprof__sigprof_is_ours(const siginfo_t *si);
/* async-signal-safe: one of cprof's SIGPROFs was taken by a sigwait (cpu.c). */
void cprof__sigprof_consumed(const siginfo_t *si);
/* Install fn, cloaked (the program sees its own view, SIG_DFL), for each of
 * sigs whose disposition is SIG_DFL; again whenever the program sets SIG_DFL. */
void cprof__sig_cloak(const int *sigs, size_t n, cprof__sigprof_fn fn, const sigset_t *mask);

/* ---- real libc functions behind our interposers ---- */
void *cprof__real(const char *name);
/* The same, of one version of name (NULL if libc has no such version). */
void *cprof__real_version(const char *name, const char *version);
/* Are a and b addresses in the same loaded object? */
bool cprof__same_object(const void *a, const void *b);
/* The first `name` in lookup order that is not libcprof's own (a
 * sanitizer's interceptor if one is preloaded, else libc's). */
void *cprof__next(const char *name);

/* ---- maps.c: the process's executable mappings with build ids ---- */
struct cprof__profile;
/* Bring the cumulative set up to date with the loaded objects
 * (dl_iterate_phdr; normal context): cheap when no object was loaded or
 * unloaded since the last call (dl_iterate_phdr's adds/subs counters).
 * Called by the CPU writer thread, before a dlclose, and when a profile is
 * written; objects once seen stay in the set until cprof__maps_reset. */
void cprof__maps_snapshot(void);
/* Before the program's dlclose(h): record what it may unload (cheap when
 * that is all known already).  Normal context. */
void cprof__maps_before_dlclose(void *h);
/* One collected mapping as added to a profile: its id there, and which
 * look last saw it (the latest object at an address wins). */
typedef struct cprof__maprange {
	uintptr_t start, limit;
	uint64_t id;
	unsigned seq;
} cprof__maprange;
/* Add the collected mappings to p (main binary first) and give their ids
 * in a new array (arena; *out NULL on OOM).  emit.c looks pcs up in it. */
void cprof__maps_emit(struct cprof__profile *p, cprof__maprange **out, size_t *n);
/* The extent of the executable mappings of the object that holds addr
 * (of the last look); false when no collected object holds it. */
bool cprof__maps_object(uintptr_t addr, uintptr_t *lo, uintptr_t *hi);
void cprof__maps_reset(void);
void cprof__maps_atfork_prepare(void);
void cprof__maps_atfork_parent(void);
void cprof__maps_atfork_child(void);
/* Held by cprof around its own calls into the dynamic loader that take
 * glibc's dl_load_write_lock (dl_iterate_phdr, dlopen), which fork() does
 * not reset in the child; the atfork prepare handler takes it first, so no
 * cprof thread holds the loader's lock at a fork (and waits for the
 * program's threads to leave it: cprof__maps_atfork_prepare). */
void cprof__loader_lock(void);
void cprof__loader_unlock(void);

/* Name p's locations in-process (lean: no separate debug files' DWARF, see
 * cprof__symbolizer_set_lean, unless CPROF_SYMBOLIZE=full).  Under the
 * loader lock: it may dlopen libdw. */
void cprof__symbolize(struct cprof__profile *p);

struct cprof__profile;
/* ---- outfile.c: profiles written whole or not at all ---- */
/* path made absolute against the current directory into buf (a symbolic
 * link: its target's path).  0 or -errno. */
int cprof__out_abspath(const char *path, char *buf, size_t n);
/* Can a profile be written to path later?  A regular file (or none yet) in
 * a writable directory, or a writable character device; -EINVAL for a
 * FIFO, socket or block device, -EISDIR, or open(2)'s errors.  Creates
 * nothing (a probe temporary is made and removed). */
int cprof__out_check(const char *path);
/* Write a profile: fn(fd, arg) writes into a temporary beside path, which
 * is synced and renamed over path only if fn returned 0 (else removed); a
 * character device is written in place.  Returns fn's result or -errno. */
int cprof__out_write(const char *path, int (*fn)(int fd, void *arg), void *arg);
/* The path of the profile variable `name` set to v: absolute (the program
 * may chdir before writing), with .PID in an exec'd child
 * (cprof__env_pid_suffix); *family gets it without (what forked children
 * add their .PID to).  NULL if v is NULL or empty, or on error (logged
 * once, and `name` unset for the children).  Arena strings. */
char *cprof__out_env_path(const char *name, const char *v, char **family);
/* In a forked child: replace *p (if set) by family.PID; false on OOM. */
bool cprof__out_child_path(char **p, const char *family);
/* With CPROF_PROCESS_LABELS: the labels `pid` and `comm` (the process's
 * name now) for every sample of p, into out; returns how many (0 without). */
struct cprof__label;
size_t cprof__proc_labels(struct cprof__profile *p, struct cprof__label *out);

/* ---- labels.c: profile labels (cprof_labels_push) ---- */
/* An interned label set: immutable and never freed once made, so that a
 * sample keeps a pointer (or the id) and nothing else. */
typedef struct cprof__labelset {
	uint32_t id; /* CPROF__LABELS_OVERFLOW_ID, or from CPROF__LABELS_FIRST_ID */
	uint32_t n;  /* pairs */
	uint64_t hash;
	const char *kv[]; /* key, value, ... sorted by key, keys unique */
} cprof__labelset;
#define CPROF__LABELS_OVERFLOW_ID 1 /* cprof.labels=overflow: the table was full */
#define CPROF__LABELS_FIRST_ID 2
/* The calling thread's current set, NULL for none.  Read it anywhere (a
 * signal handler, inside malloc): one TLS word, written by its own thread. */
extern CPROF_TLS const cprof__labelset *cprof__labels_cur;
/* The id of the current set, 0 for none.  async-signal-safe; runs inside
 * malloc: must not allocate */
static inline uint32_t cprof__labels_cur_id(void)
{
	const cprof__labelset *s = cprof__labels_cur;
	return s ? s->id : 0;
}
/* The set of an id (from a sample), NULL for 0.  Any context. */
const cprof__labelset *cprof__labels_by_id(uint32_t id);
/* Pushes that found the table full (and got the overflow set). */
uint64_t cprof__labels_overflowed(void);
/* A new thread starts with its creator's set s (threads.c's trampoline). */
void cprof__labels_inherit(const cprof__labelset *s);
void cprof__labels_thread_exit(void); /* its stack of sets is freed */
void cprof__labels_atfork_prepare(void);
void cprof__labels_atfork_parent(void);
void cprof__labels_atfork_child(void);

/* ---- stacks.c: profiles counted per stack ---- */
enum { CPROF__SP_THREADCREATE, CPROF__SP_MUTEX, CPROF__SP_BLOCK, CPROF__SP_N };
/* Record one event of `kind` with the calling thread's stack and label
 * set (cprof__labels_cur: entries are per stack and set), leaving out
 * `skip` frames of its callers as well as its own (normal context; any
 * thread; a spinlock). */
void cprof__stackprof_record(int kind, int skip, int64_t v0, int64_t v1);
/* Record one event of `kind` with the stack pcs[0..n) (leaf first). */
void cprof__stackprof_add(int kind, const uintptr_t *pcs, uint32_t n, int64_t v0, int64_t v1);
/* Was kind's profile asked for by its CPROF_* variable (path)? */
bool cprof__stackprof_env_on(int kind);
/* kind's distinct stacks (Go's Profile.Count). */
size_t cprof__stackprof_count(int kind);
/* kind's two values summed over its stacks. */
void cprof__stackprof_totals(int kind, int64_t *v0, int64_t *v1);
/* The kind named `name` (cprof_profile_write's names), or -1. */
int cprof__stackprof_kind(const char *name);
/* Write kind's profile (gzipped profile.proto) to fd: 0 or -errno. */
int cprof__stackprof_write(int kind, int fd);
/* CPROF_THREADCREATE=path: written at exit; true if any is on. */
bool cprof__stackprof_start_env(void);
bool cprof__stackprof_active(void); /* async-signal-safe */
void cprof__stackprof_atexit(void);
void cprof__stackprof_atfork_child(void);

/* ---- contention.c: what a thread is blocked in ----
 * The lock, condvar and join interposers set the calling thread's record
 * around each wait that blocks (never on the uncontended path), so that a
 * handler running on that thread (the threads profile) can say what it
 * waits in, and since when. */
enum {
	CPROF__WAIT_NONE,
	CPROF__WAIT_MUTEX,
	CPROF__WAIT_RWLOCK_READ,
	CPROF__WAIT_RWLOCK_WRITE,
	CPROF__WAIT_SPIN,
	CPROF__WAIT_COND,
	CPROF__WAIT_SEM,
	CPROF__WAIT_JOIN,
	CPROF__WAIT_BARRIER,
	CPROF__WAIT_IO,
	CPROF__WAIT_N
};
typedef struct cprof__wait_state {
	int reason;      /* CPROF__WAIT_*; NONE: not in an interposed wait */
	const void *obj; /* the mutex, condvar, semaphore...; fd for IO as (void *)(intptr_t)fd */
	int64_t since;   /* when the wait began, in the waits' clock's ticks */
} cprof__wait_state;
/* Nanoseconds since `since` (a cprof__wait_state's). */
int64_t cprof__wait_elapsed_ns(int64_t since);
extern CPROF_TLS cprof__wait_state cprof__wait;
/* "mutex", "rwlock read", "rwlock write", "spinlock", "condvar",
 * "semaphore", "join", "barrier", "io"; "" for NONE. */
const char *cprof__wait_name(int reason);
/* CPROF_MUTEX_FRACTION, CPROF_BLOCK_RATE, CPROF_MUTEX_STACK, CPROF_BLOCK_IO:
 * start what CPROF_MUTEX / CPROF_BLOCK ask for (constructor, after
 * cprof__stackprof_start_env). */
void cprof__contention_start_env(void);
void cprof__contention_atfork_child(void);
/* Contended waits the holder table had no room for (charged to their
 * waiters instead). */
uint64_t cprof__contention_untracked(void);
/* Is pc inside the interposers (their frames lead every stack they record)? */
bool cprof__wait_frame(uintptr_t pc);
/* The trace started or stopped: the interposers re-read what to time. */
void cprof__contention_update(void);

/* ---- trace.c: the execution trace ---- */
/* True while an execution trace records (relaxed loads suffice). */
extern atomic_bool cprof__trace_on;
/* A blocking wait of the calling thread ended: it waited in `reason` on obj
 * from t0 to t1 (cprof__mono_ns).  The stack is taken here, leaving out
 * `skip` frames above the caller.  Normal context, called only while
 * cprof__trace_on. */
void cprof__trace_block(int reason, const void *obj, int64_t t0, int64_t t1, int skip);
/* One of cprof's timer signals arrived on the calling thread: record a
 * sample of `weight` periods, with stack pcs[0..n) when the CPU profiler
 * unwound it already (else pcs NULL: unwound here from uc).
 * async-signal-safe; cheap when no trace records. */
void cprof__trace_sample(const void *uc, const uintptr_t *pcs, uint32_t n, uint32_t weight);
/* pthread_create (threads.c), before the real one: the creator's tid, time
 * and stack for the new thread, or NULL when no trace records (arena
 * memory: cprof__trace_thread_start frees it, or the creator if the
 * creation fails).  Normal context. */
void *cprof__trace_create_begin(void);
/* On the new thread, first thing (threads.c's trampoline): its buffer and
 * its start event; frees create. */
void cprof__trace_thread_start(void *create);
/* The calling thread exits (threads.c's TLS destructor). */
void cprof__trace_thread_exit(void);
/* CPROF_TRACE=path: trace from the constructor to exit; true if on. */
bool cprof__trace_start_env(void);
void cprof__trace_atexit(void); /* write the trace if this process runs one */
bool cprof__trace_active(void); /* this process runs a trace; async-signal-safe */
void cprof__trace_atfork_child(void);

/* ---- metrics.c: /metrics (Prometheus text format 0.0.4) ---- */
struct cprof__buf;
void cprof__metrics_write(struct cprof__buf *b);

/* ---- http.c: /debug/pprof ---- */
void cprof__http_start_env(void); /* CPROF_HTTP (constructor) */
void cprof__http_atfork_child(void);

/* ---- env.c: which file this process writes ---- */
/* Does this process write `path.PID` rather than `path` (an exec'd child of
 * a profiled process, or CPROF_CPU_USE_PID=1)?  Decided once in the
 * constructor, for CPU and heap profiles alike. */
bool cprof__env_pid_suffix(void);
/* A descendant of the profiled process (CPROF_CPU_ROOT names another
 * process): settings meant for one process (CPROF_LEAKS_EXITCODE) skip it. */
bool cprof__env_descendant(void);
/* Profile paths for a forked child: `family.PID`.  0 or -ENAMETOOLONG. */
int cprof__child_path(const char *family, char *buf, size_t n);
/* CPROF_PROCESS_LABELS=1: label samples with `pid` and `comm`. */
bool cprof__process_labels(void);
/* The variable name is set to something other than "" or "0". */
bool cprof__env_flag(const char *name);
/* Is ThreadSanitizer's runtime loaded?  It kills a child that starts a
 * thread after a multi-threaded fork, so forked children stay unprofiled. */
bool cprof__under_tsan(void);

/* ---- cpu.c ---- */
void cprof__cpu_atexit(void); /* exit: write the profile if running */
/* Is a CPU profile running; its samples taken and lost so far. */
bool cprof__cpu_counts(uint64_t *samples, uint64_t *lost);
void cprof__cpu_atexit_forced(void); /* fatal signal: same, from the service thread */
void cprof__cpu_pause(void);         /* stop recording samples; async-signal-safe */
bool cprof__cpu_active(void);        /* a CPU profile of this process runs; async-signal-safe */
int cprof__cpu_sigprof_take(void);   /* install cprof's SIGPROF handler */
void cprof__cpu_atfork_child(void);
void cprof__cpu_atfork_child_resume(void); /* after every other child handler */
/* cprof_cpu_start(path) whose forked children write family.PID. */
int cprof__cpu_start_family(const char *path, const char *family, int hz);

/* ---- arena.c: cprof's own memory, from its own mappings ---- */
/* Every allocation libcprof makes for itself comes from here, never from
 * the program's allocator: not in the program's heap profile, and no cause
 * of glibc consolidating the program's arena.  Thread-safe; not
 * async-signal-safe.  A block carries a header that heap.c's free(),
 * realloc() and malloc_usable_size() recognise, so memory cprof hands to a
 * library or the program may be released with plain free().  While a
 * thread is inside cprof (cprof__own_enter), the interposed malloc family
 * serves its calls from here too: libdw's, zlib's and libc's own
 * allocations made on cprof's behalf (under glibc's allocator only). */
#define CPROF_ARENA_COOKIE 0xc0ffee5afec0de08ULL /* heap.c's COOKIE */
void *cprof__arena_alloc(size_t n);
void *cprof__arena_calloc(size_t n, size_t m);
void *cprof__arena_realloc(void *p, size_t n);
void cprof__arena_free(void *p);
char *cprof__arena_strdup(const char *s);
/* p (not NULL, 16-byte aligned, with 16 readable bytes before it: a
 * pointer free() got under glibc) is an arena block. */
bool cprof__arena_owns(const void *p);
size_t cprof__arena_usable(const void *p);
extern CPROF_TLS int cprof__arena_inside; /* this thread holds the arena lock */
void cprof__arena_atfork_prepare(void);
void cprof__arena_atfork_parent(void);
void cprof__arena_atfork_child(void);

/* ---- heap.c ---- */
#ifdef CPROF_TEST_BOOT
/* The test build's allocations made while resolving the allocator
 * (tests/integration/heap_boot.sh); exported by that build only. */
void **cprof_test_boot_objects(void);
#endif
/* Mark the calling thread as working for cprof (profile writing, table
 * building, symbolisation): its allocations are not the program's — not
 * counted, not sampled, and served from the arena.  Nests; returns the
 * state to give back to cprof__own_leave. */
int cprof__own_enter(void);
void cprof__own_leave(int prev);
/* The calling thread is inside cprof (cprof__own_enter) or inside the
 * interposed allocator's sampling: its locks are not the program's.
 * async-signal-safe. */
bool cprof__heap_busy(void);
void cprof__heap_atexit(void);
/* The heap profile's totals now, unbiased: alloc_objects, alloc_space,
 * inuse_objects, inuse_space.  False (zeros) while heap sampling is off. */
bool cprof__heap_estimates(int64_t v[4]);
/* The heap profile's records (buckets) now: Go's Profile.Count. */
size_t cprof__heap_count(void);
void cprof__heap_atexit_forced(void);
bool cprof__heap_active(void);      /* heap profiles to write at exit; async-signal-safe */
void cprof__heap_snapshot(void);    /* CPROF_HEAP_INTERVAL: write path.NNNN */
bool cprof__heap_start_env(void);   /* CPROF_HEAP, CPROF_LEAKS, CPROF_TEMP; true if on */
void cprof__heap_thread_exit(void); /* fold the exiting thread's counters */
bool cprof__heap_sampling(void);    /* stacks are being captured */
/* The program's allocator is known to be glibc's: it takes its locks for a
 * fork after every prepare handler, not in one of them. */
bool cprof__heap_glibc_allocator(void);
void cprof__heap_atfork_prepare(void);
void cprof__heap_atfork_parent(void);
void cprof__heap_atfork_child(void);
void cprof__heap_atfork_child_resume(void); /* after every other child handler */
/* async-signal-safe: is the interrupted context (a ucontext_t) inside the
 * allocator or inside cprof's heap code, so that no heap profile can be
 * written from a handler now? */
bool cprof__heap_unsafe_here(const void *uc);
/* async-signal-safe: make the calling thread's next allocator call from a
 * safe point call cprof__fatal_flush_now(). */
void cprof__heap_defer_fatal(void);

/* ---- service.c: the background thread for fatal signals and snapshots ---- */
int cprof__service_start(void);
/* A profile must be written on fatal signals: install the handlers; start
 * the thread now if need_thread or if the process already has other
 * threads. */
int cprof__service_want_flush(bool need_thread);
/* The program is about to create a thread (pthread_create): start the
 * service thread first if a flush is wanted. */
void cprof__service_threads_coming(void);
/* At exit: die of a fatal signal whose flush waited for the program to
 * leave the allocator. */
void cprof__fatal_finish(void);
/* Single-threaded flush at a safe point: write the heap profiles and die of
 * the pending fatal signal.  Returns only if the service thread has been
 * started since, and does it. */
void cprof__fatal_flush_now(void);
void cprof__service_interval(int64_t ns);
void cprof__fatal_install(void);
bool cprof__fatal_pending(void);
/* The service thread is writing a fatal signal's profiles and will end the
 * process: park the calling thread (exit paths that find that). */
__attribute__((noreturn)) void cprof__fatal_wait(void);
void cprof__service_atfork_child(void);
/* Around the program's dlclose (cpu.c): record the mappings of what may be
 * unloaded, and keep the unwinder off its CFI while it goes. */
bool cprof__dlclose_begin(void *h);
void cprof__dlclose_end(void);
/* async-signal-safe: called by cprof's SIGPROF handler for a park or
 * watchdog signal, or any of cprof's SIGPROFs while a fatal signal's
 * profiles are being written: park the thread if that is safe here. */
void cprof__fatal_sigprof(const siginfo_t *si, const void *uc);
bool cprof__fatal_parking(void); /* async-signal-safe */
/* A program thread ends (pthread_exit, or the end of its start routine):
 * if only cprof's threads are left, the service thread ends the process as
 * the last thread would have (exit(0)). */
void cprof__service_thread_gone(void);
int64_t cprof__service_cpu_ns(void); /* the service thread's CPU time so far */
/* cprof's own threads (writer, service): register on start, unregister at
 * end; cprof__internal_tid says whether tid is one. */
void cprof__internal_enter(void);
void cprof__internal_leave(void);
bool cprof__internal_tid(pid_t tid);
/* Depth of cprof code on this thread that holds (or may take) cprof's
 * locks: a fatal signal's park waits for the thread to leave it. */
extern CPROF_TLS int cprof__in_rt;

#endif
