/*
 * heap_mmap_threshold.c — glibc raises its mmap threshold when free() gets
 * an mmapped chunk, so a profiler that frees a block the program only
 * reallocated changes where the program's later blocks come from (and with
 * it the heap's layout and when glibc consolidates).  Grows 8 buffers from
 * 200 KB to 4 MB by realloc (glibc: mremap, nothing freed), then allocates
 * 300 KB and prints "mmapped 1" if glibc still maps it, as it does with its
 * threshold untouched (128 KB).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char *p[8];
	for (int i = 0; i < 8; i++) {
		p[i] = malloc(200 << 10);
		if (!p[i])
			return 1;
		p[i][0] = (char)i;
		for (size_t s = 256 << 10; s <= (4u << 20); s *= 2) {
			char *q = realloc(p[i], s);
			if (!q)
				return 1;
			p[i] = q;
			p[i][s - 1] = (char)i;
		}
	}
	for (int i = 0; i < 8; i++)
		if (p[i][0] != (char)i || p[i][(4u << 20) - 1] != (char)i)
			return 2;
	char *q = malloc(300 << 10);
	if (!q)
		return 1;
	memset(q, 1, 300 << 10);
	/* glibc's chunk header: bit 1 of the size word marks an mmapped chunk. */
	printf("mmapped %d\n", (((size_t *)q)[-1] & 2) != 0);
	return 0;
}
