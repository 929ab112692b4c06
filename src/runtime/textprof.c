/*
 * textprof.c — Go's text forms of the named profiles (textprof.h), in Go's
 * runtime/pprof layouts (printCountProfile, writeHeapInternal,
 * printCountCycleProfile, the goroutine dump), from an emitter's
 * symbolised profile.  Normal context.
 */
#include "compat.h"
#include "runtime/textprof.h"
#include "base/buf.h"
#include "base/u64map.h"
#include "profile/elfread.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEXT_MAX ((size_t)1 << 30)

static void out(cprof__buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(cprof__buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		cprof__buf_append(b, tmp, (size_t)n);
		return;
	}
	if (!cprof__buf_reserve(b, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static int finish(cprof__buf *b, int fd)
{
	int rc = cprof__buf_failed(b) ? -ENOMEM : cprof__write_all(fd, b->data, b->len);
	cprof__buf_free(b);
	return rc;
}

/* ---- function entries, for +0xOFF ----
 * The profile's Functions carry names, not addresses.  dladdr knows the
 * dynamic symbols; a static function is found in its object's .symtab
 * (elfread.c), one pass per object over the pcs that need it. */
typedef struct entries {
	cprof__u64map map; /* pc → entry address (0: unknown) */
} entries;

typedef struct want {
	uintptr_t vaddr; /* pc - load bias */
	uintptr_t pc;
	uintptr_t entry;
} want;

typedef struct scan {
	want *w;
	size_t n;
} scan;

static int by_vaddr(const void *a, const void *b)
{
	const want *x = a, *y = b;
	return (x->vaddr > y->vaddr) - (x->vaddr < y->vaddr);
}

static bool scan_fn(void *ctx, uint64_t value, uint64_t size, int bind, uint32_t name)
{
	(void)bind;
	(void)name;
	scan *s = ctx;
	if (!size)
		return true;
	size_t lo = 0, hi = s->n; /* first w with vaddr >= value */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->w[mid].vaddr < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < s->n && s->w[i].vaddr < value + size; i++)
		if (!s->w[i].entry || s->w[i].entry < value)
			s->w[i].entry = (uintptr_t)value; /* the innermost (latest) start */
	return true;
}

/* Entries of the pcs (all for one object, loaded at bias, file path). */
static void scan_object(const char *path, uintptr_t bias, want *w, size_t n)
{
	qsort(w, n, sizeof(*w), by_vaddr);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	cprof__elffile ef;
	memset(&ef, 0, sizeof(ef));
	char why[128];
	if (cprof__elf_open(&ef, fd, why, sizeof(why)) == 0) {
		scan s = {w, n};
		if (ef.symtab.size)
			cprof__elf_funcs(&ef, &ef.symtab, scan_fn, &s);
		else if (ef.dynsym.size)
			cprof__elf_funcs(&ef, &ef.dynsym, scan_fn, &s);
	}
	cprof__elf_close(&ef);
	for (size_t i = 0; i < n; i++)
		if (w[i].entry)
			w[i].entry += bias;
	(void)why;
}

static void entries_build(entries *en, const cprof__emit *e)
{
	memset(en, 0, sizeof(*en));
	size_t n = e->p.location.n;
	want *w = cprof__arena_calloc(n ? n : 1, sizeof(*w));
	const char **path = cprof__arena_calloc(n ? n : 1, sizeof(*path));
	uintptr_t *bias = cprof__arena_calloc(n ? n : 1, sizeof(*bias));
	size_t k = 0;
	/* The loader's records are copied under the loader lock: cprof's own
	 * dlclose (libdw's, after another profile's symbolisation) frees them. */
	cprof__loader_lock();
	for (size_t i = 0; w && path && bias && i < n; i++) {
		uintptr_t pc = e->p.location.v[i].address;
		Dl_info di;
		struct link_map *m = NULL;
		if (!pc || !dladdr1((void *)pc, &di, (void **)&m, RTLD_DL_LINKMAP) || !m)
			continue;
		if (di.dli_sname && di.dli_saddr) {
			cprof__u64map_put(&en->map, pc, (uintptr_t)di.dli_saddr,
					  cprof__arena_calloc, cprof__arena_free);
			continue;
		}
		const char *name = m->l_name && *m->l_name ? m->l_name : "/proc/self/exe";
		path[k] = cprof__arena_strdup(name);
		if (!path[k])
			continue;
		bias[k] = m->l_addr;
		w[k] = (want){pc - m->l_addr, pc, 0};
		k++;
	}
	cprof__loader_unlock();
	/* Group by object: one pass over each object's symbols. */
	bool *done = cprof__arena_calloc(k ? k : 1, sizeof(*done));
	want *grp = cprof__arena_calloc(k ? k : 1, sizeof(*grp));
	for (size_t i = 0; done && grp && i < k; i++) {
		if (done[i])
			continue;
		size_t g = 0;
		for (size_t j = i; j < k; j++)
			if (!done[j] && bias[j] == bias[i] && !strcmp(path[j], path[i])) {
				grp[g++] = w[j];
				done[j] = true;
			}
		scan_object(path[i], bias[i], grp, g);
		for (size_t j = 0; j < g; j++)
			if (grp[j].entry)
				cprof__u64map_put(&en->map, grp[j].pc, grp[j].entry,
						  cprof__arena_calloc, cprof__arena_free);
	}
	for (size_t i = 0; i < k; i++)
		cprof__arena_free((void *)path[i]);
	cprof__arena_free(done);
	cprof__arena_free(grp);
	cprof__arena_free(w);
	cprof__arena_free(path);
	cprof__arena_free(bias);
}

/* The frames of pc, innermost (inlined) first: calls fn per frame. */
typedef void frame_fn(cprof__buf *b, uintptr_t pc, const char *func, const char *file, int64_t line,
		      long off, bool inlined);

static void frames(cprof__buf *b, const cprof__emit *e, const entries *en, uintptr_t pc,
		   frame_fn *fn)
{
	uintptr_t entry = cprof__u64map_get(&en->map, pc);
	long off = entry && entry <= pc ? (long)(pc - entry) : -1;
	uint64_t id = cprof__u64map_get(&e->locs, pc);
	const cprof__location *loc = id && id <= e->p.location.n ? &e->p.location.v[id - 1] : NULL;
	if (!loc || !loc->nline) {
		fn(b, pc, "?", "?", 0, off, false);
		return;
	}
	const cprof__line *ln = cprof__location_lines(&e->p, loc);
	for (uint32_t i = 0; i < loc->nline; i++) {
		const cprof__function *f = &e->p.function.v[ln[i].function_id - 1];
		const char *name = cprof__profile_string(&e->p, f->name);
		const char *file = cprof__profile_string(&e->p, f->filename);
		fn(b, pc, *name ? name : "?", *file ? file : "?", ln[i].line, off,
		   i + 1 < loc->nline);
	}
}

/* Go's printStackRecord: "#\t0xPC\tFUNC+0xOFF\tFILE:LINE". */
static void hash_frame(cprof__buf *b, uintptr_t pc, const char *func, const char *file,
		       int64_t line, long off, bool inlined)
{
	(void)inlined;
	if (off >= 0)
		out(b, "#\t%#lx\t%s+%#lx\t%s:%lld\n", (unsigned long)pc, func, (unsigned long)off,
		    file, (long long)line);
	else
		out(b, "#\t%#lx\t%s\t%s:%lld\n", (unsigned long)pc, func, file, (long long)line);
}

/* One record: "PREFIX @ 0x.. 0x..", its frames, a blank line. */
static void record(cprof__buf *b, const cprof__emit *e, const entries *en, const cprof__text_rec *r)
{
	if (r->pseudo) {
		out(b, " 0x1\n#\t0x0\t%s\t%s%s\n\n", r->pseudo, r->note ? "reason=" : "",
		    r->note ? r->note : "");
		return;
	}
	for (uint32_t i = 0; i < r->depth; i++)
		out(b, " %#lx", (unsigned long)(r->pcs[i] + 1));
	out(b, "\n");
	for (uint32_t i = 0; i < r->depth; i++)
		frames(b, e, en, r->pcs[i], hash_frame);
	if (r->depth)
		out(b, "\n");
}

/* The mappings, in the memory-map section pprof's legacy parser reads after
 * the records ("--- Memory map: ---", "START-LIMIT PERM FILE (@OFFSET)
 * BUILDID", main binary first): with them pprof names the addresses from
 * the binaries, and knows the main one.  Go's own text has no such section
 * (pprof needs the binary on its command line for those). */
static void memory_map(cprof__buf *b, const cprof__emit *e)
{
	out(b, "\n--- Memory map: ---\n");
	for (size_t i = 0; i < e->p.mapping.n; i++) {
		const cprof__mapping *m = &e->p.mapping.v[i];
		const char *file = cprof__profile_string(&e->p, m->file);
		const char *id = cprof__profile_string(&e->p, m->build_id);
		if (!*file || strpbrk(file, " \t\n"))
			file = "?";
		out(b, "%#llx-%#llx r-xp %s (@%llx)%s%s\n", (unsigned long long)m->start,
		    (unsigned long long)m->limit, file, (unsigned long long)m->offset,
		    *id ? " " : "", id);
	}
}

static int cmp_v0_desc(const void *a, const void *b)
{
	const cprof__text_rec *x = a, *y = b;
	if (x->v[0] != y->v[0])
		return x->v[0] > y->v[0] ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	for (uint32_t i = 0; i < x->depth; i++)
		if (x->pcs[i] != y->pcs[i])
			return x->pcs[i] < y->pcs[i] ? -1 : 1;
	return (x->pseudo != NULL) - (y->pseudo != NULL);
}

int cprof__text_count(int fd, const cprof__emit *e, const char *name, cprof__text_rec *recs,
		      size_t n)
{
	cprof__buf b;
	cprof__buf_init(&b, TEXT_MAX);
	entries en;
	entries_build(&en, e);
	int64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += recs[i].v[0];
	if (n)
		qsort(recs, n, sizeof(*recs), cmp_v0_desc);
	out(&b, "%s profile: total %lld\n", name, (long long)total);
	for (size_t i = 0; i < n; i++) {
		out(&b, "%lld @", (long long)recs[i].v[0]);
		record(&b, e, &en, &recs[i]);
	}
	memory_map(&b, e);
	cprof__u64map_free(&en.map, cprof__arena_free);
	return finish(&b, fd);
}

static int cmp_v1_desc(const void *a, const void *b)
{
	const cprof__text_rec *x = a, *y = b;
	if (x->v[1] != y->v[1])
		return x->v[1] > y->v[1] ? -1 : 1;
	return cmp_v0_desc(a, b);
}

int cprof__text_heap(int fd, const cprof__emit *e, long rate, cprof__text_rec *recs, size_t n,
		     const char *const *stat_names, const unsigned long long *stat_values)
{
	cprof__buf b;
	cprof__buf_init(&b, TEXT_MAX);
	entries en;
	entries_build(&en, e);
	int64_t t[4] = {0};
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 4; k++)
			t[k] += recs[i].v[k];
	if (n)
		qsort(recs, n, sizeof(*recs), cmp_v1_desc);
	out(&b, "heap profile: %lld: %lld [%lld: %lld] @ heap/%ld\n", (long long)t[0],
	    (long long)t[1], (long long)t[2], (long long)t[3], rate > 1 ? 2 * rate : 2);
	for (size_t i = 0; i < n; i++) {
		const int64_t *v = recs[i].v;
		out(&b, "%lld: %lld [%lld: %lld] @", (long long)v[0], (long long)v[1],
		    (long long)v[2], (long long)v[3]);
		record(&b, e, &en, &recs[i]);
	}
	if (stat_names) {
		out(&b, "\n# cprof.AllocStats\n");
		for (size_t i = 0; stat_names[i]; i++)
			out(&b, "# %s = %llu\n", stat_names[i], stat_values[i]);
	}
	memory_map(&b, e);
	cprof__u64map_free(&en.map, cprof__arena_free);
	return finish(&b, fd);
}

int cprof__text_contention(int fd, const cprof__emit *e, const char *name, long period,
			   cprof__text_rec *recs, size_t n)
{
	cprof__buf b;
	cprof__buf_init(&b, TEXT_MAX);
	entries en;
	entries_build(&en, e);
	if (n)
		qsort(recs, n, sizeof(*recs), cmp_v1_desc);
	out(&b, "--- %s:\ncycles/second=1000000000\n", name);
	if (period > 0)
		out(&b, "sampling period=%ld\n", period);
	for (size_t i = 0; i < n; i++) {
		out(&b, "%lld %lld @", (long long)recs[i].v[1], (long long)recs[i].v[0]);
		record(&b, e, &en, &recs[i]);
	}
	memory_map(&b, e);
	cprof__u64map_free(&en.map, cprof__arena_free);
	return finish(&b, fd);
}

/* Go's traceback: "FUNC(...)" then "\tFILE:LINE +0xOFF". */
static void dump_frame(cprof__buf *b, uintptr_t pc, const char *func, const char *file,
		       int64_t line, long off, bool inlined)
{
	if (!strcmp(func, "?"))
		out(b, "?(...)\n\t?:0 pc=%#lx\n", (unsigned long)pc);
	else if (inlined || off < 0)
		out(b, "%s(...)\n\t%s:%lld\n", func, file, (long long)line);
	else
		out(b, "%s(...)\n\t%s:%lld +%#lx\n", func, file, (long long)line,
		    (unsigned long)off);
}

int cprof__text_threads(int fd, const cprof__emit *e, const cprof__thread *t, size_t n)
{
	cprof__buf b;
	cprof__buf_init(&b, TEXT_MAX);
	entries en;
	entries_build(&en, e);
	for (size_t i = 0; i < n; i++) {
		char st[64], dur[48] = "";
		cprof__threads_state(&t[i], st, sizeof(st));
		if (t[i].why == CPROF__TH_STACK && t[i].wait && t[i].wait_ns >= 0) {
			double s = (double)t[i].wait_ns / 1e9;
			if (s >= 60)
				snprintf(dur, sizeof(dur), ", %lld minutes", (long long)(s / 60));
			else
				snprintf(dur, sizeof(dur), ", %.1f seconds", s);
		}
		out(&b, "%sthread %d \"%s\" [%s%s]:\n", i ? "\n" : "", (int)t[i].tid, t[i].name, st,
		    dur);
		if (t[i].why != CPROF__TH_STACK) {
			out(&b, "cprof.threadNotResponding(...)\n\treason: %s\n",
			    cprof__threads_why(t[i].why));
			continue;
		}
		for (uint32_t k = 0; k < t[i].depth; k++)
			frames(&b, e, &en, t[i].pcs[k], dump_frame);
	}
	cprof__u64map_free(&en.map, cprof__arena_free);
	return finish(&b, fd);
}
