/* The main-program half of cpu_stacks.sh's call chain:
 * main → app1 … app6 → lib1 … lib5 (shared library) → spin.
 * Runs for about `argv[1]` ms of CPU. */
#include <stdlib.h>
#include <time.h>

double lib1(int x);
volatile double app_sink;

__attribute__((noinline)) static double app6(int x) { double r = lib1(x + 1); /* CALL lib1 */ app_sink = r; return r + 1; }
__attribute__((noinline)) static double app5(int x) { double r = app6(x + 1); /* CALL app6 */ app_sink = r; return r + 1; }
__attribute__((noinline)) static double app4(int x) { double r = app5(x + 1); /* CALL app5 */ app_sink = r; return r + 1; }
__attribute__((noinline)) static double app3(int x) { double r = app4(x + 1); /* CALL app4 */ app_sink = r; return r + 1; }
__attribute__((noinline)) static double app2(int x) { double r = app3(x + 1); /* CALL app3 */ app_sink = r; return r + 1; }
__attribute__((noinline)) static double app1(int x) { double r = app2(x + 1); /* CALL app2 */ app_sink = r; return r + 1; }

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 1000;
	struct timespec t0, t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		app_sink = app1(1); /* CALL app1 */
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	return 0;
}
