/* A host program for the heap profiler's settings, deaths and API (issue 3,
 * cases 6, 7 and 8).  hold_site keeps 100 objects of 10000 B live.
 *
 *   heap_host run         prints "hello", exits with status 7
 *   heap_host wait        prints "ready threads=N" (N: the process's threads),
 *                         then sleeps until killed (60 s max)
 *   heap_host twait       starts a thread of its own first, then as wait
 *   heap_host churn       prints "ready", then allocates and frees in a loop
 *                         until killed (60 s max): a fatal signal lands
 *                         inside malloc or cprof as often as not
 *   heap_host stats       fills stderr (a pipe nobody reads yet), prints
 *                         "ready", calls malloc_stats(), which blocks writing
 *                         to stderr holding glibc's arena lock; then as wait
 *   heap_host snap PATH   waits (30 s max) until PATH.0001 exists, checks it
 *                         is complete (go tool pprof reads it later), exits 0
 *   heap_host api DIR     the API (looked up with dlsym): rate 1, then heap
 *                         and allocs profiles by path and by fd into DIR,
 *                         and the error cases; "ok"/"not ok" lines */
#include <dirent.h>
#include <dlfcn.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void *held[100];

__attribute__((noinline, noipa)) static void hold_site(void)
{
	for (int i = 0; i < 100; i++) {
		held[i] = malloc(10000);
		memset(held[i], i, 10000);
	}
}

__attribute__((noinline, noipa)) static void churn_site(void)
{
	for (int i = 0; i < 1000; i++) {
		void *volatile p = malloc(5000);
		free(p);
	}
}

static void nap(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Entries of /proc/self/task. */
static int threads(void)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		nap(1000);
	return NULL;
}

__attribute__((noinline, noipa)) static void churn_loop(void)
{
	static void *slot[64];
	unsigned x = 12345;
	time_t end = time(NULL) + 60;
	for (unsigned long i = 0; time(NULL) < end; i++) {
		x = x * 1103515245 + 12345;
		unsigned k = (x >> 8) % 64;
		size_t n = 16 + (x >> 16) % 8192;
		switch (i % 4) {
		case 0: free(slot[k]); slot[k] = malloc(n); break;
		case 1: free(slot[k]); slot[k] = calloc(1, n); break;
		default: {
			void *q = realloc(slot[k], n);
			if (q)
				slot[k] = q;
		}
		}
	}
}

static int failures;
static void expect(int cond, const char *name, int got)
{
	printf("%s %s%s", cond ? "ok" : "not ok", name, cond ? "\n" : ": got ");
	if (!cond) {
		printf("%d\n", got);
		failures++;
	}
}

static int api(const char *dir)
{
	int (*set_rate)(long) = (int (*)(long))dlsym(RTLD_DEFAULT, "cprof_heap_set_rate");
	int (*heap_write)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "cprof_heap_write");
	int (*allocs_write)(const char *) =
		(int (*)(const char *))dlsym(RTLD_DEFAULT, "cprof_allocs_write");
	int (*heap_fd)(int) = (int (*)(int))dlsym(RTLD_DEFAULT, "cprof_heap_write_fd");
	int (*allocs_fd)(int) = (int (*)(int))dlsym(RTLD_DEFAULT, "cprof_allocs_write_fd");
	if (!set_rate || !heap_write || !allocs_write || !heap_fd || !allocs_fd) {
		printf("not ok api_symbols: libcprof not loaded\n");
		return 1;
	}
	char path[4096];
	expect(set_rate(-1) == -EINVAL, "api_set_rate_negative_einval", set_rate(-1));
	int rc = set_rate(1);
	if (getenv("HEAP_TEST_NO_SAMPLING")) { /* an allocator cprof cannot sample */
		expect(rc == -ENOTSUP, "api_set_rate_enotsup", rc);
		return failures ? 1 : 0;
	}
	expect(rc == 0, "api_set_rate_1", rc);
	hold_site();
	churn_site();
	snprintf(path, sizeof(path), "%s/heap.pb.gz", dir);
	rc = heap_write(path);
	expect(rc == 0, "api_heap_write", rc);
	snprintf(path, sizeof(path), "%s/allocs.pb.gz", dir);
	rc = allocs_write(path);
	expect(rc == 0, "api_allocs_write", rc);
	snprintf(path, sizeof(path), "%s/heapfd.pb.gz", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rc = heap_fd(fd);
	expect(rc == 0 && fcntl(fd, F_GETFD) >= 0, "api_heap_write_fd_keeps_fd", rc);
	close(fd);
	snprintf(path, sizeof(path), "%s/allocsfd.pb.gz", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rc = allocs_fd(fd);
	expect(rc == 0, "api_allocs_write_fd", rc);
	close(fd);
	/* Errors, without side effects. */
	expect(heap_write(NULL) == -EINVAL, "api_heap_write_null_einval", heap_write(NULL));
	expect(heap_write("") == -EINVAL, "api_heap_write_empty_einval", heap_write(""));
	rc = heap_write("/nonexistent/dir/heap.pb.gz");
	expect(rc == -ENOENT, "api_heap_write_unwritable_enoent", rc);
	expect(heap_fd(-1) == -EBADF, "api_heap_write_fd_negative_ebadf", heap_fd(-1));
	fd = open("/dev/null", O_RDONLY);
	rc = allocs_fd(fd);
	expect(rc == -EBADF, "api_allocs_write_fd_readonly_ebadf", rc);
	close(fd);
	/* A write that fails (EFBIG past a 16-byte file size limit) leaves the
	 * existing file as it was and no temporary beside it. */
	snprintf(path, sizeof(path), "%s/old.pb.gz", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	expect(fd >= 0 && write(fd, "old", 3) == 3, "api_old_file_written", fd);
	close(fd);
	struct rlimit lim;
	getrlimit(RLIMIT_FSIZE, &lim);
	struct rlimit small = {16, lim.rlim_max};
	signal(SIGXFSZ, SIG_IGN);
	fflush(NULL); /* stdout may be a file: nothing of ours is written under the limit */
	setrlimit(RLIMIT_FSIZE, &small);
	rc = heap_write(path);
	setrlimit(RLIMIT_FSIZE, &lim);
	expect(rc == -EFBIG, "api_heap_write_failed_efbig", rc);
	char buf[8] = "";
	fd = open(path, O_RDONLY);
	ssize_t got = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	close(fd);
	expect(got == 3 && !memcmp(buf, "old", 3), "api_heap_write_failed_keeps_file", (int)got);
	int temps = 0;
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));)
		temps += strstr(e->d_name, "cprof-tmp") != NULL;
	if (d)
		closedir(d);
	expect(temps == 0, "api_heap_write_failed_no_temporary", temps);
	rc = set_rate(0); /* off: objects sampled earlier stay accounted */
	expect(rc == 0, "api_set_rate_0", rc);
	free(held[0]);
	snprintf(path, sizeof(path), "%s/after.pb.gz", dir);
	rc = heap_write(path);
	expect(rc == 0, "api_heap_write_after_rate_0", rc);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "api") && argc == 3)
		return api(argv[2]);
	hold_site();
	churn_site();
	if (!strcmp(argv[1], "run")) {
		printf("hello\n");
		return 7;
	}
	if (!strcmp(argv[1], "churn")) {
		printf("ready\n");
		fflush(stdout);
		churn_loop();
		return 3; /* not killed */
	}
	if (!strcmp(argv[1], "twait")) {
		pthread_t th;
		if (pthread_create(&th, NULL, sleeper, NULL) != 0)
			return 4;
	}
	if (!strcmp(argv[1], "wait") || !strcmp(argv[1], "twait")) {
		printf("ready threads=%d\n", threads());
		fflush(stdout);
		for (int i = 0; i < 600; i++)
			nap(100);
		return 3; /* not killed */
	}
	if (!strcmp(argv[1], "stats")) {
		/* Block inside glibc's allocator: fill stderr (a pipe the test
		 * does not read yet), then malloc_stats() blocks writing to it
		 * while it holds the main arena's lock. */
		int fl = fcntl(2, F_GETFL);
		if (fl < 0 || fcntl(2, F_SETFL, fl | O_NONBLOCK) < 0)
			return 4;
		static const char junk[4096];
		while (write(2, junk, sizeof(junk)) > 0 || errno == EINTR)
			;
		if (errno != EAGAIN || fcntl(2, F_SETFL, fl) < 0)
			return 5;
		printf("ready\n");
		fflush(stdout);
		malloc_stats();
		printf("stats written\n");
		fflush(stdout);
		for (int i = 0; i < 600; i++)
			nap(100);
		return 3; /* not killed */
	}
	if (!strcmp(argv[1], "snap") && argc == 3) {
		char path[4096];
		snprintf(path, sizeof(path), "%s.0001", argv[2]);
		struct stat st;
		for (int i = 0; i < 3000; i++) {
			if (stat(path, &st) == 0 && st.st_size > 0)
				break;
			nap(10);
		}
		/* The snapshot is written in place: let its writer finish. */
		nap(200);
		printf("snapshot %s\n", stat(path, &st) == 0 && st.st_size > 0 ? "seen" : "missing");
		return 0;
	}
	return 2;
}
