/*
 * benchunit.c — numbers as Go's benchstat prints them: Go's %v of a
 * float64, and benchunit's scaler (SI or IEC prefixes, 3-4 significant
 * digits shared by a row).  See benchunit.h.
 */
#include "compat.h"
#include "benchstat/benchunit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Go's %v of a float64: the shortest digits that round-trip, in %e form
 * when the decimal exponent is < -4 or >= 6 (strconv's shortest 'g'). */
void cprof__bu_go_float(double v, char *buf, size_t size)
{
	if (isnan(v)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == 0) {
		snprintf(buf, size, signbit(v) ? "-0" : "0");
		return;
	}
	int prec;
	char e[64];
	for (prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, v);
		if (strtod(e, NULL) == v)
			break;
	}
	int exp = atoi(strchr(e, 'e') + 1);
	if (exp < -4 || exp >= 6)
		snprintf(buf, size, "%.*e", prec - 1, v);
	else
		snprintf(buf, size, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, v);
}

struct scaler cprof__bu_scale(const double *vals, size_t n, bool binary)
{
	double min = 0;
	for (size_t i = 0; i < n; i++) {
		double v = fabs(vals[i]);
		if (v != 0 && (min == 0 || v < min))
			min = v;
	}
	if (min == 0)
		return (struct scaler){3, 1, ""};
	static const char *si[] = {"T", "G", "M", "k", "", "m", "\xc2\xb5", "n"};
	static const char *iec[] = {"Ti", "Gi", "Mi", "Ki", ""};
	size_t nf = binary ? 5 : 8;
	char buf[64];
	double factor = 1;
	const char *prefix = "";
	for (size_t i = 0; i < nf; i++) {
		double t100, t10, t1;
		if (binary) {
			int exp = 40 - 10 * (int)i;
			factor = ldexp(1, exp);
			snprintf(buf, sizeof buf, "0x1.8ffae147ae148p%d", 6 + exp);
			t100 = strtod(buf, NULL);
			snprintf(buf, sizeof buf, "0x1.3ffbe76c8b439p%d", 3 + exp);
			t10 = strtod(buf, NULL);
			snprintf(buf, sizeof buf, "0x1.fff972474538fp%d", -1 + exp);
			t1 = strtod(buf, NULL);
			prefix = iec[i];
		} else {
			int exp = 12 - 3 * (int)i;
			factor = pow(10, exp);
			snprintf(buf, sizeof buf, "99.995e%d", exp);
			t100 = strtod(buf, NULL);
			snprintf(buf, sizeof buf, "9.9995e%d", exp);
			t10 = strtod(buf, NULL);
			snprintf(buf, sizeof buf, ".99995e%d", exp);
			t1 = strtod(buf, NULL);
			prefix = si[i];
		}
		if (min >= t100)
			return (struct scaler){1, factor, prefix};
		if (min >= t10)
			return (struct scaler){2, factor, prefix};
		if (min >= t1)
			return (struct scaler){3, factor, prefix};
	}
	/* smaller than the smallest prefix: more digits */
	double val = min / factor;
	for (int i = 0; i < 8; i++) {
		snprintf(buf, sizeof buf, "9.9995e%d", -1 - i);
		if (val >= strtod(buf, NULL) || i == 7)
			return (struct scaler){i + 3, factor, prefix};
	}
	return (struct scaler){3, factor, prefix};
}

void cprof__bu_scale_fmt(struct scaler s, double v, char *buf, size_t size)
{
	snprintf(buf, size, "%.*f%s", s.prec, v / s.factor, s.prefix);
}
