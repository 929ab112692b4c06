/*
 * unwind_bench — what one stack unwind costs, at depth 10, 30 and 60, in code
 * built -O2 -fomit-frame-pointer (so frame pointers cannot help: CFI only).
 *
 * Links build-perf/libcprof.a to reach the runtime's hidden internals
 * (cprof__unwind_refresh, cprof__unwind_here, cprof__unwind_uc; hidden
 * visibility does not stop static linking).  Compares, in the same run:
 *   cprof_here      cprof__unwind_here() called directly
 *   cprof_cold      the same with the pc->row cache emptied first (as a dlclose
 *                   does): every frame's row found in its object's CFI
 *   cprof_signal    tgkill(SIGPROF) to self, the handler unwinds its ucontext
 *                   with cprof__unwind_uc() — the profiler's own path
 *   signal_only     the same signal with an empty handler (kernel cost alone)
 *   cprof_handler   libcprof's real SIGPROF handler, profiling on: the signal
 *                   is queued to self looking like a timer expiry (SI_TIMER,
 *                   cprof's cookie), so everything a real sample costs on the
 *                   sampled thread is timed: delivery, on_sigprof, the ring
 *                   slot, the unwind (the writer thread's share is not)
 *   glibc_backtrace backtrace(3)
 *   libgcc_unwind   _Unwind_Backtrace with a callback collecting pcs
 * Each figure is the median over REPS repetitions of N calls, in ns of the
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID) per call;
 * "frames" is the depth each method returned (all should agree).
 *
 * usage: unwind_bench [N [REPS]]     (default 10000 calls, 9 repetitions)
 */
#include "compat.h"
#include "runtime/rt.h"

#include <cprof.h>
#include <fcntl.h>
#include <link.h>
#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

/* A real frame of its own: never inlined, never cloned into a variant. */
#ifdef __clang__
#define KEEP_FRAME __attribute__((noinline))
#else
#define KEEP_FRAME __attribute__((noinline, noclone))
#endif

#define MAXPCS 128

enum { M_HERE, M_SIGNAL, M_SIGNAL_ONLY, M_HANDLER, M_BACKTRACE, M_UNWIND, M_COLD, M_COUNT };
static const char *const method_name[M_COUNT] = {
	"cprof_here", "cprof_signal", "signal_only", "cprof_handler", "glibc_backtrace",
	"libgcc_unwind", "cprof_cold",
};

static long n_calls = 10000;
static int devnull = -1;
static int reps = 9;
static volatile int sig_frames;
static volatile int sig_unwind = 1;
static uintptr_t sig_pcs[MAXPCS];

/* The thread's CPU time, not wall time: on a shared machine wall time counts
 * the waits in the run queue.  Kernel time (signal delivery) is included. */
static int64_t cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* async-signal-safe */
static void on_sigprof(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	if (sig_unwind)
		sig_frames = cprof__unwind_uc(uc, sig_pcs, MAXPCS);
}

typedef struct ucoll {
	uintptr_t *pcs;
	int n, max;
} ucoll;

static _Unwind_Reason_Code ucoll_cb(struct _Unwind_Context *ctx, void *arg)
{
	ucoll *c = arg;
	if (c->n >= c->max)
		return _URC_END_OF_STACK;
	c->pcs[c->n++] = _Unwind_GetIP(ctx);
	return _URC_NO_REASON;
}

static int count_obj(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)info;
	(void)size;
	++*(int *)arg;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One unwind by method m from here; returns the number of frames. */
__attribute__((noinline)) static int unwind_once(int m)
{
	uintptr_t pcs[MAXPCS];
	switch (m) {
	case M_HERE:
		return cprof__unwind_here(pcs, MAXPCS, 0);
	case M_COLD:
		/* What a dlclose does to the pc->row cache: every frame misses and
		 * is looked up in its object's .eh_frame_hdr. */
		cprof__unwind_close_begin();
		cprof__unwind_close_end();
		return cprof__unwind_here(pcs, MAXPCS, 0);
	case M_SIGNAL:
	case M_SIGNAL_ONLY:
		sig_unwind = m == M_SIGNAL;
		syscall(SYS_tgkill, getpid(), cprof__gettid(), SIGPROF);
		return sig_frames;
	case M_HANDLER: {
		/* Allowed to self only: a signal dressed as cprof's timer expiry. */
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		si.si_signo = SIGPROF;
		si.si_code = SI_TIMER;
		si.si_value.sival_ptr = CPROF_TIMER_COOKIE;
		syscall(SYS_rt_tgsigqueueinfo, getpid(), cprof__gettid(), SIGPROF, &si);
		return 0;
	}
	case M_BACKTRACE:
		return backtrace((void **)pcs, MAXPCS);
	case M_UNWIND: {
		ucoll c = {pcs, 0, MAXPCS};
		_Unwind_Backtrace(ucoll_cb, &c);
		return c.n;
	}
	}
	return 0;
}

/* Do cprof and glibc return the same stack (above the two call sites)?
 * cprof gives return address - 1, backtrace() the return address itself. */
__attribute__((noinline)) static bool stacks_agree(void)
{
	uintptr_t a[MAXPCS], b[MAXPCS];
	int na = cprof__unwind_here(a, MAXPCS, 0);
	int nb = backtrace((void **)b, MAXPCS);
	if (getenv("UNWIND_BENCH_DEBUG"))
		for (int i = 0; i < (na > nb ? na : nb); i++)
			fprintf(stderr, "%2d %#lx %#lx\n", i, i < na ? (unsigned long)a[i] : 0UL,
				i < nb ? (unsigned long)b[i] - 1 : 0UL);
	if (na != nb)
		return false;
	for (int i = 1; i < na; i++) /* [0]: two different call sites */
		if (a[i] != b[i] - 1)
			return false;
	return true;
}

/* Time `calls` calls of method m; returns thread CPU ns per call.
 * cprof's ring holds 2048 samples and its writer drains it every 50 ms: real
 * profiling fills it nowhere near that fast, so the real handler gets bursts
 * of 1000 (under the half-full mark that wakes the writer early) and the
 * writer catches up, off the clock, between bursts — else the lost-sample
 * path would be timed. */
static double time_method(int m, long calls)
{
	if (m == M_HANDLER) {
		/* hz=1: the real timer hardly ever fires during the loop. */
		int rc = cprof_cpu_start_fd(devnull, 1);
		if (rc != 0) {
			fprintf(stderr, "unwind_bench: cprof_cpu_start_fd: %s\n", cprof_strerror(rc));
			exit(1);
		}
	}
	long burst = m == M_HANDLER ? 1000 : calls;
	int64_t t = 0;
	for (long done = 0; done < calls; done += burst) {
		long k = calls - done < burst ? calls - done : burst;
		int64_t t0 = cpu_ns();
		for (long i = 0; i < k; i++)
			unwind_once(m);
		t += cpu_ns() - t0;
		if (m == M_HANDLER) {
			struct timespec ts = {0, 55 * 1000000};
			nanosleep(&ts, NULL);
		}
	}
	if (m == M_HANDLER)
		cprof_cpu_stop(); /* writes a profile to /dev/null */
	return (double)t / (double)calls;
}

/* The leaf of the recursion: time every method here, at this depth.  The
 * methods take turns within each repetition, so a noisy moment on a shared
 * machine hits them all alike. */
__attribute__((noinline)) static void measure(int depth)
{
	double t[M_COUNT][64];
	int frames[M_COUNT];
	int nrep = reps > 64 ? 64 : reps;
	for (int m = 0; m < M_COUNT; m++) {
		frames[m] = unwind_once(m); /* warm-up: caches, lazy binding */
		if (m == M_SIGNAL_ONLY || m == M_HANDLER)
			frames[m] = 0;
	}
	for (int r = 0; r < nrep; r++)
		for (int m = 0; m < M_COUNT; m++) /* the handler: at most 5000, pauses add up */
			t[m][r] = time_method(m, m == M_HANDLER && n_calls > 5000 ? 5000 : n_calls);
	printf("%5d %5s", depth, stacks_agree() ? "yes" : "NO");
	for (int m = 0; m < M_COUNT; m++) {
		qsort(t[m], (size_t)nrep, sizeof(double), cmp_double);
		printf(" %15.0f %3d", t[m][nrep / 2], frames[m]);
	}
	printf("\n");
}

/* Three mutually recursive functions, not inlined and not tail calls. */
int rec_x(int d, int depth);
int rec_y(int d, int depth);
int rec_z(int d, int depth);

KEEP_FRAME int rec_x(int d, int depth)
{
	if (d <= 0) {
		measure(depth);
		return 0;
	}
	return rec_y(d - 1, depth) + 1;
}

KEEP_FRAME int rec_y(int d, int depth)
{
	if (d <= 0) {
		measure(depth);
		return 0;
	}
	return rec_z(d - 1, depth) * 3 + 1;
}

KEEP_FRAME int rec_z(int d, int depth)
{
	if (d <= 0) {
		measure(depth);
		return 0;
	}
	return rec_x(d - 1, depth) - 2;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		n_calls = atol(argv[1]);
	if (argc > 2)
		reps = atoi(argv[2]);
	if (n_calls <= 0 || reps <= 0) {
		fprintf(stderr, "usage: unwind_bench [N [REPS]]\n");
		return 2;
	}
	cprof__stack_bounds_init(); /* as libcprof's constructor does */
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	setvbuf(stdout, NULL, _IOLBF, 0);
	int64_t r0 = cpu_ns();
	int rc = cprof__unwind_refresh();
	int64_t r1 = cpu_ns();
	if (rc != 0) {
		fprintf(stderr, "unwind_bench: cprof__unwind_refresh: %s\n", strerror(-rc));
		return 1;
	}
	int nobj = 0;
	dl_iterate_phdr(count_obj, &nobj);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigprof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPROF, &sa, NULL);

	printf("unwind_bench: thread CPU ns per call (median of %d x %ld calls), frames returned;"
	       " code built -O2 -fomit-frame-pointer\n", reps, n_calls);
	printf("start cost for the %d loaded objects (cprof__unwind_refresh: nothing is built,"
	       " CFI is read in place): %.3f ms of CPU\n", nobj, (double)(r1 - r0) / 1e6);
	printf("%5s %5s", "depth", "same");
	for (int m = 0; m < M_COUNT; m++)
		printf(" %15s %3s", method_name[m], "fr");
	printf("\n");
	/* The recursion adds `d` frames; main, libc's start code and
	 * rec_x/measure/unwind_once add ~6 more, so target the total depth. */
	static const int depths[] = {10, 30, 60};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(depths); i++)
		rec_x(depths[i] - 7, depths[i]);
	printf("(depth: stack depth asked for; same: cprof and backtrace(3) return the same pcs;"
	       " fr: frames each method returned;\n signal_only: kernel signal delivery to an"
	       " empty handler; cprof_signal - signal_only = the unwind inside the handler;\n"
	       " cprof_handler: one whole sample on the sampled thread, libcprof's own handler;\n"
	       " cprof_cold: cprof_here with the pc->row cache emptied first, every frame from CFI)\n");
	return 0;
}
