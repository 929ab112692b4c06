/*
 * lazylib.h — optional shared libraries loaded on first use.
 *
 * libcurl (URL sources) and libmicrohttpd (`cprof web`) bring GnuTLS,
 * OpenSSL, Kerberos, LDAP...: linked normally, loading and relocating them
 * costs every cprof command megabytes of RSS and start-up time, most of
 * the memory of a `cprof top` on a small profile (docs/PERFORMANCE.md).  The commands that need them
 * load them with dlopen and look up the few functions they call.
 */
#ifndef CPROF_CLI_LAZYLIB_H
#define CPROF_CLI_LAZYLIB_H

#include "compat.h"

/* A function to look up: its name, and where to store its address (a
 * pointer to a function pointer). */
typedef struct cprof__lazy_fn {
	const char *name;
	void *slot;
} cprof__lazy_fn;

/* Open the first loadable of sonames (NULL-terminated) and resolve fns.
 * The handle stays open.  0, or -1 with "cannot load <what> (...)" in err. */
int cprof__lazy_load(const char *const *sonames, const char *what, const cprof__lazy_fn *fns,
		     size_t n, char *err, size_t errlen);

#endif
