/*
 * internal.h — shared between the report modules (report.c, filter.c,
 * graph.c, top.c); not for the CLI.
 */
#ifndef CPROF_REPORT_INTERNAL_H
#define CPROF_REPORT_INTERNAL_H

#include "compat.h"
#include "report/report.h"

#include <regex.h>

/* pprof's graph.NodeInfo; strings are ids in cprof__report.strs (0 = ""). */
typedef struct cprof__ninfo {
	int64_t name, orig, file, objfile;
	uint64_t address;
	int64_t start_line, lineno;
} cprof__ninfo;

typedef struct cprof__gnode {
	cprof__ninfo info;
	int64_t flat, flatdiv, cum, cumdiv;
	bool kept;                   /* in the current kept set */
	bool listed;                 /* non-zero in the current graph */
	bool in_inline, in_noinline; /* incoming edges after edge trimming */
	bool peeked;                 /* matches peek's regexp (see edges_peeked) */
	const char *pname;           /* PrintableName, lazily: malloc'd, or the name's own
			    * string in strs when that is all of it */
	/* Call tree (r->tree): 1 + the parent tree node the node was created
	 * under (pprof's per-parent NodeMap), 0 for roots and graph nodes;
	 * nodes of one function share it (callgrind's Node.Function). */
	uint32_t ctx;
} cprof__gnode;

typedef struct cprof__gedge {
	uint32_t src, dst;
	int64_t weight, weightdiv;
	uint32_t stamp;
	bool inline_, residual;
	bool dropped; /* below edgefraction */
} cprof__gedge;

/* A node's tag (pprof's graph.Tag): label tags are keyed by the sample's
 * joined labels (lset), numeric ("bytes") tags by (lset, formatted value). */
typedef struct cprof__gtag {
	uint32_t node;
	bool numeric;
	bool dropped;  /* below nodefraction */
	int64_t lset;  /* strs id of the joined "k:v\\nk:v" labels */
	int64_t name;  /* strs id; == lset for label tags */
	int64_t value; /* numeric tags */
	const char *unit;
	int64_t flat, flatdiv, cum, cumdiv;
} cprof__gtag;

struct cprof__report {
	cprof__profile *p;
	cprof__report_opts o;
	size_t vi;         /* sample value index */
	bool has_mean;     /* divisor = value[0] */
	char *stype;       /* "Type:" (with "mean_" prefix) */
	const char *sunit; /* sample unit (string of p) */
	int64_t total;
	char out_unit[32];
	char **filters; /* "focus=re" for "Active filters:" */
	size_t nfilters;

	/* Graph state (graph.c). */
	cprof__profile strs;            /* interned node strings */
	int64_t *func_name, *func_file; /* per function: ids in strs */
	int64_t *map_file;              /* per mapping */
	uint32_t *loc_off;              /* per location: into locnode */
	uint32_t *loc_n;
	int32_t *locnode; /* node index per (location, line) */
	size_t nlocnode;
	bool has_inline; /* some location has more than one node */
	/* Call tree (-call_tree with -dot or -callgrind): nodes [0, nbase) are
	 * the granularity's NodeInfos, never listed; the tree's nodes follow,
	 * one per (parent, NodeInfo), found through trhash. */
	bool tree;
	size_t nbase;
	uint32_t *trhash; /* node index + 1; open addressing */
	size_t trhcap;
	/* Peek prints only the edges of the nodes it matches: the graph is
	 * built with those alone (a big profile has millions of others). */
	bool edges_peeked;
	cprof__gnode *nodes;
	size_t nnodes, cnodes;
	uint32_t *nhash; /* node index + 1; open addressing */
	size_t nhcap;
	cprof__gedge *edges;
	size_t nedges, cedges;
	uint32_t *ehash;
	size_t ehcap;
	size_t tag_loc_first; /* first location added by -tagroot/-tagleaf */
	cprof__gtag *tags;    /* visual mode only */
	size_t ntags, ctags;
	uint32_t *thash;
	size_t thcap;
	int64_t *sample_lset; /* per sample, joined labels (visual mode) */
	const char *bytes_unit;
	uint32_t *list; /* the current graph's nodes (indices), sorted */
	size_t nlist;
	bool oom;
};

/* Go's int64 arithmetic wraps; C's overflows are undefined (and x86 traps on
 * INT64_MIN / -1).  Sums of sample values use these, as hostile profiles
 * carry huge values. */
static inline int64_t cprof__wadd(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}
static inline int64_t cprof__wmul(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a * (uint64_t)b);
}
static inline int64_t cprof__wabs(int64_t a)
{
	return a < 0 ? (int64_t)(0 - (uint64_t)a) : a;
}
/* Go's int64(float64) on amd64: out of range and NaN give INT64_MIN (a C
 * cast would be undefined). */
static inline int64_t cprof__f2i(double d)
{
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)d;
}

/* v / div as pprof's FlatValue()/CumValue(): v when div is 0. */
static inline int64_t cprof__wdiv(int64_t v, int64_t div)
{
	if (div == 0)
		return v;
	if (div == -1)
		return (int64_t)(0 - (uint64_t)v);
	return v / div;
}

/* Value of sample value vector v under the report's selection. */
static inline int64_t cprof__rvalue(const cprof__report *r, const int64_t *v)
{
	return v[r->vi];
}

/* report.c: how a report that streamed to `out` ended: 0, or -1 with "out
 * of memory" (oom) or "write error" (out's error flag) in err. */
int cprof__report_end(FILE *out, bool oom, char *err, size_t errlen);

/* filter.c: focus/ignore/hide/show/show_from/prune_from/tag filters, in
 * place on r->p.  0 or -1 (bad regex, message in err). */
int cprof__report_filter(cprof__report *r, char *err, size_t errlen);

/* filter.c: pprof's RemoveUninteresting (the profile's drop_frames and
 * keep_frames), in place.  0 or -1 (bad regex). */
int cprof__report_prune(cprof__report *r, char *err, size_t errlen);

/* filter.c: pprof's -tagroot/-tagleaf: label values as pseudo frames at the
 * root / leaf of every sample, in place.  0 or -1 (OOM). */
int cprof__report_tagroots(cprof__report *r, char *err, size_t errlen);

/* pprof's simplifyFunc: function name without leading '.' and arguments. */
const char *cprof__simplify_func(const char *f, char *buf, size_t n);

/* graph.c */
/* Build nodes for every location (once) under the granularity. */
int cprof__graph_init(cprof__report *r);
/* Accumulate the samples into the nodes; only nodes with kept set count
 * (all when use_kept is false).  Edges too when want_edges.  Fills r->list
 * with the non-zero nodes (unsorted). */
int cprof__graph_build(cprof__report *r, bool use_kept, bool want_edges);
/* Sort r->list (pprof's FlatNameOrder or CumNameOrder; EntropyOrder when
 * visual). */
void cprof__graph_sort(cprof__report *r, bool cum, bool visual);
const char *cprof__node_name(cprof__report *r, cprof__gnode *n);
/* pprof's newTrimmedGraph: nodefraction, nodecount, edgefraction (and, for
 * the dot format, tags, entropy order and redundant edge removal).  Leaves the
 * final sorted list in r->list; returns origCount/dropped through pointers. */
int cprof__graph_trimmed(cprof__report *r, size_t *orig_count, size_t *dropped_nodes,
			 size_t *dropped_edges);
void cprof__graph_free(cprof__report *r);
/* Live (not dropped) edges grouped by dst (or src): idx[start[n]..start[n+1])
 * for node n; sorted in pprof's edge order when `sorted`.  Caller frees. */
int cprof__group_edges(cprof__report *r, bool by_dst, bool sorted, uint32_t **idx, size_t **start);
/* Sort edge indices in pprof's edge order (|weight| desc, src, dst names). */
void cprof__sort_edges(cprof__report *r, uint32_t *idx, size_t n);
/* Tags grouped by node, same layout.  Caller frees. */
int cprof__graph_tags_by_node(cprof__report *r, uint32_t **start, uint32_t **idx);

/* gosort.c: Go 1.19's sort.Sort on v[0..n): the same comparisons and
 * swaps, so elements that compare equal end where Go leaves them. */
typedef bool (*cprof__go_less)(uint32_t a, uint32_t b, void *ctx);
void cprof__go_sort(uint32_t *v, size_t n, cprof__go_less less, void *ctx);

/* report.c */
void cprof__select_output_unit(cprof__report *r);
/* Format a value of the report (divide_by applied) into buf. */
char *cprof__fmt_value(const cprof__report *r, char *buf, size_t n, int64_t v);
/* The flat, flat%, sum%, cum and cum% columns of a top or tree row, no
 * newline. */
void cprof__print_flat_cum(const cprof__report *r, FILE *out, int64_t flat, int64_t flat_sum,
			   int64_t cum);
/* cprof__fmt_value, but "." for 0 (the list and disasm columns). */
char *cprof__fmt_value_or_dot(const cprof__report *r, char *buf, size_t n, int64_t v);
/* Compile -list/-disasm/-tree's symbol regexp (r->o.symbol, "" when unset:
 * everything) into rx, POSIX extended, no subexpressions.  0, or -1 with
 * pprof's "parsing argument regexp" message in err (rx then not to be
 * freed). */
int cprof__symbol_regcomp(const cprof__report *r, regex_t *rx, char *err, size_t errlen);
/* Header lines (ProfileLabels) then reportLabels; written to out. */
void cprof__print_labels(cprof__report *r, FILE *out, size_t orig_count, size_t dropped_nodes,
			 size_t dropped_edges, bool full);
void cprof__print_profile_labels(cprof__report *r, FILE *out);

/* pprof's trimPath: strip -trim_path prefixes (or guess them from the
 * -source_path dirs) and /proc/self/cwd/; returns a suffix of path. */
const char *cprof__trim_path(const char *path, const char *trim, const char *search);

/* Go's filepath.Clean / filepath.Base into a malloc'd string (NULL on OOM). */
char *cprof__path_clean(const char *path);
const char *cprof__path_base(const char *path, char *buf, size_t n);

#endif
