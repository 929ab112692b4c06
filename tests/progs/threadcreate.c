/* The threadcreate profile.
 *
 *   threadcreate run [OUT]   create 7 threads from spawn_seven and 3 from
 *                            spawn_three (each joined); with OUT, write the
 *                            profile there through cprof_profile_write and
 *                            check the API's contract ("ok"/"not ok" lines)
 *   threadcreate fork        create 2 threads, fork; the child creates 5
 *                            from child_spawn and exits; the parent waits
 *
 * The API is looked up with dlsym: the program also runs without libcprof. */
#include <cprof.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *work(void *arg)
{
	return arg;
}

static void spawn(int n)
{
	for (int i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, work, NULL) == 0)
			pthread_join(t, NULL);
	}
}

__attribute__((noinline)) void spawn_seven(void)
{
	spawn(7);
	__asm__ volatile("");
}

__attribute__((noinline)) void spawn_three(void)
{
	spawn(3);
	__asm__ volatile("");
}

__attribute__((noinline)) void child_spawn(void)
{
	spawn(5);
	__asm__ volatile("");
}

static int failures;
static void expect(int cond, const char *name, int got)
{
	printf("%s %s", cond ? "ok" : "not ok", name);
	if (!cond) {
		printf(": got %d", got);
		failures++;
	}
	printf("\n");
}

static int api(const char *out)
{
	int (*write_fn)(const char *, int, int) =
		(int (*)(const char *, int, int))dlsym(RTLD_DEFAULT, "cprof_profile_write");
	const char *const *(*names_fn)(void) =
		(const char *const *(*)(void))dlsym(RTLD_DEFAULT, "cprof_profile_names");
	if (!write_fn || !names_fn) {
		printf("not ok api_symbols: libcprof not loaded\n");
		return 1;
	}
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int rc = write_fn("threadcreate", fd, 0);
	expect(rc == 0, "api_write_threadcreate", rc);
	expect(fcntl(fd, F_GETFD) >= 0, "api_write_keeps_fd", 0);
	int null = open("/dev/null", O_WRONLY);
	expect(write_fn("threadcreate", null, 1) == 0, "api_debug1_text", 0);
	expect(write_fn("threadcreate", null, -1) == -EINVAL, "api_negative_debug_einval", 0);
	close(null);
	expect(write_fn("bogus", fd, 0) == -EINVAL, "api_unknown_name_einval", 0);
	expect(write_fn(NULL, fd, 0) == -EINVAL, "api_null_name_einval", 0);
	close(fd);
	expect(write_fn("threadcreate", -1, 0) == -EBADF, "api_negative_fd_ebadf", 0);
	int ro = open("/dev/null", O_RDONLY);
	expect(write_fn("threadcreate", ro, 0) == -EBADF, "api_readonly_fd_ebadf", 0);
	close(ro);
	int n = 0, have = 0;
	for (const char *const *p = names_fn(); *p; p++, n++)
		have += !strcmp(*p, "threadcreate") || !strcmp(*p, "heap") || !strcmp(*p, "allocs");
	expect(have == 3, "api_names_list_the_profiles", n);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "run")) {
		spawn_seven();
		spawn_three();
		return argc >= 3 ? api(argv[2]) : 0;
	}
	if (argc == 2 && !strcmp(argv[1], "fork")) {
		spawn(2);
		pid_t pid = fork();
		if (pid == 0) {
			child_spawn();
			_exit(0);
		}
		int st = 0;
		return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st)
			       ? 0
			       : 1;
	}
	return 2;
}
