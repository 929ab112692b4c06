/*
 * api.c — what the API says of itself: the library's version, the names
 * of the errors every cprof_*() call returns, and the named profiles
 * (Go's runtime/pprof.Lookup).
 */
#include "compat.h"
#include "runtime/rt.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <cprof.h>

CPROF_EXPORT const char *cprof_version(void)
{
	return CPROF_VERSION;
}

CPROF_EXPORT const char *cprof_strerror(int err)
{
	if (err == 0)
		return "success";
	if (err > 0)
		return "unknown error";
	switch (-err) {
	case EBUSY: return "a profile of this kind is already running";
	case ESRCH: return "no profile of this kind is running";
	case EINVAL: return "invalid argument";
	case EBADF: return "bad file descriptor (not open for writing)";
	case ENOMEM: return "out of memory";
	default: return strerror(-err);
	}
}

/* In Go's order (runtime/pprof's Profiles, sorted), for the kinds cprof has. */
static const char *const names[] = {"allocs", "block", "heap", "mutex", "threadcreate", NULL};

CPROF_EXPORT const char *const *cprof_profile_names(void)
{
	return names;
}

CPROF_EXPORT int cprof_profile_write(const char *name, int fd, int debug)
{
	if (!name)
		return -EINVAL;
	int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (debug != 0)
		return -ENOTSUP;
	if (!strcmp(name, "heap"))
		return cprof_heap_write_fd(fd);
	if (!strcmp(name, "allocs"))
		return cprof_allocs_write_fd(fd);
	int kind = cprof__stackprof_kind(name);
	if (kind < 0)
		return -EINVAL;
	int was = cprof__own_enter();
	int rc = cprof__stackprof_write(kind, fd);
	cprof__own_leave(was);
	return rc;
}
