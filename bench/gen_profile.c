/*
 * gen_profile.c — writes the synthetic profile of issue 4: ~200 000 distinct
 * stacks of depth 8-40 over ~20 000 functions (2 call sites each), gzipped
 * profile.proto (~10 MB), deterministic for a given seed.  go tool pprof
 * reads it; bench/report_bench.sh times readers on it.
 *
 *   gen_profile [-s STACKS] [-f FUNCTIONS] [-seed N] OUT
 *
 * Built by bench/synth.sh against src/base/buf.c and src/profile (pbwire.c,
 * profile.c).
 */
#include "compat.h"
#include "profile/profile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SITES 2         /* call sites (locations) per function */
#define RANDOM_CALLEE 8 /* 1 in N calls goes to any function */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static size_t below(size_t n)
{
	return (size_t)(next() % n);
}

int main(int argc, char **argv)
{
	size_t nstacks = 200000, nfunc = 20000;
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc)
			nstacks = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			nfunc = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "-seed") && i + 1 < argc)
			rng = strtoull(argv[++i], NULL, 10) | 1;
		else if (argv[i][0] != '-' && !out)
			out = argv[i];
		else {
			fprintf(stderr, "usage: gen_profile [-s STACKS] [-f FUNCTIONS] [-seed N] OUT\n");
			return 2;
		}
	}
	if (!out || nfunc < 64 || nstacks == 0) {
		fprintf(stderr, "usage: gen_profile [-s STACKS] [-f FUNCTIONS] [-seed N] OUT\n");
		return 2;
	}

	cprof__profile p;
	cprof__profile_init(&p);
	cprof__profile_add_sample_type(&p, "samples", "count");
	cprof__profile_add_sample_type(&p, "cpu", "nanoseconds");
	p.period_type.type = cprof__profile_str(&p, "cpu");
	p.period_type.unit = cprof__profile_str(&p, "nanoseconds");
	p.period = 10000000;
	p.time_nanos = 1700000000000000000;
	p.duration_nanos = 60000000000;
	cprof__mapping m = {.start = 0x400000, .limit = 0x400000 + 0x1000000, .offset = 0,
			   .file = cprof__profile_str(&p, "/usr/bin/synthetic"),
			   .build_id = cprof__profile_str(&p, "0123456789abcdef0123456789abcdef01234567"),
			   .has_functions = true, .has_filenames = true, .has_line_numbers = true};
	uint64_t mid = cprof__profile_add_mapping(&p, &m);

	static const char *const parts[] = {"server", "handle", "parse", "encode", "index", "cache",
					    "query", "render", "alloc", "hash", "sort", "flush",
					    "read", "write", "lock", "scan"};
	char name[128], file[128];
	for (size_t f = 0; f < nfunc; f++) {
		snprintf(name, sizeof(name), "%s::%s_%s_%zu", parts[f % 16], parts[(f / 16) % 16],
			 parts[(f / 256) % 16], f);
		snprintf(file, sizeof(file), "/src/synthetic/%s/%s_%zu.c", parts[f % 16],
			 parts[(f / 16) % 16], f / 64);
		uint64_t fid = cprof__profile_add_function(&p, name, name, file, (int64_t)(f % 997) + 1);
		for (int site = 0; site < SITES; site++) {
			cprof__line ln = {fid, (int64_t)(f % 997) + 2 + site * 7, 0};
			cprof__profile_add_location(&p, mid, 0x400000 + f * 48 + (uint64_t)site * 16, &ln, 1);
		}
	}

	/* Stacks walk a random call graph from one of 8 roots down: each
	 * function has 4 likely callees (skewed toward low, "hot" function
	 * numbers) and now and then calls any function, so stacks share
	 * root-side prefixes as real ones do. */
	size_t *callees = malloc(nfunc * 4 * sizeof(*callees));
	uint64_t *stk = malloc(64 * sizeof(*stk));
	if (!stk || !callees)
		return 1;
	for (size_t f = 0; f < nfunc * 4; f++)
		callees[f] = below(1 + below(nfunc));
	size_t nloc = nfunc * SITES;
	for (size_t s = 0; s < nstacks; s++) {
		size_t depth = 8 + below(33);
		size_t f = below(8);
		for (size_t d = depth; d-- > 0;) {
			stk[d] = f * SITES + (f + d) % SITES + 1;
			if (below(RANDOM_CALLEE) == 0)
				f = below(nfunc);
			else
				f = callees[f * 4 + below(4)];
		}
		/* Make stacks distinct: the leaf site encodes s. */
		stk[0] = (s * 7919) % nloc + 1;
		int64_t count = 1 + (int64_t)(below(100) < 80 ? below(3) : below(200));
		int64_t v[2] = {count, count * 10000000};
		cprof__profile_add_sample(&p, stk, depth, v, NULL, 0);
	}
	free(stk);
	free(callees);
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(out);
		return 1;
	}
	int rc = cprof__profile_write_fd(&p, fd);
	close(fd);
	cprof__profile_free(&p);
	if (rc < 0) {
		fprintf(stderr, "gen_profile: write failed (%d)\n", rc);
		return 1;
	}
	return 0;
}
