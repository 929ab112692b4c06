/* rusage_run OUT CMD [ARGS...]: run CMD, wait for it, and write the CPU time
 * (user + system, in ms) of CMD and every descendant it waited for to OUT
 * (getrusage(RUSAGE_CHILDREN)).  Exits with CMD's status (128 + signal if
 * CMD died of one).  stdin, stdout and stderr are CMD's, untouched. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rusage_run OUT CMD [ARGS...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0)
		return perror("fork"), 2;
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return perror("waitpid"), 2;
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	long ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
		  (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	FILE *f = fopen(argv[1], "w");
	if (!f || fprintf(f, "%ld\n", ms) < 0 || fclose(f) != 0)
		return perror(argv[1]), 2;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}
