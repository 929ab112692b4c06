/* Robustness: death by a signal mid-run.  Two threads burn CPU in
 * doomed_work() forever.  Once the process has used ~300 ms of CPU:
 *   wait        print "ready PID" and wait to be killed from outside
 *   self SIG    raise SIG (a number) itself
 *   handle      print "ready PID"; SIGTERM/SIGINT/SIGHUP are caught by the
 *               program's own handler, which sets a flag: main then returns
 *               3 (a normal exit: the profile is written at exit)
 * usage: robust_die wait | self SIG | handle */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Thread_local volatile double sink; /* per thread: no data race */
/* Atomic, not volatile sig_atomic_t: the handler may run on a worker thread
 * while main reads the flag (a data race that ThreadSanitizer reports). */
static atomic_int caught;

__attribute__((noinline)) static void doomed_work(void)
{
	double x = 1.0;
	for (;;) {
		for (int i = 0; i < 100000; i++)
			x = x * 1.0000001 + 0.0000001;
		sink = x;
		/* A libc call now and then: ThreadSanitizer delivers signals only
		 * at intercepted calls. */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
	}
}

static void *thread_main(void *arg)
{
	(void)arg;
	doomed_work();
	return NULL;
}

static long proc_cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

static void on_sig(int sig)
{
	atomic_store(&caught, sig);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	bool handle = !strcmp(argv[1], "handle");
	if (handle) {
		struct sigaction a;
		memset(&a, 0, sizeof(a));
		a.sa_handler = on_sig;
		sigemptyset(&a.sa_mask);
		sigaction(SIGTERM, &a, NULL);
		sigaction(SIGINT, &a, NULL);
		sigaction(SIGHUP, &a, NULL);
	}
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, thread_main, NULL);
	while (proc_cpu_ms() < 300)
		usleep(10000);
	if (!strcmp(argv[1], "self") && argc > 2) {
		raise(atoi(argv[2]));
		sleep(30);
		return 99; /* should be dead */
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	/* Not pause(): the signal may be taken by another thread. */
	while (!atomic_load(&caught))
		usleep(10000);
	printf("caught %d\n", atomic_load(&caught));
	return 3;
}
