/*
 * list.c — the `list REGEX` report (pprof's printSource): for each function
 * whose name matches, per source file, the flat/cum totals and the source
 * lines around the samples (from the function's start line, or 5 lines
 * before the first sample, to 5 lines after the last one).
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct srcfile {
	char *path;  /* as named by the profile */
	char *data;  /* whole file, lines split in place */
	char **line; /* line[1..n] */
	size_t n;
	char *error; /* "could not find file ..." */
	struct srcfile *next;
} srcfile;

static void srcfile_free(srcfile *f)
{
	while (f) {
		srcfile *n = f->next;
		free(f->path);
		free(f->data);
		free(f->line);
		free(f->error);
		free(f);
		f = n;
	}
}

/* Go's filepath.Dir of a cleaned directory. */
static char *parent_dir(const char *d)
{
	const char *s = strrchr(d, '/');
	if (!s)
		return strdup(".");
	if (s == d)
		return strdup("/");
	return strndup(d, (size_t)(s - d));
}

/* pprof's openSourceFile: absolute paths as they are; relative ones in every
 * search dir and its parents.  Returns a FILE or NULL with *error set. */
static FILE *open_source(const char *path, const char *search, char **error)
{
	if (path[0] == '/') {
		FILE *f = fopen(path, "r");
		if (!f) {
			/* Go spells errno messages in lower case. */
			char m[128];
			snprintf(m, sizeof(m), "%s", strerror(errno));
			if (m[0] >= 'A' && m[0] <= 'Z')
				m[0] = (char)(m[0] + 32);
			if (asprintf(error, "open %s: %s", path, m) < 0)
				*error = NULL;
		}
		return f;
	}
	const char *s = search;
	while (s) {
		const char *e = strchr(s, ':');
		char *dir = e ? strndup(s, (size_t)(e - s)) : strdup(s);
		char *d = dir ? cprof__path_clean(dir) : NULL;
		free(dir);
		while (d) {
			char *full;
			if (asprintf(&full, "%s/%s", d, path) >= 0) {
				FILE *f = fopen(full, "r");
				free(full);
				if (f) {
					free(d);
					return f;
				}
			}
			char *p = parent_dir(d);
			bool top = !p || !strcmp(p, d);
			free(d);
			d = top ? (free(p), NULL) : p;
		}
		s = e ? e + 1 : NULL;
	}
	if (asprintf(error, "could not find file %s on path %s", path, search) < 0)
		*error = NULL;
	return NULL;
}

static srcfile *load_source(srcfile **cache, const char *path, const char *search, const char *trim)
{
	for (srcfile *f = *cache; f; f = f->next)
		if (!strcmp(f->path, path))
			return f;
	srcfile *f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path))) {
		free(f);
		return NULL;
	}
	f->next = *cache;
	*cache = f;
	/* pprof trims again, now with the search path's heuristic. */
	const char *p = cprof__trim_path(path, trim, search);
	FILE *in = open_source(p, search, &f->error);
	if (!in)
		return f;
	size_t cap = 0, len = 0;
	char buf[65536];
	size_t k;
	while ((k = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (len + k + 1 > cap) {
			cap = (len + k + 1) * 2;
			char *d = realloc(f->data, cap);
			if (!d) {
				fclose(in);
				return NULL;
			}
			f->data = d;
		}
		memcpy(f->data + len, buf, k);
		len += k;
	}
	fclose(in);
	if (!f->data && !(f->data = calloc(1, 1)))
		return NULL;
	f->data[len] = 0;
	size_t nl = 2;
	for (size_t i = 0; i < len; i++)
		nl += f->data[i] == '\n';
	if (!(f->line = calloc(nl + 1, sizeof(char *))))
		return NULL;
	/* Go's bufio.ScanLines: split on \n, drop one trailing \r. */
	char *c = f->data, *end = f->data + len;
	while (c < end) {
		char *e = memchr(c, '\n', (size_t)(end - c));
		char *stop = e ? e : end;
		if (stop > c && stop[-1] == '\r')
			stop[-1] = 0;
		*stop = 0;
		f->line[++f->n] = c;
		c = e ? e + 1 : end;
	}
	return f;
}

struct lctx {
	cprof__report *r;
};

/* Group order: function name, file, line. */
static int list_cmp(const void *pa, const void *pb, void *ctx)
{
	cprof__report *r = ((struct lctx *)ctx)->r;
	const cprof__gnode *a = &r->nodes[*(const uint32_t *)pa],
			   *b = &r->nodes[*(const uint32_t *)pb];
	int c = strcmp(cprof__profile_string(&r->strs, a->info.name),
		       cprof__profile_string(&r->strs, b->info.name));
	if (c)
		return c;
	c = strcmp(cprof__profile_string(&r->strs, a->info.file),
		   cprof__profile_string(&r->strs, b->info.file));
	if (c)
		return c;
	if (a->info.lineno != b->info.lineno)
		return a->info.lineno < b->info.lineno ? -1 : 1;
	return 0;
}

int cprof__report_list(cprof__report *r, FILE *out, char *err, size_t errlen)
{
	regex_t rx;
	if (cprof__symbol_regcomp(r, &rx, err, errlen) < 0)
		return -1;
	int ret = -1;
	srcfile *cache = NULL;
	char *cwd = NULL;
	uint32_t *sel = NULL;
	if (cprof__graph_build(r, false, false) < 0 ||
	    !(sel = malloc((r->nlist + 1) * sizeof(*sel))))
		goto oom;
	size_t ns = 0;
	for (size_t i = 0; i < r->nlist; i++)
		if (regexec(&rx, cprof__profile_string(&r->strs, r->nodes[r->list[i]].info.name), 0,
			    NULL, 0) == 0)
			sel[ns++] = r->list[i];
	if (ns == 0) {
		snprintf(err, errlen, "no matches found for regexp: %s", r->o.symbol);
		goto out;
	}
	struct lctx c = {r};
	qsort_r(sel, ns, sizeof(*sel), list_cmp, &c);
	const char *search = r->o.source_path;
	if (!search || !*search) {
		if (!(cwd = getcwd(NULL, 0))) {
			snprintf(err, errlen, "could not stat current dir: %s", strerror(errno));
			goto out;
		}
		search = cwd;
	}
	char b1[64], b2[64], b3[32];
	fprintf(out, "Total: %s\n", cprof__fmt_value(r, b1, sizeof(b1), r->total));
	for (size_t i = 0; i < ns;) {
		int64_t name = r->nodes[sel[i]].info.name;
		size_t fend = i;
		while (fend < ns && r->nodes[sel[fend]].info.name == name)
			fend++;
		/* Nodes without a file come first (sorted by file ""). */
		size_t j = i;
		while (j < fend && r->nodes[sel[j]].info.file == 0)
			j++;
		if (j == fend)
			fprintf(out, "No source information for %s\n",
				cprof__profile_string(&r->strs, name));
		while (j < fend) {
			int64_t file = r->nodes[sel[j]].info.file;
			size_t k = j;
			int64_t flat = 0, cum = 0, start = 0, end = 0;
			for (; k < fend && r->nodes[sel[k]].info.file == file; k++) {
				const cprof__gnode *n = &r->nodes[sel[k]];
				flat = cprof__wadd(flat, n->flat);
				cum = cprof__wadd(cum, n->cum);
				int64_t ns0 = n->info.start_line ? n->info.start_line
								 : n->info.lineno - 5;
				int64_t ne0 = n->info.lineno + 5;
				if (k == j || ns0 < start)
					start = ns0;
				if (k == j || ne0 > end)
					end = ne0;
			}
			const char *fname = cprof__profile_string(&r->strs, file);
			fprintf(out, "ROUTINE ======================== %s in %s\n",
				cprof__profile_string(&r->strs, name), fname);
			fprintf(out, "%10s %10s (flat, cum) %s of Total\n",
				cprof__fmt_value(r, b1, sizeof(b1), flat),
				cprof__fmt_value(r, b2, sizeof(b2), cum),
				cprof__units_pct(b3, sizeof(b3), cum, r->total));
			srcfile *sf = load_source(&cache, fname, search, r->o.trim_path);
			if (!sf)
				goto oom;
			if (sf->error) {
				fprintf(out, " Error: %s\n", sf->error);
				j = k;
				continue;
			}
			if (start < 1)
				start = 1;
			for (int64_t ln = start; ln <= end && (size_t)ln <= sf->n; ln++) {
				int64_t lf = 0, lc = 0;
				for (size_t q = j; q < k; q++)
					if (r->nodes[sel[q]].info.lineno == ln) {
						lf = cprof__wadd(lf, r->nodes[sel[q]].flat);
						lc = cprof__wadd(lc, r->nodes[sel[q]].cum);
					}
				fprintf(out, "%10s %10s %6lld:%s\n",
					cprof__fmt_value_or_dot(r, b1, sizeof(b1), lf),
					cprof__fmt_value_or_dot(r, b2, sizeof(b2), lc),
					(long long)ln, sf->line[ln]);
			}
			j = k;
		}
		i = fend;
	}
	ret = cprof__report_end(out, r->oom, err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	regfree(&rx);
	srcfile_free(cache);
	free(cwd);
	free(sel);
	return ret;
}
