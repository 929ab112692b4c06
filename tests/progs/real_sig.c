/* Signal and thread-lifecycle semantics under libcprof (issue 10): each mode
 * is a pattern that third-party programs use.
 *   pexit [N]        main prints "bye", starts N threads (default 1) that
 *                    burn 300 ms in pexit_work, and calls pthread_exit: the
 *                    process must end (status 0) when they return
 *   term N           N threads burn CPU in term_work, each checking a flag
 *                    every ~1 ms and printing "after" once it is set; one
 *                    more thread sits in select() and prints "eintr" if it
 *                    ever sees EINTR; after ~300 ms of CPU main sets the flag
 *                    and raise(SIGTERM)s: the process must die of it with
 *                    (almost) no "after" and no "eintr"
 *   sigwait|signalfd every signal blocked; a worker (created with that mask)
 *                    burns 400 ms in blocked_work, then sends SIGUSR1 to the
 *                    process; main burns 200 ms in main_work, prints whether
 *                    its mask (as pthread_sigmask reports it) blocks SIGPROF,
 *                    then waits with sigwaitinfo (or a signalfd) and prints
 *                    "got signal N" for the first signal it receives
 *   pipe             burns 300 ms in pipe_work, then writes lines to stdout
 *                    forever (killed by SIGPIPE when the reader goes)
 *   raise SIG        burns 300 ms in raise_work, then raise(SIG)
 *   segv             burns 300 ms in raise_work, then writes through NULL
 *   dispo            prints, for SIGINT, SIGTERM, SIGHUP and SIGPIPE, what
 *                    sigaction() reports (dfl, ign, handler), installs a
 *                    handler for SIGTERM, sets SIGINT back to SIG_DFL and
 *                    prints them again; then raise(SIGTERM) must reach the
 *                    program's handler, which prints "handled 15"
 * usage: real_sig MODE [ARG] */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "burn.h"

/* The work functions burn different amounts: identical bodies may be merged
 * into one symbol. */

static atomic_int flag;

__attribute__((noinline)) static void pexit_work(void)
{
	burn(300000);
	__asm__ volatile("" ::: "memory");
}

static void *pexit_thread(void *arg)
{
	(void)arg;
	pexit_work();
	return NULL;
}

__attribute__((noinline)) static void term_work(void)
{
	for (;;) {
		burn(1000);
		if (atomic_load(&flag)) {
			if (write(1, "after\n", 6) < 0)
				_exit(9);
			atomic_fetch_add(&flag, 1);
			burn(100000);
		}
	}
}

static void *term_thread(void *arg)
{
	(void)arg;
	term_work();
	return NULL;
}

static void *select_thread(void *arg)
{
	(void)arg;
	for (;;) {
		struct timeval tv = {0, 2000};
		if (select(0, NULL, NULL, NULL, &tv) < 0 && errno == EINTR) {
			if (write(1, "eintr\n", 6) < 0)
				_exit(9);
		}
	}
	return NULL;
}

__attribute__((noinline)) static void blocked_work(void)
{
	burn(400000);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void main_work(void)
{
	burn(200001);
	__asm__ volatile("" ::: "memory");
}

static void *blocked_thread(void *arg)
{
	(void)arg;
	blocked_work();
	kill(getpid(), SIGUSR1);
	return NULL;
}

__attribute__((noinline)) static void pipe_work(void)
{
	burn(300001);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void raise_work(void)
{
	burn(300002);
	__asm__ volatile("" ::: "memory");
}

static void on_term(int sig)
{
	char b[] = "handled 00\n";
	b[8] = (char)('0' + sig / 10);
	b[9] = (char)('0' + sig % 10);
	if (write(1, b, sizeof(b) - 1) < 0)
		_exit(9);
}

static void print_dispo(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction a;
		sigaction(sigs[i], NULL, &a);
		printf("%d:%s ", sigs[i],
		       a.sa_handler == SIG_DFL ? "dfl" : a.sa_handler == SIG_IGN ? "ign" : "handler");
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	pthread_t t;
	if (!strcmp(mode, "pexit")) {
		puts("bye");
		int n = argc > 2 ? atoi(argv[2]) : 1;
		for (int i = 0; i < n; i++)
			pthread_create(&t, NULL, pexit_thread, NULL);
		pthread_exit(NULL);
	}
	if (!strcmp(mode, "raise") && argc > 2) {
		raise_work();
		raise(atoi(argv[2]));
		puts("survived");
		return 0;
	}
	if (!strcmp(mode, "segv")) {
		raise_work();
		*(volatile int *)(uintptr_t)(argc - 2) = 1;
		puts("survived");
		return 0;
	}
	if (!strcmp(mode, "dispo")) {
		print_dispo();
		signal(SIGTERM, on_term);
		signal(SIGINT, SIG_DFL);
		print_dispo();
		fflush(stdout);
		raise(SIGTERM);
		return 0;
	}
	if (!strcmp(mode, "term")) {
		int n = argc > 2 ? atoi(argv[2]) : 2;
		for (int i = 0; i < n; i++)
			pthread_create(&t, NULL, term_thread, NULL);
		pthread_create(&t, NULL, select_thread, NULL);
		struct timespec ts;
		do {
			usleep(10000);
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
		} while (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < 300);
		atomic_store(&flag, 1);
		raise(SIGTERM);
		puts("survived");
		return 0;
	}
	if (!strcmp(mode, "sigwait") || !strcmp(mode, "signalfd")) {
		sigset_t all, cur;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, NULL);
		pthread_create(&t, NULL, blocked_thread, NULL);
		main_work();
		pthread_sigmask(SIG_BLOCK, NULL, &cur);
		printf("prof blocked: %d\n", sigismember(&cur, SIGPROF));
		fflush(stdout);
		int sig;
		if (!strcmp(mode, "sigwait")) {
			siginfo_t si;
			sig = sigwaitinfo(&all, &si);
		} else {
			int fd = signalfd(-1, &all, SFD_CLOEXEC);
			struct signalfd_siginfo si;
			sig = fd >= 0 && read(fd, &si, sizeof(si)) == sizeof(si) ? (int)si.ssi_signo : -1;
		}
		printf("got signal %d\n", sig);
		pthread_join(t, NULL);
		return 0;
	}
	if (!strcmp(mode, "pipe")) {
		pipe_work();
		for (;;)
			puts("line");
	}
	fprintf(stderr, "usage: real_sig pexit [N]|term N|sigwait|signalfd|pipe|raise SIG|segv|dispo\n");
	return 2;
}
