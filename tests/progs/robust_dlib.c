/* The shared library robust_dlopen loads and unloads: one CPU-burning
 * function. */
#include <time.h>

static volatile double sink;

__attribute__((visibility("default"))) void dlib_burn(long us);
__attribute__((visibility("default"))) void dlib_burn(long us)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	double x = 1.0;
	do {
		for (int i = 0; i < 2000; i++)
			x = x * 1.0000001 + 0.0000001;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < us * 1000);
	sink = x;
}
