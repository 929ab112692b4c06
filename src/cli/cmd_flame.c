/*
 * cmd_flame.c — `cprof flame [options] PROFILE... [-o OUT]`: a flame graph
 * (interactive SVG, or one self-contained HTML page with --html) of any
 * profile cprof reads, or of folded-stack text.  The report flags of
 * `cprof top` (-sample_index, -focus/-ignore/-hide/-show, -diff_base, -base,
 * -normalize, granularity, -output...) are parsed by cmd_report.c; this
 * file only takes the flame graph's own flags out first.  See docs/FLAME.md.
 */
#include "compat.h"
#include "cli/cli.h"
#include "cli/cmd_flame.h"
#include "cli/fetch.h"
#include "profio/decode.h"
#include "profio/readfile.h"
#include "profile/profile.h"
#include "report/flame.h"
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum fkind { F_BOOL, F_INT, F_WIDTH, F_STR, F_PALETTE };

struct fflag {
	const char *name;
	enum fkind kind;
	const char *arg, *help;
};

static const struct fflag fflags[] = {
	{"html", F_BOOL, "", "one self-contained HTML page (canvas, table, pivot) instead of SVG"},
	{"width", F_INT, " PX", "image width (1200)"},
	{"height", F_INT, " PX", "height of a frame row (16)"},
	{"fontsize", F_INT, " PX", "font size (12)"},
	{"minwidth", F_WIDTH, " PX|PCT%",
	 "omit frames narrower than PX pixels (0.1) or PCT% of the total"},
	{"inverted", F_BOOL, "", "icicle graph: root at the top"},
	{"reverse", F_BOOL, "", "merge stacks from the leaves (bottom-up view)"},
	{"title", F_STR, " TEXT", "title (default: Flame Graph, Icicle Graph...)"},
	{"subtitle", F_STR, " TEXT", "subtitle (default: type, duration, total)"},
	{"colors", F_PALETTE, " NAME", "palette: hot, mem, io (default: by sample type)"},
	{"diff_self", F_BOOL, "", "with -diff_base: colour by self change (default: total change)"},
};

bool cprof__cli_flame_opt(size_t i, cprof__opt *o)
{
	static char names[CPROF_ARRAY_LEN(fflags)][24];
	if (i >= CPROF_ARRAY_LEN(fflags))
		return false;
	snprintf(names[i], sizeof(names[i]), "--%s", fflags[i].name);
	*o = (cprof__opt){names[i], *fflags[i].arg ? fflags[i].arg + 1 : NULL, fflags[i].help};
	return true;
}

static bool parse_boolv(const char *v, bool *out)
{
	if (!strcmp(v, "1") || !strcmp(v, "t") || !strcmp(v, "true") || !strcmp(v, "TRUE"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "f") || !strcmp(v, "false") || !strcmp(v, "FALSE"))
		*out = false;
	else
		return false;
	return true;
}

/* Take the flame flags out of argv; the rest goes to the report parser in
 * rargv.  0, -1 (error printed) or 1 (-h: usage printed, report's to come). */
static int parse_flame_flags(int argc, char **argv, cprof__flame_opts *o, bool *html, char **rargv,
			     int *rargc)
{
	int n = 0;
	rargv[n++] = argv[0];
	bool only_src = false;
	for (int i = 1; i < argc; i++) {
		char *arg = argv[i];
		if (only_src || arg[0] != '-' || !strcmp(arg, "-")) {
			rargv[n++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_src = true;
			rargv[n++] = arg;
			continue;
		}
		const char *name = arg + 1 + (arg[1] == '-');
		if (!strcmp(name, "h") || !strcmp(name, "help")) {
			/* the report parser prints flame's usage (usage.c) */
			rargv[n++] = arg;
			continue;
		}
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		const struct fflag *fl = NULL;
		for (size_t k = 0; k < CPROF_ARRAY_LEN(fflags); k++)
			if (strlen(fflags[k].name) == nlen && !strncmp(fflags[k].name, name, nlen))
				fl = &fflags[k];
		if (!fl) {
			rargv[n++] = arg;
			continue;
		}
		const char *val = eq ? eq + 1 : NULL;
		bool b = true;
		if (fl->kind == F_BOOL) {
			if (val && !parse_boolv(val, &b)) {
				cprof__error("invalid boolean value \"%s\" for --%s", val,
					     fl->name);
				return -1;
			}
		} else if (!val) {
			if (i + 1 >= argc) {
				cprof__error("flag needs an argument: --%s", fl->name);
				return -1;
			}
			val = argv[++i];
		}
		char *end;
		if (!strcmp(fl->name, "html")) {
			*html = b;
		} else if (!strcmp(fl->name, "inverted")) {
			o->inverted = b;
		} else if (!strcmp(fl->name, "reverse")) {
			o->reverse = b;
		} else if (!strcmp(fl->name, "diff_self")) {
			o->diff_self = b;
		} else if (fl->kind == F_INT) {
			long v = strtol(val, &end, 10);
			long lo = !strcmp(fl->name, "width") ? 100 : 4;
			if (!*val || *end || v < lo || v > 100000) {
				cprof__error(
					"invalid value \"%s\" for --%s: want an integer in [%ld, 100000]",
					val, fl->name, lo);
				return -1;
			}
			if (!strcmp(fl->name, "width"))
				o->width = (int)v;
			else if (!strcmp(fl->name, "height"))
				o->frame_height = (int)v;
			else
				o->fontsize = (int)v;
		} else if (fl->kind == F_WIDTH) {
			double v = strtod(val, &end);
			bool pct = *end == '%';
			if (!*val || (pct ? end[1] : *end) || !(v >= 0) || !isfinite(v) ||
			    (pct && v > 100)) {
				cprof__error(
					"invalid value \"%s\" for --minwidth: want pixels (0.1) or a "
					"percentage (0.5%%)",
					val);
				return -1;
			}
			o->minwidth = v;
			o->minwidth_pct = pct;
		} else if (fl->kind == F_PALETTE) {
			if (!strcmp(val, "hot"))
				o->palette = CPROF_PAL_HOT;
			else if (!strcmp(val, "mem"))
				o->palette = CPROF_PAL_MEM;
			else if (!strcmp(val, "io"))
				o->palette = CPROF_PAL_IO;
			else {
				cprof__error(
					"unknown palette \"%s\" for --colors: want hot, mem or io",
					val);
				return -1;
			}
		} else if (!strcmp(fl->name, "title")) {
			o->title = val;
		} else {
			o->subtitle = val;
		}
	}
	rargv[n] = NULL;
	*rargc = n;
	return 0;
}

/* Folded text or a profile: sources that are files (or stdin) are sniffed;
 * URLs go to cprof__fetch_profile. */
int cprof__flame_fetch(cprof__profile *p, const char *src, int seconds, char *err, size_t errlen)
{
	bool in = !strcmp(src, "-");
	if (!in && cprof__fetch_is_url(src))
		return cprof__fetch_profile(p, src, seconds, err, errlen);
	int fd = in ? 0 : open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cprof__fetch_profile(p, src, seconds, err, errlen); /* its message */
	cprof__buf b;
	cprof__buf_init(&b, 0);
	int ret = -1;
	/* A pipe or a FIFO (`<(cmd)`) is read whole here, as stdin is: it
	 * cannot be sniffed and read again. */
	struct stat st;
	if (!in && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		/* Sniff the start: gzip and binary protobuf go to the reader
		 * untouched (it may stream them); text is read here. */
		unsigned char head[4096];
		ssize_t n;
		do
			n = read(fd, head, sizeof(head));
		while (n < 0 && errno == EINTR);
		bool text = n > 0 && !(n >= 2 && head[0] == 0x1f && head[1] == 0x8b);
		for (ssize_t i = 0; i < n && text; i++)
			text = head[i] >= 0x20 || head[i] == '\t' || head[i] == '\n' ||
			       head[i] == '\r';
		if (!text) {
			close(fd);
			return cprof__fetch_profile(p, src, seconds, err, errlen);
		}
		if (lseek(fd, 0, SEEK_SET) < 0) {
			snprintf(err, errlen, "%s: %s", src, strerror(errno));
			close(fd);
			return -1;
		}
	}
	char e1[256];
	int rc = cprof__read_fd(fd, &b, e1, sizeof(e1));
	if (!in)
		close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", src, e1);
		goto done;
	}
	if (cprof__flame_is_folded(b.data, b.len)) {
		size_t ignored = 0;
		char e2[384];
		if (cprof__flame_parse_folded(p, (const char *)b.data, b.len, &ignored, e2,
					      sizeof(e2)) < 0) {
			snprintf(err, errlen, "%s: %s", src, e2);
			goto done;
		}
		if (ignored)
			fprintf(stderr, "cprof: %s: ignored %zu line%s with invalid format\n", src,
				ignored, ignored > 1 ? "s" : "");
		ret = 0;
	} else {
		char e2[384];
		ret = cprof__profile_decode(p, b.data, b.len, e2, sizeof(e2));
		if (ret < 0)
			snprintf(err, errlen, "%s: %s", src, e2);
	}
done:
	cprof__buf_free(&b);
	return ret;
}

int cprof__cmd_flame(int argc, char **argv)
{
	cprof__flame_opts o;
	cprof__flame_opts_init(&o);
	bool html = false;
	char **rargv = calloc((size_t)argc + 1, sizeof(char *));
	if (!rargv)
		return cprof__error("out of memory"), 1;
	int rargc = 0;
	if (parse_flame_flags(argc, argv, &o, &html, rargv, &rargc) < 0) {
		free(rargv);
		return 2;
	}
	cprof__profile p;
	cprof__profile_init(&p);
	const char *output = NULL;
	int status = 1;
	/* Progress on a terminal's stderr (progress.c), and a summary after
	 * work that showed it. */
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	double shown = 0;
	cprof__progress_stage("reading profiles");
	cprof__report *r = cprof__cli_report_open(rargc, rargv, CPROF_FMT_FOLDED,
						  cprof__flame_fetch, &p, &output, &status);
	free(rargv);
	FILE *out = stdout;
	cprof__outfile of = {0};
	char err[512];
	bool empty = false;
	if (!r)
		goto done;
	status = 1;
	if (output) {
		char oe[256];
		int fd = cprof__outfile_open(&of, output, oe, sizeof(oe));
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!f) {
			if (fd >= 0) {
				snprintf(oe, sizeof(oe), "%s", strerror(errno));
				cprof__outfile_close(&of, fd, false, NULL, 0);
			}
			cprof__error("cannot write %s: %s", output, oe);
			goto done;
		}
		out = f;
	}
	if (isatty(fileno(out)))
		shown = cprof__progress_end();
	else
		cprof__progress_stage("drawing the flame graph");
	static char obuf[1 << 16];
	setvbuf(out, obuf, _IOFBF, sizeof(obuf));
	int rc = html ? cprof__report_flame_html(r, &o, out, &empty, err, sizeof(err))
		      : cprof__report_flame_svg(r, &o, out, &empty, err, sizeof(err));
	if (rc < 0) {
		cprof__error("flame: %s", err);
		goto done;
	}
	if (fflush(out) != 0) {
		cprof__error("flame: writing %s: %s", output ? output : "stdout", strerror(errno));
		goto done;
	}
	if (shown == 0)
		shown = cprof__progress_end();
	if (shown > 0) {
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(stderr, "cprof: flame: %zu samples in %.1f s\n", p.sample.n,
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	if (empty)
		cprof__error(
			"flame: no samples to draw (the total is zero or negative); wrote an empty graph");
	status = 0;
done:
	cprof__progress_end();
	if (out != stdout) {
		/* Written whole or not at all: the temporary is renamed only now. */
		int e = fclose(out) != 0 ? errno : 0;
		char ce[256];
		int c = cprof__outfile_close(&of, -1, status == 0 && e == 0, ce, sizeof(ce));
		if (status == 0 && (e || c)) {
			cprof__error("cannot write %s: %s", output, e ? strerror(e) : ce);
			status = 1;
		}
	}
	cprof__report_free(r);
	cprof__profile_free(&p);
	return status;
}
