/*
 * cmd_record.c — `cprof record [-o FILE] [-F HZ] [--heap FILE] [--mutex FILE] [--block FILE]
 *                [--per-process] [-f] -- PROG [ARGS...]`
 *
 * Runs PROG with libcprof preloaded, passes stdin, stdout and stderr
 * through, and exits with PROG's status (dying of the same signal if PROG
 * did).  While PROG runs, cprof ignores SIGINT and SIGQUIT like a shell
 * does, so Ctrl-C reaches PROG, which flushes its profile.
 *
 * The whole process tree is profiled, as `perf record` does: every process
 * PROG forks or execs inherits libcprof and writes its own part (with
 * `pid` and `comm` labels on every sample) into a private temporary
 * directory; when PROG exits, the parts are merged with pprof's rules into
 * one profile (or, with --per-process, moved next to it one per process),
 * the directory is removed, and one line on stderr says what was written.
 * Processes still running after PROG exited are not waited for: their
 * parts are lost.
 */
#include "compat.h"
#include "cli/cli.h"
#include "profio/readfile.h"
#include "profio/gzwrite.h"
#include "profio/merge.h"
#include "profile/profile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The options, as the parser reads them and usage.c shows them. */
enum ropt { R_OUT, R_HZ, R_HEAP, R_MUTEX, R_BLOCK, R_PERPROC, R_FORCE, R_FORCE2 };
static const cprof__opt ropts[] = {
	[R_OUT] = {"-o", "FILE", "CPU profile output (default cpu.pb.gz)"},
	[R_HZ] = {"-F", "HZ", "samples per CPU-second per thread (default 100)"},
	[R_HEAP] = {"--heap", "FILE", "also write a heap profile"},
	[R_MUTEX] = {"--mutex", "FILE",
		     "also write a mutex profile (every contention, holder's stack)"},
	[R_BLOCK] = {"--block", "FILE", "also write a block profile (every blocking wait)"},
	[R_PERPROC] = {"--per-process", NULL,
		       "one file per process, FILE with the pid before .pb.gz (cpu.1234.pb.gz)"},
	[R_FORCE] = {"-f", NULL, "overwrite existing output files"},
	[R_FORCE2] = {"--force", NULL, "same as -f"},
};

bool cprof__cli_record_opt(size_t i, cprof__opt *o)
{
	if (i >= CPROF_ARRAY_LEN(ropts))
		return false;
	*o = ropts[i];
	return true;
}

/* A readable regular file that starts as an ELF object does: anything else
 * in LD_PRELOAD makes ld.so print its own error in the program and run it
 * unprofiled. */
static bool is_elf(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	char magic[4];
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, magic, 4) == 4 &&
		  !memcmp(magic, "\177ELF", 4);
	close(fd);
	return ok;
}

/* Find libcprof.so: $CPROF_LIB, then ../lib next to bin/cprof, then the
 * executable's own directory (build tree). */
const char *cprof__cli_libpath(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("CPROF_LIB");
	if (env && *env)
		return is_elf(env) ? env : NULL;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	static const char *const rel[] = {"/../lib/libcprof.so", "/libcprof.so"};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(rel); i++) {
		if (snprintf(path, sizeof(path), "%s%s", exe, rel[i]) >= (int)sizeof(path))
			continue;
		if (access(path, R_OK) == 0) {
			char *real = realpath(path, NULL);
			if (real) {
				snprintf(path, sizeof(path), "%s", real);
				free(real);
			}
			return path;
		}
	}
	return NULL;
}

static int parse_hz(const char *s, int *hz)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > 1000000)
		return -1;
	*hz = (int)v;
	return 0;
}

/* An absolute path, so a PROG that changes directory writes where asked. */
static char *absolute(const char *p)
{
	if (p[0] == '/')
		return strdup(p);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return NULL;
	size_t n = strlen(cwd) + strlen(p) + 2;
	char *r = malloc(n);
	if (r)
		snprintf(r, n, "%s/%s", cwd, p);
	return r;
}

/* Can `out` be written at the end?  Its directory must be writable; an
 * existing file is replaced only with -f.  0, or -1 after one message. */
static int check_output(const char *out, const char *abs, bool force)
{
	struct stat st;
	if (stat(abs, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return cprof__error("record: cannot write '%s': %s", out, strerror(EISDIR));
		if (!S_ISREG(st.st_mode))
			return cprof__error("record: cannot write '%s': not a regular file", out);
		if (!force)
			return cprof__error("record: '%s' exists; use -f to overwrite it", out);
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", abs);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	if (access(dir, W_OK | X_OK) != 0)
		return cprof__error("record: cannot write '%s': %s", out, strerror(errno));
	return 0;
}

/* Move a part to dst: a rename, or (the parts may be on another file
 * system) a copy written whole beside dst (outfile.c).  0, or -1 with the
 * reason in err. */
static int move_file(const char *src, const char *dst, char *err, size_t errlen)
{
	if (rename(src, dst) == 0)
		return 0;
	if (errno != EXDEV)
		return cprof__errf(err, errlen, "%s", strerror(errno));
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return cprof__errf(err, errlen, "%s", strerror(errno));
	cprof__outfile o;
	int outfd = cprof__outfile_open(&o, dst, err, errlen);
	if (outfd < 0) {
		close(in);
		return -1;
	}
	char buf[65536];
	int rc = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		if ((rc = cprof__write_all(outfd, buf, (size_t)n)) != 0)
			break;
	}
	close(in);
	if (rc < 0) {
		cprof__outfile_close(&o, outfd, false, NULL, 0);
		return cprof__errf(err, errlen, "%s", strerror(-rc));
	}
	return cprof__outfile_close(&o, outfd, true, err, errlen);
}

/* Write p gzipped to path, whole or not at all (outfile.c).  0, or -1 with
 * the reason in err. */
static int write_profile_file(const cprof__profile *p, const char *path, char *err, size_t errlen)
{
	cprof__outfile o;
	int fd = cprof__outfile_open(&o, path, err, errlen);
	if (fd < 0)
		return -1;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (cprof__profile_write_gz(p, fd, ncpu > 0 ? (int)ncpu : 1, err, errlen) < 0) {
		cprof__outfile_close(&o, fd, false, NULL, 0);
		return -1;
	}
	return cprof__outfile_close(&o, fd, true, err, errlen);
}

/* One process's part in the temporary directory. */
typedef struct part {
	char name[NAME_MAX + 1];
	long pid;
} part;

static int part_cmp(const void *a, const void *b)
{
	const part *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The parts named base (the root process, pid root) and base.PID in dir,
 * root first, then by pid.  *n parts; NULL when there are none or on OOM. */
static part *list_parts(const char *dir, const char *base, long root, size_t *n)
{
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	part *v = NULL;
	size_t cap = 0;
	size_t bl = strlen(base);
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		long pid;
		if (!strcmp(e->d_name, base)) {
			pid = root;
		} else if (!strncmp(e->d_name, base, bl) && e->d_name[bl] == '.') {
			char *end;
			pid = strtol(e->d_name + bl + 1, &end, 10);
			if (*end || pid <= 0)
				continue; /* a temporary still being written */
		} else {
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			part *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				*n = 0;
				return NULL;
			}
			v = nv;
		}
		snprintf(v[*n].name, sizeof(v[*n].name), "%s", e->d_name);
		v[*n].pid = pid == root ? 0 : pid; /* the root sorts first */
		(*n)++;
	}
	closedir(d);
	if (!v)
		return NULL; /* (qsort's argument must not be NULL) */
	qsort(v, *n, sizeof(*v), part_cmp);
	for (size_t i = 0; i < *n; i++)
		if (v[i].pid == 0)
			v[i].pid = root;
	return v;
}

/* out with "." pid before a final ".pb.gz" (or ".pb", ".gz"), else at the
 * end: cpu.pb.gz -> cpu.1234.pb.gz, so the files still open as profiles. */
static void per_process_name(char *buf, size_t n, const char *out, const char *pid)
{
	size_t l = strlen(out);
	static const char *const ext[] = {".pb.gz", ".pb", ".gz"};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(ext); i++) {
		size_t el = strlen(ext[i]);
		if (l > el && !strcmp(out + l - el, ext[i]) && out[l - el - 1] != '/') {
			snprintf(buf, n, "%.*s.%s%s", (int)(l - el), out, pid, ext[i]);
			return;
		}
	}
	snprintf(buf, n, "%s.%s", out, pid);
}

/* Totals of the sample types named type (summed over samples). */
static int64_t total_of(const cprof__profile *p, const char *type)
{
	size_t k = p->sample_type.n;
	for (size_t t = 0; t < p->sample_type.n; t++)
		if (!strcmp(cprof__profile_string(p, p->sample_type.v[t].type), type))
			k = t;
	if (k == p->sample_type.n)
		return 0;
	int64_t sum = 0;
	for (size_t i = 0; i < p->sample.n; i++)
		sum += cprof__sample_values(p, &p->sample.v[i])[k];
	return sum;
}

/* Gather one kind of profile (base: its file name in dir) into out. */
static int gather(const char *dir, const char *base, long root, const char *out, const char *shown,
		  bool per_process, bool force, bool cpu, double wall)
{
	size_t n;
	char src[PATH_MAX], dst[PATH_MAX];
	part *parts = list_parts(dir, base, root, &n);
	if (!parts)
		return 0; /* nothing was written: the program never started */
	int rc = 0;
	cprof__profile acc;
	cprof__profile_init(&acc);
	int64_t samples = 0, cpu_ns = 0;
	size_t used = 0;
	char err[512];
	/* Many processes, or long runs, make for a long merge: a terminal
	 * shows progress (progress.c). */
	cprof__progress_stage(n > 1 ? "merging the processes' profiles" : "writing the profile");
	for (size_t i = 0; i < n; i++) {
		snprintf(src, sizeof(src), "%s/%s", dir, parts[i].name);
		cprof__profile p;
		cprof__profile_init(&p);
		if (cprof__profile_read_file(&p, src, err, sizeof(err)) < 0) {
			/* A part is complete or absent (written by rename): a bad
			 * one is a bug, said, and the rest still merged. */
			cprof__error("record: process %ld's profile: %s", parts[i].pid, err);
			cprof__profile_free(&p);
			continue;
		}
		if (cpu) {
			samples += total_of(&p, "samples");
			cpu_ns += total_of(&p, "cpu");
		}
		if (per_process) {
			cprof__profile_free(&p);
			char pids[24];
			snprintf(pids, sizeof(pids), "%ld", parts[i].pid);
			per_process_name(dst, sizeof(dst), out, pids);
			struct stat st;
			if (!force && stat(dst, &st) == 0) {
				rc = cprof__error("record: '%s' exists; use -f to overwrite it",
						  dst);
				continue;
			}
			if (move_file(src, dst, err, sizeof(err)) < 0)
				rc = cprof__error("record: cannot write '%s': %s", dst, err);
			else
				used++;
			continue;
		}
		if (used == 0) {
			cprof__profile_free(&acc);
			acc = p;
		} else {
			if (cprof__profile_merge(&acc, &p, 1, err, sizeof(err)) < 0)
				rc = cprof__error("record: merging process %ld's profile: %s",
						  parts[i].pid, err);
			cprof__profile_free(&p);
			if (rc != 0)
				break;
		}
		used++;
	}
	if (rc == 0 && !per_process && used > 0) {
		if (used == 1 && cprof__profile_compact(&acc, err, sizeof(err)) < 0)
			rc = cprof__error("record: %s", err);
		if (rc == 0 && write_profile_file(&acc, out, err, sizeof(err)) < 0)
			rc = cprof__error("record: cannot write '%s': %s", shown, err);
	}
	cprof__profile_free(&acc);
	cprof__progress_end();
	if (rc == 0 || used > 0) {
		char what[PATH_MAX + 64];
		if (per_process) {
			per_process_name(dst, sizeof(dst), shown, "PID");
			snprintf(what, sizeof(what), "%zu files %s", used, dst);
		} else {
			snprintf(what, sizeof(what), "%s", shown);
		}
		if (cpu)
			fprintf(stderr,
				"cprof: wrote %s: %lld samples, %.2f s of CPU in %.2f s, %zu "
				"process%s\n",
				what, (long long)samples, (double)cpu_ns / 1e9, wall, used,
				used == 1 ? "" : "es");
		else
			fprintf(stderr, "cprof: wrote %s: %zu process%s\n", what, used,
				used == 1 ? "" : "es");
	}
	free(parts);
	return rc;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		char p[PATH_MAX];
		for (struct dirent *e; (e = readdir(d)) != NULL;) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) < (int)sizeof(p))
				unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* The profiles written beside the CPU profile, each on request. */
static struct extra {
	const char *opt, *env, *base;
	const char *path; /* as given */
	char *abs;
} extras[] = {
	{"--heap", "CPROF_HEAP", "heap.pb.gz", NULL, NULL},
	{"--mutex", "CPROF_MUTEX", "mutex.pb.gz", NULL, NULL},
	{"--block", "CPROF_BLOCK", "block.pb.gz", NULL, NULL},
};
#define NEXTRA (sizeof(extras) / sizeof(extras[0]))

static void free_extras(void)
{
	for (size_t k = 0; k < NEXTRA; k++) {
		free(extras[k].abs);
		extras[k].abs = NULL;
	}
}

static struct extra *extra_opt(const char *a)
{
	for (size_t k = 0; k < NEXTRA; k++)
		if (!strcmp(a, extras[k].opt))
			return &extras[k];
	return NULL;
}

int cprof__cmd_record(int argc, char **argv)
{
	const char *out = "cpu.pb.gz";
	int hz = 100;
	bool force = false, per_process = false;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-')
			break;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			cprof__cli_usage(stdout, cprof__cli_command("record"));
			return 0;
		}
		size_t k = 0;
		while (k < CPROF_ARRAY_LEN(ropts) && strcmp(a, ropts[k].name))
			k++;
		if (k == CPROF_ARRAY_LEN(ropts)) {
			cprof__error(
				"record: unknown option '%s'; run 'cprof record -h' for the options",
				a);
			return 2;
		}
		if (ropts[k].arg && i + 1 >= argc) {
			cprof__error("record: option '%s' needs a value", a);
			return 2;
		}
		switch ((enum ropt)k) {
		case R_OUT: out = argv[++i]; break;
		case R_HZ:
			if (parse_hz(argv[++i], &hz) != 0) {
				cprof__error(
					"record: invalid -F '%s': want an integer from 1 to 1000000",
					argv[i]);
				return 2;
			}
			break;
		case R_HEAP:
		case R_MUTEX:
		case R_BLOCK: extra_opt(a)->path = argv[++i]; break;
		case R_PERPROC: per_process = true; break;
		case R_FORCE:
		case R_FORCE2: force = true; break;
		}
	}
	if (i >= argc) {
		cprof__error("record: no program given; usage: cprof record [options] [--] PROG "
			     "[ARGS...]");
		return 2;
	}
	const char *lib = cprof__cli_libpath();
	if (!lib) {
		const char *env = getenv("CPROF_LIB");
		if (env && *env)
			cprof__error("record: CPROF_LIB '%s' is not a readable ELF shared library",
				     env);
		else
			cprof__error("record: cannot find libcprof.so (set CPROF_LIB to its path)");
		return 1;
	}
	char *abs_out = absolute(out);
	if (!abs_out) {
		cprof__error("record: %s: %s", out, strerror(errno));
		return 1;
	}
	/* Fail early and clearly on an output that cannot be written (with
	 * --per-process, existing files are checked as they are written). */
	if (check_output(out, abs_out, force || per_process) != 0) {
		free(abs_out);
		return 1;
	}
	for (size_t k = 0; k < NEXTRA; k++) {
		struct extra *x = &extras[k];
		if (!x->path)
			continue;
		if (!(x->abs = absolute(x->path))) {
			cprof__error("record: %s: %s", x->path, strerror(errno));
			free(abs_out);
			free_extras();
			return 1;
		}
		if (check_output(x->path, x->abs, force || per_process) != 0) {
			free(abs_out);
			free_extras();
			return 1;
		}
	}
	const char *tmpbase = getenv("TMPDIR");
	char dir[PATH_MAX - 64];
	snprintf(dir, sizeof(dir), "%s/cprof-record.XXXXXX",
		 tmpbase && *tmpbase ? tmpbase : "/tmp");
	if (!mkdtemp(dir)) {
		cprof__error("record: cannot create a temporary directory in %s: %s",
			     tmpbase && *tmpbase ? tmpbase : "/tmp", strerror(errno));
		free(abs_out);
		free_extras();
		return 1;
	}

	const char *old = getenv("LD_PRELOAD");
	size_t n = strlen(lib) + (old ? strlen(old) : 0) + 2;
	char *preload = malloc(n);
	if (!preload) {
		free(abs_out);
		free_extras();
		rmdir(dir);
		return cprof__error("record: out of memory"), 1;
	}
	/* libcprof first, so its malloc and pthread_create interpose the rest;
	 * but AddressSanitizer's runtime insists on being first in the list. */
	if (old && *old && strstr(old, "libasan"))
		snprintf(preload, n, "%s %s", old, lib);
	else
		snprintf(preload, n, "%s%s%s", lib, old && *old ? " " : "", old && *old ? old : "");
	char hzs[16], part_cpu[PATH_MAX], part_x[PATH_MAX];
	snprintf(hzs, sizeof(hzs), "%d", hz);
	snprintf(part_cpu, sizeof(part_cpu), "%s/cpu.pb.gz", dir);
	setenv("LD_PRELOAD", preload, 1);
	setenv("CPROF_CPU", part_cpu, 1);
	setenv("CPROF_HZ", hzs, 1);
	setenv("CPROF_PROCESS_LABELS", "1", 1);
	/* PROG is the root of the tree: it writes the unsuffixed part. */
	unsetenv("CPROF_CPU_USE_PID");
	unsetenv("CPROF_CPU_ROOT");
	for (size_t k = 0; k < NEXTRA; k++) {
		if (!extras[k].path)
			continue;
		snprintf(part_x, sizeof(part_x), "%s/%s", dir, extras[k].base);
		setenv(extras[k].env, part_x, 1);
	}
	free(preload);

	struct sigaction ign, old_int, old_quit;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		cprof__error("record: fork: %s", strerror(errno));
		remove_dir(dir);
		free(abs_out);
		free_extras();
		return 1;
	}
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		execvp(argv[i], argv + i);
		fprintf(stderr, "cprof: record: cannot run '%s': %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			cprof__error("record: waitpid: %s", strerror(errno));
			remove_dir(dir);
			free(abs_out);
			free_extras();
			return 1;
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	int rc = gather(dir, "cpu.pb.gz", (long)pid, abs_out, out, per_process, force, true, wall);
	for (size_t k = 0; k < NEXTRA; k++)
		if (extras[k].path && gather(dir, extras[k].base, (long)pid, extras[k].abs,
					     extras[k].path, per_process, force, false, wall) != 0)
			rc = -1;
	remove_dir(dir);
	free(abs_out);
	free_extras();
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	/* The program's status, unless it succeeded and the profile failed. */
	return WEXITSTATUS(status) == 0 && rc != 0 ? 1 : WEXITSTATUS(status);
}
