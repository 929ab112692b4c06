/*
 * outfile.c — profiles are written whole or not at all.
 *
 * A profile goes to a temporary beside its path (same directory, so the
 * same file system) and is renamed over the path only once complete: a
 * process that dies while writing, two processes given the same path, or a
 * full disk never leave a truncated or mixed file, and an older profile at
 * the path survives until a complete new one replaces it.  No fsync: the
 * rename is what readers and other writers see, and a profile need not
 * survive a machine's crash; syncing would cost every profiled process a
 * journal flush at exit (perf and Go's pprof do not sync either).
 *
 * Outputs that are not regular files: a character device (/dev/null,
 * /dev/full, a terminal) is written in place — renaming over it would
 * replace the device node; a FIFO, socket, directory or block device is
 * refused (-EINVAL from cprof__out_check): opening a FIFO with no reader
 * blocks, and a profile there would block the program before its main.
 *
 * Normal context only (allocates nothing, but calls open/rename).
 */
#include "compat.h"
#include "runtime/rt.h"
#include "profile/profile.h"

#include <cprof.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static _Atomic unsigned tmp_seq;

int cprof__out_abspath(const char *path, char *buf, size_t n)
{
	if (!path || !*path)
		return -EINVAL;
	/* A symbolic link: the rename at the end must replace its target, not
	 * the link. */
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		char *r = realpath(path, NULL);
		if (r) {
			int w = snprintf(buf, n, "%s", r);
			free(r);
			return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
		}
	}
	int w;
	if (path[0] == '/') {
		w = snprintf(buf, n, "%s", path);
	} else {
		char cwd[4096];
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		w = snprintf(buf, n, "%s/%s", cwd, path);
	}
	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

/* The kind of file at path: 0 regular or absent, 1 character device,
 * -errno if it cannot be a profile's output. */
static int out_kind(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISREG(st.st_mode))
		return 0;
	if (S_ISCHR(st.st_mode))
		return 1;
	return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
}

static int tmp_name(const char *path, char *buf, size_t n)
{
	unsigned k = atomic_fetch_add(&tmp_seq, 1);
	int w = snprintf(buf, n, "%s.cprof-tmp.%d.%u", path, (int)getpid(), k);
	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

/* A character device, opened without blocking: a device must not hold
 * the program up either.  The fd, or -errno. */
static int open_device(const char *path)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

/* A new temporary beside path, its name in tmp.  The fd, or -errno. */
static int open_temp(const char *path, char *tmp, size_t n)
{
	int rc = tmp_name(path, tmp, n);
	if (rc != 0)
		return rc;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	return fd < 0 ? -errno : fd;
}

/* out_kind(path), and for a character device its descriptor in *fd; a
 * device that cannot be opened gives open(2)'s -errno. */
static int open_kind(const char *path, int *fd)
{
	int kind = out_kind(path);
	*fd = -1;
	if (kind == 1 && (*fd = open_device(path)) < 0)
		return *fd;
	return kind;
}

int cprof__out_check(const char *path)
{
	int fd, kind = open_kind(path, &fd);
	if (kind < 0)
		return kind;
	if (kind == 1) {
		close(fd);
		return 0;
	}
	/* A file that exists but is not writable by us fails as open(2) would;
	 * the rename at the end needs the directory to be writable: probe it
	 * with a temporary, created and removed now. */
	if (access(path, W_OK) != 0 && errno != ENOENT)
		return -errno;
	char tmp[4096 + 64];
	fd = open_temp(path, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	close(fd);
	unlink(tmp);
	return 0;
}

int cprof__out_write(const char *path, int (*fn)(int fd, void *arg), void *arg)
{
	int fd, kind = open_kind(path, &fd);
	if (kind < 0)
		return kind;
	if (kind == 1) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		int rc = fn(fd, arg);
		if (close(fd) != 0 && rc == 0 && errno != EINTR)
			rc = -errno;
		return rc;
	}
	char tmp[4096 + 64];
	fd = open_temp(path, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	int rc = fn(fd, arg);
	if (close(fd) != 0 && rc == 0 && errno != EINTR)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

char *cprof__out_env_path(const char *name, const char *v, char **family)
{
	*family = NULL;
	if (!v || !*v)
		return NULL;
	char abs[4096], mine[4096];
	int rc = cprof__out_abspath(v, abs, sizeof(abs));
	if (rc == 0 && cprof__env_pid_suffix())
		rc = cprof__child_path(abs, mine, sizeof(mine));
	else if (rc == 0)
		memcpy(mine, abs, sizeof(mine));
	if (rc != 0) {
		cprof__log("cannot write ", name, " '", v, "': ", cprof_strerror(rc),
			   "; that profile is not written", NULL);
		unsetenv(name); /* reported once: the children would fail alike */
		return NULL;
	}
	*family = cprof__arena_strdup(abs);
	char *c = *family ? cprof__arena_strdup(mine) : NULL;
	if (!c) {
		cprof__arena_free(*family);
		*family = NULL;
	}
	return c;
}

bool cprof__out_child_path(char **p, const char *family)
{
	if (!*p || !family)
		return true;
	char buf[4096];
	char *c =
		cprof__child_path(family, buf, sizeof(buf)) == 0 ? cprof__arena_strdup(buf) : NULL;
	if (!c)
		return false;
	*p = c; /* the parent's string is leaked: cheaper than knowing who owns it */
	return true;
}

size_t cprof__proc_labels(struct cprof__profile *p, struct cprof__label *out)
{
	if (!cprof__process_labels())
		return 0;
	/* comm now, not at start: exec changes it, and only the current
	 * image's samples are in this profile. */
	char comm[17] = "";
	int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r = read(fd, comm, sizeof(comm) - 1);
		comm[r > 0 ? r : 0] = 0;
		close(fd);
	}
	comm[strcspn(comm, "\n")] = 0;
	char pid[24];
	size_t n = 0;
	out[n++] = (cprof__label){.key = cprof__profile_str(p, "pid"),
				  .str = cprof__profile_str(p, cprof__itoa(pid, getpid()))};
	if (comm[0])
		out[n++] = (cprof__label){.key = cprof__profile_str(p, "comm"),
					  .str = cprof__profile_str(p, comm)};
	return n;
}
