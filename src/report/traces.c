/*
 * traces.c — the `traces` report (pprof's printTraces): the profile labels,
 * then every sample: its labels, its value on the leaf frame and the stack
 * (leaf first, "(inline)" on inlined frames).
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *sep = "-----------+-------------------------------------------------------";

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print the sample's label lines ("%10s:  v1 v2"), string labels first,
 * then numeric ones, each group sorted as pprof sorts the formatted lines. */
static int print_labels(cprof__report *r, FILE *out, const cprof__sample *s)
{
	const cprof__profile *p = r->p;
	const cprof__label *l = cprof__sample_labels(p, s);
	if (s->nlabel == 0)
		return 0;
	char **lines = calloc(s->nlabel, sizeof(char *));
	bool *done = calloc(s->nlabel, 1);
	if (!lines || !done) {
		free(lines);
		free(done);
		return -1;
	}
	for (int numeric = 0; numeric < 2; numeric++) {
		size_t n = 0;
		memset(done, 0, s->nlabel);
		for (uint32_t i = 0; i < s->nlabel; i++) {
			if (done[i] || (l[i].str == 0) != numeric)
				continue;
			/* Values of this key, in order. */
			size_t cap = 256, len = 0;
			char *v = malloc(cap);
			if (!v)
				goto oom;
			v[0] = 0;
			for (uint32_t j = i; j < s->nlabel; j++) {
				if (l[j].key != l[i].key || (l[j].str == 0) != numeric)
					continue;
				done[j] = true;
				char num[64];
				const char *t;
				if (numeric) {
					const char *unit = cprof__profile_string(p, l[j].num_unit);
					if (!*unit) {
						const char *k = cprof__profile_string(p, l[j].key);
						unit = (!strcmp(k, "alignment") ||
							!strcmp(k, "request"))
							       ? "bytes"
							       : k;
					}
					t = cprof__units_label(num, sizeof(num), l[j].num, unit,
							       "auto");
				} else {
					t = cprof__profile_string(p, l[j].str);
				}
				size_t tl = strlen(t);
				if (len + tl + 2 > cap) {
					cap = (len + tl + 2) * 2;
					char *nv = realloc(v, cap);
					if (!nv) {
						free(v);
						goto oom;
					}
					v = nv;
				}
				if (len)
					v[len++] = ' ';
				memcpy(v + len, t, tl + 1);
				len += tl;
			}
			char *line;
			if (asprintf(&line, "%10s:  %s\n", cprof__profile_string(p, l[i].key), v) <
			    0) {
				free(v);
				goto oom;
			}
			free(v);
			lines[n++] = line;
		}
		qsort(lines, n, sizeof(*lines), cmp_str);
		for (size_t i = 0; i < n; i++) {
			fputs(lines[i], out);
			free(lines[i]);
			lines[i] = NULL;
		}
	}
	free(lines);
	free(done);
	return 0;
oom:
	for (uint32_t i = 0; i < s->nlabel; i++)
		free(lines[i]);
	free(lines);
	free(done);
	return -1;
}

int cprof__report_traces(cprof__report *r, FILE *out, char *err, size_t errlen)
{
	const cprof__profile *p = r->p;
	cprof__print_profile_labels(r, out);
	for (size_t si = 0; si < p->sample.n; si++) {
		const cprof__sample *s = &p->sample.v[si];
		bool any = false;
		for (uint32_t i = 0; i < s->nloc && !any; i++) {
			uint32_t id = cprof__sample_loc(p, s, i);
			any = id && id <= p->location.n;
		}
		if (!any)
			continue;
		fprintf(out, "%s\n", sep);
		if (print_labels(r, out, s) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		const int64_t *v = cprof__sample_values(p, s);
		int64_t val = cprof__rvalue(r, v);
		if (r->has_mean)
			val = cprof__wdiv(val, v[0]);
		bool first = true;
		char vb[64];
		for (uint32_t i = 0; i < s->nloc; i++) {
			uint64_t lid = cprof__sample_loc(p, s, i);
			if (lid == 0 || lid > p->location.n)
				continue;
			const int32_t *ln = r->locnode + r->loc_off[lid - 1];
			uint32_t nn = r->loc_n[lid - 1];
			for (uint32_t k = 0; k < nn; k++) {
				fprintf(out, "%10s   %s%s\n",
					first ? cprof__fmt_value(r, vb, sizeof(vb), val) : "",
					cprof__node_name(r, &r->nodes[ln[k]]),
					k != nn - 1 ? " (inline)" : "");
				first = false;
			}
		}
	}
	fprintf(out, "%s\n", sep);
	return cprof__report_end(out, r->oom, err, errlen);
}
