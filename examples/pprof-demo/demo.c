/*
 * demo.c — the pprof demo server, in C: Go's net/http/pprof demo
 * (profile endpoints on :6060 and three workload generators) served by
 * libcprof.  `make demo` runs it, profiles it through its endpoints and
 * stops it (run.sh).
 *
 *   demo [ADDR]        ADDR: 127.0.0.1:6060 by default; ":0" picks a port
 *
 * The generators:
 *   [CPU]         counts primes by trial division, over and over
 *   [Memory]      builds and drops linked structures (a few hundred MB at
 *                 most), keeping a growing share of them alive for a while
 *   [Concurrent]  100 threads take turns on one mutex
 * Ctrl+C (SIGINT) or SIGTERM stops the generators and the server, prints
 * how much work each generator did, and the program exits 0.  SIGUSR1
 * prints the work so far and the seconds since the start, as dd prints its
 * progress (bench/http_bench.sh compares the rates with and without a
 * profile being taken).
 */
#define _GNU_SOURCE
#include <cprof.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NWORKERS 100

static atomic_bool stopping;
static volatile unsigned long sink;
static atomic_ulong cpu_rounds, memory_rounds, lock_turns;

/* ---- [CPU] ---- */

__attribute__((noinline)) static int is_prime(unsigned n)
{
	if (n < 2)
		return 0;
	for (unsigned d = 2; d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

__attribute__((noinline)) static unsigned count_primes(unsigned limit)
{
	unsigned n = 0;
	for (unsigned i = 2; i < limit; i++)
		n += (unsigned)is_prime(i);
	return n;
}

static void *cpu_generator(void *arg)
{
	(void)arg;
	while (!atomic_load(&stopping)) {
		sink += count_primes(200000);
		atomic_fetch_add_explicit(&cpu_rounds, 1, memory_order_relaxed);
	}
	return NULL;
}

/* ---- [Memory] ---- */

typedef struct node {
	struct node *next;
	char payload[240];
} node;

__attribute__((noinline)) static node *build_list(int n)
{
	node *head = NULL;
	for (int i = 0; i < n; i++) {
		node *x = malloc(sizeof(*x));
		if (!x)
			break;
		memset(x->payload, i, sizeof(x->payload));
		x->next = head;
		head = x;
	}
	return head;
}

static void free_list(node *x)
{
	while (x) {
		node *next = x->next;
		free(x);
		x = next;
	}
}

__attribute__((noinline)) static char *make_buffer(size_t n)
{
	char *b = malloc(n);
	if (b)
		memset(b, 1, n);
	return b;
}

static void *memory_generator(void *arg)
{
	(void)arg;
	enum { KEEP = 64 };
	node *kept[KEEP] = {0};
	char *bufs[KEEP] = {0};
	for (unsigned round = 0; !atomic_load(&stopping); round++) {
		unsigned k = round % KEEP;
		free_list(kept[k]);
		free(bufs[k]);
		kept[k] = build_list(2000 + (int)(round % 8) * 500);  /* ~0.5-1 MB */
		bufs[k] = make_buffer((size_t)1 << (16 + round % 6)); /* 64 KB - 2 MB */
		atomic_fetch_add_explicit(&memory_rounds, 1, memory_order_relaxed);
		struct timespec ts = {0, 20000000};
		nanosleep(&ts, NULL);
	}
	for (unsigned k = 0; k < KEEP; k++) {
		free_list(kept[k]);
		free(bufs[k]);
	}
	return NULL;
}

/* ---- [Concurrent] ---- */

static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER;
static unsigned long shared_counter;

__attribute__((noinline)) static void update_shared(void)
{
	pthread_mutex_lock(&shared);
	for (int i = 0; i < 20000; i++)
		shared_counter += (unsigned long)i;
	atomic_fetch_add_explicit(&lock_turns, 1, memory_order_relaxed);
	pthread_mutex_unlock(&shared);
	sink++;
}

static void *concurrent_worker(void *arg)
{
	(void)arg;
	while (!atomic_load(&stopping)) {
		update_shared();
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *addr = argc > 1 ? argv[1] : "127.0.0.1:6060";
	/* SIGINT, SIGTERM and SIGUSR1 are taken by sigwait below, on this
	 * thread only. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);

	cprof_heap_set_rate(CPROF_DEFAULT_HEAP_RATE);
	cprof_mutex_profile_fraction(5);
	cprof_block_profile_rate(1000000);
	int rc = cprof_http_start(addr);
	if (rc != 0) {
		fprintf(stderr, "demo: cannot serve on %s: %s\n", addr, cprof_strerror(rc));
		return 1;
	}
	const char *a = cprof_http_addr();
	printf("Starting pprof demo server on %s\n", a);
	printf("Profile endpoints available at:\n");
	printf("  http://%s/debug/pprof/\n", a);
	printf("  http://%s/debug/pprof/profile?seconds=30\n", a);
	printf("  http://%s/debug/pprof/heap\n", a);
	printf("  http://%s/debug/pprof/allocs\n", a);
	printf("  http://%s/debug/pprof/mutex\n", a);
	printf("  http://%s/debug/pprof/block\n", a);
	printf("  http://%s/debug/pprof/threadcreate\n", a);
	printf("  http://%s/metrics\n", a);
	printf("\nRunning workload generators...\n");
	printf("[CPU] Computing prime numbers...\n");
	printf("[Memory] Generating large data structures...\n");
	printf("[Concurrent] Running %d threads...\n", NWORKERS);
	printf("\nPress Ctrl+C to stop.\n");
	fflush(stdout);

	pthread_t cpu, mem, workers[NWORKERS];
	pthread_create(&cpu, NULL, cpu_generator, NULL);
	pthread_create(&mem, NULL, memory_generator, NULL);
	for (int i = 0; i < NWORKERS; i++)
		pthread_create(&workers[i], NULL, concurrent_worker, NULL);

	int sig;
	while (sigwait(&stop, &sig) == 0 && sig == SIGUSR1) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		printf("Work so far: %.3f s, %lu prime counts, %lu memory rounds, %lu lock turns\n",
		       (double)(t.tv_sec - start.tv_sec) +
			       (double)(t.tv_nsec - start.tv_nsec) * 1e-9,
		       atomic_load(&cpu_rounds), atomic_load(&memory_rounds),
		       atomic_load(&lock_turns));
		fflush(stdout);
	}
	printf("\nStopping (%s)...\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	atomic_store(&stopping, true);
	pthread_join(cpu, NULL);
	pthread_join(mem, NULL);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(workers[i], NULL);
	cprof_http_stop();
	printf("Work done: %lu prime counts, %lu memory rounds, %lu lock turns\n",
	       atomic_load(&cpu_rounds), atomic_load(&memory_rounds), atomic_load(&lock_turns));
	printf("Stopped.\n");
	return 0;
}
