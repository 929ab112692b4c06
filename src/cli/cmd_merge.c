/* cmd_merge.c — `cprof merge -o OUT PROFILE...`: pprof's merge (merge.h) of
 * files or URLs, written gzipped.  `go tool pprof -top OUT` prints what
 * `go tool pprof -top PROFILE...` prints. */
#include "compat.h"
#include "cli/cli.h"
#include "cli/fetch.h"
#include "profile/merge.h"
#include "profile/profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: cprof merge [-seconds N] -o OUT PROFILE...\n\n"
		   "Merges profiles (files, '-' for stdin, or http(s):// URLs) with pprof's rules\n"
		   "and writes the result, gzipped, to OUT ('-' for stdout).\n");
}

int cprof_cmd_merge(int argc, char **argv)
{
	const char *out = NULL;
	int seconds = -1;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];
		if (a[1] == '-' && a[2] != 0)
			a++; /* --flag == -flag, as Go's flag package */
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "-h") || !strcmp(a, "-help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strncmp(a, "-o=", 3)) {
			out = a + 3;
		} else if (!strcmp(a, "-seconds") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || v < 0 || v > 86400)
				return cprof_error("merge: -seconds: want a number of seconds, got '%s'",
						   argv[i]), 2;
			seconds = (int)v;
		} else {
			usage(stderr);
			return cprof_error("merge: unknown option '%s'", argv[i]), 2;
		}
	}
	if (!out || i >= argc) {
		usage(stderr);
		return 2;
	}
	cprof_profile acc;
	cprof_profile_init(&acc);
	char err[512];
	int rc = 0;
	for (; i < argc && rc == 0; i++) {
		cprof_profile p;
		cprof_profile_init(&p);
		if (cprof_fetch_profile(&p, argv[i], seconds, err, sizeof(err)) < 0) {
			rc = cprof_error("%s", err);
		} else if (acc.sample_type.n == 0 && acc.sample.n == 0) {
			/* The first profile becomes the accumulator, compacted
			 * in place (no copy when it already is compact). */
			cprof_profile_free(&acc);
			acc = p;
			cprof_profile_init(&p);
			if (cprof_profile_compact(&acc, err, sizeof(err)) < 0)
				rc = cprof_error("%s: %s", argv[i], err);
		} else if (cprof_profile_merge(&acc, &p, 1, err, sizeof(err)) < 0) {
			rc = cprof_error("%s: %s", argv[i], err);
		}
		cprof_profile_free(&p);
	}
	if (rc == 0) {
		bool to_stdout = !strcmp(out, "-");
		int fd = to_stdout ? 1 : open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = cprof_error("merge: %s: %s", out, strerror(errno));
		} else {
			/* Deflate on every CPU: compression is most of the
			 * time of a merge (docs/READER.md, "Performance"). */
			long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
			int w = cprof_profile_write_fd_threads(&acc, fd, 1, ncpu > 0 ? (int)ncpu : 1);
			if (!to_stdout && close(fd) < 0 && w == 0)
				w = -errno;
			if (w < 0)
				rc = cprof_error("merge: writing %s: %s", out, strerror(-w));
		}
	}
	cprof_profile_free(&acc);
	return rc < 0 ? 1 : 0;
}
