/* maxrss [VAR=VALUE...] -- PROG [ARGS...]: run PROG with the variables added
 * to the environment (for it alone, not for this program) and print its
 * peak RSS in KB (wait4's ru_maxrss: the process, and the largest of the
 * children it waited for) and its exit status, "KB STATUS", on stdout.
 * PROG's own stdout and stderr go to /dev/null.  bench/footprint.sh uses it
 * because /usr/bin/time or env between would be measured with the program
 * (an exec keeps the larger peak of the two images). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int i = 1;
	while (i < argc && strcmp(argv[i], "--"))
		i++;
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: maxrss [VAR=VALUE...] -- PROG [ARGS...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		for (int k = 1; k < i; k++)
			if (putenv(argv[k]) != 0)
				_exit(127);
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[i + 1], argv + i + 1);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0) {
		perror("wait4");
		return 1;
	}
	printf("%ld %d\n", ru.ru_maxrss,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
