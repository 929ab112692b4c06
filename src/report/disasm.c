/*
 * disasm.c — the `disasm REGEX` report (pprof's PrintAssembly): for each
 * symbol matching REGEX in the binaries that have samples, its objdump
 * disassembly annotated with flat/cum values per instruction.  Symbols come
 * from the ELF symbol table (libelf); instructions, functions and lines from
 * `objdump -d -l -C --no-show-raw-insn`, parsed as pprof parses them.
 * go tool pprof uses Go's own disassembler (Go assembler syntax), so this
 * report shows GNU syntax where pprof shows Plan 9 syntax (docs/REPORTS.md).
 */
#include "compat.h"
#include "report/internal.h"
#include "report/units.h"
#include "base/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct dsym {
	char *name; /* first name; aliases in aka */
	char **aka;
	size_t naka;
	uint64_t start, end; /* object addresses, end exclusive */
	const char *file;    /* binary path */
	int64_t base;        /* runtime address - object address */
	uint64_t mstart, mlimit;
} dsym;

typedef struct inst {
	uint64_t addr;
	char *text, *function, *file;
	int line;
} inst;

/* Object address = runtime address - bias, bias from the PT_LOAD segment
 * holding the mapping's file offset (pprof's elfexec.GetBase, simplified). */
static bool elf_bias(Elf *e, const cprof__mapping *m, int64_t *bias)
{
	GElf_Ehdr eh;
	if (!gelf_getehdr(e, &eh))
		return false;
	size_t n;
	if (elf_getphdrnum(e, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (eh.e_type == ET_EXEC && m->start <= ph.p_vaddr && ph.p_vaddr < m->limit) {
			*bias = 0;
			return true;
		}
		if (m->offset >= ph.p_offset && m->offset < ph.p_offset + ph.p_filesz) {
			*bias = (int64_t)(m->start - m->offset) -
				(int64_t)(ph.p_vaddr - ph.p_offset);
			return true;
		}
	}
	*bias = eh.e_type == ET_EXEC ? 0 : (int64_t)(m->start - m->offset);
	return true;
}

static int dsym_cmp(const void *pa, const void *pb)
{
	const dsym *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->start < b->start ? -1 : a->start > b->start;
}

static int u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return a < b ? -1 : a > b;
}

/* Symbols of file matching rx (or containing address), appended to *out. */
static int elf_symbols(const char *path, const cprof__mapping *m, const regex_t *rx,
		       uint64_t address, bool has_address, dsym **out, size_t *n, size_t *cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	int64_t bias = 0;
	if (!e || !elf_bias(e, m, &bias)) {
		if (e)
			elf_end(e);
		close(fd);
		return 0;
	}
	for (int pass = 0; pass < 2; pass++) {
		Elf_Scn *scn = NULL;
		bool found = false;
		while ((scn = elf_nextscn(e, scn)) != NULL) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass == 0 ? SHT_SYMTAB : SHT_DYNSYM) || !sh.sh_entsize)
				continue;
			found = true;
			Elf_Data *d = elf_getdata(scn, NULL);
			size_t cnt = sh.sh_size / sh.sh_entsize;
			for (size_t i = 0; d && i < cnt; i++) {
				GElf_Sym s;
				if (!gelf_getsym(d, (int)i, &s) ||
				    GELF_ST_TYPE(s.st_info) != STT_FUNC || s.st_size == 0 ||
				    s.st_shndx == SHN_UNDEF)
					continue;
				const char *name = elf_strptr(e, sh.sh_link, s.st_name);
				if (!name || !*name)
					continue;
				bool addr_match =
					has_address && address - (uint64_t)bias >= s.st_value &&
					address - (uint64_t)bias <= s.st_value + s.st_size;
				if (!addr_match && regexec(rx, name, 0, NULL, 0) != 0)
					continue;
				/* Aliases: same range already listed. */
				size_t k = 0;
				for (; k < *n; k++)
					if ((*out)[k].file == path &&
					    (*out)[k].start == s.st_value &&
					    (*out)[k].end == s.st_value + s.st_size)
						break;
				if (k < *n) {
					dsym *ds = &(*out)[k];
					char **a =
						realloc(ds->aka, (ds->naka + 1) * sizeof(char *));
					if (a) {
						ds->aka = a;
						ds->aka[ds->naka++] = strdup(name);
					}
					continue;
				}
				if (*n == *cap) {
					size_t c = *cap ? *cap * 2 : 16;
					dsym *v = realloc(*out, c * sizeof(*v));
					if (!v)
						break;
					*out = v;
					*cap = c;
				}
				(*out)[(*n)++] = (dsym){strdup(name),
							NULL,
							0,
							s.st_value,
							s.st_value + s.st_size,
							path,
							bias,
							m->start,
							m->limit};
			}
		}
		if (found)
			break;
	}
	elf_end(e);
	close(fd);
	return 0;
}

/* Run objdump on [start, end) of file; parse as pprof's disassemble(). */
static inst *objdump(const char *file, uint64_t start, uint64_t end, bool intel, size_t *n,
		     char *err, size_t errlen)
{
	char tmpl[] = "/tmp/cprof-objdump.XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0) {
		snprintf(err, errlen, "temporary file: %s", strerror(errno));
		return NULL;
	}
	unlink(tmpl);
	char sa[40], ea[40];
	snprintf(sa, sizeof(sa), "--start-address=0x%llx", (unsigned long long)start);
	snprintf(ea, sizeof(ea), "--stop-address=0x%llx", (unsigned long long)end);
	char *args[12];
	int k = 0;
	args[k++] = "objdump";
	args[k++] = "--disassemble";
	args[k++] = "--demangle";
	args[k++] = "--no-show-raw-insn";
	args[k++] = "--line-numbers";
	args[k++] = sa;
	args[k++] = ea;
	if (intel) {
		args[k++] = "-M";
		args[k++] = "intel";
	}
	args[k++] = (char *)file;
	args[k] = NULL;
	int status = 0;
	int rc = cprof__spawn_wait(args, fd, true, &status);
	if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		close(fd);
		snprintf(err, errlen, "cannot disasm %s: %s", file,
			 rc ? "no objdump tool available (Debian: apt-get install binutils)"
			    : "objdump failed");
		return NULL;
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rewind(f);
	regex_t asm_re, fl_re, fn_re, llvm_re;
	regcomp(&asm_re, "^[[:space:]]*([[:xdigit:]]+):[[:space:]]+(.*)", REG_EXTENDED);
	regcomp(&fl_re, "^;?[[:space:]]?(.*):([0-9]+)", REG_EXTENDED);
	regcomp(&fn_re, "^;?[[:space:]]?([^[:space:]].*)\\(\\):", REG_EXTENDED);
	regcomp(&llvm_re, "^([[:xdigit:]]+)?[[:space:]]?(.*):", REG_EXTENDED);
	char *line = NULL, *function = strdup(""), *fname = strdup("");
	size_t lcap = 0, cap = 0;
	int lineno = 0;
	inst *v = NULL;
	*n = 0;
	ssize_t len;
	while ((len = getline(&line, &lcap, f)) >= 0) {
		char *s = line;
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		for (char *e = s + strlen(s);
		     e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r');)
			*--e = 0;
		regmatch_t m[3];
		if (regexec(&asm_re, s, 3, m, 0) == 0) {
			if (*n == cap) {
				cap = cap ? cap * 2 : 256;
				inst *nv = realloc(v, cap * sizeof(*v));
				if (!nv)
					break;
				v = nv;
			}
			v[*n] = (inst){strtoull(s + m[1].rm_so, NULL, 16),
				       strndup(s + m[2].rm_so, (size_t)(m[2].rm_eo - m[2].rm_so)),
				       strdup(function), strdup(fname), lineno};
			(*n)++;
			continue;
		}
		if (regexec(&fl_re, s, 3, m, 0) == 0) {
			free(fname);
			fname = strndup(s + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
			lineno = atoi(s + m[2].rm_so);
			continue;
		}
		if (regexec(&fn_re, s, 3, m, 0) == 0 || regexec(&llvm_re, s, 3, m, 0) == 0) {
			int g = regexec(&fn_re, s, 3, m, 0) == 0 ? 1 : 2;
			free(function);
			function = strndup(s + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
			continue;
		}
		free(function);
		free(fname);
		function = strdup("");
		fname = strdup("");
		lineno = 0;
	}
	free(line);
	free(function);
	free(fname);
	regfree(&asm_re);
	regfree(&fl_re);
	regfree(&fn_re);
	regfree(&llvm_re);
	fclose(f);
	return v;
}

int cprof__report_disasm(cprof__report *r, FILE *out, char *err, size_t errlen)
{
	regex_t rx;
	if (cprof__symbol_regcomp(r, &rx, err, errlen) < 0)
		return -1;
	const cprof__profile *p = r->p;
	int ret = -1;
	dsym *syms = NULL;
	size_t nsyms = 0, csyms = 0;
	bool *has = NULL;
	uint64_t *addrs = NULL;
	if (cprof__graph_build(r, false, false) < 0)
		goto oom;
	char *end;
	uint64_t address = strtoull(r->o.symbol ? r->o.symbol : "", &end, 0);
	bool has_address = r->o.symbol && *r->o.symbol && !*end;
	char b1[64], b2[64], b3[32];
	fprintf(out, "Total: %s\n", cprof__fmt_value(r, b1, sizeof(b1), r->total));
	has = calloc(r->strs.str.n + 1, sizeof(bool));
	if (!has)
		goto oom;
	for (size_t i = 0; i < r->nlist; i++) {
		cprof__gnode *n = &r->nodes[r->list[i]];
		if (n->info.objfile && regexec(&rx, cprof__node_name(r, n), 0, NULL, 0) == 0)
			has[n->info.objfile] = true;
	}
	for (size_t i = 0; i < p->mapping.n; i++) {
		const cprof__mapping *m = &p->mapping.v[i];
		int64_t fid = r->map_file[i];
		if (!has[fid] && !(has_address && m->start <= address && address <= m->limit))
			continue;
		elf_symbols(cprof__profile_string(p, m->file), m, &rx, address, has_address, &syms,
			    &nsyms, &csyms);
	}
	if (nsyms == 0) {
		snprintf(err, errlen, "no matches found for regexp: %s", r->o.symbol);
		goto out;
	}
	qsort(syms, nsyms, sizeof(*syms), dsym_cmp);
	/* Nodes by runtime address (address granularity). */
	addrs = malloc((r->nlist + 1) * sizeof(*addrs) * 2);
	if (!addrs)
		goto oom;
	size_t na = 0;
	for (size_t i = 0; i < r->nlist; i++) {
		addrs[2 * na] = r->nodes[r->list[i]].info.address;
		addrs[2 * na + 1] = r->list[i];
		na++;
	}
	qsort(addrs, na, 2 * sizeof(*addrs), u64_cmp);
	for (size_t si = 0; si < nsyms; si++) {
		const dsym *s = &syms[si];
		/* Nodes of this symbol: object address inside [start, end). */
		int64_t flat = 0, cum = 0;
		for (size_t k = 0; k < na; k++) {
			uint64_t a = addrs[2 * k];
			if (a < s->mstart || a >= s->mlimit)
				continue;
			uint64_t oa = a - (uint64_t)s->base;
			if (oa >= s->start && oa < s->end) {
				flat = cprof__wadd(flat, r->nodes[addrs[2 * k + 1]].flat);
				cum = cprof__wadd(cum, r->nodes[addrs[2 * k + 1]].cum);
			}
		}
		size_t ni = 0;
		inst *in = objdump(s->file, s->start, s->end, r->o.intel_syntax, &ni, err, errlen);
		if (!in)
			goto out;
		fprintf(out, "ROUTINE ======================== %s\n", s->name);
		for (size_t k = 0; k < s->naka; k++)
			fprintf(out, "    AKA ======================== %s\n", s->aka[k]);
		fprintf(out, "%10s %10s (flat, cum) %s of Total\n",
			cprof__fmt_value(r, b1, sizeof(b1), flat),
			cprof__fmt_value(r, b2, sizeof(b2), cum),
			cprof__units_pct(b3, sizeof(b3), cum, r->total));
		const char *function = "", *file = "";
		int line = 0;
		for (size_t k = 0; k < ni; k++) {
			uint64_t next = k + 1 < ni ? in[k + 1].addr : UINT64_MAX;
			int64_t f = 0, c = 0;
			const char *nfile = NULL;
			for (size_t q = 0; q < na; q++) {
				uint64_t a = addrs[2 * q];
				if (a < s->mstart || a >= s->mlimit)
					continue;
				uint64_t oa = a - (uint64_t)s->base;
				if (oa >= in[k].addr && oa < next) {
					const cprof__gnode *nd = &r->nodes[addrs[2 * q + 1]];
					f = cprof__wadd(f, nd->flat);
					c = cprof__wadd(c, nd->cum);
					if (!nfile && nd->info.file)
						nfile = cprof__profile_string(&r->strs,
									      nd->info.file);
				}
			}
			char base[4096] = "";
			const char *ifile =
				in[k].file[0] ? cprof__path_base(in[k].file, base, sizeof(base))
					      : (nfile ? cprof__path_base(nfile, base, sizeof(base))
						       : "");
			char loc[8192] = "";
			if (strcmp(in[k].function, function) || strcmp(ifile, file) ||
			    in[k].line != line) {
				function = in[k].function;
				line = in[k].line;
				static char filebuf[4096];
				snprintf(filebuf, sizeof(filebuf), "%s", ifile);
				file = filebuf;
				size_t o = 0;
				if (*function)
					o += (size_t)snprintf(loc + o, sizeof(loc) - o, "%s ",
							      function);
				if (*ifile) {
					o += (size_t)snprintf(loc + o, sizeof(loc) - o, "%s",
							      ifile);
					if (line)
						snprintf(loc + o, sizeof(loc) - o, ":%d", line);
				}
			}
			if (!*loc)
				fprintf(out, "%10s %10s %10llx: %s\n",
					cprof__fmt_value_or_dot(r, b1, sizeof(b1), f),
					cprof__fmt_value_or_dot(r, b2, sizeof(b2), c),
					(unsigned long long)in[k].addr, in[k].text);
			else if (strlen(in[k].text) < 40)
				fprintf(out, "%10s %10s %10llx: %-40s;%s\n",
					cprof__fmt_value_or_dot(r, b1, sizeof(b1), f),
					cprof__fmt_value_or_dot(r, b2, sizeof(b2), c),
					(unsigned long long)in[k].addr, in[k].text, loc);
			else
				fprintf(out, "%74s;%s\n%10s %10s %10llx: %s\n", "", loc,
					cprof__fmt_value_or_dot(r, b1, sizeof(b1), f),
					cprof__fmt_value_or_dot(r, b2, sizeof(b2), c),
					(unsigned long long)in[k].addr, in[k].text);
		}
		for (size_t k = 0; k < ni; k++) {
			free(in[k].text);
			free(in[k].function);
			free(in[k].file);
		}
		free(in);
	}
	ret = cprof__report_end(out, r->oom, err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	for (size_t i = 0; i < nsyms; i++) {
		free(syms[i].name);
		for (size_t k = 0; k < syms[i].naka; k++)
			free(syms[i].aka[k]);
		free(syms[i].aka);
	}
	free(syms);
	free(has);
	free(addrs);
	regfree(&rx);
	return ret;
}
