# libcprof runs inside other people's processes: it exports its API (cprof_*)
# and the libc/pthread functions it interposes, nothing else.
. "$CPROF_ROOT/tests/lib.sh"
# The names src/runtime/libcprof.map lists: the API and the interposed
# libc/pthread functions.  The shared object exports exactly these.
sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\);$/\1/p' "$CPROF_ROOT/src/runtime/libcprof.map" | sort -u >"$T/map"
nm -D --defined-only "$LIB" | awk '{ print $NF }' | sed 's/@.*//' | sort -u >"$T/exports"
extra=$(comm -13 "$T/map" "$T/exports" | tr '\n' ' ')
missing=$(comm -23 "$T/map" "$T/exports" | tr '\n' ' ')
check "map_lists_names ($(wc -l <"$T/map"))" test "$(wc -l <"$T/map")" -gt 20
check "exports_only_the_map (unexpected: ${extra:-none})" test -z "$extra"
check "exports_all_the_map (missing: ${missing:-none})" test -z "$missing"
# Every function the public header declares is in the map (not its static
# inline helpers, which are compiled into the caller).
decl=$(sed -n -e '/^static inline /d' -e 's/^[a-z].*[ *]\(cprof_[a-z0-9_]*\)(.*/\1/p' "$CPROF_ROOT/include/cprof.h" | sort -u)
for s in $decl; do
	check "exports_$s" grep -qx "$s" "$T/exports"
done
interposed=$(grep -v '^cprof_' "$T/map" | tr '\n' ' ')
# The static archive must not leak unprefixed globals either (static functions only).
nm --defined-only -g "$BUILD/libcprof.a" 2>/dev/null | awk 'NF == 3 && $2 ~ /[TDBR]/ { print $3 }' |
	grep -v -e '^cprof_' -e '^cprof__' -e '^__odr_asan' >"$T/aglobals"
for s in $interposed; do sed -i "/^$s\$/d" "$T/aglobals"; done
if [ -s "$T/aglobals" ]; then nok "archive_globals_prefixed" "$(tr '\n' ' ' <"$T/aglobals")"; else ok "archive_globals_prefixed"; fi
# libcprof_bench.a, installed for users' benchmark programs, holds the
# harness alone: `cprof benchstat` (src/benchstat/: benchstat, benchfmt,
# stats) is linked into the command only.  Every global the archive defines
# is the harness's (cprof_bench_*, cprof__bench_*, and bench_main.o's weak
# main) or the base layer's, and no benchstat object is a member.
BA=$BUILD/libcprof_bench.a
check "bench_archive_built" test -s "$BA"
ar t "$BA" >"$T/bmembers" 2>&1 || nok "bench_archive_members" "$(cat "$T/bmembers")"
bs_members=$(grep -E '^(benchstat|benchfmt|benchproc|benchunit|stats|table)[^/]*\.o$' "$T/bmembers" | tr '\n' ' ')
check "bench_archive_has_no_benchstat_objects (found: ${bs_members:-none})" test -z "$bs_members"
nm --defined-only -g "$BA" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$T/bglobals"
check "bench_archive_defines_the_harness ($(grep -c '^cprof_bench_' "$T/bglobals") cprof_bench_*)" grep -q '^cprof_bench_main$' "$T/bglobals"
bs_syms=$(grep -E '^cprof__(benchstat|bf|bp|bu|stats|table)_' "$T/bglobals" | head -5 | tr '\n' ' ')
check "bench_archive_has_no_benchstat_symbols (found: ${bs_syms:-none})" test -z "$bs_syms"
# ... and the base layer's objects the harness uses (src/base/, which the
# archive carries so that a program links it alone).
for o in "$BUILD"/src/base/*.o; do nm --defined-only -g "$o" 2>/dev/null; done |
	awk 'NF == 3 { print $3 }' | sort -u >"$T/baseglobals"
bextra=$(grep -v -E '^(cprof_bench_|cprof__bench_|main$|__odr_asan)' "$T/bglobals" |
	comm -23 - "$T/baseglobals" | head -5 | tr '\n' ' ')
check "bench_archive_globals_harness_only (unexpected: ${bextra:-none})" test -z "$bextra"
# The naming rule (docs/ARCHITECTURE.md): cprof_ names the public API only.
# Every global symbol an object of src/ defines is public (include/'s headers,
# the export map), an internal cprof__ name, an interposed libc function, or
# main.
sed -n 's/.*\b\(cprof_[a-z0-9_]*\).*/\1/p' "$CPROF_ROOT"/include/cprof.h "$CPROF_ROOT"/include/cprof/*.h |
	sort -u >"$T/public"
grep -o 'cprof_[a-z0-9_]*' "$CPROF_ROOT"/include/cprof.h "$CPROF_ROOT"/include/cprof/*.h | sed 's/.*://' |
	sort -u >>"$T/public"
sort -u -o "$T/public" "$T/public"
(cd "$CPROF_ROOT" && find src -name '*.c') | sed "s|^|$BUILD/|; s|\.c$|.o|" >"$T/srcobjs"
while read -r o; do [ -f "$o" ] && nm --defined-only -g "$o" 2>/dev/null; done <"$T/srcobjs" |
	awk 'NF == 3 { print $3 }' | sort -u >"$T/globals"
check "object_globals_read ($(wc -l <"$T/globals"))" test "$(wc -l <"$T/globals")" -gt 300
grep -v -e '^cprof__' -e '^main$' -e '^__odr_asan' -e '^__start_' -e '^__stop_' "$T/globals" |
	comm -23 - "$T/public" | comm -23 - "$T/map" >"$T/misnamed"
if [ -s "$T/misnamed" ]; then
	nok "globals_public_or_internal" "not public, not cprof__: $(head -8 "$T/misnamed" | tr '\n' ' ')"
else
	ok "globals_public_or_internal"
fi
