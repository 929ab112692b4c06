# Full stacks without frame pointers: a chain of depth 13 built
# -O2 -fomit-frame-pointer, half of it in a shared library of the test's own,
# must appear whole, in order, each frame with the file:line of its call.
. "$CPROF_ROOT/tests/lib.sh"
src=$CPROF_ROOT/tests/progs
$CC -O2 -g -fomit-frame-pointer -fPIC -shared $TEST_CFLAGS -o "$T/libstk.so" "$src/stack_lib.c"
$CC -O2 -g -fomit-frame-pointer $TEST_CFLAGS -o "$T/stk" "$src/stack_main.c" -L"$T" -lstk -Wl,-rpath,"$T"
(cd "$T" && LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/stk.pb.gz" CPROF_HZ=1000 "$T/stk" 400)
check readable pprof_top "$T/stk.pb.gz"
go tool pprof -traces -lines "$T/stk.pb.gz" 2>/dev/null >"$T/traces"
[ -n "$TSAN" ] && { check "has_spin_samples" grep -q "spin " "$T/traces"; exit 0; }

# The expected chain, leaf to root, each "func file:line" of the call it made.
line_of() { grep -n "CALL $2 \*/" "$src/$1" | cut -d: -f1; }
expect="spin"
for pair in "stack_lib.c lib5 spin" "stack_lib.c lib4 lib5" "stack_lib.c lib3 lib4" \
	"stack_lib.c lib2 lib3" "stack_lib.c lib1 lib2" "stack_main.c app6 lib1" \
	"stack_main.c app5 app6" "stack_main.c app4 app5" "stack_main.c app3 app4" \
	"stack_main.c app2 app3" "stack_main.c app1 app2" "stack_main.c main app1"; do
	set -- $pair
	expect="$expect
$2 $src/$1:$(line_of "$1" "$3")"
done
printf '%s\n' "$expect" >"$T/expect"

# Find a trace whose frames, after the leaf, match the expected chain exactly.
awk -v expf="$T/expect" '
BEGIN { n = 0; while ((getline l < expf) > 0) want[n++] = l }
/^-----/ { check(); k = 0; next }
{ sub(/^ +[0-9.]+[a-z]*s +/, ""); sub(/^ +/, ""); if ($0 != "" && $0 !~ /^thread:/) f[k++] = $0 }
END { check(); exit !found }
function check(   i) {
	if (k < n) return
	if (f[0] !~ /^spin /) return
	for (i = 1; i < n; i++) if (f[i] != want[i]) return
	found = 1
}' "$T/traces"
rc=$?
if [ $rc = 0 ]; then ok "chain_depth_13_in_order_with_lines"; else
	nok "chain_depth_13_in_order_with_lines" "expected:"; cat "$T/expect"; echo "got:"; head -40 "$T/traces"
fi
# Beyond main: libc's own frames are named (separate debug info or symtab).
check "libc_start_named" grep -q "__libc_start" "$T/traces"
