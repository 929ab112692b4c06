/*
 * report.h — what `cprof top` (and the other text reports) compute from a
 * profile, following google/pprof's internal/report and internal/graph so
 * the output is identical to `go tool pprof`'s: sample selection, total,
 * focus/ignore/hide/show filters, granularity, node trimming, sorting, unit
 * selection and the text layouts.  docs/REPORTS.md lists the differences.
 *
 * A report works IN PLACE on the profile it is given (filters drop samples
 * and frames, like pprof does on its copy): hand it a profile you own.
 * Not thread-safe; library code: never prints except to the FILE it is given
 * (warnings go to the `warn` stream of the options, NULL = silent).
 */
#ifndef CPROF_REPORT_H
#define CPROF_REPORT_H

#include "compat.h"
#include "profile/profile.h"

#include <stdio.h>

typedef enum cprof__granularity {
	CPROF_GRAN_FUNCTIONS,
	CPROF_GRAN_FILEFUNCTIONS,
	CPROF_GRAN_FILES,
	CPROF_GRAN_LINES,
	CPROF_GRAN_ADDRESSES,
} cprof__granularity;

typedef enum cprof__report_format {
	CPROF_FMT_TEXT, /* top / text */
	CPROF_FMT_TREE, /* tree, peek (with symbol) */
	CPROF_FMT_TRACES,
	CPROF_FMT_FOLDED,
	CPROF_FMT_PROTO,
	CPROF_FMT_LIST, /* list REGEX: annotated source */
	CPROF_FMT_DOT,  /* call graph (Graphviz), also for svg/png/pdf */
	CPROF_FMT_CALLGRIND,
	CPROF_FMT_TAGS,
	CPROF_FMT_DISASM, /* disasm REGEX: annotated objdump output */
	CPROF_FMT_COMMENTS,
	CPROF_FMT_RAW,
	CPROF_FMT_TOPPROTO,
} cprof__report_format;

typedef struct cprof__report_opts {
	cprof__report_format format;
	const char *sample_index; /* NULL: default_sample_type, else the last */
	bool mean;
	bool cum_sort;
	int nodecount;       /* -1: the command's default (text: all, graphs: 80) */
	double nodefraction; /* 0.005 */
	double edgefraction; /* 0.001 */
	bool trim;           /* false: no node/edge trimming at all */
	cprof__granularity granularity;
	bool noinlines;
	const char *unit; /* "minimum" */
	double divide_by; /* 1 */
	bool relative_percentages;
	bool drop_negative;
	/* pprof's -call_tree: -dot (svg/png/pdf) and -callgrind draw one node per
	 * distinct call path instead of one per function; other reports ignore
	 * it, as pprof's do. */
	bool call_tree;
	const char *focus, *ignore, *hide, *show, *show_from, *prune_from;
	const char *tagfocus, *tagignore;
	const char *tagshow, *taghide; /* keep / drop label keys matching */
	const char *tagroot, *tagleaf; /* label keys to show as root / leaf frames */
	const char *symbol;            /* peek/list regex */
	const char *trim_path, *source_path;
	bool intel_syntax; /* disasm: Intel instead of AT&T syntax */
	/* pprof's compact_labels (on in its shell): text reports leave out the
	 * profile's File/Type/Time/Duration lines; graphs keep them. */
	bool compact_labels;
	FILE *warn; /* "Focus expression matched no samples" etc. */
} cprof__report_opts;

typedef struct cprof__report cprof__report;

/* pprof's default demangling, done as part of its symbolization: functions
 * whose name is still their system name get a simplified name (mangled C++
 * demangled without parameters and template arguments; "a::b(int)" ->
 * "a::b").  In place; 0, or -1 with "out of memory" in err. */
int cprof__report_demangle(cprof__profile *p, char *err, size_t errlen);

/* Defaults as go tool pprof has them. */
void cprof__report_opts_init(cprof__report_opts *o);

/* Prepare a report of p: select the sample value, compute the total, apply
 * the filters (p is modified).  Returns NULL with a message in err (e.g.
 * "sample_index \"x\" must be one of: [samples cpu]"). */
cprof__report *cprof__report_new(cprof__profile *p, const cprof__report_opts *o, char *err,
				 size_t errlen);
void cprof__report_free(cprof__report *r);

/* The report's total (pprof's rpt.total), in sample units. */
int64_t cprof__report_total(const cprof__report *r);

/* `-top` / `-text`: header lines and the flat/cum table.  0, or -1 on
 * allocation failure / write error (message in err). */
int cprof__report_text(cprof__report *r, FILE *out, char *err, size_t errlen);

/* The profile's header lines as pprof prints them (File:, Build ID:,
 * comments, Type:, Time:, Duration: ... Total samples = ...), one per line;
 * the interactive shell's greeting. */
void cprof__report_header(cprof__report *r, FILE *out);

/* `traces`: every sample with its labels and stack. */
int cprof__report_traces(cprof__report *r, FILE *out, char *err, size_t errlen);

/* `tree`, and `peek` when opts.symbol is set (then an error if no node
 * matches: "no matches found for regexp: RE"). */
int cprof__report_tree(cprof__report *r, FILE *out, char *err, size_t errlen);

/* Collapsed stacks: "root;...;leaf value" per distinct stack, sorted. */
int cprof__report_folded(cprof__report *r, FILE *out, char *err, size_t errlen);

/* `list`: annotated source of the functions matching opts.symbol; sources
 * are searched as pprof does (absolute paths as they are, relative ones in
 * -source_path, default the current directory, and its parents). */
int cprof__report_list(cprof__report *r, FILE *out, char *err, size_t errlen);

/* `-dot`: the call graph in Graphviz DOT, as pprof draws it. */
int cprof__report_dot(cprof__report *r, FILE *out, char *err, size_t errlen);

/* `-callgrind`: the call graph for KCachegrind. */
int cprof__report_callgrind(cprof__report *r, FILE *out, char *err, size_t errlen);

/* `disasm`: objdump disassembly of the symbols matching opts.symbol in
 * the profile's binaries, annotated with samples. */
int cprof__report_disasm(cprof__report *r, FILE *out, char *err, size_t errlen);

/* `-tags`: per label key, the value's total and each label value's share. */
int cprof__report_tags(cprof__report *r, FILE *out, char *err, size_t errlen);
/* `-comments`: the profile's comments, one per line. */
int cprof__report_comments(cprof__report *r, FILE *out, char *err, size_t errlen);

/* `-topproto`: the top nodes as a profile (values cum, flat). */
int cprof__report_topproto(cprof__report *r, int fd, char *err, size_t errlen);

/* `-raw`: pprof's Profile.String() dump. */
int cprof__report_raw(cprof__report *r, FILE *out, char *err, size_t errlen);

/* `-proto`: the filtered (and merged) profile, gzipped profile.proto, with
 * -divide_by applied to the values as pprof does.  0 or -1 (err). */
int cprof__report_proto(cprof__report *r, int fd, char *err, size_t errlen);

#endif
