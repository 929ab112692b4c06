/* fork under the heap profiler (issue 3, case 2).  A background thread
 * allocates without pause (so that allocator and profiler locks are likely
 * held at the moment of fork); the main thread keeps parent_alloc objects
 * live and forks F children, which allocate and free (child_work), print,
 * and end by exit() or _exit().  A child that does not end within 30 s is
 * a deadlock: killed and reported.  The parent checks that no child wrote
 * the profile (the file does not exist yet: the parent
 * writes it at its own exit), and prints "objects parent_alloc N".
 *
 *   heap_fork PROFILE_PATH */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define F 40
#define LIVE 100
void *parent_live[LIVE];
static atomic_int stop;

__attribute__((noinline, noipa)) static void *bg_alloc(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" : : "r"(p) : "memory"); /* no tail call: keep this frame */
	return p;
}

static void *background(void *arg)
{
	(void)arg;
	void *ring[32] = {0};
	for (unsigned i = 0; !atomic_load(&stop); i++) {
		free(ring[i % 32]);
		ring[i % 32] = bg_alloc(16 + i % 2000);
	}
	for (int i = 0; i < 32; i++)
		free(ring[i]);
	return NULL;
}

__attribute__((noinline)) static void child_work(int k)
{
	void *p[100];
	for (int i = 0; i < 100; i++)
		p[i] = calloc(1, 32 + (size_t)i * 8);
	for (int i = 0; i < 100; i++)
		free(p[i]);
	char *s = malloc(64);
	snprintf(s, 64, "child %d", k);
	printf("%s\n", s);
	free(s);
	fflush(stdout);
}

__attribute__((noinline, noipa)) static void *parent_alloc(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" : : "r"(p) : "memory"); /* no tail call: keep this frame */
	return p;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	for (int i = 0; i < LIVE; i++)
		parent_live[i] = parent_alloc(100 + (size_t)i);
	pthread_t th;
	pthread_create(&th, NULL, background, NULL);
	int hung = 0, bad = 0;
	for (int k = 0; k < F; k++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			child_work(k);
			if (k % 2)
				exit(0);
			_exit(0);
		}
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		int st = 0;
		struct timespec ts = {0, 1000000};
		int waited = 0;
		while (waitpid(pid, &st, WNOHANG) == 0) {
			if (++waited > 30000) { /* 30 s of 1 ms naps */
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				hung++;
				break;
			}
			nanosleep(&ts, NULL);
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad++;
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	struct stat sb;
	int written = stat(argv[1], &sb) == 0 && sb.st_size > 0;
	printf("%s fork_children_exit_cleanly%s\n", bad ? "not ok" : "ok", bad ? ": some did not" : "");
	printf("%s fork_no_deadlock%s\n", hung ? "not ok" : "ok", hung ? ": a child hung" : "");
	printf("%s fork_children_write_nothing%s\n", written ? "not ok" : "ok",
	       written ? ": the profile was written before the parent's exit" : "");
	printf("objects parent_alloc %d\n", LIVE);
	return 0;
}
