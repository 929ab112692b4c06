/*
 * spawn.h — run a helper program (Graphviz's dot, objdump) and wait for it,
 * without a shell: argv goes to posix_spawnp as is, so nothing in a file
 * name or argument is ever interpreted.  For the CLI and the reports, not
 * for the runtime (it forks the process it runs in).
 */
#ifndef CPROF_BASE_SPAWN_H
#define CPROF_BASE_SPAWN_H

#include "compat.h"

/* Runs argv[0], found in PATH, with argv and our environment; its stdout
 * goes to out_fd (-1: ours), its stderr to /dev/null when quiet (else ours);
 * other descriptors and the signal mask are inherited.  Waits for it (EINTR
 * retried).  Returns 0 with *status as waitpid(2) sets it, or a positive
 * errno when it could not be started. */
int cprof__spawn_wait(char *const argv[], int out_fd, bool quiet, int *status);

#endif
