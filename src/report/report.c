/*
 * report.c — report setup shared by every text report: sample value
 * selection (pprof's SampleIndexByName), the total (computeTotal, with
 * -diff_base's pprof::base samples), output unit selection and the header
 * lines (ProfileLabels / reportLabels of pprof's internal/report).
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cprof__report_opts_init(cprof__report_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->nodecount = -1;
	o->nodefraction = 0.005;
	o->edgefraction = 0.001;
	o->trim = true;
	o->granularity = CPROF_GRAN_FUNCTIONS;
	o->unit = "minimum";
	o->divide_by = 1;
}

static void seterr(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (n)
		vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

static bool parse_int(const char *s, long *out)
{
	char *end;
	if (!*s)
		return false;
	long v = strtol(s, &end, 10);
	if (*end)
		return false;
	*out = v;
	return true;
}

static const char *stype_name(const cprof__profile *p, size_t i)
{
	return cprof__profile_string(p, p->sample_type.v[i].type);
}

/* "[a b c]" as Go prints a []string. */
static void type_list(const cprof__profile *p, char *buf, size_t n)
{
	size_t o = 0;
	o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "[");
	for (size_t i = 0; i < p->sample_type.n; i++)
		o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "%s%s", i ? " " : "",
				      stype_name(p, i));
	snprintf(buf + (o < n ? o : n - 1), o < n ? n - o : 1, "]");
}

static int sample_index(const cprof__profile *p, const char *si, size_t *out, char *err,
			size_t errlen)
{
	size_t n = p->sample_type.n;
	if (!si || !*si) {
		const char *dst = cprof__profile_string(p, p->default_sample_type);
		if (*dst)
			for (size_t i = 0; i < n; i++)
				if (!strcmp(stype_name(p, i), dst)) {
					*out = i;
					return 0;
				}
		*out = n - 1;
		return 0;
	}
	long v;
	if (parse_int(si, &v)) {
		if (v < 0 || (size_t)v >= n) {
			seterr(err, errlen, "sample_index %s is outside the range [0..%zu]", si,
			       n - 1);
			return -1;
		}
		*out = (size_t)v;
		return 0;
	}
	const char *noinuse = strncmp(si, "inuse_", 6) ? si : si + 6;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(stype_name(p, i), si) || !strcmp(stype_name(p, i), noinuse)) {
			*out = i;
			return 0;
		}
	char types[1024];
	type_list(p, types, sizeof(types));
	seterr(err, errlen, "sample_index \"%s\" must be one of: %s", si, types);
	return -1;
}

static bool is_diff_base_sample(const cprof__profile *p, const cprof__sample *s)
{
	const cprof__label *l = cprof__sample_labels(p, s);
	for (uint32_t i = 0; i < s->nlabel; i++)
		if (!strcmp(cprof__profile_string(p, l[i].key), "pprof::base") &&
		    !strcmp(cprof__profile_string(p, l[i].str), "true"))
			return true;
	return false;
}

static int64_t compute_total(const cprof__report *r)
{
	const cprof__profile *p = r->p;
	int64_t div = 0, total = 0, ddiv = 0, dtotal = 0;
	for (size_t i = 0; i < p->sample.n; i++) {
		const cprof__sample *s = &p->sample.v[i];
		const int64_t *v = cprof__sample_values(p, s);
		int64_t x = cprof__rvalue(r, v), d = r->has_mean ? v[0] : 0;
		x = cprof__wabs(x);
		total = cprof__wadd(total, x);
		div = cprof__wadd(div, d);
		if (s->nlabel && is_diff_base_sample(p, s)) {
			dtotal = cprof__wadd(dtotal, x);
			ddiv = cprof__wadd(ddiv, d);
		}
	}
	if (dtotal > 0) {
		total = dtotal;
		div = ddiv;
	}
	return cprof__wdiv(total, div);
}

int64_t cprof__report_total(const cprof__report *r)
{
	return r->total;
}

static int add_filter(cprof__report *r, const char *k, const char *v)
{
	if (!v || !*v)
		return 0;
	char *s;
	if (asprintf(&s, "%s=%s", k, v) < 0)
		return -1;
	r->filters[r->nfilters++] = s;
	return 0;
}

cprof__report *cprof__report_new(cprof__profile *p, const cprof__report_opts *o, char *err,
				 size_t errlen)
{
	if (p->sample_type.n == 0) {
		seterr(err, errlen, "profile has no samples");
		return NULL;
	}
	if (o->divide_by == 0) {
		seterr(err, errlen, "zero divisor specified");
		return NULL;
	}
	cprof__report *r = calloc(1, sizeof(*r));
	if (!r)
		goto oom;
	r->p = p;
	r->o = *o;
	if (!r->o.unit || !*r->o.unit)
		r->o.unit = "minimum";
	if (sample_index(p, o->sample_index, &r->vi, err, errlen) < 0) {
		free(r);
		return NULL;
	}
	r->has_mean = o->mean;
	const char *t = stype_name(p, r->vi);
	if (asprintf(&r->stype, "%s%s", o->mean ? "mean_" : "", t) < 0) {
		r->stype = NULL;
		goto oom;
	}
	r->sunit = cprof__profile_string(p, p->sample_type.v[r->vi].unit);
	snprintf(r->out_unit, sizeof(r->out_unit), "%s", r->o.unit);

	/* Command overrides (pprof's applyCommandOverrides). */
	if (r->o.nodecount == -1)
		r->o.nodecount =
			(o->format == CPROF_FMT_TEXT || o->format == CPROF_FMT_TOPPROTO) ? 0 : 80;
	if (o->format == CPROF_FMT_PROTO || o->format == CPROF_FMT_CALLGRIND ||
	    o->format == CPROF_FMT_RAW) {
		r->o.trim = false;
		r->o.granularity = CPROF_GRAN_ADDRESSES;
		r->o.noinlines = false;
	}
	if (o->format == CPROF_FMT_TREE && o->symbol)
		r->o.trim = false; /* peek */
	if (o->format == CPROF_FMT_DISASM) {
		r->o.trim = false;
		r->o.granularity = CPROF_GRAN_ADDRESSES;
		r->o.noinlines = true;
	}
	if (o->format == CPROF_FMT_LIST) {
		r->o.trim = false;
		r->o.granularity = CPROF_GRAN_LINES;
	}
	if (!r->o.trim) {
		r->o.nodecount = 0;
		r->o.nodefraction = 0;
		r->o.edgefraction = 0;
	}

	r->filters = calloc(16, sizeof(char *));
	if (!r->filters)
		goto oom;
	if (add_filter(r, "focus", o->focus) || add_filter(r, "ignore", o->ignore) ||
	    add_filter(r, "hide", o->hide) || add_filter(r, "show", o->show) ||
	    add_filter(r, "show_from", o->show_from) || add_filter(r, "tagfocus", o->tagfocus) ||
	    add_filter(r, "tagignore", o->tagignore) || add_filter(r, "tagshow", o->tagshow) ||
	    add_filter(r, "taghide", o->taghide))
		goto oom;

	if (cprof__report_prune(r, err, errlen) < 0 || cprof__report_tagroots(r, err, errlen) < 0)
		goto fail;
	if (o->relative_percentages) {
		if (cprof__report_filter(r, err, errlen) < 0)
			goto fail;
		r->total = compute_total(r);
	} else {
		r->total = compute_total(r);
		if (cprof__report_filter(r, err, errlen) < 0)
			goto fail;
	}
	if (cprof__graph_init(r) < 0)
		goto oom;
	return r;
oom:
	seterr(err, errlen, "out of memory");
fail:
	cprof__report_free(r);
	return NULL;
}

void cprof__report_free(cprof__report *r)
{
	if (!r)
		return;
	cprof__graph_free(r);
	for (size_t i = 0; i < r->nfilters; i++)
		free(r->filters[i]);
	free(r->filters);
	free(r->stype);
	free(r);
}

void cprof__select_output_unit(cprof__report *r)
{
	if (strcmp(r->o.unit, "minimum") || r->nlist == 0)
		return;
	int64_t minv = 0;
	for (size_t i = 0; i < r->nlist; i++) {
		const cprof__gnode *n = &r->nodes[r->list[i]];
		int64_t f = cprof__wdiv(n->flat, n->flatdiv);
		int64_t c = cprof__wdiv(n->cum, n->cumdiv);
		int64_t m = cprof__wabs(f);
		if (m == 0)
			m = cprof__wabs(c);
		if (m > 0 && (minv == 0 || m < minv))
			minv = m;
	}
	int64_t maxv = r->total;
	if (minv == 0)
		minv = maxv;
	double ratio = 1 / r->o.divide_by;
	if (ratio > 0 && ratio != 1) {
		minv = cprof__f2i((double)minv * ratio);
		maxv = cprof__f2i((double)maxv * ratio);
	}
	const char *minu, *maxu, *unit;
	cprof__units_scale(minv, r->sunit, "minimum", &minu);
	cprof__units_scale(maxv, r->sunit, "minimum", &maxu);
	unit = minu;
	if (strcmp(minu, maxu) && cprof__wmul(minv, 100) < maxv &&
	    r->o.format != CPROF_FMT_CALLGRIND)
		cprof__units_scale(cprof__wmul(100, minv), r->sunit, "minimum", &unit);
	snprintf(r->out_unit, sizeof(r->out_unit), "%s", *unit ? unit : r->sunit);
}

char *cprof__fmt_value(const cprof__report *r, char *buf, size_t n, int64_t v)
{
	double ratio = 1 / r->o.divide_by;
	if (ratio > 0 && ratio != 1)
		v = cprof__f2i((double)v * ratio);
	return cprof__units_label(buf, n, v, r->sunit, r->out_unit);
}

void cprof__print_flat_cum(const cprof__report *r, FILE *out, int64_t flat, int64_t flat_sum,
			   int64_t cum)
{
	char fv[64], cv[64], fp[32], sp[32], cp[32];
	fprintf(out, "%10s %s %s %10s %s", cprof__fmt_value(r, fv, sizeof(fv), flat),
		cprof__units_pct(fp, sizeof(fp), flat, r->total),
		cprof__units_pct(sp, sizeof(sp), flat_sum, r->total),
		cprof__fmt_value(r, cv, sizeof(cv), cum),
		cprof__units_pct(cp, sizeof(cp), cum, r->total));
}

char *cprof__fmt_value_or_dot(const cprof__report *r, char *buf, size_t n, int64_t v)
{
	if (v == 0) {
		snprintf(buf, n, ".");
		return buf;
	}
	return cprof__fmt_value(r, buf, n, v);
}

int cprof__symbol_regcomp(const cprof__report *r, regex_t *rx, char *err, size_t errlen)
{
	int rc = regcomp(rx, r->o.symbol ? r->o.symbol : "", REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char m[256];
		regerror(rc, rx, m, sizeof(m));
		snprintf(err, errlen, "parsing argument regexp %s: %s", r->o.symbol, m);
		return -1;
	}
	return 0;
}

/* Go's time.Format("Jan 2, 2006 at 3:04pm (MST)") in local time (the
 * layout of Go 1.19's pprof). */
static void fmt_time(int64_t ns, char *buf, size_t n)
{
	time_t t = (time_t)(ns / 1000000000);
	if (ns < 0 && ns % 1000000000)
		t--;
	struct tm tm;
	localtime_r(&t, &tm);
	static const char *mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int h = tm.tm_hour % 12;
	snprintf(buf, n, "%s %d, %d at %d:%02d%s (%s)", mon[tm.tm_mon], tm.tm_mday,
		 tm.tm_year + 1900, h ? h : 12, tm.tm_min, tm.tm_hour < 12 ? "am" : "pm",
		 tm.tm_zone ? tm.tm_zone : "UTC");
}

void cprof__print_profile_labels(cprof__report *r, FILE *out)
{
	const cprof__profile *p = r->p;
	char b1[64], b2[64], b3[64];
	if (p->mapping.n > 0) {
		const char *f = cprof__profile_string(p, p->mapping.v[0].file);
		if (*f) {
			char b[4096];
			fprintf(out, "File: %s\n", cprof__path_base(f, b, sizeof(b)));
		}
		const char *id = cprof__profile_string(p, p->mapping.v[0].build_id);
		if (*id)
			fprintf(out, "Build ID: %s\n", id);
	}
	for (size_t i = 0; i < p->comment.n; i++) {
		const char *c = cprof__profile_string(p, p->comment.v[i]);
		if (c[0] != '#')
			fprintf(out, "%s\n", c);
	}
	if (r->stype && *r->stype)
		fprintf(out, "Type: %s\n", r->stype);
	if (p->time_nanos) {
		fmt_time(p->time_nanos, b1, sizeof(b1));
		fprintf(out, "Time: %s\n", b1);
	}
	if (p->duration_nanos) {
		const char *tu;
		double tn = cprof__units_scale(r->total, r->sunit, "nanoseconds", &tu);
		char ratio[80] = "";
		if (!strcmp(tu, "ns") && cprof__f2i(tn) != 0) {
			cprof__units_pct(b3, sizeof(b3), cprof__f2i(tn), p->duration_nanos);
			snprintf(ratio, sizeof(ratio), "(%s)", b3);
		}
		fprintf(out, "Duration: %s, Total samples = %s %s\n",
			cprof__units_label(b1, sizeof(b1), p->duration_nanos, "nanoseconds",
					   "auto"),
			cprof__fmt_value(r, b2, sizeof(b2), r->total), ratio);
	}
}

void cprof__report_header(cprof__report *r, FILE *out)
{
	cprof__print_profile_labels(r, out);
}

void cprof__print_labels(cprof__report *r, FILE *out, size_t orig_count, size_t dropped_nodes,
			 size_t dropped_edges, bool full)
{
	if (full || !r->o.compact_labels)
		cprof__print_profile_labels(r, out);
	int64_t flat_sum = 0;
	for (size_t i = 0; i < r->nlist; i++) {
		const cprof__gnode *n = &r->nodes[r->list[i]];
		flat_sum = cprof__wadd(flat_sum, cprof__wdiv(n->flat, n->flatdiv));
	}
	if (r->nfilters) {
		fprintf(out, "Active filters:\n");
		for (size_t i = 0; i < r->nfilters; i++) {
			const char *s = r->filters[i];
			if (strlen(s) > 80)
				fprintf(out, "   %.80s\xe2\x80\xa6\n", s);
			else
				fprintf(out, "   %s\n", s);
		}
	}
	char b1[64], b2[64], b3[64];
	const char *pct = cprof__units_pct(b2, sizeof(b2), flat_sum, r->total);
	while (*pct == ' ')
		pct++;
	fprintf(out, "Showing nodes accounting for %s, %s of %s total\n",
		cprof__fmt_value(r, b1, sizeof(b1), flat_sum), pct,
		cprof__fmt_value(r, b3, sizeof(b3), r->total));
	if (r->total != 0) {
		if (dropped_nodes > 0) {
			int64_t c = cprof__f2i((double)r->total * r->o.nodefraction);
			fprintf(out, "Dropped %zu node%s (cum <= %s)\n", dropped_nodes,
				dropped_nodes > 1 ? "s" : "",
				cprof__fmt_value(r, b1, sizeof(b1), cprof__wabs(c)));
		}
		if (dropped_edges > 0) {
			int64_t c = cprof__f2i((double)r->total * r->o.edgefraction);
			fprintf(out, "Dropped %zu edge%s (freq <= %s)\n", dropped_edges,
				dropped_edges > 1 ? "s" : "",
				cprof__fmt_value(r, b1, sizeof(b1), cprof__wabs(c)));
		}
		if (r->nlist > 0 && r->nlist < orig_count)
			fprintf(out, "Showing top %zu nodes out of %zu\n", r->nlist, orig_count);
	}
	if (full)
		fprintf(out, "\nSee https://git.io/JfYMW for how to read the graph\n");
}

char *cprof__path_clean(const char *path)
{
	size_t n = strlen(path);
	if (n == 0)
		return strdup(".");
	char *out = malloc(n + 2);
	if (!out)
		return NULL;
	bool rooted = path[0] == '/';
	size_t r = 0, w = 0, dotdot = 0;
	if (rooted) {
		out[w++] = '/';
		r = 1;
		dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' &&
			   (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && path[r] != '/'; r++)
				out[w++] = path[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = 0;
	return out;
}

const char *cprof__path_base(const char *path, char *buf, size_t n)
{
	size_t len = strlen(path);
	if (len == 0)
		return ".";
	while (len > 0 && path[len - 1] == '/')
		len--;
	if (len == 0)
		return "/";
	size_t s = len;
	while (s > 0 && path[s - 1] != '/')
		s--;
	size_t m = len - s;
	if (m >= n)
		m = n - 1;
	memcpy(buf, path + s, m);
	buf[m] = 0;
	return buf;
}

int cprof__report_proto(cprof__report *r, int fd, char *err, size_t errlen)
{
	cprof__profile *p = r->p;
	double ratio = 1 / r->o.divide_by;
	if (ratio > 0 && ratio != 1)
		for (size_t i = 0; i < p->sample.n; i++) {
			int64_t *v = p->value_pool.v + p->sample.v[i].value_off;
			for (size_t k = 0; k < p->sample_type.n; k++)
				v[k] = cprof__f2i((double)v[k] * ratio);
		}
	int rc = cprof__profile_write_fd(p, fd);
	if (rc < 0) {
		seterr(err, errlen, "writing profile: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

int cprof__report_end(FILE *out, bool oom, char *err, size_t errlen)
{
	if (!oom && !ferror(out))
		return 0;
	snprintf(err, errlen, oom ? "out of memory" : "write error");
	return -1;
}
