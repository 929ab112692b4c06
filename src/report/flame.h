/*
 * flame.h — flame graphs of a report (`cprof flame`): the merged call tree of
 * the report's samples (after -sample_index and the focus/ignore/hide/show
 * filters), laid out and written as an interactive SVG (flamegraph.pl's
 * model: hover, click to zoom, regex search with "Matched: x%") or as one
 * self-contained HTML page (canvas).  docs/FLAME.md has the details.
 *
 * Differential graphs: when the report's profile carries pprof::base=true
 * samples (`-diff_base OLD`, values negated by the merge) the graph's widths
 * come from the other (NEW) samples and each frame is coloured by the change
 * of its total, red = grew, blue = shrank; paths that vanished keep their OLD
 * width, drawn hatched, so they stay visible.
 *
 * Library code: writes only to the FILE it is given; not thread-safe.
 */
#ifndef CPROF_REPORT_FLAME_H
#define CPROF_REPORT_FLAME_H

#include "compat.h"
#include "profile/profile.h"
#include "report/report.h"

#include <stdio.h>

typedef enum cprof__flame_palette {
	CPROF_PAL_AUTO, /* by sample type: hot (CPU), mem (space/objects), io (delay/contentions) */
	CPROF_PAL_HOT,
	CPROF_PAL_MEM,
	CPROF_PAL_IO,
} cprof__flame_palette;

typedef struct cprof__flame_opts {
	int width;            /* image width in px (1200) */
	int frame_height;     /* px per row (16) */
	int fontsize;         /* px (12) */
	double minwidth;      /* prune frames narrower than this many px (0.1)... */
	bool minwidth_pct;    /* ...or this percentage of the total */
	bool inverted;        /* icicle: root on top */
	bool reverse;         /* merge stacks from the leaves (bottom-up) */
	bool diff_self;       /* diff colour by self change instead of total change */
	const char *title;    /* NULL: "Flame Graph" / "Icicle Graph" / "Differential ..." */
	const char *subtitle; /* NULL: type, duration, total */
	cprof__flame_palette palette;
	size_t max_frames; /* HTML: cap on frames written (0: 2 000 000) */
} cprof__flame_opts;

void cprof__flame_opts_init(cprof__flame_opts *o);

/* Write the flame graph of r as SVG (XML, well-formed whatever the frame
 * names hold).  A report whose total is zero gives a valid SVG that says so
 * (and *empty is set when empty is not NULL).  0, or -1 with a message in
 * err (out of memory, write error). */
int cprof__report_flame_svg(cprof__report *r, const cprof__flame_opts *o, FILE *out, bool *empty,
			    char *err, size_t errlen);

/* The same graph as one self-contained HTML page (no network access):
 * canvas drawing, search, zoom, function table, callers/callees pivot, one
 * tree per sample type (selector), keyboard, light/dark themes.  The tree
 * is not pruned (o->minwidth is ignored) up to o->max_frames frames. */
int cprof__report_flame_html(cprof__report *r, const cprof__flame_opts *o, FILE *out, bool *empty,
			     char *err, size_t errlen);

/* The sample type names of r's profile, for a sample-type menu (cprof
 * web): *n of them, pointers into the profile (valid while r lives); *sel
 * is the index of the one r reports. */
const char *cprof__flame_sample_type(const cprof__report *r, size_t k, size_t *n, size_t *sel);

/* cprof web's stylesheet and script (web/web.css, web/web.js, embedded by
 * web/embed.sh in flame_assets.c): the look and behaviour of every page. */
extern const char cprof__web_css[];
extern const char cprof__web_js[];

/*
 * Folded ("collapsed") stacks, flamegraph.pl's input: one line per stack,
 * frames root first separated by ';', whitespace, a count, and optionally a
 * second count (a differential input "stack OLD NEW", as difffolded.pl
 * writes).  Counts may be decimal (rounded to integers).
 */

/* True if data looks like folded text rather than a binary profile: not
 * gzip/protobuf, and its first non-empty line parses as a folded line. */
bool cprof__flame_is_folded(const void *data, size_t n);

/* Build a profile from folded text into the empty profile p: sample type
 * samples/count, one function and location per distinct frame name, one
 * sample per line.  Two-count lines make a differential profile: NEW is the
 * second count, OLD the first, added as samples labelled pprof::base=true
 * with negated values (as `-diff_base` merges).  Lines that do not parse
 * are skipped and counted in *ignored (may be NULL).  0, or -1 with a
 * message in err (no valid line, out of memory). */
int cprof__flame_parse_folded(cprof__profile *p, const char *data, size_t n, size_t *ignored,
			      char *err, size_t errlen);

#endif
