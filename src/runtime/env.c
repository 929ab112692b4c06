/*
 * env.c — profiling with no code change, and the process's life events.
 *
 *   LD_PRELOAD=libcprof.so CPROF_CPU=out.pb.gz [CPROF_HZ=N] prog
 *
 * The constructor starts the CPU profile; the destructor (after main
 * returns or exit()) writes it; deaths by a signal (SIGINT, SIGTERM,
 * SIGPIPE...) stop the program's threads, flush, then re-raise (service.c).  Children exec'd by the program inherit the environment: they
 * write `path.<pid>` instead of clobbering the parent's profile
 * (CPROF_CPU_USE_PID=1 is set for them, as gperftools does).  A process that
 * exec()s without forking stays the same process: its new image writes the
 * file the old one had opened (the root process, named in CPROF_CPU_ROOT,
 * keeps `path`), so `sh -c 'exec prog'` and launcher scripts ending in
 * `exec "$@"` leave prog's profile in `path`, not an empty `path` beside a
 * `path.<pid>`.  The old image's samples are lost with it (exec runs no
 * destructor).
 * Bad settings print one line on stderr and leave the program unprofiled.
 */
#include "compat.h"
#include "runtime/rt.h"

#include <cprof.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void cprof__threads_init(void);

static bool parse_hz(const char *s, int *hz)
{
	if (!s || !*s) {
		*hz = CPROF_DEFAULT_HZ;
		return true;
	}
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > 1000000)
		return false;
	*hz = (int)v;
	return true;
}

/* The settings failed and were reported once: the program's children inherit
 * them and would fail and report again, one line per process of a build or a
 * shell script.  They run unprofiled like their parent. */
static void quiet_children(void)
{
	unsetenv("CPROF_CPU");
}

static void start_from_env(void)
{
	const char *path = getenv("CPROF_CPU");
	if (!path || !*path)
		return;
	int hz;
	const char *hzs = getenv("CPROF_HZ");
	if (!parse_hz(hzs, &hz)) {
		cprof__log("invalid CPROF_HZ '", hzs,
			   "': want an integer from 1 to 1000000; CPU profiling disabled", NULL);
		quiet_children();
		return;
	}
	char buf[4096];
	const char *usepid = getenv("CPROF_CPU_USE_PID");
	const char *root = getenv("CPROF_CPU_ROOT");
	bool is_root = root && *root && strtol(root, NULL, 10) == (long)getpid();
	if (usepid && *usepid && strcmp(usepid, "0") && !is_root) {
		if (snprintf(buf, sizeof(buf), "%s.%d", path, (int)getpid()) >= (int)sizeof(buf)) {
			cprof__log("CPROF_CPU path too long; CPU profiling disabled", NULL);
			quiet_children();
			return;
		}
		path = buf;
	}
	int rc = cprof_cpu_start(path, hz);
	if (rc != 0) {
		cprof__log("cannot start CPU profiling to '", path, "': ", cprof_strerror(rc),
			   "; the program runs unprofiled", NULL);
		quiet_children();
		return;
	}
	if (path != buf) {
		/* We write `path` itself: our exec'd images must too. */
		char pid[24];
		setenv("CPROF_CPU_ROOT", cprof__itoa(pid, getpid()), 1);
	}
	setenv("CPROF_CPU_USE_PID", "1", 1);
}

__attribute__((constructor)) static void cprof_init(void)
{
	cprof__sigproxy_init();
	cprof__stack_bounds_init();
	cprof__threads_init();
	cprof__heap_start_env();
	start_from_env();
}

__attribute__((destructor)) static void cprof_fini(void)
{
	cprof__cpu_atexit();
	cprof__heap_atexit();
	cprof__fatal_finish();
}

/*
 * _exit() and _Exit() skip atexit handlers and destructors, and programs such
 * as dash end that way: write the profile first.  A vfork() child (which
 * shares our memory and ran no atfork handler) is recognised by its pid in
 * cprof__cpu_atexit() and writes nothing.
 */
typedef void (*exit_fn)(int);

static __attribute__((noreturn)) void exit_via(const char *name, int status)
{
	cprof__cpu_atexit();
	cprof__heap_atexit();
	cprof__fatal_finish();
	exit_fn real = (exit_fn)dlsym(RTLD_NEXT, name);
	if (real)
		real(status);
	syscall(SYS_exit_group, status);
	__builtin_unreachable();
}

CPROF_EXPORT void _exit(int status)
{
	exit_via("_exit", status);
}

CPROF_EXPORT void _Exit(int status)
{
	exit_via("_Exit", status);
}

/* dlopen/dlclose change the set of code the unwinder must know. */
typedef void *(*dlopen_fn)(const char *, int);
typedef int (*dlclose_fn)(void *);

CPROF_EXPORT void *dlopen(const char *file, int mode)
{
	static dlopen_fn real;
	if (!real)
		real = (dlopen_fn)dlsym(RTLD_NEXT, "dlopen");
	void *h = real ? real(file, mode) : NULL;
	if (h)
		cprof__modules_changed();
	return h;
}

CPROF_EXPORT int dlclose(void *h)
{
	static dlclose_fn real;
	if (!real)
		real = (dlclose_fn)dlsym(RTLD_NEXT, "dlclose");
	int rc = real ? real(h) : -1;
	if (rc == 0)
		cprof__modules_changed();
	return rc;
}
