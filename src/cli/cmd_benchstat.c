/* cmd_benchstat.c — `cprof benchstat OLD NEW...`: Go's benchstat (src/benchstat/benchstat.c). */
#include "compat.h"
#include "cli/cli.h"
#include "benchstat/benchstat.h"

#include <stdio.h>

bool cprof__cli_benchstat_opt(size_t i, cprof__opt *o)
{
	if (i >= cprof__benchstat_nflags)
		return false;
	const cprof__benchstat_flag *fl = &cprof__benchstat_flags[i];
	*o = (cprof__opt){fl->name, fl->arg, fl->help};
	return true;
}

int cprof__cmd_benchstat(int argc, char **argv)
{
	return cprof__benchstat_main(argc, argv, stdout, stderr);
}
