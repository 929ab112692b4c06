/*
 * shell.c — `cprof FILE|URL...` with no report flag: go tool pprof's
 * interactive shell.  The grammar follows pprof's internal/driver
 * (interactive.go, commands.go, config.go): options are assigned with
 * NAME=VALUE and persist; a report command takes a count, focus regexps,
 * -ignore regexps, -cum and `> FILE` that apply to that command only.
 * Every report runs on a fresh copy of the loaded profile (a report filters
 * its profile in place).  Line editing, history and completion come from
 * libedit, loaded at run time (lazylib.h): without it, or when stdin is not
 * a terminal, lines are read from stdin as they are.  See docs/SHELL.md.
 */
#include "compat.h"
#include "cli/cli.h"
#include "cli/lazylib.h"
#include "profio/decode.h"
#include "profile/profile.h"
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- options (pprof's config fields) ---- */

enum okind { O_BOOL, O_INT, O_FLOAT, O_STR, O_CHOICE };

struct opt {
	const char *name;
	enum okind kind;
	const char *help;
};

/* Sorted by name, as `options` prints them. */
static const struct opt opts[] = {
	{"call_tree", O_BOOL, "Create a context-sensitive call tree"},
	{"compact_labels", O_BOOL, "Show minimal headers"},
	{"divide_by", O_FLOAT, "Ratio to divide all samples before visualization"},
	{"drop_negative", O_BOOL, "Ignore negative differences"},
	{"edgefraction", O_FLOAT, "Hide edges below <f>*total"},
	{"focus", O_STR, "Restricts to samples going through a node matching regexp"},
	{"granularity", O_CHOICE,
	 "Aggregation level: addresses, filefunctions, files, functions, "
	 "lines"},
	{"hide", O_STR, "Skips nodes matching regexp"},
	{"ignore", O_STR, "Skips paths going through any nodes matching regexp"},
	{"intel_syntax", O_BOOL, "Show assembly in Intel syntax (disasm)"},
	{"mean", O_BOOL, "Average sample value over first value (count)"},
	{"nodecount", O_INT, "Max number of nodes to show"},
	{"nodefraction", O_FLOAT, "Hide nodes below <f>*total"},
	{"noinlines", O_BOOL, "Ignore inlines"},
	{"normalize", O_BOOL,
	 "Scales profile based on the base profile (given on the command "
	 "line)"},
	{"output", O_STR, "Output filename for file-based outputs"},
	{"prune_from", O_STR, "Drops any functions below the matched frame"},
	{"relative_percentages", O_BOOL, "Show percentages relative to focused subgraph"},
	{"sample_index", O_STR, "Sample value to report (name or 0-based index)"},
	{"show", O_STR, "Only show nodes matching regexp"},
	{"show_from", O_STR, "Drops functions above the highest matched frame"},
	{"sort", O_CHOICE, "Sort order: cum or flat"},
	{"source_path", O_STR, "Search path for source files"},
	{"tagfocus", O_STR, "Restricts to samples with tags in range or matched by regexp"},
	{"taghide", O_STR, "Skip tags matching this regexp"},
	{"tagignore", O_STR, "Discard samples with tags in range or matched by regexp"},
	{"tagleaf", O_STR, "Adds pseudo stack frames for label keys at the callstack leaf"},
	{"tagroot", O_STR, "Adds pseudo stack frames for label keys at the callstack root"},
	{"tagshow", O_STR, "Only consider tags matching this regexp"},
	{"trim", O_BOOL, "Honor nodefraction/edgefraction/nodecount defaults"},
	{"trim_path", O_STR, "Path to trim from source paths before search"},
	{"unit", O_STR, "Measurement units to display (minimum, auto, or e.g. ms, MB)"},
};
#define NOPT CPROF_ARRAY_LEN(opts)

static const char *const sort_choices[] = {"cum", "flat", NULL};
static const char *const gran_choices[] = {"addresses", "filefunctions", "files",
					   "functions", "lines",         NULL};

/* help CHOICE */
static const char *const choice_help[][2] = {
	{"cum", "Sort entries based on cumulative weight"},
	{"flat", "Sort entries based on own weight"},
	{"addresses", "Aggregate at the address level"},
	{"filefunctions", "Aggregate at the function level, per file"},
	{"files", "Aggregate at the file level"},
	{"functions", "Aggregate at the function level"},
	{"lines", "Aggregate at the source code line level"},
};

/* pprof has help for the options and the choices, not for the groups'
 * names (sort, granularity): those are neither commands nor help topics. */
static bool has_help(const char *w)
{
	return strcmp(w, "sort") && strcmp(w, "granularity");
}

static const char *const *choices(const char *name)
{
	return !strcmp(name, "sort") ? sort_choices : gran_choices;
}

/* ---- report commands (pprof's pprofCommands, those cprof has) ---- */

enum special { S_NONE, S_WEB, S_WEBLIST, S_FLAME };

struct command {
	const char *name;
	int fmt;            /* cprof__report_format */
	const char *render; /* Graphviz output format, or NULL */
	const char *ext;    /* file-only output: written to profileNNN.ext */
	bool param;         /* takes a regexp first */
	enum special special;
	const char *help;
	const char *usage; /* after the name */
};

#define REPORT_USAGE " [n] [focus_regex]* [-ignore_regex]* [-cum] >f"
#define GRAPH_USAGE " [n] [focus_regex]* [-ignore_regex]* >f"
static const struct command commands[] = {
	{"callgrind", CPROF_FMT_CALLGRIND, NULL, "callgraph.out", false, S_NONE,
	 "Outputs a graph in callgrind format", GRAPH_USAGE},
	{"comments", CPROF_FMT_COMMENTS, NULL, NULL, false, S_NONE, "Output all profile comments",
	 ""},
	{"disasm", CPROF_FMT_DISASM, NULL, NULL, true, S_NONE,
	 "Output assembly listings annotated with samples",
	 " <func_regex|address> [-focus_regex]*"},
	{"dot", CPROF_FMT_DOT, NULL, NULL, false, S_NONE, "Outputs a graph in DOT format",
	 GRAPH_USAGE},
	{"flame", CPROF_FMT_TEXT, NULL, "svg", false, S_FLAME,
	 "Outputs a flame graph in SVG format (cprof flame)",
	 " [focus_regex]* [-ignore_regex]* >f"},
	{"folded", CPROF_FMT_FOLDED, NULL, NULL, false, S_NONE,
	 "Outputs collapsed stacks 'a;b;c value'", " [focus_regex]* [-ignore_regex]* >f"},
	{"gif", CPROF_FMT_DOT, "gif", "gif", false, S_NONE, "Outputs a graph image in GIF format",
	 GRAPH_USAGE},
	{"list", CPROF_FMT_LIST, NULL, NULL, true, S_NONE,
	 "Output annotated source for functions matching regexp", " <func_regex|address> >f"},
	{"pdf", CPROF_FMT_DOT, "pdf", "pdf", false, S_NONE, "Outputs a graph in PDF format",
	 GRAPH_USAGE},
	{"peek", CPROF_FMT_TREE, NULL, NULL, true, S_NONE,
	 "Output callers/callees of functions matching regexp", " func_regex"},
	{"png", CPROF_FMT_DOT, "png", "png", false, S_NONE, "Outputs a graph image in PNG format",
	 GRAPH_USAGE},
	{"proto", CPROF_FMT_PROTO, NULL, "pb.gz", false, S_NONE,
	 "Outputs the profile in compressed protobuf format", " >f"},
	{"ps", CPROF_FMT_DOT, "ps", "ps", false, S_NONE, "Outputs a graph in PS format",
	 GRAPH_USAGE},
	{"raw", CPROF_FMT_RAW, NULL, NULL, false, S_NONE,
	 "Outputs a text representation of the raw profile", ""},
	{"svg", CPROF_FMT_DOT, "svg", "svg", false, S_NONE, "Outputs a graph in SVG format",
	 GRAPH_USAGE},
	{"tags", CPROF_FMT_TAGS, NULL, NULL, false, S_NONE, "Outputs all tags in the profile",
	 " [tag_regex]* [-ignore_regex]* >f"},
	{"text", CPROF_FMT_TEXT, NULL, NULL, false, S_NONE, "Outputs top entries in text form",
	 REPORT_USAGE},
	{"top", CPROF_FMT_TEXT, NULL, NULL, false, S_NONE, "Outputs top entries in text form",
	 REPORT_USAGE},
	{"topproto", CPROF_FMT_TOPPROTO, NULL, "pb.gz", false, S_NONE,
	 "Outputs top entries in compressed protobuf format", " >f"},
	{"traces", CPROF_FMT_TRACES, NULL, NULL, false, S_NONE,
	 "Outputs all profile samples in text form", " >f"},
	{"tree", CPROF_FMT_TREE, NULL, NULL, false, S_NONE,
	 "Outputs a text rendering of call graph", REPORT_USAGE},
	{"web", CPROF_FMT_DOT, NULL, NULL, false, S_WEB,
	 "Visualize graph through web browser (cprof's web UI)",
	 " [focus_regex]* [-ignore_regex]*"},
	{"weblist", CPROF_FMT_LIST, NULL, NULL, true, S_WEBLIST,
	 "Display annotated source in a web browser (cprof's web UI)", " func_regex"},
};

/* ---- state ---- */

typedef struct shell {
	cprof__profile *p; /* as loaded: each report gets its own copy */
	bool normalized;   /* loaded with -normalize */
	char *val[NOPT];   /* current option values, owned */
	const char **fns;  /* distinct function names, for completion */
	size_t nfns;
	pid_t web_pid;      /* the web server started by `web`, or 0 */
	char web_tmp[4096]; /* its profile file */
	char web_url[320];
} shell;

static shell *sh_cur; /* for libedit's completion callback */

static int opt_index(const char *name)
{
	for (size_t i = 0; i < NOPT; i++)
		if (!strcmp(opts[i].name, name))
			return (int)i;
	return -1;
}

static const char *get(const shell *s, const char *name)
{
	return s->val[opt_index(name)];
}

static bool get_bool(const shell *s, const char *name)
{
	return !strcmp(get(s, name), "true");
}

/* The option a config word names: an option, or a choice of one (sort's
 * cum/flat, granularity's lines...); -1 if none. */
static int config_word(const char *w, bool *is_choice)
{
	int i = opt_index(w);
	*is_choice = false;
	if (i >= 0)
		return i;
	for (size_t k = 0; k < NOPT; k++)
		if (opts[k].kind == O_CHOICE)
			for (const char *const *c = choices(opts[k].name); *c; c++)
				if (!strcmp(*c, w)) {
					*is_choice = true;
					return (int)k;
				}
	return -1;
}

static void set_val(shell *s, int i, const char *v)
{
	char *d = strdup(v);
	if (!d)
		return;
	free(s->val[i]);
	s->val[i] = d;
}

/* Go's fmt.Sprint of a float64: shortest round-trip digits, %e form below
 * 1e-4 and from 1e21. */
static void go_float(char *buf, size_t n, double v)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	char *e = strchr(buf, 'e');
	if (e) {
		int exp = atoi(e + 1);
		if (exp >= -4 && exp < 21) {
			int digits = 0;
			for (const char *q = buf; q < e; q++)
				digits += *q >= '0' && *q <= '9';
			int dec = digits - 1 - exp;
			snprintf(buf, n, "%.*f", dec > 0 ? dec : 0, v);
		}
	}
}

/* Go's strconv.ParseBool, which pprof uses for choices. */
static int go_parse_bool(const char *v)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (size_t i = 0; i < 6; i++) {
		if (!strcmp(v, t[i]))
			return 1;
		if (!strcmp(v, f[i]))
			return 0;
	}
	return -1;
}

/* pprof's stringToBool for boolean options: "" means true. */
static int config_bool(const char *v)
{
	char l[8];
	size_t n = strlen(v);
	if (n >= sizeof(l))
		return -1;
	for (size_t i = 0; i <= n; i++)
		l[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
	if (!*l || !strcmp(l, "true") || !strcmp(l, "t") || !strcmp(l, "yes") || !strcmp(l, "y") ||
	    !strcmp(l, "1"))
		return 1;
	if (!strcmp(l, "false") || !strcmp(l, "f") || !strcmp(l, "no") || !strcmp(l, "n") ||
	    !strcmp(l, "0"))
		return 0;
	return -1;
}

/* The shell's errors are pprof's lines, on stderr, without the "cprof: "
 * prefix (the shell keeps going), red on a terminal as pprof's. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	bool tty = isatty(2);
	if (tty)
		fputs("\033[0;31m", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(tty ? "\n\033[0m" : "\n", stderr);
	va_end(ap);
}

/* pprof's configure(): NAME=VALUE, or a choice word with a boolean. */
static void configure(shell *s, const char *name, const char *value)
{
	bool is_choice;
	int i = config_word(name, &is_choice);
	const struct opt *o = &opts[i];
	char buf[64];
	if (is_choice) {
		if (go_parse_bool(value) == 1)
			set_val(s, i, name);
		else
			say("unknown config field \"%s\"", name);
		return;
	}
	switch (o->kind) {
	case O_CHOICE:
		for (const char *const *c = choices(o->name); *c; c++)
			if (!strcmp(*c, value)) {
				set_val(s, i, value);
				return;
			}
		say("invalid \"%s\" value \"%s\"", o->name, value);
		return;
	case O_BOOL: {
		int b = config_bool(value);
		if (b < 0) {
			say("invalid bool value \"%s\" for %s", value, o->name);
			return;
		}
		set_val(s, i, b ? "true" : "false");
		/* As in pprof, normalize is applied as the profiles are read,
		 * from the command line's -normalize; later it changes nothing. */
		if (!strcmp(o->name, "normalize"))
			say("note: normalize applies when the profiles are loaded "
			    "(cprof -normalize -diff_base=BASE ...); it is %s for this one",
			    s->normalized ? "on" : "off");
		return;
	}
	case O_INT: {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (!*value || *end || errno || v < INT_MIN || v > INT_MAX) {
			say("strconv.Atoi: parsing \"%s\": %s", value,
			    errno == ERANGE || (!*end && *value) ? "value out of range"
								 : "invalid syntax");
			return;
		}
		snprintf(buf, sizeof(buf), "%lld", v);
		set_val(s, i, buf);
		return;
	}
	case O_FLOAT: {
		char *end;
		double v = strtod(value, &end);
		if (!*value || *end) {
			say("strconv.ParseFloat: parsing \"%s\": invalid syntax", value);
			return;
		}
		go_float(buf, sizeof(buf), v);
		set_val(s, i, buf);
		return;
	}
	case O_STR: set_val(s, i, value); return;
	}
}

/* The sample type names, pprof's "[a b c]" list. */
static void sample_types(const shell *s, char *buf, size_t n)
{
	size_t w = 0;
	buf[0] = 0;
	for (size_t k = 0; k < s->p->sample_type.n && w < n; k++)
		w += (size_t)snprintf(buf + w, n - w, "%s%s", k ? " " : "",
				      cprof__profile_string(s->p, s->p->sample_type.v[k].type));
}

/* pprof's Profile.SampleIndexByName: a type's name (an "inuse_" prefix
 * ignored) or its 0-based index; the type's name, or NULL after the error. */
static const char *sample_index(const shell *s, const char *v)
{
	const cprof__profile *p = s->p;
	size_t nt = p->sample_type.n;
	char *end;
	long i = strtol(v, &end, 10);
	if (*v && !*end) {
		if (i < 0 || (size_t)i >= nt) {
			say("sample_index %s is outside the range [0..%zu]", v, nt ? nt - 1 : 0);
			return NULL;
		}
		return cprof__profile_string(p, p->sample_type.v[i].type);
	}
	const char *noinuse = strncmp(v, "inuse_", 6) ? v : v + 6;
	for (size_t k = 0; k < nt; k++) {
		const char *t = cprof__profile_string(p, p->sample_type.v[k].type);
		if (!strcmp(t, v) || !strcmp(t, noinuse))
			return t;
	}
	char types[1024];
	sample_types(s, types, sizeof(types));
	say("sample_index \"%s\" must be one of: [%s]", v, types);
	return NULL;
}

static void print_options(const shell *s)
{
	fflush(stdout); /* pprof's ui.Print: stderr */
	char types[1024];
	sample_types(s, types, sizeof(types));
	for (size_t i = 0; i < NOPT; i++) {
		const struct opt *o = &opts[i];
		if (!strcmp(o->name, "source_path"))
			continue;
		const char *v = s->val[i];
		char comment[1100] = "";
		if (o->kind == O_CHOICE) {
			size_t w = (size_t)snprintf(comment, sizeof(comment), "//: [");
			for (const char *const *c = choices(o->name); *c; c++)
				w += (size_t)snprintf(comment + w, sizeof(comment) - w, "%s%s",
						      c == choices(o->name) ? "" : " | ", *c);
			snprintf(comment + w, sizeof(comment) - w, "]");
		} else if (!strcmp(o->name, "sample_index")) {
			if (!*v && s->p->sample_type.n)
				v = cprof__profile_string(
					s->p, s->p->sample_type.v[s->p->sample_type.n - 1].type);
			snprintf(comment, sizeof(comment), "//: [%s]", types);
			for (char *c = comment + 5; (c = strchr(c, ' ')) != NULL; c += 3) {
				/* "a b" -> "a | b" */
				size_t rest = strlen(c);
				if (strlen(comment) + 2 >= sizeof(comment))
					break;
				memmove(c + 2, c, rest + 1);
				c[1] = '|';
				c[2] = ' ';
			}
		} else if (!strcmp(o->name, "nodecount") && !strcmp(v, "-1")) {
			snprintf(comment, sizeof(comment), "//: default");
		} else if (!*v) {
			v = "\"\"";
		}
		fprintf(stderr, "  %-25s = %-20s %s\n", o->name, v, comment);
	}
}

/* ---- reports ---- */

/* A file name for output that does not belong on a terminal: pprof's
 * profileNNN.ext in the current directory. */
static int away_from_tty(const char *ext, char *buf, size_t n)
{
	for (int k = 1; k < 10000; k++) {
		snprintf(buf, n, "profile%03d.%s", k, ext);
		int fd = open(buf, O_WRONLY | O_CREAT | O_EXCL, 0666);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	say("cannot create an output file profileNNN.%s here: %s", ext, strerror(errno));
	return -1;
}

/* Per-command overrides of the options (pprof's vcopy). */
typedef struct cmdcfg {
	char *focus, *ignore; /* owned, "|"-joined */
	const char *output;
	const char *sort;
	long nodecount; /* LONG_MIN: the option's */
} cmdcfg;

static void cat_regex(char **dst, const char *re)
{
	char *old = *dst, *n = NULL;
	if (old && *old && *re) {
		if (asprintf(&n, "%s|%s", old, re) < 0)
			n = NULL;
	} else {
		n = strdup(old && *old ? old : re);
	}
	free(old);
	*dst = n;
}

static const char *nz(const char *v)
{
	return v && *v ? v : NULL;
}

/* The options as cprof__report_opts; strings point into s and c. */
static void report_opts(const shell *s, const cmdcfg *c, const struct command *cmd,
			const char *param, cprof__report_opts *o)
{
	cprof__report_opts_init(o);
	o->format = (cprof__report_format)cmd->fmt;
	o->warn = stderr;
	o->call_tree = get_bool(s, "call_tree");
	o->compact_labels = get_bool(s, "compact_labels");
	o->divide_by = strtod(get(s, "divide_by"), NULL);
	o->drop_negative = get_bool(s, "drop_negative");
	o->edgefraction = strtod(get(s, "edgefraction"), NULL);
	o->nodefraction = strtod(get(s, "nodefraction"), NULL);
	o->nodecount = c->nodecount != LONG_MIN ? (int)c->nodecount : atoi(get(s, "nodecount"));
	o->intel_syntax = get_bool(s, "intel_syntax");
	o->mean = get_bool(s, "mean");
	o->noinlines = get_bool(s, "noinlines");
	o->relative_percentages = get_bool(s, "relative_percentages");
	o->trim = get_bool(s, "trim");
	o->cum_sort = !strcmp(c->sort ? c->sort : get(s, "sort"), "cum");
	const char *g = get(s, "granularity");
	o->granularity = !strcmp(g, "lines")           ? CPROF_GRAN_LINES
			 : !strcmp(g, "files")         ? CPROF_GRAN_FILES
			 : !strcmp(g, "addresses")     ? CPROF_GRAN_ADDRESSES
			 : !strcmp(g, "filefunctions") ? CPROF_GRAN_FILEFUNCTIONS
						       : CPROF_GRAN_FUNCTIONS;
	o->unit = get(s, "unit");
	o->sample_index = nz(get(s, "sample_index"));
	bool tags = !strcmp(cmd->name, "tags");
	o->focus = nz(!tags && nz(c->focus) ? c->focus : get(s, "focus"));
	o->ignore = nz(!tags && nz(c->ignore) ? c->ignore : get(s, "ignore"));
	o->tagfocus = nz(tags && nz(c->focus) ? c->focus : get(s, "tagfocus"));
	o->tagignore = nz(tags && nz(c->ignore) ? c->ignore : get(s, "tagignore"));
	o->hide = nz(get(s, "hide"));
	o->show = nz(get(s, "show"));
	o->show_from = nz(get(s, "show_from"));
	o->prune_from = nz(get(s, "prune_from"));
	o->tagshow = nz(get(s, "tagshow"));
	o->taghide = nz(get(s, "taghide"));
	o->tagroot = nz(get(s, "tagroot"));
	o->tagleaf = nz(get(s, "tagleaf"));
	o->trim_path = nz(get(s, "trim_path"));
	o->source_path = nz(get(s, "source_path"));
	o->symbol = param;
}

/* The options as command-line flags, for commands run on a file of the
 * profile (cprof web, cprof flame): argv gets at most 40 entries, owned
 * ones in own (free each). */
static int opts_argv(const cprof__report_opts *o, char **argv, char **own)
{
	int n = 0;
	const struct {
		const char *flag, *v;
	} strs[] = {
		{"focus", o->focus},
		{"ignore", o->ignore},
		{"hide", o->hide},
		{"show", o->show},
		{"show_from", o->show_from},
		{"prune_from", o->prune_from},
		{"tagfocus", o->tagfocus},
		{"tagignore", o->tagignore},
		{"tagshow", o->tagshow},
		{"taghide", o->taghide},
		{"tagroot", o->tagroot},
		{"tagleaf", o->tagleaf},
		{"sample_index", o->sample_index},
		{"unit", o->unit},
		{"trim_path", o->trim_path},
		{"source_path", o->source_path},
	};
	for (size_t k = 0; k < CPROF_ARRAY_LEN(strs); k++)
		if (strs[k].v && asprintf(&own[n], "-%s=%s", strs[k].flag, strs[k].v) >= 0) {
			argv[n] = own[n];
			n++;
		}
	static const char *const gran[] = {"-functions", "-filefunctions", "-files", "-lines",
					   "-addresses"};
	const char *fixed[] = {o->cum_sort ? "-cum" : NULL,
			       o->call_tree ? "-call_tree" : NULL,
			       o->mean ? "-mean" : NULL,
			       o->noinlines ? "-noinlines" : NULL,
			       o->drop_negative ? "-drop_negative" : NULL,
			       o->relative_percentages ? "-relative_percentages" : NULL,
			       o->trim ? NULL : "-trim=false",
			       gran[o->granularity]};
	for (size_t k = 0; k < CPROF_ARRAY_LEN(fixed); k++)
		if (fixed[k]) {
			own[n] = NULL;
			argv[n++] = (char *)fixed[k];
		}
	return n;
}

/* Remove what write_tmp made: the file, then its directory. */
static void remove_tmp(char *path)
{
	unlink(path);
	char *slash = strrchr(path, '/');
	if (slash) {
		*slash = 0;
		rmdir(path);
		*slash = '/';
	}
}

/* Write the loaded profile to PATH = profile.pb.gz in a new private
 * directory: cprof web offers the profiles beside its source as bases, and
 * alone there it offers none of $TMPDIR's.  0 or -1 (said). */
static int write_tmp(const shell *s, char *path, size_t n)
{
	static const char file[] = "/profile.pb.gz";
	const char *dir = getenv("TMPDIR");
	int w = snprintf(path, n, "%s/cprof-shell-XXXXXX", dir && *dir ? dir : "/tmp");
	if (w < 0 || (size_t)w + sizeof(file) > n) {
		say("cannot create a temporary directory: $TMPDIR is too long");
		return -1;
	}
	if (!mkdtemp(path)) {
		say("cannot create a temporary directory in %s: %s", dir && *dir ? dir : "/tmp",
		    strerror(errno));
		return -1;
	}
	memcpy(path + w, file, sizeof(file));
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int rc = fd < 0 ? -errno : cprof__profile_write_fd(s->p, fd);
	if (fd >= 0 && close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		say("cannot write %s: %s", path, strerror(-rc));
		remove_tmp(path);
		return -1;
	}
	return 0;
}

static void web_stop(shell *s)
{
	if (s->web_pid > 0) {
		kill(s->web_pid, SIGTERM);
		while (waitpid(s->web_pid, NULL, 0) < 0 && errno == EINTR)
			;
		s->web_pid = 0;
		remove_tmp(s->web_tmp);
	}
}

static void url_escape(char *dst, size_t n, const char *src)
{
	size_t w = 0;
	for (; *src && w + 4 < n; src++) {
		unsigned char ch = (unsigned char)*src;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-_.~", ch))
			dst[w++] = (char)ch;
		else
			w += (size_t)snprintf(dst + w, n - w, "%%%02X", ch);
	}
	dst[w] = 0;
}

/* `web`, `weblist`: cprof's web UI (cprof web, run in a child process so
 * that the shell goes on) on the profile with the current options, and
 * $BROWSER opened on the view.  The server runs until the shell ends or
 * the next `web`. */
static void web(shell *s, const cprof__report_opts *o, const char *view, const char *param)
{
	web_stop(s);
	if (write_tmp(s, s->web_tmp, sizeof(s->web_tmp)) < 0)
		return;
	int pfd[2];
	if (pipe(pfd) < 0) {
		say("cannot start the web UI: %s", strerror(errno));
		remove_tmp(s->web_tmp);
		return;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t shell_pid = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		say("cannot start the web UI: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		remove_tmp(s->web_tmp);
		return;
	}
	if (pid == 0) {
		/* The child serves; the shell opens the browser on the view.
		 * A shell killed outright (SIGKILL, a closed terminal's
		 * SIGHUP) cannot stop it: the kernel sends it the SIGTERM that
		 * stops cprof web when the shell dies.  Blocked from here on,
		 * so that one sent before cprof web waits for it still ends
		 * the server in order (its file removed); and a shell already
		 * gone before the request is seen after it. */
		sigset_t term;
		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigprocmask(SIG_BLOCK, &term, NULL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != shell_pid) {
			remove_tmp(s->web_tmp);
			_exit(0);
		}
		close(pfd[0]);
		dup2(pfd[1], 1);
		close(pfd[1]);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		unsetenv("BROWSER");
		char *argv[48], *own[40];
		int n = 0;
		argv[n++] = "web";
		argv[n++] = "-http=127.0.0.1:0";
		int k = opts_argv(o, argv + n, own);
		n += k;
		argv[n++] = s->web_tmp;
		argv[n] = NULL;
		int rc = cprof__cmd_web(n, argv);
		remove_tmp(s->web_tmp); /* also when the shell died of a Ctrl-C */
		_exit(rc);
	}
	close(pfd[1]);
	s->web_pid = pid;
	char line[512];
	FILE *f = fdopen(pfd[0], "r");
	const char *tag = "Serving web UI on ";
	bool ok = false;
	while (f && fgets(line, sizeof(line), f)) {
		char *u = strstr(line, tag);
		if (u) {
			u += strlen(tag);
			u[strcspn(u, "\r\n")] = 0;
			snprintf(s->web_url, sizeof(s->web_url), "%s", u);
			ok = true;
			break;
		}
	}
	if (f)
		fclose(f);
	else
		close(pfd[0]);
	if (!ok) {
		web_stop(s);
		say("cannot start the web UI (see the messages above)");
		return;
	}
	char esc[600] = "", url[1400];
	if (param)
		url_escape(esc, sizeof(esc), param);
	snprintf(url, sizeof(url), "%s%s%s%s", s->web_url, view, param ? "?p=" : "", esc);
	printf("Serving web UI on %s\n", url);
	fflush(stdout);
	const char *browser = getenv("BROWSER");
	if (browser && *browser) {
		pid_t b = fork();
		if (b == 0) {
			setsid();          /* not stopped by the shell's Ctrl-C */
			pid_t bb = fork(); /* nobody waits for the browser */
			if (bb == 0) {
				execlp(browser, browser, url, (char *)NULL);
				_exit(127);
			}
			_exit(0);
		}
		if (b > 0)
			while (waitpid(b, NULL, 0) < 0 && errno == EINTR)
				;
	}
}

/* `flame`: cprof flame on a file of the profile with the current options. */
static void flame(shell *s, const cprof__report_opts *o, const char *output)
{
	char tmp[4096];
	if (write_tmp(s, tmp, sizeof(tmp)) < 0)
		return;
	char *argv[48], *own[40];
	int n = 0;
	argv[n++] = "flame";
	int k = opts_argv(o, argv + n, own);
	n += k;
	argv[n++] = "-o";
	argv[n++] = (char *)output;
	argv[n++] = tmp;
	argv[n] = NULL;
	fflush(stdout);
	cprof__cmd_flame(n, argv);
	for (int j = 0; j < k; j++)
		free(own[j]);
	remove_tmp(tmp);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < CPROF_ARRAY_LEN(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* A report command line, pprof's parseCommandLine then generateReport. */
static void run_command(shell *s, char **tok, size_t ntok)
{
	char name[128];
	snprintf(name, sizeof(name), "%s", tok[0]);
	const struct command *cmd = find_command(name);
	const char *digits = NULL;
	if (!cmd) { /* top10: trailing digits are the count */
		size_t n = strlen(name), d = n;
		while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
			d--;
		if (d > 0 && d < n) {
			digits = tok[0] + d;
			name[d] = 0;
			cmd = find_command(name);
		}
	}
	if (!cmd) {
		bool is_choice;
		if (config_word(name, &is_choice) >= 0 && has_help(name))
			say("did you mean: %s=%s", name, ntok > 1 ? tok[1] : "<val>");
		else
			say("unrecognized command: \"%s\"", name);
		return;
	}
	size_t i = 1;
	const char *param = NULL;
	if (cmd->param) {
		if (digits) { /* pprof takes the count as the argument */
			param = digits;
			digits = NULL;
		} else if (ntok < 2) {
			say("command %s requires an argument", name);
			return;
		} else {
			param = tok[i++];
		}
	}
	cmdcfg c = {.nodecount = LONG_MIN};
	bool bad = false;
	for (int pass = digits ? 0 : 1; pass < 2; pass++) {
		size_t from = pass == 0 ? 0 : i, to = pass == 0 ? 1 : ntok;
		for (size_t k = from; k < to && !bad; k++) {
			const char *t = pass == 0 ? digits : tok[k];
			char *end;
			errno = 0;
			long long v = strtoll(t, &end, 10);
			if (*t && !*end && !errno && v >= INT32_MIN && v <= INT32_MAX &&
			    !strchr(" \t", *t)) {
				c.nodecount = (long)v;
				continue;
			}
			if (t[0] == '>') {
				const char *f = t + 1;
				if (!*f) {
					if (++k >= ntok) {
						say("unexpected end of line after >");
						bad = true;
						break;
					}
					f = tok[k];
				}
				c.output = f;
			} else if (t[0] == '-') {
				if (!strcmp(t, "-cum") || !strcmp(t, "--cum"))
					c.sort = "cum";
				else
					cat_regex(&c.ignore, t + 1);
			} else {
				cat_regex(&c.focus, t);
			}
		}
	}
	if (bad)
		goto out;
	if (c.nodecount == LONG_MIN && !strcmp(get(s, "nodecount"), "-1") &&
	    (!strcmp(name, "top") || !strcmp(name, "text")))
		c.nodecount = 10;
	if (!c.output && *get(s, "output"))
		c.output = get(s, "output");
	cprof__report_opts o;
	report_opts(s, &c, cmd, param, &o);
	if (cmd->special == S_WEB || cmd->special == S_WEBLIST) {
		web(s, &o, cmd->special == S_WEB ? "graph" : "source", param);
		goto out;
	}
	/* Files only: pprof writes them beside, never on the terminal. */
	char away[64];
	if (!c.output && cmd->ext) {
		if (away_from_tty(cmd->ext, away, sizeof(away)) < 0)
			goto out;
		c.output = away;
	}
	if (c.output) {
		fflush(stdout);
		fprintf(stderr, "Generating report in %s\n", c.output);
	}
	if (cmd->special == S_FLAME) {
		flame(s, &o, c.output);
		goto out;
	}
	cprof__profile q;
	if (cprof__profile_copy(&q, s->p) < 0) {
		say("copying the profile: out of memory");
	} else {
		cprof__cli_report_emit(&q, &o, cmd->render, c.output);
		cprof__profile_free(&q);
	}
	fflush(stdout);
out:
	free(c.focus);
	free(c.ignore);
}

/* ---- help ---- */

static void help_all(void)
{
	fprintf(stderr, "  Commands:\n");
	for (size_t i = 0; i < CPROF_ARRAY_LEN(commands); i++)
		fprintf(stderr, "    %-16s %s\n", commands[i].name, commands[i].help);
	fprintf(stderr, "    %-16s %s\n", "o/options", "List options and their current values");
	fprintf(stderr, "    %-16s %s\n", "q/quit/exit/^D", "Exit the shell");
	fprintf(stderr, "\n  Options:\n");
	for (size_t i = 0; i < NOPT; i++)
		if (opts[i].kind != O_CHOICE)
			fprintf(stderr, "    %-16s %s\n", opts[i].name, opts[i].help);
	fprintf(stderr, "\n  Option groups (only set one per group):\n");
	for (size_t i = 0; i < NOPT; i++)
		if (opts[i].kind == O_CHOICE) {
			fprintf(stderr, "    %s\n", opts[i].name);
			for (const char *const *c = choices(opts[i].name); *c; c++)
				for (size_t k = 0; k < CPROF_ARRAY_LEN(choice_help); k++)
					if (!strcmp(choice_help[k][0], *c))
						fprintf(stderr, "      %-14s %s\n", *c,
							choice_help[k][1]);
		}
	fprintf(stderr, "  :   Clear focus/ignore/hide/tagfocus/tagignore\n\n"
			"  type \"help <cmd|option>\" for more information\n\n");
}

static void help(const char *topic)
{
	fflush(stdout); /* pprof's ui.Print: stderr */
	if (!*topic) {
		help_all();
		return;
	}
	const struct command *c = find_command(topic);
	if (c) {
		fprintf(stderr, "%s\n  Usage:\n    %s%s\n", c->help, c->name, c->usage);
		if (!strcmp(c->usage, REPORT_USAGE) || !strcmp(c->usage, GRAPH_USAGE))
			fprintf(stderr, "    Include up to n samples\n"
					"    Include samples matching focus_regex, and exclude "
					"ignore_regex.\n");
		if (!strcmp(c->usage, REPORT_USAGE))
			fprintf(stderr, "    -cum sorts the output by cumulative weight\n");
		if (strstr(c->usage, ">f"))
			fprintf(stderr, "    Optionally save the report on the file f\n");
		fprintf(stderr, "\n");
		return;
	}
	bool is_choice;
	int i = config_word(topic, &is_choice);
	if (i >= 0 && has_help(topic)) {
		const char *h = opts[i].help;
		for (size_t k = 0; is_choice && k < CPROF_ARRAY_LEN(choice_help); k++)
			if (!strcmp(choice_help[k][0], topic))
				h = choice_help[k][1];
		fprintf(stderr, "%s\n\n", h);
		return;
	}
	say("Unknown command: %s", topic);
}

/* ---- completion (libedit) ---- */

static struct {
	char *(*readline)(const char *);
	int (*add_history)(const char *);
	int (*read_history)(const char *);
	int (*write_history)(const char *);
	int (*history_truncate_file)(const char *, int);
	void (*using_history)(void);
	char **(*completion_matches)(const char *, char *(*)(const char *, int));
	/* variables of libedit, by address */
	char **(**attempted)(const char *, int, int); /* rl_attempted_completion_function */
	char **line_buffer;
	int *append_character;
	const char **readline_name;
} rl;

/* Candidates of the word being completed, filled by complete(). */
static struct {
	const char **v;
	size_t n, next;
	char *replace; /* a unique function-name match, replacing the word */
} cand;

static void cand_add(const char *w)
{
	const char **v = realloc(cand.v, (cand.n + 1) * sizeof(*v));
	if (v) {
		cand.v = v;
		cand.v[cand.n++] = w;
	}
}

static char *cand_next(const char *text, int state)
{
	(void)text;
	if (state == 0)
		cand.next = 0;
	if (cand.replace) {
		char *r = state == 0 ? cand.replace : NULL;
		cand.replace = NULL;
		return r;
	}
	return cand.next < cand.n ? strdup(cand.v[cand.next++]) : NULL;
}

static void words_prefixed(const char *text)
{
	size_t tl = strlen(text);
	for (size_t i = 0; i < CPROF_ARRAY_LEN(commands); i++)
		if (!strncmp(commands[i].name, text, tl))
			cand_add(commands[i].name);
	static const char *const builtins[] = {"help", "options", "quit", "exit"};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(builtins); i++)
		if (!strncmp(builtins[i], text, tl))
			cand_add(builtins[i]);
	for (size_t i = 0; i < NOPT; i++) {
		if (!strncmp(opts[i].name, text, tl))
			cand_add(opts[i].name);
		if (opts[i].kind == O_CHOICE)
			for (const char *const *c = choices(opts[i].name); *c; c++)
				if (!strncmp(*c, text, tl))
					cand_add(*c);
	}
}

/* pprof's completer: the first word (and help's argument) from commands
 * and options by prefix; a report command's other words from the
 * profile's function names: a unique name containing the word replaces it
 * (after a '-': an ignore regexp), else the names it prefixes are listed. */
static char **complete(const char *text, int start, int end)
{
	(void)end;
	shell *s = sh_cur;
	const char *line = *rl.line_buffer ? *rl.line_buffer : "";
	char first[64] = "";
	int nwords = 0;
	for (int i = 0; i < start;) {
		while (i < start && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= start)
			break;
		int j = i;
		while (j < start && line[j] != ' ' && line[j] != '\t')
			j++;
		if (nwords == 0)
			snprintf(first, sizeof(first), "%.*s", j - i, line + i);
		nwords++;
		i = j;
	}
	cand.n = 0;
	cand.replace = NULL;
	*rl.append_character = ' ';
	if (nwords == 0 || (nwords == 1 && !strcmp(first, "help"))) {
		words_prefixed(text);
	} else if (find_command(first) && strcmp(first, "tags")) {
		bool neg = text[0] == '-';
		const char *sub = text + neg;
		const char *found = NULL;
		size_t nfound = 0;
		for (size_t i = 0; i < s->nfns; i++)
			if (strstr(s->fns[i], sub)) {
				found = s->fns[i];
				nfound++;
			}
		if (nfound == 1 && asprintf(&cand.replace, "%s%s", neg ? "-" : "", found) < 0)
			cand.replace = NULL;
		if (nfound > 1)
			for (size_t i = 0; i < s->nfns; i++)
				if (!strncmp(s->fns[i], sub, strlen(sub)) && !neg)
					cand_add(s->fns[i]);
	}
	if (!cand.replace && cand.n == 0)
		return NULL;
	/* A unique option that takes a value completes to "NAME=". */
	int oi = cand.n == 1 && !cand.replace ? opt_index(cand.v[0]) : -1;
	if (oi >= 0 && opts[oi].kind != O_BOOL && nwords == 0)
		*rl.append_character = '=';
	return rl.completion_matches(text, cand_next);
}

static int load_libedit(void)
{
	static const char *const sonames[] = {"libedit.so.2", "libedit.so", NULL};
	void *attempted = NULL, *line_buffer = NULL, *append = NULL, *name = NULL;
	const cprof__lazy_fn fns[] = {
		{"readline", &rl.readline},
		{"add_history", &rl.add_history},
		{"read_history", &rl.read_history},
		{"write_history", &rl.write_history},
		{"history_truncate_file", &rl.history_truncate_file},
		{"using_history", &rl.using_history},
		{"rl_completion_matches", &rl.completion_matches},
		/* variables: their addresses */
		{"rl_attempted_completion_function", &attempted},
		{"rl_line_buffer", &line_buffer},
		{"rl_completion_append_character", &append},
		{"rl_readline_name", &name},
	};
	char err[256];
	if (cprof__lazy_load(sonames, "libedit", fns, CPROF_ARRAY_LEN(fns), err, sizeof(err)) < 0)
		return -1;
	rl.attempted = attempted;
	rl.line_buffer = line_buffer;
	rl.append_character = append;
	rl.readline_name = name;
	return 0;
}

/* ---- the loop ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void function_names(shell *s)
{
	const cprof__profile *p = s->p;
	s->fns = calloc(p->function.n + 1, sizeof(*s->fns));
	if (!s->fns)
		return;
	for (size_t i = 0; i < p->function.n; i++)
		s->fns[s->nfns++] = cprof__profile_string(p, p->function.v[i].name);
	qsort(s->fns, s->nfns, sizeof(*s->fns), cmp_str);
	size_t w = 0;
	for (size_t i = 0; i < s->nfns; i++)
		if (*s->fns[i] && (w == 0 || strcmp(s->fns[w - 1], s->fns[i])))
			s->fns[w++] = s->fns[i];
	s->nfns = w;
}

/* The starting values: pprof's defaults, or the command line's flags. */
static void init_options(shell *s, const cprof__report_opts *o, const char *output, bool normalized)
{
	const struct {
		const char *name, *v;
	} strs[] = {
		{"focus", o->focus},         {"ignore", o->ignore},
		{"hide", o->hide},           {"show", o->show},
		{"show_from", o->show_from}, {"prune_from", o->prune_from},
		{"tagfocus", o->tagfocus},   {"tagignore", o->tagignore},
		{"tagshow", o->tagshow},     {"taghide", o->taghide},
		{"tagroot", o->tagroot},     {"tagleaf", o->tagleaf},
		{"trim_path", o->trim_path}, {"source_path", o->source_path},
		{"unit", o->unit},           {"output", output},
	};
	const struct {
		const char *name;
		bool v;
	} bools[] = {
		{"call_tree", o->call_tree},
		{"drop_negative", o->drop_negative},
		{"intel_syntax", o->intel_syntax},
		{"mean", o->mean},
		{"noinlines", o->noinlines},
		{"relative_percentages", o->relative_percentages},
		{"trim", o->trim},
		{"compact_labels", true}, /* pprof's shell */
		{"normalize", normalized},
	};
	const struct {
		const char *name;
		double v;
	} flts[] = {
		{"divide_by", o->divide_by},
		{"edgefraction", o->edgefraction},
		{"nodefraction", o->nodefraction},
	};
	static const char *const gran[] = {"functions", "filefunctions", "files", "lines",
					   "addresses"};
	for (size_t i = 0; i < NOPT; i++)
		s->val[i] = strdup(opts[i].kind == O_BOOL ? "false" : "");
	char b[64];
	for (size_t k = 0; k < CPROF_ARRAY_LEN(strs); k++)
		set_val(s, opt_index(strs[k].name), strs[k].v ? strs[k].v : "");
	for (size_t k = 0; k < CPROF_ARRAY_LEN(bools); k++)
		set_val(s, opt_index(bools[k].name), bools[k].v ? "true" : "false");
	for (size_t k = 0; k < CPROF_ARRAY_LEN(flts); k++) {
		go_float(b, sizeof(b), flts[k].v);
		set_val(s, opt_index(flts[k].name), b);
	}
	snprintf(b, sizeof(b), "%d", o->nodecount);
	set_val(s, opt_index("nodecount"), b);
	set_val(s, opt_index("sort"), o->cum_sort ? "cum" : "flat");
	set_val(s, opt_index("granularity"), gran[o->granularity]);
	if (o->sample_index) { /* as pprof stores it: the type's name */
		const char *t = sample_index(s, o->sample_index);
		if (t)
			set_val(s, opt_index("sample_index"), t);
	}
}

static char *trim(char *t)
{
	while (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n')
		t++;
	size_t n = strlen(t);
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\t' || t[n - 1] == '\r' || t[n - 1] == '\n'))
		t[--n] = 0;
	return t;
}

/* One input after the shortcuts: an assignment, a built-in or a report.
 * Returns true for quit. */
static bool execute(shell *s, char *in)
{
	char *eq = strchr(in, '=');
	char name[128];
	snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - in) : (int)strlen(in), in);
	char *nm = trim(name);
	bool is_choice;
	int oi = config_word(nm, &is_choice);
	if (oi >= 0) {
		char *value = eq ? eq + 1 : NULL;
		if (value) {
			char *cm = NULL;
			for (char *q = value; (q = strstr(q, "//:")) != NULL; q++)
				cm = q;
			if (cm)
				*cm = 0;
			value = trim(value);
		}
		bool isbool = is_choice || opts[oi].kind == O_BOOL;
		if (!value && !isbool) {
			say("please specify a value, e.g. %s=<val>", nm);
			return false;
		}
		if (!strcmp(nm, "sample_index")) {
			const char *t = sample_index(s, value);
			if (t)
				set_val(s, oi, t);
			return false;
		}
		configure(s, nm, value ? value : "");
		return false;
	}
	char *tok[256];
	size_t ntok = 0;
	for (char *t = strtok(in, " \t\r\n"); t && ntok < CPROF_ARRAY_LEN(tok);
	     t = strtok(NULL, " \t\r\n"))
		tok[ntok++] = t;
	if (ntok == 0)
		return false;
	if (!strcmp(tok[0], "o") || !strcmp(tok[0], "options")) {
		print_options(s);
		return false;
	}
	if (!strcmp(tok[0], "exit") || !strcmp(tok[0], "quit") || !strcmp(tok[0], "q"))
		return true;
	if (!strcmp(tok[0], "help")) {
		char topic[256] = "";
		size_t w = 0;
		for (size_t k = 1; k < ntok && w < sizeof(topic); k++)
			w += (size_t)snprintf(topic + w, sizeof(topic) - w, "%s%s",
					      k > 1 ? " " : "", tok[k]);
		help(topic);
		return false;
	}
	run_command(s, tok, ntok);
	return false;
}

/* pprof's shortcuts: ":" clears the filters; a sample type's name selects
 * it (total_TYPE, mean_TYPE with -mean off / on).  Returns true for quit. */
static bool line(shell *s, char *in)
{
	in = trim(in);
	if (!strcmp(in, ":")) {
		static const char *const clear[] = {"focus", "ignore", "hide", "tagfocus",
						    "tagignore"};
		for (size_t k = 0; k < CPROF_ARRAY_LEN(clear); k++)
			set_val(s, opt_index(clear[k]), "");
		return false;
	}
	for (size_t k = 0; k < s->p->sample_type.n; k++) {
		const char *t = cprof__profile_string(s->p, s->p->sample_type.v[k].type);
		size_t tl = strlen(t);
		int mean = -1;
		if (!strcmp(in, t))
			mean = 2;
		else if (!strncmp(in, "total_", 6) && !strcmp(in + 6, t))
			mean = 0;
		else if (!strncmp(in, "mean_", 5) && !strcmp(in + 5, t))
			mean = 1;
		if (mean < 0 || tl > 200)
			continue;
		if (mean < 2)
			set_val(s, opt_index("mean"), mean ? "true" : "false");
		set_val(s, opt_index("sample_index"), t);
		return false;
	}
	return execute(s, in);
}

int cprof__shell(cprof__profile *p, const cprof__report_opts *o, const char *output,
		 bool normalized)
{
	shell s = {.p = p, .normalized = normalized};
	init_options(&s, o, output, normalized);
	function_names(&s);
	sh_cur = &s;

	/* Greeting, on stderr as pprof's: the profile's header lines. */
	{
		cprof__profile q;
		bool copied = cprof__profile_copy(&q, p) == 0;
		char err[512];
		cprof__report_opts ro;
		cmdcfg c = {.nodecount = LONG_MIN};
		report_opts(&s, &c, find_command("top"), NULL, &ro);
		ro.warn = NULL;
		cprof__report *r = copied ? cprof__report_new(&q, &ro, err, sizeof(err)) : NULL;
		if (r) {
			cprof__report_header(r, stderr);
			if (cprof__report_total(r) == 0 && p->sample_type.n > 1)
				fprintf(stderr,
					"No samples were found with the default sample value "
					"type.\nTry \"sample_index\" command to analyze different "
					"sample values.\n\n");
		}
		cprof__report_free(r);
		cprof__profile_free(&q);
		fprintf(stderr, "Entering interactive mode (type \"help\" for commands, \"o\" for "
				"options)\n");
	}

	bool edit = isatty(0) && isatty(1) && load_libedit() == 0;
	char hist[4096] = "";
	const char *home = getenv("HOME");
	if (edit) {
		*rl.readline_name = "cprof";
		*rl.attempted = complete;
		rl.using_history();
		if (home && *home) {
			snprintf(hist, sizeof(hist), "%s/.cprof_history", home);
			rl.read_history(hist);
		}
	}
	const char *prompt = "(cprof) ";
	for (;;) {
		char *in = NULL;
		if (edit) {
			in = rl.readline(prompt);
		} else {
			size_t cap = 0;
			fputs(prompt, stdout);
			fflush(stdout);
			ssize_t n = getline(&in, &cap, stdin);
			if (n < 0) {
				free(in);
				in = NULL;
			}
		}
		if (!in)
			break;
		if (edit && *trim(in)) {
			rl.add_history(in);
			if (*hist && rl.write_history(hist) == 0)
				rl.history_truncate_file(hist, 1000);
		}
		bool quit = line(&s, in);
		free(in);
		if (quit)
			break;
	}
	fflush(stdout);
	web_stop(&s);
	for (size_t i = 0; i < NOPT; i++)
		free(s.val[i]);
	free(s.fns);
	free(cand.v);
	cand.v = NULL;
	cand.n = 0;
	sh_cur = NULL;
	return 0;
}
