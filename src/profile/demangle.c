/* demangle.c — __cxa_demangle looked up at run time; see demangle.h. */
#include "compat.h"
#include "profile/demangle.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

static cxa_demangle_fn cxa_demangle;
static pthread_once_t demangle_once = PTHREAD_ONCE_INIT;

static void demangle_init(void)
{
	void *f = dlsym(RTLD_DEFAULT, "__cxa_demangle");
	if (!f) {
		/* A C host: load libstdc++ privately and keep it (unloading
		 * libstdc++ is unsafe once its atexit handlers are registered). */
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL | RTLD_NODELETE);
		if (h)
			f = dlsym(h, "__cxa_demangle");
	}
	/* ISO C forbids casting object pointers to function pointers. */
	memcpy(&cxa_demangle, &f, sizeof(cxa_demangle));
}

char *cprof__demangle(const char *name)
{
	if (!name || name[0] != '_' || name[1] != 'Z')
		return NULL;
	pthread_once(&demangle_once, demangle_init);
	if (!cxa_demangle)
		return NULL;
	int status = -1;
	char *d = cxa_demangle(name, NULL, NULL, &status);
	if (status != 0) {
		free(d);
		return NULL;
	}
	return d;
}
