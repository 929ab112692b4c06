/* test_flame.c — the flame graph module on profiles built in memory: the
 * merged tree (values, name order, --reverse), SVG escaping of names that
 * hold ; < & " ' and bytes that are not UTF-8 (checked by xmllint), the
 * folded-stack parser and sniffer, the XML/JSON escapers, and the packed
 * numbers of the --html data. */
#include "compat.h"
#include "profile/profile.h"
#include "report/flame.h"
#include "report/flame_int.h"
#include "report/report.h"
#include "base/escape.h"
#include "base/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* A profile with one function and location per name; stacks root first;
 * values: one per sample type. */
static void add_stack_v(cprof__profile *p, const char *const *names, size_t n, const int64_t *v)
{
	uint64_t locs[64];
	for (size_t i = 0; i < n; i++) {
		uint64_t loc = 0;
		for (size_t k = 0; k < p->function.n && !loc; k++)
			if (!strcmp(cprof__profile_string(p, p->function.v[k].name), names[i]))
				loc = k + 1; /* location k+1 has function k+1 */
		if (!loc) {
			uint64_t f = cprof__profile_add_function(p, names[i], "", "", 0);
			cprof__line ln = {.function_id = f};
			loc = cprof__profile_add_location(p, 0, 0, &ln, 1);
		}
		locs[n - 1 - i] = loc;
	}
	cprof__profile_add_sample(p, locs, n, v, NULL, 0);
}

static void add_stack(cprof__profile *p, const char *const *names, size_t n, int64_t v)
{
	add_stack_v(p, names, n, &v);
}

/* Render p as SVG into a malloc'd string. */
static char *render(cprof__profile *p, const cprof__flame_opts *o)
{
	cprof__report_opts ro;
	cprof__report_opts_init(&ro);
	ro.format = CPROF_FMT_FOLDED;
	char err[256];
	cprof__report *r = cprof__report_new(p, &ro, err, sizeof(err));
	if (!r) {
		printf("# report: %s\n", err);
		return NULL;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool empty;
	int rc = cprof__report_flame_svg(r, o, f, &empty, err, sizeof(err));
	fclose(f);
	cprof__report_free(r);
	if (rc < 0) {
		printf("# flame: %s\n", err);
		free(buf);
		return NULL;
	}
	return buf;
}

static bool xml_ok(const char *svg)
{
	char path[] = "/tmp/cprof-flame-test.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return false;
	bool ok = write(fd, svg, strlen(svg)) == (ssize_t)strlen(svg);
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "xmllint --noout %s", path);
	ok = ok && system(cmd) == 0;
	unlink(path);
	return ok;
}

static void test_svg_names(void)
{
	cprof__profile p;
	cprof__profile_init(&p);
	cprof__profile_add_sample_type(&p, "samples", "count");
	const char *s1[] = {"main", "a;b", "x<y>&z"};
	const char *s2[] = {"main", "say \"hi\" 'x'", "bad\xff\x01 byte"};
	const char *s3[] = {"main", "a;b", "]]>--"};
	add_stack(&p, s1, 3, 5);
	add_stack(&p, s2, 3, 3);
	add_stack(&p, s3, 3, 2);
	cprof__flame_opts o;
	cprof__flame_opts_init(&o);
	char *svg = render(&p, &o);
	CHECK("svg_rendered", svg != NULL, "no output");
	if (svg) {
		CHECK("svg_wellformed", xml_ok(svg), "xmllint failed");
		CHECK("svg_semicolon", strstr(svg, "<title>a;b (7 samples, 70.00%)</title>") != NULL,
		      "a;b frame missing");
		CHECK("svg_lt_amp", strstr(svg, "<title>x&lt;y&gt;&amp;z (5 samples") != NULL,
		      "x<y>&z not escaped");
		CHECK("svg_quotes", strstr(svg, "say &quot;hi&quot; &#39;x&#39; (") != NULL,
		      "quotes not escaped");
		CHECK("svg_badbytes",
		      strstr(svg, "bad\xef\xbf\xbd\xef\xbf\xbd byte (") != NULL, "bytes not replaced");
		CHECK("svg_cdata_end", strstr(svg, "]]&gt;--") != NULL, "]]> not escaped");
		CHECK("svg_total", strstr(svg, "<title>all (10 samples, 100.00%)</title>") != NULL,
		      "root total");
	}
	free(svg);
	/* --reverse: leaves become the root's children. */
	o.reverse = true;
	svg = render(&p, &o);
	CHECK("svg_reverse", svg && strstr(svg, "<title>x&lt;y&gt;&amp;z (5 samples") &&
				     strstr(svg, "<title>main (10 samples") == NULL,
	      "reverse tree");
	free(svg);
	cprof__profile_free(&p);
}

static void test_tree(void)
{
	cprof__profile p;
	cprof__profile_init(&p);
	cprof__profile_add_sample_type(&p, "samples", "count");
	const char *a[] = {"m", "z"}, *b[] = {"m", "b"}, *c[] = {"m", "b", "c"}, *d[] = {"m"};
	add_stack(&p, a, 2, 1);
	add_stack(&p, b, 2, 2);
	add_stack(&p, c, 3, 4);
	add_stack(&p, d, 1, 8);
	add_stack(&p, b, 2, 16); /* duplicate stack: merged */
	cprof__report_opts ro;
	cprof__report_opts_init(&ro);
	ro.format = CPROF_FMT_FOLDED;
	char err[256];
	cprof__report *r = cprof__report_new(&p, &ro, err, sizeof(err));
	ftree t;
	int rc = r ? cprof__ftree_build(&t, r, NULL, 0, false) : -1;
	CHECK("tree_build", rc == 0, "%s", err);
	if (rc == 0) {
		/* Preorder, children in name order: all, m, b, c, z. */
		const char *want[] = {"all", "m", "b", "c", "z"};
		int64_t wantv[] = {31, 31, 22, 4, 1};
		bool same = t.nn == 5;
		for (size_t i = 0; same && i < 5; i++)
			same = !strcmp(ftree_name(&t, t.n[i].name, NULL), want[i]) &&
			       t.val[i * t.ncol] == wantv[i];
		CHECK("tree_preorder_values", same, "nn=%zu", t.nn);
		CHECK("tree_children", t.n[1].child == 2 && t.n[2].next == 4 && t.n[4].next == 0 &&
					       t.n[2].child == 3,
		      "links");
		CHECK("tree_maxdepth", t.maxdepth == 3, "maxdepth %zu", t.maxdepth);
		cprof__ftree_free(&t);
	}
	cprof__report_free(r);
	cprof__profile_free(&p);
}

static void test_folded(void)
{
	CHECK("sniff_folded", cprof__flame_is_folded("# c\n\na;b;c 12\n", 14), "plain");
	CHECK("sniff_folded_dec", cprof__flame_is_folded("a b;c 1.5\n", 10), "decimal, spaces");
	CHECK("sniff_gzip", !cprof__flame_is_folded("\x1f\x8b\x08\x00", 4), "gzip");
	CHECK("sniff_text", !cprof__flame_is_folded("heap profile: 1: 2 [3: 4] @ heap/1048576\n", 41),
	      "heap text");
	CHECK("sniff_nul", !cprof__flame_is_folded("a 1\0", 4), "NUL");

	const char *in = "main;f 3\n"
			 "main;g 2.6\n"
			 "bad line\n"
			 "main;;f 1\n"
			 "  \n"
			 "main;h 0\n";
	cprof__profile p;
	cprof__profile_init(&p);
	size_t ignored = 99;
	char err[128];
	int rc = cprof__flame_parse_folded(&p, in, strlen(in), &ignored, err, sizeof(err));
	CHECK("folded_parse", rc == 0 && ignored == 1, "rc %d ignored %zu", rc, ignored);
	int64_t sum = 0;
	for (size_t i = 0; i < p.sample.n; i++)
		sum += cprof__sample_values(&p, &p.sample.v[i])[0];
	CHECK("folded_values", sum == 7 && p.sample.n == 3, "sum %lld samples %zu", (long long)sum,
	      p.sample.n);
	CHECK("folded_functions", p.function.n == 4, "%zu functions", p.function.n);
	cprof__profile_free(&p);

	/* Two counts: OLD NEW. */
	cprof__profile_init(&p);
	rc = cprof__flame_parse_folded(&p, "a;b 4 6\n", 8, NULL, err, sizeof(err));
	int64_t vnew = 0, vold = 0;
	for (size_t i = 0; i < p.sample.n; i++) {
		int64_t v = cprof__sample_values(&p, &p.sample.v[i])[0];
		if (p.sample.v[i].nlabel)
			vold += v;
		else
			vnew += v;
	}
	CHECK("folded_diff", rc == 0 && vnew == 6 && vold == -4, "new %lld old %lld",
	      (long long)vnew, (long long)vold);
	cprof__profile_free(&p);

	cprof__profile_init(&p);
	rc = cprof__flame_parse_folded(&p, "nothing here\n", 13, NULL, err, sizeof(err));
	CHECK("folded_none", rc < 0 && strstr(err, "no stack counts"), "rc %d", rc);
	cprof__profile_free(&p);
}

static void test_escape(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *js = "a\"b\\c</script>\n\xe2\x80\xa8\xff";
	cprof__json_escape(f, js, strlen(js));
	fclose(f);
	CHECK("json_escape",
	      buf && !strcmp(buf, "a\\\"b\\\\c\\u003c/script\\u003e\\u000a\\u2028\\ufffd"), "got %s",
	      buf);
	free(buf);
	CHECK("utf8_len", cprof__utf8_len("a\xc3\xa9\xff", 4) == 3, "len");
	CHECK("utf8_prefix", cprof__utf8_prefix("\xc3\xa9\xc3\xa9x", 5, 1) == 2, "prefix");
}

/* The packed numbers of the --html data (flame_html.c): "KEY":"..." in
 * html, decoded into out (at most max).  The count, or -1 if absent. */
static long unpack(const char *html, const char *key, int64_t *out, size_t max)
{
	static const char dig[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *s = strstr(html, key);
	if (!s)
		return -1;
	s += strlen(key);
	size_t k = 0;
	uint64_t acc = 0;
	int shift = 0;
	for (; *s && *s != '"'; s++) {
		const char *d = strchr(dig, *s);
		if (!d || k >= max)
			return -1;
		uint64_t x = (uint64_t)(d - dig);
		if (x >= 32) {
			acc |= (x - 32) << shift;
			shift += 5;
		} else {
			out[k++] = (int64_t)(acc | x << shift);
			acc = 0;
			shift = 0;
		}
	}
	return (long)k;
}

static int64_t unzig(int64_t u)
{
	return u & 1 ? -(u >> 1) - 1 : u >> 1;
}

/* --html data: depth steps, name indices, self values (zigzag) per column,
 * each divided by its GCD; a column equal to another is written once. */
static void test_html_packed(void)
{
	cprof__profile p;
	cprof__profile_init(&p);
	cprof__profile_add_sample_type(&p, "samples", "count");
	cprof__profile_add_sample_type(&p, "cpu", "nanoseconds");
	cprof__profile_add_sample_type(&p, "big", "count");
	const char *a[] = {"main", "a"}, *b[] = {"main", "b"}, *m[] = {"main"};
	const int64_t va[] = {2, 20000000, 1000000000000}, vb[] = {3, 30000000, 5},
		      vm[] = {1, 10000000, 7};
	add_stack_v(&p, a, 2, va);
	add_stack_v(&p, b, 2, vb);
	add_stack_v(&p, m, 1, vm);
	cprof__report_opts ro;
	cprof__report_opts_init(&ro);
	ro.format = CPROF_FMT_FOLDED;
	char err[256] = "";
	cprof__report *r = cprof__report_new(&p, &ro, err, sizeof(err));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cprof__flame_opts o;
	cprof__flame_opts_init(&o);
	int rc = r && f ? cprof__report_flame_html(r, &o, f, NULL, err, sizeof(err)) : -1;
	if (f)
		fclose(f);
	CHECK("html_rendered", rc == 0 && buf, "%s", err);
	if (rc == 0 && buf) {
		int64_t d[8], n[8], v0[8], v2[8];
		long nd = unpack(buf, "\"d\":\"", d, 8), nn = unpack(buf, "\"n\":\"", n, 8);
		/* preorder: all, main, a, b */
		CHECK("html_nn", strstr(buf, "\"nn\":4,") != NULL, "no nn 4");
		CHECK("html_depths", nd == 4 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 1,
		      "%ld: %lld %lld %lld %lld", nd, (long long)d[0], (long long)d[1],
		      (long long)d[2], (long long)d[3]);
		CHECK("html_names", nn == 4 && n[0] == 0 && n[1] != n[2] && n[2] != n[3], "%ld", nn);
		const char *v = strstr(buf, "\"v\":[");
		long k0 = v ? unpack(v, "[\"", v0, 8) : -1;
		const char *c2 = v ? strstr(v, "\"\",\n\"") : NULL; /* column 1 is empty */
		long k2 = c2 ? unpack(c2, ",\n\"", v2, 8) : -1;
		CHECK("html_self_col0", k0 == 4 && unzig(v0[0]) == 0 && unzig(v0[1]) == 1 &&
					       unzig(v0[2]) == 2 && unzig(v0[3]) == 3,
		      "%ld", k0);
		CHECK("html_same_scale", strstr(buf, "\"scale\":[1,10000000,1],\"same\":[-1,0,-1]") != NULL,
		      "%s", strstr(buf, "\"scale\"") ? strstr(buf, "\"scale\"") : "none");
		CHECK("html_self_big", k2 == 4 && unzig(v2[1]) == 7 && unzig(v2[2]) == 1000000000000 &&
					       unzig(v2[3]) == 5,
		      "%ld", k2);
	}
	free(buf);
	cprof__report_free(r);
	cprof__profile_free(&p);
}

int main(void)
{
	test_svg_names();
	test_tree();
	test_folded();
	test_escape();
	test_html_packed();
	return CHECK_STATUS;
}
