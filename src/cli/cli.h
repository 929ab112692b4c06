/*
 * cli.h — shared pieces of the `cprof` command: the command table and the
 * CLI's error convention (git's): error() prints "cprof: <msg>" on stderr
 * and returns -1; a command returns its exit status.
 */
#ifndef CPROF_CLI_H
#define CPROF_CLI_H

#include "compat.h"

#include <stdbool.h>
#include <stdio.h>

/* One option of a command as its parser knows it, and as its usage, the
 * man page and the shell completions show it (usage.c): every parser with
 * options reads them from a table of its own and hands out its rows
 * through a cprof__opt_fn, so the help cannot drift from the parser. */
typedef struct cprof__opt {
	const char *name; /* with its dashes: "-o", "--heap", "-top" */
	const char *arg;  /* the value's name ("FILE", "N"); NULL: a switch.  FILE,
			   * OUT, PROFILE, DIR and PROG values complete as files */
	const char *help; /* one line */
} cprof__opt;
/* Row i of a table into *o; false past the end. */
typedef bool (*cprof__opt_fn)(size_t i, cprof__opt *o);

/* A row of the command table (main.c): the one source of `cprof help`,
 * `cprof CMD -h`, the man page and the bash and zsh completions. */
typedef struct cprof__cmd {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;               /* one line, lower case */
	const char *synopsis;              /* what follows "cprof NAME " */
	const char *description;           /* sentences; "\n\n" between paragraphs */
	cprof__opt_fn opts;                /* the command's own options, or NULL */
	bool report_opts;                  /* also takes the report options (cprof top's) */
} cprof__cmd;

/* main.c: the row of the command named name, or NULL; and the whole table. */
const cprof__cmd *cprof__cli_command(const char *name);
const cprof__cmd *cprof__cli_commands(size_t *n);

/* usage.c: print c's usage (synopsis, description, options) to f. */
void cprof__cli_usage(FILE *f, const cprof__cmd *c);
/* usage.c: `cprof __gen man|bash|zsh`: the man page cprof.1 (roff) or a
 * completion script, from the command table, on stdout.  An exit status. */
int cprof__cli_gen(int argc, char **argv);
/* The options of each command, from the table its parser reads (cmd_*.c;
 * cmd_report.c's are the report options, cprof top's). */
bool cprof__cli_report_opt(size_t i, cprof__opt *o);
bool cprof__cli_record_opt(size_t i, cprof__opt *o);
bool cprof__cli_merge_opt(size_t i, cprof__opt *o);
bool cprof__cli_benchstat_opt(size_t i, cprof__opt *o);
bool cprof__cli_flame_opt(size_t i, cprof__opt *o);
bool cprof__cli_web_opt(size_t i, cprof__opt *o);
bool cprof__cli_trace_opt(size_t i, cprof__opt *o);
/* main.c: pprof's top-level flags (-http, -no_browser) beside the report's. */
bool cprof__cli_toplevel_opt(size_t i, cprof__opt *o);

/* progress.c: a progress line on stderr while long work runs.  Only when
 * stderr is a terminal (and TERM is not dumb) and the work takes more than
 * a second: a line "cprof: STAGE... 2.3s" rewritten in place (\r) until
 * cprof__progress_end() clears it; otherwise nothing is ever printed.  The
 * first stage starts the clock; stage must stay valid until the next call.
 * end returns the seconds since the first stage if the line was shown (the
 * caller then prints its one-line summary), else 0; a stage after it starts
 * anew.  For one thread (the command's main). */
void cprof__progress_stage(const char *stage);
double cprof__progress_end(void);
/* Erase the line before printing something else on stderr (it is drawn
 * again at the next tick): cprof__error does. */
void cprof__progress_clear(void);

int cprof__error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Until called again with len 0, cprof__error on the calling thread also
 * appends its message ("cprof: ...", one per line, truncated to fit) to
 * buf[0..len), which starts empty: the web UI shows the CLI's words. */
void cprof__error_capture(char *buf, size_t len);
/* Directory holding the running cprof executable's libcprof.so
 * (../lib next to bin/, or the build directory); NULL if none found. */
const char *cprof__cli_libpath(void);

/* graphviz.c: Graphviz `dot -T<format>` run on the DOT text dot[0..n)
 * (through a temporary file, no shell), its output on out_fd, its stderr
 * ours or, when quiet, discarded.  0, or -1 with a message in err that
 * says how to install Graphviz when dot is missing. */
int cprof__cli_graphviz(const char *format, const char *dot, size_t n, int out_fd, bool quiet,
			char *err, size_t errlen);

/* Commands, one file each (src/cli/cmd_*.c). */
int cprof__cmd_record(int argc, char **argv);
int cprof__cmd_merge(int argc, char **argv);
int cprof__cmd_top(int argc, char **argv); /* cmd_report.c: top/text */
int cprof__cmd_traces(int argc, char **argv);
int cprof__cmd_tree(int argc, char **argv);
int cprof__cmd_peek(int argc, char **argv);
int cprof__cmd_list(int argc, char **argv);
int cprof__cmd_disasm(int argc, char **argv);
int cprof__cmd_report(int argc, char **argv);
int cprof__cmd_benchstat(int argc, char **argv); /* cmd_benchstat.c */
int cprof__cmd_flame(int argc, char **argv);     /* cmd_flame.c */
int cprof__cmd_web(int argc, char **argv);       /* cmd_web.c */
int cprof__cmd_trace(int argc, char **argv);     /* cmd_trace.c */

/* cmd_web.c: serve the web UI on the profiles and report options of
 * args[1..argc) (args[0] is a command name), at http ("HOST:PORT", either
 * part optional; NULL: 127.0.0.1, a free port), printing "Serving web UI on
 * URL" and starting $BROWSER when set; returns the exit status after
 * SIGINT/SIGTERM (blocks until then; args must live that long). */
int cprof__web_serve(int argc, char **args, const char *http);

/* cmd_report.c, for commands built on the reports (cmd_flame.c): parse argv
 * with the flags of `cprof top` (-h prints them and exits; report format
 * flags such as -top are refused), load, merge and symbolize the sources
 * and any -base/-diff_base profiles into p (fetch reads one source; NULL:
 * cprof__fetch_profile) and build the report in format fmt (a
 * cprof__report_format).  Returns the report (free it before p) with
 * *output the -output/-o file or NULL; or NULL, the error printed, with
 * *status the exit status. */
struct cprof__profile;
struct cprof__report;
typedef int (*cprof__cli_fetch_fn)(struct cprof__profile *p, const char *src, int seconds,
				   char *err, size_t errlen);
struct cprof__report *cprof__cli_report_open(int argc, char **argv, int fmt,
					     cprof__cli_fetch_fn fetch, struct cprof__profile *p,
					     const char **output, int *status);

/* cmd_report.c: build the report o->format of p (modified) with options
 * o and write it to output (NULL: stdout), through Graphviz `dot -T<render>`
 * when render is not NULL.  0, or 1 with the error printed. */
struct cprof__report_opts;
int cprof__cli_report_emit(struct cprof__profile *p, const struct cprof__report_opts *o,
			   const char *render, const char *output);

/* shell.c: go tool pprof's interactive shell on the loaded profile p (not
 * modified), the command line's options o and -output as the options'
 * starting values (normalized: loaded with -normalize, which only loading
 * applies, as in pprof); reads commands from stdin until quit or EOF.
 * Returns the exit status (0). */
int cprof__shell(struct cprof__profile *p, const struct cprof__report_opts *o, const char *output,
		 bool normalized);

/* Output files are written whole or not at all (outfile.c): a regular file,
 * or a new one, is written to a temporary file beside it and renamed over it
 * once complete; on failure the temporary is removed and an old file stays as
 * it was.  Anything else (/dev/stdout, /dev/full, a FIFO) is written
 * directly.  open returns an fd; close(ok) returns 0 (ok false: the
 * temporary is removed, and nothing can fail).  On failure both return -1
 * with the reason (strerror's words) in err. */
typedef struct cprof__outfile {
	char *path, *tmp; /* tmp: NULL when written directly */
} cprof__outfile;
int cprof__outfile_open(cprof__outfile *o, const char *path, char *err, size_t errlen);
int cprof__outfile_close(cprof__outfile *o, int fd, bool ok, char *err, size_t errlen);

#endif
