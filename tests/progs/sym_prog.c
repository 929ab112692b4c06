/*
 * sym_prog.c — fixture of tests/unit/test_symbolize.c: an executable (built
 * PIE and non-PIE) that prints code addresses inside known lines ("@NAME"
 * markers), inside libc (start_thread, __libc_start_call_main), then its own
 * /proc/self/maps, and exits.  Output: "NAME 0xADDR" lines, "maps", maps.
 */
#include <pthread.h>
#include <stdio.h>

#ifdef __clang__
#define NOINLINE __attribute__((noinline, used))
#else
#define NOINLINE __attribute__((noinline, noclone, used))
#endif

static void *addr[2];
static void *thread_ra;

NOINLINE static void record(int i)
{
	addr[i] = __builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

static inline __attribute__((always_inline)) void prog_inl(void)
{
	record(0); /* @prog_inl */
	__asm__ volatile("" ::: "memory");
}

NOINLINE void prog_work(void)
{
	prog_inl(); /* @prog_work_calls_inl */
	record(1); /* @prog_work */
	__asm__ volatile("" ::: "memory");
}

NOINLINE static void *thread_fn(void *arg)
{
	thread_ra = __builtin_return_address(0); /* inside libc's start_thread */
	__asm__ volatile("" ::: "memory");
	return arg;
}

int main(void)
{
	void *main_ra = __builtin_return_address(0); /* __libc_start_call_main */
	pthread_t t;
	prog_work();
	if (pthread_create(&t, NULL, thread_fn, NULL) != 0 || pthread_join(t, NULL) != 0)
		return 1;
	printf("prog_inl %p\nprog_work %p\nstart_thread %p\nlibc_main %p\nmaps\n", addr[0],
	       addr[1], thread_ra, main_ra);
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return 1;
	char line[4096];
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
	return 0;
}
