/* Half of the known call chain for cpu_stacks.sh: lives in a shared library
 * built -O2 -fomit-frame-pointer.  Each call is marked "CALL name" so the
 * test can find its line. */
#include <time.h>

volatile double stack_sink;

__attribute__((noinline)) static double spin(int x)
{
	double d = x;
	for (int i = 0; i < 200000; i++)
		d = d * 1.0000001 + 0.5;
	return d;
}

__attribute__((noinline)) double lib5(int x) { double r = spin(x); /* CALL spin */ stack_sink = r; return r + 1; }
__attribute__((noinline)) double lib4(int x) { double r = lib5(x + 1); /* CALL lib5 */ stack_sink = r; return r + 1; }
__attribute__((noinline)) double lib3(int x) { double r = lib4(x + 1); /* CALL lib4 */ stack_sink = r; return r + 1; }
__attribute__((noinline)) double lib2(int x) { double r = lib3(x + 1); /* CALL lib3 */ stack_sink = r; return r + 1; }
__attribute__((noinline)) double lib1(int x) { double r = lib2(x + 1); /* CALL lib2 */ stack_sink = r; return r + 1; }
