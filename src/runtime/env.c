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
 * destructor).  Heap profiles follow the same rule.  A child forked without
 * exec goes on profiling into `path.PID` too (cpu.c, heap.c).
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

static bool pid_suffix, descendant, proc_labels, tsan;

bool cprof__env_pid_suffix(void)
{
	return pid_suffix;
}

bool cprof__env_descendant(void)
{
	return descendant;
}

bool cprof__process_labels(void)
{
	return proc_labels;
}

bool cprof__under_tsan(void)
{
	return tsan;
}

int cprof__child_path(const char *family, char *buf, size_t n)
{
	int w = snprintf(buf, n, "%s.%d", family, (int)getpid());
	return w < 0 || (size_t)w >= n ? -ENAMETOOLONG : 0;
}

/* Which file this process writes, for CPU and heap profiles alike: the
 * root process (CPROF_CPU_ROOT, kept through exec without fork) writes
 * `path`, its exec'd descendants `path.PID` (CPROF_CPU_USE_PID). */
static void decide_paths(void)
{
	const char *usepid = getenv("CPROF_CPU_USE_PID");
	const char *root = getenv("CPROF_CPU_ROOT");
	bool is_root = root && *root && strtol(root, NULL, 10) == (long)getpid();
	descendant = root && *root && !is_root;
	pid_suffix = usepid && *usepid && strcmp(usepid, "0") && !is_root;
	const char *pl = getenv("CPROF_PROCESS_LABELS");
	proc_labels = pl && *pl && strcmp(pl, "0");
	tsan = dlsym(RTLD_DEFAULT, "__tsan_init") != NULL;
}

bool cprof__env_flag(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0");
}

/* Something is being profiled: this process's exec'd children write
 * `path.PID`, while its own exec'd images keep `path`. */
static void mark_children(void)
{
	if (!pid_suffix) {
		char pid[24];
		setenv("CPROF_CPU_ROOT", cprof__itoa(pid, getpid()), 1);
	}
	setenv("CPROF_CPU_USE_PID", "1", 1);
}

static bool start_from_env(void)
{
	const char *path = getenv("CPROF_CPU");
	if (!path || !*path)
		return false;
	int hz;
	const char *hzs = getenv("CPROF_HZ");
	if (!parse_hz(hzs, &hz)) {
		cprof__log("invalid CPROF_HZ '", hzs,
			   "': want an integer from 1 to 1000000; CPU profiling disabled", NULL);
		quiet_children();
		return false;
	}
	const char *family = path;
	char buf[4096];
	if (pid_suffix) {
		if (cprof__child_path(path, buf, sizeof(buf)) != 0) {
			cprof__log("CPROF_CPU path too long; CPU profiling disabled", NULL);
			quiet_children();
			return false;
		}
		path = buf;
	}
	int rc = cprof__cpu_start_family(path, family, hz);
	/* An invalid CPROF_CPU_RING was reported (cpu.c) and the default used:
	 * the children, which inherit it, use the default without a word. */
	const char *ring = getenv("CPROF_CPU_RING");
	if (ring && *ring) {
		char *end;
		long v = strtol(ring, &end, 10);
		if (*end || v < 8 || v > 65536 || (v & (v - 1)))
			unsetenv("CPROF_CPU_RING");
	}
	if (rc != 0) {
		cprof__log("cannot start CPU profiling to '", path, "': ",
			   rc == -EINVAL ? "not a regular file (a FIFO, socket or block device)"
					 : cprof_strerror(rc),
			   "; the program runs unprofiled", NULL);
		quiet_children();
		return false;
	}
	return true;
}

/* CPROF_SYMBOLIZE is read when a profile is written; a typo is said once for
 * the whole tree, here, rather than silently meaning the default. */
static void check_symbolize(void)
{
	const char *m = getenv("CPROF_SYMBOLIZE");
	if (!m || !*m || !strcmp(m, "full") || !strcmp(m, "lean"))
		return;
	cprof__log("invalid CPROF_SYMBOLIZE '", m, "': want full or lean; using lean", NULL);
	unsetenv("CPROF_SYMBOLIZE");
}

__attribute__((constructor)) static void cprof_init(void)
{
	cprof__sigproxy_init();
	int own = cprof__own_enter(); /* nothing allocated here is the program's */
	cprof__stack_bounds_init();
	cprof__threads_init();
	decide_paths();
	bool heap = cprof__heap_start_env();
	bool cpu = start_from_env();
	bool stacks = cprof__stackprof_start_env();
	cprof__contention_start_env();
	cprof__http_start_env();
	bool trace = cprof__trace_start_env();
	if (heap || cpu || stacks || trace) {
		mark_children();
		check_symbolize();
	}
	cprof__own_leave(own);
}

__attribute__((destructor)) static void cprof_fini(void)
{
	cprof__cpu_atexit();
	cprof__heap_atexit();
	cprof__stackprof_atexit();
	cprof__trace_atexit();
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
	cprof__stackprof_atexit();
	cprof__trace_atexit();
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

/* dlclose must make sure no signal handler reads the CFI of an object being
 * unmapped.  dlopen is not interposed: the unwinder finds new objects by
 * itself and the CPU writer thread records their mappings, so none of
 * cprof's work runs inside the program's dlopen — and glibc resolves a
 * dlopen's $ORIGIN and RUNPATH from its caller, which must stay the
 * program's code, not ours. */
typedef int (*dlclose_fn)(void *);

CPROF_EXPORT int dlclose(void *h)
{
	static dlclose_fn real;
	if (!real)
		real = (dlclose_fn)dlsym(RTLD_NEXT, "dlclose");
	bool guard = cprof__dlclose_begin(h);
	int rc = real ? real(h) : -1;
	if (guard)
		cprof__dlclose_end();
	return rc;
}
