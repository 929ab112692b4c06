/* Robustness: threads that block SIGPROF.  "toggler" threads block SIGPROF
 * with pthread_sigmask while they burn CPU in masked_work(), then unblock
 * and burn in unmasked_work(), several rounds; "blocker" threads block it
 * and keep it blocked until they exit (burning in blocked_forever_work()).
 * Signals pending at unblock must be taken normally.  Prints "done".
 * usage: robust_sigmask [ROUNDS]   (default 20) */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "burn.h"

static int rounds = 20;

static void block_prof(int how)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGPROF);
	pthread_sigmask(how, &s, NULL);
}

__attribute__((noinline)) static void masked_work(void)
{
	burn(10000);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}
__attribute__((noinline)) static void unmasked_work(void)
{
	burn(10001); /* not 10000: identical bodies may be merged into one symbol */
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}
__attribute__((noinline)) static void blocked_forever_work(void)
{
	burn(100000);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

static void *toggler(void *arg)
{
	(void)arg;
	for (int r = 0; r < rounds; r++) {
		block_prof(SIG_BLOCK);
		masked_work();
		block_prof(SIG_UNBLOCK);
		unmasked_work();
	}
	return NULL;
}

static void *blocker(void *arg)
{
	(void)arg;
	block_prof(SIG_BLOCK);
	blocked_forever_work();
	return NULL; /* exits with SIGPROF blocked and maybe pending */
}

int main(int argc, char **argv)
{
	if (argc > 1)
		rounds = atoi(argv[1]);
	pthread_t t[4];
	pthread_create(&t[0], NULL, toggler, NULL);
	pthread_create(&t[1], NULL, toggler, NULL);
	pthread_create(&t[2], NULL, blocker, NULL);
	pthread_create(&t[3], NULL, blocker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	/* The main thread, too, ends its life with SIGPROF blocked. */
	block_prof(SIG_BLOCK);
	blocked_forever_work();
	puts("done");
	return 0;
}
