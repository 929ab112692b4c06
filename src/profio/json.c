/*
 * json.c — the bounded JSON reader (json.h).  Recursive descent; the depth
 * cap bounds the recursion, the value cap the memory (each value is one
 * cprof__json; a file of a billion "0," would otherwise ask for tens of
 * gigabytes).
 */
#include "compat.h"
#include "profio/json.h"
#include "base/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
	char *s, *end, *p;
	size_t values;
	char *err;
	size_t errlen;
	bool failed;
} parser;

static bool fail(parser *ps, const char *what)
{
	if (ps->failed)
		return false;
	ps->failed = true;
	size_t line = 1;
	for (const char *q = ps->s; q < ps->p && q < ps->end; q++)
		line += *q == '\n';
	if (ps->p >= ps->end)
		cprof__errf(ps->err, ps->errlen, "line %zu: %s (unexpected end of input)", line,
			    what);
	else
		cprof__errf(ps->err, ps->errlen, "line %zu: %s", line, what);
	return false;
}

static void skip_ws(parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long hex4(parser *ps)
{
	if (ps->end - ps->p < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(ps->p[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	ps->p += 4;
	return v;
}

static char *put_utf8(char *o, unsigned long c)
{
	if (c < 0x80) {
		*o++ = (char)c;
	} else if (c < 0x800) {
		*o++ = (char)(0xc0 | (c >> 6));
		*o++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*o++ = (char)(0xe0 | (c >> 12));
		*o++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	} else {
		*o++ = (char)(0xf0 | (c >> 18));
		*o++ = (char)(0x80 | ((c >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	}
	return o;
}

/* At the opening quote: decode in place; *out and *n the result. */
static bool string(parser *ps, const char **out, size_t *n)
{
	ps->p++;
	char *o = ps->p, *start = ps->p;
	for (;;) {
		if (ps->p >= ps->end)
			return fail(ps, "unterminated string");
		unsigned char c = (unsigned char)*ps->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(ps, "control character in a string");
		if (c != '\\') {
			*o++ = *ps->p++;
			continue;
		}
		ps->p++;
		if (ps->p >= ps->end)
			return fail(ps, "unterminated string");
		char e = *ps->p++;
		switch (e) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			long c1 = hex4(ps);
			if (c1 < 0)
				return fail(ps, "bad \\u escape");
			unsigned long cp = (unsigned long)c1;
			if (c1 >= 0xd800 && c1 <= 0xdbff && ps->end - ps->p >= 6 &&
			    ps->p[0] == '\\' && ps->p[1] == 'u') {
				char *save = ps->p;
				ps->p += 2;
				long c2 = hex4(ps);
				if (c2 >= 0xdc00 && c2 <= 0xdfff)
					cp = 0x10000 + (((unsigned long)c1 - 0xd800) << 10) +
					     ((unsigned long)c2 - 0xdc00);
				else
					ps->p = save;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd; /* a lone surrogate */
			o = put_utf8(o, cp);
			break;
		}
		default: return fail(ps, "bad escape in a string");
		}
	}
	*o = 0; /* o <= the closing quote, already scanned */
	ps->p++;
	*out = start;
	*n = (size_t)(o - start);
	return true;
}

static bool number(parser *ps, double *v)
{
	char *q = ps->p;
	if (q < ps->end && *q == '-')
		q++;
	if (q >= ps->end || *q < '0' || *q > '9')
		return fail(ps, "invalid value");
	if (*q == '0')
		q++;
	else
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	if (q < ps->end && *q == '.') {
		q++;
		if (q >= ps->end || *q < '0' || *q > '9')
			return fail(ps, "invalid number");
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < ps->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < ps->end && (*q == '+' || *q == '-'))
			q++;
		if (q >= ps->end || *q < '0' || *q > '9')
			return fail(ps, "invalid number");
		while (q < ps->end && *q >= '0' && *q <= '9')
			q++;
	}
	/* strtod needs a terminator: a copy (the input is not NUL-terminated). */
	char tmp[64], *t = tmp;
	size_t k = (size_t)(q - ps->p);
	if (k >= sizeof(tmp) && !(t = malloc(k + 1)))
		return fail(ps, "out of memory");
	memcpy(t, ps->p, k);
	t[k] = 0;
	*v = strtod(t, NULL);
	if (t != tmp)
		free(t);
	ps->p = q;
	return true;
}

static bool literal(parser *ps, const char *word)
{
	size_t k = strlen(word);
	if ((size_t)(ps->end - ps->p) < k || memcmp(ps->p, word, k))
		return fail(ps, "invalid value");
	ps->p += k;
	return true;
}

static bool value(parser *ps, cprof__json *j, int depth);

/* A member list of an array or object, '[' or '{' consumed. */
static bool members(parser *ps, cprof__json *j, int depth, bool obj)
{
	char close = obj ? '}' : ']';
	size_t cap = 0;
	cprof__json *v = NULL;
	j->n = 0;
	j->v.kids = NULL;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		const char *key = NULL;
		if (obj) {
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, "expected a member name");
			size_t kn;
			if (!string(ps, &key, &kn))
				return false;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return fail(ps, "expected ':'");
			ps->p++;
		}
		if (j->n == cap) {
			size_t nc = cap ? cap * 2 : 4;
			cprof__json *nv = realloc(v, nc * sizeof(*nv));
			if (!nv)
				return fail(ps, "out of memory");
			v = nv;
			cap = nc;
			j->v.kids = v;
		}
		cprof__json *kid = &v[j->n];
		kid->type = CPROF_JSON_NULL;
		kid->n = 0;
		kid->key = key;
		j->n++;
		if (!value(ps, kid, depth + 1))
			return false;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return true;
		}
		return fail(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool value(parser *ps, cprof__json *j, int depth)
{
	if (depth > CPROF_JSON_MAX_DEPTH)
		return fail(ps, "nested deeper than 64 levels");
	if (++ps->values > CPROF_JSON_MAX_VALUES)
		return fail(ps, "more than 50000000 values");
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "expected a value");
	switch (*ps->p) {
	case '{':
		ps->p++;
		j->type = CPROF_JSON_OBJECT;
		return members(ps, j, depth, true);
	case '[':
		ps->p++;
		j->type = CPROF_JSON_ARRAY;
		return members(ps, j, depth, false);
	case '"':
		if (!string(ps, &j->v.str, &j->n))
			return false;
		j->type = CPROF_JSON_STRING;
		return true;
	case 't': j->type = CPROF_JSON_TRUE; return literal(ps, "true");
	case 'f': j->type = CPROF_JSON_FALSE; return literal(ps, "false");
	case 'n': j->type = CPROF_JSON_NULL; return literal(ps, "null");
	default:
		if (!number(ps, &j->v.num))
			return false;
		j->type = CPROF_JSON_NUMBER;
		return true;
	}
}

static void free_kids(cprof__json *j)
{
	if (j->type != CPROF_JSON_ARRAY && j->type != CPROF_JSON_OBJECT)
		return;
	for (size_t i = 0; i < j->n; i++)
		free_kids(&j->v.kids[i]);
	free(j->v.kids);
	j->v.kids = NULL;
	j->n = 0;
}

void cprof__json_free(cprof__json *j)
{
	if (!j)
		return;
	free_kids(j);
	free(j);
}

cprof__json *cprof__json_parse(char *buf, size_t len, char *err, size_t errlen)
{
	parser ps = {.s = buf, .end = buf + len, .p = buf, .err = err, .errlen = errlen};
	cprof__json *root = calloc(1, sizeof(*root));
	if (!root) {
		cprof__errf(err, errlen, "out of memory");
		return NULL;
	}
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) /* a byte-order mark */
		ps.p += 3;
	bool okv = value(&ps, root, 1);
	if (okv) {
		skip_ws(&ps);
		if (ps.p < ps.end)
			okv = fail(&ps, "data after the JSON value");
	}
	if (!okv) {
		cprof__json_free(root);
		return NULL;
	}
	return root;
}

const cprof__json *cprof__json_get(const cprof__json *j, const char *key)
{
	if (!j || j->type != CPROF_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->v.kids[i].key, key))
			return &j->v.kids[i];
	return NULL;
}

const char *cprof__json_str(const cprof__json *j)
{
	return j && j->type == CPROF_JSON_STRING ? j->v.str : NULL;
}

double cprof__json_num(const cprof__json *j, double def)
{
	return j && j->type == CPROF_JSON_NUMBER ? j->v.num : def;
}
