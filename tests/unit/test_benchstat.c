/*
 * test_benchstat.c — `cprof benchstat` end to end on the fixtures in
 * tests/fixtures/benchstat: golden outputs (layout and numbers; the layout
 * engine was checked byte for byte against golang.org/x/perf's own
 * goldens), syntax errors reported as file:line, unit tidying, flags, and
 * a replay of the fuzz corpus plus a few thousand deterministic mutations.
 */
#include "compat.h"
#include "benchstat/benchfmt.h"
#include "benchstat/benchstat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	char tmp[4096];
	size_t r;
	while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
		fwrite(tmp, 1, r, m);
	fclose(f);
	fclose(m);
	if (len)
		*len = n;
	return buf;
}

static char *out_text, *err_text;
static int run(char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	free(out_text);
	free(err_text);
	size_t ol, el;
	FILE *o = open_memstream(&out_text, &ol), *e = open_memstream(&err_text, &el);
	int rc = cprof__benchstat_main(argc, argv, o, e);
	fclose(o);
	fclose(e);
	return rc;
}

static void golden(const char *name, const char *want_out, const char *want_err, char **argv)
{
	int rc = run(argv);
	char *wo = slurp(want_out, NULL), *we = want_err ? slurp(want_err, NULL) : NULL;
	bool same = rc == 0 && wo && !strcmp(out_text, wo) && (!want_err || (we && !strcmp(err_text, we)));
	CHECK(name, same, "rc=%d\n--- got:\n%s--- stderr:\n%s--- want:\n%s", rc, out_text, err_text,
	      wo ? wo : "(missing golden)");
	free(wo);
	free(we);
}

static void test_goldens(void)
{
	golden("oldnew", "oldnew.golden", NULL, (char *[]){"benchstat", "old.txt", "new.txt", NULL});
	golden("oldnew_csv", "oldnew_csv.golden", "oldnew_csv.stderr.golden",
	       (char *[]){"benchstat", "-format", "csv", "old.txt", "new.txt", NULL});
	golden("small_sample_footnotes", "small.golden", NULL,
	       (char *[]){"benchstat", "-col", "note", "small.txt", NULL});
	golden("set_differs", "setdiff.golden", NULL,
	       (char *[]){"benchstat", "-col", "note", "setdiff.txt", NULL});
	golden("assume_exact", "exact.golden", NULL,
	       (char *[]){"benchstat", "-col", "note", "exact.txt", NULL});
	golden("col_subname_row_name", "colsub.golden", NULL,
	       (char *[]){"benchstat", "-col", "/n", "-row", ".name", "new.txt", NULL});
	golden("filter_unit", "filter.golden", NULL,
	       (char *[]){"benchstat", "-filter", ".unit:ns/op", "-row", ".name", "old.txt", "new.txt",
			  NULL});
	golden("malformed_lines", "malformed.golden", "malformed.stderr.golden",
	       (char *[]){"benchstat", "malformed.txt", NULL});

	/* Go's own output (go test -bench, Go 1.19) reads cleanly */
	int grc = run((char *[]){"benchstat", "go119_layout.txt", NULL});
	CHECK("reads_go_output", grc == 0 && !*err_text && strstr(out_text, "pkg: example.com/gob") &&
					 strstr(out_text, "\nSubs/size=1024#01-2 ") &&
					 strstr(out_text, "B/s") && strstr(out_text, "hits/op"),
	      "rc=%d\n%s\n%s", grc, out_text, err_text);

	/* -ignore: a config key no longer splits tables; .fullname no longer warns */
	int irc = run((char *[]){"benchstat", "-ignore", "note", "small.txt", NULL});
	CHECK("ignore_config_key", irc == 0 && strstr(out_text, "Sieve   1.190\xc2\xb5s") == NULL &&
					   strstr(out_text, "1.190\xc2\xb5 \xc2\xb1 \xe2\x88\x9e") &&
					   !strstr(out_text, "before"),
	      "%s", out_text);
	irc = run((char *[]){"benchstat", "-row", ".name", "-ignore", ".fullname", "-filter",
			     ".unit:ns/op", "new.txt", NULL});
	CHECK("ignore_fullname", irc == 0 && !strstr(out_text, "vary") &&
					 strstr(out_text, "\nConcat "),
	      "%s", out_text);
	irc = run((char *[]){"benchstat", "-row", ".name", "-col", "/n", "-filter", ".unit:ns/op",
			     "old.txt", "new.txt", NULL});
	CHECK("vary_in_file_warning", irc == 0 && strstr(out_text, "benchmarks vary in .file"), "%s",
	      out_text);

	/* sort orders: @num understands SI/IEC prefixes; @(...) orders and filters */
	{
		const char *in = "BenchmarkS/size=1k 1 10 ns/op\nBenchmarkS/size=64 1 10 ns/op\n"
				 "BenchmarkS/size=2Mi 1 10 ns/op\nBenchmarkS/size=512 1 10 ns/op\n";
		char tmp[64];
		snprintf(tmp, sizeof tmp, "/tmp/cprof-test-benchstat-%d.txt", (int)getpid());
		FILE *f = fopen(tmp, "w");
		if (f) {
			fputs(in, f);
			fclose(f);
		}
		int src = run((char *[]){"benchstat", "-row", "/size@num", "-col", ".name",
					 tmp, NULL});
		const char *a = strstr(out_text, "\n64 "), *b2 = strstr(out_text, "\n512 "),
			   *c = strstr(out_text, "\n1k "), *d = strstr(out_text, "\n2Mi ");
		CHECK("sort_num", src == 0 && a && b2 && c && d && a < b2 && b2 < c && c < d, "%s",
		      out_text);
		src = run((char *[]){"benchstat", "-row", "/size@(2Mi 64)", "-col", ".name",
				     tmp, NULL});
		a = strstr(out_text, "\n64 ");
		d = strstr(out_text, "\n2Mi ");
		CHECK("sort_fixed_filters", src == 0 && a && d && d < a && !strstr(out_text, "\n1k "),
		      "%s", out_text);
		remove(tmp);
	}

	/* labels: label=path names the column */
	int rc = run((char *[]){"benchstat", "A=old.txt", "B=new.txt", NULL});
	CHECK("labels", rc == 0 && strstr(out_text, "\xe2\x94\x82      A      \xe2\x94\x82"),
	      "%s", out_text);
	rc = run((char *[]){"benchstat", "-filter", "-.name:Concat .unit:/allocs/", "old.txt", "new.txt",
			    NULL});
	CHECK("filter_negation_regexp",
	      rc == 0 && !strstr(out_text, "Concat") && strstr(out_text, "allocs/op") &&
		      !strstr(out_text, "sec/op"),
	      "%s", out_text);
	rc = run((char *[]){"benchstat", "-row", ".name", "-filter",
			    ".name:(Concat OR Buffer) .unit:ns/op", "old.txt", "new.txt", NULL});
	CHECK("filter_value_alternatives", rc == 0 && strstr(out_text, "\nConcat ") &&
						   strstr(out_text, "\nBuffer ") &&
						   !strstr(out_text, "Snprintf") &&
						   !strstr(out_text, "B/op"),
	      "%s", out_text);
	rc = run((char *[]){"benchstat", "-row", ".name", "-filter",
			    "(.name:Snprintf OR .name:Buffer) AND -.name:Buffer AND .unit:/^ns/",
			    "old.txt", "new.txt", NULL});
	CHECK("filter_or_and_not_parens", rc == 0 && strstr(out_text, "\nSnprintf ") &&
						  !strstr(out_text, "Buffer") &&
						  !strstr(out_text, "Concat"),
	      "%s", out_text);
	CHECK("filter_syntax_error",
	      run((char *[]){"benchstat", "-filter", "((.name:A", "old.txt", NULL}) == 2 &&
		      strstr(err_text, "missing )"),
	      "%s", err_text);
	rc = run((char *[]){"benchstat", "-alpha", "0.00001", "old.txt", "new.txt", NULL});
	CHECK("alpha", rc == 0 && !strstr(out_text, "-8.57%"), "%s", out_text);
}

static void test_errors(void)
{
	CHECK("no_inputs", run((char *[]){"benchstat", NULL}) == 2, "%s", err_text);
	CHECK("bad_alpha", run((char *[]){"benchstat", "-alpha", "2", "x", NULL}) == 2, "%s", err_text);
	CHECK("bad_format", run((char *[]){"benchstat", "-format", "html", "x", NULL}) == 2, "%s",
	      err_text);
	CHECK("unknown_flag", run((char *[]){"benchstat", "-nope", "1", "x", NULL}) == 2, "%s", err_text);
	CHECK("bad_filter", run((char *[]){"benchstat", "-filter", "(a OR b)", "x", NULL}) == 2, "%s",
	      err_text);
	int rc = run((char *[]){"benchstat", "no-such-file.txt", NULL});
	CHECK("missing_file", rc == 1 && strstr(err_text, "cannot open no-such-file.txt"), "%s",
	      err_text);
	/* syntax errors name file:line and do not stop the run */
	const char *in = "BenchmarkA 1 5 ns/op\nBenchmarkB x 5 ns/op\nnoise\nBenchmarkC 1 5\n";
	size_t ol, el;
	char *o = NULL, *e = NULL;
	FILE *fo = open_memstream(&o, &ol), *fe = open_memstream(&e, &el);
	rc = cprof__benchstat_buffer(in, strlen(in), fo, fe);
	fclose(fo);
	fclose(fe);
	CHECK("syntax_error_file_line",
	      rc == 0 && strstr(e, "input:2: parsing iteration count") &&
		      strstr(e, "input:4: missing units") && strstr(o, "\nA "),
	      "rc=%d\n%s\n%s", rc, o, e);
	free(o);
	free(e);
}

static void test_units(void)
{
	static const struct {
		const char *in, *out;
		double f;
	} cases[] = {
		{"ns/op", "sec/op", 1e-9},	 {"MB/s", "B/s", 1e6},
		{"B/op", "B/op", 1},		 {"allocs/op", "allocs/op", 1},
		{"L1-miss-ns/op", "L1-miss-sec/op", 1e-9},
		{"ns/GC", "sec/GC", 1e-9},	 {"op/ns", "op/ns", 1}, /* denominator untouched */
		{"MB*ns/op", "B*sec/op", 1e-3},
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(cases); i++) {
		char out[64], name[64];
		double f = cprof__bf_tidy(cases[i].in, out, sizeof out);
		snprintf(name, sizeof name, "tidy_%zu", i);
		CHECK(name, !strcmp(out, cases[i].out) && f / cases[i].f > 0.999999 &&
				    f / cases[i].f < 1.000001,
		      "%s -> %s x%g", cases[i].in, out, f);
	}
	CHECK("binary_units", cprof__bf_unit_binary("B/op") && cprof__bf_unit_binary("text-bytes") &&
				      !cprof__bf_unit_binary("allocs/op") &&
				      !cprof__bf_unit_binary("ops/B"),
	      "wrong class");
}

static unsigned long long rng = 0x9e3779b97f4a7c15ull;
static unsigned rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 11);
}

static void test_corpus(void)
{
	DIR *d = opendir(".");
	if (!d) {
		CHECK("corpus", 0, "cannot open the fixture directory");
		return;
	}
	struct dirent *de;
	int n = 0, bad = 0, mutated = 0;
	static const char *tokens[] = {"Benchmark", " ns/op", "\n", "--\n", ":", " ", "\t", "-8",
				       "Unit ", "=exact", "1e308", "NaN", "/", "\xe2\x94", "0"};
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".txt"))
			continue;
		size_t len;
		char *buf = slurp(de->d_name, &len);
		if (!buf)
			continue;
		FILE *null = fopen("/dev/null", "w");
		n++;
		bad += cprof__benchstat_buffer(buf, len, null, null) != 0;
		/* deterministic mutations: byte flips, token splices, truncation */
		for (int m = 0; m < 300; m++, mutated++) {
			size_t cap = len + 64;
			char *mb = malloc(cap);
			memcpy(mb, buf, len);
			size_t ml = len;
			for (int k = 0; k < 1 + (int)(rnd() % 4); k++) {
				unsigned op = rnd() % 3;
				if (op == 0 && ml)
					mb[rnd() % ml] = (char)rnd();
				else if (op == 1) {
					const char *t = tokens[rnd() % CPROF_ARRAY_LEN(tokens)];
					size_t tl = strlen(t), at = ml ? rnd() % ml : 0;
					if (ml + tl <= cap) {
						memmove(mb + at + tl, mb + at, ml - at);
						memcpy(mb + at, t, tl);
						ml += tl;
					}
				} else if (ml)
					ml = rnd() % ml;
			}
			bad += cprof__benchstat_buffer(mb, ml, null, null) != 0;
			free(mb);
		}
		fclose(null);
		free(buf);
	}
	closedir(d);
	CHECK("corpus_replay_and_mutations", n >= 4 && bad == 0, "inputs=%d mutated=%d bad=%d", n,
	      mutated, bad);
}

int main(void)
{
	const char *root = getenv("CPROF_ROOT");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/benchstat", root ? root : ".");
	if (chdir(path)) {
		printf("not ok chdir: %s\n", path);
		return 1;
	}
	test_goldens();
	test_errors();
	test_units();
	test_corpus();
	free(out_text);
	free(err_text);
	return CHECK_STATUS;
}
