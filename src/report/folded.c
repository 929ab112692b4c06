/*
 * folded.c — collapsed stacks ("root;caller;leaf value", one line per
 * distinct stack, sorted), the input of flamegraph.pl and friends.  Frames
 * are the report's node names under the chosen granularity, inlined frames
 * expanded; values are the selected sample value in the sample unit.
 */
#include "compat.h"
#include "report/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fstack {
	size_t off, len;
	int64_t value;
} fstack;

static int fstack_cmp(const void *pa, const void *pb, void *ctx)
{
	const char *buf = ctx;
	const fstack *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(buf + a->off, buf + b->off, n);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

int cprof_report_folded(cprof_report *r, FILE *out, char *err, size_t errlen)
{
	const cprof_profile *p = r->p;
	cprof_buf b;
	cprof_buf_init(&b, 0);
	fstack *st = malloc((p->sample.n + 1) * sizeof(*st));
	size_t ns = 0;
	int ret = -1;
	if (!st)
		goto oom;
	for (size_t si = 0; si < p->sample.n; si++) {
		const cprof_sample *s = &p->sample.v[si];
		int64_t v = cprof__rvalue(r, cprof_sample_values(p, s));
		if (v == 0)
			continue;
		size_t off = b.len;
		for (uint32_t i = s->nloc; i-- > 0;) {
			uint64_t lid = cprof_sample_loc(p, s, i);
			if (lid == 0 || lid > p->location.n)
				continue;
			const int32_t *ln = r->locnode + r->loc_off[lid - 1];
			for (uint32_t k = r->loc_n[lid - 1]; k-- > 0;) {
				const char *name = cprof__node_name(r, &r->nodes[ln[k]]);
				if (b.len > off)
					cprof_buf_append(&b, ";", 1);
				cprof_buf_append(&b, name, strlen(name));
			}
		}
		if (b.len == off)
			continue;
		st[ns++] = (fstack){off, b.len - off, v};
	}
	if (cprof_buf_failed(&b) || r->oom)
		goto oom;
	qsort_r(st, ns, sizeof(*st), fstack_cmp, b.data);
	for (size_t i = 0; i < ns;) {
		int64_t sum = st[i].value;
		size_t j = i + 1;
		while (j < ns && fstack_cmp(&st[i], &st[j], b.data) == 0)
			sum = cprof__wadd(sum, st[j++].value);
		fprintf(out, "%.*s %lld\n", (int)st[i].len, (const char *)b.data + st[i].off,
			(long long)sum);
		i = j;
	}
	ret = cprof__report_end(out, false, err, errlen);
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	free(st);
	cprof_buf_free(&b);
	return ret;
}
