/*
 * stats.h — the statistics of `cprof benchstat`, as Go's benchstat computes
 * them (golang.org/x/perf/benchmath over aclements/go-moremath):
 *   median        Hyndman–Fan R8 quantile
 *   median CI     distribution-free, from order statistics of Binomial(n, ½)
 *                 (exact for n <= 30, normal approximation above)
 *   comparison    two-sided Mann–Whitney U test: exact distribution for small
 *                 samples (no ties: n <= 50; ties: n <= 25), otherwise the
 *                 normal approximation with tie and continuity corrections
 * docs/BENCH.md gives the formulas.  Pure functions; thread-safe.
 */
#ifndef CPROF_BENCHSTAT_STATS_H
#define CPROF_BENCHSTAT_STATS_H

#include "compat.h"

/* The q-quantile (R8) of xs[0..n) sorted ascending; NaN if n == 0. */
double cprof__stats_quantile(const double *xs, size_t n, double q);

/* Confidence interval of the q-quantile in a sample of n: the order
 * statistics lo..hi (1-based; lo < 1 means -inf, hi > n means +inf) and the
 * confidence actually achieved (>= the requested one). */
struct cprof__stats_qci {
	int lo, hi;
	double confidence;
};
struct cprof__stats_qci cprof__stats_quantile_ci(int n, double q, double confidence);

/* Median and its CI bounds from sorted xs (bounds may be +-INFINITY). */
void cprof__stats_median_ci(const double *xs, size_t n, double confidence, double *median,
			    double *lo, double *hi);

/* Smallest n in 2..50 with a finite median CI at `confidence`, or 51. */
int cprof__stats_median_samples(double confidence);

enum {
	CPROF__UTEST_OK = 0,
	CPROF__UTEST_TOO_SMALL = -1, /* an empty sample: "sample is too small" */
	CPROF__UTEST_EQUAL = -2,     /* every value equal: "all samples are equal" */
	CPROF__UTEST_NOMEM = -3,
};

/* Two-sided Mann–Whitney U test of x1 against x2 (any order; not
 * modified).  *u is the smaller U statistic, *p the p-value. */
int cprof__stats_utest(const double *x1, size_t n1, const double *x2, size_t n2, double *u,
		       double *p);

/* Smallest per-sample n for which a U test can reach p <= alpha (Go's
 * uTestMinP table), or 10 if none up to 9 can. */
int cprof__stats_utest_samples(double alpha);

/* Geometric mean; NaN if n == 0 or any value <= 0. */
double cprof__stats_geomean(const double *xs, size_t n);

/* Standard normal CDF and its inverse. */
double cprof__stats_norm_cdf(double x);
double cprof__stats_norm_inv(double p);

#endif
