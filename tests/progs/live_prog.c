/*
 * live_prog.c — a program watched by `cprof web http://HOST:PORT/`
 * (tests/integration/live.sh, live_browser.sh): served by CPROF_HTTP, it
 * burns CPU in live_hot() on its main thread, keeps LIVE_THREADS threads
 * asleep (a thread count that holds still) and LIVE_MB MiB of 4 KiB blocks
 * allocated by live_retain() alive, until SECONDS pass or SIGTERM.
 *
 *   live_prog SECONDS
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LIVE_THREADS 6
#define LIVE_MB 32

static volatile sig_atomic_t stop;
static volatile unsigned long sink;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void *sleeper(void *arg)
{
	(void)arg;
	while (!stop)
		usleep(100 * 1000);
	return NULL;
}

__attribute__((noinline)) void live_hot(void)
{
	for (int i = 0; i < 2000000; i++)
		sink += (unsigned long)i * 7;
}

__attribute__((noinline)) void **live_retain(size_t n)
{
	void **v = malloc(n * sizeof(*v));
	for (size_t i = 0; v && i < n; i++) {
		v[i] = malloc(4096);
		if (v[i])
			memset(v[i], 1, 4096);
	}
	return v;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 60;
	signal(SIGTERM, on_term);
	size_t n = (size_t)LIVE_MB << 8;
	void **kept = live_retain(n);
	pthread_t t[LIVE_THREADS];
	for (int i = 0; i < LIVE_THREADS; i++)
		pthread_create(&t[i], NULL, sleeper, NULL);
	puts("running");
	fflush(stdout);
	time_t end = time(NULL) + secs;
	while (!stop && time(NULL) < end)
		live_hot();
	stop = 1;
	for (int i = 0; i < LIVE_THREADS; i++)
		pthread_join(t[i], NULL);
	for (size_t i = 0; kept && i < n; i++)
		free(kept[i]);
	free(kept);
	return 0;
}
