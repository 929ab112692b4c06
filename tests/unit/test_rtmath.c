/* test_rtmath.c — the runtime's libm-free ln/exp/llround (src/runtime/rt.h)
 * against libm, over the ranges the heap profiler uses and beyond. */
#include "compat.h"
#include "runtime/rt.h"

#include <math.h>
#include <stdio.h>

#include "check.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static double uniform(void) /* (0, 1) */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

int main(void)
{
	double worst_ln = 0, worst_exp = 0, at_ln = 0, at_exp = 0;
	for (int i = 0; i < 1000000; i++) {
		/* ln: the sampler's u in (0,1), and x over the whole double range */
		double x = i & 1 ? uniform() : ldexp(uniform() + 0.5, (int)(uniform() * 2000) - 1000);
		double want = log(x), got = cprof__ln(x);
		double err = want != 0 ? fabs(got - want) / fabs(want) : fabs(got);
		if (err > worst_ln) {
			worst_ln = err;
			at_ln = x;
		}
		/* exp: -size/rate from 0 down to past underflow */
		double y = -uniform() * (i & 2 ? 1 : 750);
		double ew = exp(y), eg = cprof__exp(y);
		double e2 = ew > 1e-300 ? fabs(eg - ew) / ew : fabs(eg - ew);
		if (e2 > worst_exp) {
			worst_exp = e2;
			at_exp = y;
		}
	}
	CHECK("ln_matches_libm", worst_ln < 1e-15, "relative error %g at %a", worst_ln, at_ln);
	CHECK("exp_matches_libm", worst_exp < 1e-15, "relative error %g at %a", worst_exp, at_exp);
	CHECK("ln_edges", cprof__ln(1) == 0 && fabs(cprof__ln(0x1p-1074) - log(0x1p-1074)) < 1e-12 &&
			       fabs(cprof__ln(0x1.fffffffffffffp1023) - log(0x1.fffffffffffffp1023)) < 1e-12,
	      "ln(1) %g ln(min) %g", cprof__ln(1), cprof__ln(0x1p-1074));
	CHECK("exp_edges", cprof__exp(0) == 1 && cprof__exp(-746) == 0 && cprof__exp(-744) > 0 &&
				fabs(cprof__exp(1) - exp(1)) < 1e-15 * exp(1),
	      "exp(0) %g exp(-744) %g", cprof__exp(0), cprof__exp(-744));
	CHECK("llround", cprof__llround(2.5) == 3 && cprof__llround(2.49) == 2 &&
				cprof__llround(-2.5) == -3 && cprof__llround(0) == 0 &&
				cprof__llround(1e15 + 0.5) == 1000000000000001LL,
	      "%lld %lld", cprof__llround(2.5), cprof__llround(-2.5));
	return CHECK_STATUS;
}
