/*
 * test_trace.c — `cprof trace`'s reader: the JSON parser's decoding and
 * limits, the summary of a known trace, and a replay of the fuzz corpus
 * (tests/fixtures/trace/: ok_* must summarise, bad_* must be refused with
 * a one-line message) with every truncation and deterministic byte
 * mutations of each file, none of which may crash.
 */
#include "compat.h"
#include "profio/json.h"
#include "report/tracesum.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	char tmp[4096];
	size_t r;
	while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
		fwrite(tmp, 1, r, m);
	fclose(f);
	fclose(m);
	*len = n;
	return buf;
}

/* Parse and summarise a copy of s[0..n): 0 summarised, 1 refused with a
 * one-line message, -1 refused without one. */
static int try(const char *s, size_t n, char **out)
{
	char *b = malloc(n ? n : 1);
	memcpy(b, s, n);
	char err[256] = "";
	size_t ol;
	char *text = NULL;
	FILE *o = open_memstream(&text, &ol);
	int rc;
	cprof__json *j = cprof__json_parse(b, n, err, sizeof(err));
	if (j) {
		rc = cprof__trace_summary(j, 10, o, err, sizeof(err)) == 0 ? 0 : 1;
		cprof__json_free(j);
	} else {
		rc = 1;
	}
	fclose(o);
	if (rc == 1 && (!err[0] || strchr(err, '\n')))
		rc = -1;
	if (out)
		*out = text;
	else
		free(text);
	free(b);
	return rc;
}

static void decoding(void)
{
	char s[] = "{\"a\":\"x\\u00e9\\ud83d\\ude00\\n\\\"\",\"b\":[1,-2.5e3,true,false,null],"
		   "\"c\":{}}";
	char err[128];
	cprof__json *j = cprof__json_parse(s, strlen(s), err, sizeof(err));
	CHECK("json_parses", j != NULL, "%s", err);
	if (!j)
		return;
	const char *a = cprof__json_str(cprof__json_get(j, "a"));
	CHECK("json_escapes", a && !strcmp(a, "x\xc3\xa9\xf0\x9f\x98\x80\n\""), "got '%s'",
	      a ? a : "(null)");
	const cprof__json *b = cprof__json_get(j, "b");
	CHECK("json_array", b && b->type == CPROF_JSON_ARRAY && b->n == 5, "bad array");
	CHECK("json_number", b && cprof__json_num(&b->v.kids[1], 0) == -2500, "bad number");
	CHECK("json_literals",
	      b && b->v.kids[2].type == CPROF_JSON_TRUE && b->v.kids[3].type == CPROF_JSON_FALSE &&
		      b->v.kids[4].type == CPROF_JSON_NULL,
	      "bad literals");
	CHECK("json_missing_key", cprof__json_get(j, "zz") == NULL, "found");
	cprof__json_free(j);

	/* 64 levels pass, 65 do not. */
	char deep[200];
	for (int d = 64; d <= 65; d++) {
		memset(deep, '[', (size_t)d);
		memset(deep + d, ']', (size_t)d);
		j = cprof__json_parse(deep, 2 * (size_t)d, err, sizeof(err));
		if (d == 64)
			CHECK("json_depth_64_ok", j != NULL, "%s", err);
		else
			CHECK("json_depth_65_refused", !j && strstr(err, "deeper"), "%s", err);
		cprof__json_free(j);
	}
}

static void summary(const char *dir)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/ok_cprof.json", dir);
	size_t n;
	char *s = slurp(path, &n);
	char *out = NULL;
	int rc = s ? try(s, n, &out) : -1;
	CHECK("summary_ok", rc == 0, "rc %d", rc);
	if (rc == 0) {
		CHECK("summary_threads",
		      strstr(out, "Threads: 2, CPU samples: 2, blocked intervals: 3"), "%s", out);
		CHECK("summary_dropped", strstr(out, "Dropped events: 7"), "%s", out);
		CHECK("summary_running", strstr(out, "30ms"), "%s", out);
		CHECK("summary_by_reason", strstr(out, "condvar 51ms (2)"), "%s", out);
		const char *lw = strstr(out, "Longest waits (3 of 3)");
		CHECK("summary_longest_first",
		      lw && strstr(lw, "150.00025ms  mutex tid 100 (demo) on 0x5555deadbeef"), "%s",
		      out);
		CHECK("summary_stack", strstr(out, "            lock_it demo.c:12\n"), "%s", out);
	}
	free(out);
	free(s);
}

static void corpus(const char *dir)
{
	DIR *d = opendir(dir);
	CHECK("corpus_dir", d != NULL, "cannot open %s", dir);
	if (!d)
		return;
	size_t files = 0, mutants = 0, bad = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4400], name[300];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		size_t n;
		char *s = slurp(path, &n);
		if (!s)
			continue;
		files++;
		int rc = try(s, n, NULL);
		bool want_ok = !strncmp(e->d_name, "ok_", 3);
		snprintf(name, sizeof(name), "corpus_%s", e->d_name);
		CHECK(name, want_ok ? rc == 0 : rc == 1, "rc %d", rc);
		/* Every prefix (capped) and byte mutations: never a crash, and
		 * every refusal on one line. */
		size_t lim = n < 2048 ? n : 2048;
		for (size_t k = 0; k < lim; k++, mutants++)
			bad += try(s, k, NULL) < 0;
		unsigned x = 12345;
		static const char alphabet[] = "{}[]\",:\\u0e-+.tfn \n\x01\xff";
		for (int m = 0; m < 400 && n; m++, mutants++) {
			x = x * 1103515245 + 12345;
			size_t at = (x >> 8) % n;
			char save = s[at];
			s[at] = alphabet[(x >> 20) % (sizeof(alphabet) - 1)];
			bad += try(s, n, NULL) < 0;
			s[at] = save;
		}
		free(s);
	}
	closedir(d);
	CHECK("corpus_files", files >= 10, "only %zu files", files);
	CHECK("corpus_mutants_one_line_errors", bad == 0, "%zu of %zu without a message", bad,
	      mutants);
}

int main(int argc, char **argv)
{
	const char *root = getenv("CPROF_ROOT");
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/fixtures/trace",
		 argc > 1 ? argv[1]
		 : root   ? root
			  : ".");
	decoding();
	summary(dir);
	corpus(dir);
	return CHECK_STATUS;
}
