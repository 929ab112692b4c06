/*
 * threadsprof.h — the threads profile (Go's goroutine profile): a snapshot
 * of every live thread's stack, taken by signalling each thread, which
 * writes its own stack into a slot allocated before the signals go out.
 *
 * Data path (docs/ARCHITECTURE.md): /proc/self/task lists the threads and
 * their state → one SIGPROF per thread (CPROF_THREADS_COOKIE, queued with
 * rt_tgsigqueueinfo) → cpu.c's handler calls cprof__threads_sigprof, which
 * unwinds into the thread's slot → the snapshotting thread waits for the
 * answers (bounded: CPROF_THREADS_TIMEOUT_MS in all) → the threads that
 * did not answer are listed with the reason → proto (emit.c) or Go's text
 * forms (textprof.c).
 */
#ifndef CPROF_RUNTIME_THREADSPROF_H
#define CPROF_RUNTIME_THREADSPROF_H

#include "compat.h"
#include "runtime/rt.h"

/* Cookie in si_value of the SIGPROF that asks a thread for its stack. */
#define CPROF_THREADS_COOKIE ((void *)0x63707468UL) /* "cpth" */
/* How long a snapshot waits for all the answers, in total. */
#define CPROF_THREADS_TIMEOUT_MS 100

/* Why a thread of the snapshot has no stack (CPROF__TH_STACK: it has). */
enum {
	CPROF__TH_STACK,     /* answered, or the calling thread */
	CPROF__TH_BLOCKED,   /* SIGPROF blocked in its signal mask (SigBlk) */
	CPROF__TH_STOPPED,   /* stopped or traced: cannot run a handler */
	CPROF__TH_EXITED,    /* a zombie: the main thread after pthread_exit */
	CPROF__TH_TIMEOUT,   /* no answer within CPROF_THREADS_TIMEOUT_MS */
	CPROF__TH_NOSIGNAL,  /* the signal could not be queued */
	CPROF__TH_NOHANDLER, /* cprof's SIGPROF handler could not be installed */
	CPROF__TH_MOVED,     /* left its system call while its stack was copied, twice */
	CPROF__TH_N
};

typedef struct cprof__thread {
	_Atomic int st; /* slot state; the handler's claim (threadsprof.c) */
	pid_t tid;
	char name[16];    /* /proc comm */
	char state;       /* /proc stat letter (R, S, D, T, t, Z...), '?' unknown */
	long sys;         /* /proc syscall: number, -1 running, -2 unknown */
	uintptr_t sp, pc; /* /proc syscall: the user registers while sys >= 0 */
	uint64_t ran;     /* /proc schedstat: run time + times run, to see it run */
	int why;          /* CPROF__TH_* */
	/* The thread's cprof__wait at its answer: reason, object and how long
	 * it had waited (ns). */
	int wait;
	const void *wait_obj;
	int64_t wait_ns;
	uint32_t depth;
	uintptr_t pcs[CPROF_MAX_DEPTH]; /* leaf first, as cprof__unwind_uc gives */
} cprof__thread;

/* Take a snapshot of the process's threads but cprof's own: an arena
 * array in *out (free with cprof__arena_free), tid order, the calling
 * thread's stack from its call into libcprof.  Serialised with
 * other snapshots.  Normal context.  0, -ENOMEM, or -errno when
 * /proc/self/task cannot be read. */
int cprof__threads_snapshot(cprof__thread **out, size_t *n);
/* "SIGPROF blocked", "stopped", ... for CPROF__TH_* (but STACK: ""). */
const char *cprof__threads_why(int why);
/* The thread's state in words: the cprof__wait it answered from ("mutex
 * wait"), else the system call it sleeps in ("futex", "nanosleep", "poll"),
 * else /proc's state ("running", "sleeping", "disk sleep", "stopped"). */
const char *cprof__threads_state(const cprof__thread *t, char *buf, size_t n);
/* cpu.c's SIGPROF handler, for a signal with CPROF_THREADS_COOKIE: write
 * the calling thread's stack into its slot if a snapshot waits for it.
 * uc NULL: taken by a sigwait (sigproxy.c), unwind from here.
 * async-signal-safe */
void cprof__threads_sigprof(const void *uc);
/* Write the threads profile to fd: gzipped proto (debug 0, sample type
 * `name`/count: "threads" or "goroutine"), or Go's text forms (debug 1
 * counts per stack, 2 one block per thread: textprof.c).  0 or -errno. */
int cprof__threads_write(const char *name, int fd, int debug);
void cprof__threads_atfork_child(void);

#endif
