/*
 * maps.c — the executable mappings a profile's addresses fall in.
 *
 * From dl_iterate_phdr, not /proc/self/maps: each loaded object's
 * executable PT_LOAD segments (page-rounded, as the kernel maps them) and its
 * build id (the in-memory PT_NOTE NT_GNU_BUILD_ID, lowercase hex as Go
 * writes it).  The set is cumulative while a profile runs, so samples in a
 * library that was dlclose'd before the profile is written still find their
 * mapping: dlclose looks before the object goes (cprof__dlclose_begin).
 * A look costs one callback when nothing was loaded or unloaded since the
 * last (dl_iterate_phdr's adds/subs counters).  Normal context only.
 */
#include "compat.h"
#include "runtime/rt.h"
#include "profile/profile.h"
#include "profile/symbolize.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

typedef struct mrec {
	uintptr_t start, limit, offset;
	char *path;
	char build_id[41 * 2];
	unsigned seq;
} mrec;

static pthread_mutex_t maps_lock = PTHREAD_MUTEX_INITIALIZER;
static mrec *recs;
static size_t nrecs, caprecs;
static unsigned seq;
/* dl_iterate_phdr's counters at the last full look; 0: never looked. */
static unsigned long long seen_adds, seen_subs;
static char exe[4096];
static uintptr_t vdso; /* AT_SYSINFO_EHDR */

/* Objects already recorded, by load address and program headers, with their
 * name: a look after a dlopen (in the program's dlclose, too) skips them
 * with a few compares instead of reading their headers again.  The name is
 * compared too: another library may be loaded where one was unloaded. */
typedef struct known {
	uintptr_t addr;
	const void *phdr;
	char *name;
	uint32_t nrec, rec[4]; /* its records in recs[] */
} known;
static known *knowns;
static size_t cap_knowns; /* power of two */
static size_t nknowns;

static size_t known_slot(uintptr_t addr)
{
	uint64_t h = (uint64_t)addr * 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 32) & (cap_knowns - 1);
}

/* maps_lock held.  Is the object at addr named name (with program headers
 * at phdr, unless NULL) recorded?  Its records are then marked seen in this
 * look (cprof__maps_lookup prefers the latest object at an address). */
static bool is_known(uintptr_t addr, const void *phdr, const char *name)
{
	if (!cap_knowns)
		return false;
	if (!name)
		name = "";
	for (size_t j = known_slot(addr);; j = (j + 1) & (cap_knowns - 1)) {
		known *k = &knowns[j];
		if (!k->name)
			return false;
		if (k->addr == addr && (!phdr || k->phdr == phdr) && !strcmp(k->name, name)) {
			for (uint32_t i = 0; i < k->nrec; i++)
				recs[k->rec[i]].seq = seq;
			return true;
		}
	}
}

/*
 * Copy an object's name from the loader's memory.  The loader's own lock
 * orders its writes (dlopen) before our reads (dl_iterate_phdr, dlinfo),
 * but ThreadSanitizer cannot see that lock: reads of the name's terminating
 * byte, which its dl_iterate_phdr interceptor does not cover, show as races
 * with the malloc that made the name in another thread.  So the loader's
 * bytes are read here only, uninstrumented, and the copy is used after.
 */
CPROF_NO_SANITIZE static void copy_name(char *dst, size_t cap, const char *src)
{
	const volatile char *s = src ? src : "";
	size_t i = 0;
	for (; i + 1 < cap && s[i]; i++)
		dst[i] = s[i];
	dst[i] = 0;
}

/* maps_lock held; on OOM the object is only looked at again next time. */
static void add_known(const struct dl_phdr_info *info, const char *dlname, const uint32_t *rec,
		      uint32_t nrec)
{
	if (nrec > CPROF_ARRAY_LEN(knowns->rec))
		return;
	if ((nknowns + 1) * 2 > cap_knowns) {
		size_t cap = cap_knowns ? cap_knowns * 2 : 64;
		known *v = cprof__arena_calloc(cap, sizeof(*v));
		if (!v)
			return;
		known *old = knowns;
		size_t oldcap = cap_knowns;
		knowns = v;
		cap_knowns = cap;
		for (size_t i = 0; i < oldcap; i++) {
			if (!old[i].name)
				continue;
			size_t j = known_slot(old[i].addr);
			while (knowns[j].name)
				j = (j + 1) & (cap - 1);
			knowns[j] = old[i];
		}
		cprof__arena_free(old);
	}
	size_t j = known_slot(info->dlpi_addr);
	while (knowns[j].name) {
		if (knowns[j].addr == info->dlpi_addr && knowns[j].phdr == info->dlpi_phdr)
			break; /* same place, another name: replace */
		j = (j + 1) & (cap_knowns - 1);
	}
	char *name = cprof__arena_strdup(dlname);
	if (!name)
		return;
	if (knowns[j].name)
		cprof__arena_free(knowns[j].name);
	else
		nknowns++;
	knowns[j] = (known){info->dlpi_addr, info->dlpi_phdr, name, nrec, {0}};
	for (uint32_t i = 0; i < nrec; i++)
		knowns[j].rec[i] = rec[i];
}

static void build_id_hex(const struct dl_phdr_info *info, char hex[41 * 2])
{
	hex[0] = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
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
				return;
			}
			p = desc + dsz;
		}
	}
}

/* maps_lock held.  Returns the record's index, -1 on OOM. */
static long add_rec(uintptr_t start, uintptr_t limit, uintptr_t off, const char *path,
		    const struct dl_phdr_info *info, char hex[41 * 2])
{
	for (size_t i = 0; i < nrecs; i++) {
		mrec *r = &recs[i];
		if (r->start == start && r->limit == limit && r->offset == off &&
		    !strcmp(r->path, path)) {
			r->seq = seq;
			return (long)i;
		}
	}
	if (nrecs == caprecs) {
		size_t cap = caprecs ? caprecs * 2 : 32;
		mrec *v = cprof__arena_realloc(recs, cap * sizeof(*v));
		if (!v)
			return -1;
		recs = v;
		caprecs = cap;
	}
	mrec *r = &recs[nrecs];
	memset(r, 0, sizeof(*r));
	r->path = cprof__arena_strdup(path);
	if (!r->path)
		return -1;
	r->start = start;
	r->limit = limit;
	r->offset = off;
	r->seq = seq;
	if (!hex[0])
		build_id_hex(info, hex);
	memcpy(r->build_id, hex, sizeof(r->build_id));
	return (long)nrecs++;
}

/* dl_iterate_phdr callback; maps_lock held by the caller. */
static int object_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	bool *first = arg;
	if (*first) {
		*first = false;
		if (size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
			if (seen_adds && info->dlpi_adds == seen_adds &&
			    info->dlpi_subs == seen_subs)
				return 1; /* nothing loaded or unloaded since the last look */
			seen_adds = info->dlpi_adds;
			seen_subs = info->dlpi_subs;
		}
		seq++;
	}
	char dlname[4096];
	copy_name(dlname, sizeof(dlname), info->dlpi_name);
	if (is_known(info->dlpi_addr, info->dlpi_phdr, dlname))
		return 0;
	const char *path = dlname;
	char abs[4096];
	/* dlopen("./lib.so") leaves the name as given; the profile's file
	 * must not depend on the directory the program is in at exit. */
	if (path && path[0] && path[0] != '/' && strchr(path, '/') && realpath(path, abs))
		path = abs;
	char hex[41 * 2] = "";
	uint32_t rec[4], nrec = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;
		uintptr_t start = a & ~(uintptr_t)4095;
		uintptr_t limit = (a + ph->p_memsz + 4095) & ~(uintptr_t)4095;
		uintptr_t off = ph->p_offset & ~(uintptr_t)4095;
		const char *name = path;
		if (!name || !name[0])
			name = exe; /* the main program */
		for (int j = 0; vdso && j < info->dlpi_phnum; j++) {
			const ElfW(Phdr) *q = &info->dlpi_phdr[j];
			if (q->p_type == PT_LOAD && vdso >= info->dlpi_addr + q->p_vaddr &&
			    vdso < info->dlpi_addr + q->p_vaddr + q->p_memsz)
				name = "[vdso]"; /* as /proc/PID/maps names it */
		}
		long r = add_rec(start, limit, off, name, info, hex);
		if (r < 0) {
			seen_adds = 0; /* OOM: look again next time */
			return 1;
		}
		if (nrec < CPROF_ARRAY_LEN(rec))
			rec[nrec] = (uint32_t)r;
		nrec++;
	}
	add_known(info, dlname, rec, nrec);
	return 0;
}

/*
 * Before the program's dlclose(h): what it may unload must be recorded
 * first.  That is h's object and the objects loaded after it (its
 * dependencies come after it in the loader's list); when all of them are
 * known — a plugin loaded and unloaded again and again — this costs a few
 * compares, not a look at every object inside the program's dlclose.
 */
void cprof__maps_before_dlclose(void *h)
{
	struct link_map *lm = NULL;
	pthread_mutex_lock(&maps_lock);
	seq++;
	bool all_known = cap_knowns && dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm;
	for (; all_known && lm; lm = lm->l_next) {
		char name[4096];
		copy_name(name, sizeof(name), lm->l_name);
		all_known = is_known(lm->l_addr, NULL, name);
	}
	pthread_mutex_unlock(&maps_lock);
	if (!all_known)
		cprof__maps_snapshot();
}

/* See rt.h.  A forked child whose parent had a cprof thread inside
 * dl_iterate_phdr would otherwise find the loader's lock held forever: the
 * child's CPU writer, its first snapshot, and the exit joining it hang. */
static pthread_mutex_t loader_lock = PTHREAD_MUTEX_INITIALIZER;

void cprof__loader_lock(void)
{
	pthread_mutex_lock(&loader_lock);
}

void cprof__loader_unlock(void)
{
	pthread_mutex_unlock(&loader_lock);
}

void cprof__maps_snapshot(void)
{
	cprof__loader_lock();
	pthread_mutex_lock(&maps_lock);
	if (!vdso)
		vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	if (!exe[0]) {
		/* /proc/self names the thread group leader: once main has called
		 * pthread_exit, its exe link is gone, the calling thread's is not. */
		ssize_t n = readlink("/proc/thread-self/exe", exe, sizeof(exe) - 1);
		if (n <= 0)
			n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = 0;
	}
	bool first = true;
	dl_iterate_phdr(object_cb, &first);
	pthread_mutex_unlock(&maps_lock);
	cprof__loader_unlock();
}

static int first_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)info, (void)size, (void)arg;
	return 1;
}

/* First among cprof's prepare handlers: the holder may wait for cprof's
 * other locks, never the reverse.  Then one step of dl_iterate_phdr waits
 * for any thread of the program inside the loader's list (its own
 * dl_iterate_phdr, a dlopen adding an object) to leave it: the fork follows
 * within microseconds, so the child's profiler, which reads that list,
 * rarely inherits the lock held (and never from cprof's own threads).
 * Only over glibc's malloc: jemalloc and tcmalloc take their locks in a
 * prepare handler that may run before this one, and a walk whose callback
 * allocates would then never end. */
void cprof__maps_atfork_prepare(void)
{
	cprof__loader_lock();
	if (cprof__heap_glibc_allocator())
		dl_iterate_phdr(first_object, NULL);
}

void cprof__maps_atfork_parent(void)
{
	cprof__loader_unlock();
}

/* fork: the CPU writer thread may have held the maps lock; it does not
 * exist in the child.  The loader lock is this thread's since the prepare
 * handler: released, not re-initialised (ThreadSanitizer would still see it
 * held). */
void cprof__maps_atfork_child(void)
{
	pthread_mutex_init(&maps_lock, NULL);
	pthread_mutex_unlock(&loader_lock);
}

void cprof__maps_reset(void)
{
	pthread_mutex_lock(&maps_lock);
	for (size_t i = 0; i < nrecs; i++)
		cprof__arena_free(recs[i].path);
	cprof__arena_free(recs);
	recs = NULL;
	nrecs = caprecs = 0;
	seen_adds = seen_subs = 0;
	for (size_t i = 0; i < cap_knowns; i++)
		cprof__arena_free(knowns[i].name);
	cprof__arena_free(knowns);
	knowns = NULL;
	cap_knowns = nknowns = 0;
	pthread_mutex_unlock(&maps_lock);
}

static int main_first(const mrec *r)
{
	return exe[0] && !strcmp(r->path, exe) ? 0 : 1;
}

void cprof__maps_emit(cprof__profile *p, cprof__maprange **out, size_t *n)
{
	pthread_mutex_lock(&maps_lock);
	cprof__maprange *v = cprof__arena_alloc((nrecs ? nrecs : 1) * sizeof(*v));
	size_t k = 0;
	/* Main binary first (pprof's convention), then the rest in address order. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < nrecs; i++) {
			const mrec *r = &recs[i];
			if (main_first(r) != pass)
				continue;
			cprof__mapping m = {
				.start = r->start,
				.limit = r->limit,
				.offset = r->offset,
				.file = cprof__profile_str(p, r->path),
				.build_id = cprof__profile_str(p, r->build_id),
			};
			uint64_t id = cprof__profile_add_mapping(p, &m);
			if (v)
				v[k++] = (cprof__maprange){r->start, r->limit, id, r->seq};
		}
	pthread_mutex_unlock(&maps_lock);
	if (!v)
		p->oom = true;
	*out = v;
	*n = k;
}

bool cprof__maps_object(uintptr_t addr, uintptr_t *lo, uintptr_t *hi)
{
	pthread_mutex_lock(&maps_lock);
	const mrec *best = NULL;
	for (size_t i = 0; i < nrecs; i++) {
		const mrec *r = &recs[i];
		if (addr >= r->start && addr < r->limit && (!best || r->seq > best->seq))
			best = r;
	}
	if (best) {
		*lo = best->start;
		*hi = best->limit;
		for (size_t i = 0; i < nrecs; i++) {
			const mrec *r = &recs[i];
			if (r->seq == best->seq && !strcmp(r->path, best->path)) {
				*lo = r->start < *lo ? r->start : *lo;
				*hi = r->limit > *hi ? r->limit : *hi;
			}
		}
	}
	pthread_mutex_unlock(&maps_lock);
	return best != NULL;
}

void cprof__symbolize(struct cprof__profile *p)
{
	cprof__symbolizer *s = cprof__symbolizer_new(NULL);
	if (!s)
		return; /* OOM: the addresses stay, for cprof or pprof to name later */
	const char *mode = getenv("CPROF_SYMBOLIZE");
	cprof__symbolizer_set_lean(s, !(mode && !strcmp(mode, "full")));
	cprof__symbolizer_set_transient(s, true);
	cprof__symbolizer_set_self(s, (const void *)cprof__symbolize);
	cprof__loader_lock();
	cprof__symbolize_profile(s, p, NULL);
	/* Freeing dlcloses libdw: under the lock too, so that a thread
	 * reading the loader's records under it (textprof.c) never sees them
	 * freed. */
	cprof__symbolizer_free(s);
	cprof__loader_unlock();
}
