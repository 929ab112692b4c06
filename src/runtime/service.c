/*
 * service.c — the runtime's background thread for process-wide events.
 *
 * - Fatal signals.  While a profile is being collected, SIGINT, SIGTERM and
 *   SIGHUP (when the program left them at their default action) are caught;
 *   the handler only wakes this thread, which writes every profile (CPU,
 *   heap...) in normal context, restores the default action and re-raises
 *   the signal, so the process dies as it would have without us.  Writing
 *   from the handler itself could deadlock on malloc's locks.
 * - Periodic heap snapshots (CPROF_HEAP_INTERVAL).
 *
 * The thread blocks every signal and never runs program code.
 *
 * A single-threaded program profiled for the heap only gets no thread: one
 * more thread moves glibc's malloc off its single-thread fast path for good
 * (no atomics, no arena lock), which alone costs more than the whole heap
 * profiler's budget (docs/PERFORMANCE.md).  There, the fatal-signal handler
 * writes the heap profile itself when the interrupted code is outside the
 * allocator and outside cprof — with one thread nothing else can hold a lock
 * or be half way through malloc — and otherwise leaves it to the thread's
 * next allocator call from a safe point (heap.c), with a 1 ms one-shot
 * timer re-delivering the signal in case there is none.  The thread is
 * started as soon as the program creates its first thread (before it
 * exists), and at once when the process's malloc is not libcprof's (the
 * handler could not see the program inside it).
 */
#include "compat.h"
#include "runtime/rt.h"

#include <cprof.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int cprof__spawn_internal(pthread_t *th, void *(*fn)(void *), void *arg);

static pthread_mutex_t svc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t svc_thread;
static _Atomic int svc_running;
static _Atomic uint32_t svc_wake;
static _Atomic int fatal_sig;
static _Atomic int64_t snap_interval_ns;

static const int fatal_sigs[] = {SIGINT, SIGTERM, SIGHUP};

/* Some profile must be written on a fatal signal (set before the handlers
 * are installed). */
static _Atomic int flush_wanted;
/* The handler's own retry timer (single-threaded flush), or -1. */
static int retry_timer = -1;
static unsigned retries;
static volatile sig_atomic_t flushing; /* the single-threaded flush is writing */
#define RETRY_NS 1000000
#define RETRY_MAX 5000 /* 5 s inside the allocator: give up writing */
#define RETRY_COOKIE ((void *)0x63707274UL) /* "cprt" */

/* async-signal-safe */
static void wake(void)
{
	atomic_store(&svc_wake, 1);
	syscall(SYS_futex, &svc_wake, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

__attribute__((noreturn)) static void die_of(int sig)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	syscall(SYS_tgkill, getpid(), cprof__gettid(), sig);
	syscall(SYS_exit_group, 128 + sig); /* not reached */
	__builtin_unreachable();
}

static void *service_main(void *arg)
{
	(void)arg;
	int64_t next = 0;
	for (;;) {
		int64_t iv = atomic_load(&snap_interval_ns), now = cprof__mono_ns();
		if (iv > 0 && next == 0)
			next = now + iv;
		int64_t wait = iv > 0 ? next - now : 1000000000;
		if (wait < 1000000)
			wait = 1000000;
		struct timespec ts = {wait / 1000000000, wait % 1000000000};
		if (!atomic_exchange(&svc_wake, 0))
			syscall(SYS_futex, &svc_wake, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		atomic_store(&svc_wake, 0);
		int sig = atomic_load(&fatal_sig);
		if (sig) {
			cprof__cpu_atexit_forced();
			cprof__heap_atexit_forced();
			die_of(sig);
		}
		if (iv > 0 && cprof__mono_ns() >= next) {
			cprof__heap_snapshot();
			next += iv;
		}
	}
	return NULL;
}

int cprof__service_start(void)
{
	pthread_mutex_lock(&svc_lock);
	int rc = 0;
	if (!atomic_load(&svc_running)) {
		rc = cprof__spawn_internal(&svc_thread, service_main, NULL);
		if (rc == 0)
			atomic_store(&svc_running, 1);
	}
	pthread_mutex_unlock(&svc_lock);
	return rc;
}

/* Threads of this process, from /proc/self/task; 0 if unknown. */
int cprof__service_want_flush(bool need_thread)
{
	/* Threads we did not see created (made before we were loaded, or by
	 * a raw clone): the handler cannot write, a thread must. */
	if (need_thread || cprof__each_thread(NULL, NULL) != 1) {
		int rc = cprof__service_start();
		if (rc != 0)
			return rc;
	}
	atomic_store(&flush_wanted, 1);
	cprof__fatal_install();
	return 0;
}

void cprof__service_threads_coming(void)
{
	if (CPROF_LIKELY(!atomic_load_explicit(&flush_wanted, memory_order_relaxed) ||
			 atomic_load(&svc_running)))
		return;
	if (cprof__service_start() != 0) {
		/* Better no profile on a fatal signal than one written while
		 * another thread may be inside malloc. */
		atomic_store(&flush_wanted, 0);
		cprof__log("cannot start the service thread: profiles will not be written "
			   "if the program dies of a signal", NULL);
	}
}

void cprof__service_interval(int64_t ns)
{
	atomic_store(&snap_interval_ns, ns);
	wake();
}

bool cprof__fatal_pending(void)
{
	return atomic_load(&fatal_sig) != 0 && atomic_load(&svc_running);
}

void cprof__fatal_finish(void)
{
	int sig = atomic_load(&fatal_sig);
	if (sig && !atomic_load(&svc_running))
		die_of(sig); /* the handler was waiting for the program to leave malloc */
}

void cprof__fatal_flush_now(void)
{
	int sig = atomic_load(&fatal_sig);
	if (atomic_load(&svc_running)) {
		wake(); /* the program started a thread since: the service thread writes */
		return;
	}
	flushing = 1;
	cprof__heap_atexit_forced();
	die_of(sig ? sig : SIGTERM);
}

/* async-signal-safe.  Single-threaded flush: 1 ms from now, deliver sig to
 * this thread again. */
static bool retry_later(int sig)
{
	if (retry_timer < 0) {
		struct sigevent sev;
		memset(&sev, 0, sizeof(sev));
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev.sigev_signo = sig;
		sev.sigev_value.sival_ptr = RETRY_COOKIE;
		sev._sigev_un._tid = cprof__gettid();
		int id;
		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id) != 0)
			return false;
		retry_timer = id;
	}
	struct itimerspec its = {{0, 0}, {0, RETRY_NS}};
	return syscall(SYS_timer_settime, retry_timer, 0, &its, NULL) == 0;
}

/* async-signal-safe where it matters: writes only when nothing else can be
 * inside malloc or cprof (one thread, and not this one). */
static void flush_here(int sig, void *uc)
{
	if (cprof__heap_unsafe_here(uc)) {
		/* The program's next call into the allocator flushes; the timer
		 * covers a program that never calls it again. */
		cprof__heap_defer_fatal();
		if (++retries <= RETRY_MAX && retry_later(sig))
			return;
		cprof__log("a fatal signal arrived while the program was inside the allocator; "
			   "the heap profile is not written", NULL);
		die_of(sig);
	}
	flushing = 1;
	cprof__heap_atexit_forced();
	die_of(sig);
}

/* async-signal-safe */
static void on_fatal(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	if (atomic_load(&svc_running)) {
		if (!atomic_exchange(&fatal_sig, sig)) {
			cprof__cpu_pause();
			wake();
		}
		return; /* the service thread writes the profiles, then re-raises */
	}
	int first = 0;
	if (atomic_load(&flush_wanted) &&
	    (atomic_compare_exchange_strong(&fatal_sig, &first, sig) || first != 0)) {
		/* No service thread: CPU profiling always has one, so only the
		 * heap profiles are left to write.  A repeat of the signal (the
		 * retry timer's, or the user's) checks again, unless the flush
		 * is under way. */
		if (!flushing)
			flush_here(first ? first : sig, uc);
		return;
	}
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	raise(sig);
}

/* Catch the fatal signals the program left at their default action.  Once
 * installed they stay: with nothing to write, the handler re-raises at once. */
void cprof__fatal_install(void)
{
	static bool done;
	pthread_mutex_lock(&svc_lock);
	if (!done) {
		done = true;
		for (size_t i = 0; i < CPROF_ARRAY_LEN(fatal_sigs); i++) {
			struct sigaction old, a;
			if (sigaction(fatal_sigs[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
			    (old.sa_flags & SA_SIGINFO))
				continue; /* the program handles it: it will exit() and we write then */
			memset(&a, 0, sizeof(a));
			a.sa_sigaction = on_fatal;
			a.sa_flags = SA_RESTART | SA_SIGINFO;
			/* One fatal signal at a time: the flush does not nest. */
			sigemptyset(&a.sa_mask);
			for (size_t k = 0; k < CPROF_ARRAY_LEN(fatal_sigs); k++)
				sigaddset(&a.sa_mask, fatal_sigs[k]);
			sigaction(fatal_sigs[i], &a, NULL);
		}
	}
	pthread_mutex_unlock(&svc_lock);
}

/* fork(): the child has no service thread. */
void cprof__service_atfork_child(void)
{
	pthread_mutex_init(&svc_lock, NULL);
	atomic_store(&svc_running, 0);
	atomic_store(&fatal_sig, 0);
	retry_timer = -1; /* timers are not inherited */
	retries = 0;
	flushing = 0;
}
