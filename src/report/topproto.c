/*
 * topproto.c — the `-topproto` report (pprof's printTopProto): the top
 * report's nodes as a profile.proto with two values per node, cum and flat,
 * in the report's output unit.
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cprof__report_topproto(cprof__report *r, int fd, char *err, size_t errlen)
{
	size_t orig, dn, de;
	if (cprof__graph_trimmed(r, &orig, &dn, &de) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cprof__select_output_unit(r);
	cprof__profile out;
	cprof__profile_init(&out);
	cprof__profile_add_sample_type(&out, "cum", r->out_unit);
	cprof__profile_add_sample_type(&out, "flat", r->out_unit);
	const cprof__profile *p = r->p;
	out.time_nanos = p->time_nanos;
	out.duration_nanos = p->duration_nanos;
	out.period_type.type =
		cprof__profile_str(&out, cprof__profile_string(p, p->period_type.type));
	out.period_type.unit =
		cprof__profile_str(&out, cprof__profile_string(p, p->period_type.unit));
	out.period = p->period;
	uint64_t *fid = calloc(r->nlist + 1, sizeof(*fid));
	if (!fid) {
		cprof__profile_free(&out);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < r->nlist; i++) {
		const cprof__gnode *n = &r->nodes[r->list[i]];
		/* Functions are shared by nodes with the same name, file, start line. */
		size_t k = 0;
		for (; k < i; k++) {
			const cprof__ninfo *a = &r->nodes[r->list[k]].info;
			if (a->name == n->info.name && a->orig == n->info.orig &&
			    a->file == n->info.file && a->start_line == n->info.start_line)
				break;
		}
		if (k < i) {
			fid[i] = fid[k];
		} else {
			fid[i] = cprof__profile_add_function(
				&out, cprof__profile_string(&r->strs, n->info.name),
				cprof__profile_string(&r->strs, n->info.orig),
				cprof__profile_string(&r->strs, n->info.file), n->info.start_line);
		}
		cprof__line line = {.function_id = fid[i], .line = n->info.lineno};
		uint64_t lid = cprof__profile_add_location(&out, 0, n->info.address, &line, 1);
		const char *u;
		int64_t v[2] = {
			cprof__f2i(cprof__units_scale(cprof__wdiv(n->cum, n->cumdiv), r->sunit,
						      r->out_unit, &u)),
			cprof__f2i(cprof__units_scale(cprof__wdiv(n->flat, n->flatdiv), r->sunit,
						      r->out_unit, &u)),
		};
		cprof__profile_add_sample(&out, &lid, 1, v, NULL, 0);
	}
	free(fid);
	int rc = out.oom ? -12 : cprof__profile_write_fd(&out, fd);
	cprof__profile_free(&out);
	if (rc < 0) {
		snprintf(err, errlen, "writing profile: %s", strerror(-rc));
		return -1;
	}
	return 0;
}
