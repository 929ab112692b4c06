# What libcprof keeps in a process (docs/PERFORMANCE.md, "Footprint"):
# structural facts, not RSS figures (those are bench/footprint.sh's).
#   - libdw (and libelf, libdebuginfod, libcurl) is not mapped in a process
#     that libcprof is preloaded into, profiling or not, until a profile is
#     symbolised, and is unmapped again once it is written; a program
#     without DWARF never loads it at all;
#   - cprof's own threads (named "cprof") run on small stacks, not the 8 MB
#     default.
. "$CPROF_ROOT/tests/lib.sh"

# maps_has NAME FILE: FILE (a copy of /proc/PID/maps) maps a library NAME.*
maps_has() { grep -Eq "/$1[.-][^/]*\$" "$2"; }

for mode in preload cpu heap both; do
	case $mode in
	preload) set -- ;;
	cpu) set -- CPROF_CPU="$T/cpu.pb.gz" ;;
	heap) set -- CPROF_HEAP="$T/heap.pb.gz" ;;
	both) set -- CPROF_CPU="$T/cpu.pb.gz" CPROF_HEAP="$T/heap.pb.gz" ;;
	esac
	env LD_PRELOAD="$PRELOAD" "$@" cat /proc/self/maps >"$T/maps.$mode" 2>"$T/maps.$mode.err"
	check "${mode}_cat_exit_status_0" test $? = 0
	check "${mode}_cprof_is_mapped" grep -q 'libcprof\.so' "$T/maps.$mode"
	for lib in libdw libelf libdebuginfod libcurl liblzma libbz2; do
		check "${mode}_${lib}_not_mapped" sh -c "! $(command -v grep) -Eq '/$lib[.-][^/]*\$' '$T/maps.$mode'"
	done
done
check cpu_profile_written_after_cat test -s "$T/cpu.pb.gz"

# A program without DWARF (Debian's sqlite3; libc named from libc6-dbg's
# .symtab): its profiles are named by elfread.c, libdw is never loaded.
echo 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<300000) SELECT sum(x) FROM c;' >"$T/q.sql"
env LD_PRELOAD="$PRELOAD" LD_DEBUG=libs LD_DEBUG_OUTPUT="$T/ld" CPROF_CPU="$T/sq.cpu.pb.gz" \
	CPROF_HEAP="$T/sq.heap.pb.gz" sqlite3 :memory: <"$T/q.sql" >"$T/sq.out" 2>"$T/sq.err"
check "sqlite3_exit_status_0 ($?)" test $? = 0
check sqlite3_output_unchanged grep -qx 45000150000 "$T/sq.out"
check sqlite3_loader_log_written sh -c "cat '$T'/ld.* | grep -q 'calling init'"
if [ -n "$SANITIZE" ]; then
	# libasan, libubsan and libtsan carry DWARF: samples in them load libdw.
	na sqlite3_libdw_never_loaded "the sanitizer's runtime carries DWARF"
else
	check sqlite3_libdw_never_loaded sh -c "! cat '$T'/ld.* | grep -q 'find library=libdw'"
fi
if pprof_top "$T/sq.cpu.pb.gz" >"$T/sq.top"; then
	ok sqlite3_cpu_profile_readable
	[ -z "$SANITIZE" ] && check sqlite3_cpu_profile_named grep -q 'sqlite3VdbeExec' "$T/sq.top"
else
	nok sqlite3_cpu_profile_readable
fi

# Through the API: nothing before the profile, small stacks for cprof's
# threads while it runs, nothing left once it is written.
cc_prog "$T/footprint_maps" footprint_maps.c -ldl
env LD_PRELOAD="$PRELOAD" "$T/footprint_maps" "$T/api.pb.gz" >"$T/api.out" 2>"$T/api.err"
rc=$?
if [ "$rc" = 0 ]; then ok api_exit_status_0; else nok api_exit_status_0 "$(head -c 400 "$T/api.err")"; fi
check api_nothing_before grep -qx 'before: none' "$T/api.out"
check api_nothing_after_profile_written grep -qx 'after: none' "$T/api.out"
n=$(grep -c '^thread ' "$T/api.out")
check "api_cprof_threads_seen ($n)" test "$n" -ge 1
# 512 KB (sanitizer builds: 4 MB) and a guard page, never the 8 MB default.
max=1024
[ -n "$SANITIZE" ] && max=6144
big=$(awk -v max=$max '/^thread / && ($4 > max || $4 == 0)' "$T/api.out")
check "api_cprof_thread_stacks_small (max ${max} KB)" test -z "$big"
if [ -n "$big" ]; then echo "# $big"; fi
if pprof_top "$T/api.pb.gz" >"$T/api.top"; then
	ok api_profile_readable
	if [ -z "$TSAN" ]; then
		check api_profile_symbolised grep -Eq '[[:space:]]main$' "$T/api.top"
	fi
else
	nok api_profile_readable
fi
