/*
 * flame_folded.c — folded-stack text ("a;b;c 12", flamegraph.pl's input) as
 * a profile, so that folded input goes through the same filters, sample
 * selection and rendering as any profile.  See flame.h.
 */
#include "compat.h"
#include "profio/decode.h"
#include "report/flame_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Parse a count (digits, optional '.' and digits) ending at s[end) going
 * backwards; returns its start or SIZE_MAX.  *v gets the rounded value. */
static size_t count_back(const char *s, size_t end, double *v)
{
	size_t i = end;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i > 0 && s[i - 1] == '.') {
		size_t j = i - 1;
		while (j > 0 && s[j - 1] >= '0' && s[j - 1] <= '9')
			j--;
		if (j == i - 1)
			return SIZE_MAX; /* ".5": flamegraph.pl wants a digit first */
		i = j;
	}
	if (i == end || i == 0 || !is_space(s[i - 1]))
		return SIZE_MAX;
	char buf[64];
	size_t n = end - i;
	if (n >= sizeof(buf))
		return SIZE_MAX;
	memcpy(buf, s + i, n);
	buf[n] = 0;
	*v = strtod(buf, NULL);
	return i;
}

/* One line: the stack s[0..*stack_len), counts c1 (and c2 if *two). */
static bool parse_line(const char *s, size_t n, size_t *stack_len, double *c1, double *c2,
		       bool *two)
{
	while (n > 0 && is_space(s[n - 1]))
		n--;
	size_t i = count_back(s, n, c1);
	if (i == SIZE_MAX)
		return false;
	size_t e = i;
	while (e > 0 && is_space(s[e - 1]))
		e--;
	*two = false;
	size_t j = count_back(s, e, c2);
	if (j != SIZE_MAX) {
		/* "stack OLD NEW": c1 is OLD. */
		double t = *c1;
		*c1 = *c2;
		*c2 = t;
		*two = true;
		e = j;
		while (e > 0 && is_space(s[e - 1]))
			e--;
	}
	if (e == 0)
		return false;
	*stack_len = e;
	return true;
}

bool cprof__flame_is_folded(const void *data, size_t n)
{
	const char *s = data;
	if (n >= 2 && (unsigned char)s[0] == 0x1f && (unsigned char)s[1] == 0x8b)
		return false;
	if (memchr(s, 0, n < 65536 ? n : 65536))
		return false;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - s) : n;
		size_t b = i;
		while (b < e && is_space(s[b]))
			b++;
		if (b < e && s[b] != '#') {
			size_t sl;
			double c1, c2;
			bool two;
			return parse_line(s + b, e - b, &sl, &c1, &c2, &two);
		}
		if (!nl)
			break;
		i = e + 1;
	}
	return false;
}

static bool to_int(double d, int64_t *out)
{
	if (!(d >= 0 && d < 9.2e18))
		return false;
	*out = (int64_t)llround(d);
	return true;
}

int cprof__flame_parse_folded(cprof__profile *p, const char *data, size_t n, size_t *ignored,
			      char *err, size_t errlen)
{
	size_t bad = 0, good = 0;
	/* Each column's total must fit the int64 the report sums in: a wrapped
	 * sum would draw a wrong (or empty) graph without a word. */
	int64_t sum1 = 0, sum2 = 0;
	uint64_t *locs = NULL, *loc_of = NULL; /* loc_of: string index -> location id */
	size_t nloc_of = 0, cap = 0;
	int ret = -1;
	cprof__profile_add_sample_type(p, "samples", "count");
	int64_t kbase = cprof__profile_str(p, "pprof::base");
	int64_t vtrue = cprof__profile_str(p, "true");
	cprof__label base = {.key = kbase, .str = vtrue};
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(data + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - data) : n;
		const char *line = data + i;
		size_t len = e - i;
		i = nl ? e + 1 : n;
		size_t b = 0;
		while (b < len && is_space(line[b]))
			b++;
		if (b == len || line[b] == '#')
			continue;
		size_t sl;
		double c1, c2;
		bool two;
		int64_t v1, v2 = 0;
		if (!parse_line(line + b, len - b, &sl, &c1, &c2, &two) || !to_int(c1, &v1) ||
		    (two && !to_int(c2, &v2))) {
			bad++;
			continue;
		}
		if (__builtin_add_overflow(sum1, v1, &sum1) ||
		    __builtin_add_overflow(sum2, v2, &sum2)) {
			snprintf(err, errlen, "the counts add up to more than 2^63-1");
			goto done;
		}
		const char *st = line + b;
		/* Frames, root first: count them, then fill leaf first. */
		size_t nf = 1;
		for (size_t k = 0; k < sl; k++)
			nf += st[k] == ';';
		if (nf > cap) {
			size_t nc = nf * 2;
			uint64_t *nlocs = realloc(locs, nc * sizeof(*locs));
			if (!nlocs)
				goto oom;
			locs = nlocs;
			cap = nc;
		}
		size_t depth = 0;
		for (size_t k = 0; k <= sl;) {
			const char *semi = memchr(st + k, ';', sl - k);
			size_t fe = semi ? (size_t)(semi - st) : sl;
			if (fe > k) {
				int64_t si = cprof__profile_strn(p, st + k, fe - k);
				if (si <= 0)
					goto oom;
				if ((size_t)si >= nloc_of) {
					size_t nc = ((size_t)si + 1) * 2;
					uint64_t *nl2 = realloc(loc_of, nc * sizeof(*loc_of));
					if (!nl2)
						goto oom;
					memset(nl2 + nloc_of, 0, (nc - nloc_of) * sizeof(*loc_of));
					loc_of = nl2;
					nloc_of = nc;
				}
				if (!loc_of[si]) {
					const char *name = cprof__profile_string(p, si);
					/* No system name: the names are final, pprof's
					 * demangling (cprof__report_demangle) leaves them. */
					uint64_t fid =
						cprof__profile_add_function(p, name, "", "", 0);
					cprof__line ln = {.function_id = fid};
					loc_of[si] =
						fid ? cprof__profile_add_location(p, 0, 0, &ln, 1)
						    : 0;
					if (!loc_of[si])
						goto oom;
				}
				locs[depth++] = loc_of[si];
			}
			if (!semi)
				break;
			k = fe + 1;
		}
		if (depth == 0) {
			bad++;
			continue;
		}
		for (size_t a = 0, z = depth - 1; a < z; a++, z--) {
			uint64_t t = locs[a];
			locs[a] = locs[z];
			locs[z] = t;
		}
		good++;
		/* NEW is the only count, or the second; OLD goes in as -diff_base
		 * does it: negated, labelled pprof::base=true. */
		int64_t vnew = two ? v2 : v1;
		if (vnew != 0 && !cprof__profile_add_sample(p, locs, depth, &vnew, NULL, 0))
			goto oom;
		if (two && v1 != 0) {
			int64_t vold = -v1;
			if (!cprof__profile_add_sample(p, locs, depth, &vold, &base, 1))
				goto oom;
		}
	}
	cprof__profile_pools(p);
	if (p->oom)
		goto oom;
	if (ignored)
		*ignored = bad;
	if (good == 0) {
		snprintf(err, errlen,
			 "no stack counts found (want folded lines like \"a;b;c 12\")");
		goto done;
	}
	ret = 0;
	goto done;
oom:
	snprintf(err, errlen, "out of memory");
done:
	free(locs);
	free(loc_of);
	return ret;
}
