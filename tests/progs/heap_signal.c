/* malloc inside signal handlers (issue 3, case 2).  SIGALRM (an interval
 * timer) and SIGUSR1 (sent by a thread as fast as it can) run a handler that
 * allocates and frees (handler_alloc), while the main thread allocates and
 * frees in a loop (main_alloc) with different size classes (glibc's malloc
 * is not async-signal-safe by itself: the handler only touches size
 * classes the main loop never uses, so glibc's own state is not at risk
 * and any deadlock or crash is the profiler's).  Runs until ITER iterations
 * and MINSIG handled signals; prints "objects handler_alloc N", "objects
 * main_alloc N" and "signals N", and checks that cprof_alloc_stats (found
 * with dlsym: the program also runs bare) counted every allocation and free
 * of both exactly ("ok"/"not ok" lines). */
#include <cprof.h>
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define ITER 300000
#define MINSIG 2000
static atomic_int handler_allocs, signals, stop;

__attribute__((noinline, noipa)) static void *handler_alloc(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" : : "r"(p) : "memory"); /* no tail call: keep this frame */
	return p;
}

static void handler(int sig)
{
	(void)sig;
	int saved = 0;
	char *p = handler_alloc(40);
	char *q = handler_alloc(24);
	if (p && q) {
		p[0] = q[0] = 1;
		saved = 2;
	}
	free(q);
	free(p);
	atomic_fetch_add(&handler_allocs, saved);
	atomic_fetch_add(&signals, 1);
}

__attribute__((noinline, noipa)) static void *main_alloc(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" : : "r"(p) : "memory"); /* no tail call: keep this frame */
	return p;
}

typedef int (*stats_fn)(struct cprof_alloc_stats *);

static pthread_t main_thread;
static atomic_int started;
static void *pester(void *arg)
{
	(void)arg;
	sigset_t set; /* every handler runs on the main thread */
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	atomic_store(&started, 1); /* the thread's own start-up allocations are done */
	while (!atomic_load(&stop)) {
		pthread_kill(main_thread, SIGUSR1);
		usleep(50);
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask); /* handlers do not nest (their mallocs would meet
				     * in the same size classes) */
	sigaddset(&sa.sa_mask, SIGALRM);
	sigaddset(&sa.sa_mask, SIGUSR1);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	/* Warm up the handler's size classes outside any signal (glibc then
	 * serves them from its per-thread cache, without its arena lock), and
	 * those of the same objects when sampled (cprof adds a 32-byte header). */
	handler(0);
	for (int k = 0; k < 2; k++) {
		void *volatile w = malloc(k ? 40 + 32 : 24 + 32); /* not optimised away */
		free(w);
	}
	void *ring[16] = {0};
	for (int i = 0; i < 16; i++)
		ring[i] = main_alloc(1000);
	main_thread = pthread_self();
	pthread_t th;
	pthread_create(&th, NULL, pester, NULL);
	stats_fn stats = (stats_fn)dlsym(RTLD_DEFAULT, "cprof_alloc_stats");
	if (getenv("HEAP_TEST_NO_STATS"))
		stats = NULL; /* a sanitizer's interceptor serves malloc: nothing to count */
	struct cprof_alloc_stats a = CPROF_ALLOC_STATS_INIT, b = CPROF_ALLOC_STATS_INIT;
	while (!atomic_load(&started))
		sched_yield();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	struct itimerval it = {{0, 100}, {0, 100}};
	setitimer(ITIMER_REAL, &it, NULL);
	if (stats)
		stats(&a);
	int h0 = atomic_load(&handler_allocs);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	long i;
	for (i = 0; i < ITER || atomic_load(&signals) < MINSIG; i++) {
		free(ring[i % 16]);
		ring[i % 16] = main_alloc(1000 + (size_t)(i % 8) * 16);
		if (i > 100 * (long)ITER)
			break; /* signals do not arrive: reported below */
	}
	sigprocmask(SIG_BLOCK, &set, NULL); /* counts final from here */
	if (stats)
		stats(&b);
	int h1 = atomic_load(&handler_allocs);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	if (stats) {
		unsigned long long want = (unsigned long long)i + (unsigned long long)(h1 - h0);
		printf("%s signal_stats_allocs_exact: got %llu want %llu\n",
		       b.allocs - a.allocs == want ? "ok" : "not ok", b.allocs - a.allocs, want);
		printf("%s signal_stats_frees_exact: got %llu want %llu\n",
		       b.frees - a.frees == want ? "ok" : "not ok", b.frees - a.frees, want);
	}
	for (int k = 0; k < 16; k++)
		free(ring[k]);
	printf("signals %d\nobjects handler_alloc %d\nobjects main_alloc %ld\n", atomic_load(&signals),
	       atomic_load(&handler_allocs), i + 16);
	return 0;
}
