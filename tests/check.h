/* check.h — the unit tests' assertion.  CHECK(name, cond, fmt, ...) prints
 * "ok NAME", or "not ok NAME: <message>" and counts a failure; tests/run
 * counts those lines.  A test's main returns CHECK_STATUS. */
#ifndef CPROF_TEST_CHECK_H
#define CPROF_TEST_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(name, cond, ...)                                                           \
	do {                                                                             \
		if (cond) {                                                              \
			printf("ok %s\n", name);                                         \
		} else {                                                                 \
			check_failures++;                                                \
			printf("not ok %s: ", name);                                     \
			printf(__VA_ARGS__);                                             \
			printf("\n");                                                    \
		}                                                                        \
	} while (0)

/* A case that does not run is not a pass (tests/run counts it as skipped, and
 * as failed under CI=true; docs/TESTING.md).  SKIP: a prerequisite is
 * missing on this machine (a package, a device).  NA: the check cannot hold
 * in this build configuration (a sanitizer run). */
#define SKIP(name, ...)                                                                  \
	do {                                                                             \
		printf("ok %s # skip ", name);                                           \
		printf(__VA_ARGS__);                                                     \
		printf("\n");                                                            \
	} while (0)
#define NA(name, ...)                                                                    \
	do {                                                                             \
		printf("ok %s # n/a ", name);                                            \
		printf(__VA_ARGS__);                                                     \
		printf("\n");                                                            \
	} while (0)

#define CHECK_STATUS (check_failures ? 1 : 0)

#endif
