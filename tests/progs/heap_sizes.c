/* heap_sizes GB: allocate and free GB gigabytes in sizes drawn uniformly
 * from 1..65536 bytes, all from one call site (fixed seed), and print the
 * truth:
 *   alloc_bytes N
 *   alloc_objects N */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static void *size_site(size_t n)
{
	void *p = malloc(n);
	__asm__ volatile("" ::: "memory"); /* not a tail call: keep this frame */
	return p;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	uint64_t goal = (uint64_t)(atof(argv[1]) * 1e9), total = 0, objects = 0;
	uint64_t x = 88172645463325252ULL;
	while (total < goal) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t n = 1 + x % 65536;
		volatile char *p = size_site(n);
		if (!p)
			return 1;
		p[0] = 1;
		free((void *)p);
		total += n;
		objects++;
	}
	printf("alloc_bytes %llu\nalloc_objects %llu\n", (unsigned long long)total,
	       (unsigned long long)objects);
	return 0;
}
