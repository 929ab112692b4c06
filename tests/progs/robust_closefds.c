/* Robustness: a program that closes every descriptor it did not open (as
 * daemons do), including the profiler's, then opens a file of its own —
 * which gets the profiler's old descriptor number — burns CPU in
 * fd_work(), forks a child that exits at once, writes "user data\n" to its
 * file and exits.  The profiler must not write its profile into that file.
 *   reuse FILE   close everything, open FILE (takes the lowest number)
 *   closed       close everything, open nothing
 *   apifd FILE PROF   cprof_cpu_start_fd() (found with dlsym) on PROF opened
 *                by the program; then as `reuse`; cprof_cpu_stop() must fail
 *                (the descriptor is not the profile's any more) and leave
 *                FILE alone.  Prints "stop failed".
 * usage: robust_closefds reuse FILE | closed | apifd FILE PROF */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

__attribute__((noinline)) static void fd_work(void)
{
	burn(300000);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int (*stop)(void) = NULL;
	if (!strcmp(argv[1], "apifd")) {
		int (*start_fd)(int, int) = (int (*)(int, int))dlsym(RTLD_DEFAULT, "cprof_cpu_start_fd");
		stop = (int (*)(void))dlsym(RTLD_DEFAULT, "cprof_cpu_stop");
		if (argc < 4 || !start_fd || !stop)
			return 2;
		int pfd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (pfd < 0 || start_fd(pfd, 1000) != 0)
			return 1;
	}
	/* stdout stays: the test reads it */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	int fd = -1;
	if (argc > 2) {
		fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return 1;
	}
	fd_work();
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	if (stop) {
		if (stop() != 0)
			puts("stop failed");
		else
			puts("stop succeeded");
	}
	if (fd >= 0 && write(fd, "user data\n", 10) != 10)
		return 1;
	return 0;
}
