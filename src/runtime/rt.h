/*
 * rt.h — internals shared by the modules of libcprof (src/runtime/).
 *
 * Dialects: functions marked "async-signal-safe" may run in the SIGPROF
 * handler; they never allocate, lock, or call stdio.
 */
#ifndef CPROF_RT_H
#define CPROF_RT_H

#include "compat.h"

#include <signal.h>
#include <stdatomic.h>
#include <sys/types.h>

#define CPROF_TLS __attribute__((tls_model("initial-exec"))) __thread

/* ---- log.c: diagnostics on stderr, async-signal-safe ---- */
/* Write "cprof: " + the NULL-terminated list of strings + "\n" to fd 2 in one
 * write(2).  async-signal-safe. */
void cprof__log(const char *s, ...) __attribute__((sentinel));
/* Format v in decimal into buf (>= 24 bytes); returns buf.  async-signal-safe. */
char *cprof__itoa(char *buf, long long v);
pid_t cprof__gettid(void); /* cached per thread; async-signal-safe */
/* Nanoseconds of CLOCK_REALTIME / CLOCK_MONOTONIC. */
int64_t cprof__now_ns(void);
int64_t cprof__mono_ns(void);

/* ---- stack bounds of the current thread, for guarded stack reads ---- */
extern CPROF_TLS uintptr_t cprof__stack_lo, cprof__stack_hi;
/* Learn the calling thread's stack bounds (normal context). */
void cprof__stack_bounds_init(void);

/* ---- unwind.c ---- */
#define CPROF_MAX_DEPTH 128
/* (Re)build the CFI tables for every loaded object; called at start, after
 * dlopen/dlclose.  Normal context; takes the unwinder's control lock. */
int cprof__unwind_refresh(void);
void cprof__unwind_shutdown(void);
/* Unwind from a signal context: pcs[0] is the interrupted pc, pcs[i>0] are
 * return addresses minus one (inside the call instruction).  Returns depth.
 * async-signal-safe; never faults (all stack reads are guarded). */
int cprof__unwind_uc(const void *ucontext, uintptr_t *pcs, int max);
/* Unwind the calling thread from its own frame (skipping `skip` frames).
 * async-signal-safe. */
int cprof__unwind_here(uintptr_t *pcs, int max, int skip);
/* Start loading the unwinder's cache entries for the frames pcs (as the two
 * above return them): a caller that expects the same stack as last time
 * overlaps those misses with other work, where the unwinder's own lookups
 * come one after another (each frame's pc is known only after the previous
 * frame's lookup).  async-signal-safe */
void cprof__unwind_prefetch(const uintptr_t *pcs, int n);
/* Number of signal handlers inside the unwinder right now. */
extern atomic_int cprof__unwind_users;

/* ---- threads.c: registry, pthread_create interposition, timers ---- */
/* Call fn (if not NULL) with each thread id of the process, from
 * /proc/self/task: threads we may not have seen created (made before we were
 * loaded, raw clone).  Returns how many there are, -1 if it cannot tell. */
int cprof__each_thread(void (*fn)(pid_t tid, void *arg), void *arg);
/*
 * The tail of a thread's life: CPU timers are checked on the kernel tick, so
 * an expiry that falls in a thread's last tick is never delivered if the
 * thread exits first — ~half a tick lost per thread, a bias against
 * short-lived threads.  Each thread created through us keeps count of the
 * periods delivered to it; at exit the periods its CPU clock crossed but
 * that never arrived are recorded against its last sampled stack.
 */
#define CPROF_TAIL_DEPTH 64
typedef struct cprof_tail {
	unsigned gen;       /* profile generation of the thread's timer; 0: none */
	int64_t arm_cpu;    /* thread CPU clock (ns) when the timer was armed */
	long first, period; /* first expiry and interval (ns) */
	uint64_t delivered; /* periods the handler recorded */
	uint32_t nlast;
	uintptr_t *last;    /* last sampled stack; CPROF_TAIL_DEPTH entries */
} cprof_tail;
extern CPROF_TLS cprof_tail cprof__tail;
extern _Atomic unsigned cprof__cpu_gen;
/* Record `weight` periods against stack pcs[0..n) for the calling thread. */
void cprof__cpu_record_tail(uint64_t weight, const uintptr_t *pcs, uint32_t n);
typedef void (*cprof_thread_hook)(void);
/* Called on every thread (those known and those created later) while
 * `on` is true: arm(tid) per thread; disarm all on off. */
int cprof__timers_start(long period_ns);
void cprof__timers_stop(void);
bool cprof__timers_fallback(void); /* true if setitimer is in use */
void cprof__threads_atfork_child(void);

/* ---- sigproxy.c: SIGPROF ownership and the program's own handler ---- */
typedef void (*cprof_sigprof_fn)(int, siginfo_t *, void *);
/* Install fn as SIGPROF handler; remember the program's handler and chain to
 * it for signals that are not cprof's. */
int cprof__sigprof_take(cprof_sigprof_fn fn);
/* Normal context, called now and then while profiling: if the program
 * replaced fn behind our sigaction()/signal() (sigset(), sysv_signal(), a raw
 * rt_sigaction), say so once and take SIGPROF back, forwarding to it. */
void cprof__sigprof_check(cprof_sigprof_fn fn);
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
void cprof__sig_cloak(const int *sigs, size_t n, cprof_sigprof_fn fn, const sigset_t *mask);

/* ---- real libc functions behind our interposers ---- */
void *cprof__real(const char *name);
/* The first `name` in lookup order that is not libcprof's own (a
 * sanitizer's interceptor if one is preloaded, else libc's). */
void *cprof__next(const char *name);

/* ---- maps.c: the process's executable mappings with build ids ---- */
struct cprof_profile;
/* Snapshot /proc/self/maps + build ids into the cumulative set (normal
 * context; called when the set of loaded objects changes). */
void cprof__maps_snapshot(void);
/* Add the collected mappings to p (main binary first); returns the mapping
 * id for an address via cprof__maps_lookup afterwards. */
int cprof__maps_emit(struct cprof_profile *p);
uint64_t cprof__maps_lookup(const struct cprof_profile *p, uintptr_t pc);
void cprof__maps_reset(void);

/* The symbolizer for profiles written in-process: lean (no separate debug
 * files' DWARF, see cprof_symbolizer_set_lean) unless CPROF_SYMBOLIZE=full.
 * NULL on OOM. */
struct cprof_symbolizer *cprof__symbolizer_new(void);

/* ---- cpu.c ---- */
void cprof__cpu_atexit(void);        /* exit: write the profile if running */
void cprof__cpu_atexit_forced(void); /* fatal signal: same, from the service thread */
void cprof__cpu_pause(void);         /* stop recording samples; async-signal-safe */
bool cprof__cpu_active(void);
int cprof__cpu_sigprof_take(void);   /* install cprof's SIGPROF handler */        /* a CPU profile of this process runs; async-signal-safe */
void cprof__cpu_atfork_child(void);

/* ---- heap.c ---- */
void cprof__heap_atexit(void);
void cprof__heap_atexit_forced(void);
bool cprof__heap_active(void);       /* heap profiles to write at exit; async-signal-safe */
void cprof__heap_snapshot(void);     /* CPROF_HEAP_INTERVAL: write path.NNNN */
void cprof__heap_start_env(void);    /* CPROF_HEAP, CPROF_LEAKS, CPROF_TEMP */
void cprof__heap_thread_exit(void);  /* fold the exiting thread's counters */
bool cprof__heap_sampling(void);     /* stacks are being captured */
void cprof__heap_atfork_prepare(void);
void cprof__heap_atfork_parent(void);
void cprof__heap_atfork_child(void);
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
/* async-signal-safe: called by cprof's SIGPROF handler for a park or
 * watchdog signal, or any of cprof's SIGPROFs while a fatal signal's
 * profiles are being written: park the thread if that is safe here. */
void cprof__fatal_sigprof(const siginfo_t *si, const void *uc);
bool cprof__fatal_parking(void);     /* async-signal-safe */
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
/* dl_iterate_phdr's adds/subs changed (dlopen/dlclose). */
void cprof__modules_changed(void);

#endif
