/* lazylib.c — see lazylib.h. */
#include "compat.h"
#include "cli/lazylib.h"
#include "base/buf.h"

#include <dlfcn.h>
#include <string.h>

int cprof__lazy_load(const char *const *sonames, const char *what, const cprof__lazy_fn *fns,
		     size_t n, char *err, size_t errlen)
{
	void *h = NULL;
	const char *why = "no library name";
	for (size_t i = 0; sonames[i] && !h; i++)
		if (!(h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL)))
			why = dlerror();
	if (!h)
		return cprof__errf(err, errlen, "cannot load %s (%s)", what, why);
	for (size_t i = 0; i < n; i++) {
		void *p = dlsym(h, fns[i].name);
		if (!p)
			return cprof__errf(err, errlen, "cannot load %s (%s has no %s)", what,
					   sonames[0], fns[i].name);
		/* POSIX: dlsym's result converts to a function pointer. */
		memcpy(fns[i].slot, &p, sizeof(p));
	}
	return 0;
}
