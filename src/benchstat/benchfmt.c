/*
 * benchfmt.c — reader of the Go benchmark format (see benchfmt.h).
 * Untrusted input: every length is checked, nothing is assumed terminated.
 */
#include "compat.h"
#include "benchstat/benchfmt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE (1u << 20)
#define MAX_FIELDS 2050 /* name, iterations, 1024 value/unit pairs */
#define MAX_ITEMS (1u << 26)

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	if (need > MAX_ITEMS)
		return false;
	size_t c = *cap ? *cap : 16;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * elem);
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

static char *memdup0(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

/* ---------------------------------------------------------------- */
/* units                                                              */

/* Iterate the tokens of a unit: separators '*' (back to the numerator),
 * '/' (denominator), '-' and spaces. */
struct utok {
	const char *s;
	size_t pos, tok, len;
	bool denom;
};

static bool utok_next(struct utok *t)
{
	const char *s = t->s;
	size_t i = t->pos;
	for (; s[i]; i++) {
		if (s[i] == '*')
			t->denom = false;
		else if (s[i] == '/')
			t->denom = true;
		else if (!(s[i] == '-' || is_space(s[i])))
			break;
	}
	if (!s[i]) {
		t->pos = i;
		return false;
	}
	size_t j = i;
	while (s[j] && !(s[j] == '*' || s[j] == '/' || s[j] == '-' || is_space(s[j])))
		j++;
	t->tok = i;
	t->len = j - i;
	t->pos = j;
	return true;
}

double cprof__bf_tidy(const char *unit, char *out, size_t size)
{
	if (!strcmp(unit, "ns/op")) {
		snprintf(out, size, "sec/op");
		return 1e-9;
	}
	if (!strcmp(unit, "MB/s")) {
		snprintf(out, size, "B/s");
		return 1e6;
	}
	double factor = 1;
	size_t o = 0, last = 0;
	struct utok t = {unit, 0, 0, 0, false};
	out[0] = 0;
	while (utok_next(&t)) {
		const char *rep = NULL;
		if (!t.denom && t.len == 2 && !memcmp(unit + t.tok, "ns", 2))
			rep = "sec", factor /= 1e9;
		else if (!t.denom && t.len == 2 && !memcmp(unit + t.tok, "MB", 2))
			rep = "B", factor *= 1e6;
		if (!rep)
			continue;
		o += (size_t)snprintf(out + (o < size ? o : size), o < size ? size - o : 0,
				      "%.*s%s", (int)(t.tok - last), unit + last, rep);
		last = t.tok + t.len;
	}
	snprintf(out + (o < size ? o : size), o < size ? size - o : 0, "%s", unit + last);
	return factor;
}

bool cprof__bf_unit_binary(const char *unit)
{
	struct utok t = {unit, 0, 0, 0, false};
	while (utok_next(&t)) {
		if (t.denom)
			continue;
		if ((t.len == 1 && unit[t.tok] == 'B') ||
		    (t.len == 2 && !memcmp(unit + t.tok, "MB", 2)) ||
		    (t.len == 5 && !memcmp(unit + t.tok, "bytes", 5)))
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------- */
/* parsing                                                            */

struct fields {
	size_t n;
	const char *p[MAX_FIELDS];
	size_t len[MAX_FIELDS];
};

static bool split_fields(const char *s, size_t n, struct fields *f)
{
	f->n = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && is_space(s[i]))
			i++;
		if (i >= n)
			break;
		size_t j = i;
		while (j < n && !is_space(s[j]))
			j++;
		if (f->n == MAX_FIELDS)
			return false;
		f->p[f->n] = s + i;
		f->len[f->n++] = j - i;
		i = j;
	}
	return true;
}

static void syntax(FILE *err, const char *label, int line, const char *msg, const char *arg,
		   size_t arglen)
{
	if (!err)
		return;
	if (arg)
		fprintf(err, "%s:%d: %s \"%.*s\"\n", label, line, msg,
			(int)(arglen > 80 ? 80 : arglen), arg);
	else
		fprintf(err, "%s:%d: %s\n", label, line, msg);
}

static bool parse_float(const char *s, size_t n, double *v)
{
	char buf[128];
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	/* strtod also takes "0x..." and "infinity", as Go's ParseFloat does */
	char *end;
	errno = 0;
	*v = strtod(buf, &end);
	if (*end)
		return false;
	if (errno == ERANGE && isinf(*v))
		return false;
	return true;
}

static bool parse_int(const char *s, size_t n, long long *v)
{
	char buf[32];
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	for (size_t i = 0; i < n; i++)
		if (!((buf[i] >= '0' && buf[i] <= '9') ||
		      (i == 0 && (buf[i] == '-' || buf[i] == '+'))))
			return false;
	char *end;
	errno = 0;
	*v = strtoll(buf, &end, 10);
	return !*end && !errno && end != buf;
}

/* the current configuration of the file being parsed */
struct cur {
	struct cprof__bf_kv *kv;
	size_t n, cap;
	bool dirty;
	size_t snap;
};

static int note_key(struct cprof__bf_set *s, const char *key, size_t len)
{
	for (size_t i = 0; i < s->nkeys; i++)
		if (strlen(s->keys[i]) == len && !memcmp(s->keys[i], key, len))
			return 0;
	char **k = realloc(s->keys, (s->nkeys + 1) * sizeof *k);
	if (!k)
		return -1;
	s->keys = k;
	if (!(k[s->nkeys] = memdup0(key, len)))
		return -1;
	s->nkeys++;
	return 0;
}

static int set_config(struct cprof__bf_set *s, struct cur *c, const char *key, size_t klen,
		      const char *val, size_t vlen)
{
	size_t i;
	for (i = 0; i < c->n; i++)
		if (strlen(c->kv[i].key) == klen && !memcmp(c->kv[i].key, key, klen))
			break;
	c->dirty = true;
	if (vlen == 0) { /* an empty value deletes the key */
		if (i < c->n) {
			free(c->kv[i].key);
			free(c->kv[i].val);
			memmove(&c->kv[i], &c->kv[i + 1], (c->n - i - 1) * sizeof *c->kv);
			c->n--;
		}
		return 0;
	}
	if (note_key(s, key, klen) < 0)
		return -1;
	char *v = memdup0(val, vlen);
	if (!v)
		return -1;
	if (i < c->n) {
		free(c->kv[i].val);
		c->kv[i].val = v;
		return 0;
	}
	if (!grow((void **)&c->kv, &c->cap, c->n + 1, sizeof *c->kv)) {
		free(v);
		return -1;
	}
	c->kv[c->n].key = memdup0(key, klen);
	c->kv[c->n].val = v;
	if (!c->kv[c->n].key) {
		free(v);
		return -1;
	}
	c->n++;
	return 0;
}

static int snapshot(struct cprof__bf_set *s, struct cur *c)
{
	if (!c->dirty)
		return 0;
	if (!grow((void **)&s->configs, &s->capconfigs, s->nconfigs + 1, sizeof *s->configs))
		return -1;
	struct cprof__bf_config *cfg = &s->configs[s->nconfigs];
	cfg->n = 0;
	cfg->kv = calloc(c->n ? c->n : 1, sizeof *cfg->kv);
	if (!cfg->kv)
		return -1;
	s->nconfigs++;
	for (size_t i = 0; i < c->n; i++) {
		cfg->kv[i].key = strdup(c->kv[i].key);
		cfg->kv[i].val = strdup(c->kv[i].val);
		cfg->n++;
		if (!cfg->kv[i].key || !cfg->kv[i].val)
			return -1;
	}
	c->snap = s->nconfigs - 1;
	c->dirty = false;
	return 0;
}

/* "key: value": key starts lower-case, has no space or upper case; the
 * colon is followed by a space, a tab or the end of the line. */
static bool config_line(const char *l, size_t n, size_t *klen, const char **val, size_t *vlen)
{
	if (n == 0 || !(l[0] >= 'a' && l[0] <= 'z'))
		return false;
	size_t i = 0;
	while (i < n && l[i] != ':') {
		if (is_space(l[i]) || (l[i] >= 'A' && l[i] <= 'Z'))
			return false;
		i++;
	}
	if (i == n || (i + 1 < n && l[i + 1] != ' ' && l[i + 1] != '\t'))
		return false;
	*klen = i;
	size_t b = i + 1, e = n;
	while (b < e && is_space(l[b]))
		b++;
	while (e > b && is_space(l[e - 1]))
		e--;
	*val = l + b;
	*vlen = e - b;
	return true;
}

static int unit_line(struct cprof__bf_set *s, const struct fields *f, const char *label, int line,
		     FILE *err, int *nerr)
{
	if (f->n < 2) {
		syntax(err, label, line, "missing unit", NULL, 0);
		(*nerr)++;
		return 0;
	}
	char raw[256], unit[512];
	if (f->len[1] >= sizeof raw) {
		syntax(err, label, line, "unit too long", NULL, 0);
		(*nerr)++;
		return 0;
	}
	memcpy(raw, f->p[1], f->len[1]);
	raw[f->len[1]] = 0;
	cprof__bf_tidy(raw, unit, sizeof unit);
	for (size_t i = 2; i < f->n; i++) {
		const char *eq = memchr(f->p[i], '=', f->len[i]);
		if (!eq) {
			syntax(err, label, line, "expected key=value", NULL, 0);
			(*nerr)++;
			continue;
		}
		size_t kl = (size_t)(eq - f->p[i]), vl = f->len[i] - kl - 1;
		const char *have = NULL;
		for (size_t m = 0; m < s->nmeta; m++)
			if (!strcmp(s->meta[m].unit, unit) && strlen(s->meta[m].key) == kl &&
			    !memcmp(s->meta[m].key, f->p[i], kl))
				have = s->meta[m].val;
		if (have) {
			if (strlen(have) != vl || memcmp(have, eq + 1, vl)) {
				if (err)
					fprintf(err,
						"%s:%d: metadata %.*s of unit %s already set to %s\n",
						label, line, (int)(kl > 80 ? 80 : kl), f->p[i],
						unit, have);
				(*nerr)++;
			}
			continue;
		}
		struct cprof__bf_unitmeta *m = realloc(s->meta, (s->nmeta + 1) * sizeof *m);
		if (!m)
			return -1;
		s->meta = m;
		m[s->nmeta].unit = strdup(unit);
		m[s->nmeta].key = memdup0(f->p[i], kl);
		m[s->nmeta].val = memdup0(eq + 1, vl);
		if (!m[s->nmeta].unit || !m[s->nmeta].key || !m[s->nmeta].val) {
			free(m[s->nmeta].unit);
			free(m[s->nmeta].key);
			free(m[s->nmeta].val);
			return -1;
		}
		s->nmeta++;
	}
	return 0;
}

static int result_line(struct cprof__bf_set *s, struct cur *c, const struct fields *f,
		       const char *label, int line, FILE *err, int *nerr)
{
	if (f->n == 1)
		return 0; /* a bare name, as `go test -v` prints */
	long long iters;
	if (!parse_int(f->p[1], f->len[1], &iters)) {
		syntax(err, label, line, "parsing iteration count: invalid syntax:", f->p[1],
		       f->len[1]);
		(*nerr)++;
		return 0;
	}
	if (f->n == 2) {
		syntax(err, label, line, "missing measurements", NULL, 0);
		(*nerr)++;
		return 0;
	}
	if (f->n % 2) {
		syntax(err, label, line, "missing units", NULL, 0);
		(*nerr)++;
		return 0;
	}
	size_t nv = (f->n - 2) / 2;
	struct cprof__bf_value *vals = calloc(nv, sizeof *vals);
	if (!vals)
		return -1;
	for (size_t i = 0; i < nv; i++) {
		if (!parse_float(f->p[2 + 2 * i], f->len[2 + 2 * i], &vals[i].v)) {
			syntax(err, label, line,
			       "parsing measurement: invalid syntax:", f->p[2 + 2 * i],
			       f->len[2 + 2 * i]);
			(*nerr)++;
			for (size_t k = 0; k < i; k++)
				free(vals[k].unit);
			free(vals);
			return 0;
		}
		vals[i].unit = memdup0(f->p[3 + 2 * i], f->len[3 + 2 * i]);
		if (!vals[i].unit) {
			for (size_t k = 0; k < i; k++)
				free(vals[k].unit);
			free(vals);
			return -1;
		}
	}
	if (snapshot(s, c) < 0 ||
	    !grow((void **)&s->res, &s->capres, s->nres + 1, sizeof *s->res)) {
		for (size_t k = 0; k < nv; k++)
			free(vals[k].unit);
		free(vals);
		return -1;
	}
	struct cprof__bf_result *r = &s->res[s->nres];
	r->file = s->nfiles - 1;
	r->line = line;
	r->name = memdup0(f->p[0] + 9, f->len[0] - 9);
	r->config = c->snap;
	r->nvals = nv;
	r->vals = vals;
	if (!r->name) {
		for (size_t k = 0; k < nv; k++)
			free(vals[k].unit);
		free(vals);
		return -1;
	}
	s->nres++;
	return 0;
}

int cprof__bf_parse(struct cprof__bf_set *s, const char *label, const char *buf, size_t len,
		    FILE *err)
{
	char **files = realloc(s->files, (s->nfiles + 1) * sizeof *files);
	if (!files)
		return -1;
	s->files = files;
	if (!(files[s->nfiles] = strdup(label)))
		return -1;
	s->nfiles++;

	struct cur c = {NULL, 0, 0, true, 0};
	struct fields *f = malloc(sizeof *f);
	if (!f)
		return -1;
	int nerr = 0, rc = 0, line = 0;
	for (size_t pos = 0; pos < len && rc == 0;) {
		const char *l = buf + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		pos += n + (nl ? 1 : 0);
		line++;
		if (n && l[n - 1] == '\r')
			n--;
		if (n > MAX_LINE) {
			syntax(err, label, line, "line too long", NULL, 0);
			nerr++;
			continue;
		}
		size_t klen, vlen;
		const char *val;
		if (config_line(l, n, &klen, &val, &vlen)) {
			if (set_config(s, &c, l, klen, val, vlen) < 0)
				rc = -1;
			continue;
		}
		if (n < 4 || (memcmp(l, "Unit", 4) && (n < 9 || memcmp(l, "Benchmark", 9))))
			continue;
		if (!split_fields(l, n, f)) {
			syntax(err, label, line, "too many fields", NULL, 0);
			nerr++;
			continue;
		}
		if (f->n == 0)
			continue;
		if (f->len[0] == 4 && !memcmp(f->p[0], "Unit", 4)) {
			if (unit_line(s, f, label, line, err, &nerr) < 0)
				rc = -1;
			continue;
		}
		/* "Benchmark" then the end of the field or anything not lower-case */
		if (f->len[0] < 9 || memcmp(f->p[0], "Benchmark", 9) ||
		    (f->len[0] > 9 && f->p[0][9] >= 'a' && f->p[0][9] <= 'z'))
			continue;
		if (result_line(s, &c, f, label, line, err, &nerr) < 0)
			rc = -1;
	}
	free(f);
	for (size_t i = 0; i < c.n; i++) {
		free(c.kv[i].key);
		free(c.kv[i].val);
	}
	free(c.kv);
	return rc < 0 ? -1 : nerr;
}

const char *cprof__bf_unit_meta(const struct cprof__bf_set *s, const char *unit, const char *key)
{
	for (size_t i = 0; i < s->nmeta; i++)
		if (!strcmp(s->meta[i].unit, unit) && !strcmp(s->meta[i].key, key))
			return s->meta[i].val;
	return NULL;
}

const char *cprof__bf_config_get(const struct cprof__bf_set *s, size_t c, const char *key)
{
	if (c >= s->nconfigs)
		return NULL;
	for (size_t i = 0; i < s->configs[c].n; i++)
		if (!strcmp(s->configs[c].kv[i].key, key))
			return s->configs[c].kv[i].val;
	return NULL;
}

void cprof__bf_free(struct cprof__bf_set *s)
{
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	for (size_t i = 0; i < s->nres; i++) {
		for (size_t k = 0; k < s->res[i].nvals; k++)
			free(s->res[i].vals[k].unit);
		free(s->res[i].vals);
		free(s->res[i].name);
	}
	for (size_t i = 0; i < s->nconfigs; i++) {
		for (size_t k = 0; k < s->configs[i].n; k++) {
			free(s->configs[i].kv[k].key);
			free(s->configs[i].kv[k].val);
		}
		free(s->configs[i].kv);
	}
	for (size_t i = 0; i < s->nkeys; i++)
		free(s->keys[i]);
	for (size_t i = 0; i < s->nmeta; i++) {
		free(s->meta[i].unit);
		free(s->meta[i].key);
		free(s->meta[i].val);
	}
	free(s->files);
	free(s->res);
	free(s->configs);
	free(s->keys);
	free(s->meta);
	memset(s, 0, sizeof *s);
}
