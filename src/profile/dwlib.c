/* dwlib.c — see dwlib.h. */
#include "compat.h"
#include "profile/dwlib.h"
#include "base/buf.h"

#include <errno.h>
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#define DWLIB_SONAME "libdw.so.1"

cprof__dwlib cprof__dw;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void *handle;
static unsigned refs;

typedef void *(*dlopen_fn)(const char *, int);
typedef int (*dlclose_fn)(void *);

/* libc's dlopen/dlclose, past libcprof's interposers (env.c). */
static dlopen_fn real_dlopen(void)
{
	dlopen_fn f;
	void *p = dlsym(RTLD_NEXT, "dlopen");
	memcpy(&f, &p, sizeof(f)); /* POSIX: dlsym's result converts to a function pointer */
	return f ? f : dlopen;
}

static dlclose_fn real_dlclose(void)
{
	dlclose_fn f;
	void *p = dlsym(RTLD_NEXT, "dlclose");
	memcpy(&f, &p, sizeof(f));
	return f ? f : dlclose;
}

static const struct {
	const char *name;
	size_t off;
} fns[] = {
#define DWLIB_ENTRY(f) {#f, offsetof(cprof__dwlib, f)},
	CPROF_DWLIB_FNS(DWLIB_ENTRY)
#undef DWLIB_ENTRY
};

int cprof__dwlib_open(char *err, size_t errlen)
{
	int rc = 0;
	pthread_mutex_lock(&lock);
	if (refs == 0) {
		/* RTLD_LOCAL: the program's own lookups never find libdw's symbols. */
		void *h = real_dlopen()(DWLIB_SONAME, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			const char *why = dlerror();
			cprof__errf(err, errlen, "cannot load " DWLIB_SONAME " (%s)",
				    why ? why : "unknown error");
			rc = -ELIBACC;
			goto out;
		}
		cprof__dwlib t;
		for (size_t i = 0; i < CPROF_ARRAY_LEN(fns); i++) {
			void *p = dlsym(h, fns[i].name);
			if (!p) {
				real_dlclose()(h);
				cprof__errf(err, errlen,
					    "cannot load " DWLIB_SONAME " (it has no %s)",
					    fns[i].name);
				rc = -ELIBBAD;
				goto out;
			}
			memcpy((char *)&t + fns[i].off, &p, sizeof(p));
		}
		cprof__dw = t;
		handle = h;
	}
	refs++;
out:
	pthread_mutex_unlock(&lock);
	return rc;
}

/* Inside libcprof (runtime/unwind.c): an unwinder reading libdw's CFI
 * (a threads snapshot unwinding a copied stack, a handler) must be let out
 * before libdw goes, as for the program's dlclose (cpu.c).  Absent from
 * the cprof tool, which has no unwinder. */
__attribute__((weak)) void cprof__unwind_close_begin(void);
__attribute__((weak)) void cprof__unwind_close_end(void);

void cprof__dwlib_close(void)
{
	pthread_mutex_lock(&lock);
	if (refs > 0 && --refs == 0) {
		memset(&cprof__dw, 0, sizeof(cprof__dw));
		if (cprof__unwind_close_begin)
			cprof__unwind_close_begin();
		real_dlclose()(handle);
		if (cprof__unwind_close_end)
			cprof__unwind_close_end();
		handle = NULL;
	}
	pthread_mutex_unlock(&lock);
}
