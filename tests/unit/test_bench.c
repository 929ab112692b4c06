/*
 * test_bench.c — the benchmark harness, on a fake clock: every benchmark
 * here advances `fake_ns` by what its work "costs", so ramp-up, timer
 * control and the printed lines are exact and assertable.
 */
#include "compat.h"
#include "bench/bench_internal.h"
#include "base/duration.h"

#include <cprof/bench.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int64_t fake_ns;
static int64_t fake_clock(void)
{
	return __atomic_load_n(&fake_ns, __ATOMIC_SEQ_CST);
}
static void tick(int64_t d)
{
	__atomic_add_fetch(&fake_ns, d, __ATOMIC_SEQ_CST);
}

static uint64_t fake_allocs, fake_bytes;
static bool fake_alloc_source(uint64_t *a, uint64_t *b)
{
	*a = __atomic_load_n(&fake_allocs, __ATOMIC_SEQ_CST);
	*b = __atomic_load_n(&fake_bytes, __ATOMIC_SEQ_CST);
	return true;
}
static void fake_malloc(uint64_t size)
{
	__atomic_add_fetch(&fake_allocs, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&fake_bytes, size, __ATOMIC_SEQ_CST);
}
static bool no_alloc_source(uint64_t *a, uint64_t *b)
{
	(void)a, (void)b;
	return false;
}

/* The b->n values a benchmark saw, in order. */
static long seen[64];
static int nseen;
static void see(long n)
{
	if (nseen < 64)
		seen[nseen++] = n;
}

static char *out_text, *err_text;
static int run(const char *first, ...)
{
	char *argv[32] = {"benchtest", (char *)first};
	int argc = first ? 2 : 1;
	va_list ap;
	va_start(ap, first);
	for (const char *a; first && (a = va_arg(ap, const char *)) && argc < 31;)
		argv[argc++] = (char *)a;
	va_end(ap);
	free(out_text);
	free(err_text);
	size_t ol, el;
	FILE *o = open_memstream(&out_text, &ol), *e = open_memstream(&err_text, &el);
	nseen = 0;
	int rc = cprof__bench_main_to(argc, argv, o, e);
	fclose(o);
	fclose(e);
	return rc;
}

/* Mask the elapsed time of the "ok" trailer. */
static void mask_elapsed(char *s)
{
	char *p = strstr(s, "\nok  \t");
	if (!p)
		return;
	p = strchr(p + 6, '\t');
	if (!p)
		return;
	for (p++; *p && *p != 's'; p++)
		if (*p >= '0' && *p <= '9')
			*p = '0';
}

/* ------------------------------------------------------------------ */

CPROF_BENCH(Cost37)
{
	see(b->n);
	tick(37 * b->n);
}

CPROF_BENCH(TimerControl)
{
	tick(5000000); /* setup before reset: not measured */
	cprof_bench_reset_timer(b);
	for (long i = 0; i < b->n; i++) {
		cprof_bench_stop_timer(b);
		tick(1000); /* untimed per-op setup */
		cprof_bench_start_timer(b);
		tick(50);
	}
}

CPROF_BENCH(SlowSetup)
{
	see(b->n);
	cprof_bench_stop_timer(b);
	tick(2000000000); /* 2 s of untimed setup per run */
	cprof_bench_start_timer(b);
	tick(b->n);
}

static void sub_leaf(cprof_bench_b *b)
{
	tick(10 * b->n);
}
CPROF_BENCH(Subs)
{
	cprof_bench_run(b, "a b", sub_leaf);
	cprof_bench_run(b, "size=1024", sub_leaf);
	cprof_bench_run(b, "size=1024", sub_leaf);
	cprof_bench_run(b, "", sub_leaf);
}

static void nested_leaf(cprof_bench_b *b)
{
	int *calls = b->arg;
	(*calls)++;
	tick(b->n);
}
static void nested_mid(cprof_bench_b *b)
{
	cprof_bench_run(b, "leaf", nested_leaf);
}
static int nested_calls;
CPROF_BENCH(Nested)
{
	cprof_bench_run_arg(b, "mid", nested_mid, &nested_calls);
}

static long par_total;
static int par_threads_seen;
static void par_body(cprof_bench_pb *pb, void *arg)
{
	(void)arg;
	long mine = 0;
	while (cprof_bench_pb_next(pb)) {
		mine++;
		tick(4);
	}
	__atomic_add_fetch(&par_total, mine, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&par_threads_seen, 1, __ATOMIC_SEQ_CST);
}
static long par_expected;
static bool par_ok = true;
CPROF_BENCH(Parallel)
{
	par_total = 0;
	par_threads_seen = 0;
	cprof_bench_run_parallel(b, par_body, NULL);
	if (par_total != b->n || par_threads_seen != cprof_bench_procs(b))
		par_ok = false;
	par_expected += b->n;
}

static void bad_par_body(cprof_bench_pb *pb, void *arg)
{
	(void)pb, (void)arg;
}
CPROF_BENCH(BadParallel)
{
	cprof_bench_run_parallel(b, bad_par_body, NULL);
}

static int loop_calls;
CPROF_BENCH(Loop)
{
	loop_calls++;
	tick(123456789); /* setup: outside the loop, never timed */
	while (cprof_bench_loop(b))
		tick(20);
	tick(99999999); /* cleanup */
}

CPROF_BENCH(LoopBreak)
{
	while (cprof_bench_loop(b))
		break;
}

CPROF_BENCH(Metrics)
{
	cprof_bench_set_bytes(b, 1000);
	tick(250 * b->n);
	cprof_bench_report_metric(b, 12.5, "hits/op");
	cprof_bench_report_metric(b, 0.5, "aaa/op");
}

CPROF_BENCH(Allocs)
{
	fake_malloc(4096); /* untimed: before the reset */
	cprof_bench_reset_timer(b);
	for (long i = 0; i < b->n; i++) {
		fake_malloc(64);
		fake_malloc(64);
		fake_malloc(64);
		cprof_bench_stop_timer(b);
		fake_malloc(1 << 20); /* untimed */
		cprof_bench_start_timer(b);
		tick(100);
	}
}

CPROF_BENCH(ReportAllocs)
{
	cprof_bench_report_allocs(b);
	for (long i = 0; i < b->n; i++)
		fake_malloc(10);
	tick(7 * b->n);
}

CPROF_BENCH(Fails)
{
	cprof_bench_errorf(b, "broken at n=%ld", b->n);
	tick(b->n);
}

static int fatal_after;
CPROF_BENCH(Fatal)
{
	cprof_bench_fatalf(b, "stop");
	fatal_after++;
}

CPROF_BENCH(Logs)
{
	cprof_bench_logf(b, "hello %d", 42);
	tick(1000 * b->n);
}

/* ------------------------------------------------------------------ */

static void test_predict(void)
{
	CHECK("predict_first_step_capped_100x", cprof__bench_predict_n(1000000000, 1, 37, 1) == 100,
	      "%lld", (long long)cprof__bench_predict_n(1000000000, 1, 37, 1));
	CHECK("predict_multiply_first",
	      cprof__bench_predict_n(1000000000, 1000000, 37000000, 1000000) == 32432432, "%lld",
	      (long long)cprof__bench_predict_n(1000000000, 1000000, 37000000, 1000000));
	CHECK("predict_zero_duration", cprof__bench_predict_n(1000000000, 5, 0, 5) == 500, "%lld",
	      (long long)cprof__bench_predict_n(1000000000, 5, 0, 5));
	CHECK("predict_at_least_last_plus_1", cprof__bench_predict_n(10, 7, 1000000, 7) == 8, "%lld",
	      (long long)cprof__bench_predict_n(10, 7, 1000000, 7));
	CHECK("predict_cap_1e9",
	      cprof__bench_predict_n(1000000000, 100000000, 1, 100000000) == 1000000000, "%lld",
	      (long long)cprof__bench_predict_n(1000000000, 100000000, 1, 100000000));
	CHECK("predict_no_overflow",
	      cprof__bench_predict_n(INT64_MAX / 4, 1000000000, 1, 1000000000) == 1000000000,
	      "%lld", (long long)cprof__bench_predict_n(INT64_MAX / 4, 1000000000, 1, 1000000000));
}

static void test_pretty(void)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{0, "         0 ns/op"},	       {1234.4, "      1234 ns/op"},
		{999.95, "      1000 ns/op"},      {999.94, "       999.9 ns/op"},
		{123.45, "       123.5 ns/op"},    {99.99, "        99.99 ns/op"},
		{37, "        37.00 ns/op"},      {9.9994, "         9.999 ns/op"},
		{1.5, "         1.500 ns/op"},    {0.5, "         0.5000 ns/op"},
		{0.05, "         0.05000 ns/op"}, {0.005, "         0.005000 ns/op"},
		{0.0001, "         0.0001000 ns/op"},
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(cases); i++) {
		char buf[64], name[64];
		cprof__bench_pretty(buf, sizeof buf, cases[i].v, "ns/op");
		snprintf(name, sizeof name, "pretty_%zu", i);
		CHECK(name, !strcmp(buf, cases[i].want), "got '%s' want '%s'", buf, cases[i].want);
	}
}

static void test_durations(void)
{
	static const struct {
		const char *in;
		int64_t ns;
	} ok[] = {{"1s", 1000000000},  {"500ms", 500000000}, {"1.5s", 1500000000},
		  {"1m30s", 90000000000}, {"10m", 600000000000}, {"2h", 7200000000000},
		  {"100us", 100000},	  {"7ns", 7},		 {"0", 0},
		  {".5s", 500000000}};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(ok); i++) {
		int64_t v = -1;
		char name[64];
		snprintf(name, sizeof name, "parse_duration_%s", ok[i].in);
		CHECK(name, cprof__bench_parse_duration(ok[i].in, &v) == 0 && v == ok[i].ns,
		      "got %lld", (long long)v);
	}
	const char *bad[] = {"", "1", "s", "1x", "1.2.3s", "5 s", "."};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(bad); i++) {
		int64_t v;
		char name[64];
		snprintf(name, sizeof name, "parse_duration_bad_%zu", i);
		CHECK(name, cprof__bench_parse_duration(bad[i], &v) < 0, "'%s' accepted", bad[i]);
	}
	static const struct {
		int64_t ns;
		const char *want;
	} fmt[] = {{600000000000, "10m0s"}, {1000000000, "1s"},	 {1500000000, "1.5s"},
		   {90000000000, "1m30s"},  {500000000, "500ms"},	 {1500, "1.5\xc2\xb5s"},
		   {7, "7ns"},		    {3723000000000, "1h2m3s"}, {0, "0s"},
		   {12250000, "12.25ms"},   {-1500000000, "-1.5s"},
		   {INT64_MIN, "-2562047h47m16.854775808s"}};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(fmt); i++) {
		char buf[32], name[64];
		cprof__go_duration(buf, sizeof buf, fmt[i].ns);
		snprintf(name, sizeof name, "format_duration_%zu", i);
		CHECK(name, !strcmp(buf, fmt[i].want), "got '%s' want '%s'", buf, fmt[i].want);
	}
}

/* Is there a line "NAME<spaces>\tREST"?  (line = "NAME\tREST") */
static bool has_line(const char *text, const char *line)
{
	const char *tab = strchr(line, '\t');
	size_t nl = (size_t)(tab - line), rl = strlen(tab);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, line, nl))
			continue;
		const char *q = p + nl;
		while (*q == ' ')
			q++;
		if (!strncmp(q, tab, rl) && (q[rl] == '\n' || q[rl] == 0))
			return true;
	}
	return false;
}

static void test_rampup(void)
{
	int rc = run("-bench", "^BenchmarkCost37$", "-cpu", "1", NULL);
	static const long want[] = {1, 100, 10000, 1000000, 32432432};
	bool same = nseen == 5;
	for (int i = 0; same && i < 5; i++)
		same = seen[i] == want[i];
	CHECK("rampup_sequence", rc == 0 && same, "rc=%d nseen=%d last=%ld", rc, nseen,
	      nseen ? seen[nseen - 1] : 0);
	CHECK("rampup_line", has_line(out_text, "BenchmarkCost37\t32432432\t        37.00 ns/op"),
	      "%s", out_text);

	run("-bench", "Cost37", "-benchtime", "100x", "-cpu", "1", NULL);
	CHECK("benchtime_100x", nseen == 2 && seen[0] == 1 && seen[1] == 100 &&
				       has_line(out_text, "BenchmarkCost37\t     100\t        37.00 ns/op"),
	      "nseen=%d\n%s", nseen, out_text);
	run("-bench", "Cost37", "-benchtime", "1x", "-cpu", "1", NULL);
	CHECK("benchtime_1x_reuses_run1", nseen == 1 && seen[0] == 1, "nseen=%d", nseen);

	run("-bench", "Cost37", "-benchtime", "10ms", "-cpu", "1", NULL);
	/* 10ms / 37ns: 1, 100, 10000, 324324 (>= 10ms: 12ms) */
	CHECK("benchtime_duration", nseen == 4 && seen[3] == 324324, "nseen=%d last=%ld", nseen,
	      nseen ? seen[nseen - 1] : 0);

	run("-bench", "Cost37", "-benchtime", "100x", "-count", "3", "-cpu", "1,2", NULL);
	int lines = 0, lines2 = 0;
	for (const char *p = out_text; (p = strstr(p, "BenchmarkCost37")); p++) {
		lines++;
		lines2 += !strncmp(p, "BenchmarkCost37-2 ", 18);
	}
	CHECK("count_x_cpu", lines == 6 && lines2 == 3 && nseen == 12, "lines=%d -2:%d seen=%d\n%s",
	      lines, lines2, nseen, out_text);
}

static void test_timer(void)
{
	run("-bench", "TimerControl", "-benchtime", "1000x", "-cpu", "1", NULL);
	CHECK("timer_stop_start_reset",
	      has_line(out_text, "BenchmarkTimerControl\t    1000\t        50.00 ns/op"), "%s",
	      out_text);

	int rc = run("-bench", "SlowSetup", "-benchtime", "1s", "-cpu", "1", NULL);
	/* without the guard the ramp would go to n = 1e9 (~11 runs, 22 s of
	 * fake wall time); with it, it stops after > 5 s of wall time */
	CHECK("wall_clock_guard", rc == 0 && nseen < 6 && seen[nseen - 1] < 1000000000 &&
					  strstr(err_text, "ramp-up stopped after 5s"),
	      "rc=%d nseen=%d\n%s", rc, nseen, err_text);
}

static void test_subs(void)
{
	run("-bench", "Subs", "-benchtime", "10x", "-cpu", "1", NULL);
	CHECK("sub_rewrite_space", strstr(out_text, "BenchmarkSubs/a_b ") != NULL, "%s", out_text);
	CHECK("sub_dedupe", strstr(out_text, "BenchmarkSubs/size=1024#01 ") != NULL, "%s", out_text);
	CHECK("sub_empty_name", strstr(out_text, "BenchmarkSubs/#00 ") != NULL, "%s", out_text);
	CHECK("sub_parent_not_measured", !strstr(out_text, "BenchmarkSubs \t") &&
						 !strstr(out_text, "BenchmarkSubs\t"),
	      "%s", out_text);

	run("-bench", "Subs/size", "-benchtime", "10x", "-cpu", "1", NULL);
	CHECK("sub_filter", !strstr(out_text, "a_b") && strstr(out_text, "size=1024#01"), "%s",
	      out_text);

	nested_calls = 0;
	run("-bench", "Nested", "-benchtime", "10x", "-cpu", "2", NULL);
	CHECK("sub_nested_names_and_arg",
	      strstr(out_text, "BenchmarkNested/mid/leaf-2 ") && nested_calls == 2, "calls=%d\n%s",
	      nested_calls, out_text);
}

static void test_parallel(void)
{
	par_ok = true;
	int rc = run("-bench", "^BenchmarkParallel", "-benchtime", "1000x", "-cpu", "1,4", NULL);
	CHECK("parallel_splits_exactly_n", rc == 0 && par_ok, "rc=%d\n%s", rc, out_text);
	par_ok = true;
	run("-bench", "^BenchmarkParallel", "-benchtime", "20ms", "-cpu", "3", NULL);
	CHECK("parallel_ramp", par_ok && strstr(out_text, "BenchmarkParallel-3"), "%s", out_text);
	rc = run("-bench", "BadParallel", "-benchtime", "10x", "-cpu", "2", NULL);
	CHECK("parallel_body_must_drain",
	      rc == 1 && strstr(out_text, "RunParallel: body exited without pb.Next() == false"),
	      "rc=%d\n%s", rc, out_text);
}

static void test_loop(void)
{
	loop_calls = 0;
	run("-bench", "^BenchmarkLoop$", "-count", "2", "-cpu", "1", NULL);
	/* the ramp runs inside one call; 20 ns per iteration, setup untimed */
	CHECK("loop_one_call_per_count", loop_calls == 2, "calls=%d", loop_calls);
	CHECK("loop_result", strstr(out_text, "\t        20.00 ns/op\n") != NULL, "%s", out_text);
	loop_calls = 0;
	run("-bench", "^BenchmarkLoop$", "-benchtime", "500x", "-cpu", "1", NULL);
	CHECK("loop_benchtime_nx",
	      loop_calls == 1 && has_line(out_text, "BenchmarkLoop\t     500\t        20.00 ns/op"),
	      "calls=%d\n%s", loop_calls, out_text);
	int rc = run("-bench", "LoopBreak", "-cpu", "1", NULL);
	CHECK("loop_break_fails", rc == 1 && strstr(out_text, "returned without"), "rc=%d\n%s", rc,
	      out_text);
}

static void test_metrics_allocs(void)
{
	run("-bench", "Metrics", "-benchtime", "1000x", "-cpu", "1", NULL);
	CHECK("metrics_line",
	      has_line(out_text, "BenchmarkMetrics\t    1000\t       250.0 ns/op\t4000.00 MB/s\t"
				 "         0.5000 aaa/op\t        12.50 hits/op"),
	      "%s", out_text);

	cprof__bench_set_alloc_source(fake_alloc_source);
	run("-bench", "^BenchmarkAllocs", "-benchtime", "1000x", "-benchmem", "-cpu", "1", NULL);
	CHECK("benchmem_exact", has_line(out_text, "BenchmarkAllocs\t    1000\t       100.0 ns/op\t"
						   "     192 B/op\t       3 allocs/op"),
	      "%s", out_text);
	run("-bench", "ReportAllocs", "-benchtime", "3x", "-cpu", "1", NULL);
	CHECK("report_allocs_without_flag",
	      has_line(out_text, "BenchmarkReportAllocs\t       3\t         7.000 ns/op\t"
				 "      10 B/op\t       1 allocs/op"),
	      "%s", out_text);
	run("-bench", "^BenchmarkAllocs", "-benchtime", "10x", "-cpu", "1", NULL);
	CHECK("no_benchmem_no_columns", !strstr(out_text, "B/op"), "%s", out_text);

	cprof__bench_set_alloc_source(no_alloc_source);
	int rc = run("-bench", "^BenchmarkAllocs", "-benchtime", "10x", "-benchmem", "-cpu", "1", NULL);
	CHECK("benchmem_absent_note", rc == 0 && !strstr(out_text, "B/op") &&
					      strstr(err_text, "allocation counters unavailable"),
	      "%s\n%s", out_text, err_text);
	cprof__bench_set_alloc_source(fake_alloc_source);
}

static void test_failures_and_flags(void)
{
	int rc = run("-bench", "^BenchmarkFails$", "-benchtime", "10x", "-cpu", "1", NULL);
	CHECK("errorf_fails", rc == 1 && strstr(out_text, "--- FAIL: BenchmarkFails\n") &&
				      strstr(out_text, "test_bench.c:") &&
				      strstr(out_text, "\nFAIL\nFAIL\tbenchtest\t"),
	      "rc=%d\n%s", rc, out_text);
	fatal_after = 0;
	rc = run("-bench", "^BenchmarkFatal$", "-cpu", "1", NULL);
	CHECK("fatalf_stops", rc == 1 && fatal_after == 0, "rc=%d after=%d", rc, fatal_after);

	run("-bench", "^BenchmarkLogs$", "-benchtime", "5x", "-cpu", "1", NULL);
	CHECK("logs_bench_block",
	      strstr(out_text, "--- BENCH: BenchmarkLogs\n    test_bench.c:") != NULL, "%s", out_text);

	CHECK("unknown_flag", run("-nosuch", NULL) == 2 &&
				      strstr(err_text, "flag provided but not defined: -nosuch"),
	      "%s", err_text);
	CHECK("bad_benchtime", run("-benchtime", "fast", NULL) == 2, "%s", err_text);
	CHECK("bad_benchtime_0x", run("-benchtime", "0x", NULL) == 2, "%s", err_text);
	CHECK("bad_cpu", run("-cpu", "1,x", NULL) == 2, "%s", err_text);
	CHECK("bad_regexp", run("-bench", "(", NULL) != 0, "%s", err_text);
	rc = run("-test.bench=Cost37", "--test.benchtime=2x", "-test.cpu=1", NULL);
	CHECK("test_prefix_and_equals", rc == 0 && strstr(out_text, "BenchmarkCost37 \t       2\t"),
	      "%s", out_text);

	rc = run(NULL);
	CHECK("no_bench_flag_runs_nothing", rc == 0 && !strstr(out_text, "Benchmark") &&
						    strstr(out_text, "PASS\nok  \tbenchtest\t"),
	      "%s", out_text);
	rc = run("-list", "^Benchmark(Cost|Tim)", NULL);
	CHECK("list", rc == 0 && !strcmp(out_text, "BenchmarkCost37\nBenchmarkTimerControl\n"), "%s",
	      out_text);
	rc = run("-bench", ".", "-skip", "^Benchmark[^C]", "-benchtime", "1x", "-cpu", "1", NULL);
	CHECK("skip", rc == 0 && strstr(out_text, "BenchmarkCost37") &&
			      !strstr(out_text, "BenchmarkTimerControl"),
	      "%s", out_text);
}

static void test_json(void)
{
	run("-bench", "Cost37", "-benchtime", "5x", "-cpu", "1", "-json", NULL);
	regex_t re;
	regcomp(&re,
		"^\\{\"Time\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\",\"Action\":\"(output|pass)\","
		"\"Package\":\"benchtest\"(,\"Output\":\"([^\"\\\\]|\\\\.)*\"|,\"Elapsed\":[0-9.]+)\\}$",
		REG_EXTENDED | REG_NOSUB);
	int n = 0, bad = 0;
	char *save = NULL, *copy = strdup(out_text);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++)
		if (regexec(&re, l, 0, NULL, 0)) {
			printf("# bad json line: %s\n", l);
			bad++;
		}
	free(copy);
	regfree(&re);
	CHECK("json_events", n >= 6 && !bad &&
				     strstr(out_text, "\"Output\":\"BenchmarkCost37 \\t       5\\t") &&
				     strstr(out_text, "\"Action\":\"pass\""),
	      "%s", out_text);
}

/* Every result line has the grammar of the Go benchmark format. */
static void test_grammar(void)
{
	cprof__bench_set_alloc_source(fake_alloc_source);
	run("-bench", "Cost37|Metrics|Allocs|Subs|Parallel$", "-benchtime", "10x", "-benchmem",
	    "-cpu", "1,2", NULL);
	regex_t re;
	regcomp(&re,
		"^Benchmark[A-Z][^ \t]*[ \t]+[0-9]+([ \t]+-?[0-9]+(\\.[0-9]+)? [^ \t]+)+$",
		REG_EXTENDED | REG_NOSUB);
	int n = 0, bad = 0;
	char *save = NULL, *copy = strdup(out_text);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "Benchmark", 9))
			continue;
		n++;
		if (regexec(&re, l, 0, NULL, 0)) {
			printf("# bad line: %s\n", l);
			bad++;
		}
	}
	free(copy);
	regfree(&re);
	CHECK("result_line_grammar", n == 18 && !bad, "n=%d bad=%d\n%s", n, bad, out_text);
}

/* tests/fixtures/benchstat/go119_layout.txt is `go test -bench
 * 'Cost37|Metrics|Subs|ReportAllocs' -benchtime 100x -cpu 1,2` (Go 1.19) on
 * Go benchmarks with the same names: every result line must agree up to
 * the iteration count (name, padding, tab) and in its units. */
static void compare_with_go(const char *ours)
{
	const char *root = getenv("CPROF_ROOT");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/benchstat/go119_layout.txt",
		 root ? root : ".");
	FILE *f = fopen(path, "r");
	if (!f) {
		CHECK("golden_vs_go119", 0, "cannot open %s", path);
		return;
	}
	char gl[1024];
	const char *p = ours;
	int n = 0, bad = 0;
	while (fgets(gl, sizeof gl, f)) {
		if (strncmp(gl, "Benchmark", 9))
			continue;
		p = strstr(p, "\nBenchmark");
		if (!p) {
			bad++;
			break;
		}
		p++;
		/* name, padding and N: up to the second tab */
		const char *t1 = strchr(gl, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		size_t pre = t2 ? (size_t)(t2 - gl) : 0;
		bool same = pre && !strncmp(p, gl, pre);
		/* the same units in the same order */
		const char *units[] = {" ns/op", " MB/s", " aaa/op", " hits/op", " B/op", " allocs/op"};
		const char *eol = strchr(p, '\n');
		for (size_t u = 0; u < CPROF_ARRAY_LEN(units); u++) {
			const char *a = strstr(gl, units[u]), *b = strstr(p, units[u]);
			if (b && eol && b > eol)
				b = NULL;
			same &= (a == NULL) == (b == NULL);
		}
		if (!same) {
			printf("# differs from go: %.*s", (int)strcspn(p, "\n") + 1, p);
			printf("#              go: %s", gl);
			bad++;
		}
		n++;
	}
	fclose(f);
	CHECK("golden_vs_go119", n == 14 && !bad, "n=%d bad=%d", n, bad);
}

/* The whole layout, byte for byte (widths grow as Go's do). */
static void test_golden(void)
{
	cprof__bench_set_alloc_source(fake_alloc_source);
	cprof__bench_set_cpu_name("Test CPU @ 1.00GHz");
	cprof_bench_set_pkg("example.com/cprof/golden");
	int rc = run("-bench", "Cost37|Metrics|Subs|ReportAllocs", "-benchtime", "100x", "-cpu",
		     "1,2", NULL);
	mask_elapsed(out_text);
	const char *want =
		"goos: linux\n"
		"goarch: amd64\n"
		"pkg: example.com/cprof/golden\n"
		"cpu: Test CPU @ 1.00GHz\n"
		"BenchmarkCost37           \t     100\t        37.00 ns/op\n"
		"BenchmarkCost37-2         \t     100\t        37.00 ns/op\n"
		"BenchmarkSubs/a_b         \t     100\t        10.00 ns/op\n"
		"BenchmarkSubs/a_b-2       \t     100\t        10.00 ns/op\n"
		"BenchmarkSubs/size=1024   \t     100\t        10.00 ns/op\n"
		"BenchmarkSubs/size=1024-2 \t     100\t        10.00 ns/op\n"
		"BenchmarkSubs/size=1024#01           \t     100\t        10.00 ns/op\n"
		"BenchmarkSubs/size=1024#01-2         \t     100\t        10.00 ns/op\n"
		"BenchmarkSubs/#00                    \t     100\t        10.00 ns/op\n"
		"BenchmarkSubs/#00-2                  \t     100\t        10.00 ns/op\n"
		"BenchmarkMetrics                     \t     100\t       250.0 ns/op\t4000.00 MB/s\t"
		"         0.5000 aaa/op\t        12.50 hits/op\n"
		"BenchmarkMetrics-2                   \t     100\t       250.0 ns/op\t4000.00 MB/s\t"
		"         0.5000 aaa/op\t        12.50 hits/op\n"
		"BenchmarkReportAllocs                \t     100\t         7.000 ns/op\t      10 B/op\t"
		"       1 allocs/op\n"
		"BenchmarkReportAllocs-2              \t     100\t         7.000 ns/op\t      10 B/op\t"
		"       1 allocs/op\n"
		"PASS\n"
		"ok  \texample.com/cprof/golden\t0.000s\n";
	const char *got = out_text;
#if !defined(__x86_64__) || !defined(__linux__)
	/* The first two lines name the platform (goos, goarch): check their
	 * shape, and everything after them byte for byte. */
	CHECK("golden_platform_lines",
	      !strncmp(got, "goos: ", 6) && strchr(got, '\n') &&
		      !strncmp(strchr(got, '\n') + 1, "goarch: ", 8),
	      "got:\n%.80s", got);
	for (int i = 0; i < 2; i++) {
		got = strchr(got, '\n') ? strchr(got, '\n') + 1 : got + strlen(got);
		want = strchr(want, '\n') + 1;
	}
#endif
	CHECK("golden_layout", rc == 0 && !strcmp(got, want), "got:\n%s", out_text);
	compare_with_go(out_text);
	cprof_bench_set_pkg(NULL);
	cprof__bench_set_cpu_name(NULL);
}

/* cprof_do_not_optimize takes any expression: const, struct, float... */
struct big {
	long a[8];
};
static struct big make_big(int i)
{
	struct big v = {{i}};
	return v;
}
static void test_do_not_optimize(void)
{
	const int k = 5;
	cprof_do_not_optimize(k);
	double d = 1.5;
	cprof_do_not_optimize(d * 2);
	cprof_do_not_optimize(make_big(3));
	const char *str = "x";
	cprof_do_not_optimize(str);
	char buf[4] = "abc";
	cprof_do_not_optimize(buf[1]);
	long double ld = 1;
	cprof_do_not_optimize(ld);
	cprof_clobber_memory();
	CHECK("do_not_optimize_compiles_for_any_type", buf[1] == 'b', "buffer changed");
}

int main(void)
{
	test_do_not_optimize();
	cprof__bench_set_clock(fake_clock);
	cprof__bench_set_alloc_source(fake_alloc_source);
	test_predict();
	test_pretty();
	test_durations();
	test_rampup();
	test_timer();
	test_subs();
	test_parallel();
	test_loop();
	test_metrics_allocs();
	test_failures_and_flags();
	test_json();
	test_grammar();
	test_golden();
	free(out_text);
	free(err_text);
	return CHECK_STATUS;
}
