/* Every interposed allocation function (issue 3, case 2): the behaviour the
 * C library promises, checked by the program itself ("ok NAME" / "not ok
 * NAME: why"), and one allocation site per function with known numbers of
 * allocations and bytes ("objects SITE N", "bytes SITE N"; "live_objects
 * SITE N" and "live_bytes SITE N" for what is still allocated at exit) for
 * the profile to match at rate 1.
 *
 * Works with or without libcprof: the test also runs it bare, to check the
 * checks.  Objects are sampled or not as the rate decides (rate 1: all). */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"

#define N 100
#define LIVE 10 /* objects of each site left allocated at exit */
/* Sizes the compiler cannot see (it would warn about them). */
static volatile size_t huge = SIZE_MAX - 8, half = SIZE_MAX / 2;
static void *keep[16][LIVE];
static int nsite;

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

static int same(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 7))
			return 0;
	return 1;
}

static int aligned(const void *p, size_t a)
{
	return ((uintptr_t)p & (a - 1)) == 0;
}

/* Each site allocates N objects of 100..100+N bytes, checks and frees all but
 * LIVE of them.  The allocation is the only call of its kind in the site, so
 * the profile's flat values of the site are exact at rate 1. */
static int bad_usable, bad_align, bad_zero;

static size_t site_bytes[16], site_live_bytes[16];

static void keep_or_free(int site, int i, void *p, size_t n, size_t align)
{
	site_bytes[site] += n;
	if (i < LIVE)
		site_live_bytes[site] += n;
	if (!p) {
		bad_usable++;
		return;
	}
	if (malloc_usable_size(p) < n)
		bad_usable++;
	if (align && !aligned(p, align))
		bad_align++;
	/* The whole usable size is the program's: a header overlapping it
	 * would be clobbered here and crash free. */
	memset(p, 0xa5, malloc_usable_size(p));
	if (i < LIVE)
		keep[site][i] = p;
	else
		free(p);
}

static void report(const char *site)
{
	printf("objects %s %d\nlive_objects %s %d\n", site, N, site, LIVE);
	printf("bytes %s %zu\nlive_bytes %s %zu\n", site, site_bytes[nsite], site,
	       site_live_bytes[nsite]);
}

__attribute__((noinline)) static void site_malloc(void)
{
	for (int i = 0; i < N; i++)
		keep_or_free(nsite, i, malloc(100 + i), 100 + i, 16);
	report("site_malloc");
	nsite++;
}

__attribute__((noinline)) static void site_calloc(void)
{
	for (int i = 0; i < N; i++) {
		unsigned char *p = calloc(10, 10 + i);
		for (int k = 0; p && k < 10 * (10 + i); k++)
			bad_zero += p[k] != 0;
		keep_or_free(nsite, i, p, 10 * (10 + (size_t)i), 16);
	}
	report("site_calloc");
	nsite++;
}

__attribute__((noinline)) static void site_realloc(void)
{
	/* N reallocs of fresh pointers (realloc(NULL, n)) */
	for (int i = 0; i < N; i++)
		keep_or_free(nsite, i, realloc(NULL, 100 + i), 100 + i, 16);
	report("site_realloc");
	nsite++;
}

__attribute__((noinline)) static void site_reallocarray(void)
{
	for (int i = 0; i < N; i++)
		keep_or_free(nsite, i, reallocarray(NULL, 4, 25 + i), 100 + 4 * (size_t)i, 16);
	report("site_reallocarray");
	nsite++;
}

__attribute__((noinline)) static void site_posix_memalign(void)
{
	for (int i = 0; i < N; i++) {
		size_t a = (size_t)8 << (i % 10); /* 8 .. 4096 */
		void *p = NULL;
		int rc = posix_memalign(&p, a, 100 + i);
		keep_or_free(nsite, i, rc ? NULL : p, 100 + i, a);
	}
	report("site_posix_memalign");
	nsite++;
}

__attribute__((noinline)) static void site_aligned_alloc(void)
{
	for (int i = 0; i < N; i++) {
		size_t a = (size_t)16 << (i % 9); /* 16 .. 4096 */
		keep_or_free(nsite, i, aligned_alloc(a, a * (1 + i % 3)), a * (1 + i % 3), a);
	}
	report("site_aligned_alloc");
	nsite++;
}

__attribute__((noinline)) static void site_memalign(void)
{
	for (int i = 0; i < N; i++) {
		size_t a = (size_t)32 << (i % 8); /* 32 .. 4096 */
		keep_or_free(nsite, i, memalign(a, 100 + i), 100 + i, a);
	}
	report("site_memalign");
	nsite++;
}

__attribute__((noinline)) static void site_valloc(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	for (int i = 0; i < N; i++)
		keep_or_free(nsite, i, valloc(100 + i), 100 + i, pg);
	report("site_valloc");
	nsite++;
}

__attribute__((noinline)) static void site_pvalloc(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	for (int i = 0; i < N; i++)
		keep_or_free(nsite, i, pvalloc(100 + i), pg, pg); /* rounded up to a page */
	report("site_pvalloc");
	nsite++;
}

/* A realloc chain growing 1 B -> 1 MiB and shrinking back: data preserved at
 * every step, whether the old or the new block is sampled. */
__attribute__((noinline)) static void realloc_chain(void)
{
	unsigned char *p = NULL;
	size_t n = 0;
	int bad = 0, steps = 0;
	unsigned seed = 0;
	for (size_t m = 1; m <= (1 << 20); m = m * 3 / 2 + 1, steps++) {
		unsigned char *q = realloc(p, m);
		if (!q) {
			bad++;
			break;
		}
		if (!same(q, n < m ? n : m, seed))
			bad++;
		fill(q, m, ++seed);
		p = q;
		n = m;
	}
	for (size_t m = n / 3; m > 0; m /= 3, steps++) {
		unsigned char *q = realloc(p, m);
		if (!q) {
			bad++;
			break;
		}
		if (!same(q, m, seed))
			bad++;
		fill(q, m, ++seed);
		p = q;
		n = m;
	}
	CHECK("realloc_chain_preserves_data", bad == 0, "%d bad steps of %d", bad, steps);
	/* realloc(p, 0) frees p and returns NULL (glibc). */
	errno = 0;
	void *z = realloc(p, 0);
	CHECK("realloc_zero_frees", z == NULL, "returned %p", z);
	/* realloc to a huge size fails and leaves p untouched. */
	p = malloc(64);
	fill(p, 64, 9);
	errno = 0;
	void *h = realloc(p, huge);
	CHECK("realloc_huge_enomem", h == NULL && errno == ENOMEM && same(p, 64, 9),
	      "returned %p errno %d", h, errno);
	if (!h)
		free(p);
}

int main(void)
{
	site_malloc();
	site_calloc();
	site_realloc();
	site_reallocarray();
	site_posix_memalign();
	site_aligned_alloc();
	site_memalign();
	site_valloc();
	site_pvalloc();
	CHECK("usable_size_at_least_requested", bad_usable == 0, "%d objects too small or NULL",
	      bad_usable);
	CHECK("alignment_honoured", bad_align == 0, "%d misaligned objects", bad_align);
	CHECK("calloc_zeroes", bad_zero == 0, "%d non-zero bytes", bad_zero);

	/* calloc of memory that was dirty: still zero. */
	int dirty = 0;
	for (int i = 0; i < 200; i++) {
		unsigned char *p = malloc(256 + i % 8);
		memset(p, 0xff, 256 + i % 8);
		free(p);
		p = calloc(1, 256 + i % 8);
		for (int k = 0; k < 256 + i % 8; k++)
			dirty += p[k] != 0;
		free(p);
	}
	CHECK("calloc_reused_memory_zeroed", dirty == 0, "%d non-zero bytes", dirty);

	/* Overflows and bad arguments. */
	errno = 0;
	void *p = calloc(half, 3);
	CHECK("calloc_overflow_enomem", p == NULL && errno == ENOMEM, "returned %p errno %d", p,
	      errno);
	errno = 0;
	p = malloc(huge);
	CHECK("malloc_huge_enomem", p == NULL && errno == ENOMEM, "returned %p errno %d", p, errno);
	void *q = malloc(32);
	errno = 0;
	p = reallocarray(q, half, 3);
	CHECK("reallocarray_overflow_enomem", p == NULL && errno == ENOMEM, "returned %p errno %d",
	      p, errno);
	if (!p)
		free(q); /* untouched by the failed reallocarray */
	size_t bads[] = {0, 1, 4, 12, 24, 100, sizeof(void *) + 1};
	int einval = 0;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		void *out = (void *)&einval;
		errno = 1234;
		int rc = posix_memalign(&out, bads[i], 64);
		einval += rc == EINVAL && out == (void *)&einval && errno == 1234;
	}
	CHECK("posix_memalign_einval", einval == (int)(sizeof(bads) / sizeof(bads[0])),
	      "%d of %zu bad alignments gave EINVAL with *out and errno untouched", einval,
	      sizeof(bads) / sizeof(bads[0]));
	{
		void *out = (void *)&einval;
		int rc = posix_memalign(&out, 64, huge);
		CHECK("posix_memalign_huge_enomem", rc == ENOMEM && out == (void *)&einval,
		      "rc %d", rc);
	}
	if (!getenv("HEAP_TEST_SANITIZER")) { /* a sanitizer's memalign refuses it */
		p = memalign(48, 100); /* glibc rounds a non-power of two up */
		CHECK("memalign_non_power_of_two", p && aligned(p, 64), "returned %p", p);
		free(p);
	}
	p = malloc(0);
	CHECK("malloc_zero_unique_pointer", p != NULL, "NULL");
	free(p);
	p = aligned_alloc(64, 0);
	free(p);
	free(NULL);
	CHECK("usable_size_null", malloc_usable_size(NULL) == 0, "not 0");

	/* free preserves errno, sampled or not. */
	int kept = 0;
	for (int i = 0; i < 1000; i++) {
		void *x = malloc(16 + (size_t)i * 64);
		errno = 4321;
		free(x);
		kept += errno == 4321;
	}
	CHECK("free_preserves_errno", kept == 1000, "%d of 1000", kept);
	kept = 0;
	for (int i = 0; i < 200; i++) {
		void *x = realloc(malloc(32), 1 << 16);
		errno = 4321;
		x = realloc(x, 0);
		kept += errno == 4321 || x != NULL; /* realloc(p,0) frees p */
		free(x);
	}
	CHECK("realloc_zero_preserves_errno", kept == 200, "%d of 200", kept);

	realloc_chain();
	/* Realloc of every kind of object, sampled or not: aligned ones too. */
	int moved_bad = 0;
	for (int i = 0; i < 200; i++) {
		void *x = NULL;
		if (posix_memalign(&x, 256, 100) != 0)
			abort();
		fill(x, 100, (unsigned)i);
		x = realloc(x, 5000 + (size_t)i);
		moved_bad += !same(x, 100, (unsigned)i);
		x = realloc(x, 50);
		moved_bad += !same(x, 50, (unsigned)i);
		free(x);
	}
	CHECK("realloc_of_aligned_objects", moved_bad == 0, "%d bad", moved_bad);
	fflush(stdout);
	return CHECK_STATUS;
}
