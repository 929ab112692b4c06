/* main.c — the `cprof` command: dispatch to one file per subcommand. */
#include "compat.h"
#include "cli/cli.h"

#include <cprof.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The command table: `cprof help`, each command's -h, the man page and the
 * shell completions are printed from these rows (usage.c). */
#define REPORT_DESC                                                                   \
	"PROFILE is a file (a gzipped or plain profile.proto, or a legacy text "      \
	"profile), - for stdin, or an http(s):// URL such as a /debug/pprof/profile " \
	"endpoint; several are merged.  The output is byte for byte go tool pprof's."
static const cprof__cmd commands[] = {
	{"record", cprof__cmd_record, "run a program under the profiler",
	 "[options] [--] PROG [ARGS...]",
	 "Runs PROG with libcprof preloaded and writes its CPU profile (and the heap, mutex "
	 "and block profiles asked for).  Every process PROG starts (fork, exec) is profiled; "
	 "samples carry the labels pid and comm (go tool pprof -tagfocus=comm=cc1 ...).  "
	 "stdin, stdout and stderr pass through, Ctrl-C reaches PROG, and cprof exits with "
	 "PROG's status.  At the end one line on stderr says what was written.",
	 cprof__cli_record_opt, false},
	{"merge", cprof__cmd_merge, "merge profiles into one (pprof's rules)",
	 "[options] -o OUT PROFILE...",
	 "Merges profiles (files, - for stdin, or http(s):// URLs) with pprof's rules and "
	 "writes the result, gzipped, to OUT (- for stdout).",
	 cprof__cli_merge_opt, false},
	{"top", cprof__cmd_top, "top entries, as go tool pprof -top", "[options] PROFILE...",
	 "Prints the functions with the most samples (go tool pprof -top).  " REPORT_DESC, NULL,
	 true},
	{"text", cprof__cmd_top, "same as top", "[options] PROFILE...", "The same as top.", NULL,
	 true},
	{"peek", cprof__cmd_peek, "callers and callees of functions matching a regexp",
	 "[options] REGEX PROFILE...",
	 "Prints the callers and callees of the functions matching REGEX (go tool pprof "
	 "-peek).  " REPORT_DESC,
	 NULL, true},
	{"disasm", cprof__cmd_disasm, "annotated disassembly of functions matching a regexp",
	 "[options] REGEX PROFILE...",
	 "Prints the disassembly of the functions matching REGEX with each instruction's "
	 "samples (go tool pprof -disasm; needs objdump and the binaries).  " REPORT_DESC,
	 NULL, true},
	{"list", cprof__cmd_list, "annotated source of functions matching a regexp",
	 "[options] REGEX PROFILE...",
	 "Prints the source of the functions matching REGEX with each line's samples (go "
	 "tool pprof -list; -source_path and -trim_path find the files).  " REPORT_DESC,
	 NULL, true},
	{"tree", cprof__cmd_tree, "callers and callees of every node", "[options] PROFILE...",
	 "Prints every node with its callers and callees (go tool pprof -tree).  " REPORT_DESC,
	 NULL, true},
	{"traces", cprof__cmd_traces, "every sample with its stack", "[options] PROFILE...",
	 "Prints every sample with its labels and stack (go tool pprof -traces).  " REPORT_DESC,
	 NULL, true},
	{"report", cprof__cmd_report, "any report by flag: -folded, -proto, -tree...",
	 "-FORMAT [options] PROFILE...",
	 "Prints the report its format flag names (-top, -traces, -tree, -peek REGEX, -list "
	 "REGEX, -disasm REGEX, -dot, -svg, -png, -pdf, -callgrind, -tags, -comments, "
	 "-topproto, -raw, -folded, -proto).  " REPORT_DESC,
	 NULL, true},
	{"benchstat", cprof__cmd_benchstat, "compare benchmark results (Go's benchstat)",
	 "[options] INPUT...",
	 "Summarises Go-format benchmark results (cprof's harness, go test -bench...): the "
	 "median of each benchmark with a 95% confidence interval, one column per input; "
	 "later columns are compared with the first by a Mann-Whitney U test (~: no "
	 "significant difference).  An input may be label=path; - reads stdin.\n\n"
	 "Keys: .fullname .name .file .unit /subname-key config-key; a -row or -col key may "
	 "end in @alpha, @num (2k, 1Mi...) or @(v1 v2...) (order and filter).",
	 cprof__cli_benchstat_opt, false},
	{"flame", cprof__cmd_flame,
	 "flame graph (interactive SVG or HTML) of profiles or folded stacks",
	 "[options] PROFILE... [-o OUT]",
	 "Writes a flame graph of the profiles (any format cprof reads, or folded stacks "
	 "'a;b;c 12', with a second count for a differential input) as an interactive SVG on "
	 "stdout or OUT, or as one HTML page with --html.  -diff_base OLD draws a "
	 "differential graph: widths from NEW, red = grew, blue = shrank, vanished paths "
	 "hatched.  The report options filter and pick the sample type.",
	 cprof__cli_flame_opt, true},
	{"web", cprof__cmd_web, "local web UI: flame graph, top, peek (-http HOST:PORT)",
	 "[-http HOST:PORT] [options] PROFILE...",
	 "Serves a web UI over the profiles: flame graph, top, peek, call graph and source, "
	 "with the report options as filters.  It binds 127.0.0.1 on a free port unless "
	 "-http says otherwise, prints the URL, and opens $BROWSER if it is set.  Ctrl-C "
	 "stops it.",
	 cprof__cli_web_opt, true},
	{"trace", cprof__cmd_trace, "summary of an execution trace (CPROF_TRACE): waits, threads",
	 "[-n N] FILE",
	 "Summarises an execution trace written by libcprof (CPROF_TRACE=FILE or "
	 "cprof_trace_start; - reads stdin): per thread, the time running (its CPU samples) "
	 "and blocked (by reason), then the N longest waits with their stacks, and how many "
	 "events were dropped.  Open the file itself in https://ui.perfetto.dev or "
	 "chrome://tracing.",
	 cprof__cli_trace_opt, false},
};
#undef REPORT_DESC

const cprof__cmd *cprof__cli_commands(size_t *n)
{
	*n = CPROF_ARRAY_LEN(commands);
	return commands;
}

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
	cprof__progress_clear();
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

const cprof__cmd *cprof__cli_command(const char *name)
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

/* pprof's top-level flags, beside the report flags (usage.c shows them). */
static const cprof__opt toplevel[] = {
	{"-http", "HOST:PORT", "serve the web UI (cprof web -http HOST:PORT)"},
	{"-no_browser", NULL,
	 "do not open a browser (unsets $BROWSER, which cprof web opens when set)"},
};

bool cprof__cli_toplevel_opt(size_t i, cprof__opt *o)
{
	if (i >= CPROF_ARRAY_LEN(toplevel))
		return false;
	*o = toplevel[i];
	return true;
}

/* pprof's spelling, `cprof -http=ADDR [-no_browser] FILE` and
 * `cprof -top FILE`: the web UI when -http is given, else the report its
 * flags ask for.  argv[0] becomes the command's name. */
static int pprof_flags(int argc, char **argv)
{
	bool http = false;
	int n = 0;
	const char *h = toplevel[0].name + 1, *nb = toplevel[1].name + 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i] + (argv[i][0] == '-') + (argv[i][1] == '-');
		if (argv[i][0] == '-' && !strncmp(a, h, strlen(h)) &&
		    (a[strlen(h)] == 0 || a[strlen(h)] == '='))
			http = true;
		/* cprof web (and the shell's web) opens only $BROWSER */
		if (argv[i][0] == '-' && !strcmp(a, nb)) {
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
		const cprof__cmd *c = cprof__cli_command(argv[2]);
		if (!c) {
			cprof__error("help: unknown command '%s'; run 'cprof help' for the list",
				     argv[2]);
			return 2;
		}
		cprof__cli_usage(stdout, c);
		return 0;
	}
	if (!strcmp(name, "__gen")) /* the build's: man page and completions */
		return cprof__cli_gen(argc - 1, argv + 1);
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("cprof %s\n", CPROF_VERSION);
		return 0;
	}
	const cprof__cmd *c = cprof__cli_command(name);
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
