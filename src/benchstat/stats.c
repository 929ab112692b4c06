/*
 * stats.c — benchstat's statistics (see stats.h and docs/BENCH.md).
 */
#include "compat.h"
#include "benchstat/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double cprof__stats_quantile(const double *xs, size_t n, double q)
{
	if (n == 0)
		return NAN;
	if (q <= 0)
		return xs[0];
	if (q >= 1)
		return xs[n - 1];
	/* Hyndman & Fan R8: h = 1/3 + q(N + 1/3), 1-based, interpolated. */
	double h = 1 / 3.0 + q * ((double)n + 1 / 3.0);
	double kf;
	double frac = modf(h, &kf);
	if (kf <= 0)
		return xs[0];
	if (kf >= (double)n)
		return xs[n - 1];
	size_t k = (size_t)kf;
	return xs[k - 1] + frac * (xs[k] - xs[k - 1]);
}

/* ---------------------------------------------------------------- */
/* normal distribution                                               */

double cprof__stats_norm_cdf(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

double cprof__stats_norm_inv(double p)
{
	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	/* Acklam's rational approximation, then one Halley step on erfc. */
	static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
				   -2.759285104469687e+02, 1.383577518672690e+02,
				   -3.066479806614716e+01, 2.506628277459239e+00};
	static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
				   -1.556989798598866e+02, 6.680131188771972e+01,
				   -1.328068155288572e+01};
	static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
				   -2.400758277161838e+00, -2.549732539343734e+00,
				   4.374664141464968e+00,  2.938163982698783e+00};
	static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
				   2.445134137142996e+00, 3.754408661907416e+00};
	double x, q, r;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p <= 1 - 0.02425) {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	} else {
		q = sqrt(-2 * log(1 - p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	double e = cprof__stats_norm_cdf(x) - p;
	double u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

/* ---------------------------------------------------------------- */
/* order-statistic confidence interval of a quantile                  */

static double choose(int n, int k)
{
	if (k < 0 || k > n)
		return 0;
	if (k > n - k)
		k = n - k;
	double r = 1;
	for (int i = 1; i <= k; i++)
		r = r * (n - k + i) / i;
	return floor(r + 0.5);
}

static double binom_pmf(int n, double p, int k)
{
	if (k < 0 || k > n)
		return 0;
	return choose(n, k) * pow(p, k) * pow(1 - p, n - k);
}

struct cprof__stats_qci cprof__stats_quantile_ci(int n, double q, double confidence)
{
	struct cprof__stats_qci res = {0, n + 1, 1};
	if (confidence >= 1)
		return res;
	int l, r;
	if (n <= 30) {
		/* Start at the (lower) mode of Binomial(n, q) — the interval
		 * between order statistics that most likely holds the
		 * quantile — and grow towards the larger neighbour, ties to
		 * the left, until the mass reaches the confidence. */
		int x = (int)(ceil((double)(n + 1) * q) - 1);
		if (q == 0)
			x = 0;
		double accum = binom_pmf(n, q, x);
		l = x;
		r = x + 1;
		double lp = binom_pmf(n, q, l - 1), rp = binom_pmf(n, q, r);
		while (accum < confidence && (lp > 0 || rp > 0)) {
			if (lp >= rp) {
				accum += lp;
				l--;
				lp = binom_pmf(n, q, l - 1);
			} else {
				accum += rp;
				r++;
				rp = binom_pmf(n, q, r);
			}
		}
		res.confidence = accum;
	} else {
		/* Normal approximation with continuity correction: round
		 * the central band out to k +- 0.5 boundaries. */
		double mu = n * q, sigma = sqrt(n * q * (1 - q));
		double l1 = mu + sigma * cprof__stats_norm_inv((1 - confidence) / 2);
		double r1 = 2 * mu - l1;
		l = (int)floor(floor(l1 - 0.5) + 0.5) + 1;
		r = (int)floor(ceil(r1 - 0.5) + 0.5) + 1;
#define BAND(L, R)                                       \
	(cprof__stats_norm_cdf(((R)-0.5 - mu) / sigma) - \
	 cprof__stats_norm_cdf(((L)-0.5 - mu) / sigma))
		res.confidence = BAND(l, r);
		double biased = BAND(l, r - 1);
		if (biased >= confidence && biased < res.confidence) {
			res.confidence = biased;
			r--;
		}
#undef BAND
		if (l <= 0 && r >= n + 1)
			res.confidence = 1;
	}
	res.lo = l < 0 ? 0 : l;
	res.hi = r > n + 1 ? n + 1 : r;
	return res;
}

void cprof__stats_median_ci(const double *xs, size_t n, double confidence, double *median,
			    double *lo, double *hi)
{
	struct cprof__stats_qci ci = cprof__stats_quantile_ci((int)n, 0.5, confidence);
	*median = cprof__stats_quantile(xs, n, 0.5);
	*lo = ci.lo < 1 ? -INFINITY : xs[ci.lo - 1];
	*hi = ci.hi - 1 >= (int)n ? INFINITY : xs[ci.hi - 1];
}

int cprof__stats_median_samples(double confidence)
{
	for (int n = 2; n <= 50; n++) {
		struct cprof__stats_qci ci = cprof__stats_quantile_ci(n, 0.5, confidence);
		if (ci.lo > 0 && ci.hi <= n)
			return n;
	}
	return 51;
}

/* ---------------------------------------------------------------- */
/* Mann–Whitney U                                                     */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* P(U <= u) for sample sizes n1, n2 without ties.  cnt[k][v]: the number
 * of arrangements of k first-sample and j second-sample values with U = v,
 * built up over j (Mann & Whitney 1947's recurrence, as counts). */
static double udist_cdf_noties(int n1, int n2, int u)
{
	if (u < 0)
		return 0;
	if (u >= n1 * n2)
		return 1;
	/* the distribution is symmetric about n1 n2 / 2: sum the small tail */
	bool flip = u >= (n1 * n2 + 1) / 2;
	if (flip)
		u = n1 * n2 - u - 1;
	int U = u;
	/* f[k][v] for the current j: ways with k of sample 1 and j of sample 2 */
	size_t stride = (size_t)U + 1;
	double *f = calloc((size_t)(n1 + 1) * stride, sizeof *f);
	if (!f)
		return NAN;
	/* j = 0: only U = 0, one way for every k */
	for (int k = 0; k <= n1; k++)
		f[(size_t)k * stride] = 1;
	for (int j = 1; j <= n2; j++) {
		/* f_j[k][v] = f_j[k-1][v - j] + f_{j-1}[k][v]: the largest value
		 * belongs to sample 1 (it beats all j of sample 2) or to 2. */
		/* process k ascending so f[k-1] is already at j */
		for (int k = 1; k <= n1; k++)
			for (int v = 0; v <= U; v++)
				f[(size_t)k * stride + (size_t)v] +=
					v - j >= 0 ? f[(size_t)(k - 1) * stride + (size_t)(v - j)]
						   : 0;
	}
	double ways = 0;
	for (int v = 0; v <= U; v++)
		ways += f[(size_t)n1 * stride + (size_t)v];
	free(f);
	double p = ways / choose(n1 + n2, n1);
	return flip ? 1 - p : p;
}

/* P(U1 <= u) for sample 1 of size n1, given tie groups t[0..K) with
 * doubled mid-ranks: count subsets of size n1 by twice their rank sum. */
static double udist_cdf_ties(int n1, int n2, const int *t, int K, double u)
{
	int N = n1 + n2;
	int maxs = N * (N + 1); /* 2 * sum of all ranks */
	size_t stride = (size_t)maxs + 1;
	double *f = calloc((size_t)(n1 + 1) * stride, sizeof *f);
	double *g = calloc((size_t)(n1 + 1) * stride, sizeof *g);
	if (!f || !g) {
		free(f);
		free(g);
		return NAN;
	}
	f[0] = 1;
	int before = 0;
	for (int j = 0; j < K; j++) {
		int r2 = 2 * before + t[j] + 1; /* doubled mid-rank of group j */
		memset(g, 0, (size_t)(n1 + 1) * stride * sizeof *g);
		for (int k = 0; k <= n1; k++)
			for (int s = 0; s <= maxs; s++) {
				double w = f[(size_t)k * stride + (size_t)s];
				if (w == 0)
					continue;
				for (int c = 0; c <= t[j] && k + c <= n1; c++) {
					int s2 = s + c * r2;
					if (s2 > maxs)
						break;
					g[(size_t)(k + c) * stride + (size_t)s2] +=
						w * choose(t[j], c);
				}
			}
		double *tmp = f;
		f = g;
		g = tmp;
		before += t[j];
	}
	/* 2 U1 = 2 R1 - n1 (n1 + 1) */
	double ways = 0;
	for (int s = 0; s <= maxs; s++) {
		double twoU = s - (double)n1 * (n1 + 1);
		if (twoU <= 2 * u + 1e-9)
			ways += f[(size_t)n1 * stride + (size_t)s];
	}
	free(f);
	free(g);
	return ways / choose(N, n1);
}

int cprof__stats_utest(const double *x1, size_t n1, const double *x2, size_t n2, double *u,
		       double *p)
{
	*u = 0;
	*p = 1;
	if (n1 == 0 || n2 == 0)
		return CPROF__UTEST_TOO_SMALL;
	size_t N = n1 + n2;
	if (N > 1u << 24)
		return CPROF__UTEST_NOMEM;
	double *v = malloc(N * sizeof *v);
	unsigned char *lab = malloc(N);
	int *ties = malloc(N * sizeof *ties);
	if (!v || !lab || !ties) {
		free(v);
		free(lab);
		free(ties);
		return CPROF__UTEST_NOMEM;
	}
	/* merge the two sorted samples, remembering where each value came from */
	double *a = malloc(n1 * sizeof *a), *b = malloc(n2 * sizeof *b);
	if (!a || !b) {
		free(a), free(b), free(v), free(lab), free(ties);
		return CPROF__UTEST_NOMEM;
	}
	memcpy(a, x1, n1 * sizeof *a);
	memcpy(b, x2, n2 * sizeof *b);
	qsort(a, n1, sizeof *a, cmp_double);
	qsort(b, n2, sizeof *b, cmp_double);
	size_t i = 0, j = 0, o = 0;
	while (i < n1 && j < n2) {
		if (a[i] < b[j])
			v[o] = a[i++], lab[o++] = 1;
		else
			v[o] = b[j++], lab[o++] = 2;
	}
	while (i < n1)
		v[o] = a[i++], lab[o++] = 1;
	while (j < n2)
		v[o] = b[j++], lab[o++] = 2;
	free(a);
	free(b);

	/* mid-ranks; R1 = sum of sample 1's ranks; tie group sizes */
	double R1 = 0, tiecorr = 0;
	int K = 0;
	bool has_ties = false;
	for (size_t s = 0; s < N;) {
		size_t start = s;
		int in1 = 0;
		do /* a tie group; NaN would end it at once, never loop */
			in1 += lab[s++] == 1;
		while (s < N && v[s] == v[start]);
		double run = (double)(s - start);
		if (in1)
			R1 += (double)(start + 1 + s) / 2 * in1;
		ties[K++] = (int)(s - start);
		has_ties |= s - start > 1;
		tiecorr += run * run * run - run;
	}
	free(v);
	free(lab);
	double U1 = R1 - (double)n1 * ((double)n1 + 1) / 2;
	double U2 = (double)n1 * (double)n2 - U1;
	double Us = U1 < U2 ? U1 : U2, Ul = U1 < U2 ? U2 : U1;
	*u = Us;
	int rc = CPROF__UTEST_OK;
	if ((!has_ties && n1 <= 50 && n2 <= 50) || (has_ties && n1 <= 25 && n2 <= 25)) {
		if (K == 1)
			rc = CPROF__UTEST_EQUAL;
		else if (Us == Ul)
			*p = 1; /* the middle of a symmetric discrete distribution */
		else if (!has_ties)
			*p = 2 * udist_cdf_noties((int)n1, (int)n2, (int)floor(Us));
		else
			*p = 2 * udist_cdf_ties((int)n1, (int)n2, ties, K, Us);
	} else {
		double dn = (double)N, mu = (double)n1 * (double)n2 / 2;
		double sigma =
			sqrt((double)n1 * (double)n2 * ((dn + 1) - tiecorr / (dn * (dn - 1))) / 12);
		double numer = Us - mu;
		if (numer > 0) /* continuity correction */
			numer -= 0.5;
		else if (numer < 0)
			numer += 0.5;
		if (sigma == 0) {
			rc = CPROF__UTEST_EQUAL;
		} else {
			double z = numer / sigma, c = cprof__stats_norm_cdf(z);
			*p = 2 * (c < 1 - c ? c : 1 - c);
		}
	}
	free(ties);
	if (rc != CPROF__UTEST_OK)
		*p = 1;
	if (isnan(*p))
		return CPROF__UTEST_NOMEM;
	return rc;
}

int cprof__stats_utest_samples(double alpha)
{
	/* minimum possible two-sided p with n values per side: 2 / C(2n, n) */
	for (int n = 1; n <= 9; n++)
		if ((n == 1 ? 1.0 : 2 / choose(2 * n, n)) <= alpha)
			return n;
	return 10;
}

double cprof__stats_geomean(const double *xs, size_t n)
{
	if (n == 0)
		return NAN;
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(xs[i] > 0))
			return NAN;
		s += log(xs[i]);
	}
	return exp(s / (double)n);
}
