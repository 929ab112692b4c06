/* robust_fork_dl LIB N: fork N children while another thread loads and
 * unloads LIB in a loop, never across a fork (a mutex keeps the program's
 * own loader calls and its forks apart).  What remains is the profiler's
 * own use of the loader at a fork: a child must still exit at once.
 *
 * robust_fork_dl LIB N iterate: the other thread walks the loaded objects
 * with dl_iterate_phdr, 20 ms inside the walk (the loader's lock held),
 * then 20 ms outside, and the forks do not wait for it.  The child itself
 * never touches the loader; a profiler in it must not wait for the lock a
 * thread of the parent held at the fork.
 *
 * Each child burns a little CPU and exits; one not gone within 5 s counts
 * as hung and is killed.  Prints "children N ok, H hung". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "burn.h"

static pthread_mutex_t loader = PTHREAD_MUTEX_INITIALIZER;
static atomic_int stop;
static const char *lib;

static void nap_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000};
	nanosleep(&ts, NULL);
}

static int hold(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)info, (void)size, (void)arg;
	nap_ms(20);
	return 1;
}

static void *walk(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		dl_iterate_phdr(hold, NULL);
		nap_ms(20);
	}
	return NULL;
}

static void *churn(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		pthread_mutex_lock(&loader);
		void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
		if (h)
			dlclose(h);
		pthread_mutex_unlock(&loader);
		burn(200);
	}
	return NULL;
}

/* 0: exited with status 0; 1: other status; 2: hung (killed). */
static int reap(pid_t pid)
{
	for (int ms = 0; ms < 5000; ms++) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
		if (r < 0)
			return 1;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	lib = argv[1];
	int n = atoi(argv[2]), good = 0, hung = 0;
	bool iterate = argc > 3 && !strcmp(argv[3], "iterate");
	pthread_t th;
	if (pthread_create(&th, NULL, iterate ? walk : churn, NULL) != 0)
		return 1;
	for (int i = 0; i < n; i++) {
		if (iterate)
			nap_ms(7); /* forks fall anywhere in the walker's cycle */
		else
			pthread_mutex_lock(&loader);
		pid_t pid = fork();
		if (pid == 0) {
			burn(500);
			exit(0);
		}
		if (!iterate)
			pthread_mutex_unlock(&loader);
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		int r = reap(pid);
		good += r == 0;
		hung += r == 2;
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	printf("children %d ok, %d hung\n", good, hung);
	return 0;
}
