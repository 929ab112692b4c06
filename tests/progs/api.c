/* Exercises the runtime API's contract; prints "ok NAME"/"not ok NAME" lines.
 * usage: api DIR   (writes profiles into DIR) */
#include <cprof.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;
#define CHECK(name, cond) \
	do { \
		if (cond) \
			printf("ok %s\n", name); \
		else { \
			printf("not ok %s (line %d)\n", name, __LINE__); \
			failures++; \
		} \
	} while (0)

static volatile double sink;
static void work(long n)
{
	for (long i = 0; i < n; i++)
		sink = sink * 1.0000001 + 1;
}

/* Does path hold exactly `want`? */
static int holds(const char *path, const char *want)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n == (ssize_t)strlen(want) && !memcmp(buf, want, (size_t)n);
}

/* How many entries of dir have "cprof-tmp" in their name (temporaries). */
static int temporaries(const char *dir)
{
	int n = 0;
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));)
		n += strstr(e->d_name, "cprof-tmp") != NULL;
	if (d)
		closedir(d);
	return n;
}

/* A failing call has no side effects: an existing profile at the path is
 * left as it was, and no temporary stays behind. */
static void no_side_effects(const char *dir)
{
	char old[4096];
	snprintf(old, sizeof(old), "%s/old.pb.gz", dir);
	int fd = open(old, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "old", 3) != 3)
		printf("not ok old_file_written\n");
	close(fd);
	CHECK("failed_start_is_EINVAL", cprof_cpu_start(old, 2000000) == -EINVAL);
	CHECK("failed_start_keeps_existing_file", holds(old, "old"));
	/* Starting creates nothing either: the file is replaced at stop. */
	CHECK("start_over_existing", cprof_cpu_start(old, 100) == 0);
	CHECK("started_keeps_existing_file", holds(old, "old"));
	CHECK("busy_start_is_EBUSY", cprof_cpu_start(old, 100) == -EBUSY);
	work(20000000);
	/* The write fails (EFBIG past a 16-byte file size limit). */
	struct rlimit lim;
	getrlimit(RLIMIT_FSIZE, &lim);
	struct rlimit small = {16, lim.rlim_max}; /* the soft limit: it can be raised again */
	signal(SIGXFSZ, SIG_IGN);
	fflush(NULL); /* stdout may be a file: nothing of ours is written under the limit */
	setrlimit(RLIMIT_FSIZE, &small);
	int rc = cprof_cpu_stop();
	setrlimit(RLIMIT_FSIZE, &lim);
	CHECK("failed_write_is_EFBIG", rc == -EFBIG);
	CHECK("failed_write_keeps_existing_file", holds(old, "old"));
	CHECK("failed_write_leaves_no_temporary", temporaries(dir) == 0);
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	char path[4096], bad[4096];
	snprintf(path, sizeof(path), "%s/api.pb.gz", argv[1]);
	snprintf(bad, sizeof(bad), "%s/no/such/dir/x.pb.gz", argv[1]);

	CHECK("stop_without_start_is_ESRCH", cprof_cpu_stop() == -ESRCH);
	CHECK("null_path_is_EINVAL", cprof_cpu_start(NULL, 100) == -EINVAL);
	CHECK("empty_path_is_EINVAL", cprof_cpu_start("", 100) == -EINVAL);
	CHECK("huge_hz_is_EINVAL", cprof_cpu_start(path, 2000000) == -EINVAL);
	CHECK("unwritable_path_is_ENOENT", cprof_cpu_start(bad, 100) == -ENOENT);
	struct stat st;
	CHECK("failed_start_leaves_no_file", stat(path, &st) != 0);
	CHECK("bad_fd_is_EBADF", cprof_cpu_start_fd(-1, 100) == -EBADF);
	int ro = open("/dev/null", O_RDONLY);
	CHECK("readonly_fd_is_EBADF", cprof_cpu_start_fd(ro, 100) == -EBADF);
	close(ro);
	CHECK("strerror_names_EBUSY", strstr(cprof_strerror(-EBUSY), "already") != NULL);
	CHECK("strerror_never_null", cprof_strerror(12345) != NULL && cprof_strerror(-99999) != NULL);

	/* hz <= 0 means the default (100 Hz: period 10 ms). */
	CHECK("start_default_hz", cprof_cpu_start(path, 0) == 0);
	CHECK("second_start_is_EBUSY", cprof_cpu_start(path, 100) == -EBUSY);
	CHECK("second_start_fd_is_EBUSY", cprof_cpu_start_fd(1, 100) == -EBUSY);
	work(200000000);
	CHECK("stop_writes", cprof_cpu_stop() == 0);
	CHECK("profile_nonempty", stat(path, &st) == 0 && st.st_size > 0);

	/* Restart into a caller-owned fd; cprof must not close it. */
	char path2[4096];
	snprintf(path2, sizeof(path2), "%s/api_fd.pb.gz", argv[1]);
	int fd = open(path2, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK("restart_fd", cprof_cpu_start_fd(fd, 250) == 0);
	work(100000000);
	CHECK("stop_fd", cprof_cpu_stop() == 0);
	CHECK("fd_still_open", fcntl(fd, F_GETFD) != -1);
	close(fd);
	no_side_effects(argv[1]);
	return failures ? 1 : 0;
}
