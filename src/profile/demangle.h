/*
 * demangle.h — C++ name demangling without a link-time libstdc++ dependency.
 *
 * libcprof.so is injected into C programs, so it must not need libstdc++.
 * The demangler is libstdc++'s extern "C" __cxa_demangle, found at run time:
 * first in the process (dlsym(RTLD_DEFAULT)), else by dlopen'ing
 * "libstdc++.so.6" once (RTLD_NODELETE: never unloaded).  When neither works,
 * names stay mangled.
 */
#ifndef CPROF_DEMANGLE_H
#define CPROF_DEMANGLE_H

#include "compat.h"

/* Demangle an Itanium-ABI name ("_Z...").  Returns a malloc'd string the
 * caller frees, or NULL when `name` is not mangled, cannot be demangled, the
 * demangler is unavailable, or on OOM.  Thread-safe (lookup is done once). */
char *cprof__demangle(const char *name);

#endif
