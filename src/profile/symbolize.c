/*
 * symbolize.c — addresses to functions/files/lines with elfutils libdwfl.
 * See symbolize.h for the contract and docs/SYMBOLIZATION.md for the design:
 *
 *   mapping (file, build id) --find_file--> one Dwfl per binary (cached)
 *   runtime address --PT_LOAD--> ELF virtual address (module bias is 0)
 *   ELF address --dwfl_module_addrdie--> CU --per-CU function index-->
 *     subprogram DIE --descent--> inlined_subroutine chain --> Lines
 *   no DWARF: the sorted function symbols (.symtab, else .dynsym) --> name
 *   lean mode, a binary without its own DWARF: elfread.c instead of libdw
 */
#include "compat.h"
#include "profile/symbolize.h"
#include "profile/demangle.h"
#include "profile/dwlib.h"
#include "profile/elfread.h"
#include "base/hash.h"
#include "base/u64map.h"

#include <dwarf.h>
#include <errno.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* libdw and libelf are reached through cprof__dw (dwlib.h): loaded by
 * cprof__symbolizer_new, unloaded by cprof__symbolizer_free. */
#define dwarf_attr (*cprof__dw.dwarf_attr)
#define dwarf_attr_integrate (*cprof__dw.dwarf_attr_integrate)
#define dwarf_child (*cprof__dw.dwarf_child)
#define dwarf_decl_file (*cprof__dw.dwarf_decl_file)
#define dwarf_decl_line (*cprof__dw.dwarf_decl_line)
#define dwarf_filesrc (*cprof__dw.dwarf_filesrc)
#define dwarf_formstring (*cprof__dw.dwarf_formstring)
#define dwarf_formudata (*cprof__dw.dwarf_formudata)
#define dwarf_getsrc_die (*cprof__dw.dwarf_getsrc_die)
#define dwarf_getsrcfiles (*cprof__dw.dwarf_getsrcfiles)
#define dwarf_lineno (*cprof__dw.dwarf_lineno)
#define dwarf_linesrc (*cprof__dw.dwarf_linesrc)
#define dwarf_nextcu (*cprof__dw.dwarf_nextcu)
#define dwarf_offdie (*cprof__dw.dwarf_offdie)
#define dwarf_ranges (*cprof__dw.dwarf_ranges)
#define dwarf_siblingof (*cprof__dw.dwarf_siblingof)
#define dwarf_tag (*cprof__dw.dwarf_tag)
#define dwelf_elf_gnu_build_id (*cprof__dw.dwelf_elf_gnu_build_id)
#define dwfl_begin (*cprof__dw.dwfl_begin)
#define dwfl_build_id_find_debuginfo (*cprof__dw.dwfl_build_id_find_debuginfo)
#define dwfl_end (*cprof__dw.dwfl_end)
#define dwfl_errmsg (*cprof__dw.dwfl_errmsg)
#define dwfl_module_addrdie (*cprof__dw.dwfl_module_addrdie)
#define dwfl_module_build_id (*cprof__dw.dwfl_module_build_id)
#define dwfl_module_getdwarf (*cprof__dw.dwfl_module_getdwarf)
#define dwfl_module_getelf (*cprof__dw.dwfl_module_getelf)
#define dwfl_module_getsym_info (*cprof__dw.dwfl_module_getsym_info)
#define dwfl_module_getsymtab (*cprof__dw.dwfl_module_getsymtab)
#define dwfl_offline_section_address (*cprof__dw.dwfl_offline_section_address)
#define dwfl_report_begin (*cprof__dw.dwfl_report_begin)
#define dwfl_report_elf (*cprof__dw.dwfl_report_elf)
#define dwfl_report_end (*cprof__dw.dwfl_report_end)
#define elf_begin (*cprof__dw.elf_begin)
#define elf_end (*cprof__dw.elf_end)
#define elf_getphdrnum (*cprof__dw.elf_getphdrnum)
#define elf_getshdrstrndx (*cprof__dw.elf_getshdrstrndx)
#define elf_nextscn (*cprof__dw.elf_nextscn)
#define elf_strptr (*cprof__dw.elf_strptr)
#define gelf_getphdr (*cprof__dw.gelf_getphdr)
#define gelf_getshdr (*cprof__dw.gelf_getshdr)

#define MAX_FRAMES 64    /* inline frames kept per address (innermost first) */
#define MAX_NEST 96      /* DIE nesting depth walked (corrupt DWARF guard) */
#define MAX_BUILD_ID 128 /* hex digits */

/* ---- pointer-keyed maps (libc's memory) ------------------------------ */

/* The value of k, NULL when absent. */
static void *ptrmap_get(const cprof__u64map *m, const void *k)
{
	return (void *)(uintptr_t)cprof__u64map_get(m, (uintptr_t)k);
}

/* v: not NULL. */
static bool ptrmap_put(cprof__u64map *m, const void *k, const void *v)
{
	return cprof__u64map_put(m, (uintptr_t)k, (uintptr_t)v, calloc, free);
}

/* ---- per-binary state -------------------------------------------------- */

typedef cprof__elfseg seg_t; /* one PT_LOAD */

/* The functions of one compilation unit, sorted by lo, for binary search
 * instead of walking the CU's DIE tree on every address. */
struct fnrange {
	uint64_t lo, hi;
	Dwarf_Die die; /* a DW_TAG_subprogram; valid while the Dwfl lives */
};
struct cuindex {
	struct fnrange *r;
	size_t n;
};

/* The scopes (inlined subroutines, lexical blocks, nested functions) of
 * one subprogram, flattened once: lookups scan address ranges instead of
 * walking DIEs. */
struct scopenode {
	Dwarf_Die die;
	int parent; /* index into node, -1 for the subprogram itself */
	int depth;
};
struct scoperange {
	uint64_t lo, hi;
	int node;
};
struct subtree {
	struct scopenode *node;
	size_t nnode, capnode;
	struct scoperange *r;
	size_t nr, capr;
};

/* Function symbols (.symtab, else .dynsym), sorted by address: libdwfl's
 * dwfl_module_addrinfo scans the whole table on every call. */
struct sym {
	uint64_t lo, size;
	const char *name;  /* stable: in the ELF's mapped string table, or owned
			   * (symfile.names); NULL: not read yet (elfread) */
	uint32_t name_off; /* elfread: offset in the string table */
	int rank;          /* binding preference among aliases */
};

struct symfile {
	struct cprof__symbolizer *s;
	char *file, *build_id; /* key: the mapping's path and build id */
	char *path;            /* the ELF actually used; NULL when unusable */
	char *why;             /* why unusable (NULL when usable) */
	uint64_t start;        /* [vdso] without build id: part of the key */
	Dwfl *dwfl;
	Dwfl_Module *mod;
	/* Lean mode, a binary without its own DWARF: read without libdw.
	 * elf is the binary; symelf the file whose table names it (elf, or
	 * the separate debug file for its .symtab), symtab that table. */
	cprof__elffile *elf, *symelf;
	const cprof__elftab *symtab;
	seg_t *seg;
	size_t nseg;
	cprof__u64map cus;  /* CU DIE address -> struct cuindex * */
	cprof__u64map subs; /* subprogram DIE address -> struct subtree * */
	struct sym *syms;
	size_t nsyms;
	char **vernames; /* names of syms[] stripped of "@VERSION", or read by
			  * elfread (owned) */
	size_t nvernames, capvernames;
	bool syms_loaded;
	struct fnrange *cur; /* CU ranges, when .debug_aranges is missing */
	size_t ncur;
	bool cur_loaded;
	bool lean;    /* the symbolizer's lean mode */
	bool nodwarf; /* lean, and the DWARF is in a separate file: names only */
};

struct cprof__symbolizer {
	char **dirs;
	bool noelfread; /* lean mode through libdw too (tests compare both) */
	bool self_set;  /* lean: the file (self_dev, self_ino) by its symbols only */
	dev_t self_dev;
	ino_t self_ino;
	size_t ndirs;
	struct symfile **files;
	size_t nfiles, capfiles;
	/* mangled name pointer (stable: it points into a mapped ELF string
	 * table of a cached file) -> malloc'd demangled name, or &no_demangle */
	cprof__u64map demangled;
	bool lean;
	bool transient; /* close each binary once its locations are done */
	/* Transient mode: the profile and the locations (indices) of the
	 * binary being resolved, so that elfread keeps only the symbols they
	 * can resolve to (load_syms_elf). */
	const cprof__profile *batch_p;
	const size_t *batch_loc;
	size_t batch_n;
	int dw; /* libdw: 0 not tried yet, 1 loaded (close it when
			  * freed), -1 not loadable (dwerr says why) */
	char dwerr[160];
};

static char no_demangle;

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

cprof__symbolizer *cprof__symbolizer_new(const char *binary_path)
{
	cprof__symbolizer *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	for (const char *p = binary_path; p && *p;) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n > 0) {
			char **d = realloc(s->dirs, (s->ndirs + 1) * sizeof(*d));
			char *dir = d ? strndup(p, n) : NULL;
			if (d)
				s->dirs = d;
			if (!dir) {
				cprof__symbolizer_free(s);
				return NULL;
			}
			s->dirs[s->ndirs++] = dir;
		}
		p = e ? e + 1 : p + n;
	}
	return s;
}

void cprof__symbolizer_set_lean(cprof__symbolizer *s, bool lean)
{
	s->lean = lean;
}

void cprof__symbolizer_set_transient(cprof__symbolizer *s, bool transient)
{
	s->transient = transient;
}

void cprof__symbolizer_set_elfread(cprof__symbolizer *s, bool on)
{
	s->noelfread = !on;
}

void cprof__symbolizer_set_self(cprof__symbolizer *s, const void *addr)
{
	Dl_info info;
	struct stat st;
	s->self_set = dladdr(addr, &info) && info.dli_fname && stat(info.dli_fname, &st) == 0;
	if (s->self_set) {
		s->self_dev = st.st_dev;
		s->self_ino = st.st_ino;
	}
}

/* Is fd the file cprof__symbolizer_set_self named? */
static bool is_self(const cprof__symbolizer *s, int fd)
{
	struct stat st;
	return s->self_set && fstat(fd, &st) == 0 && st.st_dev == s->self_dev &&
	       st.st_ino == s->self_ino;
}

/* Does the ELF itself have DWARF (a .debug_info section with contents)? */
static bool has_own_dwarf(Elf *elf)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")))
			return true;
	}
	return false;
}

static void symfile_free(struct symfile *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->cus.cap; i++) {
		if (f->cus.v[i]) {
			struct cuindex *ci = (struct cuindex *)(uintptr_t)f->cus.v[i];
			free(ci->r);
			free(ci);
		}
	}
	cprof__u64map_free(&f->cus, free);
	for (size_t i = 0; i < f->subs.cap; i++) {
		if (f->subs.v[i]) {
			struct subtree *t = (struct subtree *)(uintptr_t)f->subs.v[i];
			free(t->node);
			free(t->r);
			free(t);
		}
	}
	cprof__u64map_free(&f->subs, free);
	free(f->syms);
	for (size_t i = 0; i < f->nvernames; i++)
		free(f->vernames[i]);
	free(f->vernames);
	free(f->cur);
	if (f->dwfl)
		dwfl_end(f->dwfl);
	if (f->symelf && f->symelf != f->elf) {
		cprof__elf_close(f->symelf);
		free(f->symelf);
	}
	if (f->elf) {
		cprof__elf_close(f->elf);
		free(f->elf);
	}
	free(f->seg);
	free(f->file);
	free(f->build_id);
	free(f->path);
	free(f->why);
	free(f);
}

/* Forget the demangled names: their keys point into mapped files. */
static void demangled_clear(cprof__symbolizer *s)
{
	for (size_t i = 0; i < s->demangled.cap; i++)
		if (s->demangled.v[i] && s->demangled.v[i] != (uintptr_t)&no_demangle)
			free((void *)(uintptr_t)s->demangled.v[i]);
	cprof__u64map_free(&s->demangled, free);
}

void cprof__symbolizer_free(cprof__symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ndirs; i++)
		free(s->dirs[i]);
	free(s->dirs);
	for (size_t i = 0; i < s->nfiles; i++)
		symfile_free(s->files[i]);
	free(s->files);
	demangled_clear(s);
	if (s->dw > 0)
		cprof__dwlib_close();
	free(s);
}

/* ---- finding and opening a binary ------------------------------------- */

static bool valid_hex(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > MAX_BUILD_ID)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static void hex(const unsigned char *b, int n, char *out /* 2n+1 */)
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = 0;
}

/* Open path if it is a regular file whose GNU build id is `want` (n bytes;
 * n == 0: any). */
static int open_debug(const char *path, const unsigned char *want, int n, char **name)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	bool good = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	if (good && n > 0) {
		Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		const void *id = NULL;
		ssize_t len = e ? dwelf_elf_gnu_build_id(e, &id) : -1;
		good = len == n && memcmp(id, want, (size_t)n) == 0;
		if (e)
			elf_end(e);
	}
	if (!good || !(*name = strdup(path))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * libdwfl's callbacks, written out so that libdebuginfod can never be
 * loaded: dwfl_standard_find_debuginfo and dwfl_build_id_find_elf end by
 * asking debuginfod, and in elfutils 0.188 merely reaching that point
 * dlopens libdebuginfod, whose libcurl/libssh2/OpenSSL initialise inside
 * the process -- the profiled host's, at its exit, after its own OpenSSL
 * cleanup ran (a SIGSEGV).  With DEBUGINFOD_URLS set it would also query
 * servers and write ~/.cache.  Only local files are searched, in
 * dwfl_standard_find_debuginfo's order: the build id under
 * /usr/lib/debug/.build-id (the debug file, or a dwz file by its own build
 * id), then .gnu_debuglink next to the file, in .debug/ and under
 * /usr/lib/debug, and a dwz file by its .gnu_debugaltlink path.
 */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			  const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	(void)userdata;
	(void)modname;
	(void)base;
	/* libdwfl's build-id lookup: local files only, validated. */
	int fd = dwfl_build_id_find_debuginfo(mod, NULL, NULL, 0, NULL, NULL, 0,
					      debuginfo_file_name);
	if (fd >= 0 || !debuglink_file || !debuglink_file[0])
		return fd;
	const unsigned char *bits = NULL;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(mod, &bits, &vaddr);
	/* An alternate (dwz) file is named by an absolute path or relative to
	 * the file; a debuglink is a base name.  Validate by build id when the
	 * file is this module's debug file (debuglink_crc != 0). */
	const unsigned char *want = debuglink_crc ? bits : NULL;
	int wn = debuglink_crc && n > 0 ? n : 0;
	if (debuglink_file[0] == '/')
		return open_debug(debuglink_file, want, wn, debuginfo_file_name);
	char dir[PATH_MAX], path[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", file_name ? file_name : "");
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	const char *fmts[] = {"%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s"};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(fmts); i++) {
		int k = snprintf(path, sizeof(path), fmts[i], dir, debuglink_file);
		if (k < 0 || (size_t)k >= sizeof(path))
			continue;
		if (file_name && !strcmp(path, file_name))
			continue; /* the file itself */
		fd = open_debug(path, want, wn, debuginfo_file_name);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

/* Every module is reported with its file (dwfl_report_elf), so libdwfl has
 * no ELF to look for; this stands in for dwfl_build_id_find_elf, which
 * would end by asking debuginfod. */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	(void)mod;
	(void)userdata;
	(void)modname;
	(void)base;
	(void)file_name;
	*elfp = NULL;
	return -1;
}

/* dwfl_offline_section_address, called through cprof__dw. */
static int section_address(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			   const char *secname, GElf_Word shndx, const GElf_Shdr *shdr,
			   Dwarf_Addr *addr)
{
	return dwfl_offline_section_address(mod, userdata, modname, base, secname, shndx, shdr,
					    addr);
}

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = find_elf,
	.find_debuginfo = find_debuginfo, /* .build-id, debuglink, dwz */
	.section_address = section_address,
	.debuginfo_path = NULL, /* default ":.debug:/usr/lib/debug" */
};

static bool is_pseudo_file(const char *f)
{
	return !f[0] || f[0] == '[' || !strncmp(f, "//anon", 6) || !strncmp(f, "/dev/", 5) ||
	       !strncmp(f, "anon_inode:", 11) || !strncmp(f, "/memfd:", 7) ||
	       !strncmp(f, "/SYSV", 5);
}

static void set_why(char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_why(char **why, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	free(*why);
	*why = strdup(msg);
}

/* libdw, loaded for the first binary that needs it: a profile whose
 * binaries are all named by elfread.c never maps it.  false (f->why says
 * why) when it cannot be loaded. */
static bool need_dw(struct symfile *f)
{
	cprof__symbolizer *s = f->s;
	if (!s->dw)
		s->dw = cprof__dwlib_open(s->dwerr, sizeof(s->dwerr)) == 0 ? 1 : -1;
	if (s->dw < 0)
		set_why(&f->why, "%s", s->dwerr);
	return s->dw > 0;
}

/* f found its binary at path (owned), with these segments (owned). */
static void set_usable(struct symfile *f, char *path, seg_t *seg, size_t nseg)
{
	free(f->why);
	f->why = NULL;
	f->path = path;
	f->seg = seg;
	f->nseg = nseg;
}

/* path as an ELF (elfread) if it is one whose build id is bin's (any,
 * when bin has none); NULL otherwise. */
static cprof__elffile *open_debug_elf(const char *path, const cprof__elffile *bin)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	cprof__elffile *d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return NULL;
	}
	char why[160];
	if (cprof__elf_open(d, fd, why, sizeof(why)) != 0 ||
	    (bin->nbuild_id && (d->nbuild_id != bin->nbuild_id ||
				memcmp(d->build_id, bin->build_id, (size_t)bin->nbuild_id) != 0))) {
		cprof__elf_close(d);
		free(d);
		return NULL;
	}
	return d;
}

/* The separate debug file of bin (at path), in find_debuginfo's order:
 * by build id under /usr/lib/debug/.build-id, then the debuglink next to
 * the file, in .debug/ and under /usr/lib/debug. */
static cprof__elffile *find_debug_elf(const char *path, const cprof__elffile *bin)
{
	char p[PATH_MAX];
	cprof__elffile *d = NULL;
	if (bin->nbuild_id >= 2) {
		char h[2 * CPROF_ELF_MAX_BUILD_ID + 1];
		hex(bin->build_id, bin->nbuild_id, h);
		snprintf(p, sizeof(p), "/usr/lib/debug/.build-id/%.2s/%s.debug", h, h + 2);
		d = open_debug_elf(p, bin);
	}
	if (d || !bin->debuglink[0])
		return d;
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, sizeof(dir), ".");
	const char *fmts[] = {"%s/%s", "%s/.debug/%s", "/usr/lib/debug%s/%s"};
	for (size_t i = 0; i < CPROF_ARRAY_LEN(fmts) && !d; i++) {
		int k = snprintf(p, sizeof(p), fmts[i], dir, bin->debuglink);
		if (k > 0 && (size_t)k < sizeof(p) && strcmp(p, path) != 0)
			d = open_debug_elf(p, bin);
	}
	return d;
}

/* Lean mode: a binary without its own DWARF is named from its symbol table
 * (its .symtab, else its debug file's, else its .dynsym) read by elfread.c,
 * without libdw.  fd >= 0 is not consumed.  1: usable (f->elf set); 0:
 * absent; -1: unusable (f->why); 2: a binary with DWARF, or of another ELF
 * class: libdw's. */
static int try_elfread(struct symfile *f, const char *path, int fd)
{
	int my = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : open(path, O_RDONLY | O_CLOEXEC);
	if (my < 0)
		return fd >= 0 ? 2 : 0;
	cprof__elffile *e = calloc(1, sizeof(*e));
	if (!e) {
		close(my);
		return 2;
	}
	char why[160];
	int rc = cprof__elf_open(e, my, why, sizeof(why));
	if (rc < 0)
		set_why(&f->why, "%s: not a readable ELF file (%s)", path, why);
	char have[2 * CPROF_ELF_MAX_BUILD_ID + 1] = "";
	if (rc == 0 && f->build_id[0]) {
		hex(e->build_id, e->nbuild_id, have);
		if (strcasecmp(have, f->build_id) != 0) {
			set_why(&f->why, "build id mismatch: %s has %s", path,
				have[0] ? have : "none");
			rc = -1;
		}
	}
	if (rc == 0 && e->nseg == 0) {
		set_why(&f->why, "%s: no loadable segments", path);
		rc = -1;
	}
	if (rc != 0 || (e->dwarf && !is_self(f->s, e->fd))) {
		cprof__elf_close(e);
		free(e);
		return rc < 0 ? -1 : 2;
	}
	cprof__elffile *sym = e;
	const cprof__elftab *tab = &e->symtab;
	if (!tab->size) {
		cprof__elffile *d = find_debug_elf(path, e);
		if (d && d->symtab.size) {
			sym = d;
			tab = &d->symtab;
		} else {
			if (d) {
				cprof__elf_close(d);
				free(d);
			}
			tab = &e->dynsym;
		}
	}
	char *p = tab->size ? strdup(path) : NULL;
	if (!p) {
		if (!tab->size)
			set_why(&f->why, "%s: no symbol table or debug info", path);
		if (sym != e) {
			cprof__elf_close(sym);
			free(sym);
		}
		cprof__elf_close(e);
		free(e);
		return -1;
	}
	set_usable(f, p, e->seg, e->nseg); /* the segments move to f */
	e->seg = NULL;
	f->elf = e;
	f->symelf = sym;
	f->symtab = tab;
	f->nodwarf = true;
	return 1;
}

/* Try one candidate file (or fd >= 0, which is consumed).  1: usable
 * (f->dwfl/mod or f->elf set); 0: absent; -1: present but unusable
 * (f->why says why). */
static int try_open_fd(struct symfile *f, const char *path, int fd)
{
	struct stat st;
	if (fd < 0 && (stat(path, &st) != 0 || !S_ISREG(st.st_mode)))
		return 0;
	if (f->lean && !f->s->noelfread) {
		int rc = try_elfread(f, path, fd);
		if (rc != 2) {
			if (fd >= 0)
				close(fd);
			return rc;
		}
	}
	if (!need_dw(f)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	Dwfl *dwfl = dwfl_begin(&dwfl_callbacks);
	if (!dwfl) {
		if (fd >= 0)
			close(fd);
		set_why(&f->why, "libdwfl: %s", dwfl_errmsg(-1));
		return -1;
	}
	dwfl_report_begin(dwfl);
	/* base 0 with add_p_vaddr: module addresses are the ELF's own
	 * virtual addresses (bias 0) for ET_EXEC and ET_DYN alike. */
	Dwfl_Module *mod = dwfl_report_elf(dwfl, path, path, fd, 0, true);
	if (!mod && fd >= 0)
		close(fd); /* consumed only on success */
	dwfl_report_end(dwfl, NULL, NULL);
	GElf_Addr bias = 0;
	Elf *elf = mod ? dwfl_module_getelf(mod, &bias) : NULL;
	if (!elf) {
		set_why(&f->why, "%s: not a readable ELF file (%s)", path, dwfl_errmsg(-1));
		dwfl_end(dwfl);
		return -1;
	}
	if (f->build_id[0]) {
		const unsigned char *bits = NULL;
		GElf_Addr vaddr;
		int n = dwfl_module_build_id(mod, &bits, &vaddr);
		char have[2 * MAX_BUILD_ID + 1] = "";
		if (n > 0 && n <= MAX_BUILD_ID)
			hex(bits, n, have);
		if (strcasecmp(have, f->build_id) != 0) {
			set_why(&f->why, "build id mismatch: %s has %s", path,
				have[0] ? have : "none");
			dwfl_end(dwfl);
			return -1;
		}
	}
	size_t nphdr = 0;
	if (elf_getphdrnum(elf, &nphdr) != 0 || nphdr > 65535)
		nphdr = 0;
	seg_t *seg = nphdr ? calloc(nphdr, sizeof(*seg)) : NULL;
	size_t nseg = 0;
	for (size_t i = 0; seg && i < nphdr; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
			seg[nseg++] = (seg_t){ph.p_offset, ph.p_filesz, ph.p_vaddr, ph.p_memsz,
					      (ph.p_flags & PF_X) != 0};
	}
	if (nseg == 0) {
		free(seg);
		set_why(&f->why, "%s: no loadable segments", path);
		dwfl_end(dwfl);
		return -1;
	}
	Dwarf_Addr dbias;
	f->nodwarf = f->lean && !has_own_dwarf(elf);
	bool dwarf = !f->nodwarf && dwfl_module_getdwarf(mod, &dbias) != NULL;
	if (!dwarf && dwfl_module_getsymtab(mod) <= 0) {
		free(seg);
		set_why(&f->why, "%s: no symbol table or debug info", path);
		dwfl_end(dwfl);
		return -1;
	}
	char *p = strdup(path);
	if (!p) {
		free(seg);
		dwfl_end(dwfl);
		return -1;
	}
	set_usable(f, p, seg, nseg);
	f->dwfl = dwfl;
	f->mod = mod;
	return 1;
}

static int try_open(struct symfile *f, const char *path)
{
	return try_open_fd(f, path, -1);
}

/* The kernel's vDSO is no file: copy this process's image into a memfd.
 * It stands for a profile's [vdso] when the build ids agree (same kernel),
 * or, without a build id, when the mapping is at our own vDSO's address
 * (the runtime symbolising its own process). */
static int try_vdso(struct symfile *f, uint64_t start)
{
	uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	if (!base || (!f->build_id[0] && start != base))
		return 0;
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_phentsize != sizeof(ElfW(Phdr)))
		return 0;
	/* Its size: the section headers end it; no segment goes beyond. */
	uint64_t size = (uint64_t)eh->e_shoff + (uint64_t)eh->e_shnum * eh->e_shentsize;
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(base + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset + ph[i].p_filesz > size)
			size = ph[i].p_offset + ph[i].p_filesz;
	if (size == 0 || size > (1u << 20))
		return 0;
	int fd = memfd_create("cprof-vdso", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	const char *p = (const char *)base;
	for (size_t done = 0; done < size;) {
		ssize_t w = write(fd, p + done, (size_t)size - done);
		if (w <= 0) {
			close(fd);
			return 0;
		}
		done += (size_t)w;
	}
	return try_open_fd(f, "[vdso]", fd);
}

static int try_openf(struct symfile *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int try_openf(struct symfile *f, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	return try_open(f, path);
}

/* pprof's search order: each binary_path dir (DIR/BUILDID/base, DIR/base,
 * DIR/path), the mapping's own path, then the separate debug file by build
 * id (its program headers and symbols stand in for the binary). */
static void find_file(cprof__symbolizer *s, struct symfile *f, uint64_t start)
{
	if (!strcmp(f->file, "[vdso]")) {
		if (try_vdso(f, start) <= 0)
			set_why(&f->why, "no vDSO image to match");
		return;
	}
	char file[PATH_MAX];
	snprintf(file, sizeof(file), "%s", f->file);
	size_t n = strlen(file);
	static const char deleted[] = " (deleted)";
	if (n > sizeof(deleted) - 1 && !strcmp(file + n - (sizeof(deleted) - 1), deleted))
		file[n - (sizeof(deleted) - 1)] = 0;
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	const char *bid = f->build_id;
	bool hexid = valid_hex(bid);
	int rc = 0;
	for (size_t i = 0; i < s->ndirs && rc <= 0; i++) {
		const char *d = s->dirs[i];
		if (hexid && rc <= 0)
			rc = try_openf(f, "%s/%s/%s", d, bid, base) > 0 ? 1 : rc;
		if (base[0] && rc <= 0)
			rc = try_openf(f, "%s/%s", d, base) > 0 ? 1 : rc;
		if (file[0] == '/' && rc <= 0)
			rc = try_openf(f, "%s%s", d, file) > 0 ? 1 : rc;
	}
	if (rc <= 0 && file[0])
		rc = try_open(f, file) > 0 ? 1 : rc;
	if (rc <= 0 && hexid) {
		rc = try_openf(f, "/usr/lib/debug/.build-id/%.2s/%s", bid, bid + 2) > 0 ? 1 : rc;
		if (rc <= 0)
			rc = try_openf(f, "/usr/lib/debug/.build-id/%.2s/%s.debug", bid, bid + 2);
	}
	if (rc <= 0 && !f->why)
		set_why(&f->why, "file not found%s",
			s->ndirs ? " (searched the binary path too)" : "");
}

static struct symfile *get_file(cprof__symbolizer *s, const char *file, const char *build_id,
				uint64_t start)
{
	/* An anonymous [vdso] is only ours at our own address: key on it. */
	uint64_t key_start = !build_id[0] && !strcmp(file, "[vdso]") ? start : 0;
	for (size_t i = 0; i < s->nfiles; i++)
		if (!strcmp(s->files[i]->file, file) && !strcmp(s->files[i]->build_id, build_id) &&
		    s->files[i]->start == key_start)
			return s->files[i];
	if (s->nfiles == s->capfiles) {
		size_t cap = s->capfiles ? s->capfiles * 2 : 16;
		struct symfile **v = realloc(s->files, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->files = v;
		s->capfiles = cap;
	}
	struct symfile *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->file = xstrdup(file);
	f->build_id = xstrdup(build_id);
	f->start = key_start;
	f->lean = s->lean;
	f->s = s;
	if (!f->file || !f->build_id) {
		symfile_free(f);
		return NULL;
	}
	find_file(s, f, start);
	s->files[s->nfiles++] = f;
	return f;
}

/* Runtime address -> ELF virtual address via the PT_LOAD whose file range
 * holds the address's file offset.  false when none does. */
static bool to_vaddr(const struct symfile *f, const cprof__mapping *m, uint64_t addr, uint64_t *va)
{
	if (addr < m->start)
		return false;
	uint64_t off = m->offset + (addr - m->start);
	if (off < m->offset)
		return false;
	const seg_t *x = NULL;
	size_t nx = 0;
	for (size_t i = 0; i < f->nseg; i++) {
		const seg_t *g = &f->seg[i];
		if (off >= g->off && off - g->off < g->filesz) {
			*va = g->vaddr + (off - g->off);
			return true;
		}
		if (g->exec && g->filesz == 0) {
			x = g;
			nx++;
		}
	}
	/* A separate debug file standing in for its binary keeps the
	 * segments' addresses but not their file offsets.  With one
	 * executable segment, the (executable) mapping starts at its first
	 * page, as ld.so maps it. */
	if (nx == 1) {
		uint64_t v = (x->vaddr & ~(uint64_t)4095) + (addr - m->start);
		if (v >= x->vaddr && v - x->vaddr < x->memsz) {
			*va = v;
			return true;
		}
	}
	return false;
}

/* ---- DWARF: per-CU function index and scope descent -------------------- */

static bool index_add(struct cuindex *ci, size_t *cap, uint64_t lo, uint64_t hi, const Dwarf_Die *d)
{
	if (hi <= lo)
		return true;
	if (ci->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		if (nc > SIZE_MAX / sizeof(*ci->r))
			return false;
		struct fnrange *r = realloc(ci->r, nc * sizeof(*r));
		if (!r)
			return false;
		ci->r = r;
		*cap = nc;
	}
	ci->r[ci->n++] = (struct fnrange){lo, hi, *d};
	return true;
}

/* The walk both DWARF indexes share: each child of `parent`, down to
 * MAX_NEST levels.  visit(ctx, child, arg, depth, &down, &down_arg) returns
 * false to stop the walk (OOM); setting down descends into the child, whose
 * children then get down_arg (initially arg) as their arg. */
typedef bool die_visit(void *ctx, Dwarf_Die *die, int arg, int depth, bool *down, int *down_arg);

static bool die_walk(Dwarf_Die *parent, int arg, int depth, die_visit *visit, void *ctx)
{
	Dwarf_Die c;
	if (depth > MAX_NEST || dwarf_child(parent, &c) != 0)
		return true;
	do {
		bool down = false;
		int down_arg = arg;
		if (!visit(ctx, &c, arg, depth, &down, &down_arg) ||
		    (down && !die_walk(&c, down_arg, depth + 1, visit, ctx)))
			return false;
	} while (dwarf_siblingof(&c, &c) == 0);
	return true;
}

struct index_walk {
	struct cuindex *ci;
	size_t cap;
};

/* The subprograms with code, looking through namespaces and classes (C++
 * definitions nested there). */
static bool index_visit(void *ctx, Dwarf_Die *c, int arg, int depth, bool *down, int *down_arg)
{
	struct index_walk *w = ctx;
	(void)arg, (void)depth, (void)down_arg;
	switch (dwarf_tag(c)) {
	case DW_TAG_subprogram: {
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;
		int guard = 0;
		while ((off = dwarf_ranges(c, off, &base, &lo, &hi)) > 0 && guard++ < 4096)
			if (!index_add(w->ci, &w->cap, lo, hi, c))
				return false;
		break;
	}
	case DW_TAG_namespace:
	case DW_TAG_class_type:
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_module: *down = true; break;
	default: break;
	}
	return true;
}

static int fnrange_cmp(const void *a, const void *b)
{
	const struct fnrange *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static struct cuindex *cu_index(struct symfile *f, Dwarf_Die *cu)
{
	struct cuindex *ci = ptrmap_get(&f->cus, cu->addr);
	if (ci)
		return ci;
	ci = calloc(1, sizeof(*ci));
	if (!ci)
		return NULL;
	struct index_walk w = {ci, 0};
	if (!die_walk(cu, 0, 0, index_visit, &w) || !ptrmap_put(&f->cus, cu->addr, ci)) {
		free(ci->r);
		free(ci);
		return NULL;
	}
	if (ci->n > 1)
		qsort(ci->r, ci->n, sizeof(*ci->r), fnrange_cmp);
	return ci;
}

/* The range of r[0..n) containing pc, or NULL. */
static Dwarf_Die *range_lookup(struct fnrange *r, size_t n, uint64_t pc)
{
	size_t lo = 0, hi = n; /* first entry with r.lo > pc */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (r[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Entries are disjoint in sane DWARF; look back a little for overlaps. */
	for (size_t i = lo, k = 0; i > 0 && k < 8; i--, k++)
		if (pc >= r[i - 1].lo && pc < r[i - 1].hi)
			return &r[i - 1].die;
	return NULL;
}

/* libdw 0.188 finds CUs through .debug_aranges only, which clang does not
 * emit: index the CUs' own ranges instead (once per file, on demand). */
static Dwarf_Die *cu_fallback(struct symfile *f, uint64_t va, Dwarf_Addr *bias)
{
	Dwarf *dw = dwfl_module_getdwarf(f->mod, bias);
	if (!dw)
		return NULL;
	if (!f->cur_loaded) {
		f->cur_loaded = true;
		struct cuindex ci = {0};
		size_t cap = 0;
		Dwarf_Off off = 0, next;
		size_t hsize;
		while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0 && next > off) {
			Dwarf_Die cu;
			Dwarf_Addr base, lo, hi;
			ptrdiff_t r = 0;
			int guard = 0;
			if (dwarf_offdie(dw, off + hsize, &cu))
				while ((r = dwarf_ranges(&cu, r, &base, &lo, &hi)) > 0 &&
				       guard++ < 65536)
					if (!index_add(&ci, &cap, lo, hi, &cu))
						break;
			off = next;
		}
		if (ci.n > 1)
			qsort(ci.r, ci.n, sizeof(*ci.r), fnrange_cmp);
		f->cur = ci.r;
		f->ncur = ci.n;
	}
	return range_lookup(f->cur, f->ncur, va - *bias);
}

#define MAX_SCOPES (1 << 20) /* per subprogram (corrupt DWARF guard) */

static bool grow(void **v, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 16;
	if (nc > MAX_SCOPES || nc > SIZE_MAX / elem)
		return false;
	void *nv = realloc(*v, nc * elem);
	if (!nv)
		return false;
	*v = nv;
	*cap = nc;
	return true;
}

/* Every scope (with its address ranges) under a subprogram; arg: the index
 * of the parent scope's node. */
static bool subtree_visit(void *ctx, Dwarf_Die *c, int pidx, int depth, bool *down, int *down_arg)
{
	struct subtree *t = ctx;
	switch (dwarf_tag(c)) {
	case DW_TAG_inlined_subroutine:
	case DW_TAG_subprogram:
	case DW_TAG_lexical_block:
	case DW_TAG_entry_point:
	case DW_TAG_try_block:
	case DW_TAG_catch_block: {
		if (!grow((void **)&t->node, &t->capnode, t->nnode, sizeof(*t->node)))
			return false;
		int idx = (int)t->nnode++;
		t->node[idx] = (struct scopenode){*c, pidx, depth};
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;
		int guard = 0;
		while ((off = dwarf_ranges(c, off, &base, &lo, &hi)) > 0 && guard++ < 4096) {
			if (hi <= lo)
				continue;
			if (!grow((void **)&t->r, &t->capr, t->nr, sizeof(*t->r)))
				return false;
			t->r[t->nr++] = (struct scoperange){lo, hi, idx};
		}
		/* Blocks without addresses of their own may still hold
		 * inlined code (seen in gcc output): walk them too. */
		*down = true;
		*down_arg = idx;
		break;
	}
	default: break;
	}
	return true;
}

static int scoperange_cmp(const void *a, const void *b)
{
	const struct scoperange *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static struct subtree *subtree_get(struct symfile *f, Dwarf_Die *sub)
{
	struct subtree *t = ptrmap_get(&f->subs, sub->addr);
	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	/* Node 0: the subprogram.  A walk cut short (corrupt or huge DWARF)
	 * keeps what it found. */
	if (grow((void **)&t->node, &t->capnode, 0, sizeof(*t->node))) {
		t->node[t->nnode++] = (struct scopenode){*sub, -1, 0};
		die_walk(sub, 0, 1, subtree_visit, t);
	}
	if (!t->nnode || !ptrmap_put(&f->subs, sub->addr, t)) {
		free(t->node);
		free(t->r);
		free(t);
		return NULL;
	}
	if (t->nr > 1)
		qsort(t->r, t->nr, sizeof(*t->r), scoperange_cmp);
	return t;
}

/* The scopes of subprogram `sub` containing pc, innermost first, ending
 * with `sub` itself.  Returns the count (>= 1) or 0 on OOM. */
static int scopes_at(struct symfile *f, Dwarf_Die *sub, uint64_t pc, Dwarf_Die **out)
{
	struct subtree *t = subtree_get(f, sub);
	if (!t)
		return 0;
	int best = 0;
	for (size_t i = 0; i < t->nr && t->r[i].lo <= pc; i++)
		if (pc < t->r[i].hi && t->node[t->r[i].node].depth > t->node[best].depth)
			best = t->r[i].node;
	int n = 0;
	for (int i = best; i >= 0 && n <= MAX_NEST; i = t->node[i].parent)
		out[n++] = &t->node[i].die;
	return n;
}

/* ---- names ------------------------------------------------------------- */

struct frame {
	const char *name, *sys, *file;
	int64_t line, start_line;
};

static const char *demangled(cprof__symbolizer *s, const char *mangled)
{
	if (!mangled || mangled[0] != '_' || mangled[1] != 'Z')
		return mangled;
	const char *known = ptrmap_get(&s->demangled, mangled);
	if (known)
		return known == &no_demangle ? mangled : known;
	char *d = cprof__demangle(mangled);
	if (!ptrmap_put(&s->demangled, mangled, d ? d : &no_demangle)) {
		free(d);
		return mangled;
	}
	return d ? d : mangled;
}

static void die_names(cprof__symbolizer *s, Dwarf_Die *die, struct frame *fr)
{
	Dwarf_Attribute a;
	const char *link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));
	if (!link)
		link = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
	const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &a));
	if (link) {
		/* C functions with an asm label (glibc's __GI_ aliases) have a
		 * linkage name too: show the source name for those. */
		fr->sys = link;
		fr->name = link[0] == '_' && link[1] == 'Z' ? demangled(s, link)
			   : name                           ? name
							    : link;
	} else {
		fr->sys = fr->name = name;
	}
	int line = 0;
	fr->start_line = dwarf_decl_line(die, &line) == 0 && line > 0 ? line : 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1; /* best first */
	return (x->size < y->size) - (x->size > y->size);
}

/* Like libdwfl: a global name beats a weak one beats a local. */
static int bind_rank(int bind)
{
	return bind == STB_GLOBAL ? 3 : bind == STB_WEAK ? 2 : 1;
}

struct symload {
	struct sym *v;
	size_t n, cap; /* cap == 0: counting */
};

static bool symload_add(void *ctx, uint64_t value, uint64_t size, int bind, uint32_t name)
{
	struct symload *l = ctx;
	if (l->cap && l->n < l->cap)
		l->v[l->n] = (struct sym){value, size, NULL, name, bind_rank(bind)};
	l->n++;
	return true;
}

/* Keep the best alias at each address of the sorted v[0, k): the count. */
static size_t syms_dedup(struct sym *v, size_t k)
{
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (m == 0 || v[m - 1].lo != v[i].lo)
			v[m++] = v[i];
	return m;
}

/* The batch's addresses in f's ELF, sorted and distinct (*n of them); NULL
 * when there is no batch or no memory. */
static uint64_t *batch_vaddrs(struct symfile *f, size_t *n)
{
	const cprof__symbolizer *s = f->s;
	*n = 0;
	if (!s->batch_p || !s->batch_n)
		return NULL;
	uint64_t *q = malloc(s->batch_n * sizeof(*q));
	for (size_t i = 0; q && i < s->batch_n; i++) {
		const cprof__location *loc = &s->batch_p->location.v[s->batch_loc[i]];
		uint64_t id = loc->mapping_id, va;
		if (id && id <= s->batch_p->mapping.n &&
		    to_vaddr(f, &s->batch_p->mapping.v[id - 1], loc->address, &va))
			q[(*n)++] = va;
	}
	if (!q || !*n) {
		free(q);
		return NULL;
	}
	qsort(q, *n, sizeof(*q), u64_cmp);
	size_t m = 0;
	for (size_t i = 0; i < *n; i++)
		if (m == 0 || q[m - 1] != q[i])
			q[m++] = q[i];
	*n = m;
	return q;
}

/* The first of q[0, n) that is >= v (n if none). */
static size_t lower_bound(const uint64_t *q, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (q[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Which symbol addresses can a lookup of the batch's addresses reach?
 * sym_lookup looks at the last distinct address <= va and the 8 before
 * it: for each query, the NEAR largest distinct symbol addresses <= va.  A
 * symbol at lo is <= every query from the first one >= lo (index i) on, so
 * near[i] collects the NEAR largest addresses whose first query is i, and
 * the set for query k is the NEAR largest of near[0..k] (a running merge).
 * Keeping only symbols at those addresses gives every query exactly the
 * answer the whole table gives, without sorting the whole table (cc1's
 * .dynsym: 27 600 functions, sorted in every process that wrote a profile).
 */
#define NEAR 9

struct nearset {
	const uint64_t *q;
	size_t nq;
	uint64_t (*near)[NEAR]; /* per query, descending, 0-padded (cnt says) */
	uint8_t *cnt;
	uint64_t *keep; /* sorted distinct addresses to keep */
	size_t nkeep;
};

static void near_insert(uint64_t *v, uint8_t *cnt, uint64_t lo)
{
	int n = *cnt, i = 0;
	while (i < n && v[i] > lo)
		i++;
	if (i < n && v[i] == lo)
		return; /* already there */
	if (i == NEAR)
		return; /* smaller than the NEAR kept */
	int end = n < NEAR ? n : NEAR - 1;
	for (int j = end; j > i; j--)
		v[j] = v[j - 1];
	v[i] = lo;
	if (n < NEAR)
		*cnt = (uint8_t)(n + 1);
}

static bool near_add(void *ctx, uint64_t value, uint64_t size, int bind, uint32_t name)
{
	(void)size;
	(void)bind;
	(void)name;
	struct nearset *ns = ctx;
	size_t i = lower_bound(ns->q, ns->nq, value);
	if (i < ns->nq)
		near_insert(ns->near[i], &ns->cnt[i], value);
	return true;
}

struct keepctx {
	struct nearset *ns;
	struct symload *l;
};

static bool keep_add(void *ctx, uint64_t value, uint64_t size, int bind, uint32_t name)
{
	struct keepctx *c = ctx;
	size_t k = lower_bound(c->ns->keep, c->ns->nkeep, value);
	if (k < c->ns->nkeep && c->ns->keep[k] == value)
		return symload_add(c->l, value, size, bind, name);
	return true;
}

/* The symbols the batch's addresses q[0, nq) can reach into l (filled,
 * unsorted).  false on OOM or a read error (the caller loads them all). */
static bool load_near(struct symfile *f, const uint64_t *q, size_t nq, struct symload *l)
{
	struct nearset ns = {q, nq, calloc(nq, sizeof(*ns.near)), calloc(nq, 1), NULL, 0};
	bool ok = ns.near && ns.cnt && cprof__elf_funcs(f->symelf, f->symtab, near_add, &ns);
	if (ok) {
		/* Running merge: near[k] becomes the NEAR largest of near[0..k]. */
		for (size_t k = 1; k < nq; k++)
			for (int j = 0; j < ns.cnt[k - 1]; j++)
				near_insert(ns.near[k], &ns.cnt[k], ns.near[k - 1][j]);
		ns.keep = malloc(nq * NEAR * sizeof(*ns.keep));
		ok = ns.keep != NULL;
	}
	for (size_t k = 0; ok && k < nq; k++)
		for (int j = 0; j < ns.cnt[k]; j++)
			ns.keep[ns.nkeep++] = ns.near[k][j];
	if (ok) {
		qsort(ns.keep, ns.nkeep, sizeof(*ns.keep), u64_cmp);
		size_t m = 0;
		for (size_t i = 0; i < ns.nkeep; i++)
			if (m == 0 || ns.keep[m - 1] != ns.keep[i])
				ns.keep[m++] = ns.keep[i];
		ns.nkeep = m;
		struct keepctx c = {&ns, l};
		/* Count, then fill exactly. */
		*l = (struct symload){0};
		ok = cprof__elf_funcs(f->symelf, f->symtab, keep_add, &c);
		if (ok && l->n) {
			l->cap = l->n;
			l->n = 0;
			l->v = calloc(l->cap, sizeof(*l->v));
			ok = l->v && cprof__elf_funcs(f->symelf, f->symtab, keep_add, &c) &&
			     l->n <= l->cap;
		}
	}
	free(ns.near);
	free(ns.cnt);
	free(ns.keep);
	if (!ok) {
		free(l->v);
		*l = (struct symload){0};
	}
	return ok;
}

/* elfread: count the function symbols, then fill exactly that many (or,
 * for a batch, only those its addresses can reach); names are read when a
 * lookup needs them (sym_name). */
static void load_syms_elf(struct symfile *f)
{
	size_t nq;
	uint64_t *q = batch_vaddrs(f, &nq);
	struct symload l = {0};
	bool near = q && load_near(f, q, nq, &l);
	free(q);
	if (near) {
		if (l.n) {
			qsort(l.v, l.n, sizeof(*l.v), sym_cmp);
			f->syms = l.v;
			f->nsyms = syms_dedup(l.v, l.n);
		}
		return;
	}
	if (!cprof__elf_funcs(f->symelf, f->symtab, symload_add, &l) || l.n == 0)
		return;
	l.cap = l.n;
	l.n = 0;
	l.v = calloc(l.cap, sizeof(*l.v));
	if (!l.v || !cprof__elf_funcs(f->symelf, f->symtab, symload_add, &l) || l.n > l.cap) {
		free(l.v);
		return;
	}
	qsort(l.v, l.n, sizeof(*l.v), sym_cmp);
	f->syms = l.v;
	f->nsyms = syms_dedup(l.v, l.n);
}

static bool own_name(struct symfile *f, char *name)
{
	if (f->nvernames == f->capvernames) {
		size_t cap = f->capvernames ? 2 * f->capvernames : 64;
		char **v = realloc(f->vernames, cap * sizeof(*v));
		if (!v)
			return false;
		f->vernames = v;
		f->capvernames = cap;
	}
	f->vernames[f->nvernames++] = name;
	return true;
}

/* A symbol's name, read from the file the first time (elfread). */
static const char *sym_name(struct symfile *f, struct sym *c)
{
	if (c->name || !f->symelf)
		return c->name;
	char buf[1024];
	if (!cprof__elf_name(f->symelf, f->symtab, c->name_off, buf, sizeof(buf)))
		return NULL;
	char *at = strchr(buf, '@'); /* "__libc_start_main@@GLIBC_2.34" */
	if (at && at > buf)
		*at = 0;
	char *own = strdup(buf);
	if (!own || !own_name(f, own)) {
		free(own);
		return NULL;
	}
	return c->name = own;
}

static void load_syms(struct symfile *f)
{
	f->syms_loaded = true;
	if (!f->mod) {
		load_syms_elf(f);
		return;
	}
	int n = dwfl_module_getsymtab(f->mod);
	if (n <= 1)
		return;
	struct sym *v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return;
	size_t k = 0;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		const char *name =
			dwfl_module_getsym_info(f->mod, i, &sym, &addr, &shndx, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
		if (!name || !name[0] || shndx == SHN_UNDEF ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		v[k++] = (struct sym){addr, sym.st_size, name, 0, bind_rank(bind)};
	}
	qsort(v, k, sizeof(*v), sym_cmp);
	size_t m = syms_dedup(v, k), nver = 0;
	for (size_t i = 0; i < m; i++)
		nver += strchr(v[i].name, '@') != NULL;
	/* A .symtab name with its symbol version (glibc's
	 * "__libc_start_main@@GLIBC_2.34"): the name is what comes before. */
	f->vernames = nver ? calloc(nver, sizeof(char *)) : NULL;
	for (size_t i = 0; i < m && f->vernames; i++) {
		const char *at = strchr(v[i].name, '@');
		char *plain =
			at && at > v[i].name ? strndup(v[i].name, (size_t)(at - v[i].name)) : NULL;
		if (plain)
			v[i].name = f->vernames[f->nvernames++] = plain;
	}
	f->syms = v;
	f->nsyms = m;
}

static const char *sym_lookup(struct symfile *f, uint64_t va)
{
	if (!f->syms_loaded)
		load_syms(f);
	size_t lo = 0, hi = f->nsyms; /* first symbol above va */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->syms[mid].lo <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	struct sym *c = &f->syms[lo - 1];
	if (c->size == 0 || va - c->lo < c->size)
		return sym_name(f, c);
	/* A sized symbol enclosing a smaller one just before va. */
	for (size_t i = lo - 1, k = 0; i > 0 && k < 8; i--, k++)
		if (f->syms[i - 1].size && va - f->syms[i - 1].lo < f->syms[i - 1].size)
			return sym_name(f, &f->syms[i - 1]);
	return NULL;
}

static void symbol_name(cprof__symbolizer *s, struct symfile *f, uint64_t va, struct frame *fr)
{
	const char *n = sym_lookup(f, va);
	if (n && n[0]) {
		fr->sys = n;
		fr->name = demangled(s, n);
	}
}

/* Resolve one ELF address into frames, innermost first.  Returns the count;
 * *dwarf tells whether DWARF described the address. */
static int resolve(cprof__symbolizer *s, struct symfile *f, uint64_t va, struct frame *fr,
		   bool *dwarf)
{
	Dwarf_Addr bias = 0;
	Dwarf_Die *cu = NULL;
	if (!f->nodwarf) {
		cu = dwfl_module_addrdie(f->mod, va, &bias);
		if (!cu)
			cu = cu_fallback(f, va, &bias);
	}
	int n = 0;
	*dwarf = false;
	if (cu) {
		*dwarf = true;
		uint64_t pc = va - bias;
		const char *file = NULL;
		int line = 0;
		Dwarf_Line *l = dwarf_getsrc_die(cu, pc);
		if (l) {
			file = dwarf_linesrc(l, NULL, NULL);
			if (dwarf_lineno(l, &line) != 0)
				line = 0;
		}
		struct cuindex *ci = cu_index(f, cu);
		Dwarf_Die *sub = ci ? range_lookup(ci->r, ci->n, pc) : NULL;
		Dwarf_Die *chain[MAX_NEST + 2];
		int depth = sub ? scopes_at(f, sub, pc, chain) : 0;
		Dwarf_Files *files = NULL;
		size_t nfiles = 0;
		for (int i = 0; i < depth && n < MAX_FRAMES; i++) {
			Dwarf_Die *d = chain[i];
			int tag = dwarf_tag(d);
			if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram &&
			    tag != DW_TAG_entry_point)
				continue;
			struct frame *r = &fr[n++];
			memset(r, 0, sizeof(*r));
			die_names(s, d, r);
			r->file = file ? file : dwarf_decl_file(d);
			r->line = line > 0 ? line : 0;
			if (tag != DW_TAG_inlined_subroutine)
				break; /* the physical function */
			/* The caller's position is the call site of this instance. */
			Dwarf_Attribute a;
			Dwarf_Word w;
			file = NULL;
			line = 0;
			if (!files && dwarf_getsrcfiles(cu, &files, &nfiles) != 0)
				files = NULL;
			if (files && dwarf_formudata(dwarf_attr(d, DW_AT_call_file, &a), &w) == 0 &&
			    w < nfiles)
				file = dwarf_filesrc(files, w, NULL, NULL);
			if (dwarf_formudata(dwarf_attr(d, DW_AT_call_line, &a), &w) == 0 &&
			    w <= INT_MAX)
				line = (int)w;
		}
		if (n == 0 && (file || line > 0)) {
			/* Code with line info but no subprogram DIE (assembly). */
			memset(&fr[0], 0, sizeof(fr[0]));
			fr[0].file = file;
			fr[0].line = line > 0 ? line : 0;
			n = 1;
		}
	}
	if (n == 0) {
		memset(&fr[0], 0, sizeof(fr[0]));
		n = 1;
	}
	/* The physical function without a DWARF name: the symbol table. */
	if (!fr[n - 1].name || !fr[n - 1].name[0])
		symbol_name(s, f, va, &fr[n - 1]);
	if (!fr[n - 1].name || !fr[n - 1].name[0]) {
		if (n == 1 && !fr[0].file)
			return 0;
		fr[n - 1].name = fr[n - 1].sys = "??";
	}
	for (int i = 0; i < n - 1; i++)
		if (!fr[i].name || !fr[i].name[0])
			fr[i].name = fr[i].sys = "??";
	return n;
}

/* ---- into the profile --------------------------------------------------- */

struct fnset { /* function ids hashed by (name, system_name, filename) */
	uint64_t *id;
	size_t n, cap;
};

static size_t fn_hash(const cprof__function *fn)
{
	uint64_t h = cprof__mix64(cprof__mix64((uint64_t)fn->name) ^ (uint64_t)fn->system_name);
	return (size_t)cprof__mix64(h ^ (uint64_t)fn->filename);
}

static bool fn_same(const cprof__function *a, const cprof__function *b)
{
	return a->name == b->name && a->system_name == b->system_name && a->filename == b->filename;
}

static bool fnset_insert(struct fnset *fs, const cprof__profile *p, uint64_t id)
{
	if ((fs->n + 1) * 2 > fs->cap) {
		size_t cap = fs->cap ? fs->cap * 2 : 256;
		uint64_t *v = calloc(cap, sizeof(*v));
		if (!v)
			return false;
		for (size_t i = 0; i < fs->cap; i++) {
			if (!fs->id[i])
				continue;
			size_t j = fn_hash(&p->function.v[fs->id[i] - 1]) & (cap - 1);
			while (v[j])
				j = (j + 1) & (cap - 1);
			v[j] = fs->id[i];
		}
		free(fs->id);
		fs->id = v;
		fs->cap = cap;
	}
	size_t j = fn_hash(&p->function.v[id - 1]) & (fs->cap - 1);
	while (fs->id[j]) {
		if (fn_same(&p->function.v[fs->id[j] - 1], &p->function.v[id - 1]))
			return true; /* keep the first */
		j = (j + 1) & (fs->cap - 1);
	}
	fs->id[j] = id;
	fs->n++;
	return true;
}

static uint64_t fnset_find(const struct fnset *fs, const cprof__profile *p,
			   const cprof__function *fn)
{
	if (!fs->cap)
		return 0;
	for (size_t j = fn_hash(fn) & (fs->cap - 1); fs->id[j]; j = (j + 1) & (fs->cap - 1))
		if (fn_same(&p->function.v[fs->id[j] - 1], fn))
			return fs->id[j];
	return 0;
}

struct run {
	cprof__symbolizer *s;
	cprof__profile *p;
	struct fnset fns;
	cprof__u64map strs; /* string pointer -> interned index (stable pointers only) */
	bool oom;
};

static int64_t intern(struct run *r, const char *str)
{
	if (!str || !str[0])
		return 0;
	int64_t i = (int64_t)cprof__u64map_get(&r->strs, (uintptr_t)str);
	if (i)
		return i;
	i = cprof__profile_str(r->p, str);
	if (i > 0 && !cprof__u64map_put(&r->strs, (uintptr_t)str, (uint64_t)i, calloc, free))
		r->oom = true;
	return i;
}

static uint64_t add_function(struct run *r, const struct frame *fr)
{
	cprof__profile *p = r->p;
	cprof__function fn = {
		.name = intern(r, fr->name),
		.system_name = intern(r, fr->sys ? fr->sys : fr->name),
		.filename = intern(r, fr->file),
		.start_line = fr->start_line,
	};
	if (p->oom)
		return 0;
	uint64_t id = fnset_find(&r->fns, p, &fn);
	if (id)
		return id;
	if (!CPROF_VEC_GROW(p, p->function, 1))
		return 0;
	p->function.v[p->function.n++] = fn;
	id = p->function.n;
	if (!fnset_insert(&r->fns, p, id))
		r->oom = true;
	return id;
}

struct mapstate {
	struct symfile *f;
	bool looked, noted;
};

static bool symbolize_location(struct run *r, struct symfile *f, cprof__mapping *m,
			       cprof__location *loc)
{
	uint64_t va;
	if (!to_vaddr(f, m, loc->address, &va))
		return false;
	struct frame fr[MAX_FRAMES];
	bool dwarf;
	int n = resolve(r->s, f, va, fr, &dwarf);
	if (n <= 0)
		return false;
	cprof__profile *p = r->p;
	cprof__line lines[MAX_FRAMES];
	bool any_file = false, any_line = false;
	for (int i = 0; i < n; i++) {
		lines[i] =
			(cprof__line){.function_id = add_function(r, &fr[i]), .line = fr[i].line};
		if (!lines[i].function_id)
			return false;
		any_file |= fr[i].file && fr[i].file[0];
		any_line |= fr[i].line > 0;
	}
	if (!CPROF_VEC_GROW(p, p->line_pool, (size_t)n))
		return false;
	loc->line_off = p->line_pool.n;
	loc->nline = (uint32_t)n;
	memcpy(p->line_pool.v + p->line_pool.n, lines, (size_t)n * sizeof(*lines));
	p->line_pool.n += (size_t)n;
	m->has_functions = true;
	m->has_filenames |= any_file;
	m->has_line_numbers |= any_line;
	m->has_inline_frames |= dwarf;
	return true;
}

static void note(cprof__buf *notes, const cprof__profile *p, const cprof__mapping *m,
		 const struct symfile *f)
{
	if (!notes)
		return;
	const char *bid = cprof__profile_string(p, m->build_id);
	char line[2 * PATH_MAX + 512];
	int n = snprintf(line, sizeof(line), "no symbols for %s%s%s%s: %s\n",
			 cprof__profile_string(p, m->file), bid[0] ? " (build id " : "", bid,
			 bid[0] ? ")" : "", f && f->why ? f->why : "out of memory");
	if (n > 0)
		cprof__buf_append(notes, line,
				  (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Symbolise location i (index into p->location.v).  false: it stays
 * without lines (counted as unresolved by the caller). */
static bool one_location(struct run *r, struct mapstate *ms, cprof__buf *notes, size_t i)
{
	cprof__symbolizer *s = r->s;
	cprof__profile *p = r->p;
	cprof__location *loc = &p->location.v[i];
	if (loc->nline)
		return true;
	if (!loc->mapping_id || loc->mapping_id > p->mapping.n)
		return false;
	cprof__mapping *m = &p->mapping.v[loc->mapping_id - 1];
	struct mapstate *st = &ms[loc->mapping_id - 1];
	if (m->has_functions && !st->looked)
		return true; /* symbolised before: leave it alone */
	const char *file = cprof__profile_string(p, m->file);
	if (!st->looked) {
		st->looked = true;
		if (!is_pseudo_file(file) || !strcmp(file, "[vdso]")) {
			st->f = get_file(s, file, cprof__profile_string(p, m->build_id), m->start);
			if (!st->f)
				r->oom = true;
		}
	}
	struct symfile *f = st->f;
	if (!f || (!f->mod && !f->elf)) {
		if (f && !st->noted && !is_pseudo_file(file)) {
			st->noted = true;
			/* One note per binary, not per mapping of it. */
			bool dup = false;
			for (size_t j = 0; j < p->mapping.n && !dup; j++)
				dup = &ms[j] != st && ms[j].noted && ms[j].f == f;
			if (!dup)
				note(notes, p, m, f);
		}
		return false;
	}
	return symbolize_location(r, f, m, loc);
}

/* Transient mode: the locations grouped by binary (mapping file and build
 * id), and each binary closed once its group is done, with the caches whose
 * keys point into its mapped file.  At most one binary is open at a time:
 * the peak memory is the largest binary's, not the sum of all of them.
 * false on OOM. */
static bool by_binary(struct run *r, struct mapstate *ms, cprof__buf *notes, int *failed)
{
	cprof__symbolizer *s = r->s;
	cprof__profile *p = r->p;
	size_t nm = p->mapping.n, nl = p->location.n;
	/* grp[k]: the first mapping with mapping k's file and build id (string
	 * indices: the profile interns equal strings once); nm for none. */
	size_t *grp = malloc((nm + 1) * sizeof(*grp));
	size_t *cnt = calloc(nm + 2, sizeof(*cnt));
	size_t *order = malloc((nl ? nl : 1) * sizeof(*order));
	bool ok = grp && cnt && order;
	for (size_t k = 0; ok && k < nm; k++) {
		const cprof__mapping *a = &p->mapping.v[k];
		grp[k] = k;
		for (size_t j = 0; j < k; j++)
			if (p->mapping.v[j].file == a->file &&
			    p->mapping.v[j].build_id == a->build_id) {
				grp[k] = j;
				break;
			}
	}
	if (ok)
		grp[nm] = nm;
	/* Counting sort of the locations by group. */
	for (size_t i = 0; ok && i < nl; i++) {
		uint64_t id = p->location.v[i].mapping_id;
		cnt[(id && id <= nm ? grp[id - 1] : nm) + 1]++;
	}
	for (size_t g = 1; ok && g <= nm + 1; g++)
		cnt[g] += cnt[g - 1];
	for (size_t i = 0; ok && i < nl; i++) {
		uint64_t id = p->location.v[i].mapping_id;
		order[cnt[id && id <= nm ? grp[id - 1] : nm]++] = i;
	}
	/* cnt[g] is now the end of group g in order. */
	size_t i = 0;
	for (size_t g = 0; ok && g <= nm && !r->oom && !p->oom; g++) {
		s->batch_p = p;
		s->batch_loc = order + i;
		s->batch_n = cnt[g] - i;
		for (; i < cnt[g] && !r->oom && !p->oom; i++)
			*failed += !one_location(r, ms, notes, order[i]);
		s->batch_p = NULL;
		s->batch_loc = NULL;
		s->batch_n = 0;
		if (s->nfiles == 0)
			continue;
		for (size_t k = 0; k < s->nfiles; k++)
			symfile_free(s->files[k]);
		s->nfiles = 0;
		for (size_t k = 0; k < nm; k++)
			ms[k].f = NULL; /* done with: its locations were all in this group */
		demangled_clear(s);
		cprof__u64map_free(&r->strs, free);
	}
	free(grp);
	free(cnt);
	free(order);
	return ok;
}

int cprof__symbolize_profile(cprof__symbolizer *s, cprof__profile *p, cprof__buf *notes)
{
	if (p->oom)
		return -ENOMEM;
	struct run r = {.s = s, .p = p};
	struct mapstate *ms = calloc(p->mapping.n + 1, sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	for (size_t i = 0; i < p->function.n; i++)
		if (!fnset_insert(&r.fns, p, i + 1))
			r.oom = true;
	int failed = 0;
	if (!s->transient) {
		for (size_t i = 0; i < p->location.n && !r.oom && !p->oom; i++)
			failed += !one_location(&r, ms, notes, i);
	} else if (!by_binary(&r, ms, notes, &failed)) {
		r.oom = true;
	}
	free(ms);
	free(r.fns.id);
	cprof__u64map_free(&r.strs, free);
	if (r.oom || p->oom || (notes && cprof__buf_failed(notes)))
		return -ENOMEM;
	return failed;
}
