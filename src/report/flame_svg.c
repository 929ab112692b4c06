/*
 * flame_svg.c — the SVG flame graph of a report's merged call tree
 * (flame_tree.c), and what the HTML page (flame_html.c) shares with it:
 * the options' defaults, the colour of a frame name, the palettes, titles.
 *
 * The SVG follows flamegraph.pl's model (docs/FLAME.md): one <g> per frame
 * with a <title> tooltip, a <rect> and a label when it fits; frames narrower
 * than --minwidth are pruned before anything is written; the script
 * (web/flame_svg.js, embedded) adds zoom, search and the details line.
 */
#include "compat.h"
#include "report/flame_int.h"
#include "report/units.h"
#include "base/escape.h"
#include "base/hash.h"
#include "base/utf8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cprof__flame_opts_init(cprof__flame_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->width = 1200;
	o->frame_height = 16;
	o->fontsize = 12;
	o->minwidth = 0.1;
	o->palette = CPROF_PAL_AUTO;
}

/* ---- colours ---------------------------------------------------------- */

uint32_t cprof__flame_hash24(const char *name, size_t n)
{
	/* The mix after FNV-1a makes names that differ in their last byte
	 * differ in every colour channel. */
	return (uint32_t)(cprof__mix64(cprof__fnv1a64(name, n)) & 0xffffff);
}

void cprof__flame_color(cprof__flame_palette pal, const char *name, size_t n, int rgb[3])
{
	uint64_t h = cprof__flame_hash24(name, n);
	double v1 = (double)(h & 0xff) / 255, v2 = (double)((h >> 8) & 0xff) / 255;
	double v3 = (double)((h >> 16) & 0xff) / 255;
	switch (pal) {
	case CPROF_PAL_MEM: /* flamegraph.pl's mem: greens */
		rgb[0] = 0;
		rgb[1] = 190 + (int)(50 * v2);
		rgb[2] = (int)(210 * v1);
		break;
	case CPROF_PAL_IO: /* io: blues */
		rgb[0] = 80 + (int)(60 * v1);
		rgb[1] = rgb[0];
		rgb[2] = 190 + (int)(55 * v2);
		break;
	default: /* hot */
		rgb[0] = 205 + (int)(50 * v3);
		rgb[1] = (int)(230 * v1);
		rgb[2] = (int)(55 * v2);
		break;
	}
}

static bool contains(const char *s, const char *word)
{
	return strstr(s, word) != NULL;
}

cprof__flame_palette cprof__flame_auto_palette(const cprof__report *r, cprof__flame_palette pal)
{
	if (pal != CPROF_PAL_AUTO)
		return pal;
	const char *t = r->stype ? r->stype : "";
	const char *u = r->sunit ? r->sunit : "";
	if (contains(t, "delay") || contains(t, "contention") || contains(t, "block") ||
	    contains(t, "mutex") || contains(t, "wait") || contains(t, "lock"))
		return CPROF_PAL_IO;
	if (contains(t, "space") || contains(t, "objects") || contains(t, "alloc") ||
	    contains(t, "inuse") || contains(t, "heap") || !strcmp(u, "bytes"))
		return CPROF_PAL_MEM;
	return CPROF_PAL_HOT;
}
/* ---- SVG -------------------------------------------------------------- */

/* A frame kept for drawing. */
typedef struct sframe {
	uint32_t node;
	uint32_t depth;
	double x, w; /* left edge and width in value units */
} sframe;

/* Value with unit; counts get the sample type's name ("12 samples"). */
static void fmt_val(const cprof__report *r, char *buf, size_t n, int64_t v)
{
	cprof__fmt_value(r, buf, n, v);
	size_t len = strlen(buf);
	if (len && buf[len - 1] >= '0' && buf[len - 1] <= '9' && !cprof__units_known(r->sunit)) {
		const char *t = r->stype && *r->stype ? r->stype : "samples";
		snprintf(buf + len, n - len, " %s", t);
	}
}

static void fmt_pct(char *buf, size_t n, double v, double total)
{
	double p = total != 0 ? 100.0 * v / total : 0;
	if (p != 0 && fabs(p) < 0.01)
		snprintf(buf, n, "%.2g%%", p);
	else
		snprintf(buf, n, "%.2f%%", p);
}

/* A coordinate with at most 2 decimals, trailing zeros dropped. */
static void put_num(FILE *out, double v)
{
	char b[48];
	long long c = llround(v * 100);
	long long ip = c / 100, fp = c % 100;
	if (fp < 0)
		fp = -fp;
	if (c < 0 && ip == 0)
		fputc('-', out);
	if (fp == 0)
		snprintf(b, sizeof(b), "%lld", ip);
	else if (fp % 10 == 0)
		snprintf(b, sizeof(b), "%lld.%lld", ip, fp / 10);
	else
		snprintf(b, sizeof(b), "%lld.%02lld", ip, fp);
	fputs(b, out);
}

/* The frame's tooltip text: "name (value, pct)" or the diff form. */
static void put_title(FILE *out, const cprof__report *r, const ftree *t, uint32_t i, double total)
{
	size_t len;
	const char *nm = ftree_name(t, t->n[i].name, &len);
	int64_t v = t->val[(size_t)i * t->ncol];
	char b1[96], b2[96], b3[96], pct[48];
	cprof__xml_escape(out, nm, len);
	fmt_val(r, b1, sizeof(b1), v);
	if (!t->diff) {
		fmt_pct(pct, sizeof(pct), (double)v, total);
		fprintf(out, " (%s, %s)", b1, pct);
		return;
	}
	int64_t b = t->val[(size_t)i * t->ncol + 1];
	fmt_val(r, b2, sizeof(b2), b);
	if (v == 0 && b != 0) {
		fprintf(out, " (vanished; base %s)", b2);
		return;
	}
	fmt_pct(pct, sizeof(pct), (double)v, total);
	int64_t d = cprof__wadd(v, -b);
	fmt_val(r, b3, sizeof(b3), d);
	char rel[48] = "new";
	if (b != 0)
		snprintf(rel, sizeof(rel), "%+.1f%%", 100.0 * (double)d / (double)b);
	fprintf(out, " (%s, %s; base %s; %s%s, %s)", b1, pct, b2, d > 0 ? "+" : "", b3, rel);
}

typedef struct svgctx {
	cprof__report *r;
	const cprof__flame_opts *o;
	ftree *t;
	FILE *out;
	int64_t *w;   /* display width per node */
	double scale; /* px per value unit */
	double total; /* w[0] */
	double maxd;  /* diff: largest |change| of a non-root frame */
	int xpad, ytop, frameh, height;
	double fontw; /* average glyph width, px */
	cprof__flame_palette pal;
} svgctx;

static void diff_color(const svgctx *c, uint32_t i, int rgb[3])
{
	const ftree *t = c->t;
	int64_t v = t->val[(size_t)i * t->ncol], b = t->val[(size_t)i * t->ncol + 1];
	if (c->o->diff_self) {
		for (uint32_t ch = t->n[i].child; ch; ch = t->n[ch].next) {
			v -= t->val[(size_t)ch * t->ncol];
			b -= t->val[(size_t)ch * t->ncol + 1];
		}
	}
	double d = (double)v - (double)b;
	double m = c->maxd > 0 ? fabs(d) / c->maxd : 0;
	if (m > 1)
		m = 1;
	/* sqrt: small changes stay visible next to the biggest one. */
	m = sqrt(m);
	int fade = (int)lround(215 * (1 - m));
	if (d > 0) {
		rgb[0] = 255;
		rgb[1] = rgb[2] = 40 + fade;
	} else if (d < 0) {
		rgb[0] = rgb[1] = 40 + fade;
		rgb[2] = 255;
	} else {
		rgb[0] = rgb[1] = rgb[2] = 235;
	}
}

static void put_frame(svgctx *c, const sframe *f)
{
	FILE *out = c->out;
	const ftree *t = c->t;
	uint32_t i = f->node;
	double x = c->xpad + f->x * c->scale;
	double w = f->w * c->scale;
	double y = c->o->inverted ? c->ytop + (double)f->depth * c->frameh
				  : c->ytop + (double)(c->height - 1 - f->depth) * c->frameh;
	int rgb[3];
	size_t len;
	const char *nm = ftree_name(t, t->n[i].name, &len);
	bool vanished = t->diff && t->val[(size_t)i * t->ncol] == 0;
	if (t->diff)
		diff_color(c, i, rgb);
	else
		cprof__flame_color(c->pal, nm, len, rgb);
	fputs("<g><title>", out);
	put_title(out, c->r, t, i, (double)t->val[0]);
	fputs("</title><rect x=\"", out);
	put_num(out, x);
	fputs("\" y=\"", out);
	put_num(out, y);
	fputs("\" width=\"", out);
	put_num(out, w);
	fprintf(out, "\" height=\"%d\" fill=\"#%02x%02x%02x\"%s/>", c->frameh - 1, rgb[0], rgb[1],
		rgb[2], vanished ? " class=\"gone\"" : "");
	/* Label: as many characters as fit, ".." when cut, none under 3. */
	size_t fit = w > 6 ? (size_t)((w - 6) / c->fontw) : 0;
	if (fit >= 3) {
		size_t chars = cprof__utf8_len(nm, len);
		fputs("<text x=\"", out);
		put_num(out, x + 3);
		fputs("\" y=\"", out);
		put_num(out, y + c->frameh - 5);
		fputs("\">", out);
		if (chars <= fit) {
			cprof__xml_escape(out, nm, len);
		} else {
			cprof__xml_escape(out, nm, cprof__utf8_prefix(nm, len, fit - 2));
			fputs("..", out);
		}
		fputs("</text>", out);
	}
	fputs("</g>\n", out);
}

/* Display widths: NEW totals, plus the OLD width of vanished subtrees in a
 * diff (a node's extra = its children's extras; a vanished child brings its
 * OLD total).  Parents come before children, so one backward pass. */
static int64_t *display_widths(const ftree *t)
{
	int64_t *w = malloc(t->nn * sizeof(*w));
	int64_t *extra = t->diff ? calloc(t->nn, sizeof(*extra)) : NULL;
	if (!w || (t->diff && !extra)) {
		free(w);
		free(extra);
		return NULL;
	}
	for (size_t i = t->nn; i-- > 0;) {
		int64_t v = t->val[i * t->ncol];
		if (v < 0)
			v = 0;
		w[i] = v;
		if (!t->diff)
			continue;
		int64_t b = t->val[i * t->ncol + 1];
		if (v == 0 && b > 0)
			extra[i] = b; /* vanished: drawn at its OLD width */
		else
			w[i] = cprof__wadd(v, extra[i]);
		if (i > 0)
			extra[t->n[i].parent] = cprof__wadd(extra[t->n[i].parent], extra[i]);
		if (v == 0 && b > 0)
			w[i] = b;
	}
	free(extra);
	return w;
}

static const char *svg_bg(cprof__flame_palette pal, bool diff)
{
	if (diff)
		return "#f4f4f4";
	switch (pal) {
	case CPROF_PAL_MEM: return "#e0f5e0";
	case CPROF_PAL_IO: return "#e0e8f8";
	default: return "#eeeeb0";
	}
}

void cprof__flame_subtitle(FILE *out, cprof__report *r, const ftree *t, size_t col,
			   void (*esc)(FILE *, const char *, size_t))
{
	int64_t total = t->val[col], old = t->diff ? t->val[t->nv + col] : 0;
	const cprof__profile *p = r->p;
	char b[96], b2[96];
	fputs("Type: ", out);
	esc(out, r->stype ? r->stype : "", r->stype ? strlen(r->stype) : 0);
	if (p->duration_nanos > 0)
		fprintf(out, " \xc2\xb7 Duration: %s",
			cprof__units_label(b, sizeof(b), p->duration_nanos, "nanoseconds", "auto"));
	fmt_val(r, b, sizeof(b), total);
	fprintf(out, " \xc2\xb7 Total: %s", b);
	if (!t->diff && r->total != total) {
		/* Filters dropped samples: say of how much (the report's total). */
		char pct[32];
		const char *pc = cprof__units_pct(pct, sizeof(pct), total, r->total);
		while (*pc == ' ')
			pc++;
		cprof__fmt_value(r, b2, sizeof(b2), r->total);
		fprintf(out, " (%s of %s)", pc, b2);
	}
	if (t->diff) {
		fmt_val(r, b2, sizeof(b2), old);
		fprintf(out, " (base %s", b2);
		if (old != 0)
			fprintf(out, ", %+.1f%%",
				100.0 * ((double)total - (double)old) / (double)old);
		fputs(")", out);
	}
	for (size_t i = 0; i < r->nfilters; i++) {
		fputs(" \xc2\xb7 ", out);
		esc(out, r->filters[i], strlen(r->filters[i]));
	}
}

const char *cprof__flame_title(const cprof__flame_opts *o, bool diff)
{
	if (diff)
		return o->inverted ? "Differential Icicle Graph" : "Differential Flame Graph";
	return o->inverted ? "Icicle Graph" : "Flame Graph";
}

int cprof__report_flame_svg(cprof__report *r, const cprof__flame_opts *o, FILE *out, bool *empty,
			    char *err, size_t errlen)
{
	ftree t;
	svgctx c = {.r = r, .o = o, .out = out, .t = &t};
	sframe *fr = NULL, *stack = NULL;
	uint32_t *kids = NULL;
	int ret = -1;
	if (empty)
		*empty = false;
	memset(&t, 0, sizeof(t));
	if (r->has_mean) {
		snprintf(err, errlen, "-mean is not supported by flame graphs");
		return -1;
	}
	if (cprof__ftree_build(&t, r, NULL, 0, o->reverse) < 0)
		goto oom;
	c.w = display_widths(&t);
	if (!c.w)
		goto oom;
	c.pal = cprof__flame_auto_palette(r, o->palette);
	c.total = (double)c.w[0];
	c.xpad = 10;
	c.frameh = o->frame_height > 1 ? o->frame_height : 16;
	c.fontw = o->fontsize * 0.6;
	int width = o->width > 2 * c.xpad + 10 ? o->width : 1200;
	c.scale = c.total > 0 ? (width - 2.0 * c.xpad) / c.total : 0;
	/* Value below which a frame is not drawn. */
	double minv = o->minwidth_pct ? c.total * o->minwidth / 100
				      : (c.scale > 0 ? o->minwidth / c.scale : 0);

	/* Walk the kept frames depth first, children in name order; the frame
	 * list is the document order (preorder: a subtree is contiguous). */
	size_t nfr = 0, cfr = 0, nst = 0, cst = 64, ckids = 64;
	stack = malloc(cst * sizeof(*stack));
	kids = malloc(ckids * sizeof(*kids));
	if (!stack || !kids)
		goto oom;
	if (c.total > 0)
		stack[nst++] = (sframe){0, 0, 0, c.total};
	size_t maxdepth = 0;
	while (nst > 0) {
		sframe f = stack[--nst];
		if (nfr == cfr) {
			size_t nc = cfr ? cfr * 2 : 1024;
			sframe *n = realloc(fr, nc * sizeof(*fr));
			if (!n)
				goto oom;
			fr = n;
			cfr = nc;
		}
		fr[nfr++] = f;
		if (f.depth > maxdepth)
			maxdepth = f.depth;
		size_t k = 0;
		for (uint32_t ch = t.n[f.node].child; ch; ch = t.n[ch].next) {
			if (c.w[ch] <= 0 || (double)c.w[ch] < minv)
				continue;
			if (k == ckids) {
				uint32_t *n = realloc(kids, ckids * 2 * sizeof(*kids));
				if (!n)
					goto oom;
				kids = n;
				ckids *= 2;
			}
			kids[k++] = ch;
		}
		if (nst + k > cst) {
			size_t nc = (nst + k) * 2;
			sframe *n = realloc(stack, nc * sizeof(*stack));
			if (!n)
				goto oom;
			stack = n;
			cst = nc;
		}
		/* Children left to right from the parent's left edge; pushed in
		 * reverse so the leftmost is visited first.  Rounding never lets
		 * a child pass its parent's right edge. */
		double end = f.x + f.w, x = f.x;
		size_t m = 0;
		while (m < k && x < end)
			x += (double)c.w[kids[m++]];
		x = f.x;
		for (size_t j = 0; j < m; j++) {
			double cw = (double)c.w[kids[j]];
			if (cw > end - x)
				cw = end - x; /* never past the parent's right edge */
			stack[nst + m - 1 - j] = (sframe){kids[j], f.depth + 1, x, cw};
			x += cw;
		}
		nst += m;
	}

	/* Diff colours scale with the largest change of any non-root frame. */
	if (t.diff)
		for (size_t i = 1; i < nfr; i++) {
			uint32_t n = fr[i].node;
			double d = (double)t.val[(size_t)n * t.ncol] -
				   (double)t.val[(size_t)n * t.ncol + 1];
			if (o->diff_self) {
				for (uint32_t ch = t.n[n].child; ch; ch = t.n[ch].next)
					d -= (double)t.val[(size_t)ch * t.ncol] -
					     (double)t.val[(size_t)ch * t.ncol + 1];
			}
			if (fabs(d) > c.maxd)
				c.maxd = fabs(d);
		}

	int fs = o->fontsize > 0 ? o->fontsize : 12;
	c.height = (int)maxdepth + 1;
	c.ytop = fs * 3 + fs * 2; /* title, subtitle */
	int imgh = c.ytop + c.height * c.frameh + fs * 2 + 10;
	const char *title = o->title ? o->title : cprof__flame_title(o, t.diff);
	if (empty)
		*empty = c.total <= 0;

	fprintf(out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
		"\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\" onload=\"init(evt)\">\n"
		"<!-- Generated by cprof flame. Frames: %zu of %zu (narrower than %g%s pruned). -->\n",
		width, imgh, width, imgh, nfr, t.nn, o->minwidth, o->minwidth_pct ? "%" : " px");
	fprintf(out,
		"<defs><linearGradient id=\"bg\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		"<stop stop-color=\"#eeeeee\" offset=\"5%%\"/><stop stop-color=\"%s\" offset=\"95%%\"/>"
		"</linearGradient>"
		"<pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
		"patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#dde4ff\"/>"
		"<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#5a78ff\" stroke-width=\"3\"/>"
		"</pattern></defs>\n",
		svg_bg(c.pal, t.diff));
	fprintf(out,
		"<style type=\"text/css\">\n"
		"text{font-family:monospace;font-size:%dpx;fill:#000}\n"
		"#title{text-anchor:middle;font-size:%dpx}\n"
		"#subtitle{text-anchor:middle;fill:#555}\n"
		"#frames>g{cursor:pointer}\n"
		"#frames>g:hover>rect{stroke:#000;stroke-width:0.5}\n"
		"#frames text{pointer-events:none}\n"
		".gone{fill:url(#hatch)}\n"
		".hide{display:none}\n"
		".parent{opacity:0.5}\n"
		"#search,#ignorecase,#unzoom{cursor:pointer;fill:#333}\n"
		"#search:hover,#ignorecase:hover,#unzoom:hover{fill:#00c}\n"
		"#ignorecase.on{fill:#c00;font-weight:bold}\n"
		"</style>\n",
		fs, fs + 5);
	fprintf(out,
		"<script type=\"text/ecmascript\"><![CDATA[\n"
		"var fg = {inverted: %s, fontsize: %d, fontwidth: 0.6, xpad: %d, frameh: %d};\n"
		"%s]]></script>\n",
		o->inverted ? "true" : "false", fs, c.xpad, c.frameh, cprof__flame_svg_js);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"url(#bg)\"/>\n",
		width, imgh);
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"%d\">", width / 2, fs * 2);
	cprof__xml_escape(out, title, strlen(title));
	fprintf(out, "</text>\n<text id=\"subtitle\" x=\"%d\" y=\"%d\">", width / 2, fs * 4);
	if (o->subtitle)
		cprof__xml_escape(out, o->subtitle, strlen(o->subtitle));
	else
		cprof__flame_subtitle(out, r, &t, 0, cprof__xml_escape);
	fprintf(out, "</text>\n");
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", c.xpad,
		imgh - fs / 2 - 5);
	fprintf(out, "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n",
		c.xpad, fs * 2);
	fprintf(out, "<text id=\"search\" x=\"%d\" y=\"%d\">Search</text>\n", width - c.xpad - 110,
		fs * 2);
	fprintf(out, "<text id=\"ignorecase\" x=\"%d\" y=\"%d\">ic</text>\n", width - c.xpad - 20,
		fs * 2);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n", width - c.xpad - 110,
		imgh - fs / 2 - 5);
	if (c.total <= 0) {
		fprintf(out,
			"<text id=\"empty\" x=\"%d\" y=\"%d\" style=\"text-anchor:middle\">"
			"No samples to draw: the total is not positive.</text>\n",
			width / 2, c.ytop + c.frameh);
	}
	fprintf(out, "<g id=\"frames\">\n");
	for (size_t i = 0; i < nfr; i++)
		put_frame(&c, &fr[i]);
	fputs("</g>\n</svg>\n", out);
	ret = cprof__report_end(out, false, err, errlen);
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	free(fr);
	free(stack);
	free(kids);
	free(c.w);
	cprof__ftree_free(&t);
	return ret;
}
