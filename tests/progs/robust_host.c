/* A host program for the bad-input tests: burns a little CPU, runs a child
 * process that is itself a program (PROG, if given, via fork+exec), prints
 * "hello" and exits with status 7.
 * usage: robust_host [PROG] */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile double sink;

int main(int argc, char **argv)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	double x = 1.0;
	do {
		for (int i = 0; i < 2000; i++)
			x = x * 1.0000001 + 0.0000001;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 50000000L);
	sink = x;
	if (argc > 1) {
		pid_t pid = fork();
		if (pid == 0) {
			execv(argv[1], argv + 1);
			_exit(127);
		}
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
	}
	puts("hello");
	return 7;
}
