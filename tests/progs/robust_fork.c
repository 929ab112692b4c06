/* Robustness: fork()+exec() in a loop and fork() without exec, while a
 * second thread burns CPU in bg_work() (so forks happen while SIGPROF hits
 * another thread).
 * usage: robust_fork exec N PROG   run PROG N times (waiting for each), in
 *                                  turn with fork+execv, vfork+execv and
 *                                  posix_spawn
 *        robust_fork work N        fork N children that burn CPU in
 *                                  child_work() then leave with _exit()
 *                                  (odd iterations) or exit() (even ones)
 * Between children the parent burns CPU in parent_work().  Prints
 * "children N ok" where N counts children that exited with status 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"


__attribute__((noinline)) static void parent_work(void)
{
	burn(10000);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}
/* 20 ms: the kernel checks CPU timers at its tick (4 ms here), and only
 * when the thread is running then; on a loaded machine a child with less
 * work can run between ticks and take its only sample on the way out. */
__attribute__((noinline)) static void child_work(void)
{
	burn(20000);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
}

static atomic_int stop;

__attribute__((noinline)) static void bg_work(void)
{
	while (!atomic_load(&stop))
		burn(1000);
}

static void *bg_main(void *arg)
{
	(void)arg;
	bg_work();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int n = atoi(argv[2]);
	bool exec_mode = !strcmp(argv[1], "exec");
	if (exec_mode && argc < 4)
		return 2;
	volatile int good = 0; /* volatile: vfork */
	pthread_t bg;
	if (pthread_create(&bg, NULL, bg_main, NULL) != 0)
		return 1;
	for (int i = 0; i < n; i++) {
		parent_work();
		pid_t pid;
		if (exec_mode && i % 3 == 2) {
			extern char **environ;
			if (posix_spawn(&pid, argv[3], NULL, NULL, argv + 3, environ) != 0) {
				perror("posix_spawn");
				return 1;
			}
		} else {
			pid = exec_mode && i % 3 == 1 ? vfork() : fork();
		}
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			if (exec_mode) {
				execv(argv[3], argv + 3);
				_exit(127);
			}
			child_work();
			if (i & 1)
				_exit(0);
			exit(0);
		}
		int st;
		if (waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0)
			good++;
	}
	parent_work();
	atomic_store(&stop, 1);
	pthread_join(bg, NULL);
	printf("children %d ok\n", good);
	return 0;
}
