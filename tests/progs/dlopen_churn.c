/* dlopen/dlclose churn: N times, load LIB, call its churn_work(ITERS) and
 * unload it (issue 10 row 9: the per-dlopen cost of a profiler, and whose
 * stacks its work lands in).  Prints "churn N SUM".
 * usage: dlopen_churn LIB [N [ITERS]]   (default 3000 20000) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) static long call_lib(long (*work)(long), long iters)
{
	long r = work(iters);
	__asm__ volatile("" ::: "memory"); /* keep this frame: no tail call */
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int n = argc > 2 ? atoi(argv[2]) : 3000;
	long iters = argc > 3 ? atol(argv[3]) : 20000;
	long sum = 0;
	for (int i = 0; i < n; i++) {
		void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		long (*work)(long) = (long (*)(long))dlsym(h, "churn_work");
		if (!work) {
			fprintf(stderr, "dlsym: %s\n", dlerror());
			return 1;
		}
		sum += call_lib(work, iters);
		if (dlclose(h) != 0) {
			fprintf(stderr, "dlclose: %s\n", dlerror());
			return 1;
		}
	}
	printf("churn %d %ld\n", n, sum);
	return 0;
}
