/* The objects libcprof serves from its boot arena while it resolves glibc's
 * allocator (what an older glibc's dlsym allocated then): a test build of
 * the library ($B/testlib/libcprof_boot.so, -DCPROF_TEST_BOOT) makes four and
 * hands them over.  They must be usable, and free/realloc/
 * malloc_usable_size must treat them as cprof's, not glibc's (glibc would
 * abort on them), and count nothing for them.  Prints "ok"/"not ok" lines. */
#define _GNU_SOURCE
#include <cprof.h>
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"

int main(void)
{
	void **(*objects)(void) = (void **(*)(void))dlsym(RTLD_DEFAULT, "cprof_test_boot_objects");
	int (*stats)(struct cprof_alloc_stats *) =
		(int (*)(struct cprof_alloc_stats *))dlsym(RTLD_DEFAULT, "cprof_alloc_stats");
	CHECK("test_library", objects && stats, "cprof_test_boot_objects or cprof_alloc_stats not found: not the test build?");
	if (!objects || !stats)
		return 1;
	void **b = objects();
	CHECK("four_objects", b[0] && b[1] && b[2] && b[3], "%p %p %p %p", b[0], b[1], b[2], b[3]);
	if (!b[0] || !b[1] || !b[2] || !b[3])
		return 1;
	int zero = 1;
	for (int i = 0; i < 120; i++)
		zero &= ((unsigned char *)b[1])[i] == 0;
	CHECK("calloc_zeroed", zero, "calloc's object has non-zero bytes");
	CHECK("memalign_aligned", ((uintptr_t)b[2] & 255) == 0, "%p", b[2]);
	CHECK("malloc_aligned", ((uintptr_t)b[0] & 15) == 0, "%p", b[0]);
	memset(b[0], 'a', 100);
	memset(b[1], 'b', 120);
	memset(b[2], 'c', 50);
	memset(b[3], 'd', 30);
	/* Neither malloc nor free of these is counted. */
	struct cprof_alloc_stats s0 = CPROF_ALLOC_STATS_INIT, s1 = CPROF_ALLOC_STATS_INIT;
	stats(&s0);
	free(b[0]);
	free(b[1]);
	free(b[2]);
	stats(&s1);
	CHECK("frees_uncounted", s1.frees == s0.frees, "frees %llu -> %llu", (unsigned long long)s0.frees, (unsigned long long)s1.frees);
	CHECK("usable_size", malloc_usable_size(b[3]) == 0, "%zu", malloc_usable_size(b[3]));
	/* realloc moves a boot object to the real allocator, data kept. */
	char *r = realloc(b[3], 5000);
	int kept = r != NULL;
	for (int i = 0; r && i < 30; i++)
		kept &= r[i] == 'd';
	CHECK("realloc_moves_data", kept, "realloc gave %p", (void *)r);
	if (r)
		r[4999] = 1;
	stats(&s1);
	CHECK("realloc_counted_once", s1.allocs == s0.allocs + 1 && s1.frees == s0.frees, "allocs %llu -> %llu, frees %llu -> %llu", (unsigned long long)s0.allocs, (unsigned long long)s1.allocs, (unsigned long long)s0.frees, (unsigned long long)s1.frees);
	free(r);
	/* The program's own objects still go to glibc. */
	char *volatile p = malloc(64); /* volatile: not elided */
	p[63] = 1;
	free(p);
	stats(&s1);
	CHECK("own_counted", s1.allocs == s0.allocs + 2 && s1.frees == s0.frees + 2, "allocs %llu -> %llu, frees %llu -> %llu", (unsigned long long)s0.allocs, (unsigned long long)s1.allocs, (unsigned long long)s0.frees, (unsigned long long)s1.frees);
	return CHECK_STATUS;
}
