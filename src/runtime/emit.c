/*
 * emit.c — building and writing a profile, for every profile libcprof
 * writes (emit.h).  Normal context only.
 */
#include "compat.h"
#include "runtime/emit.h"

#include <errno.h>
#include <string.h>

void cprof__emit_begin(cprof__emit *e)
{
	memset(e, 0, sizeof(*e));
	cprof__profile_init(&e->p);
	e->nproc = cprof__proc_labels(&e->p, e->proc);
	cprof__maps_snapshot();
	cprof__maps_emit(&e->p, &e->maps, &e->nmaps);
}

/* The mapping a pc falls in: the latest object seen at that address. */
static uint64_t mapping_of(const cprof__emit *e, uintptr_t pc)
{
	const cprof__maprange *best = NULL;
	for (size_t i = 0; i < e->nmaps; i++) {
		const cprof__maprange *m = &e->maps[i];
		if (pc >= m->start && pc < m->limit && (!best || m->seq > best->seq))
			best = m;
	}
	return best ? best->id : 0;
}

/* The Location of pc (one per pc, made on first use); 0 on OOM. */
static uint64_t location(cprof__emit *e, uintptr_t pc)
{
	uint64_t id = cprof__u64map_get(&e->locs, pc);
	if (id)
		return id;
	id = cprof__profile_add_location(&e->p, mapping_of(e, pc), pc, NULL, 0);
	if (id && !cprof__u64map_put(&e->locs, pc, id, cprof__arena_calloc, cprof__arena_free)) {
		e->p.oom = true;
		return 0;
	}
	return id;
}

void cprof__emit_sample(cprof__emit *e, const uintptr_t *pcs, uint32_t n, const int64_t *values,
			const cprof__label *labels, size_t nlabels)
{
	uint64_t locs[CPROF_MAX_DEPTH];
	cprof__label l[4 + CPROF_ARRAY_LEN(e->proc)];
	if (nlabels > 4) {
		e->p.oom = true; /* a caller's bug; fails the write rather than truncating */
		return;
	}
	uint32_t nl = 0;
	for (uint32_t k = 0; k < n && nl < CPROF_ARRAY_LEN(locs); k++) {
		uint64_t id = location(e, pcs[k]);
		if (id)
			locs[nl++] = id;
	}
	if (nlabels)
		memcpy(l, labels, nlabels * sizeof(*l));
	memcpy(l + nlabels, e->proc, e->nproc * sizeof(*l));
	cprof__profile_add_sample(&e->p, locs, nl, values, l, nlabels + e->nproc);
}

void cprof__emit_event(cprof__emit *e, const char *name, const int64_t *values)
{
	cprof__emit_event_labels(e, name, values, NULL, 0);
}

void cprof__emit_event_labels(cprof__emit *e, const char *name, const int64_t *values,
			      const cprof__label *labels, size_t nlabels)
{
	cprof__label l[4 + CPROF_ARRAY_LEN(e->proc)];
	if (nlabels > 4) {
		e->p.oom = true;
		return;
	}
	if (nlabels)
		memcpy(l, labels, nlabels * sizeof(*l));
	memcpy(l + nlabels, e->proc, e->nproc * sizeof(*l));
	uint64_t f = cprof__profile_add_function(&e->p, name, name, "", 0);
	cprof__line ln = {.function_id = f};
	uint64_t loc = cprof__profile_add_location(&e->p, 0, 0, &ln, 1);
	cprof__profile_add_sample(&e->p, &loc, 1, values, l, nlabels + e->nproc);
}

int cprof__emit_end(cprof__emit *e, int fd)
{
	cprof__symbolize(&e->p);
	if (e->p.oom)
		return -ENOMEM;
	return fd >= 0 ? cprof__profile_write_fd(&e->p, fd) : 0;
}

const char *cprof__emit_where(const cprof__emit *e, uintptr_t pc, const char **file, int64_t *line)
{
	*file = "";
	*line = 0;
	uint64_t id = cprof__u64map_get(&e->locs, pc);
	if (!id || id > e->p.location.n)
		return "??";
	const cprof__location *loc = &e->p.location.v[id - 1];
	if (!loc->nline)
		return "??";
	const cprof__line *ln = &cprof__location_lines(&e->p, loc)[loc->nline - 1];
	const cprof__function *fn = &e->p.function.v[ln->function_id - 1];
	*file = cprof__profile_string(&e->p, fn->filename);
	*line = ln->line;
	return cprof__profile_string(&e->p, fn->name);
}

void cprof__emit_free(cprof__emit *e)
{
	cprof__arena_free(e->maps);
	cprof__u64map_free(&e->locs, cprof__arena_free);
	cprof__profile_free(&e->p);
	memset(e, 0, sizeof(*e));
}
