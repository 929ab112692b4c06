/*
 * maps.c — the executable mappings a profile's addresses fall in.
 *
 * Snapshots of /proc/self/maps are accumulated (not replaced) while a profile
 * runs, so samples in a library that was dlclose'd before the profile is
 * written still find their mapping.  Build ids come from each loaded
 * object's in-memory PT_NOTE segments (NT_GNU_BUILD_ID), written as
 * lowercase hex as Go does.  Normal context only.
 */
#include "compat.h"
#include "runtime/rt.h"
#include "profile/profile.h"
#include "profile/symbolize.h"

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct mrec {
	uintptr_t start, limit, offset;
	char *path;
	char build_id[41 * 2];
	unsigned seq;
	uint64_t id; /* in the profile being emitted */
} mrec;

static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static mrec *recs;
static size_t nrecs, caprecs;
static unsigned seq;

typedef struct objnote {
	uintptr_t lo, hi;
	char hex[41 * 2];
} objnote;

typedef struct notes {
	objnote *v;
	size_t n, cap;
} notes;

static int note_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	notes *ns = arg;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	char hex[41 * 2] = "";
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD) {
			uintptr_t a = info->dlpi_addr + ph->p_vaddr;
			if (a < lo)
				lo = a;
			if (a + ph->p_memsz > hi)
				hi = a + ph->p_memsz;
		} else if (ph->p_type == PT_NOTE && !hex[0]) {
			const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
			const uint8_t *end = p + ph->p_memsz;
			while (p + sizeof(ElfW(Nhdr)) <= end) {
				const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
				size_t nsz = (nh->n_namesz + 3) & ~3u, dsz = (nh->n_descsz + 3) & ~3u;
				const uint8_t *name = p + sizeof(*nh), *desc = name + nsz;
				if (desc + dsz > end)
					break;
				if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
				    !memcmp(name, "GNU", 4) && nh->n_descsz <= 40) {
					for (size_t j = 0; j < nh->n_descsz; j++)
						snprintf(hex + 2 * j, 3, "%02x", desc[j]);
					break;
				}
				p = desc + dsz;
			}
		}
	}
	if (lo >= hi)
		return 0;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 32;
		objnote *v = realloc(ns->v, cap * sizeof(*v));
		if (!v)
			return 1;
		ns->v = v;
		ns->cap = cap;
	}
	objnote *o = &ns->v[ns->n++];
	o->lo = lo;
	o->hi = hi;
	memcpy(o->hex, hex, sizeof(hex));
	return 0;
}

static void add_rec(uintptr_t start, uintptr_t limit, uintptr_t off, const char *path,
		    const notes *ns)
{
	for (size_t i = 0; i < nrecs; i++) {
		mrec *r = &recs[i];
		if (r->start == start && r->limit == limit && r->offset == off &&
		    !strcmp(r->path, path)) {
			r->seq = seq;
			return;
		}
	}
	if (nrecs == caprecs) {
		size_t cap = caprecs ? caprecs * 2 : 64;
		mrec *v = realloc(recs, cap * sizeof(*v));
		if (!v)
			return;
		recs = v;
		caprecs = cap;
	}
	mrec *r = &recs[nrecs];
	memset(r, 0, sizeof(*r));
	r->path = strdup(path);
	if (!r->path)
		return;
	r->start = start;
	r->limit = limit;
	r->offset = off;
	r->seq = seq;
	for (size_t i = 0; i < ns->n; i++)
		if (start >= ns->v[i].lo && start < ns->v[i].hi) {
			memcpy(r->build_id, ns->v[i].hex, sizeof(r->build_id));
			break;
		}
	nrecs++;
}

void cprof__maps_snapshot(void)
{
	notes ns = {0};
	dl_iterate_phdr(note_cb, &ns);
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f) {
		free(ns.v);
		return;
	}
	pthread_mutex_lock(&maps_lock);
	seq++;
	char line[4096 + 256];
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, limit, off;
		char perms[8];
		int pathpos = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &start, &limit, perms, &off,
			   &pathpos) < 4)
			continue;
		if (perms[2] != 'x')
			continue;
		char *path = line + pathpos;
		path[strcspn(path, "\n")] = 0;
		add_rec(start, limit, off, path, &ns);
	}
	pthread_mutex_unlock(&maps_lock);
	fclose(f);
	free(ns.v);
}

void cprof__maps_reset(void)
{
	pthread_mutex_lock(&maps_lock);
	for (size_t i = 0; i < nrecs; i++)
		free(recs[i].path);
	free(recs);
	recs = NULL;
	nrecs = caprecs = 0;
	pthread_mutex_unlock(&maps_lock);
}

static int main_first(const char *exe, const mrec *r)
{
	return exe[0] && !strcmp(r->path, exe) ? 0 : 1;
}

int cprof__maps_emit(cprof_profile *p)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	pthread_mutex_lock(&maps_lock);
	/* Main binary first (pprof's convention), then the rest in address order. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < nrecs; i++) {
			mrec *r = &recs[i];
			if (main_first(exe, r) != pass)
				continue;
			cprof_mapping m = {
				.start = r->start,
				.limit = r->limit,
				.offset = r->offset,
				.file = cprof_profile_str(p, r->path),
				.build_id = cprof_profile_str(p, r->build_id),
			};
			r->id = cprof_profile_add_mapping(p, &m);
		}
	pthread_mutex_unlock(&maps_lock);
	return p->oom ? -1 : 0;
}

uint64_t cprof__maps_lookup(const cprof_profile *p, uintptr_t pc)
{
	(void)p;
	const mrec *best = NULL;
	for (size_t i = 0; i < nrecs; i++) {
		const mrec *r = &recs[i];
		if (pc >= r->start && pc < r->limit && (!best || r->seq > best->seq))
			best = r;
	}
	return best ? best->id : 0;
}

struct cprof_symbolizer *cprof__symbolizer_new(void)
{
	cprof_symbolizer *s = cprof_symbolizer_new(NULL);
	const char *mode = getenv("CPROF_SYMBOLIZE");
	if (s) {
		cprof_symbolizer_set_lean(s, !(mode && !strcmp(mode, "full")));
		cprof_symbolizer_set_transient(s, true);
	}
	return s;
}
