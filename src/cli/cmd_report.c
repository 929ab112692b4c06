/*
 * cmd_report.c — the report commands (`cprof top`, `cprof text`, ...) with
 * go tool pprof's options.  Flags follow Go's flag syntax (-flag, --flag,
 * -flag=value, -flag value; booleans -flag or -flag=false) and may also come
 * after the profile sources.  See docs/REPORTS.md.
 */
#include "compat.h"
#include "cli/cli.h"
#include "cli/fetch.h"
#include "profio/merge.h"
#include "profile/profile.h"
#include "profile/symbolize.h"
#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

typedef struct report_args {
	cprof__report_opts o;
	const char **src, **base;
	size_t nsrc, nbase;
	bool diff_base;
	bool normalize;
	const char *output;
	const char *symbolize;
	const char *comment;
	int seconds;
	int timeout;        /* -timeout, seconds; -1: pprof's default */
	int fmt;            /* cprof__report_format, -1: the command's */
	bool want_symbol;   /* the command takes a REGEX first (peek, list) */
	const char *render; /* Graphviz output format (svg, png, pdf) or NULL */
} report_args;

enum kind { K_BOOL, K_STR, K_INT, K_FLOAT, K_GRAN, K_SI, K_FMT, K_FMTRE };

struct flag {
	const char *name;
	enum kind kind;
	size_t off; /* into report_args */
	int gran;   /* K_GRAN value; K_SI: sample index name */
	const char *si;
	const char *help;
};

#define OFF(f) offsetof(report_args, f)
static const struct flag flags[] = {
	{"top", K_FMT, 0, CPROF_FMT_TEXT, NULL, "report: top entries (default of 'top')"},
	{"text", K_FMT, 0, CPROF_FMT_TEXT, NULL, "same as -top"},
	{"traces", K_FMT, 0, CPROF_FMT_TRACES, NULL, "report: every sample with its stack"},
	{"tree", K_FMT, 0, CPROF_FMT_TREE, NULL, "report: callers and callees of every node"},
	{"peek", K_FMTRE, 0, CPROF_FMT_TREE, NULL,
	 "report: callers/callees of nodes matching regexp"},
	{"disasm", K_FMTRE, 0, CPROF_FMT_DISASM, NULL,
	 "report: annotated disassembly of matching symbols"},
	{"list", K_FMTRE, 0, CPROF_FMT_LIST, NULL,
	 "report: annotated source of functions matching regexp"},
	{"dot", K_FMT, 0, CPROF_FMT_DOT, NULL, "report: call graph in Graphviz DOT"},
	{"svg", K_FMT, 0, 100, NULL, "report: call graph as SVG (needs Graphviz)"},
	{"png", K_FMT, 0, 101, NULL, "report: call graph as PNG (needs Graphviz)"},
	{"pdf", K_FMT, 0, 102, NULL, "report: call graph as PDF (needs Graphviz)"},
	{"callgrind", K_FMT, 0, CPROF_FMT_CALLGRIND, NULL, "report: call graph for KCachegrind"},
	{"tags", K_FMT, 0, CPROF_FMT_TAGS, NULL, "report: label values and their shares"},
	{"comments", K_FMT, 0, CPROF_FMT_COMMENTS, NULL, "report: the profile's comments"},
	{"topproto", K_FMT, 0, CPROF_FMT_TOPPROTO, NULL,
	 "report: top nodes as a profile (gzipped protobuf)"},
	{"raw", K_FMT, 0, CPROF_FMT_RAW, NULL, "report: text dump of the profile"},
	{"folded", K_FMT, 0, CPROF_FMT_FOLDED, NULL, "report: collapsed stacks 'a;b;c value'"},
	{"proto", K_FMT, 0, CPROF_FMT_PROTO, NULL,
	 "report: the filtered profile (gzipped protobuf)"},
	{"cum", K_BOOL, OFF(o.cum_sort), 0, NULL, "sort by cumulative value"},
	{"flat", K_BOOL, 0, -1, NULL, "sort by flat value (default)"},
	{"nodecount", K_INT, OFF(o.nodecount), 0, NULL, "max number of nodes to show"},
	{"nodefraction", K_FLOAT, OFF(o.nodefraction), 0, NULL, "hide nodes below <f>*total"},
	{"edgefraction", K_FLOAT, OFF(o.edgefraction), 0, NULL, "hide edges below <f>*total"},
	{"trim", K_BOOL, OFF(o.trim), 0, NULL, "honor nodefraction/edgefraction/nodecount"},
	{"functions", K_GRAN, 0, CPROF_GRAN_FUNCTIONS, NULL, "aggregate at the function level"},
	{"filefunctions", K_GRAN, 0, CPROF_GRAN_FILEFUNCTIONS, NULL, "function and file"},
	{"files", K_GRAN, 0, CPROF_GRAN_FILES, NULL, "aggregate at the file level"},
	{"lines", K_GRAN, 0, CPROF_GRAN_LINES, NULL, "aggregate at the source line level"},
	{"addresses", K_GRAN, 0, CPROF_GRAN_ADDRESSES, NULL, "aggregate at the address level"},
	{"noinlines", K_BOOL, OFF(o.noinlines), 0, NULL,
	 "attribute inlined frames to their caller"},
	{"sample_index", K_STR, OFF(o.sample_index), 0, NULL,
	 "sample value to report (index or name)"},
	{"mean", K_BOOL, OFF(o.mean), 0, NULL, "average sample value over first value"},
	{"inuse_space", K_SI, 0, 0, "inuse_space", "same as -sample_index=inuse_space"},
	{"inuse_objects", K_SI, 0, 0, "inuse_objects", "same as -sample_index=inuse_objects"},
	{"alloc_space", K_SI, 0, 0, "alloc_space", "same as -sample_index=alloc_space"},
	{"alloc_objects", K_SI, 0, 0, "alloc_objects", "same as -sample_index=alloc_objects"},
	{"total_delay", K_SI, 0, 0, "delay", "same as -sample_index=delay"},
	{"contentions", K_SI, 0, 0, "contentions", "same as -sample_index=contentions"},
	{"mean_delay", K_SI, 0, 1, "delay", "same as -mean -sample_index=delay"},
	{"unit", K_STR, OFF(o.unit), 0, NULL, "output unit (minimum, auto, or e.g. ms, MB)"},
	{"divide_by", K_FLOAT, OFF(o.divide_by), 0, NULL, "divide all values by this ratio"},
	{"relative_percentages", K_BOOL, OFF(o.relative_percentages), 0, NULL,
	 "percentages relative to the focused subgraph"},
	{"drop_negative", K_BOOL, OFF(o.drop_negative), 0, NULL, "ignore negative differences"},
	{"call_tree", K_BOOL, OFF(o.call_tree), 0, NULL,
	 "graphs: a node per call path (context-sensitive call tree)"},
	{"focus", K_STR, OFF(o.focus), 0, NULL, "only samples with a frame matching regexp"},
	{"ignore", K_STR, OFF(o.ignore), 0, NULL, "drop samples with a frame matching regexp"},
	{"hide", K_STR, OFF(o.hide), 0, NULL, "drop frames matching regexp"},
	{"show", K_STR, OFF(o.show), 0, NULL, "only frames matching regexp"},
	{"show_from", K_STR, OFF(o.show_from), 0, NULL, "drop frames above the highest match"},
	{"tagfocus", K_STR, OFF(o.tagfocus), 0, NULL, "only samples with matching tags"},
	{"tagignore", K_STR, OFF(o.tagignore), 0, NULL, "drop samples with matching tags"},
	{"tagshow", K_STR, OFF(o.tagshow), 0, NULL, "only show labels with keys matching regexp"},
	{"taghide", K_STR, OFF(o.taghide), 0, NULL, "hide labels with keys matching regexp"},
	{"tagroot", K_STR, OFF(o.tagroot), 0, NULL, "label keys (a,b) to show as root frames"},
	{"tagleaf", K_STR, OFF(o.tagleaf), 0, NULL, "label keys (a,b) to show as leaf frames"},
	{"prune_from", K_STR, OFF(o.prune_from), 0, NULL, "drop frames beneath the lowest match"},
	{"normalize", K_BOOL, OFF(normalize), 0, NULL, "scale the profile to the base's total"},
	{"intel_syntax", K_BOOL, OFF(o.intel_syntax), 0, NULL, "disasm: Intel assembly syntax"},
	{"trim_path", K_STR, OFF(o.trim_path), 0, NULL, "path prefix to trim from source paths"},
	{"source_path", K_STR, OFF(o.source_path), 0, NULL, "search path for source files"},
	{"base", K_STR, 0, 1, NULL, "subtract this profile (cumulative profiles)"},
	{"diff_base", K_STR, 0, 2, NULL, "compare against this profile"},
	{"output", K_STR, OFF(output), 0, NULL, "write the report to this file"},
	{"o", K_STR, OFF(output), 0, NULL, "same as -output"},
	{"seconds", K_INT, OFF(seconds), 0, NULL, "duration for http:// sources"},
	{"timeout", K_INT, OFF(timeout), 0, NULL, "timeout in seconds for http:// sources"},
	{"symbolize", K_STR, OFF(symbolize), 0, NULL, "none: keep addresses unsymbolized"},
	{"add_comment", K_STR, OFF(comment), 0, NULL, "annotation to add to the profile"},
};

/* The value's name as usage and the man page show it; FILE, PROFILE and DIR
 * complete as files (cli.h). */
static const char *flag_arg(const struct flag *fl)
{
	static const char *const named[][2] = {
		{"output", "FILE"},        {"o", "FILE"},          {"base", "PROFILE"},
		{"diff_base", "PROFILE"},  {"source_path", "DIR"}, {"trim_path", "PREFIX"},
		{"sample_index", "INDEX"}, {"unit", "UNIT"},       {"symbolize", "MODE"},
		{"add_comment", "TEXT"},   {"tagroot", "KEYS"},    {"tagleaf", "KEYS"},
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(named); i++)
		if (!strcmp(fl->name, named[i][0]))
			return named[i][1];
	switch (fl->kind) {
	case K_STR:
	case K_FMTRE: return "REGEX";
	case K_INT: return "N";
	case K_FLOAT: return "F";
	default: return NULL;
	}
}

bool cprof__cli_report_opt(size_t i, cprof__opt *o)
{
	static char names[CPROF_ARRAY_LEN(flags)][32];
	if (i >= CPROF_ARRAY_LEN(flags))
		return false;
	snprintf(names[i], sizeof(names[i]), "-%s", flags[i].name);
	*o = (cprof__opt){names[i], flag_arg(&flags[i]), flags[i].help};
	return true;
}

static void usage(FILE *f, const char *cmd)
{
	const cprof__cmd *c = cprof__cli_command(cmd);
	if (!c) /* (never: argv[0] is a command's name) */
		c = cprof__cli_command("report");
	cprof__cli_usage(f, c);
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "T") || !strcmp(v, "true") ||
	    !strcmp(v, "TRUE") || !strcmp(v, "True"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "f") || !strcmp(v, "F") || !strcmp(v, "false") ||
		 !strcmp(v, "FALSE") || !strcmp(v, "False"))
		*out = false;
	else
		return false;
	return true;
}

/* Parse argv into a; returns 0, or 2 after printing a usage error. */
static int parse_args(int argc, char **argv, report_args *a, bool want_symbol)
{
	memset(a, 0, sizeof(*a));
	a->fmt = -1;
	a->want_symbol = want_symbol;
	cprof__report_opts_init(&a->o);
	a->seconds = -1;
	a->timeout = -1;
	a->src = calloc((size_t)argc + 1, sizeof(char *));
	a->base = calloc((size_t)argc + 1, sizeof(char *));
	if (!a->src || !a->base) {
		cprof__error("out of memory");
		return 1;
	}
	bool only_src = false, plain_base = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (only_src || arg[0] != '-' || !strcmp(arg, "-")) {
			if (a->want_symbol && !a->o.symbol)
				a->o.symbol = arg;
			else
				a->src[a->nsrc++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_src = true;
			continue;
		}
		const char *name = arg + 1 + (arg[1] == '-');
		if (!strcmp(name, "h") || !strcmp(name, "help")) {
			usage(stdout, argv[0]);
			exit(0);
		}
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		const struct flag *fl = NULL;
		for (size_t k = 0; k < CPROF_ARRAY_LEN(flags); k++)
			if (strlen(flags[k].name) == nlen && !strncmp(flags[k].name, name, nlen))
				fl = &flags[k];
		if (!fl) {
			cprof__error("unknown flag: -%.*s; run 'cprof %s -h' for the options",
				     (int)nlen, name, argv[0]);
			return 2;
		}
		const char *val = eq ? eq + 1 : NULL;
		bool isbool = fl->kind == K_BOOL || fl->kind == K_GRAN || fl->kind == K_SI ||
			      fl->kind == K_FMT;
		if (!isbool && !val) {
			if (i + 1 >= argc) {
				cprof__error("flag needs an argument: -%s", fl->name);
				return 2;
			}
			val = argv[++i];
		}
		char *base = (char *)a;
		bool b = true;
		if (isbool && val && !parse_bool(val, &b)) {
			cprof__error("invalid boolean value \"%s\" for -%s", val, fl->name);
			return 2;
		}
		char *end;
		switch (fl->kind) {
		case K_BOOL:
			if (fl->gran == -1) /* -flat */
				a->o.cum_sort = !b;
			else
				*(bool *)(base + fl->off) = b;
			break;
		case K_FMT:
			if (b) {
				a->fmt = fl->gran >= 100 ? CPROF_FMT_DOT : fl->gran;
				a->render = fl->gran >= 100 ? fl->name : NULL;
			}
			break;
		case K_FMTRE:
			a->fmt = fl->gran;
			a->o.symbol = val;
			break;
		case K_GRAN:
			if (b)
				a->o.granularity = (cprof__granularity)fl->gran;
			break;
		case K_SI:
			if (b) {
				a->o.sample_index = fl->si;
				if (fl->gran == 1)
					a->o.mean = true;
			}
			break;
		case K_STR:
			if (fl->gran == 1 || fl->gran == 2) {
				if (!*val)
					break;
				a->base[a->nbase++] = val;
				if (fl->gran == 2)
					a->diff_base = true;
				else
					plain_base = true;
				if (plain_base && a->diff_base) {
					cprof__error(
						"-base and -diff_base flags cannot both be specified");
					return 2;
				}
			} else {
				*(const char **)(base + fl->off) = val;
			}
			break;
		case K_INT: {
			errno = 0;
			long long v = strtoll(val, &end, 0);
			/* -nodecount is a Go int in pprof: any value; 0 or less (but
			 * -1, the default) and more than the nodes mean "no limit". */
			bool nodecount = fl->off == OFF(o.nodecount);
			if (nodecount && !errno && v < -1)
				v = INT32_MIN;
			if (nodecount && !errno && v > INT32_MAX)
				v = INT32_MAX;
			if (!*val || *end || errno || v < (nodecount ? INT32_MIN : -1) ||
			    v > INT32_MAX) {
				cprof__error("invalid value \"%s\" for -%s: want an integer", val,
					     fl->name);
				return 2;
			}
			*(int *)(base + fl->off) = (int)v;
			break;
		}
		case K_FLOAT: {
			double v = strtod(val, &end);
			if (!*val || *end) {
				cprof__error("invalid value \"%s\" for -%s: want a number", val,
					     fl->name);
				return 2;
			}
			*(double *)(base + fl->off) = v;
			break;
		}
		}
	}
	if (want_symbol && !a->o.symbol) {
		cprof__error("missing REGEX; usage: cprof %s [options] REGEX PROFILE...", argv[0]);
		return 2;
	}
	if (a->normalize && a->nbase == 0) {
		cprof__error("must have base profile to normalize by");
		return 2;
	}
	if (a->nsrc == 0) {
		cprof__error("no profile source specified; run 'cprof %s -h' for usage", argv[0]);
		return 2;
	}
	return 0;
}

/* run_report shows progress (progress.c); cprof web and flame, which load
 * profiles through cprof__cli_report_open, do not. */
static bool progress;

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run Graphviz `dot -T<format>` on the DOT text, writing to out.
 * 0, or -1 with a message in err. */
static int render_graphviz(const char *format, const char *dot, size_t n, FILE *out, char *err,
			   size_t errlen)
{
	fflush(out);
	return cprof__cli_graphviz(format, dot, n, fileno(out), false, err, errlen);
}

/* How a source is read: cprof__fetch_profile, or the caller's of
 * cprof__cli_report_open (cprof flame also reads folded stacks). */
static cprof__cli_fetch_fn fetch_fn = cprof__fetch_profile;

/* Fetch and merge a list of sources into p (pprof's chunkedGrab). */
static int load_all(cprof__profile *p, const char **srcs, size_t n, int seconds)
{
	char err[512];
	if (fetch_fn(p, srcs[0], seconds, err, sizeof(err)) < 0)
		return cprof__error("%s", err);
	for (size_t i = 1; i < n; i++) {
		cprof__profile q;
		cprof__profile_init(&q);
		int rc = fetch_fn(&q, srcs[i], seconds, err, sizeof(err));
		if (rc == 0)
			rc = cprof__profile_merge(p, &q, 1, err, sizeof(err));
		cprof__profile_free(&q);
		if (rc < 0)
			return cprof__error("%s", err);
	}
	return 0;
}

/* Tag every sample of p with pprof::base=true (pprof's -diff_base). */
static int add_base_label(cprof__profile *p)
{
	int64_t k = cprof__profile_str(p, "pprof::base"), v = cprof__profile_str(p, "true");
	for (size_t i = 0; i < p->sample.n; i++) {
		cprof__sample *s = &p->sample.v[i];
		if (!CPROF_VEC_GROW(p, p->label_pool, (size_t)s->nlabel + 1))
			return -1;
		cprof__label *dst = p->label_pool.v + p->label_pool.n;
		memcpy(dst, p->label_pool.v + s->label_off, s->nlabel * sizeof(*dst));
		dst[s->nlabel] = (cprof__label){.key = k, .str = v};
		s->label_off = p->label_pool.n;
		s->nlabel++;
		p->label_pool.n += s->nlabel;
	}
	return p->oom ? -1 : 0;
}

/* Symbolize addresses from local binaries (PPROF_BINARY_PATH, the
 * mapping's path, /usr/lib/debug), then demangle as pprof does; notes about
 * missing binaries on stderr.  -symbolize=none skips both, as in pprof. */
static int symbolize(cprof__profile *p, const char *mode)
{
	if (mode && !strcmp(mode, "none"))
		return 0;
	bool need = false;
	for (size_t i = 0; i < p->location.n && !need; i++)
		need = p->location.v[i].nline == 0 && p->location.v[i].mapping_id != 0;
	if (need) {
		if (progress)
			cprof__progress_stage("symbolizing");
		cprof__symbolizer *s = cprof__symbolizer_new(getenv("PPROF_BINARY_PATH"));
		cprof__buf notes;
		cprof__buf_init(&notes, 1 << 20);
		int rc = s ? cprof__symbolize_profile(s, p, &notes) : -ENOMEM;
		if (notes.len > 0 && progress)
			cprof__progress_clear();
		if (notes.len > 0)
			fprintf(stderr, "%.*s", (int)notes.len, (const char *)notes.data);
		cprof__buf_free(&notes);
		cprof__symbolizer_free(s);
		if (rc < 0)
			return cprof__error("symbolizing: out of memory");
	}
	char err[64];
	if (cprof__report_demangle(p, err, sizeof(err)) < 0)
		return cprof__error("demangling: %s", err);
	return 0;
}

/* pprof's Profile.Normalize: scale p so each sample type's total equals the
 * base's; samples whose scaled values are all zero are dropped (ScaleN). */
static void normalize(cprof__profile *p, const cprof__profile *b)
{
	size_t nt = p->sample_type.n;
	if (nt != b->sample_type.n || nt == 0)
		return;
	int64_t *bv = calloc(nt, sizeof(int64_t)), *sv = calloc(nt, sizeof(int64_t));
	double *ratio = calloc(nt, sizeof(double));
	if (!bv || !sv || !ratio)
		goto out;
	for (size_t i = 0; i < b->sample.n; i++)
		for (size_t k = 0; k < nt; k++)
			bv[k] += cprof__sample_values(b, &b->sample.v[i])[k];
	for (size_t i = 0; i < p->sample.n; i++)
		for (size_t k = 0; k < nt; k++)
			sv[k] += cprof__sample_values(p, &p->sample.v[i])[k];
	bool ones = true;
	for (size_t k = 0; k < nt; k++) {
		ratio[k] = sv[k] == 0 ? 0.0 : (double)bv[k] / (double)sv[k];
		ones = ones && ratio[k] == 1;
	}
	if (ones)
		goto out;
	size_t w = 0;
	for (size_t i = 0; i < p->sample.n; i++) {
		int64_t *v = p->value_pool.v + p->sample.v[i].value_off;
		bool keep = false;
		for (size_t k = 0; k < nt; k++)
			if (ratio[k] != 1) {
				v[k] = (int64_t)llround((double)v[k] * ratio[k]);
				keep = keep || v[k] != 0;
			}
		if (keep)
			p->sample.v[w++] = p->sample.v[i];
	}
	p->sample.n = w;
out:
	free(bv);
	free(sv);
	free(ratio);
}

/* Load sources and bases as pprof's fetchProfiles does. */
static int load_profile(cprof__profile *p, report_args *a)
{
	cprof__fetch_set_timeout(a->timeout);
	if (load_all(p, a->src, a->nsrc, a->seconds) < 0)
		return -1;
	if (a->nbase == 0)
		return symbolize(p, a->symbolize);
	cprof__profile b;
	cprof__profile_init(&b);
	int rc = load_all(&b, a->base, a->nbase, a->seconds);
	if (rc == 0 && a->diff_base && add_base_label(&b) < 0)
		rc = cprof__error("out of memory");
	char err[512];
	/* pprof merges even a single source before normalising: duplicate
	 * samples are summed first, then rounded once. */
	if (rc == 0 && a->normalize && cprof__profile_compact(p, err, sizeof(err)) < 0)
		rc = cprof__error("%s", err);
	if (rc == 0 && a->normalize)
		normalize(p, &b);
	if (rc == 0 && cprof__profile_merge(p, &b, -1, err, sizeof(err)) < 0)
		rc = cprof__error("%s", err);
	cprof__profile_free(&b);
	return rc == 0 ? symbolize(p, a->symbolize) : rc;
}

/* The shell prints a report's errors as pprof's shell does: the bare
 * message, no "cprof: " prefix, red on a terminal. */
static bool bare_errors;

static void emit_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool red = bare_errors && isatty(2);
	fputs(!bare_errors ? "cprof: " : red ? "\033[0;31m" : "", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(red ? "\n\033[0m" : "\n", stderr);
	va_end(ap);
}

/* Build the report fmt of p (modified) with options o and write it to
 * output (NULL: stdout), Graphviz-rendered when render names a format;
 * cmd (not NULL: run_report's, from nprof profiles, begun at t0) prints the
 * summary after a progress line.  0, or 1 with the error printed. */
static int emit(cprof__profile *p, const cprof__report_opts *o, int fmt, const char *render,
		const char *output, const char *cmd, size_t nprof, double t0)
{
	cprof__report *r = NULL;
	FILE *out = stdout;
	cprof__outfile of = {0};
	char err[512];
	int rc = 1;
	/* The progress line (a terminal's only) ends before anything is
	 * written to a terminal: the report would be printed over it. */
	double shown = 0;
	bool out_tty = isatty(1);
	cprof__progress_stage("building the report");
	r = cprof__report_new(p, o, err, sizeof(err));
	if (!r) {
		emit_error("%s", err);
		goto done;
	}
	if (output) {
		char oe[256];
		int fd = cprof__outfile_open(&of, output, oe, sizeof(oe));
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!f) {
			if (fd >= 0) {
				snprintf(oe, sizeof(oe), "%s", strerror(errno));
				cprof__outfile_close(&of, fd, false, NULL, 0);
			}
			emit_error("cannot write %s: %s", output, oe);
			goto done;
		}
		out = f;
		out_tty = isatty(fd);
	}
	/* Text reports are rendered in memory first: nothing is printed when
	 * the report fails half way (pprof does the same). */
	char *mbuf = NULL;
	size_t mlen = 0;
	bool direct = fmt == CPROF_FMT_PROTO || fmt == CPROF_FMT_TOPPROTO;
	/* Sample-by-sample reports can be huge and only fail on I/O or memory:
	 * they stream to the output instead of doubling the memory. */
	bool stream = fmt == CPROF_FMT_TRACES || fmt == CPROF_FMT_FOLDED || fmt == CPROF_FMT_RAW ||
		      fmt == CPROF_FMT_CALLGRIND;
	FILE *mem = (direct || stream) ? NULL : open_memstream(&mbuf, &mlen);
	if (!direct && !stream && !mem) {
		emit_error("out of memory");
		goto done;
	}
	if (direct || stream) {
		if (out_tty)
			shown = cprof__progress_end();
		else
			cprof__progress_stage("writing the report");
	}
	int wr = 0;
	switch (fmt) {
	case CPROF_FMT_TEXT: wr = cprof__report_text(r, mem, err, sizeof(err)); break;
	case CPROF_FMT_TRACES: wr = cprof__report_traces(r, out, err, sizeof(err)); break;
	case CPROF_FMT_TREE: wr = cprof__report_tree(r, mem, err, sizeof(err)); break;
	case CPROF_FMT_FOLDED: wr = cprof__report_folded(r, out, err, sizeof(err)); break;
	case CPROF_FMT_LIST: wr = cprof__report_list(r, mem, err, sizeof(err)); break;
	case CPROF_FMT_DOT: wr = cprof__report_dot(r, mem, err, sizeof(err)); break;
	case CPROF_FMT_CALLGRIND: wr = cprof__report_callgrind(r, out, err, sizeof(err)); break;
	case CPROF_FMT_DISASM: wr = cprof__report_disasm(r, mem, err, sizeof(err)); break;
	case CPROF_FMT_TOPPROTO:
		fflush(out);
		wr = cprof__report_topproto(r, fileno(out), err, sizeof(err));
		break;
	case CPROF_FMT_RAW: wr = cprof__report_raw(r, out, err, sizeof(err)); break;
	case CPROF_FMT_TAGS: wr = cprof__report_tags(r, mem, err, sizeof(err)); break;
	case CPROF_FMT_COMMENTS: wr = cprof__report_comments(r, mem, err, sizeof(err)); break;
	case CPROF_FMT_PROTO:
		fflush(out);
		wr = cprof__report_proto(r, fileno(out), err, sizeof(err));
		break;
	default:
		wr = -1;
		snprintf(err, sizeof(err), "report not implemented");
		break;
	}
	if (mem) {
		if (fclose(mem) != 0 && wr == 0) {
			wr = -1;
			snprintf(err, sizeof(err), "out of memory");
		}
		if (out_tty && shown == 0)
			shown = cprof__progress_end();
		if (wr == 0 && render)
			wr = render_graphviz(render, mbuf, mlen, out, err, sizeof(err));
		else if (wr == 0 && fwrite(mbuf, 1, mlen, out) != mlen)
			wr = -2;
		free(mbuf);
	}
	if (shown == 0)
		shown = cprof__progress_end();
	if (wr != 0 || fflush(out) != 0) {
		if (wr == -1)
			emit_error("%s", err);
		else
			emit_error("writing the report: %s", strerror(errno));
		goto done;
	}
	rc = 0;
	/* When the line was shown, a one-line summary (cprof's commands, not
	 * the shell's reports). */
	if (shown > 0 && cmd)
		fprintf(stderr, "cprof: %s: %zu samples from %zu profile%s in %.1f s\n", cmd,
			p->sample.n, nprof, nprof == 1 ? "" : "s", now_sec() - t0);
done:
	cprof__progress_end();
	if (out != stdout) {
		/* Written whole or not at all: the temporary is renamed only now. */
		int e = fclose(out) != 0 ? errno : 0;
		char ce[256];
		int c = cprof__outfile_close(&of, -1, rc == 0 && e == 0, ce, sizeof(ce));
		if (rc == 0 && (e || c)) {
			emit_error("cannot write %s: %s", output, e ? strerror(e) : ce);
			rc = 1;
		}
	}
	cprof__report_free(r);
	return rc;
}

int cprof__cli_report_emit(cprof__profile *p, const cprof__report_opts *o, const char *render,
			   const char *output)
{
	bare_errors = true;
	int rc = emit(p, o, (int)o->format, render, output, NULL, 0, 0);
	bare_errors = false;
	return rc;
}

static int run_report(int argc, char **argv, int fmt, bool want_symbol)
{
	/* `cprof [flags] SOURCE...` (main.c): pprof's spelling, whose
	 * messages name `cprof report`; with no report flag, the shell. */
	bool shell = !strcmp(argv[0], "cprof");
	if (shell)
		argv[0] = "report";
	report_args a;
	int rc = parse_args(argc, argv, &a, want_symbol);
	if (rc) {
		free(a.src);
		free(a.base);
		return rc;
	}
	if (a.fmt >= 0)
		fmt = a.fmt;
	if (fmt < 0 && !shell) {
		cprof__error("no report format given (-top, -traces, -tree, -peek RE, -folded, "
			     "-proto...); run 'cprof %s -h'",
			     argv[0]);
		free(a.src);
		free(a.base);
		return 2;
	}
	bool binary = fmt == CPROF_FMT_PROTO || fmt == CPROF_FMT_TOPPROTO ||
		      (a.render && strcmp(a.render, "svg"));
	if (binary && !a.output && isatty(1)) {
		cprof__error("refusing to write binary output to a terminal; use -output FILE");
		free(a.src);
		free(a.base);
		return 2;
	}
	a.o.format = (cprof__report_format)(fmt < 0 ? CPROF_FMT_TEXT : fmt);
	a.o.warn = stderr;
	cprof__profile p;
	cprof__profile_init(&p);
	char err[512];
	rc = 1;
	double t0 = now_sec();
	progress = true;
	cprof__progress_stage("reading profiles");
	if (load_profile(&p, &a) < 0)
		goto done;
	if (a.comment && *a.comment && CPROF_VEC_GROW(&p, p.comment, 1))
		p.comment.v[p.comment.n++] = cprof__profile_str(&p, a.comment);
	/* pprof merges even a single profile: duplicate samples summed, zero
	 * samples dropped.  Only reports that show samples one by one, and
	 * -mean's per-sample integer division, see it; the shell may show
	 * any of them. */
	if ((fmt < 0 || fmt == CPROF_FMT_TRACES || fmt == CPROF_FMT_PROTO || fmt == CPROF_FMT_RAW ||
	     a.o.mean) &&
	    a.nsrc == 1 && a.nbase == 0 && cprof__profile_compact(&p, err, sizeof(err)) < 0) {
		cprof__error("%s", err);
		goto done;
	}
	if (fmt < 0) {
		cprof__progress_end();
		progress = false;
		rc = cprof__shell(&p, &a.o, a.output, a.normalize);
		goto done;
	}
	rc = emit(&p, &a.o, fmt, a.render, a.output, argv[0], a.nsrc + a.nbase, t0);
done:
	cprof__progress_end();
	progress = false;
	cprof__profile_free(&p);
	free(a.src);
	free(a.base);
	return rc;
}

int cprof__cmd_top(int argc, char **argv)
{
	return run_report(argc, argv, CPROF_FMT_TEXT, false);
}

int cprof__cmd_traces(int argc, char **argv)
{
	return run_report(argc, argv, CPROF_FMT_TRACES, false);
}

int cprof__cmd_tree(int argc, char **argv)
{
	return run_report(argc, argv, CPROF_FMT_TREE, false);
}

int cprof__cmd_peek(int argc, char **argv)
{
	return run_report(argc, argv, CPROF_FMT_TREE, true);
}

int cprof__cmd_list(int argc, char **argv)
{
	return run_report(argc, argv, CPROF_FMT_LIST, true);
}

int cprof__cmd_disasm(int argc, char **argv)
{
	return run_report(argc, argv, CPROF_FMT_DISASM, true);
}

int cprof__cmd_report(int argc, char **argv)
{
	return run_report(argc, argv, -1, false);
}

/* For commands built on the reports (cprof flame): see cli.h. */
cprof__report *cprof__cli_report_open(int argc, char **argv, int fmt, cprof__cli_fetch_fn fetch,
				      cprof__profile *p, const char **output, int *status)
{
	report_args a;
	int rc = parse_args(argc, argv, &a, false);
	cprof__report *r = NULL;
	*status = rc ? rc : 1;
	if (rc)
		goto done;
	if (a.fmt >= 0 && a.fmt != fmt) { /* -peek=RE / -list=RE with their own format */
		cprof__error("report format flags (-top, -folded...) do not apply to 'cprof %s'",
			     argv[0]);
		*status = 2;
		goto done;
	}
	a.o.format = (cprof__report_format)fmt;
	a.o.warn = stderr;
	fetch_fn = fetch ? fetch : cprof__fetch_profile;
	rc = load_profile(p, &a);
	fetch_fn = cprof__fetch_profile;
	if (rc < 0)
		goto done;
	char err[512];
	r = cprof__report_new(p, &a.o, err, sizeof(err));
	if (!r) {
		cprof__error("%s", err);
		goto done;
	}
	*output = a.output;
	*status = 0;
done:
	free(a.src);
	free(a.base);
	return r;
}
