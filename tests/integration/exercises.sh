# examples/exercises: each naive/optimised pair agrees on the same inputs
# (the agreement tests), `make bench` with a tiny benchtime prints valid Go
# benchmark lines for every version of every exercise, cprof benchstat
# reads them, and compare.sh prints its medians.
. "$CPROF_ROOT/tests/lib.sh"
# As the demo (demo.sh): a program linked with TSan loads its runtime before
# libcprof's TSan build.  Under TSan the exercises are built without
# libcprof (RUNTIME=): the harness runs without -benchmem's counters, and
# TSan watches the concurrent ones (pool, memo, workers).
RT=
case "$SANITIZE" in *thread*) RT=RUNTIME= ;; esac
B=$(basename "$BUILD")
ex() { make -s -C "$CPROF_ROOT/examples/exercises" B="$B" OUT="$T/ex" CFLAGS="-O2 -g $TEST_CFLAGS" $RT "$@"; }
ALL="primes logproc strbuild prealloc pool hoist layout memo workers escape"

if ex >"$T/build.out" 2>&1; then ok build; else nok build "$(tail -5 "$T/build.out" | tr '\n' '|')"; fi
ex test >"$T/test.out" 2>&1
check agreement_exit_status test $? = 0
for e in $ALL; do
	check "agree_$e" grep -qx "ok $e" "$T/test.out"
done

# A disagreement fails: the check is live (a wrong prime count).
sed 's/return count;/return count + (limit > 50);/' "$CPROF_ROOT/examples/exercises/primes/primes.c" \
	>"$T/broken.c"
$CC -std=c17 -O2 -DEXERCISE_TEST -I"$CPROF_ROOT/include" -I"$CPROF_ROOT/examples/exercises/primes" \
	$TEST_CFLAGS -o "$T/broken" "$T/broken.c" "$BUILD/libcprof_bench.a" -pthread 2>"$T/broken.err"
"$T/broken" >"$T/broken.out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q '^not ok primes' "$T/broken.out"; then ok disagreement_fails
else nok disagreement_fails "exit $rc: $(head -c 300 "$T/broken.out" "$T/broken.err" | tr '\n' '|')"; fi

ex bench BENCHTIME=1x >"$T/bench.out" 2>"$T/bench.err"
check bench_exit_status test $? = 0
# Go's line: name-P, iterations, ns/op, and with -benchmem B/op and allocs/op.
GO_LINE='^Benchmark[A-Za-z0-9]+/version=[a-z]+-[0-9]+ *	 *[0-9]+	 *[0-9.]+ ns/op(	 *[0-9]+ B/op	 *[0-9]+ allocs/op)?$'
n=$(grep -c '^Benchmark' "$T/bench.out")
bad=$(grep '^Benchmark' "$T/bench.out" | grep -Evc "$GO_LINE")
# primes 2, logproc 2, strbuild 2×3, prealloc 2, pool 2, hoist 2, layout 2,
# memo 3, workers 2, escape 2
if [ "$n" = 25 ] && [ "$bad" = 0 ]; then ok bench_lines_valid
else nok bench_lines_valid "$n lines, $bad not Go's: $(grep '^Benchmark' "$T/bench.out" | grep -Ev "$GO_LINE" | head -3 | tr '\n' '|')"; fi
check bench_pass_per_exercise test "$(grep -c '^PASS$' "$T/bench.out")" = 10
if [ -z "$SANITIZE" ]; then
	check bench_has_allocs grep -Eq '^BenchmarkLogProcess/version=naive-[0-9]+.*	 *[1-9][0-9]* allocs/op$' "$T/bench.out"
else
	na bench_has_allocs "under ASan its allocator serves the program, under TSan libcprof is not linked: no counts"
fi
"$CPROF" benchstat -col /version -row .name "$T/bench.out" >"$T/stat.out" 2>"$T/stat.err"
rc=$?
if [ "$rc" = 0 ] && grep -q 'naive' "$T/stat.out" && grep -q 'optimised' "$T/stat.out" &&
	grep -q 'sec/op' "$T/stat.out"; then ok benchstat_reads_it
else nok benchstat_reads_it "exit $rc: $(head -c 300 "$T/stat.err" | tr '\n' '|')"; fi

# compare.sh: benchstat's table and the medians' line (into the build tree's
# exercises/, as documented).
if [ -z "$SANITIZE" ]; then
	COUNT=2 BENCHTIME=1x B=$B sh "$CPROF_ROOT/examples/exercises/compare.sh" prealloc >"$T/cmp.out" 2>"$T/cmp.err"
	rc=$?
	if [ "$rc" = 0 ] && grep -q '^measured Append, naive → optimised (medians): ns/op .*allocs/op 1e+04 → 1 ' "$T/cmp.out"; then
		ok compare_sh
	else
		nok compare_sh "exit $rc: $(tail -c 300 "$T/cmp.out" "$T/cmp.err" | tr '\n' '|')"
	fi
else
	na compare_sh "compare.sh builds the plain exercises"
fi
# A name that is no exercise: one line, exit 2, nothing built or run.
COUNT=1 BENCHTIME=1x B=$B sh "$CPROF_ROOT/examples/exercises/compare.sh" nosuch >"$T/cmp2.out" 2>"$T/cmp2.err"
rc=$?
if [ "$rc" = 2 ] && [ "$(wc -l <"$T/cmp2.err")" = 1 ] && grep -q "no exercise 'nosuch'" "$T/cmp2.err" &&
	[ ! -s "$T/cmp2.out" ]; then ok compare_sh_bad_name
else nok compare_sh_bad_name "exit $rc: $(head -c 200 "$T/cmp2.err")"; fi
