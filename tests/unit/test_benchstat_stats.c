/*
 * test_benchstat_stats.c — benchstat's statistics against an independent
 * oracle: tests/fixtures/benchstat/stats_expected.txt, computed with SciPy
 * by tests/fixtures/benchstat/oracle.py (ties included), plus values
 * derived by hand from the exact distributions.
 */
#include "compat.h"
#include "benchstat/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static bool close_to(double a, double b, double rel)
{
	if (isinf(a) || isinf(b))
		return a == b;
	return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) + 1e-300;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double parse_num(const char *s)
{
	if (!strcmp(s, "inf"))
		return INFINITY;
	if (!strcmp(s, "-inf"))
		return -INFINITY;
	return strtod(s, NULL);
}

static void test_oracle(void)
{
	const char *root = getenv("CPROF_ROOT");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/benchstat/stats_expected.txt",
		 root ? root : ".");
	FILE *f = fopen(path, "r");
	if (!f) {
		CHECK("oracle_fixture", 0, "cannot open %s", path);
		return;
	}
	char line[65536];
	int lineno = 0, cases = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char *tok[1024];
		int nt = 0;
		char *save = NULL;
		for (char *t = strtok_r(line, " \n", &save); t && nt < 1024;
		     t = strtok_r(NULL, " \n", &save))
			tok[nt++] = t;
		char name[64];
		if (nt > 2 && !strcmp(tok[0], "median")) {
			cases++;
			int n = atoi(tok[1]);
			double xs[512];
			for (int i = 0; i < n; i++)
				xs[i] = parse_num(tok[2 + i]);
			qsort(xs, (size_t)n, sizeof *xs, cmp);
			double m, lo, hi;
			cprof__stats_median_ci(xs, (size_t)n, 0.95, &m, &lo, &hi);
			double wm = parse_num(tok[3 + n]), wl = parse_num(tok[4 + n]),
			       wh = parse_num(tok[5 + n]);
			snprintf(name, sizeof name, "median_ci_n%d", n);
			CHECK(name, close_to(m, wm, 1e-12) && close_to(lo, wl, 0) && close_to(hi, wh, 0),
			      "line %d: got %.17g [%g, %g] want %.17g [%g, %g]", lineno, m, lo, hi, wm,
			      wl, wh);
		} else if (nt > 3 && !strcmp(tok[0], "utest")) {
			cases++;
			int n1 = atoi(tok[1]), n2 = atoi(tok[2]);
			double x[128], y[128];
			for (int i = 0; i < n1; i++)
				x[i] = parse_num(tok[3 + i]);
			for (int i = 0; i < n2; i++)
				y[i] = parse_num(tok[4 + n1 + i]);
			const char *want = tok[5 + n1 + n2];
			double u, p;
			int rc = cprof__stats_utest(x, (size_t)n1, y, (size_t)n2, &u, &p);
			snprintf(name, sizeof name, "utest_%dx%d_line%d", n1, n2, lineno);
			if (!strcmp(want, "equal")) {
				CHECK(name, rc == CPROF__UTEST_EQUAL && p == 1, "rc=%d p=%g", rc, p);
			} else {
				/* exact: 1e-9; normal approximation: our own inverse/erfc */
				double tol = (n1 > 25 || n2 > 25) ? 1e-7 : 1e-9;
				CHECK(name, rc == 0 && close_to(p, strtod(want, NULL), tol),
				      "rc=%d p=%.17g want %s", rc, p, want);
			}
		}
	}
	fclose(f);
	/* Every line of the oracle was read and is a case: a truncated or
	 * misparsed file must not pass by checking fewer. */
	CHECK("oracle_all_lines", lineno == 23 && cases == 23, "read %d lines, %d cases, want 23",
	      lineno, cases);
}

/* Order statistics of the median CI at 95 %, derived from Binomial(n, 1/2):
 * start at the mode, add the larger neighbour (ties left) until >= 0.95. */
static void test_ci_orders(void)
{
	static const struct {
		int n, lo, hi;
		double conf;
	} want[] = {
		{5, 0, 5, 0.96875},	{6, 1, 6, 0.96875},   {7, 1, 7, 0.984375},
		{8, 1, 7, 0.9609375},	{9, 2, 8, 0.9609375}, {10, 2, 9, 0.978515625},
		{12, 3, 10, 0.9614258}, {15, 4, 12, 0.9648}, {20, 6, 15, 0.9586},
		{30, 10, 21, 0.9572},
	};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(want); i++) {
		struct cprof__stats_qci ci = cprof__stats_quantile_ci(want[i].n, 0.5, 0.95);
		char name[64];
		snprintf(name, sizeof name, "ci_orders_n%d", want[i].n);
		CHECK(name, ci.lo == want[i].lo && ci.hi == want[i].hi &&
				    fabs(ci.confidence - want[i].conf) < 5e-4,
		      "got (%d,%d) %.7f", ci.lo, ci.hi, ci.confidence);
	}
	CHECK("median_samples_95", cprof__stats_median_samples(0.95) == 6, "%d",
	      cprof__stats_median_samples(0.95));
	CHECK("utest_samples_05", cprof__stats_utest_samples(0.05) == 4, "%d",
	      cprof__stats_utest_samples(0.05));
	CHECK("utest_samples_001", cprof__stats_utest_samples(0.001) == 7, "%d",
	      cprof__stats_utest_samples(0.001));
}

static void test_misc(void)
{
	/* R8 quantiles, by hand: h = 1/3 + q (N + 1/3) */
	double xs[] = {1, 2, 3, 4};
	CHECK("quantile_r8_median_even", cprof__stats_quantile(xs, 4, 0.5) == 2.5, "%g",
	      cprof__stats_quantile(xs, 4, 0.5));
	/* q = 0.25: h = 1/3 + 0.25 * 13/3 = 17/12 -> 1 + 5/12 */
	CHECK("quantile_r8_q25", close_to(cprof__stats_quantile(xs, 4, 0.25), 1 + 5.0 / 12, 1e-12),
	      "%.17g", cprof__stats_quantile(xs, 4, 0.25));
	CHECK("quantile_empty", isnan(cprof__stats_quantile(xs, 0, 0.5)), "not NaN");
	double g[] = {1, 4, 16};
	CHECK("geomean", close_to(cprof__stats_geomean(g, 3), 4, 1e-12), "%g",
	      cprof__stats_geomean(g, 3));
	double gz[] = {1, 0};
	CHECK("geomean_nonpositive_nan", isnan(cprof__stats_geomean(gz, 2)), "not NaN");
	double u, p;
	CHECK("utest_empty", cprof__stats_utest(xs, 0, xs, 4, &u, &p) == CPROF__UTEST_TOO_SMALL &&
				     p == 1,
	      "p=%g", p);
	/* exact, by hand: 3 vs 3 fully separated: p = 2 / C(6,3) = 0.1 */
	double a[] = {1, 2, 3}, b[] = {4, 5, 6};
	cprof__stats_utest(a, 3, b, 3, &u, &p);
	CHECK("utest_hand_3x3", u == 0 && close_to(p, 0.1, 1e-15), "u=%g p=%.17g", u, p);
	/* all equal with n > 25 goes through the normal path: sigma 0 */
	double e[60];
	for (int i = 0; i < 60; i++)
		e[i] = 5;
	CHECK("utest_equal_large", cprof__stats_utest(e, 30, e + 30, 30, &u, &p) ==
					   CPROF__UTEST_EQUAL,
	      "p=%g", p);
	CHECK("norm_inv", close_to(cprof__stats_norm_inv(0.025), -1.959963984540054, 1e-12), "%.17g",
	      cprof__stats_norm_inv(0.025));
}

int main(void)
{
	test_oracle();
	test_ci_orders();
	test_misc();
	return CHECK_STATUS;
}
