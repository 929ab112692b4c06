/*
 * elfread.h — the little of an ELF file that naming functions needs (GNU
 * build id, PT_LOAD segments, whether it carries DWARF, .gnu_debuglink, the
 * function symbols of .symtab/.dynsym), read with pread into small buffers.
 *
 * Why not libelf: the runtime symbolises inside the profiled process, where
 * every megabyte counts (docs/PERFORMANCE.md, "Footprint").  For a binary
 * without its own DWARF — every Debian binary and library — libdw would be
 * mapped and the whole symbol and string tables read into memory
 * only to name a few hundred addresses; this reader keeps one compact entry
 * per function symbol and reads a name only when a sample needs it.
 * symbolize.c uses it in lean mode and keeps libdw for files with DWARF.
 *
 * Only this machine's ELF class and byte order are read; anything else is
 * left to libdw (cprof__elf_open returns 1).  Every offset and size is
 * checked against the file: a corrupt file yields an error or fewer
 * symbols, never a read outside a buffer.
 */
#ifndef CPROF_ELFREAD_H
#define CPROF_ELFREAD_H

#include "compat.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPROF_ELF_MAX_BUILD_ID 64

typedef struct cprof__elfseg { /* one PT_LOAD */
	uint64_t off, filesz, vaddr, memsz;
	bool exec;
} cprof__elfseg;

typedef struct cprof__elftab { /* a symbol table and its string table */
	uint64_t off, size, entsize;
	uint64_t stroff, strsize;
} cprof__elftab;

typedef struct cprof__elffile {
	int fd; /* owned when open */
	bool open;
	uint64_t size; /* of the file */
	unsigned char build_id[CPROF_ELF_MAX_BUILD_ID];
	int nbuild_id; /* 0: none */
	cprof__elfseg *seg;
	size_t nseg;
	bool dwarf;           /* a .debug_info or .zdebug_info with contents */
	cprof__elftab symtab; /* size 0 when absent */
	cprof__elftab dynsym; /* size 0 when absent */
	char debuglink[256];  /* .gnu_debuglink's file name, "" when none */
} cprof__elffile;

/* Read fd's headers into e (fd is owned by e from then on, whatever the
 * result).  0: read; 1: an ELF of another class or byte order (e->fd is
 * still open: hand it to libelf); a negative errno (-EINVAL: not a regular
 * file, -ENOEXEC: not an ELF file, or a corrupt one) with the reason in
 * why. */
int cprof__elf_open(cprof__elffile *e, int fd, char *why, size_t whylen);
/* Closes the fd and frees the segments.  A zeroed e is a no-op. */
void cprof__elf_close(cprof__elffile *e);

/* Calls fn for each defined, named STT_FUNC / STT_GNU_IFUNC symbol of t,
 * with its value, size, binding (STB_*) and name offset (for
 * cprof__elf_name).  Reads the table in chunks.  false when fn returned
 * false (it stops there) or the file could not be read. */
typedef bool cprof__elf_fn(void *ctx, uint64_t value, uint64_t size, int bind, uint32_t name);
bool cprof__elf_funcs(const cprof__elffile *e, const cprof__elftab *t, cprof__elf_fn *fn,
		      void *ctx);
/* The NUL-terminated name at offset `name` of t's string table into buf.
 * false if unreadable or longer than len - 1. */
bool cprof__elf_name(const cprof__elffile *e, const cprof__elftab *t, uint32_t name, char *buf,
		     size_t len);

#endif
