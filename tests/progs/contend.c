/*
 * contend.c — planted contention for the mutex and block profiles
 * (tests/integration/contention.sh).  Each mode runs threads that wait in a
 * known way, measures the waits itself (a clock around each call) and
 * prints "waited NS" — the figure the profile's total delay must match.
 *
 *   contend mutex|rwlock|spin|cond|sem|join|barrier|robust|recursive|
 *           errorcheck|pshared|signal|early|api OUT
 *
 * Stacks: a lock is taken in acquire_*() and released at the end of
 * critical_*(), so the waiter's stack and the holder's differ.
 */
#define _GNU_SOURCE
#include <cprof.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4
#define ROUNDS 150
#define HOLD_NS 200000L /* 0.2 ms in the critical section */

static atomic_llong waited; /* ns, every thread's waits */
/* Lock and unlock calls after which errno was not what the caller set:
 * the interposers (and the unwinds they record) must leave it alone. */
static atomic_int errno_spoiled;
#define KEEP_ERRNO(call)                                     \
	do {                                                 \
		errno = EILSEQ;                              \
		call;                                        \
		if (errno != EILSEQ)                         \
			atomic_fetch_add(&errno_spoiled, 1); \
	} while (0)
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t sp;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static pthread_barrier_t bar;
static atomic_ulong after; /* touched after each unlock */

static long long now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spin for ns of wall time (a holder that works, not one that sleeps). */
static void busy(long ns)
{
	long long end = now() + ns;
	volatile unsigned long spins = 0;
	while (now() < end)
		spins++;
}

__attribute__((noinline)) static void critical_mutex(void)
{
	busy(HOLD_NS);
	KEEP_ERRNO(pthread_mutex_unlock(&mu));
	/* not a tail call: this frame stays on the stack */
	atomic_fetch_add_explicit(&after, 1, memory_order_relaxed);
}

__attribute__((noinline)) static void acquire_mutex(void)
{
	long long t0 = now();
	KEEP_ERRNO(pthread_mutex_lock(&mu));
	atomic_fetch_add(&waited, now() - t0);
	critical_mutex();
}

__attribute__((noinline)) static void critical_write(void)
{
	busy(HOLD_NS);
	KEEP_ERRNO(pthread_rwlock_unlock(&rw));
	/* not a tail call: this frame stays on the stack */
	atomic_fetch_add_explicit(&after, 1, memory_order_relaxed);
}

__attribute__((noinline)) static void acquire_write(void)
{
	long long t0 = now();
	KEEP_ERRNO(pthread_rwlock_wrlock(&rw));
	atomic_fetch_add(&waited, now() - t0);
	critical_write();
}

__attribute__((noinline)) static void critical_spin(void)
{
	busy(HOLD_NS / 4);
	KEEP_ERRNO(pthread_spin_unlock(&sp));
	/* not a tail call: this frame stays on the stack */
	atomic_fetch_add_explicit(&after, 1, memory_order_relaxed);
}

__attribute__((noinline)) static void acquire_spin(void)
{
	long long t0 = now();
	KEEP_ERRNO(pthread_spin_lock(&sp));
	atomic_fetch_add(&waited, now() - t0);
	critical_spin();
}

static void *worker(void *arg)
{
	void (*fn)(void) = (void (*)(void))arg;
	for (int i = 0; i < ROUNDS; i++)
		fn();
	return NULL;
}

static void run_threads(void (*fn)(void))
{
	pthread_t th[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)fn);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
}

/* ---- condvar: a consumer waits for items a producer makes every 1 ms ---- */
static int items, done;

__attribute__((noinline)) static void consume_wait(void)
{
	pthread_mutex_lock(&mu);
	while (!items && !done) {
		long long t0 = now();
		pthread_cond_wait(&cv, &mu);
		atomic_fetch_add(&waited, now() - t0);
	}
	if (items)
		items--;
	pthread_mutex_unlock(&mu);
}

static void *consumer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++)
		consume_wait();
	return NULL;
}

static void run_cond(void)
{
	pthread_t c;
	pthread_create(&c, NULL, consumer, NULL);
	for (int i = 0; i < 100; i++) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&mu);
		items++;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
	}
	pthread_join(c, NULL);
}

/* ---- semaphore, join, barrier ---- */
__attribute__((noinline)) static void sem_take(void)
{
	long long t0 = now();
	sem_wait(&sem);
	atomic_fetch_add(&waited, now() - t0);
}

static void *sem_taker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++)
		sem_take();
	return NULL;
}

static void run_sem(void)
{
	sem_init(&sem, 0, 0);
	pthread_t c;
	pthread_create(&c, NULL, sem_taker, NULL);
	for (int i = 0; i < 50; i++) {
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
		sem_post(&sem);
	}
	pthread_join(c, NULL);
}

static void *sleeper(void *arg)
{
	struct timespec ts = {0, (long)(intptr_t)arg};
	nanosleep(&ts, NULL);
	return NULL;
}

__attribute__((noinline)) static void join_wait(pthread_t t)
{
	long long t0 = now();
	pthread_join(t, NULL);
	atomic_fetch_add(&waited, now() - t0);
}

static void run_join(void)
{
	for (int i = 0; i < 20; i++) {
		pthread_t t;
		pthread_create(&t, NULL, sleeper, (void *)(intptr_t)2000000);
		join_wait(t);
	}
}

__attribute__((noinline)) static void barrier_meet(void)
{
	long long t0 = now();
	pthread_barrier_wait(&bar);
	atomic_fetch_add(&waited, now() - t0);
}

static void *barrier_worker(void *arg)
{
	for (int i = 0; i < 30; i++) {
		busy((long)(intptr_t)arg);
		barrier_meet();
	}
	return NULL;
}

static void run_barrier(void)
{
	pthread_barrier_init(&bar, NULL, 3);
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, barrier_worker, (void *)(intptr_t)(100000 * (i + 1)));
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
}

/* ---- the kinds of mutexes the interposers must not break ---- */
static int fail(const char *what, int rc)
{
	fprintf(stderr, "contend: %s: %s\n", what, strerror(rc));
	return 1;
}

static int run_kinds(const char *mode)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutex_t m;
	int rc;
	if (!strcmp(mode, "recursive")) {
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&m, &a);
		for (int i = 0; i < 3; i++)
			if ((rc = pthread_mutex_lock(&m)))
				return fail("recursive lock", rc);
		for (int i = 0; i < 3; i++)
			if ((rc = pthread_mutex_unlock(&m)))
				return fail("recursive unlock", rc);
		if (pthread_mutex_unlock(&m) != EPERM)
			return fail("recursive over-unlock", EINVAL);
	} else if (!strcmp(mode, "errorcheck")) {
		pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
		pthread_mutex_init(&m, &a);
		pthread_mutex_lock(&m);
		if ((rc = pthread_mutex_lock(&m)) != EDEADLK)
			return fail("errorcheck relock", rc ? rc : EINVAL);
		pthread_mutex_unlock(&m);
		if ((rc = pthread_mutex_unlock(&m)) != EPERM)
			return fail("errorcheck unlock", rc ? rc : EINVAL);
	} else if (!strcmp(mode, "robust")) {
		pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		pthread_mutex_t *pm = mmap(NULL, sizeof(*pm), PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		pthread_mutex_init(pm, &a);
		pid_t pid = fork();
		if (pid == 0) {
			pthread_mutex_lock(pm);
			_exit(0); /* dies holding it */
		}
		waitpid(pid, NULL, 0);
		if ((rc = pthread_mutex_lock(pm)) != EOWNERDEAD)
			return fail("robust lock", rc ? rc : EINVAL);
		pthread_mutex_consistent(pm);
		pthread_mutex_unlock(pm);
		if ((rc = pthread_mutex_lock(pm)))
			return fail("robust relock", rc);
		pthread_mutex_unlock(pm);
	} else if (!strcmp(mode, "pshared")) {
		pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
		struct shm {
			pthread_mutex_t m;
			long counter;
		} *s = mmap(NULL, sizeof(struct shm), PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		pthread_mutex_init(&s->m, &a);
		pid_t pid = fork();
		for (int i = 0; i < 20000; i++) {
			pthread_mutex_lock(&s->m);
			s->counter++;
			pthread_mutex_unlock(&s->m);
		}
		if (pid == 0)
			_exit(0);
		waitpid(pid, NULL, 0);
		if (s->counter != 40000)
			return fail("pshared counter", EINVAL);
	}
	return 0;
}

/* ---- locks taken by a signal handler ---- */
static pthread_mutex_t hmu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int handled;

static void on_alarm(int sig)
{
	(void)sig;
	/* Not async-signal-safe in general; programs do it anyway (with a
	 * lock the interrupted code never holds, as here). */
	pthread_mutex_lock(&hmu);
	atomic_fetch_add(&handled, 1);
	pthread_mutex_unlock(&hmu);
}

static void run_signal(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	timer_t tid;
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
	timer_create(CLOCK_MONOTONIC, &sev, &tid);
	struct itimerspec its = {{0, 50000}, {0, 50000}};
	timer_settime(tid, 0, &its, NULL);
	run_threads(acquire_mutex);
	struct itimerspec off = {{0, 0}, {0, 0}};
	timer_settime(tid, 0, &off, NULL);
}

/* ---- before main and after exit ---- */
static int early; /* set by the constructor when CONTEND_EARLY is set */

__attribute__((constructor)) static void before_main(void)
{
	if (!getenv("CONTEND_EARLY"))
		return;
	run_threads(acquire_mutex);
	early = 1;
}

static void at_exit(void)
{
	run_threads(acquire_mutex);
	pthread_mutex_lock(&mu);
	pthread_mutex_unlock(&mu);
	/* stdout is still open in an atexit handler run by exit() */
	printf("after exit ok\n");
}

static void write_profile(const char *name, const char *path, int debug)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int rc = fd < 0 ? -errno : cprof_profile_write(name, fd, debug);
	if (fd >= 0)
		close(fd);
	if (rc)
		printf("write %s: %s\n", name, cprof_strerror(rc));
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *mode = argv[1];
	pthread_spin_init(&sp, 0);
	if (!strcmp(mode, "mutex"))
		run_threads(acquire_mutex);
	else if (!strcmp(mode, "rwlock"))
		run_threads(acquire_write);
	else if (!strcmp(mode, "spin"))
		run_threads(acquire_spin);
	else if (!strcmp(mode, "cond"))
		run_cond();
	else if (!strcmp(mode, "sem"))
		run_sem();
	else if (!strcmp(mode, "join"))
		run_join();
	else if (!strcmp(mode, "barrier"))
		run_barrier();
	else if (!strcmp(mode, "signal"))
		run_signal();
	else if (!strcmp(mode, "labels")) {
		/* the workers inherit the set: their waits and unlocks carry it */
		cprof_labels_push("phase", "contend", NULL);
		run_threads(acquire_mutex);
		cprof_labels_pop();
	} else if (!strcmp(mode, "early")) {
		if (!early)
			return fail("constructor", EINVAL);
		atexit(at_exit);
	} else if (!strcmp(mode, "api")) {
		/* Off by default; on through the API; written by name. */
		if (cprof_mutex_profile_fraction(-1) != 0 || cprof_block_profile_rate(0) != 0)
			return fail("defaults", EINVAL);
		if (cprof_block_profile_rate(-1) != -EINVAL)
			return fail("negative rate", EINVAL);
		cprof_mutex_profile_fraction(1);
		cprof_block_profile_rate(1);
		run_threads(acquire_mutex);
		if (cprof_mutex_profile_fraction(0) != 1 || cprof_block_profile_rate(0) != 1)
			return fail("previous values", EINVAL);
		long long first = atomic_load(&waited);
		run_threads(acquire_mutex); /* not recorded */
		atomic_store(&waited, first);
		if (argc > 3) {
			write_profile("mutex", argv[2], 0);
			write_profile("block", argv[3], 0);
		}
		if (argc > 5) { /* Go's text forms (debug=1) */
			write_profile("mutex", argv[4], 1);
			write_profile("block", argv[5], 1);
		}
	} else if (run_kinds(mode))
		return 1;
	printf("waited %lld\n", (long long)atomic_load(&waited));
	printf("errno_spoiled %d\n", atomic_load(&errno_spoiled));
	return 0;
}
