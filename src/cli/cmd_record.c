/*
 * cmd_record.c — `cprof record [-o FILE] [-F HZ] -- PROG [ARGS...]`
 *
 * Runs PROG with libcprof preloaded and CPROF_CPU set, passes stdin, stdout
 * and stderr through, and exits with PROG's status (dying of the same
 * signal if PROG did).  While PROG runs, cprof ignores SIGINT and SIGQUIT
 * like a shell does, so Ctrl-C reaches PROG, which flushes its profile.
 */
#include "compat.h"
#include "cli/cli.h"

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
#include <unistd.h>

static const char record_usage[] =
	"usage: cprof record [-o FILE] [-F HZ] [--heap FILE] -- PROG [ARGS...]\n"
	"  -o FILE   CPU profile output (default cpu.pb.gz)\n"
	"  -F HZ     samples per CPU-second per thread (default 100)\n";

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
	bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		  read(fd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4);
	close(fd);
	return ok;
}

/* Find libcprof.so: $CPROF_LIB, then ../lib next to bin/cprof, then the
 * executable's own directory (build tree). */
const char *cprof_cli_libpath(void)
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

int cprof_cmd_record(int argc, char **argv)
{
	const char *out = "cpu.pb.gz", *heap = NULL;
	int hz = 100;
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
			fputs(record_usage, stdout);
			return 0;
		}
		if ((!strcmp(a, "-o") || !strcmp(a, "-F") || !strcmp(a, "--heap")) && i + 1 >= argc) {
			cprof_error("record: option '%s' needs a value", a);
			return 2;
		}
		if (!strcmp(a, "-o")) {
			out = argv[++i];
		} else if (!strcmp(a, "-F")) {
			if (parse_hz(argv[++i], &hz) != 0) {
				cprof_error("record: invalid -F '%s': want an integer from 1 to 1000000",
					    argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--heap")) {
			heap = argv[++i];
		} else {
			cprof_error("record: unknown option '%s'", a);
			fputs(record_usage, stderr);
			return 2;
		}
	}
	if (i >= argc) {
		cprof_error("record: no program given");
		fputs(record_usage, stderr);
		return 2;
	}
	const char *lib = cprof_cli_libpath();
	if (!lib) {
		const char *env = getenv("CPROF_LIB");
		if (env && *env)
			cprof_error("record: CPROF_LIB '%s' is not a readable ELF shared library", env);
		else
			cprof_error("record: cannot find libcprof.so (set CPROF_LIB to its path)");
		return 1;
	}
	char *abs_out = absolute(out);
	if (!abs_out) {
		cprof_error("record: %s: %s", out, strerror(errno));
		return 1;
	}
	/* Fail early and clearly on an unwritable output; a file the probe
	 * created is removed again (the profile is written whole at exit, and a
	 * program that never runs must leave no empty profile behind). */
	bool existed = access(abs_out, F_OK) == 0;
	FILE *probe = fopen(abs_out, "ab");
	if (!probe) {
		cprof_error("record: cannot write '%s': %s", out, strerror(errno));
		free(abs_out);
		return 1;
	}
	fclose(probe);
	if (!existed)
		unlink(abs_out);

	const char *old = getenv("LD_PRELOAD");
	size_t n = strlen(lib) + (old ? strlen(old) : 0) + 2;
	char *preload = malloc(n);
	if (!preload) {
		free(abs_out);
		return cprof_error("record: out of memory"), 1;
	}
	/* libcprof first, so its malloc and pthread_create interpose the rest;
	 * but AddressSanitizer's runtime insists on being first in the list. */
	if (old && *old && strstr(old, "libasan"))
		snprintf(preload, n, "%s %s", old, lib);
	else
		snprintf(preload, n, "%s%s%s", lib, old && *old ? " " : "", old && *old ? old : "");
	char hzs[16];
	snprintf(hzs, sizeof(hzs), "%d", hz);
	setenv("LD_PRELOAD", preload, 1);
	setenv("CPROF_CPU", abs_out, 1);
	setenv("CPROF_HZ", hzs, 1);
	unsetenv("CPROF_CPU_USE_PID");
	if (heap) {
		char *abs_heap = absolute(heap);
		if (abs_heap) {
			setenv("CPROF_HEAP", abs_heap, 1);
			free(abs_heap);
		}
	}
	free(preload);

	struct sigaction ign, old_int, old_quit;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid < 0) {
		cprof_error("record: fork: %s", strerror(errno));
		free(abs_out);
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
			cprof_error("record: waitpid: %s", strerror(errno));
			free(abs_out);
			return 1;
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	struct stat st;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && stat(abs_out, &st) == 0 &&
	    st.st_size == 0)
		unlink(abs_out); /* the program never started */
	free(abs_out);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	return WEXITSTATUS(status);
}
