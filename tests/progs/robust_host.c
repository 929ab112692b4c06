/* A host program for the bad-input tests: burns a little CPU, runs a child
 * process that is itself a program (PROG, if given, via fork+exec), prints
 * "hello" and exits with status 7.
 * usage: robust_host [PROG] */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

int main(int argc, char **argv)
{
	burn(50000);
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
