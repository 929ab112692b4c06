/* Exercises the runtime API's contract; prints "ok NAME"/"not ok NAME" lines.
 * usage: api DIR   (writes profiles into DIR) */
#include <cprof.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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
	return failures ? 1 : 0;
}
