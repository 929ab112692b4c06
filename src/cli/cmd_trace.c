/* cmd_trace.c — `cprof trace [-n N] FILE`: the summary of an execution
 * trace (CPROF_TRACE, cprof_trace_start; docs/TRACE.md): per-thread time
 * running and blocked by reason, the N longest waits with their stacks,
 * and the events the recorder dropped. */
#include "compat.h"
#include "cli/cli.h"
#include "base/buf.h"
#include "profio/json.h"
#include "profio/readfile.h"
#include "report/tracesum.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The options, as the parser reads them and usage.c shows them. */
static const cprof__opt topts[] = {
	{"-n", "N", "show the N longest waits (default 10; 0 for none)"},
	{"-top", "N", "same as -n"},
};

bool cprof__cli_trace_opt(size_t i, cprof__opt *o)
{
	if (i >= CPROF_ARRAY_LEN(topts))
		return false;
	*o = topts[i];
	return true;
}

static void usage(FILE *f)
{
	cprof__cli_usage(f, cprof__cli_command("trace"));
}

int cprof__cmd_trace(int argc, char **argv)
{
	int top = 10;
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "-help") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, topts[0].name) || !strcmp(a, topts[1].name)) {
			if (i + 1 >= argc) {
				cprof__error("trace: %s needs a number", a);
				return 2;
			}
			char *end;
			errno = 0;
			long v = strtol(argv[++i], &end, 10);
			if (errno || *end || end == argv[i] || v < 0 || v > 1000000) {
				cprof__error("trace: %s: want a number from 0 to 1000000, got '%s'",
					     a, argv[i]);
				return 2;
			}
			top = (int)v;
		} else if (a[0] == '-' && a[1]) {
			cprof__error("trace: unknown flag %s (see cprof trace -h)", a);
			return 2;
		} else if (file) {
			cprof__error("trace: one trace file at a time (got '%s' and '%s')", file,
				     a);
			return 2;
		} else {
			file = a;
		}
	}
	if (!file) {
		usage(stderr);
		return 2;
	}
	bool in = !strcmp(file, "-");
	int fd = in ? 0 : open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cprof__error("trace: %s: %s", file, strerror(errno));
		return 1;
	}
	cprof__buf b;
	cprof__buf_init(&b, 0);
	char err[512];
	int rc = cprof__read_fd(fd, &b, err, sizeof(err));
	if (!in)
		close(fd);
	if (rc < 0) {
		cprof__error("trace: %s: %s", file, err);
		cprof__buf_free(&b);
		return 1;
	}
	cprof__json *doc = cprof__json_parse((char *)b.data, b.len, err, sizeof(err));
	if (!doc) {
		cprof__error("trace: %s: not valid JSON: %s", file, err);
		cprof__buf_free(&b);
		return 1;
	}
	rc = cprof__trace_summary(doc, top, stdout, err, sizeof(err));
	cprof__json_free(doc);
	cprof__buf_free(&b);
	if (rc < 0) {
		cprof__error("trace: %s: %s", file, err);
		return 1;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cprof__error("trace: writing the summary: %s", strerror(errno));
		return 1;
	}
	return 0;
}
