/* The threads profile (tests/integration/threads_profile.sh): threads
 * parked in known functions, snapshots through cprof_profile_write.
 *
 *   threads_prof park DIR   3 threads in park_cond (pthread_cond_wait), 2 in
 *                           park_sleep (nanosleep), 1 in park_spin (busy),
 *                           1 in park_blocked (SIGPROF blocked, busy);
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
 *   threads_prof nointr DIR N
 *                           one thread each in wait_nanosleep (300 ms),
 *                           wait_sem (sem_wait), wait_epoll (epoll_wait,
 *                           300 ms), wait_poll, wait_cond
 *                           (pthread_cond_timedwait), wait_select, over
 *                           and over, and wait_read (a pipe's read,
 *                           SIGPROF blocked), while N snapshots are taken from
 *                           another thread (debug 0, 1, 2 in turn); then
 *                           DIR/nointr.pb.gz, nointr.txt, nointr2.txt.
 *                           Prints "cut NAME ..." for every wait that
 *                           failed or ended before its time, and
 *                           "nointr done WAITS" (WAITS: waits completed)
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
#include <poll.h>
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/select.h>
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
	/* In user space: a thread blocked in a system call is not signalled
	 * (its stack is copied), so only a running one shows the reason. */
	volatile unsigned long x = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		x++;
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

/* ---- nointr: a snapshot cuts no wait short ---- */

#define WAIT_MS 300
static sem_t sem;
static int epfd, pipefd[2], readfd[2];
static pthread_mutex_t cmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ccv = PTHREAD_COND_INITIALIZER;
static atomic_int waits, cuts;

static int64_t mono_ms(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cut(const char *name, const char *what, int rc, int err, int64_t ms)
{
	printf("cut %s: %s (rc %d, %s, after %lld ms)\n", name, what, rc, strerror(err),
	       (long long)ms);
	fflush(stdout);
	atomic_fetch_add(&cuts, 1);
}

/* A timed wait: returned rc (want `want`) after at least WAIT_MS. */
static void timed(const char *name, int rc, int want, int err, int64_t t0)
{
	int64_t ms = mono_ms(CLOCK_MONOTONIC) - t0;
	if (rc != want)
		cut(name, "failed", rc, err, ms);
	else if (ms < WAIT_MS)
		cut(name, "ended early", rc, err, ms);
	atomic_fetch_add(&waits, 1);
}

__attribute__((noinline)) static void *wait_nanosleep(void *a)
{
	(void)a;
	while (!atomic_load(&stop)) {
		struct timespec ts = {0, WAIT_MS * 1000000L};
		int64_t t0 = mono_ms(CLOCK_MONOTONIC);
		int rc = nanosleep(&ts, NULL);
		timed("wait_nanosleep", rc, 0, errno, t0);
	}
	return NULL;
}

__attribute__((noinline)) static void *wait_sem(void *a)
{
	(void)a;
	while (!atomic_load(&stop)) {
		int rc = sem_wait(&sem); /* posted only at the end */
		if (rc != 0)
			cut("wait_sem", "failed", rc, errno, 0);
		atomic_fetch_add(&waits, 1);
	}
	return NULL;
}

__attribute__((noinline)) static void *wait_epoll(void *a)
{
	(void)a;
	while (!atomic_load(&stop)) {
		struct epoll_event ev;
		int64_t t0 = mono_ms(CLOCK_MONOTONIC);
		int rc = epoll_wait(epfd, &ev, 1, WAIT_MS);
		timed("wait_epoll", rc, 0, errno, t0);
	}
	return NULL;
}

__attribute__((noinline)) static void *wait_poll(void *a)
{
	(void)a;
	while (!atomic_load(&stop)) {
		struct pollfd p = {pipefd[0], POLLIN, 0};
		int64_t t0 = mono_ms(CLOCK_MONOTONIC);
		int rc = poll(&p, 1, WAIT_MS);
		timed("wait_poll", rc, 0, errno, t0);
	}
	return NULL;
}

__attribute__((noinline)) static void *wait_cond(void *a)
{
	(void)a;
	pthread_mutex_lock(&cmu);
	while (!atomic_load(&stop)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += WAIT_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		int64_t t0 = mono_ms(CLOCK_MONOTONIC);
		/* Never signalled: only its timeout ends it (a spurious
		 * wakeup, 0, would be a cut). */
		int rc = pthread_cond_timedwait(&ccv, &cmu, &ts);
		/* CLOCK_REALTIME's deadline, measured on CLOCK_MONOTONIC: 1 ms
		 * of slack for the two clocks' rounding. */
		timed("wait_cond", rc, ETIMEDOUT, rc, t0 - 1);
	}
	pthread_mutex_unlock(&cmu);
	return NULL;
}

__attribute__((noinline)) static void *wait_select(void *a)
{
	(void)a;
	while (!atomic_load(&stop)) {
		fd_set r;
		FD_ZERO(&r);
		FD_SET(pipefd[0], &r);
		struct timeval tv = {0, WAIT_MS * 1000};
		int64_t t0 = mono_ms(CLOCK_MONOTONIC);
		int rc = select(pipefd[0] + 1, &r, NULL, NULL, &tv);
		timed("wait_select", rc, 0, errno, t0);
	}
	return NULL;
}

__attribute__((noinline)) static void *wait_read(void *a)
{
	(void)a;
	/* SIGPROF blocked: its stack is copied all the same. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPROF);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	char c;
	ssize_t rc = read(readfd[0], &c, 1); /* written only at the end */
	if (rc != 1)
		cut("wait_read", "failed", (int)rc, errno, 0);
	atomic_fetch_add(&waits, 1);
	return NULL;
}

static int nointr(const char *dir, int n)
{
	sem_init(&sem, 0, 0);
	epfd = epoll_create1(0);
	if (epfd < 0 || pipe(pipefd) != 0 || pipe(readfd) != 0) {
		perror("nointr");
		return 1;
	}
	void *(*fn[7])(void *) = {wait_nanosleep, wait_sem,    wait_epoll, wait_poll,
				  wait_cond,      wait_select, wait_read};
	pthread_t th[7];
	for (int i = 0; i < 7; i++)
		pthread_create(&th[i], NULL, fn[i], NULL);
	usleep(100 * 1000); /* into their waits */
	int fd = open("/dev/null", O_WRONLY);
	int bad = 0;
	for (int i = 0; i < n; i++) {
		int rc = cprof_profile_write(i % 2 ? "goroutine" : "threads", fd, i % 3);
		if (rc != 0) {
			fprintf(stderr, "snapshot %d: %s\n", i, cprof_strerror(rc));
			bad = 1;
		}
		usleep(20 * 1000);
	}
	close(fd);
	bad |= write_to(dir, "nointr.pb.gz", "threads", 0);
	bad |= write_to(dir, "nointr.txt", "threads", 1);
	bad |= write_to(dir, "nointr2.txt", "threads", 2);
	atomic_store(&stop, 1);
	sem_post(&sem);
	if (write(readfd[1], "x", 1) != 1)
		bad = 1;
	for (int i = 0; i < 7; i++)
		pthread_join(th[i], NULL);
	printf("nointr done %d\n", atomic_load(&waits));
	return bad;
}

/* The snapshots come from a thread of their own; main waits in join. */
static const char *nointr_dir;
static int nointr_n, nointr_rc;
static void *nointr_thread(void *a)
{
	(void)a;
	nointr_rc = nointr(nointr_dir, nointr_n);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "nointr")) {
		nointr_dir = argv[2];
		nointr_n = atoi(argv[3]);
		pthread_t t;
		pthread_create(&t, NULL, nointr_thread, NULL);
		pthread_join(t, NULL);
		return nointr_rc || atomic_load(&cuts);
	}
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
