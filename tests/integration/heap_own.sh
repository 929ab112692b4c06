# cprof's own memory comes from its own mappings, never from the program's
# allocator (issue 11): with the heap profiler (every allocation recorded)
# and the CPU profiler on at once,
#  - tests/progs/heap_own: a profile written while thousands of freed small
#    chunks sit in glibc's fastbins leaves glibc's statistics untouched (no
#    consolidation, no bytes left in use), and threads created through
#    cprof's trampoline add nothing of cprof's;
#  - no stack of the program's heap profile, ours or perl's, holds a frame
#    of cprof or of what it calls to build profiles (unwind tables, libdw,
#    zlib, stdio, qsort);
#  - the counts are the program's: perl's do not change when the CPU
#    profiler (and its writing) is added.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/own" heap_own.c -I"$CPROF_ROOT/include" -ldl

cprof_re='cprof|trampoline|tab_grow|strtab_|qsort|dwfl_|dwarf_|libdw|elf_|inflate|deflate|unwind'
# noframes NAME PROFILE: no frame of cprof's in any stack.
noframes() {
	if [ -n "$NOSAMPLE" ]; then
		na "$1_no_cprof_frames" "$NOSAMPLE_WHY"
		return
	fi
	if ! go tool pprof -traces -sample_index=alloc_space "$2" >"$T/$1.traces" 2>"$T/$1.tr.err" ||
		! grep -q 'bytes:' "$T/$1.traces"; then
		nok "$1_no_cprof_frames" "pprof -traces: $(head -c 300 "$T/$1.tr.err")"
		return
	fi
	bad=$(grep -E -- "$cprof_re" "$T/$1.traces" | sed 's/^ *//' | sort -u | head -5 | tr '\n' '|')
	eq "$1_no_cprof_frames" "$bad" ""
}

hrun own CPROF_HEAP="$T/own.pb.gz" CPROF_HEAP_RATE=1 CPROF_CPU="$T/own.cpu.pb.gz" "$T/own" "$T/own.api.pb.gz"
want_rc own 0
if [ -n "$NOSAMPLE" ]; then
	na own_glibc_untouched "$NOSAMPLE_WHY"
else
	sed -n 's/^\(not \)\{0,1\}ok /&own_/p' "$T/own.out"
fi
noframes own "$T/own.pb.gz"
noframes own_api "$T/own.api.pb.gz"

# perl: heap alone, then heap and CPU together.
script='my %h; $h{$_} = "v$_" for 1 .. 50000; delete $h{$_} for 1 .. 25000; print scalar(keys %h), "\n";'
hrun perl_heap CPROF_HEAP="$T/perl_heap.pb.gz" CPROF_HEAP_RATE=1 perl -e "$script"
want_rc perl_heap 0
hrun perl_both CPROF_HEAP="$T/perl_both.pb.gz" CPROF_HEAP_RATE=1 CPROF_CPU="$T/perl_both.cpu.pb.gz" perl -e "$script"
want_rc perl_both 0
eq perl_output "$(cat "$T/perl_both.out")" 25000
noframes perl_heap "$T/perl_heap.pb.gz"
noframes perl_both "$T/perl_both.pb.gz"
if [ -n "$NOSAMPLE" ]; then
	na perl_same_counts "$NOSAMPLE_WHY"
else
	# Every allocation is recorded: the objects perl allocated are the
	# same with and without the CPU profiler, but for perl's copies of the
	# environment variables the CPU profiler sets (a few dozen objects).
	near perl_same_alloc_objects "$(total "$T/perl_both.pb.gz" alloc_objects)" \
		"$(total "$T/perl_heap.pb.gz" alloc_objects)" 0.1
fi
