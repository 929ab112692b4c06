/*
 * test_symbolize.c — cprof__symbolize_profile() on real binaries.
 *
 * Fixtures (tests/progs/sym_*.c, sym_cxx.cc) are compiled here with $CC into
 * a temporary directory.  Addresses come from the fixtures themselves (return
 * addresses of calls at lines marked "@NAME", minus 1 as the runtime does)
 * with their /proc/self/maps: either from this process (dlopen, in-process
 * symbolisation as the runtime does it) or printed by a fixture program
 * (offline, as the CLI does it).
 */
#include "compat.h"
#include "profile/symbolize.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int failures;
static const char *prefix = ""; /* case name prefix (child run) */
static char dir[256];       /* fixtures' temporary directory */
static const char *root;    /* source tree */

/* Cases that do not run (tests/check.h's SKIP and NA, docs/TESTING.md). */
#define SKIP(name, ...) (printf("ok %s # skip ", name), printf(__VA_ARGS__), printf("\n"))
#define NA(name, ...) (printf("ok %s # n/a ", name), printf(__VA_ARGS__), printf("\n"))
static void ok(bool cond, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ok(bool cond, const char *name, const char *fmt, ...)
{
	if (cond) {
		printf("ok %s%s\n", prefix, name);
		fflush(stdout);
		return;
	}
	failures++;
	printf("not ok %s%s: ", prefix, name);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	return rc;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap + 1);
	size_t r;
	while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *nb = realloc(b, cap * 2 + 1);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (b)
		b[n] = 0;
	if (len)
		*len = n;
	return b;
}

/* Line number of the "@name" marker in tests/progs/src. */
static int marker(const char *src, const char *name)
{
	char path[512], tag[128];
	snprintf(path, sizeof(path), "%s/tests/progs/%s", root, src);
	snprintf(tag, sizeof(tag), "@%s */", name);
	char *text = slurp(path, NULL);
	int line = 0, found = 0;
	for (char *p = text, *e; p && *p; p = e + 1) {
		line++;
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if (memmem(p, (size_t)(e - p), tag, strlen(tag))) {
			found = line;
			break;
		}
		if (!*e)
			break;
	}
	free(text);
	return found;
}

/* GNU build id of an ELF file as hex ("" if none). */
static void build_id(const char *path, char *out, size_t outsz)
{
	out[0] = 0;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	while (e && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;
		while (d && (off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)d->d_buf + noff, "GNU", 4) && nh.n_descsz * 2 < outsz) {
				for (size_t i = 0; i < nh.n_descsz; i++)
					sprintf(out + 2 * i, "%02x",
						((unsigned char *)d->d_buf)[doff + i]);
				goto done;
			}
		}
	}
done:
	if (e)
		elf_end(e);
	close(fd);
}

/* Add the mapping of `maps` (a /proc/PID/maps text) that contains addr.
 * file/bid override the path and build id when non-NULL. */
static uint64_t add_map(cprof__profile *p, const char *maps, uint64_t addr, const char *file,
			const char *bid)
{
	for (const char *l = maps; l && *l;) {
		unsigned long long lo, hi, off;
		char perms[8], path[1024] = "";
		int n = sscanf(l, "%llx-%llx %7s %llx %*s %*s %1023[^\n]", &lo, &hi, perms, &off, path);
		if (n >= 4 && addr >= lo && addr < hi) {
			char id[300] = "";
			if (!bid && path[0] == '/')
				build_id(path, id, sizeof(id));
			cprof__mapping m = {.start = lo, .limit = hi, .offset = off};
			m.file = cprof__profile_str(p, file ? file : path);
			m.build_id = cprof__profile_str(p, bid ? bid : id);
			return cprof__profile_add_mapping(p, &m);
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return 0;
}

static char *self_maps(void)
{
	return slurp("/proc/self/maps", NULL);
}

/* "name file:line; name file:line" (basenames) for a location. */
static void describe(const cprof__profile *p, uint64_t loc, char *out, size_t n)
{
	out[0] = 0;
	const cprof__location *l = &p->location.v[loc - 1];
	const cprof__line *ln = cprof__location_lines(p, l);
	size_t len = 0;
	for (uint32_t i = 0; i < l->nline && len < n; i++) {
		const cprof__function *f = &p->function.v[ln[i].function_id - 1];
		const char *file = cprof__profile_string(p, f->filename);
		const char *base = strrchr(file, '/');
		base = base ? base + 1 : file;
		len += (size_t)snprintf(out + len, n - len, "%s%s %s:%" PRId64, i ? "; " : "",
					cprof__profile_string(p, f->name), base, ln[i].line);
	}
}

static bool expect(const cprof__profile *p, uint64_t loc, const char *name, const char *want)
{
	char got[1024];
	describe(p, loc, got, sizeof(got));
	ok(!strcmp(got, want), name, "got \"%s\", want \"%s\"", got, want);
	return !strcmp(got, want);
}

static const char *notes_str(cprof__buf *b)
{
	cprof__buf_append(b, "", 1);
	b->len--;
	return (const char *)b->data;
}

/* ---- fixtures ------------------------------------------------------------ */

static const char *cc(void)
{
	const char *c = getenv("CC");
	return c && *c ? c : "cc";
}

static bool build_fixtures(void)
{
	const char *c = cc();
	return run("%s -std=gnu17 -O2 -g -fPIC -shared -o %s/libsym_lib.so %s/tests/progs/sym_lib.c",
		   c, dir, root) == 0 &&
	       run("mkdir -p %s/dbg %s/stripped %s/dynsym && cp %s/libsym_lib.so %s/dbg/ && "
		   "strip --strip-debug -o %s/stripped/libsym_lib.so %s/libsym_lib.so && "
		   "strip --strip-all -o %s/dynsym/libsym_lib.so %s/libsym_lib.so",
		   dir, dir, dir, dir, dir, dir, dir, dir, dir) == 0 &&
	       run("%s -std=gnu17 -O2 -g -pthread -fPIE -pie -o %s/prog_pie %s/tests/progs/sym_prog.c",
		   c, dir, root) == 0 &&
	       run("%s -std=gnu17 -O2 -g -pthread -fno-pie -no-pie -o %s/prog_nopie "
		   "%s/tests/progs/sym_prog.c",
		   c, dir, root) == 0 &&
	       run("%s -x c++ -std=c++17 -O2 -g -o %s/cxx %s/tests/progs/sym_cxx.cc -lstdc++", c, dir,
		   root) == 0;
}

/* Run a fixture program; returns its output (addresses, then "maps\n"). */
static char *run_prog(const char *prog)
{
	char out[512];
	snprintf(out, sizeof(out), "%s/%s.out", dir, prog);
	if (run("%s/%s > %s", dir, prog, out) != 0)
		return NULL;
	return slurp(out, NULL);
}

static uint64_t out_addr(const char *out, const char *name)
{
	char key[128];
	snprintf(key, sizeof(key), "%s 0x", name);
	for (const char *l = out; l && *l;) {
		if (!strncmp(l, key, strlen(key)))
			return strtoull(l + strlen(key), NULL, 16);
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return 0;
}

/* ---- cases --------------------------------------------------------------- */

typedef void (*void_fn)(void);

static void *lib;          /* dlopen'ed fixture library */
static void **lib_addr;    /* its sym_lib_addr[2] */

static bool load_lib(void)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/libsym_lib.so", dir);
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return false;
	void *w = dlsym(lib, "sym_lib_work");
	lib_addr = dlsym(lib, "sym_lib_addr");
	if (!w || !lib_addr)
		return false;
	void_fn work;
	memcpy(&work, &w, sizeof(work));
	work();
	return lib_addr[0] && lib_addr[1];
}

/* A profile with the two library addresses; file/bid override the mapping. */
static void lib_profile(cprof__profile *p, const char *maps, const char *file, const char *bid,
			uint64_t *l0, uint64_t *l1)
{
	cprof__profile_init(p);
	uint64_t a0 = (uint64_t)(uintptr_t)lib_addr[0] - 1, a1 = (uint64_t)(uintptr_t)lib_addr[1] - 1;
	uint64_t m = add_map(p, maps, a0, file, bid);
	uint64_t m1 = add_map(p, maps, a1, file, bid);
	*l0 = cprof__profile_add_location(p, m, a0, NULL, 0);
	*l1 = cprof__profile_add_location(p, m1, a1, NULL, 0);
}

static void test_lib_inprocess(cprof__symbolizer *s, const char *maps)
{
	cprof__profile p;
	uint64_t l0, l1;
	lib_profile(&p, maps, NULL, NULL, &l0, &l1);
	cprof__buf notes;
	cprof__buf_init(&notes, 1 << 20);
	int rc = cprof__symbolize_profile(s, &p, &notes);
	ok(rc == 0, "lib_rc", "rc %d, notes: %s", rc, notes_str(&notes));
	char want[512];
	snprintf(want, sizeof(want), "sym_lib_inl sym_lib.c:%d; sym_lib_work sym_lib.c:%d",
		 marker("sym_lib.c", "lib_inl"), marker("sym_lib.c", "lib_work_calls_inl"));
	expect(&p, l0, "lib_inline_frames", want);
	snprintf(want, sizeof(want), "sym_lib_work sym_lib.c:%d", marker("sym_lib.c", "lib_work"));
	expect(&p, l1, "lib_noinline", want);
	const cprof__mapping *m = &p.mapping.v[p.location.v[l0 - 1].mapping_id - 1];
	ok(m->has_functions && m->has_filenames && m->has_line_numbers && m->has_inline_frames,
	   "lib_flags", "%d %d %d %d", m->has_functions, m->has_filenames, m->has_line_numbers,
	   m->has_inline_frames);
	ok(notes.len == 0, "lib_no_notes", "%s", notes_str(&notes));

	/* Functions are shared: l0's physical frame is l1's function, and a
	 * second run adds nothing (locations already have lines). */
	const cprof__line *a = cprof__location_lines(&p, &p.location.v[l0 - 1]);
	const cprof__line *b = cprof__location_lines(&p, &p.location.v[l1 - 1]);
	ok(p.location.v[l0 - 1].nline == 2 && a[1].function_id == b[0].function_id &&
	   p.function.n == 2, "lib_function_dedup", "%zu functions", p.function.n);
	size_t nf = p.function.n;
	uint64_t l2 = cprof__profile_add_location(&p, p.location.v[l1 - 1].mapping_id,
						 p.location.v[l1 - 1].address, NULL, 0);
	rc = cprof__symbolize_profile(s, &p, &notes);
	ok(rc == 0 && p.location.v[l2 - 1].nline == 0 && p.function.n == nf, "lib_symbolised_mapping_left_alone",
	   "rc %d nline %u", rc, p.location.v[l2 - 1].nline);
	cprof__profile_free(&p);
	cprof__buf_free(&notes);

	/* Functions already in the profile are reused. */
	lib_profile(&p, maps, NULL, NULL, &l0, &l1);
	char real[4096];
	rc = cprof__symbolize_profile(s, &p, NULL);
	uint64_t fid = cprof__location_lines(&p, &p.location.v[l1 - 1])[0].function_id;
	cprof__profile q;
	cprof__profile_init(&q);
	const cprof__function *f = &p.function.v[fid - 1];
	snprintf(real, sizeof(real), "%s", cprof__profile_string(&p, f->filename));
	uint64_t qf = cprof__profile_add_function(&q, cprof__profile_string(&p, f->name),
						 cprof__profile_string(&p, f->system_name), real, 0);
	uint64_t a1 = p.location.v[l1 - 1].address;
	uint64_t qm = add_map(&q, maps, a1, NULL, NULL);
	uint64_t ql = cprof__profile_add_location(&q, qm, a1, NULL, 0);
	rc = cprof__symbolize_profile(s, &q, NULL);
	ok(rc == 0 && q.function.n == 1 &&
	   cprof__location_lines(&q, &q.location.v[ql - 1])[0].function_id == qf,
	   "existing_function_reused", "rc %d, %zu functions", rc, q.function.n);
	cprof__profile_free(&q);
	cprof__profile_free(&p);
}

/* Lean mode with cprof__symbolizer_set_self on the fixture library (which
 * has DWARF): it is named from its symbol table, as the runtime names
 * libcprof itself; in lean mode without it, it keeps its lines. */
static void test_lib_self(const char *maps)
{
	for (int self = 0; self < 2; self++) {
		cprof__symbolizer *s = cprof__symbolizer_new(NULL);
		cprof__symbolizer_set_lean(s, true);
		cprof__symbolizer_set_transient(s, true);
		if (self)
			cprof__symbolizer_set_self(s, lib_addr[1]);
		cprof__profile p;
		uint64_t l0, l1;
		lib_profile(&p, maps, NULL, NULL, &l0, &l1);
		int rc = cprof__symbolize_profile(s, &p, NULL);
		char want[512];
		if (self)
			snprintf(want, sizeof(want), "sym_lib_work :0");
		else
			snprintf(want, sizeof(want), "sym_lib_work sym_lib.c:%d",
				 marker("sym_lib.c", "lib_work"));
		ok(rc == 0, self ? "lean_self_rc" : "lean_not_self_rc", "rc %d", rc);
		expect(&p, l1, self ? "lean_self_symbols_only" : "lean_not_self_has_lines", want);
		cprof__profile_free(&p);
		cprof__symbolizer_free(s);
	}
}

static void test_lib_stripped(cprof__symbolizer *s, const char *maps, const char *sub,
			      const char *name)
{
	char file[512];
	snprintf(file, sizeof(file), "%s/%s/libsym_lib.so", dir, sub);
	cprof__profile p;
	uint64_t l0, l1;
	/* Build id from the original: strip keeps it. */
	char orig[512], id[300];
	snprintf(orig, sizeof(orig), "%s/libsym_lib.so", dir);
	build_id(orig, id, sizeof(id));
	lib_profile(&p, maps, file, id, &l0, &l1);
	cprof__buf notes;
	cprof__buf_init(&notes, 1 << 20);
	int rc = cprof__symbolize_profile(s, &p, &notes);
	char n1[128];
	snprintf(n1, sizeof(n1), "%s_rc", name);
	ok(rc == 0, n1, "rc %d, notes: %s", rc, notes_str(&notes));
	snprintf(n1, sizeof(n1), "%s_names_no_lines", name);
	expect(&p, l0, n1, "sym_lib_work :0");
	const cprof__mapping *m = &p.mapping.v[p.location.v[l0 - 1].mapping_id - 1];
	snprintf(n1, sizeof(n1), "%s_flags", name);
	ok(m->has_functions && !m->has_filenames && !m->has_line_numbers && !m->has_inline_frames,
	   n1, "%d %d %d %d", m->has_functions, m->has_filenames, m->has_line_numbers,
	   m->has_inline_frames);
	cprof__profile_free(&p);
	cprof__buf_free(&notes);
}

static void test_binary_path(const char *maps)
{
	/* The mapping names the stripped copy; the full one is in dbg/. */
	char file[512], path[1200], id[300], orig[512];
	snprintf(file, sizeof(file), "%s/stripped/libsym_lib.so", dir);
	snprintf(orig, sizeof(orig), "%s/libsym_lib.so", dir);
	build_id(orig, id, sizeof(id));
	snprintf(path, sizeof(path), "/nonexistent:%s/dbg", dir);
	cprof__symbolizer *s = cprof__symbolizer_new(path);
	cprof__profile p;
	uint64_t l0, l1;
	lib_profile(&p, maps, file, id, &l0, &l1);
	int rc = cprof__symbolize_profile(s, &p, NULL);
	char want[512];
	snprintf(want, sizeof(want), "sym_lib_work sym_lib.c:%d", marker("sym_lib.c", "lib_work"));
	ok(rc == 0, "binary_path_rc", "rc %d", rc);
	expect(&p, l1, "binary_path_found", want);
	cprof__profile_free(&p);

	/* The full copy under a missing path with the right build id. */
	snprintf(file, sizeof(file), "/gone/away/libsym_lib.so");
	lib_profile(&p, maps, file, id, &l0, &l1);
	rc = cprof__symbolize_profile(s, &p, NULL);
	ok(rc == 0, "binary_path_basename_rc", "rc %d", rc);
	expect(&p, l1, "binary_path_basename", want);
	cprof__profile_free(&p);
	cprof__symbolizer_free(s);
}

static void test_missing_and_mismatch(cprof__symbolizer *s, const char *maps)
{
	cprof__profile p;
	uint64_t l0, l1;
	lib_profile(&p, maps, "/nonexistent/dir/libnothere.so", "deadbeef", &l0, &l1);
	cprof__buf notes;
	cprof__buf_init(&notes, 1 << 20);
	int rc = cprof__symbolize_profile(s, &p, &notes);
	const char *n = notes_str(&notes);
	ok(rc == 2 && p.location.v[l0 - 1].nline == 0 && p.location.v[l1 - 1].nline == 0 &&
	   !p.mapping.v[0].has_functions, "missing_unsymbolised", "rc %d", rc);
	ok(strstr(n, "no symbols for /nonexistent/dir/libnothere.so (build id deadbeef): ") == n &&
	   strchr(n, '\n') == n + strlen(n) - 1, "missing_one_note", "notes: \"%s\"", n);
	cprof__profile_free(&p);
	cprof__buf_free(&notes);

	cprof__buf_init(&notes, 1 << 20);
	lib_profile(&p, maps, NULL, "0011223344556677", &l0, &l1);
	rc = cprof__symbolize_profile(s, &p, &notes);
	n = notes_str(&notes);
	ok(rc == 2 && p.location.v[l0 - 1].nline == 0, "mismatch_unsymbolised", "rc %d", rc);
	ok(strstr(n, "(build id 0011223344556677): build id mismatch") != NULL, "mismatch_note",
	   "notes: \"%s\"", n);
	cprof__profile_free(&p);
	cprof__buf_free(&notes);

	/* Pseudo mappings: skipped silently. */
	cprof__profile_init(&p);
	cprof__mapping m = {.start = 0x1000, .limit = 0x2000, .file = cprof__profile_str(&p, "[vdso]")};
	uint64_t mid = cprof__profile_add_mapping(&p, &m);
	cprof__profile_add_location(&p, mid, 0x1100, NULL, 0);
	cprof__profile_add_location(&p, 0, 0x1234, NULL, 0);
	cprof__buf_init(&notes, 1 << 20);
	rc = cprof__symbolize_profile(s, &p, &notes);
	ok(rc == 2 && notes.len == 0, "vdso_silent", "rc %d notes %s", rc, notes_str(&notes));
	cprof__profile_free(&p);
	cprof__buf_free(&notes);
}

static void corrupt_one(const char *maps, const char *file, const char *name, bool want_note,
			bool lean)
{
	cprof__symbolizer *s = cprof__symbolizer_new(NULL);
	cprof__symbolizer_set_lean(s, lean);
	cprof__profile p;
	uint64_t l0, l1;
	lib_profile(&p, maps, file, "", &l0, &l1);
	cprof__buf notes;
	cprof__buf_init(&notes, 1 << 20);
	int rc = cprof__symbolize_profile(s, &p, &notes);
	const char *n = notes_str(&notes);
	if (want_note)
		ok(rc == 2 && strstr(n, "no symbols for ") == n, name, "rc %d notes \"%s\"", rc, n);
	else
		ok(rc >= 0 && rc <= 2, name, "rc %d", rc);
	cprof__profile_free(&p);
	cprof__buf_free(&notes);
	cprof__symbolizer_free(s);
}

/* Corrupt copies of the fixture library (sub: "" the one with DWARF, read
 * by libdw; "stripped/" its symbol table only, read by elfread.c in lean
 * mode). */
static void test_corrupt(const char *maps, const char *sub, bool lean)
{
	char orig[512], file[600];
	const char *tag = lean ? "lean_" : "";
	snprintf(orig, sizeof(orig), "%s/%slibsym_lib.so", dir, sub);
	size_t len;
	char *data = slurp(orig, &len);
	if (!data) {
		ok(false, "corrupt_setup", "cannot read %s", orig);
		return;
	}
	/* Truncations: the header, the program headers, half, almost all. */
	size_t cuts[] = {16, 64, 200, 1000, len / 2, len - 64};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(cuts); i++) {
		snprintf(file, sizeof(file), "%s/trunc%zu.so", dir, i);
		FILE *f = fopen(file, "wb");
		fwrite(data, 1, cuts[i], f);
		fclose(f);
		char name[64];
		snprintf(name, sizeof(name), "%struncated_%zu_bytes", tag, cuts[i]);
		corrupt_one(maps, file, name, i < 4, lean);
	}
	/* Random byte flips anywhere (headers, DWARF, tables): no crash. */
	srand(42);
	int survived = 0;
	for (int k = 0; k < 40; k++) {
		char *c = malloc(len);
		memcpy(c, data, len);
		for (int j = 0; j < 64; j++)
			c[(size_t)rand() % len] = (char)rand();
		snprintf(file, sizeof(file), "%s/flip%d.so", dir, k);
		FILE *f = fopen(file, "wb");
		fwrite(c, 1, len, f);
		fclose(f);
		free(c);
		cprof__symbolizer *s = cprof__symbolizer_new(NULL);
		cprof__symbolizer_set_lean(s, lean);
		cprof__profile p;
		uint64_t l0, l1;
		lib_profile(&p, maps, file, "", &l0, &l1);
		cprof__buf notes;
		cprof__buf_init(&notes, 1 << 20);
		int rc = cprof__symbolize_profile(s, &p, &notes);
		survived += rc >= 0;
		cprof__profile_free(&p);
		cprof__buf_free(&notes);
		cprof__symbolizer_free(s);
	}
	char name[64];
	snprintf(name, sizeof(name), "%sbyte_flips_no_crash", tag);
	ok(survived == 40, name, "%d/40", survived);
	free(data);
}

/* Why a libc debug-info case cannot run: ADDR is not in libc (under TSan a
 * thread starts in libtsan: n/a), or libc6-dbg is not installed (a skip). */
static void no_libc_dbg(const char *name, const char *maps, uint64_t addr)
{
	for (const char *l = maps; l && *l;) {
		unsigned long long lo, hi;
		char path[1024] = "";
		if (sscanf(l, "%llx-%llx %*s %*s %*s %*s %1023[^\n]", &lo, &hi, path) == 3 &&
		    addr >= lo && addr < hi) {
			if (!strstr(path, "/libc.so")) {
				NA(name, "the address is in %s, not libc", path);
				return;
			}
			break;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	SKIP(name, "libc6-dbg not installed (scripts/deps.sh installs it)");
}

/* libc's separate debug info (Debian libc6-dbg) must be installed. */
static bool have_libc_dbg(const char *maps, uint64_t addr)
{
	for (const char *l = maps; l && *l;) {
		unsigned long long lo, hi;
		char path[1024] = "";
		if (sscanf(l, "%llx-%llx %*s %*s %*s %*s %1023[^\n]", &lo, &hi, path) == 3 &&
		    addr >= lo && addr < hi) {
			char id[300], dbg[600];
			build_id(path, id, sizeof(id));
			snprintf(dbg, sizeof(dbg), "/usr/lib/debug/.build-id/%.2s/%s.debug", id,
				 id[0] ? id + 2 : "");
			return id[0] && access(dbg, R_OK) == 0;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return false;
}

static bool name_at(const cprof__profile *p, uint64_t loc, const char *want_fn,
		    const char *want_file, bool *has_line)
{
	const cprof__location *l = &p->location.v[loc - 1];
	if (!l->nline)
		return false;
	const cprof__line *ln = cprof__location_lines(p, l);
	const cprof__function *f = &p->function.v[ln[l->nline - 1].function_id - 1];
	const char *file = cprof__profile_string(p, f->filename);
	const char *base = strrchr(file, '/');
	*has_line = ln[l->nline - 1].line > 0;
	return !strcmp(cprof__profile_string(p, f->name), want_fn) &&
	       (!want_file || !strcmp(base ? base + 1 : file, want_file));
}

static void test_prog(cprof__symbolizer *s, const char *prog)
{
	char *out = run_prog(prog);
	char name[128];
	snprintf(name, sizeof(name), "%s_runs", prog);
	ok(out != NULL, name, "fixture failed");
	if (!out)
		return;
	const char *maps = strstr(out, "maps\n");
	cprof__profile p;
	cprof__profile_init(&p);
	uint64_t a[4];
	uint64_t loc[4];
	const char *keys[4] = {"prog_inl", "prog_work", "start_thread", "libc_main"};
	for (int i = 0; i < 4; i++) {
		a[i] = out_addr(out, keys[i]) - 1;
		loc[i] = cprof__profile_add_location(&p, add_map(&p, maps, a[i], NULL, NULL), a[i],
						    NULL, 0);
	}
	cprof__buf notes;
	cprof__buf_init(&notes, 1 << 20);
	int rc = cprof__symbolize_profile(s, &p, &notes);
	snprintf(name, sizeof(name), "%s_rc", prog);
	ok(rc == 0, name, "rc %d notes %s", rc, notes_str(&notes));
	char want[512];
	snprintf(want, sizeof(want), "prog_inl sym_prog.c:%d; prog_work sym_prog.c:%d",
		 marker("sym_prog.c", "prog_inl"), marker("sym_prog.c", "prog_work_calls_inl"));
	snprintf(name, sizeof(name), "%s_inline_frames", prog);
	expect(&p, loc[0], name, want);
	snprintf(want, sizeof(want), "prog_work sym_prog.c:%d", marker("sym_prog.c", "prog_work"));
	snprintf(name, sizeof(name), "%s_noinline", prog);
	expect(&p, loc[1], name, want);
	snprintf(name, sizeof(name), "%s_libc_debuginfo", prog);
	if (!have_libc_dbg(maps, a[2])) {
		no_libc_dbg(name, maps, a[2]);
	} else {
		bool l1 = false, l2 = false;
		bool st = name_at(&p, loc[2], "start_thread", "pthread_create.c", &l1);
		bool lm = name_at(&p, loc[3], "__libc_start_call_main", NULL, &l2);
		char d1[512], d2[512];
		describe(&p, loc[2], d1, sizeof(d1));
		describe(&p, loc[3], d2, sizeof(d2));
		ok(st && lm && l1 && l2, name, "got \"%s\" and \"%s\"", d1, d2);
	}
	cprof__profile_free(&p);
	cprof__buf_free(&notes);
	free(out);
}

static void test_cxx(cprof__symbolizer *s)
{
	char *out = run_prog("cxx");
	ok(out != NULL, "cxx_runs", "fixture failed");
	if (!out)
		return;
	const char *maps = strstr(out, "maps\n");
	cprof__profile p;
	cprof__profile_init(&p);
	uint64_t a = out_addr(out, "method") - 1;
	uint64_t loc = cprof__profile_add_location(&p, add_map(&p, maps, a, NULL, NULL), a, NULL, 0);
	int rc = cprof__symbolize_profile(s, &p, NULL);
	char want[256];
	snprintf(want, sizeof(want), "ns::Klass::method(int) sym_cxx.cc:%d",
		 marker("sym_cxx.cc", "method"));
	ok(rc == 0, "cxx_rc", "rc %d", rc);
	if (expect(&p, loc, "cxx_demangled", want)) {
		const cprof__line *ln = cprof__location_lines(&p, &p.location.v[loc - 1]);
		const cprof__function *f = &p.function.v[ln[0].function_id - 1];
		ok(!strcmp(cprof__profile_string(&p, f->system_name), "_ZN2ns5Klass6methodEi"),
		   "cxx_system_name_mangled", "got %s", cprof__profile_string(&p, f->system_name));
	}
	cprof__profile_free(&p);
	free(out);
}

/* In this very process, as the runtime does it: a function of the test
 * executable, and libc's start_thread via a thread of ours. */
static void *self_addr;
static void *thread_ra;

__attribute__((noinline)) static void self_record(void)
{
	self_addr = __builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
}

static int self_caller_line;

__attribute__((noinline)) static void self_caller(void)
{
	self_caller_line = __LINE__; self_record(); /* the same line */
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) static void *thread_fn(void *arg)
{
	thread_ra = __builtin_return_address(0);
	__asm__ volatile("" ::: "memory");
	return arg;
}

static void test_self(cprof__symbolizer *s)
{
	self_caller();
	pthread_t t;
	pthread_create(&t, NULL, thread_fn, NULL);
	pthread_join(t, NULL);
	char *maps = self_maps();
	cprof__profile p;
	cprof__profile_init(&p);
	uint64_t a = (uint64_t)(uintptr_t)self_addr - 1, b = (uint64_t)(uintptr_t)thread_ra - 1;
	uint64_t la = cprof__profile_add_location(&p, add_map(&p, maps, a, NULL, NULL), a, NULL, 0);
	uint64_t lb = cprof__profile_add_location(&p, add_map(&p, maps, b, NULL, NULL), b, NULL, 0);
	int rc = cprof__symbolize_profile(s, &p, NULL);
	char want[256];
	snprintf(want, sizeof(want), "self_caller test_symbolize.c:%d", self_caller_line);
	ok(rc == 0, "self_rc", "rc %d", rc);
	expect(&p, la, "self_executable", want);
	if (have_libc_dbg(maps, b)) {
		bool line = false;
		char d[512];
		describe(&p, lb, d, sizeof(d));
		ok(name_at(&p, lb, "start_thread", "pthread_create.c", &line) && line,
		   "self_libc_start_thread", "got \"%s\"", d);
	} else {
		no_libc_dbg("self_libc_start_thread", maps, b);
	}
	cprof__profile_free(&p);

	/* Lean (the runtime's default): the executable's own DWARF still gives
	 * file and line; libc, whose DWARF is in libc6-dbg's separate file, is
	 * named from the symbol table, without a file or line. */
	cprof__profile_init(&p);
	la = cprof__profile_add_location(&p, add_map(&p, maps, a, NULL, NULL), a, NULL, 0);
	lb = cprof__profile_add_location(&p, add_map(&p, maps, b, NULL, NULL), b, NULL, 0);
	cprof__symbolizer *lean = cprof__symbolizer_new(NULL);
	cprof__symbolizer_set_lean(lean, true);
	rc = cprof__symbolize_profile(lean, &p, NULL);
	ok(rc == 0, "lean_rc", "rc %d", rc);
	expect(&p, la, "lean_executable_has_lines", want);
	if (have_libc_dbg(maps, b)) { /* (under TSan, b is in libtsan) */
		bool line = true;
		char d[512];
		describe(&p, lb, d, sizeof(d));
		ok(name_at(&p, lb, "start_thread", "", &line) && !line, "lean_libc_names_only",
		   "got \"%s\"", d);
	} else {
		no_libc_dbg("lean_libc_names_only", maps, b);
	}
	/* .symtab aliases with a symbol version lose it:
	 * __libc_start_main@@GLIBC_2.34 is named __libc_start_main. */
	void *lsm = dlsym(RTLD_DEFAULT, "__libc_start_main");
	if (lsm) {
		uint64_t c = (uint64_t)(uintptr_t)lsm + 1;
		uint64_t lc = cprof__profile_add_location(&p, add_map(&p, maps, c, NULL, NULL), c,
							 NULL, 0);
		rc = cprof__symbolize_profile(lean, &p, NULL);
		char d[512];
		describe(&p, lc, d, sizeof(d));
		bool line;
		ok(rc == 0 && name_at(&p, lc, "__libc_start_main", NULL, &line),
		   "lean_symbol_version_stripped", "got \"%s\"", d);
	}
	cprof__symbolizer_free(lean);
	cprof__profile_free(&p);

	/* libc gone from its path: its /usr/lib/debug/.build-id file stands in. */
	if (have_libc_dbg(maps, b)) {
		cprof__profile_init(&p);
		char id[300] = "";
		for (const char *l = maps; l && *l;) {
			unsigned long long lo, hi;
			char path[1024] = "";
			if (sscanf(l, "%llx-%llx %*s %*s %*s %*s %1023[^\n]", &lo, &hi, path) == 3 &&
			    b >= lo && b < hi)
				build_id(path, id, sizeof(id));
			l = strchr(l, '\n');
			if (l)
				l++;
		}
		lb = cprof__profile_add_location(&p, add_map(&p, maps, b, "/gone/libc.so.6", id), b,
						NULL, 0);
		cprof__symbolizer *s2 = cprof__symbolizer_new(NULL);
		rc = cprof__symbolize_profile(s2, &p, NULL);
		bool line = false;
		char d[512];
		describe(&p, lb, d, sizeof(d));
		ok(rc == 0 && name_at(&p, lb, "start_thread", "pthread_create.c", &line) && line,
		   "debug_file_stands_in_for_missing_binary", "rc %d got \"%s\"", rc, d);
		cprof__symbolizer_free(s2);
		cprof__profile_free(&p);
	} else {
		no_libc_dbg("debug_file_stands_in_for_missing_binary", maps, b);
	}
	free(maps);
}

/* The vDSO, from this process's in-memory image. */
static void test_vdso(cprof__symbolizer *s)
{
	void *h = dlopen("linux-vdso.so.1", RTLD_NOW | RTLD_NOLOAD);
	void *fn = h ? dlsym(h, "__vdso_clock_gettime") : NULL;
	if (!fn) {
		SKIP("vdso_named", "no vDSO");
		return;
	}
	char *maps = self_maps();
	uint64_t a = (uint64_t)(uintptr_t)fn + 4;
	/* The vDSO's build id, as the runtime records it. */
	char id[300] = "";
	{
		char path[512];
		snprintf(path, sizeof(path), "%s/vdso.so", dir);
		unsigned long long lo = 0, hi = 0;
		const char *l = strstr(maps, "[vdso]");
		while (l && l > maps && l[-1] != '\n')
			l--;
		if (l && sscanf(l, "%llx-%llx", &lo, &hi) == 2) {
			FILE *f = fopen(path, "wb");
			fwrite((void *)(uintptr_t)lo, 1, (size_t)(hi - lo), f);
			fclose(f);
			build_id(path, id, sizeof(id));
		}
	}
	for (int k = 0; k < 3; k++) {
		cprof__profile p;
		cprof__profile_init(&p);
		uint64_t mid = add_map(&p, maps, a, NULL, k == 0 ? "" : k == 1 ? id : "0123456789");
		uint64_t loc = cprof__profile_add_location(&p, mid, a, NULL, 0);
		cprof__buf notes;
		cprof__buf_init(&notes, 1 << 20);
		int rc = cprof__symbolize_profile(s, &p, &notes);
		char d[512];
		describe(&p, loc, d, sizeof(d));
		if (k < 2)
			ok(rc == 0 && strstr(d, "clock_gettime") && notes.len == 0,
			   k ? "vdso_named_by_build_id" : "vdso_named_same_process", "rc %d got \"%s\"",
			   rc, d);
		else
			ok(rc == 1 && notes.len == 0 && !d[0], "vdso_other_kernel_silent",
			   "rc %d got \"%s\" notes %s", rc, d, notes_str(&notes));
		cprof__profile_free(&p);
		cprof__buf_free(&notes);
	}
	free(maps);
}

/* Many addresses in libc's text: every one resolves, and the time is shown
 * (never asserted: tests don't assert on wall-clock time). */
static void test_many_libc(void)
{
	char *maps = self_maps();
	uint64_t lo = 0, hi = 0, off = 0;
	char path[1024] = "";
	for (const char *l = maps; l && *l;) {
		unsigned long long a, b, o;
		char perms[8], f[1024] = "";
		if (sscanf(l, "%llx-%llx %7s %llx %*s %*s %1023[^\n]", &a, &b, perms, &o, f) == 5 &&
		    perms[2] == 'x' && strstr(f, "/libc.so.6")) {
			lo = a, hi = b, off = o;
			snprintf(path, sizeof(path), "%s", f);
			break;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	if (!lo) {
		SKIP("many_libc_addresses", "no libc mapping");
		free(maps);
		return;
	}
	char id[300];
	build_id(path, id, sizeof(id));
	cprof__symbolizer *s = cprof__symbolizer_new(NULL);
	enum { N = 100000 };
	uint64_t step = (hi - lo) / N;
	/* Twice with one symbolizer: cold (opens libc and its debug info),
	 * then warm (cached file, CU indexes and line tables). */
	for (int pass = 0; pass < 2; pass++) {
		cprof__profile p;
		cprof__profile_init(&p);
		cprof__mapping m = {.start = lo, .limit = hi, .offset = off};
		m.file = cprof__profile_str(&p, path);
		m.build_id = cprof__profile_str(&p, id);
		uint64_t mid = cprof__profile_add_mapping(&p, &m);
		for (uint64_t i = 0; i < N; i++)
			cprof__profile_add_location(&p, mid, lo + i * (step ? step : 1) + (uint64_t)pass,
						   NULL, 0);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int rc = cprof__symbolize_profile(s, &p, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		printf("# %d libc addresses symbolised in %.0f ms, %s (%d unresolved, %zu functions)\n",
		       N, ms, pass ? "warm" : "cold", rc, p.function.n);
		/* Uniform addresses hit padding between functions and the PLT,
		 * which have no symbol; nearly all others must resolve. */
		ok(rc >= 0 && rc < N / 20 && p.mapping.v[0].has_line_numbers,
		   pass ? "many_libc_addresses_warm" : "many_libc_addresses", "rc %d", rc);
		cprof__profile_free(&p);
	}
	cprof__symbolizer_free(s);
	free(maps);
}

/* Lean mode names binaries without their own DWARF with elfread.c, not
 * libdw: every executable mapping of this process without DWARF (libc with
 * libc6-dbg's .symtab, libz, libelf...), sampled at N addresses (dense: 4000;
 * sparse: 37, where a batch keeps few symbols), is named exactly as libdw's
 * symbol table names it. */
static void test_elfread_same(const char *maps, uint64_t N)
{
	int files = 0, addrs = 0, named = 0, differ = 0;
	char first[1536] = "";
	for (const char *l = maps; l && *l;) {
		unsigned long long lo, hi, off;
		char perms[8], f[1024] = "";
		int k = sscanf(l, "%llx-%llx %7s %llx %*s %*s %1023[^\n]", &lo, &hi, perms, &off, f);
		l = strchr(l, '\n');
		if (l)
			l++;
		if (k != 5 || perms[2] != 'x' || f[0] != '/')
			continue;
		char id[300];
		build_id(f, id, sizeof(id));
		/* p[0]: elfread, transient (a binary's locations in one batch:
		 * only the symbols they can reach are loaded); p[1]: libdw;
		 * p[2]: elfread, one location at a time (the whole table). */
		cprof__profile p[3];
		for (int w = 0; w < 3; w++) {
			cprof__profile_init(&p[w]);
			cprof__mapping m = {.start = lo, .limit = hi, .offset = off};
			m.file = cprof__profile_str(&p[w], f);
			m.build_id = cprof__profile_str(&p[w], id);
			uint64_t mid = cprof__profile_add_mapping(&p[w], &m);
			for (uint64_t i = 0; i < N; i++)
				cprof__profile_add_location(&p[w], mid, lo + i * ((hi - lo) / N) + i % 7,
							   NULL, 0);
			cprof__symbolizer *s = cprof__symbolizer_new(NULL);
			cprof__symbolizer_set_lean(s, true);
			cprof__symbolizer_set_transient(s, w < 2);
			cprof__symbolizer_set_elfread(s, w != 1);
			cprof__symbolize_profile(s, &p[w], NULL);
			cprof__symbolizer_free(s);
		}
		if (!p[0].mapping.v[0].has_inline_frames && !p[1].mapping.v[0].has_inline_frames) {
			files++;
			for (uint64_t i = 1; i <= N; i++) {
				char a[512], b[512], c[512];
				describe(&p[0], i, a, sizeof(a));
				describe(&p[1], i, b, sizeof(b));
				describe(&p[2], i, c, sizeof(c));
				addrs++;
				named += a[0] != 0;
				if ((strcmp(a, b) != 0 || strcmp(c, b) != 0) && differ++ == 0)
					snprintf(first, sizeof(first), "%.300s+%#llx: elfread \"%.300s\" (whole table \"%.300s\"), libdw \"%.300s\"",
						 f, (unsigned long long)(i - 1), a, c, b);
			}
		}
		for (int w = 0; w < 3; w++)
			cprof__profile_free(&p[w]);
	}
	printf("# elfread against libdw: %d files, %d addresses, %d named\n", files, addrs, named);
	ok(files >= 2 && named > addrs / 2 && differ == 0,
	   N > 100 ? "elfread_names_as_libdw" : "elfread_names_as_libdw_sparse",
	   "%d files, %d of %d addresses named, %d differ; first: %s", files, named, addrs, differ,
	   first);
}

/* With DEBUGINFOD_URLS set, libdw would ask servers for missing debug info
 * (and write $HOME/.cache) from inside the profiled process: the symbolizer
 * must search locally only.  Runs this test again in a child with it set. */
static void test_no_debuginfod(void)
{
	char self[512], cache[600];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		ok(false, "debuginfod_child", "readlink: %s", strerror(errno));
		return;
	}
	self[n] = 0;
	fflush(stdout);
	int rc = run("HOME=%s DEBUGINFOD_URLS=http://127.0.0.1:9 DEBUGINFOD_TIMEOUT=2 "
		     "CPROF_SYM_CHILD=%s %s",
		     dir, dir, self);
	snprintf(cache, sizeof(cache), "%s/.cache/debuginfod_client", dir);
	ok(rc == 0, "debuginfod_child", "child failed (%d)", rc);
	ok(access(cache, F_OK) != 0, "debuginfod_not_used", "%s exists", cache);
}

int main(void)
{
	root = getenv("CPROF_ROOT");
	if (!root)
		root = ".";
	const char *child = getenv("CPROF_SYM_CHILD");
	if (child) {
		/* The child run of test_no_debuginfod: fixtures already built. */
		prefix = "debuginfod_set_";
		snprintf(dir, sizeof(dir), "%s", child);
		cprof__symbolizer *s = cprof__symbolizer_new(NULL);
		test_prog(s, "prog_pie");
		char *maps = (load_lib(), self_maps());
		test_lib_stripped(s, maps, "stripped", "symtab_only");
		free(maps);
		cprof__symbolizer_free(s);
		return failures ? 1 : 0;
	}
	snprintf(dir, sizeof(dir), "%s/cprof-sym.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		printf("not ok setup: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	bool built = build_fixtures();
	ok(built, "fixtures_build", "compiling tests/progs/sym_* with %s failed", cc());
	if (!built || !load_lib()) {
		ok(false, "fixture_lib_loads", "%s", dlerror());
		run("rm -rf %s", dir);
		return 1;
	}
	char *maps = self_maps();
	cprof__symbolizer *s = cprof__symbolizer_new(NULL);
	test_lib_inprocess(s, maps);
	test_lib_self(maps);
	test_lib_stripped(s, maps, "stripped", "symtab_only");
	test_lib_stripped(s, maps, "dynsym", "dynsym_only");
	test_binary_path(maps);
	test_missing_and_mismatch(s, maps);
	test_corrupt(maps, "", false);
	test_corrupt(maps, "stripped/", true);
	test_elfread_same(maps, 4000);
	test_elfread_same(maps, 37);
	test_prog(s, "prog_pie");
	test_prog(s, "prog_nopie");
	test_cxx(s);
	test_self(s);
	test_vdso(s);
	cprof__symbolizer_free(s);
	test_no_debuginfod();
	test_many_libc();
	free(maps);
	run("rm -rf %s", dir);
	return failures ? 1 : 0;
}
