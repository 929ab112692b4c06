/*
 * flame_int.h — shared between flame_tree.c (the merged call tree),
 * flame_svg.c (SVG, colours, titles), flame_html.c and the generated
 * flame_assets.c; not for the CLI.
 */
#ifndef CPROF_REPORT_FLAME_INT_H
#define CPROF_REPORT_FLAME_INT_H

#include "compat.h"
#include "report/flame.h"
#include "report/internal.h"

#include <stdio.h>

/* A frame of the merged call tree.  Node 0 is the root ("all"); nodes are
 * in preorder (a subtree is a contiguous range), children form a singly
 * linked list (child, next) in name order (bytewise). */
typedef struct fnode {
	uint32_t name; /* index into ftree.names */
	uint32_t parent;
	uint32_t child; /* first child, 0 = none */
	uint32_t next;  /* next sibling, 0 = none */
} fnode;

typedef struct ftree {
	fnode *n;
	size_t nn, cap;
	/* Per node, ncol totals: for value column k, val[i*ncol + k] is NEW and,
	 * in a diff, val[i*ncol + nv + k] is OLD (positive). */
	int64_t *val;
	size_t nv, ncol;
	bool diff;
	/* Frame names, interned; names_off[i] into names_buf. */
	cprof__buf names_buf;
	size_t *names_off;
	uint32_t *names_len;
	size_t nnames, cnames;
	uint32_t *nhash; /* name index + 1 */
	size_t nhcap;
	size_t maxdepth; /* deepest stack seen (frames, without the root) */
	bool oom;
} ftree;

static inline const char *ftree_name(const ftree *t, uint32_t i, size_t *len)
{
	if (len)
		*len = t->names_len[i];
	return (const char *)t->names_buf.data + t->names_off[i];
}

/* Build the merged tree of r's samples.  cols: the sample value indexes to
 * keep (NULL: just r's selected one); reverse: leaves first.  0 or -1 (OOM). */
int cprof__ftree_build(ftree *t, cprof__report *r, const size_t *cols, size_t ncols, bool reverse);
void cprof__ftree_free(ftree *t);

/* The 24 bits of a name's hash that pick its colour (the HTML page gets
 * them, so that a function has the same colour in the SVG and the page). */
uint32_t cprof__flame_hash24(const char *name, size_t n);
/* Colour of a frame name in a palette (same name, same colour). */
void cprof__flame_color(cprof__flame_palette pal, const char *name, size_t n, int rgb[3]);
/* Palette for the report's sample type when pal is AUTO. */
cprof__flame_palette cprof__flame_auto_palette(const cprof__report *r, cprof__flame_palette pal);

/* The default title, and the subtitle (type, duration, total of value
 * column col — the report's sample type —, filters) with names escaped by
 * esc. */
const char *cprof__flame_title(const cprof__flame_opts *o, bool diff);
void cprof__flame_subtitle(FILE *out, cprof__report *r, const ftree *t, size_t col,
			   void (*esc)(FILE *, const char *, size_t));

/* Embedded assets (flame_assets.c, generated from web/ by web/embed.sh). */
extern const char cprof__flame_svg_js[];
extern const char cprof__flame_html_head[];
extern const char cprof__flame_html_tail[];

#endif
