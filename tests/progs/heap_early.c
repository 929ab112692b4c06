/* A program that uses dlsym, dlopen and dlerror before libcprof's
 * constructor has run (issue 3, case 2): from its preinit_array (which runs
 * before every shared library's initialisers) and from a constructor of its
 * own, with malloc/calloc/realloc/free around them.  dlsym's and dlerror's
 * own allocations must not recurse into an interposer that is not ready.
 * Prints "ok"/"not ok" lines. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pre_ok, ctor_ok;
static char pre_err[256], ctor_err[256];

static void early(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	char *p = malloc(100);
	char *q = calloc(10, 10);
	p = realloc(p, 5000);
	void *m = dlsym(RTLD_NEXT, "malloc");
	void *none = dlsym(RTLD_DEFAULT, "cprof_no_such_symbol_anywhere");
	const char *e = dlerror();
	if (e)
		snprintf(pre_err, sizeof(pre_err), "%s", e);
	pre_ok = p && q && m && !none && e && strstr(e, "cprof_no_such_symbol_anywhere");
	free(q);
	free(p);
}
__attribute__((section(".preinit_array"), used)) static void (*preinit)(int, char **,
									 char **) = early;

typedef double (*cos_fn)(double);
__attribute__((constructor(101))) static void ctor(void)
{
	char *p = strdup("constructor");
	void *h = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
	cos_fn c = h ? (cos_fn)dlsym(h, "cos") : NULL;
	void *bad = dlopen("/nonexistent/libcprof-early-test.so", RTLD_NOW);
	const char *e = dlerror();
	if (e)
		snprintf(ctor_err, sizeof(ctor_err), "%s", e);
	ctor_ok = p && h && c && c(0.0) == 1.0 && !bad && e && strstr(e, "nonexistent");
	if (h)
		dlclose(h);
	free(p);
}

int main(void)
{
	printf("%s early_preinit_dlsym_dlerror%s%s\n", pre_ok ? "ok" : "not ok", pre_ok ? "" : ": ",
	       pre_ok ? "" : pre_err);
	printf("%s early_constructor_dlopen%s%s\n", ctor_ok ? "ok" : "not ok", ctor_ok ? "" : ": ",
	       ctor_ok ? "" : ctor_err);
	/* and dlerror paths after start */
	void *none = dlsym(RTLD_DEFAULT, "cprof_still_no_such_symbol");
	const char *e = dlerror();
	int late = !none && e && strstr(e, "cprof_still_no_such_symbol") && dlerror() == NULL;
	printf("%s late_dlerror\n", late ? "ok" : "not ok");
	return pre_ok && ctor_ok && late ? 0 : 1;
}
