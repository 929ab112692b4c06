/*
 * symbolize.h — turn the addresses of a profile into functions, files and
 * lines, from local ELF binaries and their DWARF, with elfutils libdwfl.
 *
 * Used by the runtime (inside the profiled process, when a profile is
 * stopped; never from a signal handler: everything here allocates and takes
 * libdw's locks) and by the CLI (offline, on profiles from other processes).
 * docs/SYMBOLIZATION.md describes the search order and address translation.
 *
 * A symbolizer caches, per binary, the opened ELF/DWARF, its PT_LOAD table
 * and a per-compilation-unit index of functions, so reuse one symbolizer for
 * every profile of a run.  Not thread-safe: one thread at a time per
 * symbolizer (distinct symbolizers may be used concurrently).
 */
#ifndef CPROF_SYMBOLIZE_H
#define CPROF_SYMBOLIZE_H

#include "compat.h"
#include "base/buf.h"
#include "profile/profile.h"

typedef struct cprof__symbolizer cprof__symbolizer;

/* binary_path: PPROF_BINARY_PATH-style ':'-separated directories searched
 * for binaries before the mapping's own path (may be NULL or "").  The
 * string is copied.  Returns NULL on OOM. */
cprof__symbolizer *cprof__symbolizer_new(const char *binary_path);
/* Lean mode (off by default): DWARF only from binaries that carry it
 * themselves.  A binary whose debug info is in a separate file (Debian's
 * -dbg packages: libc6-dbg) is named from its symbol table only, without
 * file, line or inline frames: libdw inflates every compressed section of
 * such a file when it opens it (tens of milliseconds and megabytes for
 * libc's: docs/PERFORMANCE.md), which the runtime does not want to spend
 * inside the profiled process. */
void cprof__symbolizer_set_lean(cprof__symbolizer *s, bool lean);
/* Transient mode (off by default): cprof__symbolize_profile takes the
 * locations binary by binary and closes each binary (its mapped file, libdw
 * state and indexes) once its locations are done, so that at most one is
 * open at a time; nothing is cached for the next profile.  The runtime's
 * mode: it symbolises one profile per symbolizer, inside the host, where
 * the peak memory counts more than a second profile's speed. */
void cprof__symbolizer_set_transient(cprof__symbolizer *s, bool transient);
/* Lean mode reads the symbol tables of binaries without their own DWARF
 * with elfread.c, without loading libdw (on by default).  Off, it goes
 * through libdw as full mode does: the tests compare the two. */
void cprof__symbolizer_set_elfread(cprof__symbolizer *s, bool on);
/* Lean mode: the binary that holds addr (the runtime passes one of its own
 * functions) is named from its symbol table even when it carries DWARF.
 * Samples land in libcprof's malloc interposers; naming them is not worth
 * loading libdw into the host. */
void cprof__symbolizer_set_self(cprof__symbolizer *s, const void *addr);
/* Closes every cached file.  NULL is a no-op. */
void cprof__symbolizer_free(cprof__symbolizer *s);

/*
 * Symbolise p in place: every Location with no lines whose mapping is not
 * yet symbolised (has_functions false) gets Lines — innermost (inlined)
 * frame first, the physical function last — pointing to Functions added to
 * p (deduplicated by name + system_name + filename, also against Functions
 * already in p).  C++ names are demangled into Function.name; the mangled
 * name is Function.system_name (C: both the same).  Each touched mapping's
 * has_functions / has_filenames / has_line_numbers / has_inline_frames
 * flags are set to what was found (only ever set, never cleared).
 *
 * Mappings whose binary can't be found, read, or whose GNU build id does
 * not match get one line per binary appended to `notes` (may be NULL):
 *   "no symbols for PATH (build id HEX): WHY\n"
 * Pseudo-mappings ([vdso], [vsyscall], [heap], anonymous, //anon, /dev/...)
 * and locations without a mapping are skipped without a note.
 *
 * Returns the number of considered locations left without lines (>= 0),
 * or -ENOMEM (p->oom or notes failed).  Corrupt ELF/DWARF never crashes:
 * the file is reported in `notes` or yields fewer symbols.
 */
int cprof__symbolize_profile(cprof__symbolizer *s, cprof__profile *p, cprof__buf *notes);

#endif
