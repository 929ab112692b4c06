/*
 * heap_layout.c — where glibc places a fixed sequence of allocations, frees
 * and reallocs: prints each block's offset from the first one and its
 * usable size.  Under cprof the output must not change, whatever is
 * sampled: sampled blocks are the program's own chunks (docs/HEAP.md).
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	enum { N = 400 };
	static char *p[N];
	uint32_t x = 12345;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = malloc(16 + (x >> 8) % 6000);
		if (!p[i])
			return 1;
	}
	for (int i = 0; i < N; i += 3) {
		free(p[i]);
		p[i] = NULL;
	}
	for (int i = 1; i < N; i += 5) {
		x = x * 1103515245u + 12345u;
		char *q = realloc(p[i], 16 + (x >> 8) % 9000);
		if (!q)
			return 1;
		p[i] = q;
	}
	for (int i = 0; i < N; i += 3) {
		x = x * 1103515245u + 12345u;
		p[i] = malloc(16 + (x >> 8) % 3000);
		if (!p[i])
			return 1;
	}
	for (int i = 0; i < N; i++)
		printf("%d %td %zu\n", i, p[i] - p[1], malloc_usable_size(p[i]));
	return 0;
}
