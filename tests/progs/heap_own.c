/* cprof's own memory stays out of the program's allocator (issue 11).
 *
 *   heap_own PROFILE
 *
 * Leaves thousands of small freed chunks in glibc's fastbins, starts four
 * threads that allocate, then writes a heap profile to PROFILE
 * (cprof_heap_write, found with dlsym) while glibc's statistics are
 * watched: a write that allocated from glibc would change the bytes in use
 * (uordblks), and its first request of 1 KiB or more would consolidate
 * the fastbins into larger free chunks (fsmblks drops to 0).
 * Prints "ok NAME" / "not ok NAME: why".  With HEAP_TEST_SANITIZER set
 * (tests/progs/heap_lib.sh: the allocator is a sanitizer's) only the write
 * is checked.
 */
#include <cprof.h>
#include <dlfcn.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check.h"

#define N 20000

static void *keep[N];

__attribute__((noinline)) static void *worker(void *arg)
{
	char *p = malloc(1000 + (size_t)arg);
	if (p)
		memset(p, 1, 1000);
	return p;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: heap_own PROFILE\n");
		return 2;
	}
	int (*write_heap)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "cprof_heap_write");
	CHECK("libcprof", write_heap != NULL, "cprof_heap_write not found: run under libcprof");
	if (!write_heap)
		return 1;
	pthread_t th[4];
	void *got[4] = {0};
	for (long i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i) != 0)
			return 1;
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], &got[i]);
	/* Small chunks, every other one freed: fastbins (past the tcache). */
	for (int i = 0; i < N; i++)
		keep[i] = malloc(48);
	for (int i = 0; i < N; i += 2) {
		free(keep[i]);
		keep[i] = NULL;
	}
	struct mallinfo2 a = mallinfo2();
	int rc = write_heap(argv[1]);
	struct mallinfo2 b = mallinfo2();
	CHECK("write", rc == 0, "cprof_heap_write: %d", rc);
	if (getenv("HEAP_TEST_SANITIZER")) /* a sanitizer's allocator: no fastbins */
		return CHECK_STATUS;
	CHECK("fastbins_had_chunks", a.fsmblks > 0, "fsmblks %zu", a.fsmblks);
	CHECK("write_no_consolidation", b.fsmblks == a.fsmblks, "fastbin bytes %zu -> %zu", a.fsmblks,
	      b.fsmblks);
	CHECK("write_nothing_left_in_glibc", b.uordblks == a.uordblks, "bytes in use %zu -> %zu",
	      a.uordblks, b.uordblks);
	CHECK("write_glibc_untouched", b.arena == a.arena && b.ordblks == a.ordblks,
	      "arena %zu -> %zu, free chunks %zu -> %zu", a.arena, b.arena, a.ordblks, b.ordblks);
	for (int i = 0; i < 4; i++)
		free(got[i]);
	return CHECK_STATUS;
}
