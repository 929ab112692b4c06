/* main.c — the `cprof` command: dispatch to one file per subcommand. */
#include "compat.h"
#include "cli/cli.h"

#include <cprof.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const cprof__cmd commands[] = {
	{"record", cprof__cmd_record, "run a program under the profiler"},
	{"merge", cprof__cmd_merge, "merge profiles into one (pprof's rules)"},
	{"top", cprof__cmd_top, "top entries, as go tool pprof -top"},
	{"text", cprof__cmd_top, "same as top"},
	{"peek", cprof__cmd_peek, "callers and callees of functions matching a regexp"},
	{"disasm", cprof__cmd_disasm, "annotated disassembly of functions matching a regexp"},
	{"list", cprof__cmd_list, "annotated source of functions matching a regexp"},
	{"tree", cprof__cmd_tree, "callers and callees of every node"},
	{"traces", cprof__cmd_traces, "every sample with its stack"},
	{"report", cprof__cmd_report, "any report by flag: -folded, -proto, -tree..."},
	{"benchstat", cprof__cmd_benchstat, "compare benchmark results (Go's benchstat)"},
	{"flame", cprof__cmd_flame,
	 "flame graph (interactive SVG or HTML) of profiles or folded stacks"},
	{"web", cprof__cmd_web, "local web UI: flame graph, top, peek (-http HOST:PORT)"},
	{"trace", cprof__cmd_trace, "summary of an execution trace (CPROF_TRACE): waits, threads"},
};

/* The calling thread's capture buffer (cprof__error_capture), if any. */
static _Thread_local char *capture_buf;
static _Thread_local size_t capture_len;

void cprof__error_capture(char *buf, size_t len)
{
	capture_buf = len ? buf : NULL;
	capture_len = len;
	if (capture_buf)
		buf[0] = 0;
}

int cprof__error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("cprof: ", stderr);
	if (capture_buf) {
		va_list aq;
		va_copy(aq, ap);
		size_t used = strlen(capture_buf);
		if (used + 1 < capture_len) {
			int n = snprintf(capture_buf + used, capture_len - used,
					 "%scprof: ", used ? "\n" : "");
			size_t u2 = n > 0 ? used + (size_t)n : used;
			if (u2 < capture_len)
				vsnprintf(capture_buf + u2, capture_len - u2, fmt, aq);
		}
		va_end(aq);
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cprof <command> [options] [args]\n\ncommands:\n");
	for (size_t i = 0; i < CPROF_ARRAY_LEN(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'cprof <command> -h' for a command's options.\n");
}

static const cprof__cmd *find(const char *name)
{
	for (size_t i = 0; i < CPROF_ARRAY_LEN(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* Levenshtein distance, capped: enough to suggest a near miss. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 32 || lb > 32)
		return 99;
	size_t d[33][33];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

/* pprof's spelling, `cprof -http=ADDR [-no_browser] FILE` and
 * `cprof -top FILE`: the web UI when -http is given, else the report its
 * flags ask for.  argv[0] becomes the command's name. */
static int pprof_flags(int argc, char **argv)
{
	bool http = false;
	int n = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i] + (argv[i][0] == '-') + (argv[i][1] == '-');
		if (argv[i][0] == '-' && !strncmp(a, "http", 4) && (a[4] == 0 || a[4] == '='))
			http = true;
		/* cprof web (and the shell's web) opens only $BROWSER */
		if (argv[i][0] == '-' && !strcmp(a, "no_browser")) {
			unsetenv("BROWSER");
			continue;
		}
		argv[++n] = argv[i];
	}
	argv[0] = http ? "web" : "cprof"; /* cmd_report.c: "cprof" opens the shell */
	return http ? cprof__cmd_web(n + 1, argv) : cprof__cmd_report(n + 1, argv);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || (!strcmp(name, "help") && argc < 3)) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "help")) { /* cprof help CMD: CMD's own usage */
		const cprof__cmd *c = find(argv[2]);
		if (!c) {
			cprof__error("help: unknown command '%s'; run 'cprof help' for the list",
				     argv[2]);
			return 2;
		}
		char *hargv[] = {argv[2], "-h", NULL};
		return c->run(2, hargv);
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("cprof %s\n", CPROF_VERSION);
		return 0;
	}
	const cprof__cmd *c = find(name);
	if (c)
		return c->run(argc - 1, argv + 1);
	if (name[0] == '-')
		return pprof_flags(argc, argv);
	struct stat st; /* cprof FILE|URL...: pprof's shell, or a report by flag */
	if (!strncmp(name, "http://", 7) || !strncmp(name, "https://", 8) || stat(name, &st) == 0)
		return pprof_flags(argc, argv);
	const char *best = NULL;
	size_t bd = 3;
	for (size_t i = 0; i < CPROF_ARRAY_LEN(commands); i++) {
		size_t d = distance(name, commands[i].name);
		if (d < bd) {
			bd = d;
			best = commands[i].name;
		}
	}
	if (best)
		cprof__error("unknown command '%s'; did you mean '%s'?", name, best);
	else
		cprof__error("unknown command '%s'; run 'cprof help' for the list", name);
	return 2;
}
