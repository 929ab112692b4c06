/*
 * http_prog.c — a program served over /debug/pprof (tests/integration/http.sh).
 *
 *   http_prog run SECONDS      CPU work (hot) and allocations for SECONDS,
 *                              then "done"; the server comes from CPROF_HTTP
 *   http_prog api              cprof_http_start/addr/stop and their errors
 *   http_prog fork             serves, forks a child that exits, serves on
 */
#define _GNU_SOURCE
#include <cprof.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) void hot(void)
{
	for (int i = 0; i < 1000000; i++)
		sink += (unsigned long)i;
}

static long iterations;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* SECONDS of the monotonic clock from now (time()'s whole seconds would
 * make a run last anywhere between SECONDS - 1 and SECONDS: the
 * iterations bench/http_bench.sh compares would vary by that much). */
static void run(int secs)
{
	double end = now() + secs;
	while (now() < end) {
		iterations++;
		hot();
		void *volatile p = malloc(1000); /* not elided */
		free(p);
	}
}

static int expect(const char *what, int got, int want)
{
	if (got == want)
		return 0;
	printf("%s: got %d (%s), want %d\n", what, got, cprof_strerror(got), want);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "run")) {
		run(argc > 2 ? atoi(argv[2]) : 5);
		puts("done");
		fprintf(stderr, "iterations %ld\n", iterations);
		return 0;
	}
	if (!strcmp(argv[1], "api")) {
		int bad = 0;
		bad |= expect("stop before start", cprof_http_stop(), -ESRCH);
		bad |= expect("addr before start", cprof_http_addr() != NULL, 0);
		bad |= expect("NULL addr", cprof_http_start(NULL), -EINVAL);
		bad |= expect("bad addr", cprof_http_start("localhost:http"), -EINVAL);
		bad |= expect("bad port", cprof_http_start("127.0.0.1:70000"), -EINVAL);
		bad |= expect("remote without token", cprof_http_start("0.0.0.0:0"), -EACCES);
		bad |= expect("start", cprof_http_start("127.0.0.1:0"), 0);
		const char *a = cprof_http_addr();
		bad |= expect("addr", a != NULL && !strncmp(a, "127.0.0.1:", 10), 1);
		bad |= expect("start twice", cprof_http_start("127.0.0.1:0"), -EBUSY);
		bad |= expect("stop", cprof_http_stop(), 0);
		bad |= expect("addr after stop", cprof_http_addr() != NULL, 0);
		bad |= expect("restart", cprof_http_start(":0"), 0);
		bad |= expect("stop again", cprof_http_stop(), 0);
		bad |= expect("stop twice", cprof_http_stop(), -ESRCH);
		puts(bad ? "api failed" : "api ok");
		return bad;
	}
	if (!strcmp(argv[1], "fork")) {
		pid_t pid = fork();
		if (pid == 0) {
			/* the child does not serve */
			printf("child addr %s\n", cprof_http_addr() ? "set" : "none");
			fflush(stdout);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		run(argc > 2 ? atoi(argv[2]) : 3);
		puts("done");
		return 0;
	}
	return 2;
}
