/* heap_sizes GB RATE: allocate and free GB gigabytes in sizes drawn
 * uniformly from 1..65536 bytes, all from one call site (fixed seed), and
 * print the truth and the standard deviations of the Poisson estimators at
 * that sampling rate (sum over the objects of (1-p)/p, times s^2 for bytes,
 * with p = 1 - exp(-s/RATE)):
 *   alloc_bytes N
 *   alloc_objects N
 *   sigma_bytes X
 *   sigma_objects X */
#include <math.h>
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
	if (argc < 3)
		return 2;
	uint64_t goal = (uint64_t)(atof(argv[1]) * 1e9), total = 0, objects = 0;
	double rate = atof(argv[2]), var_b = 0, var_o = 0;
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
		double p1 = 1 - exp(-(double)n / rate), w = (1 - p1) / p1;
		var_o += w;
		var_b += w * (double)n * (double)n;
	}
	printf("alloc_bytes %llu\nalloc_objects %llu\nsigma_bytes %.0f\nsigma_objects %.0f\n",
	       (unsigned long long)total, (unsigned long long)objects, sqrt(var_b), sqrt(var_o));
	return 0;
}
