/* The threads profile (tests/integration/threads_profile.sh): threads
 * parked in known functions, snapshots through cprof_profile_write.
 *
 *   threads_prof park DIR   3 threads in park_cond (pthread_cond_wait), 2 in
 *                           park_sleep (nanosleep), 1 in park_spin (busy),
 *                           1 in park_blocked (SIGPROF blocked, nanosleep);
 *                           writes DIR/threads.pb.gz (debug 0), threads.txt
 *                           (1), threads2.txt (2), goroutine.pb.gz,
 *                           goroutine.txt, threads3.txt (debug 3),
 *                           threadcreate.txt, heap.txt, allocs.txt
 *   threads_prof bad        the documented errors, "ok NAME" per check
 *   threads_prof stress N   N snapshots from each of 4 threads while
 *                           others are created and exit
 *   threads_prof late DIR   a thread in vfork (its child sleeps 1 s): its
 *                           signal waits until the child exits, so
 *                           DIR/late.txt (debug 2) lists it as not
 *                           answering; DIR/after.txt is taken once it is
 *                           back (its late answer wrote nothing)
 */
#include <cprof.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int started, stop;

__attribute__((noinline)) static void *park_cond(void *a)
{
	(void)a;
	pthread_mutex_lock(&mu);
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop))
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

__attribute__((noinline)) static void nap(void)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL); /* EINTR from a snapshot: the loop goes on */
}

__attribute__((noinline)) static void *park_sleep(void *a)
{
	(void)a;
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop))
		nap();
	return NULL;
}

__attribute__((noinline)) static void *park_spin(void *a)
{
	(void)a;
	atomic_fetch_add(&started, 1);
	volatile unsigned long x = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		x++;
	return NULL;
}

__attribute__((noinline)) static void *park_blocked(void *a)
{
	(void)a;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGPROF);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&stop))
		nap();
	return NULL;
}

static int write_to(const char *dir, const char *file, const char *name, int debug)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	int rc = cprof_profile_write(name, fd, debug);
	close(fd);
	if (rc != 0) {
		fprintf(stderr, "%s debug=%d: %s\n", name, debug, cprof_strerror(rc));
		return 1;
	}
	return 0;
}

static int park(const char *dir)
{
	pthread_t th[7];
	void *(*fn[7])(void *) = {park_cond,  park_cond, park_cond,   park_sleep,
				  park_sleep, park_spin, park_blocked};
	for (int i = 0; i < 7; i++)
		pthread_create(&th[i], NULL, fn[i], NULL);
	while (atomic_load(&started) < 7)
		usleep(1000);
	usleep(100 * 1000); /* into their waits */
	/* Something for heap.txt: sampled at a rate, so that pprof's
	 * unscaling of the raw counts is exercised. */
	static void *keep[2000];
	cprof_heap_set_rate(4096);
	for (int i = 0; i < 2000; i++)
		keep[i] = malloc(i % 2 ? 100 : 3000);
	for (int i = 0; i < 2000; i += 4)
		free(keep[i]);
	int bad = 0;
	bad |= write_to(dir, "threads.pb.gz", "threads", 0);
	bad |= write_to(dir, "threads.txt", "threads", 1);
	bad |= write_to(dir, "threads2.txt", "threads", 2);
	bad |= write_to(dir, "threads3.txt", "threads", 3);
	bad |= write_to(dir, "goroutine.pb.gz", "goroutine", 0);
	bad |= write_to(dir, "goroutine.txt", "goroutine", 1);
	bad |= write_to(dir, "threadcreate.txt", "threadcreate", 1);
	bad |= write_to(dir, "threadcreate2.txt", "threadcreate", 2);
	bad |= write_to(dir, "threadcreate.pb.gz", "threadcreate", 0);
	bad |= write_to(dir, "heap.txt", "heap", 1);
	bad |= write_to(dir, "heap.pb.gz", "heap", 0);
	bad |= write_to(dir, "allocs.txt", "allocs", 1);
	pthread_mutex_lock(&mu);
	atomic_store(&stop, 1);
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < 7; i++)
		pthread_join(th[i], NULL);
	printf("parked done\n");
	return bad;
}

static void expect(const char *name, int got, int want)
{
	if (got == want)
		printf("ok %s\n", name);
	else
		printf("not ok %s: got %d (%s), want %d\n", name, got, cprof_strerror(got), want);
}

static int bad(void)
{
	int fd = open("/dev/null", O_WRONLY);
	int rd = open("/dev/null", O_RDONLY);
	expect("unknown_name", cprof_profile_write("nosuch", fd, 0), -EINVAL);
	expect("null_name", cprof_profile_write(NULL, fd, 0), -EINVAL);
	expect("negative_debug", cprof_profile_write("threads", fd, -1), -EINVAL);
	expect("debug3_is_dump", cprof_profile_write("threads", fd, 3), 0);
	expect("debug3_heap", cprof_profile_write("heap", fd, 3), 0);
	expect("bad_fd", cprof_profile_write("threads", -1, 1), -EBADF);
	expect("closed_fd", cprof_profile_write("threads", 1000, 0), -EBADF);
	expect("readonly_fd", cprof_profile_write("goroutine", rd, 2), -EBADF);
	int p[2];
	if (pipe(p) == 0) {
		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		expect("broken_pipe", cprof_profile_write("threads", p[1], 1), -EPIPE);
		close(p[1]);
	}
	const char *const *names = cprof_profile_names();
	int n = 0, sorted = 1, has_threads = 0, has_goroutine = 0;
	for (; names[n]; n++) {
		if (n && strcmp(names[n - 1], names[n]) >= 0)
			sorted = 0;
		has_threads |= !strcmp(names[n], "threads");
		has_goroutine |= !strcmp(names[n], "goroutine");
	}
	expect("names_sorted", sorted, 1);
	expect("names_threads", has_threads, 1);
	expect("names_goroutine", has_goroutine, 1);
	for (int i = 0; names[i]; i++)
		for (int d = 0; d <= 2; d++) {
			char what[64];
			snprintf(what, sizeof(what), "every_name_%s_debug%d", names[i], d);
			expect(what, cprof_profile_write(names[i], fd, d), 0);
		}
	close(fd);
	close(rd);
	return 0;
}

static int rounds;

static void *snapper(void *a)
{
	int fd = *(int *)a;
	for (int i = 0; i < rounds; i++) {
		int rc = cprof_profile_write(i % 3 == 0 ? "threads" : "goroutine", fd, i % 3);
		if (rc != 0) {
			fprintf(stderr, "snapshot %d: %s\n", i, cprof_strerror(rc));
			exit(1);
		}
	}
	return NULL;
}

static void *park_spin_short(void *a)
{
	(void)a;
	volatile unsigned long x = 0;
	for (int i = 0; i < 100000; i++)
		x++;
	return NULL;
}

static void *brief(void *a)
{
	(void)a;
	nap();
	return NULL;
}

static void *churn(void *a)
{
	(void)a;
	while (!atomic_load(&stop)) {
		pthread_t t[4];
		for (int i = 0; i < 4; i++)
			pthread_create(&t[i], NULL, i & 1 ? brief : park_spin_short, NULL);
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
	}
	return NULL;
}

__attribute__((noinline)) static void *park_vfork(void *a)
{
	(void)a;
	atomic_fetch_add(&started, 1);
	pid_t pid = vfork();
	if (pid == 0) {
		/* Only _exit and exec are allowed here, but a system call that
		 * touches no memory of the parent's is safe in practice: the
		 * parent stays in vfork for that second. */
		struct timespec ts = {1, 0};
		syscall(SYS_nanosleep, &ts, NULL);
		_exit(0);
	}
	int st;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	atomic_fetch_add(&started, 1);
	return NULL;
}

static int late(const char *dir)
{
	pthread_t t;
	pthread_create(&t, NULL, park_vfork, NULL);
	while (atomic_load(&started) < 1)
		usleep(1000);
	usleep(200 * 1000); /* into the vfork */
	int bad = write_to(dir, "late.txt", "threads", 2);
	pthread_join(t, NULL);
	bad |= write_to(dir, "after.txt", "threads", 2);
	printf("late done\n");
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "late"))
		return late(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "park"))
		return park(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "bad"))
		return bad();
	if (argc == 3 && !strcmp(argv[1], "stress")) {
		rounds = atoi(argv[2]);
		int fd = open("/dev/null", O_WRONLY);
		pthread_t s[4], c[2], w;
		pthread_create(&w, NULL, park_cond, NULL);
		for (int i = 0; i < 2; i++)
			pthread_create(&c[i], NULL, churn, NULL);
		for (int i = 0; i < 4; i++)
			pthread_create(&s[i], NULL, snapper, &fd);
		for (int i = 0; i < 4; i++)
			pthread_join(s[i], NULL);
		pthread_mutex_lock(&mu);
		atomic_store(&stop, 1);
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
		for (int i = 0; i < 2; i++)
			pthread_join(c[i], NULL);
		pthread_join(w, NULL);
		printf("stress done\n");
		return 0;
	}
	fprintf(stderr, "usage: threads_prof park DIR | bad | stress N\n");
	return 2;
}
