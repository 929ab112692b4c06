#include "compat.h"
#include "report/units.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *name;
	const char *aliases[4];
	double factor;
};

struct family {
	struct unit def;
	struct unit units[9];
	size_t n;
};

static const struct family families[] = {
	{{"B", {"b", "byte"}, 1},
	 {{"B", {"b", "byte"}, 1},
	  {"kB", {"kb", "kbyte", "kilobyte"}, 1024.0},
	  {"MB", {"mb", "mbyte", "megabyte"}, 1048576.0},
	  {"GB", {"gb", "gbyte", "gigabyte"}, 1073741824.0},
	  {"TB", {"tb", "tbyte", "terabyte"}, 1099511627776.0},
	  {"PB", {"pb", "pbyte", "petabyte"}, 1125899906842624.0}},
	 6},
	{{"s", {NULL}, 1e9},
	 {{"ns", {"ns", "nanosecond"}, 1},
	  {"us", {"\xce\xbcs", "us", "microsecond"}, 1e3},
	  {"ms", {"ms", "millisecond"}, 1e6},
	  {"s", {"s", "sec", "second"}, 1e9},
	  {"hrs", {"hour", "hr"}, 3600e9}},
	 5},
	{{"GCU", {NULL}, 1},
	 {{"n*GCU", {"nanogcu"}, 1e-9},
	  {"u*GCU", {"microgcu"}, 1e-6},
	  {"m*GCU", {"milligcu"}, 1e-3},
	  {"GCU", {"gcu"}, 1},
	  {"k*GCU", {"kilogcu"}, 1e3},
	  {"M*GCU", {"megagcu"}, 1e6},
	  {"G*GCU", {"gigagcu"}, 1e9},
	  {"T*GCU", {"teragcu"}, 1e12},
	  {"P*GCU", {"petagcu"}, 1e15}},
	 9},
};

/* pprof's sniffUnit: lower-case, drop one trailing 's' if longer than 2. */
static const struct unit *sniff(const struct family *f, const char *unit)
{
	char buf[64];
	size_t n = strlen(unit);
	if (n >= sizeof(buf))
		return NULL;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)((unit[i] >= 'A' && unit[i] <= 'Z') ? unit[i] + 32 : unit[i]);
	buf[n] = 0;
	if (n > 2 && buf[n - 1] == 's')
		buf[--n] = 0;
	for (size_t i = 0; i < f->n; i++)
		for (size_t a = 0; a < 4 && f->units[i].aliases[a]; a++)
			if (!strcmp(buf, f->units[i].aliases[a]))
				return &f->units[i];
	return NULL;
}

bool cprof__units_known(const char *unit)
{
	for (size_t i = 0; i < CPROF_ARRAY_LEN(families); i++)
		if (sniff(&families[i], unit))
			return true;
	return false;
}

static bool is_auto(const char *to)
{
	return !strcmp(to, "minimum") || !strcmp(to, "auto");
}

double cprof__units_scale(int64_t value, const char *from, const char *to, const char **out_unit)
{
	if (value < 0 && value != INT64_MIN)
		return -cprof__units_scale(-value, from, to, out_unit);
	for (size_t i = 0; i < CPROF_ARRAY_LEN(families); i++) {
		const struct family *f = &families[i];
		const struct unit *fu = sniff(f, from);
		if (!fu)
			continue;
		double v = (double)value * fu->factor;
		if (is_auto(to)) {
			double best = 0;
			const char *name = NULL;
			for (size_t j = 0; j < f->n; j++)
				if (f->units[j].factor >= best && v / f->units[j].factor >= 1.0) {
					best = f->units[j].factor;
					name = f->units[j].name;
				}
			if (name) {
				*out_unit = name;
				return v / best;
			}
			*out_unit = f->def.name;
			return v / f->def.factor;
		}
		const struct unit *tu = sniff(f, to);
		if (!tu) {
			*out_unit = f->def.name;
			return v / f->def.factor;
		}
		*out_unit = tu->name;
		return v / tu->factor;
	}
	if (!strcmp(to, "count") || !strcmp(to, "sample") || !strcmp(to, "unit") || is_auto(to))
		*out_unit = "";
	else
		*out_unit = to;
	return (double)value;
}

char *cprof__units_label(char *buf, size_t n, int64_t value, const char *from, const char *to)
{
	const char *u;
	double v = cprof__units_scale(value, from, to, &u);
	char num[64];
	snprintf(num, sizeof(num), "%.2f", v);
	size_t len = strlen(num);
	if (len >= 3 && !strcmp(num + len - 3, ".00"))
		num[len - 3] = 0;
	if (!strcmp(num, "0") || !strcmp(num, "-0"))
		snprintf(buf, n, "0");
	else
		snprintf(buf, n, "%s%s", num, u);
	return buf;
}

char *cprof__units_pct(char *buf, size_t n, int64_t value, int64_t total)
{
	double r = 0;
	if (total != 0)
		r = fabs((double)value / (double)total) * 100;
	if (r >= 99.95 && r <= 100.05)
		snprintf(buf, n, "  100%%");
	else if (r >= 1.0)
		snprintf(buf, n, "%5.2f%%", r);
	else
		snprintf(buf, n, "%5.2g%%", r);
	return buf;
}
