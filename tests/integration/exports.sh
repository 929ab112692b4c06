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
# Every function the public header declares is in the map.
decl=$(sed -n 's/^[a-z].*[ *]\(cprof_[a-z0-9_]*\)(.*/\1/p' "$CPROF_ROOT/include/cprof.h" | sort -u)
for s in $decl; do
	check "exports_$s" grep -qx "$s" "$T/exports"
done
interposed=$(grep -v '^cprof_' "$T/map" | tr '\n' ' ')
# The static archive must not leak unprefixed globals either (static functions only).
nm --defined-only -g "$BUILD/libcprof.a" 2>/dev/null | awk 'NF == 3 && $2 ~ /[TDBR]/ { print $3 }' |
	grep -v -e '^cprof_' -e '^cprof__' -e '^__odr_asan' >"$T/aglobals"
for s in $interposed; do sed -i "/^$s\$/d" "$T/aglobals"; done
if [ -s "$T/aglobals" ]; then nok "archive_globals_prefixed" "$(tr '\n' ' ' <"$T/aglobals")"; else ok "archive_globals_prefixed"; fi
