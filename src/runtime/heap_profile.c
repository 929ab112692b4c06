/*
 * heap_profile.c — the heap profiler's normal-context half (heap_int.h):
 * the sampling rate, the heap, allocs, leak and temporary-allocation
 * profiles (built by emit.c from heap.c's buckets), the leak summary,
 * snapshots, and the CPROF_HEAP/CPROF_LEAKS/CPROF_TEMP settings.
 */
#include "compat.h"
#include "runtime/rt.h"
#include "runtime/emit.h"
#include "runtime/heap_int.h"

#include <cprof.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef cprof__bucket bucket;

/* The settings from the environment. */
static struct {
	char *path, *leaks_path, *temp_path; /* absolute */
	/* What forked children write with .PID added: the paths without
	 * this process's own .PID. */
	char *fam_path, *fam_leaks, *fam_temp;
	int leaks_exitcode;
	unsigned snapshots;
	bool leaks, env_on, interval, child_resume;
	pid_t pid;
} H;

CPROF_EXPORT int cprof_heap_set_rate(long bytes)
{
	if (bytes < 0)
		return -EINVAL;
	if (bytes > 0 && !cprof__heap_can_sample())
		return -ENOTSUP;
	if (bytes > 0) {
		int rc = cprof__unwind_refresh();
		if (rc != 0)
			return rc;
	}
	cprof__heap_set_sampling(bytes);
	return 0;
}

/* Go's scaleHeapSample: the expected true count behind n samples of size s. */
static double heap_scale(double size, long rate)
{
	if (rate <= 1 || size <= 0)
		return 1.0;
	return 1.0 / (1.0 - cprof__exp(-size / (double)rate));
}

enum prof_kind { PROF_HEAP, PROF_ALLOCS, PROF_LEAKS, PROF_TEMP };

/* Are these allocations libc's or the loader's own (never freed by design:
 * stdio buffers, TLS, dlerror)?  Then they are not the program's leaks. */
typedef struct runtime_objects {
	uintptr_t libc_lo, libc_hi, ld_lo, ld_hi;
} runtime_objects;

static void object_of(const char *sym, uintptr_t *lo, uintptr_t *hi)
{
	void *addr = dlsym(RTLD_DEFAULT, sym);
	*lo = *hi = 0;
	if (addr)
		cprof__maps_object((uintptr_t)addr, lo, hi);
}

static bool from_runtime_internals(const bucket *b, const runtime_objects *o)
{
	if (b->depth == 0)
		return false;
	uintptr_t pc = b->pcs[0];
	return (pc >= o->libc_lo && pc < o->libc_hi) || (pc >= o->ld_lo && pc < o->ld_hi);
}

typedef struct leak_row {
	const bucket *b;
	uint64_t objects, bytes;
} leak_row;

static int leak_cmp(const void *x, const void *y)
{
	const leak_row *a = x, *b = y;
	return a->bytes < b->bytes ? 1 : a->bytes > b->bytes ? -1 : 0;
}

/* A bucket's unbiased alloc_objects, alloc_space, inuse_objects and
 * inuse_space (docs/HEAP.md), its raw allocs and in-use counts, and the
 * mean sizes of what was allocated there and of what is held (sizes of
 * one class: the scale hardly varies across them). */
static void scaled(const bucket *b, long rate, int64_t v[4], uint64_t *allocs_out,
		   uint64_t *inuse_out, double *asz_out, double *hsz_out)
{
	uint64_t allocs = atomic_load(&b->allocs), frees = atomic_load(&b->frees);
	uint64_t bytes = atomic_load(&b->bytes);
	uint64_t held = allocs + atomic_load(&b->resized);
	uint64_t inuse = held > frees ? held - frees : 0;
	double asz = allocs ? (double)bytes / (double)allocs : (double)b->size;
	double hsz = held ? (double)(bytes + atomic_load(&b->rbytes)) / (double)held : asz;
	double sc = heap_scale(asz, rate), sch = heap_scale(hsz, rate);
	v[0] = (int64_t)cprof__llround(allocs * sc);
	v[1] = (int64_t)cprof__llround(allocs * sc * asz);
	v[2] = (int64_t)cprof__llround(inuse * sch);
	v[3] = (int64_t)cprof__llround(inuse * sch * hsz);
	*allocs_out = allocs;
	*inuse_out = inuse;
	*asz_out = asz;
	*hsz_out = hsz;
}

bool cprof__heap_estimates(int64_t v[4])
{
	long rate = cprof__heap_rate();
	memset(v, 0, 4 * sizeof(*v));
	if (rate <= 0)
		return false;
	int was = cprof__own_enter();
	size_t nb = 0;
	bucket **bs = cprof__heap_buckets(&nb);
	for (size_t i = 0; bs && i < nb; i++) {
		int64_t w[4];
		uint64_t allocs, inuse;
		double asz, hsz;
		scaled(bs[i], rate, w, &allocs, &inuse, &asz, &hsz);
		for (int k = 0; k < 4; k++)
			v[k] += w[k];
	}
	cprof__arena_free(bs);
	cprof__own_leave(was);
	return bs != NULL;
}

size_t cprof__heap_count(void)
{
	int was = cprof__own_enter();
	size_t nb = 0;
	bucket **bs = cprof__heap_buckets(&nb);
	cprof__arena_free(bs);
	cprof__own_leave(was);
	return nb;
}

static int write_profile(int fd, enum prof_kind kind, uint64_t *leak_objs, uint64_t *leak_bytes,
			 leak_row **rows_out, size_t *nrows_out)
{
	long rate = cprof__heap_rate();
	cprof__emit e;
	cprof__emit_begin(&e);
	cprof__profile *p = &e.p;
	if (kind == PROF_TEMP) {
		cprof__profile_add_sample_type(p, "temporary_objects", "count");
		cprof__profile_add_sample_type(p, "temporary_space", "bytes");
		p->period_type.type = cprof__profile_str(p, "space");
		p->period_type.unit = cprof__profile_str(p, "bytes");
		p->period = rate > 0 ? rate : 1;
	} else {
		cprof__profile_heap_types(p, rate > 0 ? rate : 1);
	}
	p->time_nanos = cprof__now_ns();
	if (kind == PROF_ALLOCS)
		p->default_sample_type = cprof__profile_str(p, "alloc_space");
	int64_t key_bytes = cprof__profile_str(p, "bytes");

	runtime_objects ro = {0};
	if (kind == PROF_LEAKS) {
		object_of("fopen", &ro.libc_lo, &ro.libc_hi);
		/* A symbol only the dynamic loader defines (glibc >= 2.35 also
		 * exports _dl_find_object from libc.so). */
		object_of("__tls_get_addr", &ro.ld_lo, &ro.ld_hi);
	}
	leak_row *rows = NULL;
	size_t nrows = 0, caprows = 0;
	uint64_t lo_total = 0, lb_total = 0;

	size_t nb = 0;
	bucket **bs = cprof__heap_buckets(&nb);
	if (!bs)
		p->oom = true;
	for (size_t bi = 0; bi < nb; bi++) {
		const bucket *b = bs[bi];
		int64_t v[4];
		uint64_t allocs, inuse;
		double asz, hsz;
		scaled(b, rate, v, &allocs, &inuse, &asz, &hsz);
		if (kind != PROF_TEMP && !allocs && !inuse)
			continue; /* a size realloc'd objects only passed through */
		if (kind == PROF_TEMP) {
			uint64_t temps = atomic_load(&b->temps);
			if (!temps)
				continue;
			double sc = heap_scale(asz, rate);
			v[0] = (int64_t)cprof__llround(temps * sc);
			v[1] = (int64_t)cprof__llround(temps * sc * asz);
		} else {
			if (kind == PROF_LEAKS && (!inuse || from_runtime_internals(b, &ro)))
				continue;
			if (kind == PROF_LEAKS) {
				lo_total += (uint64_t)v[2];
				lb_total += (uint64_t)v[3];
				if (nrows == caprows) {
					size_t c = caprows ? caprows * 2 : 64;
					leak_row *r = cprof__arena_realloc(rows, c * sizeof(*r));
					if (r) {
						rows = r;
						caprows = c;
					}
				}
				if (nrows < caprows)
					rows[nrows++] =
						(leak_row){b, (uint64_t)v[2], (uint64_t)v[3]};
			}
		}
		cprof__label l = {.key = key_bytes,
				  .num = (int64_t)cprof__llround(allocs ? asz : hsz),
				  .num_unit = key_bytes};
		cprof__emit_sample(&e, b->pcs, b->depth, v, &l, 1);
	}
	cprof__arena_free(bs);
	uint64_t lost, lost_bytes;
	cprof__heap_lost(&lost, &lost_bytes);
	if (lost && (kind == PROF_HEAP || kind == PROF_ALLOCS)) {
		/* Whether they were freed is unknown: allocated, not in use. */
		int64_t v[4] = {(int64_t)lost, (int64_t)lost_bytes, 0, 0};
		cprof__emit_event(&e, "cprof.lostProfileEvent", v);
	}

	int rc = cprof__emit_end(&e, fd);
	if (kind == PROF_LEAKS) {
		*leak_objs = lo_total;
		*leak_bytes = lb_total;
		/* Name the top sites for the stderr summary while symbols are at hand. */
		if (nrows) /* rows is NULL when nothing leaked: qsort(NULL, 0) is UB */
			qsort(rows, nrows, sizeof(*rows), leak_cmp);
		*rows_out = rows;
		*nrows_out = nrows;
		size_t show = nrows < 5 ? nrows : 5;
		for (size_t i = 0; i < show; i++) {
			fprintf(stderr,
				"cprof: leak: %llu bytes in %llu objects of %llu bytes allocated at:\n",
				(unsigned long long)rows[i].bytes,
				(unsigned long long)rows[i].objects,
				(unsigned long long)(rows[i].objects
							     ? rows[i].bytes / rows[i].objects
							     : rows[i].b->size));
			for (uint32_t k = 0; k < rows[i].b->depth && k < 12; k++) {
				uintptr_t pc = rows[i].b->pcs[k];
				const char *file;
				int64_t line;
				const char *name = cprof__emit_where(&e, pc, &file, &line);
				fprintf(stderr, "cprof:     #%u 0x%lx %s %s:%lld\n", k,
					(unsigned long)pc, name, file, (long long)line);
			}
		}
	}
	cprof__emit_free(&e);
	return rc;
}

typedef struct write_args {
	enum prof_kind kind;
	uint64_t *leak_objs, *leak_bytes;
	leak_row **rows;
	size_t *nrows;
} write_args;

static int write_cb(int fd, void *arg)
{
	write_args *a = arg;
	return write_profile(fd, a->kind, a->leak_objs, a->leak_bytes, a->rows, a->nrows);
}

/* Whole or not at all (outfile.c); -EINVAL for a FIFO, socket or block
 * device (use the _fd variants for those). */
static int write_path(const char *path, enum prof_kind kind)
{
	write_args a = {kind, NULL, NULL, NULL, NULL};
	return cprof__out_write(path, write_cb, &a);
}

static int api_write(const char *path, int fd, enum prof_kind kind)
{
	if (!path && fd < 0)
		return -EINVAL;
	if (path && !*path)
		return -EINVAL;
	if (fd >= 0) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
			return -EBADF;
	}
	int was = cprof__own_enter();
	int rc = path ? write_path(path, kind) : write_profile(fd, kind, NULL, NULL, NULL, NULL);
	cprof__own_leave(was);
	return rc;
}

CPROF_EXPORT int cprof_heap_write(const char *path)
{
	return api_write(path, -1, PROF_HEAP);
}

CPROF_EXPORT int cprof_heap_write_fd(int fd)
{
	return fd < 0 ? -EBADF : api_write(NULL, fd, PROF_HEAP);
}

CPROF_EXPORT int cprof_allocs_write(const char *path)
{
	return api_write(path, -1, PROF_ALLOCS);
}

CPROF_EXPORT int cprof_allocs_write_fd(int fd)
{
	return fd < 0 ? -EBADF : api_write(NULL, fd, PROF_ALLOCS);
}

/* ---- environment ---- */

static bool parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Is the process's "malloc" (the first definition in lookup order) this
 * library's?  Not under a sanitizer, nor with an allocator preloaded before
 * libcprof or linked into the program.  (Taking malloc's address here would
 * give the first definition too, through the GOT: compare objects.) */
static bool malloc_is_ours(void)
{
	Dl_info a, b;
	void *m = dlsym(RTLD_DEFAULT, "malloc");
	return m && dladdr(m, &a) && dladdr((void *)cprof__heap_unsafe_here, &b) &&
	       a.dli_fbase == b.dli_fbase;
}

/* The settings failed and were reported once (we run in the constructor,
 * before the program's threads): the children inherit them and would report
 * again, one line per process of a build; they run unprofiled like us. */
static void heap_quiet_children(void)
{
	unsetenv("CPROF_HEAP");
	unsetenv("CPROF_TEMP");
	unsetenv("CPROF_LEAKS");
	unsetenv("CPROF_HEAP_RATE");
}

bool cprof__heap_start_env(void)
{
	int was = cprof__own_enter();
	H.pid = getpid();
	cprof__heap_init();
	H.path = cprof__out_env_path("CPROF_HEAP", getenv("CPROF_HEAP"), &H.fam_path);
	H.temp_path = cprof__out_env_path("CPROF_TEMP", getenv("CPROF_TEMP"), &H.fam_temp);
	const char *leaks = getenv("CPROF_LEAKS");
	long rate = 524288;
	const char *rs = getenv("CPROF_HEAP_RATE");
	bool want = H.path || H.temp_path || (leaks && *leaks);
	if (rs && *rs && !parse_long(rs, 1, 1L << 40, &rate)) {
		cprof__log("invalid CPROF_HEAP_RATE '", rs,
			   "': want a number of bytes from 1 to 2^40; heap profiling disabled",
			   NULL);
		heap_quiet_children();
		want = false;
	}
	if (leaks && *leaks && want) {
		if (!strcmp(leaks, "1")) {
			rate = 1;
			H.leaks = true;
		} else if (!strcmp(leaks, "sampled")) {
			H.leaks = true;
		} else if (strcmp(leaks, "0")) {
			cprof__log("invalid CPROF_LEAKS '", leaks,
				   "': want 1 or sampled; leak report disabled", NULL);
		}
		const char *lo = getenv("CPROF_LEAKS_OUT");
		H.leaks_path = cprof__out_env_path("CPROF_LEAKS_OUT",
						   lo && *lo ? lo : "leaks.pb.gz", &H.fam_leaks);
		if (!H.leaks_path)
			H.leaks = false;
		/* Meant for the process started with it (and its images after
		 * exec without fork), not for the programs it runs: under
		 * `bash -c`, every `ls` would exit with it. */
		const char *ec = cprof__env_descendant() ? NULL : getenv("CPROF_LEAKS_EXITCODE");
		long code;
		if (ec && *ec) {
			if (parse_long(ec, 0, 255, &code))
				H.leaks_exitcode = (int)code;
			else
				cprof__log("invalid CPROF_LEAKS_EXITCODE '", ec,
					   "': want 0..255; ignored", NULL);
		}
	}
	if (want && !H.path && !H.leaks && !H.temp_path)
		want = false;
	/* Fail early and clearly on unwritable outputs (nothing is created
	 * now: profiles are written whole at the end). */
	const char *outs[] = {H.path, H.temp_path, H.leaks ? H.leaks_path : NULL};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(outs) && want; i++) {
		if (!outs[i])
			continue;
		int rc = cprof__out_check(outs[i]);
		if (rc != 0) {
			cprof__log("cannot write '", outs[i], "': ",
				   rc == -EINVAL
					   ? "not a regular file (a FIFO, socket or block device)"
					   : cprof_strerror(rc),
				   "; heap profiling disabled", NULL);
			heap_quiet_children();
			want = false;
		}
	}
	if (want && !cprof__heap_can_sample()) {
		cprof__log("the program's allocator is not glibc's; cprof counts its calls but "
			   "cannot sample them: heap profiling disabled",
			   NULL);
		want = false;
	}
	if (want) {
		const char *iv = getenv("CPROF_HEAP_INTERVAL");
		long secs = 0;
		if (iv && *iv && !parse_long(iv, 1, 86400 * 365, &secs))
			cprof__log("invalid CPROF_HEAP_INTERVAL '", iv,
				   "': want whole seconds from 1; no snapshots", NULL);
		if (cprof_heap_set_rate(rate) == 0) {
			H.env_on = true;
			H.interval = secs > 0 && H.path;
			/* Snapshots need the thread; a fatal-signal flush does
			 * not while the program has one thread (service.c). */
			int rc = secs > 0 && H.path ? cprof__service_start() : 0;
			/* The handler's safe-point test sees the allocator only
			 * through our entry points: when another malloc comes
			 * first (a sanitizer's, an allocator preloaded before us,
			 * the program's own), the program allocates without them
			 * and a thread must do the writing. */
			bool first = malloc_is_ours();
			if (rc == 0 && cprof__service_want_flush(!first) == 0 && secs > 0 && H.path)
				cprof__service_interval((int64_t)secs * 1000000000);
		}
	}
	cprof__own_leave(was);
	return H.env_on;
}

void cprof__heap_snapshot(void)
{
	if (!H.env_on || !H.path)
		return;
	char path[4096];
	unsigned k = ++H.snapshots;
	if (snprintf(path, sizeof(path), "%s.%04u", H.path, k) >= (int)sizeof(path))
		return;
	int was = cprof__own_enter();
	int rc = write_path(path, PROF_HEAP);
	cprof__own_leave(was);
	if (rc != 0)
		cprof__log("writing heap snapshot '", path, "' failed: ", cprof_strerror(rc), NULL);
}

static void write_env_profiles(void)
{
	int was = cprof__own_enter();
	if (H.path) {
		int rc = write_path(H.path, PROF_HEAP);
		if (rc != 0)
			cprof__log("writing the heap profile '", H.path,
				   "' failed: ", cprof_strerror(rc), NULL);
	}
	if (H.temp_path) {
		int rc = write_path(H.temp_path, PROF_TEMP);
		if (rc != 0)
			cprof__log("writing the temporary-allocation profile '", H.temp_path,
				   "' failed: ", cprof_strerror(rc), NULL);
	}
	int exitcode = 0;
	if (H.leaks && H.leaks_path) {
		uint64_t objs = 0, bytes = 0;
		leak_row *rows = NULL;
		size_t nrows = 0;
		write_args a = {PROF_LEAKS, &objs, &bytes, &rows, &nrows};
		int rc = cprof__out_write(H.leaks_path, write_cb, &a);
		if (rc != 0)
			cprof__log("writing the leak profile '", H.leaks_path,
				   "' failed: ", cprof_strerror(rc), NULL);
		fprintf(stderr,
			"cprof: leaks: %llu bytes in %llu objects%s still allocated at exit "
			"(%zu allocation sites); profile: %s\n",
			(unsigned long long)bytes, (unsigned long long)objs,
			cprof__heap_rate() > 1 ? " (estimated from samples)" : "", nrows,
			H.leaks_path);
		cprof__arena_free(rows);
		uint64_t lost, lost_bytes;
		cprof__heap_lost(&lost, &lost_bytes);
		if (lost) {
			char num[24];
			cprof__log("leaks: ", cprof__itoa(num, (long long)lost),
				   " allocations made by signal handlers while cprof was recording"
				   " another on the same thread were not tracked",
				   NULL);
		}
		if (objs && H.leaks_exitcode)
			exitcode = H.leaks_exitcode;
	}
	H.env_on = false;
	cprof__own_leave(was);
	if (exitcode) {
		fflush(NULL);
		syscall(SYS_exit_group, exitcode);
	}
}

void cprof__heap_atexit(void)
{
	if (!H.env_on || H.pid != getpid())
		return;
	if (cprof__fatal_pending())
		cprof__fatal_wait(); /* the service thread is writing; it then ends the process */
	write_env_profiles();
}

/* async-signal-safe */
bool cprof__heap_active(void)
{
	return H.env_on && H.pid == getpid();
}

void cprof__heap_atexit_forced(void)
{
	if (H.env_on && H.pid == getpid())
		write_env_profiles();
}

void cprof__heap_atfork_child_resume(void)
{
	if (!H.child_resume)
		return;
	H.child_resume = false;
	int was = cprof__own_enter();
	bool ok = cprof__out_child_path(&H.path, H.fam_path) &&
		  cprof__out_child_path(&H.temp_path, H.fam_temp) &&
		  cprof__out_child_path(&H.leaks_path, H.fam_leaks);
	cprof__own_leave(was);
	if (!ok) {
		char b[24];
		cprof__log("cannot profile the heap of forked child ", cprof__itoa(b, getpid()),
			   ": out of memory", NULL);
		return;
	}
	H.pid = getpid();
	H.snapshots = 0;
	/* No leak report: the child's exit leaves its copy of the parent's
	 * objects allocated, which are not the child's leaks. */
	H.leaks = false;
	H.env_on = H.path || H.temp_path;
	/* Snapshots need the service thread (not under TSan: see
	 * cprof__under_tsan); a fatal signal is flushed from the handler while
	 * the child has one thread. */
	if (H.interval && !cprof__under_tsan())
		cprof__service_start();
}

void cprof__heap_profile_atfork_child(void)
{
	/* Profiles from the environment go on in the child, into .PID files
	 * (cprof__heap_atfork_child_resume): its heap is a copy of the
	 * parent's, so its profile starts from the parent's at the fork. */
	H.child_resume = H.env_on;
	H.env_on = false;
	H.leaks_exitcode = 0; /* the parent's, not its forked children's */
}
