/*
 * flame_html.c — the flame graph as one self-contained HTML page (see
 * flame.h).  The page is web/flame.html (embedded by web/embed.sh); this
 * file writes the data it draws, as JSON inside its <script>:
 *
 *   {"title", "subtitle", "types": [{"name", "unit"}...], "sel": index,
 *    "diff": bool, "names": [...],
 *    "d": [depth per node], "n": [name index per node],
 *    "v": [[value per node] per sample type], "b": [[OLD value...]...]}
 *
 * Nodes are the merged tree in preorder (children in name order), with
 * every sample type's values, so the page can switch types, zoom, pivot and
 * tabulate without the server.  JSON strings are escaped for a <script>
 * element (no "</script>" can appear).
 */
#include "compat.h"
#include "report/flame_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_jstr(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	cprof__json_escape(out, s, n);
	fputc('"', out);
}

int cprof_report_flame_html(cprof_report *r, const cprof_flame_opts *o, FILE *out, bool *empty,
			    char *err, size_t errlen)
{
	const cprof_profile *p = r->p;
	size_t nt = p->sample_type.n;
	size_t *cols = malloc((nt + 1) * sizeof(*cols));
	uint32_t *depth = NULL;
	bool *keep = NULL;
	ftree t;
	memset(&t, 0, sizeof(t));
	int ret = -1;
	if (!cols)
		goto oom;
	for (size_t k = 0; k < nt; k++)
		cols[k] = k;
	if (r->has_mean) {
		snprintf(err, errlen, "-mean is not supported by flame graphs");
		goto done;
	}
	if (cprof__ftree_build(&t, r, cols, nt, o->reverse) < 0)
		goto oom;
	depth = malloc((t.nn + 1) * sizeof(*depth));
	keep = malloc((t.nn + 1) * sizeof(*keep));
	if (!depth || !keep)
		goto oom;
	/* Past max_frames, drop frames below a share of the total of every
	 * type, raising the share until the tree fits. */
	size_t max = o->max_frames ? o->max_frames : 2000000;
	double share = 0;
	size_t kept;
	for (;;) {
		kept = 0;
		for (size_t i = 0; i < t.nn; i++) {
			bool k = i == 0 || keep[t.n[i].parent];
			if (k && i > 0) {
				bool big = false;
				for (size_t c = 0; c < t.ncol && !big; c++) {
					int64_t v = t.val[i * t.ncol + c];
					int64_t tot = t.val[c];
					big = v != 0 && (share == 0 || (double)(v < 0 ? -v : v) >=
									   share * (double)(tot < 0 ? -tot : tot));
				}
				k = big;
			}
			keep[i] = k;
			depth[i] = i == 0 ? 0 : depth[t.n[i].parent] + 1;
			kept += k;
		}
		if (kept <= max)
			break;
		share = share == 0 ? 1e-6 : share * 4;
	}
	if (empty) {
		int64_t tot = t.val[r->vi];
		*empty = tot == 0;
	}

	fputs(cprof__flame_html_head, out);
	fputs("{\"title\":", out);
	const char *title = o->title ? o->title : cprof__flame_title(o, t.diff);
	put_jstr(out, title, strlen(title));
	fputs(",\"subtitle\":\"", out);
	if (o->subtitle)
		cprof__json_escape(out, o->subtitle, strlen(o->subtitle));
	else
		cprof__flame_subtitle(out, r, &t, r->vi, cprof__json_escape);
	fprintf(out, "\",\"sel\":%zu,\"diff\":%s,\"pruned\":%g,\"types\":[", r->vi,
		t.diff ? "true" : "false", share);
	for (size_t k = 0; k < nt; k++) {
		const char *tn = cprof_profile_string(p, p->sample_type.v[k].type);
		const char *tu = cprof_profile_string(p, p->sample_type.v[k].unit);
		fputs(k ? ",{\"name\":" : "{\"name\":", out);
		put_jstr(out, tn, strlen(tn));
		fputs(",\"unit\":", out);
		put_jstr(out, tu, strlen(tu));
		fputc('}', out);
	}
	fputs("],\n\"names\":[", out);
	for (size_t i = 0; i < t.nnames; i++) {
		size_t len;
		const char *nm = ftree_name(&t, (uint32_t)i, &len);
		if (i)
			fputc(',', out);
		put_jstr(out, nm, len);
	}
	fputs("],\n\"d\":[", out);
	bool first = true;
	for (size_t i = 0; i < t.nn; i++)
		if (keep[i]) {
			fprintf(out, first ? "%u" : ",%u", depth[i]);
			first = false;
		}
	fputs("],\n\"n\":[", out);
	first = true;
	for (size_t i = 0; i < t.nn; i++)
		if (keep[i]) {
			fprintf(out, first ? "%u" : ",%u", t.n[i].name);
			first = false;
		}
	for (int side = 0; side < (t.diff ? 2 : 1); side++) {
		fputs(side ? "],\n\"b\":[" : "],\n\"v\":[", out);
		for (size_t k = 0; k < nt; k++) {
			fputs(k ? ",\n[" : "[", out);
			first = true;
			for (size_t i = 0; i < t.nn; i++)
				if (keep[i]) {
					fprintf(out, first ? "%lld" : ",%lld",
						(long long)t.val[i * t.ncol + (size_t)side * nt + k]);
					first = false;
				}
			fputc(']', out);
		}
	}
	fputs("]}\n", out);
	fputs(cprof__flame_html_tail, out);
	ret = 0;
	if (ferror(out)) {
		snprintf(err, errlen, "write error");
		ret = -1;
	}
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	free(cols);
	free(depth);
	free(keep);
	cprof__ftree_free(&t);
	return ret;
}
