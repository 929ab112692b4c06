/* outfile.c — output files written whole or not at all (see cli.h). */
#include "compat.h"
#include "cli/cli.h"
#include "base/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An fd or a negative errno. */
static int open_out(cprof__outfile *o, const char *path)
{
	o->path = o->tmp = NULL;
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	size_t n = strlen(path);
	o->tmp = malloc(n + 16);
	o->path = strdup(path);
	if (!o->tmp || !o->path) {
		free(o->tmp);
		free(o->path);
		o->path = o->tmp = NULL;
		return -ENOMEM;
	}
	snprintf(o->tmp, n + 16, "%s.tmp.XXXXXX", path);
	int fd = mkostemp(o->tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		free(o->tmp);
		free(o->path);
		o->path = o->tmp = NULL;
		return -e;
	}
	/* mkstemp makes it 0600; a profile is as readable as any new file. */
	mode_t um = umask(0);
	umask(um);
	if (fchmod(fd, 0666 & ~um) != 0) {
		int e = errno;
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		free(o->path);
		o->path = o->tmp = NULL;
		return -e;
	}
	return fd;
}

/* 0 or a negative errno. */
static int close_out(cprof__outfile *o, int fd, bool ok)
{
	int rc = 0;
	if (fd >= 0 && close(fd) != 0 && ok)
		rc = -errno;
	if (o->tmp) {
		if (ok && rc == 0 && rename(o->tmp, o->path) != 0)
			rc = -errno;
		if (!ok || rc != 0)
			unlink(o->tmp);
	}
	free(o->tmp);
	free(o->path);
	o->path = o->tmp = NULL;
	return rc;
}

int cprof__outfile_open(cprof__outfile *o, const char *path, char *err, size_t errlen)
{
	int fd = open_out(o, path);
	return fd < 0 ? cprof__errf(err, errlen, "%s", strerror(-fd)) : fd;
}

int cprof__outfile_close(cprof__outfile *o, int fd, bool ok, char *err, size_t errlen)
{
	int rc = close_out(o, fd, ok);
	return rc < 0 ? cprof__errf(err, errlen, "%s", strerror(-rc)) : 0;
}
