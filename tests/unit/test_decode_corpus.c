/* test_decode_corpus.c — replays the fuzz corpus (tests/fixtures/profiles/
 * corpus/, including the crashers fuzz/fuzz_decode.c found) through the
 * reader: nothing may crash, every failure must carry a one-line message,
 * and what decodes must merge.  Every fixture profile must decode. */
#include "compat.h"
#include "profio/decode.h"
#include "profio/readfile.h"
#include "profio/merge.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failed;

static void run(const char *path, const char *name, bool must_decode, size_t *n, size_t *bad)
{
	cprof__profile p;
	cprof__profile_init(&p);
	char err[512] = "";
	int rc = cprof__profile_read_file(&p, path, err, sizeof(err));
	(*n)++;
	if (rc < 0) {
		(*bad)++;
		if (must_decode || !err[0] || strchr(err, '\n')) {
			printf("not ok corpus_%s: rc %d err '%s'\n", name, rc, err);
			failed = 1;
		}
	} else {
		/* The file reader streams; it must agree with decoding the
		 * bytes in memory. */
		FILE *fp = fopen(path, "rb");
		cprof__buf raw, e1, e2;
		cprof__buf_init(&raw, 0);
		cprof__buf_init(&e1, 0);
		cprof__buf_init(&e2, 0);
		char chunk[65536];
		size_t k;
		while (fp && (k = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			cprof__buf_append(&raw, chunk, k);
		if (fp)
			fclose(fp);
		cprof__profile q;
		cprof__profile_init(&q);
		int qr = cprof__profile_decode(&q, raw.data, raw.len, err, sizeof(err));
		cprof__profile_encode(&p, &e1);
		if (qr == 0)
			cprof__profile_encode(&q, &e2);
		if (qr != 0 || e1.len != e2.len || memcmp(e1.data, e2.data, e1.len)) {
			printf("not ok corpus_%s: file and memory decoding differ (%d)\n", name, qr);
			failed = 1;
		}
		cprof__profile_free(&q);
		cprof__buf_free(&raw);
		cprof__buf_free(&e1);
		cprof__buf_free(&e2);
		cprof__profile m;
		cprof__profile_init(&m);
		if (cprof__profile_merge(&m, &p, 1, err, sizeof(err)) < 0 ||
		    cprof__profile_merge(&m, &p, -1, err, sizeof(err)) < 0 ||
		    (must_decode && m.sample.n != 0)) {
			printf("not ok corpus_%s: merge: %s (samples %zu)\n", name, err, m.sample.n);
			failed = 1;
		}
		cprof__profile_free(&m);
	}
	cprof__profile_free(&p);
}

static void dir(const char *root, const char *sub, bool must_decode, const char *label)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, sub);
	DIR *d = opendir(path);
	if (!d) {
		printf("not ok %s: cannot open %s\n", label, path);
		failed = 1;
		return;
	}
	size_t n = 0, bad = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char f[4096 + 256];
		snprintf(f, sizeof(f), "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			continue;
		run(f, e->d_name, must_decode, &n, &bad);
	}
	closedir(d);
	if (!failed)
		printf("ok %s (%zu files, %zu rejected)\n", label, n, bad);
	if (n == 0) {
		printf("not ok %s: empty\n", label);
		failed = 1;
	}
}

int main(void)
{
	const char *root = getenv("CPROF_ROOT");
	if (!root)
		root = ".";
	dir(root, "tests/fixtures/profiles", true, "fixtures_decode");
	dir(root, "tests/fixtures/profiles/corpus", false, "corpus_replay");
	return failed;
}
