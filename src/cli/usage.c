/*
 * usage.c — everything printed about the commands, from the command table
 * (main.c) and the option tables the parsers read (cmd_*.c): `cprof help
 * CMD` and `cprof CMD -h`, and `cprof __gen man|bash|zsh`, which the build
 * runs to write the man page cprof.1 and the bash and zsh completions.  One
 * source, so the help, the page and the completions cannot drift from what
 * the parsers accept (tests/integration/man_completion.sh checks).
 */
#include "compat.h"
#include "cli/cli.h"

#include <cprof.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- */
/* usage                                                            */

/* s word-wrapped to width columns after indent spaces ("\n\n": a new
 * paragraph). */
static void wrap(FILE *f, const char *s, int indent, int width)
{
	int col = 0;
	while (*s) {
		if (s[0] == '\n') {
			if (col)
				fputc('\n', f);
			fputc('\n', f);
			col = 0;
			s += 1 + (s[1] == '\n');
			continue;
		}
		if (*s == ' ') {
			s++;
			continue;
		}
		size_t w = strcspn(s, " \n");
		if (col && col + 1 + (int)w > width) {
			fputc('\n', f);
			col = 0;
		}
		if (!col)
			col = fprintf(f, "%*s", indent, "");
		else
			col += fprintf(f, " ");
		col += fprintf(f, "%.*s", (int)w, s);
		s += w;
	}
	if (col)
		fputc('\n', f);
}

static void opt_lines(FILE *f, cprof__opt_fn fn)
{
	cprof__opt o;
	for (size_t i = 0; fn(i, &o); i++) {
		int w = fprintf(f, "  %s%s%s", o.name, o.arg ? " " : "", o.arg ? o.arg : "");
		fprintf(f, "%*s %s\n", w < 24 ? 24 - w : 0, "", o.help);
	}
}

/* A row may leave the synopsis and description out (NULL). */
static const char *synopsis(const cprof__cmd *c)
{
	return c->synopsis ? c->synopsis : "[options]";
}

static const char *description(const cprof__cmd *c)
{
	return c->description ? c->description : c->summary;
}

void cprof__cli_usage(FILE *f, const cprof__cmd *c)
{
	fprintf(f, "usage: cprof %s %s\n\n", c->name, synopsis(c));
	wrap(f, description(c), 0, 78);
	if (c->opts) {
		fprintf(f, "\noptions:\n");
		opt_lines(f, c->opts);
	}
	if (c->report_opts) {
		fprintf(f, "\n%s:\n", c->opts ? "report options (as for cprof top)" : "options");
		opt_lines(f, cprof__cli_report_opt);
	}
}

/* ---------------------------------------------------------------- */
/* the man page                                                     */

/* The environment: libcprof's variables (src/runtime/env.c and the files it
 * names; the test checks every CPROF_ variable the runtime reads is here)
 * and the cprof command's. */
static const char *const env_lib[][2] = {
	{"CPROF_CPU=PATH", "write a CPU profile of the whole run to PATH"},
	{"CPROF_HZ=N", "CPU samples per CPU-second per thread (default 100; 1 to 1000000)"},
	{"CPROF_CPU_USE_PID=1", "append .PID to the profiles' paths (set for child processes, so "
				"that a child never overwrites its parent's profile)"},
	{"CPROF_CPU_RING=N", "size of a thread's sample ring (a power of two, 8 to 65536)"},
	{"CPROF_PROCESS_LABELS=1", "label every sample with pid and comm (cprof record sets it)"},
	{"CPROF_SYMBOLIZE=lean|full", "full also reads separate debug files (libc6-dbg) for the "
				      "file, line and inline frames of system libraries"},
	{"CPROF_HEAP=PATH", "write a heap profile (inuse and alloc) at exit"},
	{"CPROF_HEAP_RATE=BYTES", "mean bytes between heap samples (default 524288; 1: every "
				  "allocation)"},
	{"CPROF_HEAP_INTERVAL=S", "also write PATH.0001, PATH.0002... every S seconds"},
	{"CPROF_LEAKS=1", "write a leak profile at exit (what is still allocated)"},
	{"CPROF_LEAKS_OUT=PATH", "the leak profile's path (default leaks.pb.gz)"},
	{"CPROF_LEAKS_EXITCODE=N", "exit with N if leaks were found"},
	{"CPROF_TEMP=PATH", "write a temporary-allocation profile at exit"},
	{"CPROF_THREADCREATE=PATH", "write a threadcreate profile at exit"},
	{"CPROF_MUTEX=PATH", "write a mutex profile (who held the contended locks) at exit"},
	{"CPROF_MUTEX_FRACTION=N", "record 1 in N contentions (default 1)"},
	{"CPROF_MUTEX_STACK=unlocker|waiter", "whose stack a contention is charged to"},
	{"CPROF_BLOCK=PATH", "write a block profile (where threads waited) at exit"},
	{"CPROF_BLOCK_RATE=NS", "Go's block profile rate (default 1: every wait)"},
	{"CPROF_BLOCK_IO=1", "also time blocking poll, epoll_wait, select and pipe and socket "
			     "reads"},
	{"CPROF_TRACE=PATH", "write an execution trace (Chrome trace-event JSON; cprof trace "
			     "summarises it)"},
	{"CPROF_TRACE_BUFFER_KB=N", "a traced thread's buffer in KiB (default 256)"},
	{"CPROF_HTTP=HOST:PORT", "serve /debug/pprof and /metrics from the program, as Go's "
				 "net/http/pprof"},
	{"CPROF_HTTP_ALLOW_REMOTE=1", "with CPROF_HTTP_TOKEN, let other hosts connect"},
	{"CPROF_HTTP_TOKEN=T", "the bearer token remote clients must send"},
};
static const char *const env_cmd[][2] = {
	{"CPROF_LIB=PATH", "the libcprof.so cprof record preloads (default: ../lib next to the "
			   "cprof executable)"},
	{"PPROF_BINARY_PATH=DIRS", "where the reports look for the binaries of unsymbolised "
				   "profiles (as go tool pprof)"},
	{"BROWSER", "the browser cprof web starts on its URL"},
	{"TMPDIR", "where cprof record keeps the processes' parts until they are merged"},
};

/* s as roff text: backslashes and dashes escaped, a line never starting
 * with a control character. */
static void roff(FILE *f, const char *s)
{
	bool bol = true;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		bol = false;
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else if (*s == '\n') {
			fputs(s[1] == '\n' ? "\n.PP\n" : "\n", f);
			s += s[1] == '\n';
			bol = true;
		} else
			fputc(*s, f);
	}
}

static void man_opts(FILE *f, cprof__opt_fn fn)
{
	cprof__opt o;
	for (size_t i = 0; fn(i, &o); i++) {
		fputs(".TP\n\\fB", f);
		roff(f, o.name);
		fputs("\\fR", f);
		if (o.arg) {
			fputs(" \\fI", f);
			roff(f, o.arg);
			fputs("\\fR", f);
		}
		fputs("\n", f);
		roff(f, o.help);
		fputs("\n", f);
	}
}

static void man_env(FILE *f, const char *const (*v)[2], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputs(".TP\n\\fB", f);
		roff(f, v[i][0]);
		fputs("\\fR\n", f);
		roff(f, v[i][1]);
		fputs("\n", f);
	}
}

static void man_para(FILE *f, const char *s)
{
	fputs(".PP\n", f);
	roff(f, s);
	fputs("\n", f);
}

static void man_example(FILE *f, const char *what, const char *cmd)
{
	man_para(f, what);
	fputs(".RS\n.nf\n", f);
	roff(f, cmd);
	fputs("\n.fi\n.RE\n", f);
}

static void gen_man(FILE *f, const cprof__cmd *cmds, size_t n)
{
	fprintf(f,
		".\\\" cprof.1: generated by `cprof __gen man` from cprof's command table.\n"
		".TH CPROF 1 \"\" \"cprof %s\" \"User Commands\"\n",
		CPROF_VERSION);
	fputs(".SH NAME\ncprof \\- profile C programs, and read the profiles as go tool pprof "
	      "does\n.SH SYNOPSIS\n",
	      f);
	fputs(".B cprof\n.I command\n.RI [ options ] \" \" [ args ]\n.br\n"
	      ".B cprof\n.BI \\- format\n.RI [ options ] \" \" profile ...\n.br\n"
	      ".B cprof\n.BI \\-http= host:port\n.RB [ \\-no_browser ]\n"
	      ".RI [ options ] \" \" profile ...\n.br\n"
	      ".B cprof\n.RI [ options ] \" \" profile ...\n.br\n"
	      ".B cprof help\n.RI [ command ]\n",
	      f);
	fputs(".SH DESCRIPTION\n", f);
	man_para(f, "cprof gives C programs Go's pprof experience.  libcprof, a library linked "
		    "into a program or preloaded (LD_PRELOAD) with no code change, writes CPU, "
		    "heap, allocation, mutex, block and threadcreate profiles in pprof's "
		    "profile.proto format, chosen by environment variables (see ENVIRONMENT).  "
		    "The cprof command runs programs under it (cprof record) and prints pprof's "
		    "reports of any profile.proto, byte for byte as go tool pprof prints them, "
		    "draws flame graphs and serves a web UI.");
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; i < n; i++) {
		const cprof__cmd *c = &cmds[i];
		fputs(".SS \"", f);
		roff(f, c->name);
		fputs("\"\n.B cprof ", f);
		roff(f, c->name);
		fputs("\n", f);
		roff(f, synopsis(c));
		fputs("\n", f);
		man_para(f, description(c));
		if (c->opts)
			man_opts(f, c->opts);
		if (c->report_opts)
			man_para(f, "It also takes the report options (REPORT OPTIONS below).");
	}
	fputs(".SS help\n.B cprof help\n.RI [ command ]\n", f);
	man_para(f, "Lists the commands, or prints a command's usage and options (the same as "
		    "cprof COMMAND -h).");
	fputs(".SH \"REPORT OPTIONS\"\n", f);
	man_para(f, "The report commands (top, text, peek, list, disasm, tree, traces, report), "
		    "flame and web take go tool pprof's options, in Go's flag syntax: -flag or "
		    "--flag, -flag=value or -flag value, booleans -flag or -flag=false; they may "
		    "also follow the profiles.");
	man_opts(f, cprof__cli_report_opt);
	fputs(".SH \"PPROF'S SPELLING\"\n", f);
	man_para(f, "As with go tool pprof, the report may be asked for by its flag at the top "
		    "level: cprof -top PROFILE is cprof top PROFILE, and any report format flag "
		    "(-traces, -tree, -peek=REGEX, -folded, -proto...) works the same way with "
		    "the other report options.  These top-level flags are pprof's too:");
	man_opts(f, cprof__cli_toplevel_opt);
	fputs(".SH \"INTERACTIVE SHELL\"\n", f);
	man_para(f, "With no report flag, cprof PROFILE... opens go tool pprof's interactive "
		    "shell on the profiles: every report is a command (top10, top -cum, list "
		    "REGEX, peek, traces, tree, disasm, dot, svg, png, proto, folded, flame; "
		    "> FILE writes it to a file), options are set by assignment (focus=REGEX, "
		    "nodecount=N, sample_index=NAME, cum, flat...), and options, help [command] "
		    "and quit work as in pprof; web and weblist open cprof's web UI.  Line "
		    "editing, history and tab completion come from libedit when it is installed; "
		    "without a terminal, commands are read line by line from stdin.  docs/SHELL.md "
		    "has the grammar.");
	fputs(".SH ENVIRONMENT\n", f);
	man_para(f, "libcprof, in the profiled program (README.md and docs/ have the details):");
	man_env(f, env_lib, CPROF_ARRAY_LEN(env_lib));
	man_para(f, "The cprof command:");
	man_env(f, env_cmd, CPROF_ARRAY_LEN(env_cmd));
	fputs(".SH FILES\n", f);
	man_env(f,
		(const char *const[][2]){
			{"cpu.pb.gz", "cprof record's CPU profile, unless -o says otherwise"},
			{"PREFIX/lib/libcprof.so",
			 "the runtime library that cprof record preloads"},
			{"PREFIX/include/cprof.h", "the runtime's API (cprof_cpu_start...)"},
			{"PREFIX/include/cprof/bench.h", "the benchmark harness's API"},
		},
		4);
	fputs(".SH \"EXIT STATUS\"\n", f);
	man_para(f, "0 on success, 1 when the work failed (a message on stderr says why), 2 on a "
		    "usage error.  cprof record exits with the program's status.");
	fputs(".SH EXAMPLES\n", f);
	man_example(f, "Profile a program and print the top functions:",
		    "cprof record -o cpu.pb.gz -- ./prog args\ncprof top cpu.pb.gz");
	man_example(f, "Profile without cprof record, heap too:",
		    "LD_PRELOAD=libcprof.so CPROF_CPU=cpu.pb.gz CPROF_HEAP=heap.pb.gz ./prog");
	man_example(f, "The interactive shell, as go tool pprof's:",
		    "cprof cpu.pb.gz\n(pprof) top10 -cum\n(pprof) list main");
	man_example(f, "pprof's spelling; the web UI on port 8080:",
		    "cprof -top -cum cpu.pb.gz\ncprof -http=:8080 cpu.pb.gz");
	man_example(f, "A flame graph, and a differential one:",
		    "cprof flame cpu.pb.gz -o cpu.svg\n"
		    "cprof flame --html -diff_base old.pb.gz new.pb.gz -o diff.html");
	man_example(f, "Profile a running program that serves /debug/pprof (CPROF_HTTP):",
		    "cprof top http://127.0.0.1:6060/debug/pprof/profile?seconds=10");
	fputs(".SH \"SEE ALSO\"\n", f);
	fputs(".BR go (1),\n.BR perf (1),\n.BR dot (1)\n", f);
	man_para(f, "go tool pprof; the README.md and docs/ of cprof's source.");
}

/* ---------------------------------------------------------------- */
/* shell completions                                                */

/* Values named so complete as file names (cli.h). */
static bool file_arg(const char *arg)
{
	static const char *const files[] = {"FILE", "OUT", "PROFILE", "DIR", "PROG"};
	for (size_t i = 0; arg && i < CPROF_ARRAY_LEN(files); i++)
		if (!strcmp(arg, files[i]))
			return true;
	return false;
}

/* The names of fn's options: all, those with a file value, those with
 * another value. */
static void bash_words(FILE *f, const char *var, cprof__opt_fn fn, int which)
{
	cprof__opt o;
	fprintf(f, "\t%s=\"", var);
	const char *sep = "";
	for (size_t i = 0; fn && fn(i, &o); i++)
		if (which == 0 || (which == 1 && file_arg(o.arg)) ||
		    (which == 2 && o.arg && !file_arg(o.arg))) {
			fprintf(f, "%s%s", sep, o.name);
			sep = " ";
		}
	fputs("\"\n", f);
}

static void bash_opts(FILE *f, cprof__opt_fn fn, bool report)
{
	bash_words(f, "o", fn, 0);
	bash_words(f, "fo", fn, 1);
	bash_words(f, "vo", fn, 2);
	if (report)
		fputs("\to=\"$o $_ro\" fo=\"$fo $_rfo\" vo=\"$vo $_rvo\"\n", f);
}

static void gen_bash(FILE *f, const cprof__cmd *cmds, size_t n)
{
	fputs("# bash completion for cprof: generated by `cprof __gen bash` from cprof's\n"
	      "# command table.  Installed as .../bash-completion/completions/cprof.\n"
	      "_cprof()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= o fo vo\n"
	      "\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
	      "\tCOMPREPLY=()\n"
	      "\t# -flag=value: bash splits the word at '='\n"
	      "\tif [[ $cur == = ]]; then\n\t\tcur=\n"
	      "\telif [[ $prev == = ]] && ((COMP_CWORD > 1)); then\n"
	      "\t\tprev=${COMP_WORDS[COMP_CWORD - 2]}\n"
	      "\tfi\n",
	      f);
	fputs("\tlocal cmds=\"", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s ", cmds[i].name);
	fputs("help\"\n", f);
	bash_words(f, "local _ro", cprof__cli_report_opt, 0);
	bash_words(f, "local _rfo", cprof__cli_report_opt, 1);
	bash_words(f, "local _rvo", cprof__cli_report_opt, 2);
	fputs("\t((COMP_CWORD > 1)) && cmd=${COMP_WORDS[1]}\n"
	      "\tif ((COMP_CWORD == 1)) && [[ $cur != -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$cmds\" -- \"$cur\") $(compgen -f -- \"$cur\"))\n"
	      "\t\treturn\n\tfi\n"
	      "\tcase $cmd in\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "\t%s)\n", cmds[i].name);
		bash_opts(f, cmds[i].opts, cmds[i].report_opts);
		fputs("\t\t;;\n", f);
	}
	fputs("\thelp)\n\t\tCOMPREPLY=($(compgen -W \"$cmds\" -- \"$cur\"))\n\t\treturn\n\t\t;;\n"
	      "\t*) # pprof's spelling: cprof -top PROFILE, cprof -http=ADDR PROFILE\n",
	      f);
	bash_opts(f, cprof__cli_toplevel_opt, true);
	fputs("\t\t;;\n\tesac\n"
	      "\tif [[ \" $fo \" == *\" $prev \"* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n\t\treturn\n\tfi\n"
	      "\t[[ \" $vo \" == *\" $prev \"* ]] && return\n"
	      "\tif [[ $cmd == record ]]; then # options, then PROG and its arguments\n"
	      "\t\tlocal j=2 w\n"
	      "\t\twhile ((j < COMP_CWORD)); do\n"
	      "\t\t\tw=${COMP_WORDS[j]}\n"
	      "\t\t\tif [[ $w == -- ]]; then ((j + 1 == COMP_CWORD)) && "
	      "COMPREPLY=($(compgen -c -- \"$cur\")); break; fi\n"
	      "\t\t\t[[ $w != -* ]] && break\n"
	      "\t\t\t[[ \" $fo $vo \" == *\" $w \"* ]] && ((j++))\n"
	      "\t\t\t((j++))\n"
	      "\t\tdone\n"
	      "\t\tif ((j >= COMP_CWORD)) && [[ $cur != -* ]]; then\n"
	      "\t\t\tCOMPREPLY=($(compgen -c -- \"$cur\"))\n\t\t\treturn\n\t\tfi\n"
	      "\t\tif ((j < COMP_CWORD)); then\n"
	      "\t\t\t((${#COMPREPLY[@]})) || COMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\t\t\treturn\n\t\tfi\n"
	      "\tfi\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$o\" -- \"$cur\"))\n\t\treturn\n\tfi\n"
	      "\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "}\n"
	      "complete -o filenames -F _cprof cprof\n",
	      f);
}

/* s inside a single-quoted zsh word, and inside _arguments' [...]. */
static void zq(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else if (*s == '[' || *s == ']' || *s == ':' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else
			fputc(*s, f);
	}
}

static void zsh_specs(FILE *f, cprof__opt_fn fn)
{
	cprof__opt o;
	for (size_t i = 0; fn && fn(i, &o); i++) {
		/* Go's flags (one dash, long names) take -flag=value too */
		bool go = o.name[1] != '-' && o.name[2];
		fprintf(f, "\t\t'%s%s[", o.name, o.arg && go ? "=" : "");
		zq(f, o.help);
		fputs("]", f);
		if (o.arg) {
			fputs(":", f);
			zq(f, o.arg);
			fputs(file_arg(o.arg) ? ":_files" : ": ", f);
		}
		fputs("' \\\n", f);
	}
}

static void gen_zsh(FILE *f, const cprof__cmd *cmds, size_t n)
{
	fputs("#compdef cprof\n"
	      "# zsh completion for cprof: generated by `cprof __gen zsh` from cprof's\n"
	      "# command table.  Installed as .../zsh/site-functions/_cprof.\n\n"
	      "_cprof_report_opts() {\n\treply=(\n",
	      f);
	zsh_specs(f, cprof__cli_report_opt);
	fputs("\t)\n}\n\n_cprof() {\n\tlocal -a cmds reply\n\tcmds=(\n", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "\t\t'%s:", cmds[i].name);
		zq(f, cmds[i].summary);
		fputs("'\n", f);
	}
	fputs("\t\t'help:a command'\\''s usage and options'\n\t)\n"
	      "\tif ((CURRENT == 2)) && [[ $words[2] != -* ]]; then\n"
	      "\t\t_describe -t commands 'cprof command' cmds\n\t\t_files\n\t\treturn\n\tfi\n"
	      "\tlocal cmd=$words[2]\n"
	      "\tif [[ $cmd == -* ]]; then # pprof's spelling: cprof -top PROFILE\n"
	      "\t\t_cprof_report_opts\n"
	      "\t\t_arguments -S $reply \\\n",
	      f);
	zsh_specs(f, cprof__cli_toplevel_opt);
	fputs("\t\t\t'*:profile:_files'\n\t\treturn\n\tfi\n"
	      "\t((CURRENT--))\n\tshift words\n"
	      "\tcase $cmd in\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "\t%s)\n", cmds[i].name);
		if (cmds[i].report_opts)
			fputs("\t\t_cprof_report_opts\n", f);
		else
			fputs("\t\treply=()\n", f);
		fputs("\t\t_arguments -S $reply \\\n", f);
		zsh_specs(f, cmds[i].opts);
		if (!strcmp(cmds[i].name, "record"))
			fputs("\t\t\t'(-)1:program:_command_names -e' \\\n"
			      "\t\t\t'*::arguments:_normal'\n",
			      f);
		else
			fputs("\t\t\t'*:file:_files'\n", f);
		fputs("\t\t;;\n", f);
	}
	fputs("\thelp)\n\t\t_describe -t commands 'cprof command' cmds\n\t\t;;\n"
	      "\tesac\n}\n\n_cprof \"$@\"\n",
	      f);
}

int cprof__cli_gen(int argc, char **argv)
{
	size_t n;
	const cprof__cmd *cmds = cprof__cli_commands(&n);
	const char *what = argc > 1 ? argv[1] : "";
	if (!strcmp(what, "man"))
		gen_man(stdout, cmds, n);
	else if (!strcmp(what, "bash"))
		gen_bash(stdout, cmds, n);
	else if (!strcmp(what, "zsh"))
		gen_zsh(stdout, cmds, n);
	else {
		cprof__error("__gen: want man, bash or zsh");
		return 2;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cprof__error("__gen: writing: %s", strerror(errno));
		return 1;
	}
	return 0;
}
