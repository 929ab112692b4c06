/*
 * filter.c — pprof's sample filters, applied in place to the report's
 * profile in pprof's order (driver/driver_focus.go applyFocus):
 * focus/ignore/hide/show (profile.FilterSamplesByName), show_from,
 * tagfocus/tagignore (FilterSamplesByTag).
 *
 * Regexes are POSIX extended (regcomp REG_EXTENDED), not RE2: the common
 * subset (alternation, classes, anchors, repetition) behaves the same;
 * RE2-only syntax such as \d or (?i) is rejected by regcomp with an error.
 * Matching is unanchored, as Go's MatchString.  Each regex is evaluated once
 * per function and per mapping, not per frame.
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"

#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A compiled name regex with per-function / per-mapping match caches. */
typedef struct namerx {
	regex_t re;
	bool set;
	int8_t *fmatch; /* per function: -1 unknown, 0, 1 */
	int8_t *mmatch; /* per mapping */
} namerx;

static int rx_compile(namerx *x, const cprof__profile *p, const char *name, const char *pat,
		      char *err, size_t errlen)
{
	memset(x, 0, sizeof(*x));
	if (!pat || !*pat)
		return 0;
	int rc = regcomp(&x->re, pat, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char m[256];
		regerror(rc, &x->re, m, sizeof(m));
		snprintf(err, errlen, "parsing %s regexp: %s: %s", name, pat, m);
		return -1;
	}
	x->set = true;
	x->fmatch = malloc(p->function.n + 1);
	x->mmatch = malloc(p->mapping.n + 1);
	if (!x->fmatch || !x->mmatch) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(x->fmatch, -1, p->function.n + 1);
	memset(x->mmatch, -1, p->mapping.n + 1);
	return 0;
}

static void rx_free(namerx *x)
{
	if (x->set)
		regfree(&x->re);
	free(x->fmatch);
	free(x->mmatch);
}

static bool rx_search(const regex_t *re, const char *s)
{
	return regexec(re, s, 0, NULL, 0) == 0;
}

/* Function name or file name matches (nil function: never). */
static bool func_matches(namerx *x, const cprof__profile *p, uint64_t fid)
{
	if (fid == 0 || fid > p->function.n)
		return false;
	int8_t *m = &x->fmatch[fid - 1];
	if (*m < 0) {
		const cprof__function *f = &p->function.v[fid - 1];
		*m = rx_search(&x->re, cprof__profile_string(p, f->name)) ||
		     rx_search(&x->re, cprof__profile_string(p, f->filename));
	}
	return *m;
}

static bool map_matches(namerx *x, const cprof__profile *p, uint64_t mid)
{
	if (mid == 0 || mid > p->mapping.n)
		return false;
	int8_t *m = &x->mmatch[mid - 1];
	if (*m < 0)
		*m = rx_search(&x->re, cprof__profile_string(p, p->mapping.v[mid - 1].file));
	return *m;
}

static bool loc_matches(namerx *x, const cprof__profile *p, const cprof__location *l)
{
	const cprof__line *ln = cprof__location_lines(p, l);
	for (uint32_t i = 0; i < l->nline; i++)
		if (func_matches(x, p, ln[i].function_id))
			return true;
	return map_matches(x, p, l->mapping_id);
}

/* Keep, in place, the lines of l for which keep(line) holds. */
static void loc_keep_lines(cprof__profile *p, cprof__location *l, namerx *x, bool want_match)
{
	cprof__line *ln = p->line_pool.v + l->line_off;
	uint32_t w = 0;
	for (uint32_t i = 0; i < l->nline; i++) {
		uint64_t fid = ln[i].function_id;
		bool has_fn = fid != 0 && fid <= p->function.n;
		bool keep = want_match ? (!has_fn || func_matches(x, p, fid))
				       : (!has_fn || !func_matches(x, p, fid));
		if (keep)
			ln[w++] = ln[i];
	}
	l->nline = w;
}

static void warn(const cprof__report *r, const char *what)
{
	if (r->o.warn)
		fprintf(r->o.warn, "%s expression matched no samples\n", what);
}

static int filter_by_name(cprof__report *r, namerx *focus, namerx *ignore, namerx *hide,
			  namerx *show, char *err, size_t errlen)
{
	cprof__profile *p = r->p;
	size_t nl = p->location.n;
	uint8_t *foi = calloc(nl + 1, 1); /* 1 focus, 2 ignore */
	uint8_t *hidden = calloc(nl + 1, 1);
	if (!foi || !hidden) {
		free(foi);
		free(hidden);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	bool fm = false, im = false, hm = false, hnm = false, any_hidden = false;
	for (size_t i = 0; i < nl; i++) {
		cprof__location *l = &p->location.v[i];
		if (ignore->set && loc_matches(ignore, p, l)) {
			im = true;
			foi[i] = 2;
		} else if (!focus->set || loc_matches(focus, p, l)) {
			fm = true;
			foi[i] = 1;
		}
		if (hide->set && loc_matches(hide, p, l)) {
			hm = true;
			if (map_matches(hide, p, l->mapping_id))
				l->nline = 0;
			else
				loc_keep_lines(p, l, hide, false);
			if (l->nline == 0)
				hidden[i] = any_hidden = true;
		}
		if (show->set) {
			if (!map_matches(show, p, l->mapping_id))
				loc_keep_lines(p, l, show, true);
			if (l->nline == 0)
				hidden[i] = any_hidden = true;
			else
				hnm = true;
		}
	}
	size_t w = 0;
	for (size_t si = 0; si < p->sample.n; si++) {
		cprof__sample *s = &p->sample.v[si];
		bool f = false, ign = false;
		for (uint32_t i = 0; i < s->nloc && !ign; i++) {
			uint64_t id = cprof__sample_loc(p, s, i);
			if (id == 0 || id > nl)
				continue;
			if (foi[id - 1] == 1)
				f = true;
			else if (foi[id - 1] == 2)
				ign = true;
		}
		if (!f || ign)
			continue;
		if (any_hidden) {
			uint32_t k = 0;
			for (uint32_t i = 0; i < s->nloc; i++) {
				uint32_t id = cprof__sample_loc(p, s, i);
				if (!(id && id <= nl && hidden[id - 1]))
					cprof__locpool_set(&p->loc_pool, (size_t)s->loc_off + k++,
							   id);
			}
			s->nloc = k;
			if (k == 0)
				continue;
		}
		p->sample.v[w++] = *s;
	}
	p->sample.n = w;
	free(foi);
	free(hidden);
	if (focus->set && !fm)
		warn(r, "Focus");
	if (ignore->set && !im)
		warn(r, "Ignore");
	if (hide->set && !hm)
		warn(r, "Hide");
	if (show->set && !hnm)
		warn(r, "Show");
	return 0;
}

static int filter_show_from(cprof__report *r, namerx *x, char *err, size_t errlen)
{
	cprof__profile *p = r->p;
	size_t nl = p->location.n;
	uint8_t *from = calloc(nl + 1, 1);
	if (!from) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	bool matched = false;
	for (size_t i = 0; i < nl; i++) {
		cprof__location *l = &p->location.v[i];
		if (map_matches(x, p, l->mapping_id)) {
			from[i] = 1;
			matched = true;
			continue;
		}
		const cprof__line *ln = cprof__location_lines(p, l);
		for (uint32_t k = l->nline; k-- > 0;)
			if (func_matches(x, p, ln[k].function_id)) {
				l->nline = k + 1;
				from[i] = 1;
				matched = true;
				break;
			}
	}
	size_t w = 0;
	for (size_t si = 0; si < p->sample.n; si++) {
		cprof__sample *s = &p->sample.v[si];
		for (uint32_t i = s->nloc; i-- > 0;) {
			uint32_t id = cprof__sample_loc(p, s, i);
			if (id && id <= nl && from[id - 1]) {
				s->nloc = i + 1;
				p->sample.v[w++] = *s;
				break;
			}
		}
	}
	p->sample.n = w;
	free(from);
	if (!matched)
		warn(r, "ShowFrom");
	return 0;
}

/* Tag filters (driver_focus.go compileTagFilter). */
typedef struct tagfilter {
	bool set;
	char *key;   /* wantKey or NULL */
	regex_t *rx; /* regex form */
	size_t nrx;
	int range; /* 0 none, 1 ==, 2 >=, 3 <=, 4 between */
	double lo, hi;
	const char *unit; /* canonical unit of the range */
} tagfilter;

static const char *num_unit_for_key(const cprof__profile *p, int64_t key)
{
	/* First non-empty unit used with the key, else inferred from the key. */
	for (size_t si = 0; si < p->sample.n; si++) {
		const cprof__sample *s = &p->sample.v[si];
		const cprof__label *l = cprof__sample_labels(p, s);
		for (uint32_t i = 0; i < s->nlabel; i++)
			if (l[i].key == key && l[i].str == 0 && l[i].num_unit)
				return cprof__profile_string(p, l[i].num_unit);
	}
	const char *k = cprof__profile_string(p, key);
	if (!strcmp(k, "alignment") || !strcmp(k, "request"))
		return "bytes";
	return k;
}

/* Find the next match of ([+-]?[0-9]+)([A-Za-z]+)? at or after s. */
static const char *next_num(const char *s, const char **end, long long *v, char *unit, size_t un)
{
	for (; *s; s++) {
		const char *d = s;
		if (*d == '+' || *d == '-')
			d++;
		if (!isdigit((unsigned char)*d))
			continue;
		while (isdigit((unsigned char)*d))
			d++;
		*v = strtoll(s, NULL, 10);
		size_t k = 0;
		while (isalpha((unsigned char)*d)) {
			if (k + 1 < un)
				unit[k++] = *d;
			d++;
		}
		unit[k] = 0;
		*end = d;
		return s;
	}
	return NULL;
}

static bool parse_range(tagfilter *t, const char *f)
{
	long long v1, v2;
	char u1[32], u2[32];
	const char *e1, *e2;
	const char *m1 = next_num(f, &e1, &v1, u1, sizeof(u1));
	if (!m1)
		return false;
	const char *m2 = next_num(e1, &e2, &v2, u2, sizeof(u2));
	t->lo = cprof__units_scale(v1, u1, u1, &t->unit);
	size_t l1 = (size_t)(e1 - m1);
	if (!m2) {
		if (m1 == f && f[l1] == 0)
			t->range = 1;
		else if (m1 == f && !strcmp(f + l1, ":"))
			t->range = 2;
		else if (m1 == f + 1 && f[0] == ':' && f[1 + l1] == 0)
			t->range = 3;
		else
			return false;
		return true;
	}
	if (m1 != f || e1[0] != ':' || m2 != e1 + 1 || *e2)
		return false;
	const char *unit2;
	t->hi = cprof__units_scale(v2, u2, t->unit, &unit2);
	if (strcmp(unit2, t->unit))
		return false;
	t->range = 4;
	return true;
}

static int tag_compile(cprof__report *r, tagfilter *t, const char *name, const char *val, char *err,
		       size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (!val || !*val)
		return 0;
	t->set = true;
	const char *eq = strchr(val, '=');
	if (eq) {
		t->key = strndup(val, (size_t)(eq - val));
		val = eq + 1;
	}
	if (parse_range(t, val)) {
		if (r->o.warn)
			fprintf(r->o.warn, "%s:Interpreted '%s' as range, not regexp\n", name, val);
		return 0;
	}
	size_t n = 1;
	for (const char *c = val; *c; c++)
		n += *c == ',';
	t->rx = calloc(n, sizeof(regex_t));
	if (!t->rx) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	const char *s = val;
	for (size_t i = 0; i < n; i++) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		char *pat = strndup(s, len);
		int rc = pat ? regcomp(&t->rx[i], pat, REG_EXTENDED | REG_NOSUB) : REG_ESPACE;
		free(pat);
		if (rc) {
			char m[256];
			regerror(rc, &t->rx[i], m, sizeof(m));
			snprintf(err, errlen, "parsing %s regexp: %s", name, m);
			return -1;
		}
		t->nrx++;
		s = c ? c + 1 : s + len;
	}
	return 0;
}

static void tag_free(tagfilter *t)
{
	for (size_t i = 0; i < t->nrx; i++)
		regfree(&t->rx[i]);
	free(t->rx);
	free(t->key);
}

static bool range_match(const tagfilter *t, int64_t v, const char *unit)
{
	const char *su;
	double sv = cprof__units_scale(v, unit, t->unit, &su);
	if (strcmp(su, t->unit))
		return false;
	switch (t->range) {
	case 1: return sv == t->lo;
	case 2: return sv >= t->lo;
	case 3: return sv <= t->lo;
	default: return sv >= t->lo && sv <= t->hi;
	}
}

static bool tag_match(const cprof__profile *p, const tagfilter *t, const cprof__sample *s,
		      const char **key_units)
{
	const cprof__label *l = cprof__sample_labels(p, s);
	if (t->range) {
		for (uint32_t i = 0; i < s->nlabel; i++) {
			if (l[i].str != 0)
				continue;
			if (t->key && strcmp(cprof__profile_string(p, l[i].key), t->key))
				continue;
			if (range_match(t, l[i].num, key_units[l[i].key]))
				return true;
		}
		return false;
	}
	if (!t->key) {
		for (size_t k = 0; k < t->nrx; k++) {
			bool m = false;
			for (uint32_t i = 0; i < s->nlabel && !m; i++) {
				if (l[i].str == 0)
					continue;
				char buf[2048];
				snprintf(buf, sizeof(buf), "%s:%s",
					 cprof__profile_string(p, l[i].key),
					 cprof__profile_string(p, l[i].str));
				m = rx_search(&t->rx[k], buf);
			}
			if (!m)
				return false;
		}
		return true;
	}
	for (uint32_t i = 0; i < s->nlabel; i++) {
		if (l[i].str == 0 || strcmp(cprof__profile_string(p, l[i].key), t->key))
			continue;
		for (size_t k = 0; k < t->nrx; k++)
			if (rx_search(&t->rx[k], cprof__profile_string(p, l[i].str)))
				return true;
	}
	return false;
}

static int filter_by_tag(cprof__report *r, char *err, size_t errlen)
{
	cprof__profile *p = r->p;
	tagfilter tf, ti;
	int rc = -1;
	const char **units = NULL;
	if (tag_compile(r, &tf, "tagfocus", r->o.tagfocus, err, errlen) < 0 ||
	    tag_compile(r, &ti, "tagignore", r->o.tagignore, err, errlen) < 0)
		goto out;
	if (!tf.set && !ti.set) {
		rc = 0;
		goto out;
	}
	if (tf.range || ti.range) {
		units = calloc(p->str.n + 1, sizeof(*units));
		if (!units)
			goto out;
		for (size_t si = 0; si < p->sample.n; si++) {
			const cprof__sample *s = &p->sample.v[si];
			const cprof__label *l = cprof__sample_labels(p, s);
			for (uint32_t i = 0; i < s->nlabel; i++)
				if (l[i].str == 0 && l[i].key >= 0 && (size_t)l[i].key < p->str.n &&
				    !units[l[i].key])
					units[l[i].key] = num_unit_for_key(p, l[i].key);
		}
	}
	bool fm = false, im = false;
	size_t w = 0;
	for (size_t si = 0; si < p->sample.n; si++) {
		const cprof__sample *s = &p->sample.v[si];
		bool focused = !tf.set || tag_match(p, &tf, s, units);
		bool ignored = ti.set && tag_match(p, &ti, s, units);
		fm = fm || focused;
		im = im || ignored;
		if (focused && !ignored)
			p->sample.v[w++] = *s;
	}
	p->sample.n = w;
	if (tf.set && !fm)
		warn(r, "TagFocus");
	if (ti.set && !im)
		warn(r, "TagIgnore");
	rc = 0;
out:
	free(units);
	tag_free(&tf);
	tag_free(&ti);
	return rc;
}

/* pprof's FilterTagsByName: drop labels whose key does not match tagshow or
 * matches taghide (in place, per sample). */
static int filter_tags_by_name(cprof__report *r, char *err, size_t errlen)
{
	cprof__profile *p = r->p;
	const char *show_s = r->o.tagshow, *hide_s = r->o.taghide;
	if ((!show_s || !*show_s) && (!hide_s || !*hide_s))
		return 0;
	regex_t show, hide;
	bool has_show = show_s && *show_s, has_hide = hide_s && *hide_s;
	if (has_show && regcomp(&show, show_s, REG_EXTENDED | REG_NOSUB)) {
		snprintf(err, errlen, "parsing tagshow regexp: %s", show_s);
		return -1;
	}
	if (has_hide && regcomp(&hide, hide_s, REG_EXTENDED | REG_NOSUB)) {
		snprintf(err, errlen, "parsing taghide regexp: %s", hide_s);
		if (has_show)
			regfree(&show);
		return -1;
	}
	bool sm = false, hm = false;
	for (size_t si = 0; si < p->sample.n; si++) {
		cprof__sample *s = &p->sample.v[si];
		cprof__label *l = p->label_pool.v + s->label_off;
		uint32_t w = 0;
		for (uint32_t i = 0; i < s->nlabel; i++) {
			const char *k = cprof__profile_string(p, l[i].key);
			bool ms = !has_show || rx_search(&show, k);
			bool mh = has_hide && rx_search(&hide, k);
			sm = sm || ms;
			hm = hm || mh;
			if (ms && !mh)
				l[w++] = l[i];
		}
		s->nlabel = w;
	}
	if (has_show) {
		regfree(&show);
		if (!sm)
			warn(r, "TagShow");
	}
	if (has_hide) {
		regfree(&hide);
		if (!hm)
			warn(r, "TagHide");
	}
	return 0;
}

/* pprof's PruneFrom: drop the frames beneath the lowest match. */
static int prune_from(cprof__report *r, char *err, size_t errlen)
{
	cprof__profile *p = r->p;
	const char *s_re = r->o.prune_from;
	if (!s_re || !*s_re)
		return 0;
	regex_t re;
	if (regcomp(&re, s_re, REG_EXTENDED | REG_NOSUB)) {
		snprintf(err, errlen, "parsing prune_from regexp: %s", s_re);
		return -1;
	}
	size_t nl = p->location.n;
	uint8_t *beneath = calloc(nl + 1, 1);
	if (!beneath) {
		regfree(&re);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char buf[4096];
	for (size_t i = 0; i < nl; i++) {
		cprof__location *l = &p->location.v[i];
		const cprof__line *ln = cprof__location_lines(p, l);
		for (uint32_t k = 0; k < l->nline; k++) {
			uint64_t fid = ln[k].function_id;
			if (fid == 0 || fid > p->function.n)
				continue;
			const char *name = cprof__profile_string(p, p->function.v[fid - 1].name);
			if (!*name)
				continue;
			if (rx_search(&re, cprof__simplify_func(name, buf, sizeof(buf)))) {
				beneath[i] = 1;
				l->line_off += k;
				l->nline -= k;
				break;
			}
		}
	}
	for (size_t si = 0; si < p->sample.n; si++) {
		cprof__sample *s = &p->sample.v[si];
		for (uint32_t i = 0; i < s->nloc; i++) {
			uint32_t id = cprof__sample_loc(p, s, i);
			if (id && id <= nl && beneath[id - 1]) {
				s->loc_off += i;
				s->nloc -= i;
				break;
			}
		}
	}
	free(beneath);
	regfree(&re);
	return 0;
}

int cprof__report_filter(cprof__report *r, char *err, size_t errlen)
{
	cprof__profile *p = r->p;
	namerx focus, ignore, hide, show, from;
	memset(&ignore, 0, sizeof(ignore));
	memset(&hide, 0, sizeof(hide));
	memset(&show, 0, sizeof(show));
	memset(&from, 0, sizeof(from));
	int rc = -1;
	if (rx_compile(&focus, p, "focus", r->o.focus, err, errlen) < 0 ||
	    rx_compile(&ignore, p, "ignore", r->o.ignore, err, errlen) < 0 ||
	    rx_compile(&hide, p, "hide", r->o.hide, err, errlen) < 0 ||
	    rx_compile(&show, p, "show", r->o.show, err, errlen) < 0 ||
	    rx_compile(&from, p, "show_from", r->o.show_from, err, errlen) < 0)
		goto out;
	if (filter_by_name(r, &focus, &ignore, &hide, &show, err, errlen) < 0)
		goto out;
	if (from.set && filter_show_from(r, &from, err, errlen) < 0)
		goto out;
	if (filter_by_tag(r, err, errlen) < 0 || filter_tags_by_name(r, err, errlen) < 0 ||
	    prune_from(r, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	rx_free(&focus);
	rx_free(&ignore);
	rx_free(&hide);
	rx_free(&show);
	rx_free(&from);
	return rc;
}

/* pprof's simplifyFunc: drop a leading '.' and the argument list, keeping
 * "(anonymous namespace)" and "operator()".  Writes into buf. */
const char *cprof__simplify_func(const char *f, char *buf, size_t n)
{
	static const char *reserved[] = {"(anonymous namespace)", "operator()"};
	if (*f == '.')
		f++;
	size_t i = 0, len = strlen(f);
	while (i < len) {
		size_t skip = 0;
		for (size_t k = 0; k < CPROF_ARRAY_LEN(reserved) && !skip; k++)
			if (!strncmp(f + i, reserved[k], strlen(reserved[k])))
				skip = strlen(reserved[k]);
		if (skip) {
			i += skip;
			continue;
		}
		if (f[i] == '(')
			break;
		i++;
	}
	if (i >= n)
		i = n - 1;
	memcpy(buf, f, i);
	buf[i] = 0;
	return buf;
}

int cprof__report_prune(cprof__report *r, char *err, size_t errlen)
{
	cprof__profile *p = r->p;
	const char *drop_s = cprof__profile_string(p, p->drop_frames);
	const char *keep_s = cprof__profile_string(p, p->keep_frames);
	if (!*drop_s)
		return 0;
	regex_t drop, keep;
	char *pat = NULL;
	if (asprintf(&pat, "^(%s)$", drop_s) < 0 || regcomp(&drop, pat, REG_EXTENDED | REG_NOSUB)) {
		snprintf(err, errlen, "failed to compile regexp %s", drop_s);
		free(pat);
		return -1;
	}
	free(pat);
	bool has_keep = *keep_s != 0;
	if (has_keep) {
		if (asprintf(&pat, "^(%s)$", keep_s) < 0 ||
		    regcomp(&keep, pat, REG_EXTENDED | REG_NOSUB)) {
			snprintf(err, errlen, "failed to compile regexp %s", keep_s);
			free(pat);
			regfree(&drop);
			return -1;
		}
		free(pat);
	}
	size_t nl = p->location.n, nf = p->function.n;
	uint8_t *state = calloc(nl + 1, 1); /* 1 prune beneath, 3 prune whole */
	int8_t *fdrop = malloc(nf + 1);     /* per function: -1 unknown */
	if (!state || !fdrop) {
		free(state);
		free(fdrop);
		regfree(&drop);
		if (has_keep)
			regfree(&keep);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(fdrop, -1, nf + 1);
	char buf[4096];
	for (size_t i = 0; i < nl; i++) {
		cprof__location *l = &p->location.v[i];
		const cprof__line *ln = cprof__location_lines(p, l);
		uint32_t k;
		for (k = l->nline; k-- > 0;) {
			uint64_t fid = ln[k].function_id;
			if (fid == 0 || fid > nf)
				continue;
			if (fdrop[fid - 1] < 0) {
				const char *name =
					cprof__profile_string(p, p->function.v[fid - 1].name);
				bool d = false;
				if (*name) {
					const char *s =
						cprof__simplify_func(name, buf, sizeof(buf));
					d = rx_search(&drop, s) &&
					    !(has_keep && rx_search(&keep, s));
				}
				fdrop[fid - 1] = d;
			}
			if (fdrop[fid - 1])
				break;
		}
		if (k != UINT32_MAX && k < l->nline) {
			state[i] = 1;
			if (k == l->nline - 1) {
				state[i] = 3;
			} else {
				l->line_off += k + 1;
				l->nline -= k + 1;
			}
		}
	}
	for (size_t si = 0; si < p->sample.n; si++) {
		cprof__sample *s = &p->sample.v[si];
		bool found_user = false;
		for (uint32_t i = s->nloc; i-- > 0;) {
			uint64_t id = cprof__sample_loc(p, s, i);
			uint8_t st = (id && id <= nl) ? state[id - 1] : 0;
			if (!st) {
				found_user = true;
				continue;
			}
			if (!found_user)
				continue;
			uint32_t cut = st == 3 ? i + 1 : i;
			s->loc_off += cut;
			s->nloc -= cut;
			break;
		}
	}
	free(state);
	free(fdrop);
	regfree(&drop);
	if (has_keep)
		regfree(&keep);
	return 0;
}

/* Split a comma-separated key list (empty items dropped) into keys[]. */
static size_t split_keys(const char *s, char **keys, size_t max)
{
	size_t n = 0;
	while (s && *s && n < max) {
		const char *c = strchr(s, ',');
		size_t len = c ? (size_t)(c - s) : strlen(s);
		if (len)
			keys[n++] = strndup(s, len);
		s = c ? c + 1 : NULL;
	}
	return n;
}

/* The pseudo-location for one key of one sample (pprof's makeLabelLocs). */
static uint64_t label_loc(cprof__report *r, const cprof__sample *s, const char *key, bool *match)
{
	cprof__profile *p = r->p;
	const cprof__label *l = cprof__sample_labels(p, s);
	char val[4096] = "";
	size_t o = 0;
	/* String values first, then numeric ones, as pprof's formatLabelValues. */
	for (int numeric = 0; numeric < 2; numeric++)
		for (uint32_t i = 0; i < s->nlabel; i++) {
			if ((l[i].str == 0) != numeric ||
			    strcmp(cprof__profile_string(p, l[i].key), key))
				continue;
			char b[64];
			const char *v = b;
			if (!numeric) {
				v = cprof__profile_string(p, l[i].str);
			} else {
				const char *unit = cprof__profile_string(p, l[i].num_unit);
				cprof__units_label(b, sizeof(b), l[i].num, unit,
						   *unit ? r->o.unit : "");
			}
			o += (size_t)snprintf(val + o, o < sizeof(val) ? sizeof(val) - o : 0,
					      "%s%s", o ? "," : "", v);
			*match = true;
		}
	/* Intern (name, file) -> location, by linear probing over the added
	 * locations: a handful of distinct label values in practice. */
	int64_t name = cprof__profile_str(p, val), file = cprof__profile_str(p, key);
	for (size_t i = r->tag_loc_first; i < p->location.n; i++) {
		const cprof__location *loc = &p->location.v[i];
		const cprof__line *ln = cprof__location_lines(p, loc);
		const cprof__function *f = &p->function.v[ln[0].function_id - 1];
		if (f->name == name && f->filename == file)
			return i + 1;
	}
	uint64_t fid = cprof__profile_add_function(p, val, "", key, 0);
	cprof__line line = {.function_id = fid};
	return fid ? cprof__profile_add_location(p, 0, 0, &line, 1) : 0;
}

int cprof__report_tagroots(cprof__report *r, char *err, size_t errlen)
{
	cprof__profile *p = r->p;
	char *roots[32], *leaves[32];
	size_t nr = split_keys(r->o.tagroot, roots, 32), nl = split_keys(r->o.tagleaf, leaves, 32);
	int rc = 0;
	if (nr == 0 && nl == 0)
		goto out;
	r->tag_loc_first = p->location.n;
	bool rootm = false, leafm = false;
	for (size_t si = 0; si < p->sample.n; si++) {
		cprof__sample *s = &p->sample.v[si];
		uint64_t add_leaf[32], add_root[32];
		for (size_t i = 0; i < nl; i++)
			add_leaf[i] = label_loc(r, s, leaves[nl - 1 - i], &leafm);
		for (size_t i = 0; i < nr; i++)
			add_root[i] = label_loc(r, s, roots[nr - 1 - i], &rootm);
		size_t n = nl + s->nloc + nr;
		/* ids <= location.n < 2^32 (profile.h) */
		cprof__locpool *lp = &p->loc_pool;
		if (!cprof__locpool_reserve(p, n, (uint32_t)p->location.n))
			break;
		size_t dst = lp->n;
		for (size_t i = 0; i < nl; i++)
			cprof__locpool_set(lp, dst++, (uint32_t)add_leaf[i]);
		for (uint32_t i = 0; i < s->nloc; i++)
			cprof__locpool_set(lp, dst++, cprof__sample_loc(p, s, i));
		for (size_t i = 0; i < nr; i++)
			cprof__locpool_set(lp, dst++, (uint32_t)add_root[i]);
		s->loc_off = p->loc_pool.n;
		s->nloc = (uint32_t)n;
		p->loc_pool.n += n;
	}
	if (p->oom) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	if (nr && !rootm)
		warn(r, "TagRoot");
	if (nl && !leafm)
		warn(r, "TagLeaf");
out:
	for (size_t i = 0; i < nr; i++)
		free(roots[i]);
	for (size_t i = 0; i < nl; i++)
		free(leaves[i]);
	return rc;
}
