/*
 * benchproc.c — benchstat's projection and filtering (golang.org/x/perf/
 * benchproc): benchmark names, keys and their sort orders, the -filter
 * parser and evaluator.  See benchproc.h.
 */
#include "compat.h"
#include "benchstat/benchproc.h"

#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

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

static void name_base(const char *name, cprof__sb *out)
{
	size_t end = procs_at(name), slash = strcspn(name, "/");
	cprof__sb_add(out, name, slash < end ? slash : end);
}

/* Value of sub-name key (NULL if absent); "gomaxprocs" is the suffix. */
static bool name_key(const char *name, const char *key, cprof__sb *out)
{
	size_t end = procs_at(name);
	if (!strcmp(key, "gomaxprocs")) {
		if (end == strlen(name))
			return false;
		cprof__sb_puts(out, name + end + 1);
		return true;
	}
	size_t kl = strlen(key);
	for (size_t i = strcspn(name, "/"); i < end;) {
		size_t j = i + 1;
		while (j < end && name[j] != '/')
			j++;
		if (j - i - 1 > kl && !strncmp(name + i + 1, key, kl) && name[i + 1 + kl] == '=') {
			cprof__sb_add(out, name + i + 2 + kl, j - (i + 2 + kl));
			return true;
		}
		i = j;
	}
	return false;
}

/* The full name without the sub-name key (or the suffix for gomaxprocs). */
static void name_without(const char *name, const char *key, cprof__sb *out)
{
	size_t end = procs_at(name), kl = strlen(key);
	if (!strcmp(key, "gomaxprocs")) {
		cprof__sb_add(out, name, end);
		return;
	}
	size_t first = strcspn(name, "/");
	cprof__sb_add(out, name, first < end ? first : end);
	for (size_t i = first; i < end;) {
		size_t j = i + 1;
		while (j < end && name[j] != '/')
			j++;
		if (!(j - i - 1 > kl && !strncmp(name + i + 1, key, kl) && name[i + 1 + kl] == '='))
			cprof__sb_add(out, name + i, j - i);
		i = j;
	}
	cprof__sb_puts(out, name + end);
}

/* ---------------------------------------------------------------- */
/* keys and filters                                                   */

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

int cprof__bp_parse_key(const char *spec, struct key *k)
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

void cprof__bp_free_filter(struct opts *o)
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
	if (strncmp(f->p, kw, l) ||
	    !(f->p[l] == 0 || f->p[l] == ' ' || f->p[l] == '(' || f->p[l] == '\t'))
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
	if (cprof__bp_parse_key(kbuf, &k) < 0 || k.order != O_FIRST)
		return ferror_at(f, "unknown key");
	f->p = colon + 1;
	if (*f->p == '/' || *f->p == '"') {
		char q = *f->p;
		const char *e = strchr(f->p + 1, q);
		if (!e)
			return ferror_at(f,
					 q == '/' ? "missing closing /" : "missing closing quote");
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

int cprof__bp_parse_filter(const char *text, struct opts *o, FILE *err)
{
	cprof__bp_free_filter(o);
	struct fparse f = {o, text, err, 0, false};
	fskip(&f);
	if (!*f.p)
		return 0;
	int root = fexpr(&f);
	fskip(&f);
	if (!f.failed && *f.p)
		ferror_at(&f, "unexpected text");
	if (f.failed) {
		cprof__bp_free_filter(o);
		return -1;
	}
	o->root = root;
	return 0;
}

/* ---------------------------------------------------------------- */
/* evaluation against a result                                        */

bool cprof__bp_key_value(const struct cprof__bf_set *set, const struct cprof__bf_result *r,
			 const char *unit, const struct key *k, cprof__sb *out)
{
	switch (k->kind) {
	case K_FULLNAME: cprof__sb_puts(out, r->name); return true;
	case K_NAME: name_base(r->name, out); return true;
	case K_FILE: cprof__sb_puts(out, set->files[r->file]); return true;
	case K_UNIT: cprof__sb_puts(out, unit); return true;
	case K_SUB: return name_key(r->name, k->name, out);
	case K_CONFIG: {
		const char *v = cprof__bf_config_get(set, r->config, k->name);
		if (v)
			cprof__sb_puts(out, v);
		return v != NULL;
	}
	}
	return false;
}

static bool feval(const struct opts *o, const struct cprof__bf_set *set, int i,
		  const struct cprof__bf_result *r, const char *raw_unit, const char *unit)
{
	const struct fnode *n = &o->nodes[i];
	switch (n->kind) {
	case F_TRUE: return true;
	case F_NOT: return !feval(o, set, n->a, r, raw_unit, unit);
	case F_AND:
		return feval(o, set, n->a, r, raw_unit, unit) &&
		       feval(o, set, n->b, r, raw_unit, unit);
	case F_OR:
		return feval(o, set, n->a, r, raw_unit, unit) ||
		       feval(o, set, n->b, r, raw_unit, unit);
	case F_TERM: break;
	}
	cprof__sb v = {0};
	cprof__bp_key_value(set, r, unit, &n->key, &v);
	bool m = n->re ? !regexec(&n->rx, cprof__sb_str(&v), 0, NULL, 0)
		       : !strcmp(cprof__sb_str(&v), n->val);
	if (!m && n->key.kind == K_UNIT) /* the unit as written matches too */
		m = n->re ? !regexec(&n->rx, raw_unit, 0, NULL, 0) : !strcmp(raw_unit, n->val);
	cprof__sb_free(&v);
	return m;
}

bool cprof__bp_filter_ok(const struct opts *o, const struct cprof__bf_set *set,
			 const struct cprof__bf_result *r, const char *raw_unit, const char *unit)
{
	return o->root < 0 || feval(o, set, o->root, r, raw_unit, unit);
}

/* Row label: the -row key, minus the part shown by a sub-name -col key. */
void cprof__bp_row_value(const struct opts *o, const struct cprof__bf_set *set,
			 const struct cprof__bf_result *r, const char *unit, cprof__sb *out)
{
	if (o->row.kind == K_FULLNAME && o->col.kind == K_SUB) {
		name_without(r->name, o->col.name, out);
		return;
	}
	cprof__bp_key_value(set, r, unit, &o->row, out);
}

bool cprof__bp_ignored(const struct opts *o, const char *key)
{
	for (int i = 0; i < o->nignore; i++)
		if (!strcmp(o->ignore[i], key))
			return true;
	return false;
}

bool cprof__bp_is_proj_key(const struct opts *o, const char *key)
{
	return cprof__bp_ignored(o, key) ||
	       (o->row.kind == K_CONFIG && !strcmp(o->row.name, key)) ||
	       (o->col.kind == K_CONFIG && !strcmp(o->col.name, key));
}

/* Position of v in a fixed order, or -1 if not listed. */
int cprof__bp_fixed_pos(const struct key *k, const char *v)
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
	} sfx[] = {{"", 1},           {"k", 1e3},           {"M", 1e6},
		   {"G", 1e9},        {"T", 1e12},          {"Ki", 1024.0},
		   {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0}};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(sfx); i++)
		if (!strcmp(end, sfx[i].sfx))
			return x * sfx[i].mul;
	return NAN;
}

int cprof__bp_cmp_keyed(const void *a, const void *b, void *arg)
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
		r = cprof__bp_fixed_pos(c->k, sx) - cprof__bp_fixed_pos(c->k, sy);
	}
	return r ? r : (x > y) - (x < y); /* then first-seen */
}
