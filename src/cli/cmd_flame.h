/*
 * cmd_flame.h — what `cprof flame` shares with `cprof web`: the source
 * reader that also accepts folded stacks.
 */
#ifndef CPROF_CLI_CMD_FLAME_H
#define CPROF_CLI_CMD_FLAME_H

#include "compat.h"
#include "profile/profile.h"

/* A cprof__cli_fetch_fn: folded-stack text (files and stdin, sniffed by
 * content; lines that do not parse are counted on stderr) or anything
 * cprof__fetch_profile reads (profiles, URLs).  0, or -1 with a message. */
int cprof__flame_fetch(cprof__profile *p, const char *src, int seconds, char *err, size_t errlen);

#endif
