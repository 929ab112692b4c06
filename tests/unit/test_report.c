/* test_report.c — the report engine on profiles built in memory: pprof's
 * unit formatting, path cleaning, and exact `top` / `traces` / `tree` /
 * `folded` outputs (expected texts produced by go tool pprof 1.19 on the
 * same profiles) with recursion, inlining, filters and sample indexes. */
#include "compat.h"
#include "profile/profile.h"
#include "report/internal.h"
#include "report/report.h"
#include "report/units.h"
#include "profile/demangle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void test_units(void)
{
	char b[64];
	struct {
		int64_t v;
		const char *from, *to, *want;
	} cases[] = {
		{1100000000, "nanoseconds", "minimum", "1.10s"},
		{990000000, "nanoseconds", "ms", "990ms"},
		{0, "nanoseconds", "s", "0"},
		{65536000, "bytes", "minimum", "62.50MB"},
		{1024, "bytes", "kB", "1kB"},
		{5, "count", "count", "5"},
		{7, "goroutine", "minimum", "7"},
		{-2500, "bytes", "kb", "-2.44kB"},
		{7200000000000, "nanoseconds", "auto", "2hrs"},
		{1500, "microseconds", "auto", "1.50ms"},
		{3, "widgets", "widgets", "3widgets"},
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(cases); i++) {
		char name[64];
		snprintf(name, sizeof(name), "units_label_%zu", i);
		cprof__units_label(b, sizeof(b), cases[i].v, cases[i].from, cases[i].to);
		CHECK(name, !strcmp(b, cases[i].want), "got '%s', want '%s'", b, cases[i].want);
	}
	struct {
		int64_t v, t;
		const char *want;
	} pct[] = {
		{100, 100, "  100%"}, {9996, 10000, "  100%"}, {1, 3, "33.33%"},
		{41, 100000, "0.041%"}, {0, 100, "    0%"}, {5, 0, "    0%"},
		{-1, 2, "50.00%"}, {1, 1000000000, "1e-07%"},
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(pct); i++) {
		char name[64];
		snprintf(name, sizeof(name), "units_pct_%zu", i);
		cprof__units_pct(b, sizeof(b), pct[i].v, pct[i].t);
		CHECK(name, !strcmp(b, pct[i].want), "got '%s', want '%s'", b, pct[i].want);
	}
}

static void test_paths(void)
{
	const char *c[][2] = {
		{"", "."}, {"a/b/../c", "a/c"}, {"/../x", "/x"}, {"./a//b/", "a/b"},
		{"../../a", "../../a"}, {"a/../..", ".."}, {"/", "/"}, {"/proc/./x/.", "/proc/x"},
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(c); i++) {
		char name[64], *got = cprof__path_clean(c[i][0]);
		snprintf(name, sizeof(name), "path_clean_%zu", i);
		CHECK(name, got && !strcmp(got, c[i][1]), "clean(%s) = %s, want %s", c[i][0],
		      got ? got : "(null)", c[i][1]);
		free(got);
	}
	char b[64];
	CHECK("path_base", !strcmp(cprof__path_base("/usr/bin/prog", b, sizeof(b)), "prog") &&
				   !strcmp(cprof__path_base("dir/", b, sizeof(b)), "dir") &&
				   !strcmp(cprof__path_base("///", b, sizeof(b)), "/"),
	      "unexpected base");
}

/*
 * main -> work -> (inl inlined into work) leaf, recursion rec -> rec, an
 * unsymbolised frame in the mapping, and a sample without any frame
 * (dropped by pprof's filtering although it counts in the total).
 */
static const char *fixture_drop, *fixture_keep; /* drop_frames/keep_frames */

static void build(cprof__profile *p)
{
	cprof__profile_init(p);
	cprof__profile_add_sample_type(p, "samples", "count");
	cprof__profile_add_sample_type(p, "cpu", "nanoseconds");
	cprof__mapping m = {.start = 0x400000, .limit = 0x500000,
			   .file = cprof__profile_str(p, "/usr/bin/prog"),
			   .has_functions = true};
	uint64_t mid = cprof__profile_add_mapping(p, &m);
	uint64_t fmain = cprof__profile_add_function(p, "main", "main", "/src/./main.c", 1);
	uint64_t fwork = cprof__profile_add_function(p, "work", "work", "/src/work.c", 10);
	uint64_t finl = cprof__profile_add_function(p, "inl", "inl", "/src/work.c", 30);
	uint64_t frec = cprof__profile_add_function(p, "rec", "rec", "/src/rec.c", 5);
	cprof__line lmain[] = {{fmain, 3, 0}}, lwork[] = {{fwork, 12, 0}},
		   linl[] = {{finl, 31, 0}, {fwork, 14, 0}}, lrec[] = {{frec, 6, 0}},
		   lrec2[] = {{frec, 8, 0}};
	uint64_t a = cprof__profile_add_location(p, mid, 0x401000, lmain, 1);
	uint64_t b = cprof__profile_add_location(p, mid, 0x402000, lwork, 1);
	uint64_t c = cprof__profile_add_location(p, mid, 0x403000, linl, 2);
	uint64_t d = cprof__profile_add_location(p, mid, 0x404000, lrec, 1);
	uint64_t e = cprof__profile_add_location(p, mid, 0x404100, lrec2, 1);
	uint64_t u = cprof__profile_add_location(p, mid, 0x405000, NULL, 0);
	uint64_t s1[] = {c, a}, s2[] = {b, a}, s3[] = {d, e, d, a}, s4[] = {u, b, a};
	int64_t v1[] = {6, 60000000}, v2[] = {2, 20000000}, v3[] = {3, 30000000},
		v4[] = {1, 10000000}, v5[] = {1, 10000000};
	cprof__label lab[] = {{cprof__profile_str(p, "worker"), cprof__profile_str(p, "a"), 0, 0}};
	cprof__profile_add_sample(p, s1, 2, v1, lab, 1);
	cprof__profile_add_sample(p, s2, 2, v2, NULL, 0);
	cprof__profile_add_sample(p, s3, 4, v3, NULL, 0);
	cprof__profile_add_sample(p, s4, 3, v4, NULL, 0);
	cprof__profile_add_sample(p, NULL, 0, v5, NULL, 0);
	p->duration_nanos = 1000000000;
	if (fixture_drop)
		p->drop_frames = cprof__profile_str(p, fixture_drop);
	if (fixture_keep)
		p->keep_frames = cprof__profile_str(p, fixture_keep);
}

typedef int (*render_fn)(cprof__report *, FILE *, char *, size_t);

/* Render a report of a fresh copy of the fixture into a string. */
static char *render(const cprof__report_opts *o, render_fn fn, char *err, size_t errlen)
{
	cprof__profile p;
	build(&p);
	char *buf = NULL;
	size_t len = 0;
	cprof__report *r = cprof__report_new(&p, o, err, errlen);
	if (r) {
		FILE *f = open_memstream(&buf, &len);
		if (fn(r, f, err, errlen) < 0) {
			fclose(f);
			free(buf);
			buf = NULL;
		} else {
			fclose(f);
		}
	}
	cprof__report_free(r);
	cprof__profile_free(&p);
	return buf;
}

static void expect(const char *name, const cprof__report_opts *o, render_fn fn, const char *want)
{
	char err[256] = "";
	char *got = render(o, fn, err, sizeof(err));
	CHECK(name, got && !strcmp(got, want), "\n--- got ---\n%s--- want ---\n%s%s",
	      got ? got : "(null)", want, err);
	free(got);
}

static void test_top(void)
{
	cprof__report_opts o;
	cprof__report_opts_init(&o);
	expect("top_default", &o, cprof__report_text,
	       "File: prog\n"
	       "Type: cpu\n"
	       "Duration: 1s, Total samples = 130ms (13.00%)\n"
	       "Showing nodes accounting for 120ms, 92.31% of 130ms total\n"
	       "      flat  flat%   sum%        cum   cum%\n"
	       "      60ms 46.15% 46.15%       60ms 46.15%  inl (inline)\n"
	       "      30ms 23.08% 69.23%       30ms 23.08%  rec\n"
	       "      20ms 15.38% 84.62%       90ms 69.23%  work\n"
	       "      10ms  7.69% 92.31%       10ms  7.69%  [prog]\n"
	       "         0     0% 92.31%      120ms 92.31%  main\n");
	o.cum_sort = true;
	o.nodecount = 2;
	expect("top_cum_nodecount", &o, cprof__report_text,
	       "File: prog\n"
	       "Type: cpu\n"
	       "Duration: 1s, Total samples = 130ms (13.00%)\n"
	       "Showing nodes accounting for 20ms, 15.38% of 130ms total\n"
	       "Showing top 2 nodes out of 5\n"
	       "      flat  flat%   sum%        cum   cum%\n"
	       "         0     0%     0%      120ms 92.31%  main\n"
	       "      20ms 15.38% 15.38%       90ms 69.23%  work\n");
	cprof__report_opts_init(&o);
	o.granularity = CPROF_GRAN_LINES;
	o.sample_index = "samples";
	expect("top_lines_samples", &o, cprof__report_text,
	       "File: prog\n"
	       "Type: samples\n"
	       "Duration: 1s, Total samples = 13 \n"
	       "Showing nodes accounting for 12, 92.31% of 13 total\n"
	       "      flat  flat%   sum%        cum   cum%\n"
	       "         6 46.15% 46.15%          6 46.15%  inl /src/work.c:31 (inline)\n"
	       "         3 23.08% 69.23%          3 23.08%  rec /src/rec.c:6\n"
	       "         2 15.38% 84.62%          3 23.08%  work /src/work.c:12\n"
	       "         1  7.69% 92.31%          1  7.69%  [prog]\n"
	       "         0     0% 92.31%         12 92.31%  main /src/main.c:3\n"
	       "         0     0% 92.31%          3 23.08%  rec /src/rec.c:8\n"
	       "         0     0% 92.31%          6 46.15%  work /src/work.c:14\n");
	cprof__report_opts_init(&o);
	o.focus = "work";
	o.hide = "main";
	expect("top_focus_hide", &o, cprof__report_text,
	       "File: prog\n"
	       "Type: cpu\n"
	       "Duration: 1s, Total samples = 130ms (13.00%)\n"
	       "Active filters:\n"
	       "   focus=work\n"
	       "   hide=main\n"
	       "Showing nodes accounting for 90ms, 69.23% of 130ms total\n"
	       "      flat  flat%   sum%        cum   cum%\n"
	       "      60ms 46.15% 46.15%       60ms 46.15%  inl (inline)\n"
	       "      20ms 15.38% 61.54%       90ms 69.23%  work\n"
	       "      10ms  7.69% 69.23%       10ms  7.69%  [prog]\n");
	cprof__report_opts_init(&o);
	o.sample_index = "bogus";
	char err[256] = "";
	char *got = render(&o, cprof__report_text, err, sizeof(err));
	CHECK("top_bad_sample_index", !got && !strcmp(err, "sample_index \"bogus\" must be one of: [samples cpu]"),
	      "err '%s'", err);
	free(got);
}

static void test_other_reports(void)
{
	cprof__report_opts o;
	cprof__report_opts_init(&o);
	o.format = CPROF_FMT_TRACES;
	o.tagfocus = "worker=a";
	expect("traces_tagfocus", &o, cprof__report_traces,
	       "File: prog\n"
	       "Type: cpu\n"
	       "Duration: 1s, Total samples = 130ms (13.00%)\n"
	       "-----------+-------------------------------------------------------\n"
	       "    worker:  a\n"
	       "      60ms   inl (inline)\n"
	       "             work\n"
	       "             main\n"
	       "-----------+-------------------------------------------------------\n");
	cprof__report_opts_init(&o);
	o.format = CPROF_FMT_TREE;
	o.symbol = "^work$";
	expect("peek_work", &o, cprof__report_tree,
	       "File: prog\n"
	       "Type: cpu\n"
	       "Duration: 1s, Total samples = 130ms (13.00%)\n"
	       "Showing nodes accounting for 120ms, 92.31% of 130ms total\n"
	       "----------------------------------------------------------+-------------\n"
	       "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t \n"
	       "----------------------------------------------------------+-------------\n"
	       "                                              90ms   100% |   main\n"
	       "      20ms 15.38% 15.38%       90ms 69.23%                | work\n"
	       "                                              60ms 66.67% |   inl (inline)\n"
	       "                                              10ms 11.11% |   [prog]\n"
	       "----------------------------------------------------------+-------------\n");
	cprof__report_opts_init(&o);
	o.format = CPROF_FMT_FOLDED;
	expect("folded", &o, cprof__report_folded,
	       "main;rec;rec;rec 30000000\n"
	       "main;work 20000000\n"
	       "main;work;[prog] 10000000\n"
	       "main;work;inl 60000000\n");
}

/* pprof's RemoveUninteresting: drop_frames prunes the matching frame and
 * everything beneath it, keep_frames rescues frames from drop_frames. */
static void test_drop_frames(void)
{
	cprof__report_opts o;
	cprof__report_opts_init(&o);
	o.format = CPROF_FMT_TRACES;
	fixture_drop = "work|inl";
	fixture_keep = "inl";
	expect("drop_keep_frames", &o, cprof__report_traces,
	       "File: prog\n"
	       "Type: cpu\n"
	       "Duration: 1s, Total samples = 130ms (13.00%)\n"
	       "-----------+-------------------------------------------------------\n"
	       "    worker:  a\n"
	       "      60ms   main\n"
	       "-----------+-------------------------------------------------------\n"
	       "      20ms   main\n"
	       "-----------+-------------------------------------------------------\n"
	       "      30ms   rec\n"
	       "             rec\n"
	       "             rec\n"
	       "             main\n"
	       "-----------+-------------------------------------------------------\n"
	       "      10ms   main\n"
	       "-----------+-------------------------------------------------------\n");
	fixture_drop = fixture_keep = NULL;
}

/* pprof's default demangling (expected names from go tool pprof 1.19). */
static void test_demangle(void)
{
	static const char *cases[][2] = {
		{"_ZN3foo3barEv", "foo::bar"},
		{"_Z3fooIiEvT_", "foo"},
		{"_ZN12_GLOBAL__N_13FooC2Ev", "(anonymous namespace)::Foo::Foo"},
		{"_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector::push_back"},
		{"_ZN3foo3barEv.cold", "foo::bar"},
		{"_ZNK3Foo3getEv", "Foo::get"},
		{"_ZN3FooclEv", "Foo::operator()"},
		{"_ZdlPv", "operator delete"},
		{"Foo::Bar::baz(int)", "Foo::Bar::baz"},
		{"(anonymous namespace)::Foo::bar", "::Foo::bar"},
		{"std::vector<int>::push_back", "std::vector::push_back"},
		{"a.b.C.<init>", "a.b.C.<init>"},
		{"example.com/mod/v10/pkg.Func[...]", "example.com/mod/v10/pkg.Func[...]"},
		{"operator new(unsigned long)", "operator new(unsigned long)"},
		{"main.(*T).M", "main.(*T).M"},
	};
	char *probe = cprof__demangle("_Z1fv");
	bool have_demangler = probe != NULL;
	free(probe);
	cprof__profile p;
	cprof__profile_init(&p);
	for (size_t i = 0; i < CPROF_ARRAY_LEN(cases); i++)
		cprof__profile_add_function(&p, cases[i][0], cases[i][0], "x.cc", 1);
	uint64_t done = cprof__profile_add_function(&p, "pretty", "_Z1fv", "x.cc", 1);
	CHECK("demangle_runs", cprof__report_demangle(&p, NULL, 0) == 0, "failed");
	for (size_t i = 0; i < CPROF_ARRAY_LEN(cases); i++) {
		char name[64];
		snprintf(name, sizeof(name), "demangle_%zu", i);
		if (!have_demangler && !strncmp(cases[i][0], "_Z", 2)) {
			SKIP(name, "no __cxa_demangle (libstdc++.so.6 not installed)");
			continue;
		}
		const char *got = cprof__profile_string(&p, p.function.v[i].name);
		CHECK(name, !strcmp(got, cases[i][1]), "%s -> '%s', want '%s'", cases[i][0], got,
		      cases[i][1]);
	}
	CHECK("demangle_keeps_demangled",
	      !strcmp(cprof__profile_string(&p, p.function.v[done - 1].name), "pretty"), "renamed");
	cprof__profile_free(&p);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* -folded sorts its lines byte by byte (LC_ALL=C sort) and sums equal ones,
 * though it never writes them out to sort them: every stack of one and two
 * frames over names that are prefixes of each other, followed by bytes below
 * and above ';', each twice; with a name holding a ';' too ("f;x", whose
 * line is the line of f -> x). */
static void test_folded_order(void)
{
	static const char *names[] = {"f", "f0", "f.x", "f f", "fz", "g", "x", "f;x"};
	for (size_t semi = 0; semi < 2; semi++) {
		size_t nn = CPROF_ARRAY_LEN(names) - 1 + semi;
		cprof__profile p;
		cprof__profile_init(&p);
		cprof__profile_add_sample_type(&p, "samples", "count");
		for (size_t i = 0; i < nn; i++) {
			cprof__line ln = {cprof__profile_add_function(&p, names[i], names[i], "", 0), 0, 0};
			cprof__profile_add_location(&p, 0, 0x1000 + i, &ln, 1);
		}
		/* Below the root frames g;x too: lines that their first two
		 * frames do not tell apart. */
		char *want[2 * 2 * (8 + 64)];
		size_t nw = 0;
		for (int64_t v = 1; v <= 4; v++)
			for (size_t a = 0; a < nn; a++)
				for (size_t b = 0; b <= nn; b++) { /* b == nn: no second frame */
					uint64_t ids[] = {b + 1, a + 1, 7, 6}; /* leaf first */
					bool two = b < nn, roots = v > 2;
					size_t n = (two ? 2 : 1) + (roots ? 2 : 0);
					cprof__profile_add_sample(&p, two ? ids : ids + 1, n, &(int64_t){v % 2 + 1},
								 NULL, 0);
					if (asprintf(&want[nw++], "%s%s%s%s", roots ? "g;x;" : "", names[a],
						     two ? ";" : "", two ? names[b] : "") < 0)
						return;
				}
		qsort(want, nw, sizeof(*want), cmp_line);
		char *text = NULL;
		size_t len = 0;
		FILE *w = open_memstream(&text, &len);
		/* Equal lines (each twice, with 1 and 2; "f;x" four times) summed. */
		for (size_t i = 0; i < nw;) {
			size_t j = i;
			while (j < nw && !strcmp(want[i], want[j]))
				j++;
			fprintf(w, "%s %zu\n", want[i], (j - i) / 2 * 3);
			i = j;
		}
		fclose(w);
		cprof__report_opts o;
		cprof__report_opts_init(&o);
		o.format = CPROF_FMT_FOLDED;
		char err[256] = "", *got = NULL;
		size_t glen = 0;
		cprof__report *r = cprof__report_new(&p, &o, err, sizeof(err));
		FILE *g = open_memstream(&got, &glen);
		int rc = r ? cprof__report_folded(r, g, err, sizeof(err)) : -1;
		fclose(g);
		CHECK(semi ? "folded_order_semicolon" : "folded_order", rc == 0 && !strcmp(got, text),
		      "\n--- got ---\n%s--- want ---\n%s%s", got, text, err);
		free(got);
		free(text);
		for (size_t i = 0; i < nw; i++)
			free(want[i]);
		cprof__report_free(r);
		cprof__profile_free(&p);
	}
}

static bool key_less(uint32_t a, uint32_t b, void *ctx)
{
	const uint32_t *key = ctx;
	return key[a] < key[b];
}

/* cprof__go_sort leaves equal elements where Go 1.19's sort.Sort does: the
 * hashes are of the element order Go's sort gives on the same inputs (a Go
 * program sorting {key, id} by key and hashing the ids with FNV-1a 64). */
static void test_go_sort(void)
{
	static const struct {
		uint32_t n, mod;
		int shape; /* 0: keys mod `mod`, 1: ascending runs, 2: descending */
		uint64_t hash;
	} cases[] = {
		{10, 3, 0, 0x8082ccb57051b218ULL},      {10, 3, 1, 0x9800d3c0ce314572ULL},
		{10, 3, 2, 0x31ac4ea1b79b255cULL},      {30, 4, 0, 0x095c296d872c1a90ULL},
		{30, 4, 1, 0x0e707b5c91a84776ULL},      {30, 4, 2, 0xad62663b9d6508b2ULL},
		{100, 7, 0, 0x67032b9924422643ULL},     {100, 7, 1, 0xfb5c8cec60d83ab1ULL},
		{100, 7, 2, 0xf584de9c6450f269ULL},     {300, 5, 0, 0x4979143551182305ULL},
		{300, 5, 1, 0xf90bc44125dc3a99ULL},     {300, 5, 2, 0xf8f26bf2e7c8460dULL},
		{1000, 1000, 0, 0x1efb13667e9c66b7ULL}, {1000, 1000, 1, 0x988cc5afd8cb65ddULL},
		{1000, 1000, 2, 0x29db2fe3213fe685ULL}, {2000, 2, 0, 0xf6cacd294964cad3ULL},
		{2000, 2, 1, 0x6bdb8518f1271835ULL},    {2000, 2, 2, 0xfec41945e36a67b5ULL},
	};
	for (size_t c = 0; c < CPROF_ARRAY_LEN(cases); c++) {
		uint32_t n = cases[c].n, key[2000], v[2000], x = 12345;
		for (uint32_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			key[i] = cases[c].shape == 1   ? i / 3
				 : cases[c].shape == 2 ? (n - i) / 2
						       : (x >> 16) % cases[c].mod;
			v[i] = i;
		}
		cprof__go_sort(v, n, key_less, key);
		uint64_t h = 14695981039346656037ULL;
		for (uint32_t i = 0; i < n; i++) {
			h ^= v[i];
			h *= 1099511628211ULL;
		}
		char name[64];
		snprintf(name, sizeof(name), "go_sort_%u_%u_%d", n, cases[c].mod, cases[c].shape);
		CHECK(name, h == cases[c].hash, "hash %016llx, Go's %016llx", (unsigned long long)h,
		      (unsigned long long)cases[c].hash);
	}
}

int main(void)
{
	test_units();
	test_paths();
	test_top();
	test_other_reports();
	test_drop_frames();
	test_demangle();
	test_folded_order();
	test_go_sort();
	return CHECK_STATUS;
}
