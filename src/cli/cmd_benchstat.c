/* cmd_benchstat.c — `cprof benchstat OLD NEW...`: Go's benchstat (src/benchstat/benchstat.c). */
#include "compat.h"
#include "cli/cli.h"
#include "benchstat/benchstat.h"

#include <stdio.h>

int cprof__cmd_benchstat(int argc, char **argv)
{
	return cprof__benchstat_main(argc, argv, stdout, stderr);
}
