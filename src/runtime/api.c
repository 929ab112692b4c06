/*
 * api.c — what the API says of itself: the library's version and the names
 * of the errors every cprof_*() call returns.
 */
#include "compat.h"
#include "runtime/rt.h"

#include <errno.h>
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
