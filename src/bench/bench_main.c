/*
 * bench_main.c — the default main() of a benchmark program.  Its own
 * archive member, so only programs that need a main pull it in; weak, so a
 * program's own main() wins even under --whole-archive.
 */
#include "compat.h"

#include <cprof/bench.h>

int main(int argc, char **argv) __attribute__((weak));
int main(int argc, char **argv)
{
	return cprof_bench_main(argc, argv);
}
