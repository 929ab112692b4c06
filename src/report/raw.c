/*
 * raw.c — the `-raw` report: pprof's Profile.String() dump of the (merged,
 * filtered) profile: headers, samples with values, location ids and labels,
 * locations with their lines, mappings.
 */
#include "compat.h"
#include "report/internal.h"
#include "base/duration.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Keep the first n runes (Go's %.Nv on a string). */
static void trunc_runes(char *s, size_t n)
{
	size_t r = 0;
	for (char *p = s; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80) {
			if (r == n) {
				*p = 0;
				return;
			}
			r++;
		}
	}
}

/* Go's time.Time.String() in local time. */
static void go_time(char *buf, size_t n, int64_t ns)
{
	int64_t sec = ns / 1000000000, nsec = ns % 1000000000;
	if (nsec < 0) {
		nsec += 1000000000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	localtime_r(&t, &tm);
	char frac[16] = "";
	if (nsec) {
		snprintf(frac, sizeof(frac), ".%09lld", (long long)nsec);
		size_t l = strlen(frac);
		while (l > 1 && frac[l - 1] == '0')
			frac[--l] = 0;
	}
	long off = tm.tm_gmtoff;
	char sgn = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d%s %c%02ld%02ld %s", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, sgn, off / 3600,
		 off / 60 % 60, tm.tm_zone ? tm.tm_zone : "UTC");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "key:[v1 v2]" items of one kind (string or numeric), sorted, space-joined. */
static void print_labels(FILE *out, const cprof__profile *p, const cprof__sample *s, bool numeric)
{
	const cprof__label *l = cprof__sample_labels(p, s);
	char *items[64];
	size_t ni = 0;
	for (uint32_t i = 0; i < s->nlabel && ni < 64; i++) {
		if ((l[i].str == 0) != numeric)
			continue;
		bool seen = false;
		for (uint32_t k = 0; k < i && !seen; k++)
			seen = (l[k].str == 0) == numeric &&
			       !strcmp(cprof__profile_string(p, l[k].key),
				       cprof__profile_string(p, l[i].key));
		if (seen)
			continue;
		const char *key = cprof__profile_string(p, l[i].key);
		bool units = false;
		for (uint32_t k = i; k < s->nlabel; k++)
			if (l[k].str == 0 && l[k].num_unit &&
			    !strcmp(cprof__profile_string(p, l[k].key), key))
				units = true;
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		if (!f)
			continue;
		fprintf(f, "%s:[", key);
		bool first = true;
		for (uint32_t k = i; k < s->nlabel; k++) {
			if ((l[k].str == 0) != numeric ||
			    strcmp(cprof__profile_string(p, l[k].key), key))
				continue;
			if (!first)
				fputc(' ', f);
			first = false;
			if (!numeric)
				fputs(cprof__profile_string(p, l[k].str), f);
			else if (units)
				fprintf(f, "%lld %s", (long long)l[k].num,
					cprof__profile_string(p, l[k].num_unit));
			else
				fprintf(f, "%lld", (long long)l[k].num);
		}
		fputc(']', f);
		fclose(f);
		items[ni++] = buf;
	}
	if (ni == 0)
		return;
	qsort(items, ni, sizeof(*items), cmp_str);
	fprintf(out, "\n                ");
	for (size_t i = 0; i < ni; i++) {
		fprintf(out, "%s%s", i ? " " : "", items[i]);
		free(items[i]);
	}
}

int cprof__report_raw(cprof__report *r, FILE *out, char *err, size_t errlen)
{
	const cprof__profile *p = r->p;
	char b[128];
	for (size_t i = 0; i < p->comment.n; i++)
		fprintf(out, "Comment: %s\n", cprof__profile_string(p, p->comment.v[i]));
	/* pprof's decoder always sets a PeriodType, empty if absent. */
	fprintf(out, "PeriodType: %s %s\n", cprof__profile_string(p, p->period_type.type),
		cprof__profile_string(p, p->period_type.unit));
	fprintf(out, "Period: %lld\n", (long long)p->period);
	if (p->time_nanos) {
		go_time(b, sizeof(b), p->time_nanos);
		fprintf(out, "Time: %s\n", b);
	}
	if (p->duration_nanos) {
		cprof__go_duration(b, sizeof(b), p->duration_nanos);
		trunc_runes(b, 4);
		fprintf(out, "Duration: %s\n", b);
	}
	fprintf(out, "Samples:\n");
	const char *dflt = cprof__profile_string(p, p->default_sample_type);
	for (size_t i = 0; i < p->sample_type.n; i++) {
		const char *t = cprof__profile_string(p, p->sample_type.v[i].type);
		fprintf(out, "%s%s/%s%s", i ? " " : "", t,
			cprof__profile_string(p, p->sample_type.v[i].unit),
			!strcmp(t, dflt) ? "[dflt]" : "");
	}
	fprintf(out, "\n");
	for (size_t si = 0; si < p->sample.n; si++) {
		const cprof__sample *s = &p->sample.v[si];
		const int64_t *v = cprof__sample_values(p, s);
		for (size_t k = 0; k < p->sample_type.n; k++)
			fprintf(out, " %10lld", (long long)v[k]);
		fprintf(out, ": ");
		for (uint32_t k = 0; k < s->nloc; k++)
			fprintf(out, "%llu ", (unsigned long long)cprof__sample_loc(p, s, k));
		print_labels(out, p, s, false);
		print_labels(out, p, s, true);
		fprintf(out, "\n");
	}
	fprintf(out, "Locations\n");
	for (size_t i = 0; i < p->location.n; i++) {
		const cprof__location *l = &p->location.v[i];
		char head[96];
		int hl = snprintf(head, sizeof(head), "%6zu: 0x%llx ", i + 1,
				  (unsigned long long)l->address);
		if (l->mapping_id)
			hl += snprintf(head + hl, sizeof(head) - (size_t)hl, "M=%llu ",
				       (unsigned long long)l->mapping_id);
		if (l->is_folded)
			snprintf(head + hl, sizeof(head) - (size_t)hl, "[F] ");
		if (l->nline == 0)
			fprintf(out, "%s\n", head);
		const cprof__line *ln = cprof__location_lines(p, l);
		for (uint32_t k = 0; k < l->nline; k++) {
			fputs(k ? "             " : head, out);
			uint64_t fid = ln[k].function_id;
			if (fid == 0 || fid > p->function.n) {
				fprintf(out, "??\n");
				continue;
			}
			const cprof__function *f = &p->function.v[fid - 1];
			const char *name = cprof__profile_string(p, f->name);
			const char *sys = cprof__profile_string(p, f->system_name);
			fprintf(out, "%s %s:%lld s=%lld", name,
				cprof__profile_string(p, f->filename), (long long)ln[k].line,
				(long long)f->start_line);
			if (strcmp(name, sys))
				fprintf(out, "(%s)", sys);
			fprintf(out, "\n");
		}
	}
	fprintf(out, "Mappings\n");
	for (size_t i = 0; i < p->mapping.n; i++) {
		const cprof__mapping *m = &p->mapping.v[i];
		fprintf(out, "%zu: 0x%llx/0x%llx/0x%llx %s %s %s%s%s%s\n", i + 1,
			(unsigned long long)m->start, (unsigned long long)m->limit,
			(unsigned long long)m->offset, cprof__profile_string(p, m->file),
			cprof__profile_string(p, m->build_id), m->has_functions ? "[FN]" : "",
			m->has_filenames ? "[FL]" : "", m->has_line_numbers ? "[LN]" : "",
			m->has_inline_frames ? "[IN]" : "");
	}
	return cprof__report_end(out, false, err, errlen);
}
