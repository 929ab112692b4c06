/* Run a command and write its CPU time (user + system, with its children's,
 * from wait4) in milliseconds to FILE; exit with its status, 128 + N if it
 * died of signal N, as a shell reports it.
 * usage: rusage_run FILE CMD [ARG...] */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rusage_run FILE CMD [ARG...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) != pid)
		return 2;
	FILE *f = fopen(argv[1], "w");
	if (f) {
		fprintf(f, "%.1f\n", (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
					     (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
		fclose(f);
	}
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}
