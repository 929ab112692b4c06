/*
 * hooks.c — the benchmark harness's optional link to the libcprof runtime.
 *
 * libcprof_bench must link without libcprof, so every runtime function is
 * referenced weakly: linked against libcprof the references resolve at
 * link time; under LD_PRELOAD=libcprof.so they are found with dlsym; with
 * neither, the feature reports -ENOSYS and the harness says so.
 *
 * <cprof.h> declares them; they are declared again here, weak.
 */
#include "compat.h"
#include "bench/bench_internal.h"

#include <cprof.h>
#include <dlfcn.h>
#include <errno.h>
#include <string.h>

#define WEAK __attribute__((weak, visibility("default")))
int cprof_alloc_stats(struct cprof_alloc_stats *st) WEAK;
int cprof_cpu_start(const char *path, int hz) WEAK;
int cprof_cpu_stop(void) WEAK;
int cprof_allocs_write(const char *path) WEAK;
int cprof_heap_set_rate(long bytes) WEAK;
const char *cprof_strerror(int err) WEAK;

/* The weak reference if it resolved, else whatever dlsym finds. */
static void *resolve(void *weak, const char *name)
{
	return weak ? weak : dlsym(RTLD_DEFAULT, name);
}
#define RESOLVE(type, fn) ((type)resolve((void *)(fn), #fn))

typedef int alloc_stats_fn(struct cprof_alloc_stats *);

bool cprof__bench_rt_have_alloc(void)
{
	return RESOLVE(alloc_stats_fn *, cprof_alloc_stats) != NULL;
}

bool cprof__bench_rt_alloc(uint64_t *allocs, uint64_t *bytes)
{
	alloc_stats_fn *fn = RESOLVE(alloc_stats_fn *, cprof_alloc_stats);
	struct cprof_alloc_stats st = CPROF_ALLOC_STATS_INIT;
	if (!fn || fn(&st) < 0)
		return false;
	*allocs = st.allocs;
	*bytes = st.bytes_allocated;
	return true;
}

bool cprof__bench_rt_have_allocs_write(void)
{
	return RESOLVE(void *, cprof_allocs_write) != NULL;
}

int cprof__bench_rt_cpu_start(const char *path)
{
	int (*fn)(const char *, int) = RESOLVE(int (*)(const char *, int), cprof_cpu_start);
	return fn ? fn(path, 0) : -ENOSYS;
}

int cprof__bench_rt_cpu_stop(void)
{
	int (*fn)(void) = RESOLVE(int (*)(void), cprof_cpu_stop);
	return fn ? fn() : -ENOSYS;
}

int cprof__bench_rt_allocs_write(const char *path)
{
	int (*fn)(const char *) = RESOLVE(int (*)(const char *), cprof_allocs_write);
	return fn ? fn(path) : -ENOSYS;
}

int cprof__bench_rt_heap_set_rate(long bytes)
{
	int (*fn)(long) = RESOLVE(int (*)(long), cprof_heap_set_rate);
	return fn ? fn(bytes) : -ENOSYS;
}

const char *cprof__bench_rt_strerror(int err)
{
	const char *(*fn)(int) = RESOLVE(const char *(*)(int), cprof_strerror);
	if (fn)
		return fn(err);
	return strerror(err < 0 ? -err : err);
}
