/* The execution trace (tests/integration/trace.sh).
 *
 *   trace run      threads that run (busy_spin, ~0.3 s of CPU, named
 *                  "busy"), sleep (0.2 s, "sleeper"), start and exit at
 *                  once ("short"), a condvar consumer ("consumer") that
 *                  waits ~0.2 s for a producer, and a mutex ("waiter")
 *                  that another thread holds ~0.2 s; prints each measured
 *                  wait as "condvar_wait_ns N" / "mutex_wait_ns N"
 *   trace api OUT  cprof_trace_start/stop's contract ("ok"/"not ok" lines)
 *                  around a short run; the trace goes to OUT
 *   trace fork     a thread, then fork: the child starts one and exits
 *   trace wait     a busy thread, "ready" on stdout, then waits for a signal
 *
 * The API is looked up with dlsym: the program also runs without libcprof. */
#define _GNU_SOURCE
#include <cprof.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static volatile uint64_t sink;

__attribute__((noinline)) void busy_spin(int64_t ns)
{
	int64_t end = cpu_ns() + ns;
	uint64_t x = 1;
	while (cpu_ns() < end)
		for (int i = 0; i < 10000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	sink = x;
}

static void *busy(void *arg)
{
	pthread_setname_np(pthread_self(), "busy");
	busy_spin(*(int64_t *)arg);
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "sleeper");
	sleep_ms(200);
	return NULL;
}

static void *short_lived(void *arg)
{
	pthread_setname_np(pthread_self(), "short");
	return arg;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;
static int64_t cond_wait, mutex_wait;

__attribute__((noinline)) void consume(void)
{
	pthread_mutex_lock(&mu);
	int64_t t0 = now_ns();
	while (!ready)
		pthread_cond_wait(&cv, &mu);
	cond_wait = now_ns() - t0;
	pthread_mutex_unlock(&mu);
}

static void *consumer(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "consumer");
	consume();
	return NULL;
}

static pthread_mutex_t hot = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) void wait_for_hot(void)
{
	int64_t t0 = now_ns();
	pthread_mutex_lock(&hot);
	mutex_wait = now_ns() - t0;
	pthread_mutex_unlock(&hot);
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "waiter");
	wait_for_hot();
	return NULL;
}

__attribute__((noinline)) void spawn_all(void)
{
	pthread_t t[5];
	int64_t spin = 300000000;
	pthread_create(&t[0], NULL, busy, &spin);
	pthread_create(&t[1], NULL, sleeper, NULL);
	pthread_create(&t[2], NULL, short_lived, NULL);
	pthread_create(&t[3], NULL, consumer, NULL);
	pthread_mutex_lock(&hot);
	pthread_create(&t[4], NULL, waiter, NULL);
	sleep_ms(200);
	pthread_mutex_unlock(&hot);
	pthread_mutex_lock(&mu);
	ready = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	printf("condvar_wait_ns %lld\nmutex_wait_ns %lld\n", (long long)cond_wait,
	       (long long)mutex_wait);
}

static void say(const char *name, int cond)
{
	printf("%s %s\n", cond ? "ok" : "not ok", name);
}

static int api(const char *out)
{
	int (*start)(const char *) =
		(int (*)(const char *))dlsym(RTLD_DEFAULT, "cprof_trace_start");
	int (*stop)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "cprof_trace_stop");
	if (!start || !stop) {
		printf("not ok api_found\n");
		return 1;
	}
	say("api_stop_idle_esrch", stop() == -ESRCH);
	say("api_empty_einval", start("") == -EINVAL);
	say("api_null_einval", start(NULL) == -EINVAL);
	say("api_baddir_enoent", start("/nonexistent/dir/t.json") == -ENOENT);
	say("api_start", start(out) == 0);
	say("api_start_again_ebusy", start(out) == -EBUSY);
	pthread_t t;
	int64_t spin = 100000000;
	pthread_create(&t, NULL, busy, &spin);
	pthread_join(t, NULL);
	say("api_not_written_yet", access(out, F_OK) != 0);
	say("api_stop", stop() == 0);
	say("api_written", access(out, F_OK) == 0);
	say("api_stop_again_esrch", stop() == -ESRCH);
	return 0;
}

static int fork_run(void)
{
	pthread_t t;
	int64_t spin = 50000000;
	pthread_create(&t, NULL, busy, &spin);
	pthread_join(t, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		pthread_create(&t, NULL, short_lived, NULL);
		pthread_join(t, NULL);
		return 0;
	}
	int st;
	waitpid(pid, &st, 0);
	printf("child %d\n", (int)pid);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

/* N condition waits that time out at once: a blocked interval recorded
 * for each, and some of the CPU samples land inside those recordings. */
static int waits(long n)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec past = {0, 0};
	long timedout = 0;
	pthread_mutex_lock(&m);
	for (long i = 0; i < n; i++)
		timedout += pthread_cond_timedwait(&c, &m, &past) == ETIMEDOUT;
	pthread_mutex_unlock(&m);
	printf("timedout %ld\n", timedout);
	return timedout == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "run")) {
		spawn_all();
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "api"))
		return api(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "fork"))
		return fork_run();
	if (argc >= 2 && !strcmp(argv[1], "wait")) {
		pthread_t t;
		int64_t spin = (int64_t)3600 * 1000000000;
		pthread_create(&t, NULL, busy, &spin);
		printf("ready\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	if (argc >= 3 && !strcmp(argv[1], "waits"))
		return waits(atol(argv[2]));
	fprintf(stderr, "usage: trace run | api OUT | fork | wait | waits N\n");
	return 2;
}
