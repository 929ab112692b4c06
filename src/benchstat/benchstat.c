/*
 * benchstat.c — `cprof benchstat`, following golang.org/x/perf/cmd/benchstat:
 *
 *   inputs  -> results (benchfmt.c) -> observations (one per value/unit,
 *   units tidied) -> projected into tables (file configuration + unit),
 *   rows (-row, default .fullname) and columns (-col, default .file)
 *   -> cells: median, CI (stats.c); comparisons against the first column
 *   -> geomean row -> text (benchstat's layout engine) or CSV.
 */
#include "compat.h"
#include "benchstat/benchstat.h"
#include "benchstat/benchfmt.h"
#include "benchstat/stats.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT (1ull << 30)

/* ---------------------------------------------------------------- */
/* strings                                                            */

struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sb *s, const char *t, size_t n)
{
	if (s->oom)
		return;
	if (s->len + n + 1 > s->cap) {
		size_t c = s->cap ? s->cap : 64;
		while (c < s->len + n + 1)
			c *= 2;
		char *p = realloc(s->p, c);
		if (!p) {
			s->oom = true;
			return;
		}
		s->p = p;
		s->cap = c;
	}
	memcpy(s->p + s->len, t, n);
	s->len += n;
	s->p[s->len] = 0;
}

static void sb_puts(struct sb *s, const char *t)
{
	sb_add(s, t, strlen(t));
}

static void sb_printf(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof buf) {
		sb_add(s, buf, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		s->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_add(s, big, (size_t)n);
	free(big);
}

static const char *sb_str(const struct sb *s)
{
	return s->p ? s->p : "";
}

static size_t runes(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* An interning table: string -> dense index, in first-seen order. */
struct intern {
	char **str;
	size_t n, cap;
	size_t *slot; /* open addressing, index + 1 */
	size_t nslot;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Returns the index of s, adding it if new; (size_t)-1 when out of memory. */
static size_t intern(struct intern *t, const char *s)
{
	if (t->n * 2 >= t->nslot) {
		size_t ns = t->nslot ? t->nslot * 2 : 64;
		size_t *slot = calloc(ns, sizeof *slot);
		if (!slot)
			return (size_t)-1;
		for (size_t i = 0; i < t->n; i++) {
			size_t h = (size_t)hash(t->str[i]) & (ns - 1);
			while (slot[h])
				h = (h + 1) & (ns - 1);
			slot[h] = i + 1;
		}
		free(t->slot);
		t->slot = slot;
		t->nslot = ns;
	}
	size_t h = (size_t)hash(s) & (t->nslot - 1);
	while (t->slot[h]) {
		if (!strcmp(t->str[t->slot[h] - 1], s))
			return t->slot[h] - 1;
		h = (h + 1) & (t->nslot - 1);
	}
	if (t->n == t->cap) {
		size_t c = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->str, c * sizeof *p);
		if (!p)
			return (size_t)-1;
		t->str = p;
		t->cap = c;
	}
	if (!(t->str[t->n] = strdup(s)))
		return (size_t)-1;
	t->slot[h] = ++t->n;
	return t->n - 1;
}

static void intern_free(struct intern *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- */
/* benchmark names: Base/key=value/positional-GOMAXPROCS              */

/* Where the "-N" GOMAXPROCS suffix starts (strlen if none). */
static size_t procs_at(const char *name)
{
	size_t n = strlen(name), i = n;
	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i < n && i > 0 && name[i - 1] == '-')
		return i - 1;
	return n;
}

static void name_base(const char *name, struct sb *out)
{
	size_t end = procs_at(name), slash = strcspn(name, "/");
	sb_add(out, name, slash < end ? slash : end);
}

/* Value of sub-name key (NULL if absent); "gomaxprocs" is the suffix. */
static bool name_key(const char *name, const char *key, struct sb *out)
{
	size_t end = procs_at(name);
	if (!strcmp(key, "gomaxprocs")) {
		if (end == strlen(name))
			return false;
		sb_puts(out, name + end + 1);
		return true;
	}
	size_t kl = strlen(key);
	for (size_t i = strcspn(name, "/"); i < end;) {
		size_t j = i + 1;
		while (j < end && name[j] != '/')
			j++;
		if (j - i - 1 > kl && !strncmp(name + i + 1, key, kl) && name[i + 1 + kl] == '=') {
			sb_add(out, name + i + 2 + kl, j - (i + 2 + kl));
			return true;
		}
		i = j;
	}
	return false;
}

/* The full name without the sub-name key (or the suffix for gomaxprocs). */
static void name_without(const char *name, const char *key, struct sb *out)
{
	size_t end = procs_at(name), kl = strlen(key);
	if (!strcmp(key, "gomaxprocs")) {
		sb_add(out, name, end);
		return;
	}
	size_t first = strcspn(name, "/");
	sb_add(out, name, first < end ? first : end);
	for (size_t i = first; i < end;) {
		size_t j = i + 1;
		while (j < end && name[j] != '/')
			j++;
		if (!(j - i - 1 > kl && !strncmp(name + i + 1, key, kl) && name[i + 1 + kl] == '='))
			sb_add(out, name + i, j - i);
		i = j;
	}
	sb_puts(out, name + end);
}

/* ---------------------------------------------------------------- */
/* options, projections and filters                                   */

enum keykind { K_FULLNAME, K_NAME, K_FILE, K_UNIT, K_SUB, K_CONFIG };

enum keyorder { O_FIRST, O_ALPHA, O_NUM, O_FIXED };

struct key {
	enum keykind kind;
	char name[128]; /* the sub-name or config key */
	enum keyorder order;
	char fixed[512]; /* O_FIXED: the values, each followed by '\0', then '\0' */
};

/* -filter is an expression tree in an array: terms, NOT, AND, OR, "*" */
enum fkind { F_TRUE, F_TERM, F_NOT, F_AND, F_OR };

struct fnode {
	enum fkind kind;
	int a, b; /* children */
	bool re;
	struct key key;
	char *val;
	regex_t rx;
};

struct opts {
	double alpha, confidence;
	bool csv;
	struct key row, col;
	struct fnode *nodes;
	int nnodes, root; /* root < 0: no filter */
	char ignore[16][128]; /* -ignore: config keys, .file, .fullname */
	int nignore;
};

/* key@alpha, key@num, key@(v1 v2 ...): sort orders (the last also filters) */
static int parse_order(const char *o, struct key *k)
{
	if (!strcmp(o, "alpha"))
		k->order = O_ALPHA;
	else if (!strcmp(o, "num"))
		k->order = O_NUM;
	else if (o[0] == '(' && o[strlen(o) - 1] == ')') {
		k->order = O_FIXED;
		size_t n = 0;
		const char *p = o + 1, *end = o + strlen(o) - 1;
		while (p < end) {
			while (p < end && (*p == ' ' || *p == ','))
				p++;
			const char *q = p;
			while (q < end && *q != ' ' && *q != ',')
				q++;
			if (q > p) {
				if (n + (size_t)(q - p) + 2 > sizeof k->fixed)
					return -1;
				memcpy(k->fixed + n, p, (size_t)(q - p));
				n += (size_t)(q - p);
				k->fixed[n++] = 0;
			}
			p = q;
		}
		k->fixed[n] = 0;
	} else
		return -1;
	return 0;
}

static int parse_key(const char *spec, struct key *k)
{
	memset(k, 0, sizeof *k);
	char s[256];
	snprintf(s, sizeof s, "%s", spec);
	char *at = strchr(s, '@');
	if (at) {
		*at = 0;
		if (parse_order(at + 1, k) < 0)
			return -1;
	}
	if (!strcmp(s, ".fullname"))
		k->kind = K_FULLNAME;
	else if (!strcmp(s, ".name"))
		k->kind = K_NAME;
	else if (!strcmp(s, ".file"))
		k->kind = K_FILE;
	else if (!strcmp(s, ".unit"))
		k->kind = K_UNIT;
	else if (s[0] == '/' && s[1] && strlen(s) < sizeof k->name + 1) {
		k->kind = K_SUB;
		snprintf(k->name, sizeof k->name, "%.127s", s + 1);
	} else if (s[0] && s[0] != '.' && strlen(s) < sizeof k->name && !strpbrk(s, " ,@()")) {
		k->kind = K_CONFIG;
		snprintf(k->name, sizeof k->name, "%.127s", s);
	} else
		return -1;
	return 0;
}

static void free_terms(struct opts *o)
{
	for (int i = 0; i < o->nnodes; i++) {
		if (o->nodes[i].re)
			regfree(&o->nodes[i].rx);
		free(o->nodes[i].val);
	}
	free(o->nodes);
	o->nodes = NULL;
	o->nnodes = 0;
	o->root = -1;
}

/*
 * -filter, benchproc's syntax (the common part):
 *   expr  := and ("OR" and)*
 *   and   := unary (["AND"] unary)*
 *   unary := "-" unary | "(" expr ")" | "*" | key ":" value
 *   value := word | "quoted" | /regexp/ | "(" word ("OR" word)* ")"
 */
struct fparse {
	struct opts *o;
	const char *p;
	FILE *err;
	int depth;
	bool failed;
};

static int fnode_new(struct fparse *f, enum fkind kind, int a, int b)
{
	if (f->failed)
		return -1;
	if (f->o->nnodes >= 4096) {
		fprintf(f->err, "cprof: benchstat: -filter: expression too long\n");
		f->failed = true;
		return -1;
	}
	struct fnode *n = realloc(f->o->nodes, (size_t)(f->o->nnodes + 1) * sizeof *n);
	if (!n) {
		f->failed = true;
		return -1;
	}
	f->o->nodes = n;
	memset(&n[f->o->nnodes], 0, sizeof *n);
	n[f->o->nnodes].kind = kind;
	n[f->o->nnodes].a = a;
	n[f->o->nnodes].b = b;
	return f->o->nnodes++;
}

static void fskip(struct fparse *f)
{
	while (*f->p == ' ' || *f->p == '\t')
		f->p++;
}

static bool fkeyword(struct fparse *f, const char *kw)
{
	size_t l = strlen(kw);
	fskip(f);
	if (strncmp(f->p, kw, l) || !(f->p[l] == 0 || f->p[l] == ' ' || f->p[l] == '(' ||
				      f->p[l] == '\t'))
		return false;
	f->p += l;
	return true;
}

static int ferror_at(struct fparse *f, const char *msg)
{
	if (!f->failed)
		fprintf(f->err, "cprof: benchstat: -filter: %s near \"%.40s\"\n", msg, f->p);
	f->failed = true;
	return -1;
}

/* One key:value test; a regexp if re. */
static int fterm(struct fparse *f, const struct key *k, const char *v, size_t n, bool re)
{
	int i = fnode_new(f, F_TERM, -1, -1);
	if (i < 0)
		return -1;
	struct fnode *t = &f->o->nodes[i];
	t->key = *k;
	t->val = strndup(v, n);
	if (!t->val) {
		f->failed = true;
		return -1;
	}
	if (re) {
		if (regcomp(&t->rx, t->val, REG_EXTENDED | REG_NOSUB))
			return ferror_at(f, "bad regexp");
		t->re = true;
	}
	return i;
}

static int fexpr(struct fparse *f);

static int funary(struct fparse *f)
{
	fskip(f);
	if (f->failed)
		return -1;
	if (*f->p == '-') {
		f->p++;
		return fnode_new(f, F_NOT, funary(f), -1);
	}
	if (*f->p == '(') {
		f->p++;
		int e = fexpr(f);
		fskip(f);
		if (*f->p != ')')
			return ferror_at(f, "missing )");
		f->p++;
		return e;
	}
	if (*f->p == '*') {
		f->p++;
		return fnode_new(f, F_TRUE, -1, -1);
	}
	const char *colon = f->p;
	while (*colon && *colon != ':' && *colon != ' ' && *colon != '(' && *colon != ')')
		colon++;
	if (*colon != ':' || colon == f->p || colon - f->p >= 128)
		return ferror_at(f, "expected key:value");
	char kbuf[128];
	snprintf(kbuf, sizeof kbuf, "%.*s", (int)(colon - f->p), f->p);
	struct key k;
	if (parse_key(kbuf, &k) < 0 || k.order != O_FIRST)
		return ferror_at(f, "unknown key");
	f->p = colon + 1;
	if (*f->p == '/' || *f->p == '"') {
		char q = *f->p;
		const char *e = strchr(f->p + 1, q);
		if (!e)
			return ferror_at(f, q == '/' ? "missing closing /" : "missing closing quote");
		int t = fterm(f, &k, f->p + 1, (size_t)(e - f->p - 1), q == '/');
		f->p = e + 1;
		return t;
	}
	if (*f->p == '(') { /* key:(a OR b OR c) */
		f->p++;
		int acc = -1;
		for (;;) {
			fskip(f);
			size_t n = strcspn(f->p, " \t)");
			if (n == 0)
				return ferror_at(f, "expected a value");
			int t = fterm(f, &k, f->p, n, false);
			f->p += n;
			acc = acc < 0 ? t : fnode_new(f, F_OR, acc, t);
			if (f->failed)
				return -1;
			fskip(f);
			if (*f->p == ')') {
				f->p++;
				return acc;
			}
			if (!fkeyword(f, "OR"))
				return ferror_at(f, "expected OR or )");
		}
	}
	size_t n = strcspn(f->p, " \t)");
	int t = fterm(f, &k, f->p, n, false);
	f->p += n;
	return t;
}

static int fand(struct fparse *f)
{
	int left = funary(f);
	for (;;) {
		fskip(f);
		if (f->failed || !*f->p || *f->p == ')')
			return left;
		const char *save = f->p;
		if (fkeyword(f, "OR")) {
			f->p = save;
			return left;
		}
		fkeyword(f, "AND");
		left = fnode_new(f, F_AND, left, funary(f));
	}
}

static int fexpr(struct fparse *f)
{
	if (++f->depth > 64)
		return ferror_at(f, "nested too deeply");
	int left = fand(f);
	while (!f->failed && fkeyword(f, "OR"))
		left = fnode_new(f, F_OR, left, fand(f));
	f->depth--;
	return left;
}

static int parse_filter(const char *text, struct opts *o, FILE *err)
{
	free_terms(o);
	struct fparse f = {o, text, err, 0, false};
	fskip(&f);
	if (!*f.p)
		return 0;
	int root = fexpr(&f);
	fskip(&f);
	if (!f.failed && *f.p)
		ferror_at(&f, "unexpected text");
	if (f.failed) {
		free_terms(o);
		return -1;
	}
	o->root = root;
	return 0;
}

/* ---------------------------------------------------------------- */
/* the data                                                           */

struct obs {
	size_t table, row, col, fullname, file;
	double v;
};

struct cell {
	bool present;
	size_t n, cap;
	double *v;
	size_t fullname, file; /* first seen, to detect variation */
	bool vary_fullname, vary_file;
	/* summary */
	double center, lo, hi;
	char *warn[3];
	int nwarn;
	/* comparison with the baseline column */
	bool has_base;
	double p;
	int n1, n2;
	char *cwarn[2];
	int ncwarn;
};

struct table {
	size_t config; /* a representative config snapshot */
	char *unit;
	bool exact, binary;
	size_t *rows, nrows; /* global row indices, first-seen order */
	size_t *cols, ncols;
	struct cell *cells; /* nrows x ncols */
	/* geomean row */
	bool has_sum[64];
	double sum[64];
	bool has_ratio[64];
	double ratio[64];
	char *gwarn[64][3];
	int ngwarn[64];
};

struct bs {
	FILE *err;
	struct opts o;
	struct cprof__bf_set set;
	struct intern tables, rows, cols, names, files;
	struct obs *obs;
	size_t nobs, capobs;
	struct table *t;
	size_t nt;
	char **tkeys; /* the config keys that split tables, first-seen order */
	size_t ntkeys;
};

static bool key_value(const struct bs *b, const struct cprof__bf_result *r, const char *unit,
		      const struct key *k, struct sb *out)
{
	switch (k->kind) {
	case K_FULLNAME:
		sb_puts(out, r->name);
		return true;
	case K_NAME:
		name_base(r->name, out);
		return true;
	case K_FILE:
		sb_puts(out, b->set.files[r->file]);
		return true;
	case K_UNIT:
		sb_puts(out, unit);
		return true;
	case K_SUB:
		return name_key(r->name, k->name, out);
	case K_CONFIG: {
		const char *v = cprof__bf_config_get(&b->set, r->config, k->name);
		if (v)
			sb_puts(out, v);
		return v != NULL;
	}
	}
	return false;
}

static bool feval(const struct bs *b, int i, const struct cprof__bf_result *r,
		  const char *raw_unit, const char *unit)
{
	const struct fnode *n = &b->o.nodes[i];
	switch (n->kind) {
	case F_TRUE:
		return true;
	case F_NOT:
		return !feval(b, n->a, r, raw_unit, unit);
	case F_AND:
		return feval(b, n->a, r, raw_unit, unit) && feval(b, n->b, r, raw_unit, unit);
	case F_OR:
		return feval(b, n->a, r, raw_unit, unit) || feval(b, n->b, r, raw_unit, unit);
	case F_TERM:
		break;
	}
	struct sb v = {0};
	key_value(b, r, unit, &n->key, &v);
	bool m = n->re ? !regexec(&n->rx, sb_str(&v), 0, NULL, 0) : !strcmp(sb_str(&v), n->val);
	if (!m && n->key.kind == K_UNIT) /* the unit as written matches too */
		m = n->re ? !regexec(&n->rx, raw_unit, 0, NULL, 0) : !strcmp(raw_unit, n->val);
	free(v.p);
	return m;
}

static bool filter_ok(const struct bs *b, const struct cprof__bf_result *r, const char *raw_unit,
		      const char *unit)
{
	return b->o.root < 0 || feval(b, b->o.root, r, raw_unit, unit);
}

/* Row label: the -row key, minus the part shown by a sub-name -col key. */
static void row_value(const struct bs *b, const struct cprof__bf_result *r, const char *unit,
		      struct sb *out)
{
	if (b->o.row.kind == K_FULLNAME && b->o.col.kind == K_SUB) {
		name_without(r->name, b->o.col.name, out);
		return;
	}
	key_value(b, r, unit, &b->o.row, out);
}

static bool ignored(const struct bs *b, const char *key)
{
	for (int i = 0; i < b->o.nignore; i++)
		if (!strcmp(b->o.ignore[i], key))
			return true;
	return false;
}

static bool is_proj_key(const struct bs *b, const char *key)
{
	return ignored(b, key) || (b->o.row.kind == K_CONFIG && !strcmp(b->o.row.name, key)) ||
	       (b->o.col.kind == K_CONFIG && !strcmp(b->o.col.name, key));
}

/* Position of v in a fixed order, or -1 if not listed. */
static int fixed_pos(const struct key *k, const char *v)
{
	int i = 0;
	for (const char *p = k->fixed; *p; p += strlen(p) + 1, i++)
		if (!strcmp(p, v))
			return i;
	return -1;
}

/* "2k", "1Mi", "64": numbers with SI or IEC prefixes; NaN if not one. */
static double num_value(const char *v)
{
	char *end;
	double x = strtod(v, &end);
	if (end == v)
		return NAN;
	static const struct {
		const char *sfx;
		double mul;
	} sfx[] = {{"", 1},	      {"k", 1e3},	     {"M", 1e6},	{"G", 1e9},
		   {"T", 1e12},	      {"Ki", 1024.0},	     {"Mi", 1048576.0}, {"Gi", 1073741824.0},
		   {"Ti", 1099511627776.0}};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(sfx); i++)
		if (!strcmp(end, sfx[i].sfx))
			return x * sfx[i].mul;
	return NAN;
}

struct sortctx {
	const struct key *k;
	char **str;
};

static int cmp_keyed(const void *a, const void *b, void *arg)
{
	const struct sortctx *c = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const char *sx = c->str[x], *sy = c->str[y];
	int r = 0;
	if (c->k->order == O_ALPHA) {
		r = strcmp(sx, sy);
	} else if (c->k->order == O_NUM) {
		double nx = num_value(sx), ny = num_value(sy);
		if (isnan(nx) != isnan(ny))
			r = isnan(nx) ? 1 : -1; /* numbers first */
		else if (!isnan(nx) && nx != ny)
			r = nx < ny ? -1 : 1;
		else
			r = strcmp(sx, sy);
	} else if (c->k->order == O_FIXED) {
		r = fixed_pos(c->k, sx) - fixed_pos(c->k, sy);
	}
	return r ? r : (x > y) - (x < y); /* then first-seen */
}

static int add_obs(struct bs *b)
{
	/* the configuration keys that split tables: all but -row/-col's */
	for (size_t i = 0; i < b->set.nkeys; i++) {
		if (is_proj_key(b, b->set.keys[i]))
			continue;
		char **k = realloc(b->tkeys, (b->ntkeys + 1) * sizeof *k);
		if (!k)
			return -1;
		b->tkeys = k;
		k[b->ntkeys++] = b->set.keys[i];
	}
	for (size_t i = 0; i < b->set.nres; i++) {
		const struct cprof__bf_result *r = &b->set.res[i];
		for (size_t j = 0; j < r->nvals; j++) {
			char unit[512];
			double f = cprof__bf_tidy(r->vals[j].unit, unit, sizeof unit);
			if (isnan(r->vals[j].v) || !filter_ok(b, r, r->vals[j].unit, unit))
				continue; /* NaN has no order: no median, no ranks */
			struct sb tk = {0}, rk = {0}, ck = {0};
			for (size_t k = 0; k < b->ntkeys; k++) {
				const char *v = cprof__bf_config_get(&b->set, r->config, b->tkeys[k]);
				sb_printf(&tk, "%s\x1f", v ? v : "");
			}
			sb_printf(&tk, "\x1e%s", unit);
			row_value(b, r, unit, &rk);
			key_value(b, r, unit, &b->o.col, &ck);
			if ((b->o.row.order == O_FIXED && fixed_pos(&b->o.row, sb_str(&rk)) < 0) ||
			    (b->o.col.order == O_FIXED && fixed_pos(&b->o.col, sb_str(&ck)) < 0)) {
				free(tk.p);
				free(rk.p);
				free(ck.p);
				continue; /* a fixed order also filters */
			}
			bool oom = tk.oom || rk.oom || ck.oom;
			size_t ti = oom ? (size_t)-1 : intern(&b->tables, sb_str(&tk));
			size_t ri = oom ? (size_t)-1 : intern(&b->rows, sb_str(&rk));
			size_t ci = oom ? (size_t)-1 : intern(&b->cols, sb_str(&ck));
			size_t ni = intern(&b->names, r->name);
			free(tk.p);
			free(rk.p);
			free(ck.p);
			if (ti == (size_t)-1 || ri == (size_t)-1 || ci == (size_t)-1 ||
			    ni == (size_t)-1)
				return -1;
			if (ti == b->nt) {
				struct table *t = realloc(b->t, (b->nt + 1) * sizeof *t);
				if (!t)
					return -1;
				b->t = t;
				memset(&t[b->nt], 0, sizeof *t);
				t[b->nt].config = r->config;
				t[b->nt].unit = strdup(unit);
				if (!t[b->nt].unit)
					return -1;
				const char *a = cprof__bf_unit_meta(&b->set, unit, "assume");
				t[b->nt].exact = a && !strcmp(a, "exact");
				t[b->nt].binary = cprof__bf_unit_binary(unit);
				b->nt++;
			}
			if (b->nobs == b->capobs) {
				size_t c = b->capobs ? b->capobs * 2 : 256;
				struct obs *o = realloc(b->obs, c * sizeof *o);
				if (!o)
					return -1;
				b->obs = o;
				b->capobs = c;
			}
			b->obs[b->nobs++] = (struct obs){ti, ri, ci, ni, r->file, r->vals[j].v * f};
		}
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* Go's %v of a float64: the shortest digits that round-trip, in %e form
 * when the decimal exponent is < -4 or >= 6 (strconv's shortest 'g'). */
static void go_float(double v, char *buf, size_t size)
{
	if (isnan(v)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == 0) {
		snprintf(buf, size, signbit(v) ? "-0" : "0");
		return;
	}
	int prec;
	char e[64];
	for (prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	int exp = atoi(strchr(e, 'e') + 1);
	if (exp < -4 || exp >= 6)
		snprintf(buf, size, "%.*e", prec - 1, v);
	else
		snprintf(buf, size, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, v);
}

static void fmt_conf(double c, char *buf, size_t size)
{
	go_float(c, buf, size);
}

/* The mode of sorted values (the smallest of equally common ones). */
static double mode_sorted(const double *v, size_t n)
{
	double best = v[0];
	size_t bestc = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j] == v[i])
			j++;
		if (j - i > bestc)
			best = v[i], bestc = j - i;
		i = j;
	}
	return best;
}

static int summarize(struct bs *b, struct table *t)
{
	char conf[32], alpha[32];
	fmt_conf(b->o.confidence, conf, sizeof conf);
	fmt_conf(b->o.alpha, alpha, sizeof alpha);
	for (size_t ri = 0; ri < t->nrows; ri++) {
		for (size_t ci = 0; ci < t->ncols; ci++) {
			struct cell *c = &t->cells[ri * t->ncols + ci];
			if (!c->present)
				continue;
			qsort(c->v, c->n, sizeof *c->v, cmp_double);
			if (c->vary_fullname || c->vary_file) {
				c->warn[c->nwarn++] = xasprintf(
					"benchmarks vary in %s%s%s", c->vary_fullname ? ".fullname" : "",
					c->vary_fullname && c->vary_file ? ", " : "",
					c->vary_file ? ".file" : "");
			}
			if (t->exact) {
				c->center = mode_sorted(c->v, c->n);
				c->lo = c->v[0];
				c->hi = c->v[c->n - 1];
				if (c->lo != c->hi) {
					char lo[40], hi[40];
					go_float(c->lo, lo, sizeof lo);
					go_float(c->hi, hi, sizeof hi);
					c->warn[c->nwarn++] = xasprintf(
						"exact distribution expected, but values range from %s "
						"to %s",
						lo, hi);
				}
			} else {
				cprof__stats_median_ci(c->v, c->n, b->o.confidence, &c->center, &c->lo,
						       &c->hi);
				if (isinf(c->lo) || isinf(c->hi)) {
					int need = cprof__stats_median_samples(b->o.confidence);
					c->warn[c->nwarn++] = xasprintf(
						"need %s %d samples for confidence interval at level %s",
						need > 50 ? ">" : ">=", need > 50 ? 50 : need, conf);
				}
			}
			if (ci == 0 || !t->cells[ri * t->ncols].present)
				continue;
			struct cell *base = &t->cells[ri * t->ncols];
			c->has_base = true;
			c->n1 = (int)base->n;
			c->n2 = (int)c->n;
			if (t->exact) {
				c->p = 0;
				continue;
			}
			double u;
			int rc = cprof__stats_utest(base->v, base->n, c->v, c->n, &u, &c->p);
			if (rc == CPROF__UTEST_NOMEM)
				return -1;
			if (rc == CPROF__UTEST_EQUAL)
				c->cwarn[c->ncwarn++] = xasprintf("all samples are equal");
			else if (rc == CPROF__UTEST_TOO_SMALL)
				c->cwarn[c->ncwarn++] = xasprintf("sample is too small");
			else if (c->p > b->o.alpha) {
				int need = cprof__stats_utest_samples(b->o.alpha);
				if (c->n1 < need && c->n2 < need)
					c->cwarn[c->ncwarn++] = xasprintf(
						"need %s %d samples to detect a difference at alpha "
						"level %s",
						need > 9 ? ">" : ">=", need > 9 ? 9 : need, alpha);
			}
		}
	}
	/* geomean row: geomean of centers; of ratios to the baseline */
	size_t nbase = 0;
	for (size_t ri = 0; ri < t->nrows; ri++)
		nbase += t->cells[ri * t->ncols].present;
	double *sums = malloc((t->nrows + 1) * sizeof *sums);
	double *ratios = malloc((t->nrows + 1) * sizeof *ratios);
	if (!sums || !ratios) {
		free(sums);
		free(ratios);
		return -1;
	}
	for (size_t ci = 0; ci < t->ncols && ci < 64; ci++) {
		size_t ns = 0, nr = 0;
		bool bad = false;
		for (size_t ri = 0; ri < t->nrows; ri++) {
			struct cell *c = &t->cells[ri * t->ncols + ci];
			if (!c->present)
				continue;
			sums[ns++] = c->center;
			if (!c->has_base)
				continue;
			double a = c->center, bc = t->cells[ri * t->ncols].center;
			if (a == bc)
				ratios[nr++] = 1; /* 0/0 counts as 1 */
			else if (bc == 0)
				bad = true, ratios[nr++] = 0;
			else
				ratios[nr++] = a / bc;
		}
		char **w = t->gwarn[ci];
		int *nw = &t->ngwarn[ci];
		if (ci > 0 && nbase != nr)
			w[(*nw)++] = xasprintf(
				"benchmark set differs from baseline; geomeans may not be comparable");
		double gm = cprof__stats_geomean(sums, ns);
		if (isnan(gm))
			w[(*nw)++] = xasprintf("summaries must be >0 to compute geomean");
		else
			t->has_sum[ci] = true, t->sum[ci] = gm;
		if (ci > 0 && !bad) {
			gm = cprof__stats_geomean(ratios, nr);
			if (isnan(gm))
				w[(*nw)++] = xasprintf("ratios must be >0 to compute geomean");
			else
				t->has_ratio[ci] = true, t->ratio[ci] = gm;
		}
	}
	free(sums);
	free(ratios);
	return 0;
}

static int build(struct bs *b)
{
	if (add_obs(b) < 0)
		return -1;
	for (size_t ti = 0; ti < b->nt; ti++) {
		struct table *t = &b->t[ti];
		size_t *rs = NULL, *cs = NULL, nr = 0, nc = 0;
		bool *rseen = calloc(b->rows.n + 1, 1), *cseen = calloc(b->cols.n + 1, 1);
		if (!rseen || !cseen) {
			free(rseen);
			free(cseen);
			return -1;
		}
		for (size_t i = 0; i < b->nobs; i++) {
			const struct obs *o = &b->obs[i];
			if (o->table != ti)
				continue;
			if (!rseen[o->row]) {
				size_t *p = realloc(rs, (nr + 1) * sizeof *p);
				if (!p)
					goto oom;
				rs = p;
				rs[nr++] = o->row;
				rseen[o->row] = true;
			}
			if (!cseen[o->col]) {
				size_t *p = realloc(cs, (nc + 1) * sizeof *p);
				if (!p)
					goto oom;
				cs = p;
				cs[nc++] = o->col;
				cseen[o->col] = true;
			}
		}
		free(rseen);
		free(cseen);
		rseen = cseen = NULL;
		/* rows and columns in global first-seen order */
		struct sortctx rctx = {&b->o.row, b->rows.str}, cctx = {&b->o.col, b->cols.str};
		qsort_r(rs, nr, sizeof *rs, cmp_keyed, &rctx);
		qsort_r(cs, nc, sizeof *cs, cmp_keyed, &cctx);
		if (nc > 64) {
			fprintf(b->err, "cprof: benchstat: table %s has %zu columns; showing the "
					"first 64\n", b->t[ti].unit, nc);
			nc = 64; /* a geomean slot per column; wider tables are unreadable */
		}
		t->rows = rs;
		t->nrows = nr;
		t->cols = cs;
		t->ncols = nc;
		t->cells = calloc(nr * nc > 0 ? nr * nc : 1, sizeof *t->cells);
		/* global row/column index -> position in this table */
		size_t *rpos = malloc((b->rows.n + 1) * sizeof *rpos);
		size_t *cpos = malloc((b->cols.n + 1) * sizeof *cpos);
		if (!t->cells || !rpos || !cpos) {
			free(rpos);
			free(cpos);
			return -1;
		}
		for (size_t k = 0; k <= b->rows.n; k++)
			rpos[k] = SIZE_MAX;
		for (size_t k = 0; k <= b->cols.n; k++)
			cpos[k] = SIZE_MAX;
		for (size_t k = 0; k < nr; k++)
			rpos[rs[k]] = k;
		for (size_t k = 0; k < nc; k++)
			cpos[cs[k]] = k;
		for (size_t i = 0; i < b->nobs; i++) {
			const struct obs *o = &b->obs[i];
			if (o->table != ti)
				continue;
			size_t r = rpos[o->row], c = cpos[o->col];
			if (r == SIZE_MAX || c == SIZE_MAX)
				continue;
			struct cell *cl = &t->cells[r * nc + c];
			if (!cl->present) {
				cl->present = true;
				cl->fullname = o->fullname;
				cl->file = o->file;
			}
			cl->vary_fullname |= cl->fullname != o->fullname &&
					     b->o.row.kind != K_FULLNAME && !ignored(b, ".fullname");
			cl->vary_file |= cl->file != o->file && b->o.row.kind != K_FILE &&
					 !ignored(b, ".file") &&
					 b->o.col.kind != K_FILE;
			if (cl->n == cl->cap) {
				size_t cap = cl->cap ? cl->cap * 2 : 8;
				double *v = realloc(cl->v, cap * sizeof *v);
				if (!v) {
					free(rpos);
					free(cpos);
					return -1;
				}
				cl->v = v;
				cl->cap = cap;
			}
			cl->v[cl->n++] = o->v;
		}
		free(rpos);
		free(cpos);
		if (summarize(b, t) < 0)
			return -1;
		continue;
	oom:
		free(rs);
		free(cs);
		free(rseen);
		free(cseen);
		return -1;
	}
	return 0;
}

static void bs_free(struct bs *b)
{
	for (size_t ti = 0; ti < b->nt; ti++) {
		struct table *t = &b->t[ti];
		for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++) {
			struct cell *c = &t->cells[i];
			free(c->v);
			for (int k = 0; k < c->nwarn; k++)
				free(c->warn[k]);
			for (int k = 0; k < c->ncwarn; k++)
				free(c->cwarn[k]);
		}
		for (size_t ci = 0; ci < 64; ci++)
			for (int k = 0; k < t->ngwarn[ci]; k++)
				free(t->gwarn[ci][k]);
		free(t->cells);
		free(t->rows);
		free(t->cols);
		free(t->unit);
	}
	free(b->t);
	free(b->obs);
	free(b->tkeys);
	intern_free(&b->tables);
	intern_free(&b->rows);
	intern_free(&b->cols);
	intern_free(&b->names);
	intern_free(&b->files);
	cprof__bf_free(&b->set);
	free_terms(&b->o);
}

/* ---------------------------------------------------------------- */
/* scaling (benchunit)                                                */

struct scaler {
	int prec;
	double factor;
	const char *prefix;
};

static struct scaler common_scale(const double *vals, size_t n, bool binary)
{
	double min = 0;
	for (size_t i = 0; i < n; i++) {
		double v = fabs(vals[i]);
		if (v != 0 && (min == 0 || v < min))
			min = v;
	}
	if (min == 0)
		return (struct scaler){3, 1, ""};
	static const char *si[] = {"T", "G", "M", "k", "", "m", "\xc2\xb5", "n"};
	static const char *iec[] = {"Ti", "Gi", "Mi", "Ki", ""};
	size_t nf = binary ? 5 : 8;
	char buf[64];
	double factor = 1;
	const char *prefix = "";
	for (size_t i = 0; i < nf; i++) {
		double t100, t10, t1;
		if (binary) {
			int exp = 40 - 10 * (int)i;
			factor = ldexp(1, exp);
			snprintf(buf, sizeof buf, "0x1.8ffae147ae148p%d", 6 + exp);
			t100 = strtod(buf, NULL);
			snprintf(buf, sizeof buf, "0x1.3ffbe76c8b439p%d", 3 + exp);
			t10 = strtod(buf, NULL);
			snprintf(buf, sizeof buf, "0x1.fff972474538fp%d", -1 + exp);
			t1 = strtod(buf, NULL);
			prefix = iec[i];
		} else {
			int exp = 12 - 3 * (int)i;
			factor = pow(10, exp);
			snprintf(buf, sizeof buf, "99.995e%d", exp);
			t100 = strtod(buf, NULL);
			snprintf(buf, sizeof buf, "9.9995e%d", exp);
			t10 = strtod(buf, NULL);
			snprintf(buf, sizeof buf, ".99995e%d", exp);
			t1 = strtod(buf, NULL);
			prefix = si[i];
		}
		if (min >= t100)
			return (struct scaler){1, factor, prefix};
		if (min >= t10)
			return (struct scaler){2, factor, prefix};
		if (min >= t1)
			return (struct scaler){3, factor, prefix};
	}
	/* smaller than the smallest prefix: more digits */
	double val = min / factor;
	for (int i = 0; i < 8; i++) {
		snprintf(buf, sizeof buf, "9.9995e%d", -1 - i);
		if (val >= strtod(buf, NULL) || i == 7)
			return (struct scaler){i + 3, factor, prefix};
	}
	return (struct scaler){3, factor, prefix};
}

static void scale_fmt(struct scaler s, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%.*f%s", s.prec, v / s.factor, s.prefix);
}

/* ---------------------------------------------------------------- */
/* text layout (benchstat's texttab)                                  */

enum { AL_LEFT, AL_CENTER, AL_RIGHT };

struct tcell {
	int row, col, span, align;
	size_t seq;
	char *value;
	const char *margin;
};

struct tt {
	struct tcell *c;
	size_t n, cap;
	int cols, row, col;
	bool *shrink;
	int nshrink;
	bool oom;
};

static void tt_row(struct tt *t)
{
	if (t->n > 0)
		t->row++;
	t->col = 0;
}

static void tt_colto(struct tt *t, int col)
{
	if (col > t->col)
		t->col = col;
}

static void tt_span(struct tt *t, int span, const char *value, int align, const char *margin)
{
	if (t->n == t->cap) {
		size_t c = t->cap ? t->cap * 2 : 64;
		struct tcell *p = realloc(t->c, c * sizeof *p);
		if (!p) {
			t->oom = true;
			return;
		}
		t->c = p;
		t->cap = c;
	}
	const char *m = t->col == 0 || !*value ? "" : " ";
	char *v = strdup(value);
	if (!v) {
		t->oom = true;
		return;
	}
	t->c[t->n] = (struct tcell){t->row, t->col, span, align, t->n, v, margin ? margin : m};
	t->n++;
	t->col += span;
	if (t->col > t->cols)
		t->cols = t->col;
}

static void tt_cell(struct tt *t, const char *value, int align, const char *margin)
{
	tt_span(t, 1, value, align, margin);
}

static int cmp_span(const void *a, const void *b)
{
	const struct tcell *x = a, *y = b;
	if (x->span != y->span)
		return x->span - y->span;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_pos(const void *a, const void *b)
{
	const struct tcell *x = a, *y = b;
	if (x->row != y->row)
		return x->row - y->row;
	return x->col - y->col;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n')
			return false;
	return true;
}

static void pad(struct sb *o, long n)
{
	for (long i = 0; i < n; i++)
		sb_add(o, " ", 1);
}

static void tt_format(struct tt *t, struct sb *o)
{
	if (t->oom || t->cols == 0) {
		return;
	}
	int nc = t->cols;
	long *lm = calloc((size_t)nc + 1, sizeof *lm), *ws = calloc((size_t)nc + 1, sizeof *ws);
	long *offs = calloc((size_t)nc + 2, sizeof *offs);
	int *spanc = calloc((size_t)nc + 1, sizeof *spanc);
	if (!lm || !ws || !offs || !spanc) {
		o->oom = true;
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		long m = (long)runes(t->c[i].margin);
		if (m > lm[t->c[i].col])
			lm[t->c[i].col] = m;
	}
	qsort(t->c, t->n, sizeof *t->c, cmp_span);
	for (size_t i = 0; i < t->n; i++) {
		struct tcell *c = &t->c[i];
		long w = (long)runes(c->value) + lm[c->col];
		if (c->span == 1) {
			if (w > ws[c->col])
				ws[c->col] = w;
			continue;
		}
		long tw = 0;
		for (int k = c->col; k < c->col + c->span && k < nc; k++)
			tw += ws[k];
		if (tw >= w)
			continue;
		/* widen the stretchable columns, widest first, to the average */
		int ns = 0;
		for (int k = c->col; k < c->col + c->span && k < nc; k++) {
			if (k < t->nshrink && t->shrink[k])
				w -= ws[k];
			else
				spanc[ns++] = k;
		}
		for (int a = 1; a < ns; a++) /* stable sort by width, descending */
			for (int z = a; z > 0 && ws[spanc[z]] > ws[spanc[z - 1]]; z--) {
				int tmp = spanc[z];
				spanc[z] = spanc[z - 1];
				spanc[z - 1] = tmp;
			}
		int left = ns;
		for (int k = 0; k < ns; k++) {
			long avg = left ? (w + left - 1) / left : 0;
			if (avg > ws[spanc[k]])
				ws[spanc[k]] = avg;
			w -= ws[spanc[k]];
			left--;
		}
	}
	long off = 0;
	for (int i = 0; i < nc; i++) {
		offs[i] = off;
		off += ws[i];
	}
	offs[nc] = off;
	qsort(t->c, t->n, sizeof *t->c, cmp_pos);
	int row = 0;
	off = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct tcell *c = &t->c[i];
		if (blank(c->value) && blank(c->margin))
			continue;
		for (; c->row > row; row++, off = 0)
			sb_add(o, "\n", 1);
		long spaces = offs[c->col] - off;
		pad(o, spaces > 0 ? spaces : 0);
		pad(o, lm[c->col] - (long)runes(c->margin));
		sb_puts(o, c->margin);
		off += (spaces > 0 ? spaces : 0) + lm[c->col];
		int end = c->col + c->span < nc ? c->col + c->span : nc;
		long tw = offs[end] - offs[c->col] - lm[c->col];
		long r = (long)runes(c->value), lp = 0;
		if (c->align == AL_CENTER)
			lp = (tw - r) / 2;
		else if (c->align == AL_RIGHT)
			lp = tw - r;
		if (lp < 0)
			lp = 0;
		pad(o, lp);
		sb_puts(o, c->value);
		off += lp + r;
	}
	if (t->n > 0)
		sb_add(o, "\n", 1);
out:
	free(lm);
	free(ws);
	free(offs);
	free(spanc);
}

static void tt_free(struct tt *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->c[i].value);
	free(t->c);
	free(t->shrink);
}

/* ---------------------------------------------------------------- */
/* rendering                                                          */

static void pct_range(const struct cell *c, char *buf, size_t size)
{
	if (isinf(c->lo) || isinf(c->hi)) {
		snprintf(buf, size, "\xe2\x88\x9e");
		return;
	}
	int cs = (c->center > 0) - (c->center < 0);
	if (cs != (c->lo > 0) - (c->lo < 0) || cs != (c->hi > 0) - (c->hi < 0)) {
		snprintf(buf, size, "?");
		return;
	}
	if (c->center == 0) {
		snprintf(buf, size, "0%%");
		return;
	}
	double v = fmax(c->hi / c->center - 1, 1 - c->lo / c->center);
	snprintf(buf, size, "%.0f%%", 100 * v);
}

static void format_delta(const struct bs *b, const struct cell *c, double old, char *buf,
			 size_t size)
{
	double nw = c->center;
	if (c->p > b->o.alpha)
		snprintf(buf, size, "~");
	else if (old == nw)
		snprintf(buf, size, "0.00%%");
	else if (old == 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%+.2f%%", ((nw / old) - 1.0) * 100.0);
}

static void cmp_string(const struct cell *c, char *buf, size_t size)
{
	char p[32] = "";
	if (c->p != 0)
		snprintf(p, sizeof p, "p=%0.3f ", c->p);
	if (c->n1 == c->n2)
		snprintf(buf, size, "%sn=%d", p, c->n1);
	else
		snprintf(buf, size, "%sn=%d+%d", p, c->n1, c->n2);
}

/* Superscript footnote numbers. */
static void superscript(int i, struct sb *o)
{
	static const char *d[] = {"\xe2\x81\xb0", "\xc2\xb9", "\xc2\xb2", "\xc2\xb3", "\xe2\x81\xb4",
				  "\xe2\x81\xb5", "\xe2\x81\xb6", "\xe2\x81\xb7", "\xe2\x81\xb8",
				  "\xe2\x81\xb9"};
	char digits[24];
	snprintf(digits, sizeof digits, "%d", i);
	for (char *p = digits; *p; p++)
		sb_puts(o, d[*p - '0']);
}

struct notes {
	char **msg;
	size_t n;
};

static void warn_cell(struct tt *t, struct notes *nt, char *const *msgs, int count)
{
	struct sb s = {0};
	for (int k = 0; k < count; k++) {
		{
			const char *m = msgs[k];
			if (!m)
				continue;
			size_t i;
			for (i = 0; i < nt->n; i++)
				if (!strcmp(nt->msg[i], m))
					break;
			if (i == nt->n) {
				char **p = realloc(nt->msg, (nt->n + 1) * sizeof *p);
				if (!p) {
					t->oom = true;
					continue;
				}
				nt->msg = p;
				nt->msg[nt->n++] = (char *)m;
			}
			if (s.len)
				sb_puts(&s, " ");
			superscript((int)i + 1, &s);
		}
	}
	tt_cell(t, sb_str(&s), AL_LEFT, NULL);
	free(s.p);
}

static int start_col(int exp)
{
	return exp == 0 ? 1 : 1 + 3 + (exp - 1) * 6;
}

static void table_text(const struct bs *b, const struct table *t, struct sb *o)
{
	struct tt tt = {0};
	struct notes nt = {0};
	int ncols = (int)t->ncols;
	int redge = start_col(ncols + 1);
	tt.nshrink = redge + 8;
	tt.shrink = calloc((size_t)tt.nshrink, sizeof *tt.shrink);
	if (!tt.shrink) {
		o->oom = true;
		return;
	}
	/* header: column keys, then units */
	tt_row(&tt);
	for (int i = 0; i < ncols; i++) {
		tt_colto(&tt, start_col(i));
		tt_span(&tt, start_col(i + 1) - start_col(i), b->cols.str[t->cols[i]], AL_CENTER,
			" \xe2\x94\x82 ");
	}
	tt_colto(&tt, redge);
	tt_cell(&tt, "", AL_LEFT, " \xe2\x94\x82");
	tt_row(&tt);
	for (int i = 0; i < ncols; i++) {
		int l = start_col(i);
		tt_colto(&tt, l);
		tt_span(&tt, 3, t->unit, AL_CENTER, " \xe2\x94\x82 ");
		if (i > 0)
			tt_span(&tt, 3, "vs base", AL_LEFT, "  ");
		for (int j = l + 1; j < tt.col && j < tt.nshrink; j++)
			tt.shrink[j] = true;
	}
	tt_colto(&tt, redge);
	tt_cell(&tt, "", AL_LEFT, " \xe2\x94\x82");

	double *centers = malloc((t->ncols + 1) * sizeof *centers);
	if (!centers) {
		o->oom = true;
		tt_free(&tt);
		return;
	}
	for (size_t ri = 0; ri < t->nrows; ri++) {
		tt_row(&tt);
		tt_cell(&tt, b->rows.str[t->rows[ri]], AL_LEFT, NULL);
		size_t nc = 0;
		for (size_t ci = 0; ci < t->ncols; ci++)
			if (t->cells[ri * t->ncols + ci].present)
				centers[nc++] = t->cells[ri * t->ncols + ci].center;
		struct scaler sc = common_scale(centers, nc, t->binary);
		for (int exp = 0; exp < ncols; exp++) {
			const struct cell *c = &t->cells[ri * t->ncols + (size_t)exp];
			if (!c->present)
				continue;
			char buf[128];
			tt_colto(&tt, start_col(exp));
			scale_fmt(sc, c->center, buf, sizeof buf);
			tt_cell(&tt, buf, AL_RIGHT, NULL);
			pct_range(c, buf, sizeof buf);
			tt_cell(&tt, buf, AL_RIGHT, " \xc2\xb1 ");
			warn_cell(&tt, &nt, c->warn, c->nwarn);
			if (exp > 0 && c->has_base) {
				format_delta(b, c, t->cells[ri * t->ncols].center, buf, sizeof buf);
				tt_cell(&tt, buf, AL_RIGHT, NULL);
				char cs[96], par[100];
				cmp_string(c, cs, sizeof cs);
				snprintf(par, sizeof par, "(%s)", cs);
				tt_cell(&tt, par, AL_LEFT, NULL);
				warn_cell(&tt, &nt, c->cwarn, c->ncwarn);
			}
		}
	}
	free(centers);
	if (t->nrows > 1) {
		tt_row(&tt);
		tt_cell(&tt, "geomean", AL_LEFT, NULL);
		for (int exp = 0; exp < ncols; exp++) {
			char buf[128];
			if (t->has_sum[exp]) {
				tt_colto(&tt, start_col(exp));
				struct scaler sc = common_scale(&t->sum[exp], 1, t->binary);
				scale_fmt(sc, t->sum[exp], buf, sizeof buf);
				tt_cell(&tt, buf, AL_RIGHT, NULL);
			}
			if (exp > 0) {
				tt_colto(&tt, start_col(exp) + 3);
				if (t->has_ratio[exp]) {
					snprintf(buf, sizeof buf, "%+.2f%%", (t->ratio[exp] - 1) * 100);
					tt_cell(&tt, buf, AL_RIGHT, NULL);
				} else {
					tt_cell(&tt, "?", AL_LEFT, NULL);
				}
			}
			tt_colto(&tt, start_col(exp + 1) - 1);
			warn_cell(&tt, &nt, t->gwarn[exp], t->ngwarn[exp]);
		}
	}
	tt_format(&tt, o);
	for (size_t i = 0; i < nt.n; i++) {
		superscript((int)i + 1, o);
		sb_printf(o, " %s\n", nt.msg[i]);
	}
	if (tt.oom)
		o->oom = true;
	free(nt.msg);
	tt_free(&tt);
}

/* CSV (RFC 4180 quoting as Go's encoding/csv writes it). */
static void csv_field(struct sb *o, const char *f)
{
	bool q = (f[0] == ' ' || f[0] == '\t') || strpbrk(f, ",\"\r\n") || !strcmp(f, "\\.");
	if (!q) {
		sb_puts(o, f);
		return;
	}
	sb_add(o, "\"", 1);
	for (; *f; f++) {
		if (*f == '"')
			sb_add(o, "\"", 1);
		sb_add(o, f, 1);
	}
	sb_add(o, "\"", 1);
}

struct csvrow {
	char **f;
	size_t n;
};

static void row_push(struct csvrow *r, const char *s, bool *oom)
{
	char **p = realloc(r->f, (r->n + 1) * sizeof *p);
	if (!p || !(s = strdup(s))) {
		free(p == r->f ? NULL : NULL);
		if (p)
			r->f = p;
		*oom = true;
		return;
	}
	r->f = p;
	r->f[r->n++] = (char *)s;
}

static void row_clear_to(struct csvrow *r, size_t col, bool *oom)
{
	while (r->n < col && !*oom)
		row_push(r, "", oom);
}

static void row_emit(struct csvrow *r, struct sb *o, int *rowcount)
{
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			sb_add(o, ",", 1);
		csv_field(o, r->f[i]);
		free(r->f[i]);
	}
	sb_add(o, "\n", 1);
	r->n = 0;
	(*rowcount)++;
}

static void csv_warn(FILE *err, const struct csvrow *r, int row, char *const *msgs, int n)
{
	char name[16];
	int pos = (int)sizeof name - 1;
	name[pos] = 0;
	for (size_t x = r->n; x > 0 && pos > 0; x /= 26)
		name[--pos] = (char)('A' + x % 26);
	if (pos == (int)sizeof name - 1)
		name[--pos] = 'A';
	for (int i = 0; i < n; i++)
		fprintf(err, "%s%d: %s\n", name + pos, row, msgs[i]);
}

static int csv_start(int exp)
{
	return exp == 0 ? 1 : 1 + 2 + (exp - 1) * 4;
}

static void table_csv(const struct bs *b, const struct table *t, struct sb *o, int start_row,
		      int *rows, FILE *err)
{
	struct csvrow r = {0};
	bool oom = false;
	int n = 0;
	for (size_t exp = 0; exp < t->ncols; exp++) {
		row_clear_to(&r, (size_t)csv_start((int)exp), &oom);
		row_push(&r, b->cols.str[t->cols[exp]], &oom);
	}
	row_emit(&r, o, &n);
	for (size_t exp = 0; exp < t->ncols; exp++) {
		row_clear_to(&r, (size_t)csv_start((int)exp), &oom);
		row_push(&r, t->unit, &oom);
		row_push(&r, "CI", &oom);
		if (exp > 0) {
			row_push(&r, "vs base", &oom);
			row_push(&r, "P", &oom);
		}
	}
	row_emit(&r, o, &n);
	for (size_t ri = 0; ri < t->nrows; ri++) {
		row_push(&r, b->rows.str[t->rows[ri]], &oom);
		for (size_t exp = 0; exp < t->ncols; exp++) {
			const struct cell *c = &t->cells[ri * t->ncols + exp];
			if (!c->present)
				continue;
			char buf[128];
			row_clear_to(&r, (size_t)csv_start((int)exp), &oom);
			csv_warn(err, &r, start_row + n, c->warn, c->nwarn);
			go_float(c->center, buf, sizeof buf);
			row_push(&r, buf, &oom);
			pct_range(c, buf, sizeof buf);
			row_push(&r, buf, &oom);
			if (exp > 0 && c->has_base) {
				csv_warn(err, &r, start_row + n, c->cwarn, c->ncwarn);
				format_delta(b, c, t->cells[ri * t->ncols].center, buf, sizeof buf);
				row_push(&r, buf, &oom);
				cmp_string(c, buf, sizeof buf);
				row_push(&r, buf, &oom);
			}
		}
		row_emit(&r, o, &n);
	}
	row_push(&r, "geomean", &oom);
	for (size_t exp = 0; exp < t->ncols && exp < 64; exp++) {
		char buf[64];
		row_clear_to(&r, (size_t)csv_start((int)exp), &oom);
		csv_warn(err, &r, start_row + n, t->gwarn[exp], t->ngwarn[exp]);
		if (t->has_sum[exp]) {
			go_float(t->sum[exp], buf, sizeof buf);
			row_push(&r, buf, &oom);
		}
		if (exp > 0) {
			row_clear_to(&r, (size_t)csv_start((int)exp) + 2, &oom);
			if (t->has_ratio[exp])
				snprintf(buf, sizeof buf, "%+.2f%%", (t->ratio[exp] - 1) * 100);
			else
				snprintf(buf, sizeof buf, "?");
			row_push(&r, buf, &oom);
		}
	}
	row_emit(&r, o, &n);
	free(r.f);
	if (oom)
		o->oom = true;
	*rows = n;
}

static int render(struct bs *b, FILE *out, FILE *err)
{
	struct sb o = {0};
	int csvrow = 1;
	for (size_t ti = 0; ti < b->nt; ti++) {
		const struct table *t = &b->t[ti];
		if (ti > 0) {
			sb_add(&o, "\n", 1);
			csvrow++;
		}
		/* configuration that changed since the previous table */
		for (size_t k = 0; k < b->ntkeys; k++) {
			const char *v = cprof__bf_config_get(&b->set, t->config, b->tkeys[k]);
			const char *pv =
				ti ? cprof__bf_config_get(&b->set, b->t[ti - 1].config, b->tkeys[k]) : NULL;
			if (ti == 0 || strcmp(v ? v : "", pv ? pv : "")) {
				struct sb line = {0};
				sb_printf(&line, "%s: %s", b->tkeys[k], v ? v : "");
				if (b->o.csv) {
					csv_field(&o, sb_str(&line));
					sb_add(&o, "\n", 1);
					csvrow++;
				} else {
					sb_printf(&o, "%s\n", sb_str(&line));
				}
				free(line.p);
			}
		}
		if (b->o.csv) {
			int n = 0;
			table_csv(b, t, &o, csvrow, &n, err);
			csvrow += n;
		} else {
			table_text(b, t, &o);
		}
	}
	if (o.oom) {
		free(o.p);
		return -1;
	}
	if (o.len)
		fwrite(o.p, 1, o.len, out);
	free(o.p);
	return 0;
}

/* ---------------------------------------------------------------- */
/* entry points                                                       */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cprof benchstat [flags] inputs...\n"
		"\n"
		"Summarise Go-format benchmark results (cprof's harness, go test -bench,\n"
		"...): the median of each benchmark with a 95%% confidence interval, one\n"
		"column per input; later columns are compared with the first by a\n"
		"Mann-Whitney U test (\"~\": no significant difference).  An input may be\n"
		"label=path; \"-\" reads stdin.\n"
		"\n"
		"  -alpha a        consider a change significant if p < a (default 0.05)\n"
		"  -confidence c   confidence level of the ranges (default 0.95)\n"
		"  -format f       text (default) or csv (warnings to stderr)\n"
		"  -row key        split rows by key (default .fullname)\n"
		"  -col key        split columns by key (default .file)\n"
		"  -ignore keys    ignore variations in keys (config keys, .file, .fullname)\n"
		"  -filter query   keep results matching: key:value, key:/regexp/,\n"
		"                  key:(a OR b), -term (not), terms side by side (and),\n"
		"                  OR, parentheses\n"
		"keys: .fullname .name .file .unit /subname-key config-key; a -row or -col\n"
		"key may end in @alpha, @num (2k, 1Mi...) or @(v1 v2...) (order and filter)\n");
}

static int read_all(FILE *f, char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap);
	if (!p)
		return -1;
	for (;;) {
		if (n == cap) {
			if (cap >= MAX_INPUT) {
				free(p);
				errno = EFBIG;
				return -1;
			}
			char *q = realloc(p, cap * 2);
			if (!q) {
				free(p);
				return -1;
			}
			p = q;
			cap *= 2;
		}
		size_t r = fread(p + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				free(p);
				return -1;
			}
			break;
		}
	}
	*buf = p;
	*len = n;
	return 0;
}

static int parse_double_opt(const char *v, double *d)
{
	char *end;
	errno = 0;
	*d = strtod(v, &end);
	return (!*v || *end || errno) ? -1 : 0;
}

int cprof__benchstat_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct bs b;
	memset(&b, 0, sizeof b);
	b.err = err;
	b.o.root = -1;
	b.o.alpha = 0.05;
	b.o.confidence = 0.95;
	parse_key(".fullname", &b.o.row);
	parse_key(".file", &b.o.col);
	int i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		a += a[1] == '-' ? 2 : 1;
		if (!strcmp(a, "h") || !strcmp(a, "help")) {
			usage(out);
			bs_free(&b);
			return 0;
		}
		char name[32];
		const char *val = strchr(a, '=');
		snprintf(name, sizeof name, "%.*s", (int)(val ? val - a : (long)strlen(a)), a);
		if (val)
			val++;
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			fprintf(err, "cprof: benchstat: flag needs an argument: -%s\n", name);
			bs_free(&b);
			return 2;
		}
		int bad = 0;
		if (!strcmp(name, "alpha"))
			bad = parse_double_opt(val, &b.o.alpha) || b.o.alpha < 0 || b.o.alpha > 1;
		else if (!strcmp(name, "confidence"))
			bad = parse_double_opt(val, &b.o.confidence) || b.o.confidence < 0 ||
			      b.o.confidence > 1;
		else if (!strcmp(name, "format"))
			bad = strcmp(val, "text") && !(b.o.csv = !strcmp(val, "csv"));
		else if (!strcmp(name, "row"))
			bad = parse_key(val, &b.o.row) || b.o.row.kind == K_UNIT;
		else if (!strcmp(name, "col"))
			bad = parse_key(val, &b.o.col) || b.o.col.kind == K_UNIT;
		else if (!strcmp(name, "filter")) {
			if (parse_filter(val, &b.o, err) < 0) {
				bs_free(&b);
				return 2;
			}
		} else if (!strcmp(name, "ignore")) {
			char tmp[1024];
			snprintf(tmp, sizeof tmp, "%s", val);
			char *save = NULL;
			for (char *k = strtok_r(tmp, ", ", &save); k; k = strtok_r(NULL, ", ", &save)) {
				if (b.o.nignore == 16 || strlen(k) >= 128) {
					bad = 1;
					break;
				}
				snprintf(b.o.ignore[b.o.nignore++], 128, "%s", k);
			}
		} else if (!strcmp(name, "table")) {
			bad = strcmp(val, ".config") != 0;
		} else {
			fprintf(err, "cprof: benchstat: unknown flag -%s; run 'cprof benchstat -h'\n",
				name);
			bs_free(&b);
			return 2;
		}
		if (bad) {
			fprintf(err, "cprof: benchstat: invalid value \"%s\" for -%s "
				     "(run 'cprof benchstat -h')\n",
				val, name);
			bs_free(&b);
			return 2;
		}
	}
	if (i >= argc) {
		usage(err);
		bs_free(&b);
		return 2;
	}
	if (b.o.row.kind == b.o.col.kind && strcmp(b.o.row.name, b.o.col.name) == 0) {
		fprintf(err, "cprof: benchstat: -row and -col must differ\n");
		bs_free(&b);
		return 2;
	}
	int rc = 0;
	for (; i < argc; i++) {
		const char *arg = argv[i], *path = arg, *label = arg;
		char lab[256];
		const char *eq = strchr(arg, '=');
		FILE *f;
		if (eq && eq != arg && (size_t)(eq - arg) < sizeof lab) {
			snprintf(lab, sizeof lab, "%.*s", (int)(eq - arg), arg);
			label = lab;
			path = eq + 1;
		}
		if (!strcmp(path, "-"))
			f = stdin;
		else if (!(f = fopen(path, "rb"))) {
			fprintf(err, "cprof: benchstat: cannot open %s: %s\n", path, strerror(errno));
			rc = 1;
			break;
		}
		char *buf;
		size_t len;
		int e = read_all(f, &buf, &len);
		if (f != stdin)
			fclose(f);
		if (e < 0) {
			fprintf(err, "cprof: benchstat: cannot read %s: %s\n", path, strerror(errno));
			rc = 1;
			break;
		}
		e = cprof__bf_parse(&b.set, label, buf, len, err);
		free(buf);
		if (e < 0) {
			fprintf(err, "cprof: benchstat: out of memory reading %s\n", path);
			rc = 1;
			break;
		}
	}
	if (rc == 0 && (build(&b) < 0 || render(&b, out, err) < 0)) {
		fprintf(err, "cprof: benchstat: out of memory\n");
		rc = 1;
	}
	bs_free(&b);
	return rc;
}

int cprof__benchstat_buffer(const char *buf, size_t len, FILE *out, FILE *err)
{
	struct bs b;
	memset(&b, 0, sizeof b);
	b.err = err;
	b.o.root = -1;
	b.o.alpha = 0.05;
	b.o.confidence = 0.95;
	parse_key(".fullname", &b.o.row);
	parse_key(".file", &b.o.col);
	/* two "files" from one buffer: split at the first line "--" if any,
	 * so the fuzzer reaches the comparison code too */
	const char *sep = NULL;
	for (size_t i = 0; i + 3 <= len; i++)
		if ((i == 0 || buf[i - 1] == '\n') && buf[i] == '-' && buf[i + 1] == '-' &&
		    buf[i + 2] == '\n') {
			sep = buf + i;
			break;
		}
	int rc = 0;
	if (sep) {
		if (cprof__bf_parse(&b.set, "old", buf, (size_t)(sep - buf), err) < 0 ||
		    cprof__bf_parse(&b.set, "new", sep + 3, len - (size_t)(sep + 3 - buf), err) < 0)
			rc = -1;
	} else if (cprof__bf_parse(&b.set, "input", buf, len, err) < 0) {
		rc = -1;
	}
	if (rc == 0 && (build(&b) < 0 || render(&b, out, err) < 0))
		rc = -1;
	bs_free(&b);
	return rc;
}
