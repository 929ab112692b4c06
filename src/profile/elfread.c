/*
 * elfread.c — build id, segments and function symbols of an ELF file, with
 * pread.  See elfread.h for why this is not libelf.
 */
#include "compat.h"
#include "profile/elfread.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SECTIONS 65536
#define MAX_SHSTRTAB (1u << 20)
#define MAX_NOTES (64u << 10)
#define CHUNK 4096 /* symbols read at a time: 96 KB on a 64-bit ELF */

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_DATA ELFDATA2LSB
#else
#define NATIVE_DATA ELFDATA2MSB
#endif
#if __SIZEOF_POINTER__ == 8
#define NATIVE_CLASS ELFCLASS64
#else
#define NATIVE_CLASS ELFCLASS32
#endif

static void say(char *why, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

/* The whole of [off, off + len) or false. */
static bool read_at(const cprof__elffile *e, void *buf, size_t len, uint64_t off)
{
	if (off > e->size || len > e->size - off)
		return false;
	for (size_t done = 0; done < len;) {
		ssize_t r = pread(e->fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		done += (size_t)r;
	}
	return true;
}

static bool in_file(const cprof__elffile *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off;
}

/* The GNU build id among the notes in buf[0, len), aligned to `align`. */
static void find_build_id(cprof__elffile *e, const unsigned char *buf, size_t len, size_t align)
{
	size_t a = align == 8 ? 8 : 4;
	for (size_t p = 0; len - p >= sizeof(ElfW(Nhdr)) && p < len;) {
		ElfW(Nhdr) nh;
		memcpy(&nh, buf + p, sizeof(nh));
		size_t name = p + sizeof(nh);
		size_t nsz = ((size_t)nh.n_namesz + a - 1) & ~(a - 1);
		size_t dsz = ((size_t)nh.n_descsz + a - 1) & ~(a - 1);
		if (nh.n_namesz > len || nh.n_descsz > len || nsz > len - name ||
		    dsz > len - name - nsz)
			return;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp(buf + name, "GNU", 4) && nh.n_descsz > 0 &&
		    nh.n_descsz <= CPROF_ELF_MAX_BUILD_ID) {
			memcpy(e->build_id, buf + name + nsz, nh.n_descsz);
			e->nbuild_id = (int)nh.n_descsz;
			return;
		}
		p = name + nsz + dsz;
	}
}

static void notes_at(cprof__elffile *e, uint64_t off, uint64_t len, uint64_t align)
{
	if (e->nbuild_id || len == 0 || len > MAX_NOTES || !in_file(e, off, len))
		return;
	unsigned char *buf = malloc((size_t)len);
	if (buf && read_at(e, buf, (size_t)len, off))
		find_build_id(e, buf, (size_t)len, (size_t)align);
	free(buf);
}

static bool read_phdrs(cprof__elffile *e, const ElfW(Ehdr) * eh, char *why, size_t whylen)
{
	size_t n = eh->e_phnum;
	if (n == 0)
		return true;
	if (eh->e_phentsize != sizeof(ElfW(Phdr)) || n == PN_XNUM) {
		say(why, whylen, "unsupported program headers");
		return false;
	}
	ElfW(Phdr) *ph = calloc(n, sizeof(*ph));
	e->seg = calloc(n, sizeof(*e->seg));
	if (!ph || !e->seg || !read_at(e, ph, n * sizeof(*ph), eh->e_phoff)) {
		free(ph);
		say(why, whylen, "%s", e->seg ? "truncated program headers" : "out of memory");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (ph[i].p_type == PT_LOAD)
			e->seg[e->nseg++] =
				(cprof__elfseg){ph[i].p_offset, ph[i].p_filesz, ph[i].p_vaddr,
						ph[i].p_memsz, (ph[i].p_flags & PF_X) != 0};
	}
	/* Program-header notes, for files without section headers. */
	for (size_t i = 0; i < n && !e->nbuild_id; i++)
		if (ph[i].p_type == PT_NOTE)
			notes_at(e, ph[i].p_offset, ph[i].p_filesz, ph[i].p_align);
	free(ph);
	return true;
}

static bool table(const cprof__elffile *e, const ElfW(Shdr) * sh, size_t nsh, size_t i,
		  cprof__elftab *t)
{
	const ElfW(Shdr) *s = &sh[i];
	if (s->sh_entsize < sizeof(ElfW(Sym)) || s->sh_link == 0 || s->sh_link >= nsh ||
	    !in_file(e, s->sh_offset, s->sh_size))
		return false;
	const ElfW(Shdr) *str = &sh[s->sh_link];
	if (str->sh_type != SHT_STRTAB || !in_file(e, str->sh_offset, str->sh_size))
		return false;
	*t = (cprof__elftab){s->sh_offset, s->sh_size, s->sh_entsize, str->sh_offset, str->sh_size};
	return true;
}

static bool read_shdrs(cprof__elffile *e, const ElfW(Ehdr) * eh, char *why, size_t whylen)
{
	if (eh->e_shoff == 0)
		return true;
	if (eh->e_shentsize != sizeof(ElfW(Shdr))) {
		say(why, whylen, "unsupported section headers");
		return false;
	}
	ElfW(Shdr) first;
	if (!read_at(e, &first, sizeof(first), eh->e_shoff)) {
		say(why, whylen, "truncated section headers");
		return false;
	}
	size_t n = eh->e_shnum ? eh->e_shnum : first.sh_size;
	size_t strndx = eh->e_shstrndx == SHN_XINDEX ? first.sh_link : eh->e_shstrndx;
	if (n == 0 || n > MAX_SECTIONS) {
		say(why, whylen, "invalid section count");
		return false;
	}
	ElfW(Shdr) *sh = calloc(n, sizeof(*sh));
	if (!sh || !read_at(e, sh, n * sizeof(*sh), eh->e_shoff)) {
		free(sh);
		say(why, whylen, "truncated section headers");
		return false;
	}
	char *names = NULL;
	size_t nnames = 0;
	if (strndx < n && sh[strndx].sh_type == SHT_STRTAB && sh[strndx].sh_size <= MAX_SHSTRTAB &&
	    (names = malloc(sh[strndx].sh_size + 1)) &&
	    read_at(e, names, sh[strndx].sh_size, sh[strndx].sh_offset)) {
		nnames = sh[strndx].sh_size;
		names[nnames] = 0;
	}
	for (size_t i = 1; i < n; i++) {
		const ElfW(Shdr) *s = &sh[i];
		const char *name = names && s->sh_name < nnames ? names + s->sh_name : "";
		if (s->sh_type == SHT_SYMTAB && !e->symtab.size)
			table(e, sh, n, i, &e->symtab);
		else if (s->sh_type == SHT_DYNSYM && !e->dynsym.size)
			table(e, sh, n, i, &e->dynsym);
		else if (s->sh_type == SHT_NOTE)
			notes_at(e, s->sh_offset, s->sh_size, s->sh_addralign);
		else if (s->sh_type != SHT_NOBITS && s->sh_size > 0 &&
			 (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")))
			e->dwarf = true;
		else if (s->sh_type != SHT_NOBITS && !strcmp(name, ".gnu_debuglink") &&
			 s->sh_size > 4) {
			/* The file name, NUL-padded to 4 bytes, then its CRC. */
			size_t k = s->sh_size < sizeof(e->debuglink) ? (size_t)s->sh_size
								     : sizeof(e->debuglink) - 1;
			if (!read_at(e, e->debuglink, k, s->sh_offset) ||
			    !memchr(e->debuglink, 0, k))
				k = 0;
			e->debuglink[k] = 0;
		}
	}
	free(names);
	free(sh);
	return true;
}

int cprof__elf_open(cprof__elffile *e, int fd, char *why, size_t whylen)
{
	memset(e, 0, sizeof(*e));
	e->fd = fd;
	e->open = true;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		say(why, whylen, "not a regular file");
		return -EINVAL;
	}
	e->size = (uint64_t)st.st_size;
	unsigned char ident[EI_NIDENT];
	if (!read_at(e, ident, sizeof(ident), 0) || memcmp(ident, ELFMAG, SELFMAG) != 0) {
		say(why, whylen, "not an ELF file");
		return -ENOEXEC;
	}
	if (ident[EI_CLASS] != NATIVE_CLASS || ident[EI_DATA] != NATIVE_DATA)
		return 1;
	ElfW(Ehdr) eh;
	if (!read_at(e, &eh, sizeof(eh), 0)) {
		say(why, whylen, "truncated ELF header");
		return -ENOEXEC;
	}
	if (!read_phdrs(e, &eh, why, whylen) || !read_shdrs(e, &eh, why, whylen))
		return -ENOEXEC;
	return 0;
}

void cprof__elf_close(cprof__elffile *e)
{
	if (e->open)
		close(e->fd);
	free(e->seg);
	memset(e, 0, sizeof(*e));
}

bool cprof__elf_funcs(const cprof__elffile *e, const cprof__elftab *t, cprof__elf_fn *fn, void *ctx)
{
	if (t->entsize < sizeof(ElfW(Sym)) || t->entsize > 1024)
		return false;
	uint64_t n = t->size / t->entsize;
	char *buf = malloc(CHUNK * t->entsize);
	if (!buf)
		return false;
	bool ok = true;
	for (uint64_t i = 0; i < n && ok; i += CHUNK) {
		size_t k = n - i < CHUNK ? (size_t)(n - i) : CHUNK;
		if (!read_at(e, buf, k * t->entsize, t->off + i * t->entsize)) {
			ok = false;
			break;
		}
		for (size_t j = 0; j < k && ok; j++) {
			ElfW(Sym) s;
			memcpy(&s, buf + j * t->entsize, sizeof(s));
			int type = ELF64_ST_TYPE(s.st_info);
			if (s.st_name == 0 || s.st_shndx == SHN_UNDEF || s.st_name >= t->strsize ||
			    (type != STT_FUNC && type != STT_GNU_IFUNC))
				continue;
			ok = fn(ctx, s.st_value, s.st_size, ELF64_ST_BIND(s.st_info), s.st_name);
		}
	}
	free(buf);
	return ok;
}

bool cprof__elf_name(const cprof__elffile *e, const cprof__elftab *t, uint32_t name, char *buf,
		     size_t len)
{
	if (len == 0 || name >= t->strsize)
		return false;
	uint64_t avail = t->strsize - name;
	size_t want = avail < len ? (size_t)avail : len;
	/* Names end before the table does; read what fits, then find the NUL. */
	if (!read_at(e, buf, want, t->stroff + name))
		return false;
	char *nul = memchr(buf, 0, want);
	if (!nul)
		return false;
	return true;
}
