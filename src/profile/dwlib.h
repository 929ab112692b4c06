/*
 * dwlib.h — elfutils' libdw (with libelf), loaded with dlopen while a
 * symbolizer exists.
 *
 * Linked normally, libdw and its dependencies (libelf, libz, liblzma,
 * libbz2) are mapped and relocated in every process libcprof is preloaded
 * into, from its first instruction, whether it ever writes a profile or not
 * (docs/PERFORMANCE.md, "Footprint").  symbolize.c calls them through the
 * table below instead: cprof__dwlib_open() loads the library when a
 * symbolizer is made, and cprof__dwlib_close() unloads it when the last one
 * is freed, so a process keeps nothing of it once its profile is written.
 * The runtime and the `cprof` command share this path (the command and the
 * unit tests also link libdw, so there the dlopen finds it loaded).
 */
#ifndef CPROF_DWLIB_H
#define CPROF_DWLIB_H

#include "compat.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stddef.h>

/* Every libdw/libelf function symbolize.c calls. */
/* clang-format off */
#define CPROF_DWLIB_FNS(X)                                                                     \
	X(dwarf_attr) X(dwarf_attr_integrate) X(dwarf_child) X(dwarf_decl_file)                \
	X(dwarf_decl_line) X(dwarf_filesrc) X(dwarf_formstring) X(dwarf_formudata)             \
	X(dwarf_getsrc_die) X(dwarf_getsrcfiles) X(dwarf_lineno) X(dwarf_linesrc)              \
	X(dwarf_nextcu) X(dwarf_offdie) X(dwarf_ranges) X(dwarf_siblingof) X(dwarf_tag)        \
	X(dwelf_elf_gnu_build_id) X(dwfl_begin) X(dwfl_build_id_find_debuginfo) X(dwfl_end)    \
	X(dwfl_errmsg) X(dwfl_module_addrdie) X(dwfl_module_build_id)                          \
	X(dwfl_module_getdwarf) X(dwfl_module_getelf) X(dwfl_module_getsym_info)               \
	X(dwfl_module_getsymtab) X(dwfl_offline_section_address) X(dwfl_report_begin)          \
	X(dwfl_report_elf) X(dwfl_report_end) X(elf_begin) X(elf_end) X(elf_getphdrnum)        \
	X(elf_getshdrstrndx) X(elf_nextscn) X(elf_strptr) X(gelf_getphdr) X(gelf_getshdr)
/* clang-format on */

typedef struct cprof__dwlib {
#define CPROF_DWLIB_FIELD(f) __typeof__(f) *f;
	CPROF_DWLIB_FNS(CPROF_DWLIB_FIELD)
#undef CPROF_DWLIB_FIELD
} cprof__dwlib;

/* The loaded functions; valid between a successful cprof__dwlib_open() and
 * the matching cprof__dwlib_close(). */
extern cprof__dwlib cprof__dw;

/* Load libdw.so.1 (first call) or take another reference.  0, or a negative
 * errno (-ELIBACC: not loadable, -ELIBBAD: a function missing) with
 * "cannot load libdw.so.1 (why)" in err.  Thread-safe; normal context.
 * Never calls an interposed dlopen (libcprof's own would rescan the
 * process's modules for a library it does not profile). */
int cprof__dwlib_open(char *err, size_t errlen);
/* Drop a reference; the last one unloads the library.  Nothing obtained
 * from libdw (Dwfl handles, names in mapped files) may be used after it. */
void cprof__dwlib_close(void);

#endif
