/* main.c — the `cprof` command: dispatch to one file per subcommand. */
#include "compat.h"
#include "cli/cli.h"

#include <cprof.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

int cprof__error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("cprof: ", stderr);
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

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("cprof %s\n", CPROF_VERSION);
		return 0;
	}
	for (size_t i = 0; i < CPROF_ARRAY_LEN(commands); i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	cprof__error("unknown command '%s'; run 'cprof help' for the list", name);
	return 2;
}
