/*
 * service.c — the runtime's background thread for process-wide events.
 *
 * - Deaths by a signal.  While a profile is being collected, every signal
 *   whose default action kills (SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT,
 *   SIGALRM, SIGUSR1...) and that the program left at SIG_DFL gets a cloaked
 *   handler (sigproxy.c: the program still sees SIG_DFL, and its own handler
 *   replaces ours for real).  The handler stops the program where it stands:
 *   it parks its own thread, and this thread parks every other program
 *   thread with a SIGPROF carrying CPROF_PARK_COOKIE, which cprof's SIGPROF
 *   handler turns into a wait that never ends.  A thread interrupted inside
 *   the allocator, the dynamic loader or cprof's own locked code is not
 *   parked there (the writing would deadlock on its lock): it goes on for a
 *   moment and is signalled again 1 ms later.  Then this thread writes every
 *   profile in normal context, restores the default action and re-raises the
 *   signal: the process dies of it, with the profile as of the signal.
 *   Every wait is bounded: a thread that cannot be parked within PARK_MAX_NS
 *   is left running while the profiles are written (one stderr line; it
 *   holds no lock for good, being unparked), and a watchdog timer ends the
 *   writing after WRITE_MAX_NS (the process dies of the signal, without
 *   the profiles).
 *   Threads that really block SIGPROF (created before libcprof was loaded,
 *   or by raw system calls) cannot be parked and are left running.
 * - Crashes (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT): the
 *   process's state may be corrupt (abort() is how glibc reports a broken
 *   heap), so no profile is written; one stderr line says so and the signal
 *   takes its default action.
 * - The end of the program's threads: a process ends when its last thread
 *   does (main calling pthread_exit), and cprof's threads must not keep it
 *   alive.  When only they are left, this thread calls exit(0), as glibc's
 *   last thread would have: atexit handlers and destructors run and the
 *   profiles are written.
 * - Periodic heap snapshots (CPROF_HEAP_INTERVAL).
 *
 * The thread blocks every signal and never runs program code (but the
 * program's exit handlers when it ends the process in place of its last
 * thread).
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
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t svc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t svc_thread;
static _Atomic int svc_running;
static _Atomic uint32_t svc_wake;
static _Atomic int fatal_sig;
static _Atomic int64_t snap_interval_ns;
static _Atomic int threads_check; /* a program thread ended: are any left? */

/* Signals whose default action ends the process, that cprof must see to
 * write the profiles.  Asynchronous ones: write, then die of them. */
static const int async_sigs[] = {
	SIGHUP,  SIGINT,    SIGQUIT, SIGUSR1, SIGUSR2,   SIGPIPE, SIGALRM,
	SIGTERM, SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGIO,   SIGPWR,
};
/* Crashes: no profile, one line. */
static const int crash_sigs[] = {SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGSYS};

/* Some profile must be written on a fatal signal (set before the handlers
 * are installed). */
static _Atomic int flush_wanted;
/* The handler's own retry timer (single-threaded flush), or -1. */
static int retry_timer = -1;
static unsigned retries;
static volatile sig_atomic_t flushing; /* the single-threaded flush is writing */
#define RETRY_NS 1000000
#define RETRY_MAX 5000                      /* 5 s inside the allocator: give up writing */
#define RETRY_COOKIE ((void *)0x63707274UL) /* "cprt" */

/* Parking the program's threads for a fatal signal. */
#define PARK_MAX_NS 2000000000LL   /* a thread not parked by then: no profile */
#define WRITE_MAX_NS 30000000000LL /* the writing's watchdog */
#define MAX_PARKED 4096
static _Atomic int parking;
static _Atomic uint32_t parked_n; /* futex word */
static _Atomic pid_t parked_tids[MAX_PARKED];
static _Atomic uint32_t never; /* parked threads wait on it; nobody wakes them */
static CPROF_TLS volatile sig_atomic_t tls_parked;
/* cprof's own thread: never parked (the service thread, which writes, takes
 * a timer SIGPROF still pending from before it unblocked the signal). */
static CPROF_TLS volatile sig_atomic_t tls_internal;

/* cprof's own threads (writer, service). */
#define MAX_INTERNAL 8
static _Atomic pid_t internal_tids[MAX_INTERNAL];

/* Code ranges of the dynamic loader: a thread interrupted there may hold
 * its lock, which the writing needs (dladdr, dl_iterate_phdr). */
static struct {
	uintptr_t lo, hi;
} ldso[4];
static int nldso;

CPROF_TLS int cprof__in_rt;

void cprof__internal_enter(void)
{
	tls_internal = 1;
	pid_t me = cprof__gettid();
	for (int i = 0; i < MAX_INTERNAL; i++) {
		pid_t z = 0;
		if (atomic_compare_exchange_strong(&internal_tids[i], &z, me))
			return;
	}
}

void cprof__internal_leave(void)
{
	pid_t me = cprof__gettid();
	for (int i = 0; i < MAX_INTERNAL; i++) {
		pid_t t = me;
		if (atomic_compare_exchange_strong(&internal_tids[i], &t, 0))
			return;
	}
}

bool cprof__internal_tid(pid_t tid)
{
	for (int i = 0; i < MAX_INTERNAL; i++)
		if (atomic_load(&internal_tids[i]) == tid)
			return true;
	return false;
}

static int count_internal(void)
{
	int n = 0;
	for (int i = 0; i < MAX_INTERNAL; i++)
		n += atomic_load(&internal_tids[i]) != 0;
	return n;
}

/* async-signal-safe */
static void wake(void)
{
	atomic_store(&svc_wake, 1);
	syscall(SYS_futex, &svc_wake, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* The default action, really (not through our cloaking sigaction).
 * async-signal-safe */
static void set_default(int sig)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	syscall(SYS_rt_sigaction, sig, &dfl, NULL, _NSIG / 8);
}

/* async-signal-safe */
__attribute__((noreturn)) static void die_of(int sig)
{
	set_default(sig);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, _NSIG / 8);
	syscall(SYS_tgkill, getpid(), cprof__gettid(), sig);
	syscall(SYS_exit_group, 128 + sig); /* not reached */
	__builtin_unreachable();
}

/* Read /proc/self/task/TID/status (or /proc/self/status for tid 0) into buf.
 * Normal context. */
static bool read_status(pid_t tid, char *buf, size_t cap)
{
	char path[64], num[24];
	strcpy(path, "/proc/self/");
	if (tid) {
		strcat(path, "task/");
		strcat(path, cprof__itoa(num, tid));
		strcat(path, "/");
	}
	strcat(path, "status");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return true;
}

static const char *field(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);
	return p ? p + strlen(name) : NULL;
}

/* Is this thread dead (a zombie group leader, exiting) or does it really
 * block SIGPROF (it cannot be parked)? */
static bool unparkable(pid_t tid)
{
	char buf[2048];
	if (!read_status(tid, buf, sizeof(buf)))
		return true; /* gone */
	const char *st = field(buf, "\nState:");
	while (st && (*st == ' ' || *st == '\t'))
		st++;
	if (st && (*st == 'Z' || *st == 'X'))
		return true;
	const char *blk = field(buf, "\nSigBlk:");
	if (blk) {
		unsigned long long m = strtoull(blk, NULL, 16);
		if (m & (1ULL << (SIGPROF - 1)))
			return true;
	}
	return false;
}

/* ---- parking ---- */

/* async-signal-safe.  Could the interrupted code hold a lock the writing
 * needs? */
static bool park_unsafe(const void *uc)
{
	if (cprof__in_rt || cprof__arena_inside)
		return true;
	if (cprof__heap_unsafe_here(uc))
		return true;
	uintptr_t pcs[CPROF_MAX_DEPTH];
	int n = cprof__unwind_uc(uc, pcs, CPROF_MAX_DEPTH);
	for (int i = 0; i < n; i++)
		for (int k = 0; k < nldso; k++)
			if (pcs[i] >= ldso[k].lo && pcs[i] < ldso[k].hi)
				return true;
	return false;
}

/* async-signal-safe.  Park the calling thread for good, unless the
 * interrupted context (uc; NULL: a safe point) is unsafe: then return, and
 * the service thread signals again. */
static void park(const void *uc)
{
	if (tls_parked || tls_internal || (uc && park_unsafe(uc)))
		return;
	tls_parked = 1;
	uint32_t i = atomic_fetch_add(&parked_n, 1);
	if (i < MAX_PARKED)
		atomic_store(&parked_tids[i], cprof__gettid());
	syscall(SYS_futex, &parked_n, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	for (;;)
		syscall(SYS_futex, &never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
}

bool cprof__fatal_parking(void)
{
	return atomic_load_explicit(&parking, memory_order_relaxed) != 0;
}

/* async-signal-safe */
void cprof__fatal_sigprof(const siginfo_t *si, const void *uc)
{
	if (si && si->si_code == SI_TIMER && si->si_value.sival_ptr == CPROF_WATCHDOG_COOKIE) {
		cprof__log("writing the profiles took too long after a fatal signal; "
			   "the process dies without them",
			   NULL);
		die_of(atomic_load(&fatal_sig));
	}
	if (atomic_load(&parking))
		park(uc);
}

static bool is_parked(pid_t tid)
{
	uint32_t n = atomic_load(&parked_n);
	for (uint32_t i = 0; i < n && i < MAX_PARKED; i++)
		if (atomic_load(&parked_tids[i]) == tid)
			return true;
	return false;
}

/* Call fn for each thread of the process, from /proc/self/task with raw
 * system calls (no opendir: no malloc).  async-signal-safe */
static int each_tid_raw(void (*fn)(pid_t, void *), void *arg)
{
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct dent {
		uint64_t ino;
		int64_t off;
		unsigned short reclen;
		unsigned char type;
		char name[];
	};
	_Alignas(8) char buf[4096];
	for (;;) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (long off = 0; off < n;) {
			const struct dent *d = (const void *)(buf + off);
			off += d->reclen;
			pid_t tid = 0;
			for (const char *c = d->name; *c >= '0' && *c <= '9'; c++)
				tid = tid * 10 + (*c - '0');
			if (tid > 0)
				fn(tid, arg);
		}
	}
	close(fd);
	return 0;
}

typedef struct park_round {
	pid_t self;
	int left;
	bool check_blocked; /* a while has passed: look for unparkable threads */
} park_round;

static void park_one(pid_t tid, void *arg)
{
	park_round *r = arg;
	if (tid == r->self || cprof__internal_tid(tid) || is_parked(tid))
		return;
	if (r->check_blocked && unparkable(tid))
		return;
	if (cprof__sigprof_queue(tid, CPROF_PARK_COOKIE) == -ESRCH)
		return;
	r->left++;
}

/* Park every program thread; false if one could not be within PARK_MAX_NS
 * (it is still running). */
static bool park_all(void)
{
	atomic_store(&parking, 1);
	int64_t t0 = cprof__mono_ns();
	for (;;) {
		park_round r = {cprof__gettid(), 0, cprof__mono_ns() - t0 > 20000000};
		uint32_t seen = atomic_load(&parked_n);
		if (each_tid_raw(park_one, &r) < 0)
			return false;
		if (r.left == 0)
			return true;
		if (cprof__mono_ns() - t0 > PARK_MAX_NS)
			return false;
		struct timespec ts = {0, 1000000};
		syscall(SYS_futex, &parked_n, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
	}
}

/* A CLOCK_MONOTONIC timer, not armed, that sends sig with cookie in
 * si_value to the calling thread; its id, or -1.  async-signal-safe */
static int thread_timer(int sig, void *cookie)
{
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_ptr = cookie;
	sev._sigev_un._tid = cprof__gettid();
	int id;
	return syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id) == 0 ? id : -1;
}

/* The service thread's watchdog over the writing: SIGPROF to itself. */
static void arm_watchdog(void)
{
	int id = thread_timer(SIGPROF, CPROF_WATCHDOG_COOKIE);
	if (id < 0)
		return;
	struct itimerspec its = {{0, 0}, {WRITE_MAX_NS / 1000000000, WRITE_MAX_NS % 1000000000}};
	syscall(SYS_timer_settime, id, 0, &its, NULL);
	sigset_t p;
	sigemptyset(&p);
	sigaddset(&p, SIGPROF);
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &p, NULL, _NSIG / 8);
}

__attribute__((noreturn)) static void fatal_exit(int sig)
{
	if (!park_all()) {
		/* Still safe to write: only threads that hold no lock the writing
		 * needs are parked; the others run on (and release their locks),
		 * as every thread did before parking existed. */
		char b[24];
		cprof__log("signal ", cprof__itoa(b, sig),
			   ": a thread could not be stopped within 2 s; the profiles are written "
			   "while it runs",
			   NULL);
	}
	arm_watchdog();
	cprof__cpu_atexit_forced();
	cprof__heap_atexit_forced();
	cprof__stackprof_atexit();
	cprof__trace_atexit();
	die_of(sig);
}

/* ---- the end of the program's threads ---- */

/* Are only cprof's threads alive?  Normal context. */
static void live_cb(pid_t tid, void *arg)
{
	int *live = arg;
	if (*live || cprof__internal_tid(tid))
		return;
	char buf[2048];
	if (!read_status(tid, buf, sizeof(buf)))
		return;
	const char *st = field(buf, "\nState:");
	while (st && (*st == ' ' || *st == '\t'))
		st++;
	if (st && *st != 'Z' && *st != 'X')
		*live = 1;
}

static bool only_cprof_left(void)
{
	char buf[2048];
	/* Cheap test first: Threads counts live threads and a zombie leader. */
	if (!read_status(0, buf, sizeof(buf)))
		return false;
	const char *t = field(buf, "\nThreads:");
	if (!t || strtol(t, NULL, 10) > count_internal() + 1)
		return false;
	int live = 0;
	if (cprof__each_thread(live_cb, &live) < 0)
		return false;
	return !live;
}

int64_t cprof__service_cpu_ns(void)
{
	clockid_t c;
	struct timespec t;
	if (!atomic_load(&svc_running) || pthread_getcpuclockid(svc_thread, &c) != 0 ||
	    clock_gettime(c, &t) != 0)
		return 0;
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void cprof__service_thread_gone(void)
{
	if (!atomic_load_explicit(&svc_running, memory_order_relaxed))
		return;
	atomic_store(&threads_check, 1);
	wake();
}

static void *service_main(void *arg)
{
	(void)arg;
	cprof__internal_enter();
	int64_t next = 0, check_until = 0;
	for (;;) {
		int64_t iv = atomic_load(&snap_interval_ns), now = cprof__mono_ns();
		if (iv > 0 && next == 0)
			next = now + iv;
		int64_t wait = iv > 0 ? next - now : 1000000000;
		if (check_until > now && wait > 1000000)
			wait = 1000000; /* an exiting thread takes a moment to go */
		if (wait < 1000000)
			wait = 1000000;
		struct timespec ts = {wait / 1000000000, wait % 1000000000};
		if (!atomic_exchange(&svc_wake, 0))
			syscall(SYS_futex, &svc_wake, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
		atomic_store(&svc_wake, 0);
		int sig = atomic_load(&fatal_sig);
		if (sig)
			fatal_exit(sig);
		now = cprof__mono_ns();
		if (atomic_exchange(&threads_check, 0))
			check_until = now + 100000000;
		if (only_cprof_left()) {
			/* main called pthread_exit and its last thread is gone:
			 * glibc's last thread would call exit(0) now. */
			exit(0);
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
	cprof__in_rt++;
	pthread_mutex_lock(&svc_lock);
	int rc = 0;
	if (!atomic_load(&svc_running)) {
		rc = cprof__spawn_internal(&svc_thread, service_main, NULL);
		if (rc == 0)
			atomic_store(&svc_running, 1);
	}
	pthread_mutex_unlock(&svc_lock);
	cprof__in_rt--;
	return rc;
}

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
			   "if the program dies of a signal",
			   NULL);
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

void cprof__fatal_wait(void)
{
	for (;;) {
		park(NULL); /* a safe point: no lock held */
		pause();    /* parked already (a nested exit): the service thread ends it */
	}
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
	cprof__stackprof_atexit();
	die_of(sig ? sig : SIGTERM);
}

/* async-signal-safe.  Single-threaded flush: 1 ms from now, deliver sig to
 * this thread again. */
static bool retry_later(int sig)
{
	if (retry_timer < 0 && (retry_timer = thread_timer(sig, RETRY_COOKIE)) < 0)
		return false;
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
			   "the heap profile is not written",
			   NULL);
		die_of(sig);
	}
	flushing = 1;
	cprof__heap_atexit_forced();
	cprof__stackprof_atexit();
	die_of(sig);
}

static bool is_crash(int sig)
{
	for (size_t i = 0; i < CPROF_ARRAY_LEN(crash_sigs); i++)
		if (crash_sigs[i] == sig)
			return true;
	return false;
}

/* async-signal-safe */
static void on_fatal(int sig, siginfo_t *si, void *uc)
{
	if (!cprof__cpu_active() && !cprof__heap_active() && !cprof__stackprof_active() &&
	    !cprof__trace_active()) {
		/* Nothing to write (profiling stopped, a forked child...). */
		if (is_crash(sig) && si->si_code > 0) {
			set_default(sig); /* the faulting instruction runs again */
			return;
		}
		die_of(sig);
	}
	if (is_crash(sig)) {
		if (!atomic_exchange(&fatal_sig, sig)) {
			char b[24];
			cprof__log("the program crashed (signal ", cprof__itoa(b, sig),
				   "); no profile is written from a crashed process", NULL);
		}
		cprof__cpu_pause();
		if (si->si_code > 0) {
			set_default(sig);
			return;
		}
		die_of(sig);
	}
	if (atomic_load(&svc_running)) {
		if (!atomic_exchange(&fatal_sig, sig)) {
			cprof__cpu_pause();
			atomic_store(&parking, 1);
			wake();
			/* Stop the others now, not when the service thread gets
			 * a CPU: it signals again those that were in a bad place. */
			park_round r = {cprof__gettid(), 0, false};
			each_tid_raw(park_one, &r);
		}
		/* Stop here, unless this is a bad place: then the service
		 * thread's park signal stops this thread shortly. */
		park(uc);
		return;
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
	die_of(sig);
}

static int ldso_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	uintptr_t want = (uintptr_t)arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
		if (want < lo || want >= hi)
			continue;
		for (int k = 0; k < info->dlpi_phnum && nldso < (int)CPROF_ARRAY_LEN(ldso); k++) {
			const ElfW(Phdr) *q = &info->dlpi_phdr[k];
			if (q->p_type == PT_LOAD && (q->p_flags & PF_X)) {
				ldso[nldso].lo = info->dlpi_addr + q->p_vaddr;
				ldso[nldso].hi = ldso[nldso].lo + q->p_memsz;
				nldso++;
			}
		}
		return 1;
	}
	return 0;
}

/* Catch the fatal signals the program left at their default action, cloaked
 * (sigproxy.c).  Once installed they stay: with nothing to write, the
 * handler re-raises at once. */
void cprof__fatal_install(void)
{
	static bool done;
	cprof__in_rt++;
	pthread_mutex_lock(&svc_lock);
	if (!done) {
		done = true;
		/* (_dl_find_object would be glibc's libc.so wrapper.) */
		void *in_ldso = dlsym(RTLD_DEFAULT, "__tls_get_addr");
		if (in_ldso) {
			cprof__loader_lock();
			dl_iterate_phdr(ldso_cb, in_ldso);
			cprof__loader_unlock();
		}
		int all[CPROF_ARRAY_LEN(async_sigs) + CPROF_ARRAY_LEN(crash_sigs)];
		size_t n = 0;
		/* One fatal signal at a time: the flush does not nest. */
		sigset_t mask;
		sigemptyset(&mask);
		for (size_t i = 0; i < CPROF_ARRAY_LEN(async_sigs); i++) {
			all[n++] = async_sigs[i];
			sigaddset(&mask, async_sigs[i]);
		}
		for (size_t i = 0; i < CPROF_ARRAY_LEN(crash_sigs); i++)
			all[n++] = crash_sigs[i];
		cprof__sig_cloak(all, n, on_fatal, &mask);
		/* Parking needs cprof's SIGPROF handler, profiling the CPU or not. */
		cprof__cpu_sigprof_take();
	}
	pthread_mutex_unlock(&svc_lock);
	cprof__in_rt--;
}

/* fork(): the child has no service thread. */
void cprof__service_atfork_child(void)
{
	pthread_mutex_init(&svc_lock, NULL);
	atomic_store(&svc_running, 0);
	atomic_store(&fatal_sig, 0);
	atomic_store(&parking, 0);
	atomic_store(&parked_n, 0);
	for (int i = 0; i < MAX_INTERNAL; i++)
		atomic_store(&internal_tids[i], 0);
	retry_timer = -1; /* timers are not inherited */
	retries = 0;
	flushing = 0;
}
