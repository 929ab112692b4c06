/* Leak and temporary-allocation reports (issue 3, cases 4 and 5).
 *
 *   heap_leaks leak    plant_leak leaks 10 x 1000 B, plant_big_leak
 *                      16 x 256 KiB (found by the sampled mode too); the
 *                      rest is freed.
 *   heap_leaks clean   frees everything it allocates, while using what
 *                      keeps libc-internal memory (stdio buffers, fopen,
 *                      localtime's time zone, dlopen, a thread).
 *   heap_leaks temp    temp_site allocates, uses and frees a buffer with no
 *                      other allocation in between (a temporary), 1000
 *                      times; long_site keeps its objects across other
 *                      allocations before freeing them (not temporary).
 * Prints what it planted: "leak SITE OBJECTS BYTES", "temp SITE N BYTES". */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *sink;

__attribute__((noinline, noipa)) static void plant_leak(void)
{
	for (int i = 0; i < 10; i++) {
		char *p = malloc(1000);
		memset(p, i, 1000);
		sink = p; /* overwritten: lost */
	}
	printf("leak plant_leak 10 10000\n");
}

__attribute__((noinline, noipa)) static void plant_big_leak(void)
{
	for (int i = 0; i < 16; i++) {
		char *p = malloc(256 << 10);
		p[0] = (char)i;
		sink = p;
	}
	printf("leak plant_big_leak 16 %d\n", 16 * (256 << 10));
}

static void *thread_fn(void *arg)
{
	char *s = strdup(arg);
	free(s);
	return NULL;
}

__attribute__((noinline, noipa)) static void busy_but_clean(void)
{
	char *s = strdup("a string");
	void *v[100];
	for (int i = 0; i < 100; i++)
		v[i] = calloc(1, 16 + (size_t)i);
	for (int i = 0; i < 100; i++)
		v[i] = realloc(v[i], 1000 + (size_t)i);
	for (int i = 0; i < 100; i++)
		free(v[i]);
	free(s);
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	if (f) {
		while (fgets(line, sizeof(line), f))
			;
		fclose(f);
	}
	time_t t = 0;
	struct tm tm;
	localtime_r(&t, &tm);
	char buf[64];
	strftime(buf, sizeof(buf), "%c", &tm);
	void *h = dlopen("libm.so.6", RTLD_NOW);
	if (h)
		dlclose(h);
	pthread_t th;
	pthread_create(&th, NULL, thread_fn, "thread");
	pthread_join(th, NULL);
	printf("clean %s\n", buf[0] ? "done" : "done");
}

__attribute__((noinline, noipa)) static void temp_site(int i)
{
	char *p = malloc(4096);
	snprintf(p, 4096, "%d", i); /* used, then freed: no allocation between */
	sink = (void *)(size_t)p[0];
	free(p);
}

__attribute__((noinline, noipa)) static void *long_site(void)
{
	return malloc(3000);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	busy_but_clean();
	if (!strcmp(argv[1], "leak")) {
		plant_leak();
		plant_big_leak();
	} else if (!strcmp(argv[1], "temp")) {
		void *keep[8];
		for (int i = 0; i < 1000; i++) {
			temp_site(i);
			keep[i % 8] = long_site();
			void *other = malloc(200); /* an allocation while long_site's lives */
			free(other);
			if (i % 8 == 7)
				for (int k = 0; k < 8; k++)
					free(keep[k]);
		}
		printf("temp temp_site 1000 %d\n", 1000 * 4096);
	} else if (strcmp(argv[1], "clean")) {
		return 2;
	}
	fflush(stdout);
	return 0;
}
