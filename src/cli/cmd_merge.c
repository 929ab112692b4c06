/* cmd_merge.c — `cprof merge -o OUT PROFILE...`: pprof's merge (merge.h) of
 * files or URLs, written gzipped.  `go tool pprof -top OUT` prints what
 * `go tool pprof -top PROFILE...` prints. */
#include "compat.h"
#include "cli/cli.h"
#include "cli/fetch.h"
#include "profio/readfile.h"
#include "profio/gzwrite.h"
#include "profio/merge.h"
#include "profile/profile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The options, as the parser reads them and usage.c shows them; --flag is
 * -flag, and -o=OUT is -o OUT, as with Go's flag package. */
enum mopt { M_OUT, M_SECONDS, M_TIMEOUT };
static const cprof__opt mopts[] = {
	[M_OUT] = {"-o", "OUT", "the merged profile's file (- for stdout)"},
	[M_SECONDS] = {"-seconds", "N", "duration of the profiles fetched from http:// sources"},
	[M_TIMEOUT] = {"-timeout", "N", "timeout in seconds for http:// sources"},
};

bool cprof__cli_merge_opt(size_t i, cprof__opt *o)
{
	if (i >= CPROF_ARRAY_LEN(mopts))
		return false;
	*o = mopts[i];
	return true;
}

static void usage(FILE *f)
{
	cprof__cli_usage(f, cprof__cli_command("merge"));
}

/* The next input, read on a thread while the current one is merged (reading
 * is half the time of a merge; the cost is one more model in memory). */
typedef struct prefetch {
	pthread_t th;
	bool running;
	const char *src;
	cprof__profile p;
	int rc;
	char err[512];
} prefetch;

static void *prefetch_run(void *arg)
{
	prefetch *f = arg;
	f->rc = cprof__profile_read_file(&f->p, f->src, f->err, sizeof(f->err));
	return NULL;
}

/* Files only: URLs go through libcurl on the main thread, and stdin is read
 * where it appears. */
static void prefetch_start(prefetch *f, const char *src)
{
	f->running = false;
	if (!strcmp(src, "-") || cprof__fetch_is_url(src))
		return;
	f->src = src;
	cprof__profile_init(&f->p);
	if (pthread_create(&f->th, NULL, prefetch_run, f) == 0)
		f->running = true;
	else
		cprof__profile_free(&f->p);
}

/* Wait for the prefetched input (if any); false if none was started. */
static bool prefetch_take(prefetch *f, cprof__profile *p, char *err, size_t errlen, int *rc)
{
	if (!f->running)
		return false;
	pthread_join(f->th, NULL);
	f->running = false;
	*p = f->p;
	*rc = f->rc;
	if (f->rc < 0)
		snprintf(err, errlen, "%s", f->err);
	return true;
}

/* -seconds and -timeout: 0 to 86400 seconds, or -1 after saying why. */
static int parse_seconds(const char *flag, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 86400)
		return cprof__error("merge: %s: want a number of seconds, got '%s'", flag, s);
	return (int)v;
}

int cprof__cmd_merge(int argc, char **argv)
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
		}
		const char *eq = strchr(a, '=');
		size_t nl = eq ? (size_t)(eq - a) : strlen(a);
		size_t k = 0;
		while (k < CPROF_ARRAY_LEN(mopts) &&
		       (strlen(mopts[k].name) != nl || strncmp(a, mopts[k].name, nl)))
			k++;
		if (k == CPROF_ARRAY_LEN(mopts) || (!eq && i + 1 >= argc)) {
			usage(stderr);
			return cprof__error("merge: unknown option '%s'", argv[i]), 2;
		}
		const char *val = eq ? eq + 1 : argv[++i];
		switch ((enum mopt)k) {
		case M_OUT: out = val; break;
		case M_SECONDS:
			if ((seconds = parse_seconds(mopts[k].name, val)) < 0)
				return 2;
			break;
		case M_TIMEOUT: {
			int v = parse_seconds(mopts[k].name, val);
			if (v < 0)
				return 2;
			cprof__fetch_set_timeout(v);
			break;
		}
		}
	}
	if (!out || i >= argc) {
		usage(stderr);
		return 2;
	}
	cprof__profile acc;
	cprof__profile_init(&acc);
	char err[512];
	int rc = 0;
	prefetch next = {.running = false};
	for (; i < argc && rc == 0; i++) {
		cprof__profile p;
		int frc;
		if (!prefetch_take(&next, &p, err, sizeof(err), &frc)) {
			cprof__profile_init(&p);
			frc = cprof__fetch_profile(&p, argv[i], seconds, err, sizeof(err));
		}
		if (frc == 0 && i + 1 < argc)
			prefetch_start(&next, argv[i + 1]);
		if (frc < 0) {
			rc = cprof__error("%s", err);
		} else if (acc.sample_type.n == 0 && acc.sample.n == 0) {
			/* The first profile becomes the accumulator.  Alone,
			 * it is compacted in place (no copy when it already is
			 * compact); else merging the next into it does that. */
			cprof__profile_free(&acc);
			acc = p;
			cprof__profile_init(&p);
			if (i + 1 == argc && cprof__profile_compact(&acc, err, sizeof(err)) < 0)
				rc = cprof__error("%s: %s", argv[i], err);
		} else if (cprof__profile_merge(&acc, &p, 1, err, sizeof(err)) < 0) {
			rc = cprof__error("%s: %s", argv[i], err);
		}
		cprof__profile_free(&p);
	}
	if (next.running) { /* an earlier input failed */
		cprof__profile p;
		int frc;
		prefetch_take(&next, &p, err, sizeof(err), &frc);
		cprof__profile_free(&p);
	}
	if (rc == 0) {
		bool to_stdout = !strcmp(out, "-");
		cprof__outfile of;
		char e[256];
		int fd = to_stdout ? 1 : cprof__outfile_open(&of, out, e, sizeof(e));
		if (fd < 0) {
			rc = cprof__error("merge: %s: %s", out, e);
		} else {
			/* Deflate on every CPU: compression is most of the
			 * time of a merge (docs/READER.md, "Performance"). */
			long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
			int w = cprof__profile_write_gz(&acc, fd, ncpu > 0 ? (int)ncpu : 1, e,
							sizeof(e));
			if (!to_stdout) {
				int c = cprof__outfile_close(&of, fd, w == 0, w == 0 ? e : NULL,
							     sizeof(e));
				if (w == 0)
					w = c;
			}
			if (w < 0)
				rc = cprof__error("merge: writing %s: %s", out, e);
		}
	}
	cprof__profile_free(&acc);
	return rc < 0 ? 1 : 0;
}
