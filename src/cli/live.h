/*
 * live.h — `cprof web http://HOST:PORT/`, the live dashboard of a running
 * program (cmd_live.c; docs/HTTP.md, "Live dashboard").  cmd_web.c hands
 * its arguments over when the source is a program's address rather than a
 * profile.
 */
#ifndef CPROF_CLI_LIVE_H
#define CPROF_CLI_LIVE_H

#include "compat.h"

/* True if arg is the address of a program rather than of a profile:
 * http(s)://HOST:PORT with no path, "/", or "/debug/pprof/". */
bool cprof__live_target(const char *arg);

/* The command: argv as `cprof web` got it (argv[0] "web").  Serves until
 * SIGINT/SIGTERM; returns the exit status. */
int cprof__cmd_live(int argc, char **argv);

/* The dashboard page (live_assets.c, generated from web/live.html by
 * web/embed_live.sh). */
extern const char cprof__live_html[];

#endif
