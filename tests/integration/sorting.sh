#!/bin/sh
# examples/sorting: every algorithm sorts every input shape, the benchmark
# names its sub-benchmarks as Go does, and fit.py tells O(n^2) from
# O(n log n) and O(n) on synthetic timings.
. "$CPROF_ROOT/tests/lib.sh"
if [ -n "$SANITIZE" ]; then runtime=RUNTIME=; else runtime=; fi
make -s -C "$CPROF_ROOT/examples/sorting" BUILD="$BUILD" OUT="$T" CC="$CC" $runtime \
	CFLAGS="-O2 -g $TEST_CFLAGS" >"$T/make.log" 2>&1
check sorting_build test $? = 0 || cat "$T/make.log"

# 10 algorithms x 4 shapes, each at sizes 0..100 000 against qsort's result
SORTCHECK_MAXN=100000 "$T/sortcheck" >"$T/check" 2>&1
rc=$?
n_ok=$(grep -c '^ok ' "$T/check")
if [ "$rc" = 0 ] && [ "$n_ok" = 40 ] && ! grep -q '^not ok' "$T/check"; then
	ok sorting_every_alg_every_shape
else
	nok sorting_every_alg_every_shape "exit $rc, $n_ok of 40: $(grep -v '^ok ' "$T/check" | head -n 3 | tr '\n' '|')"
fi
for a in insertion selection bubble shell merge quick quick3 heap radix qsort; do
	grep -q "^ok $a/random\$" "$T/check" || nok "sorting_check_$a" "no line for $a"
done

# the harness's names, one per alg/shape/size, and the quadratic cap
SORT_MAXN=1000 SORT_QUADMAX=100 "$T/sortbench" -bench . -benchtime 1x -cpu 1 >"$T/b" 2>&1
rc=$?
lines=$(grep -c '^BenchmarkSort/alg=[a-z0-9]*/shape=[a-z]*/n=[0-9]* ' "$T/b")
# 10 algs x 4 shapes x {100, 1000}, minus n=1000 for the 3 quadratic algs on
# every shape and naive quick on sorted and reversed: 80 - 12 - 2
check sorting_bench_names sh -c "[ $rc = 0 ] && [ '$lines' = 66 ] && grep -q '^PASS' '$T/b'" ||
	{ echo "exit $rc, $lines lines"; head -n 20 "$T/b"; }
check sorting_bench_quadratic_capped sh -c \
	"! grep -q '^BenchmarkSort/alg=bubble/shape=random/n=1000 ' '$T/b' &&
	 grep -q '^BenchmarkSort/alg=quick/shape=random/n=1000 ' '$T/b' &&
	 ! grep -q '^BenchmarkSort/alg=quick/shape=sorted/n=1000 ' '$T/b'"

# fit.py on timings of known growth (with a little multiplicative noise)
if ! command -v python3 >/dev/null 2>&1; then
	skip sorting_fit "no python3 (Debian python3)"
else
	awk 'BEGIN {
		split("1 -1 1 1 -1", e, " ")
		for (k = 2; k <= 6; k++) {
			n = 10 ^ k; j = 1 + 0.03 * e[k - 1]
			printf "BenchmarkSort/alg=sq/shape=random/n=%d-2 \t 10\t %.1f ns/op\n", n, 0.8 * n * n * j
			printf "BenchmarkSort/alg=nlogn/shape=random/n=%d \t 10\t %.1f ns/op\n", n, 5 * n * log(n) * j
			printf "BenchmarkSort/alg=lin/shape=sorted/n=%d \t 10\t %.1f ns/op\n", n, 3 * n * j
		}
		print "PASS"
	}' >"$T/synth.txt"
	python3 "$CPROF_ROOT/examples/sorting/fit.py" "$T/synth.txt" >"$T/fit" 2>&1
	check sorting_fit_runs test $? = 0 || cat "$T/fit"
	check sorting_fit_quadratic sh -c "awk '\$1 == \"sq\" && \$5 == \"O(n^2)\" && \$4 > 1.9 && \$4 < 2.1 {f = 1} END {exit !f}' '$T/fit'" ||
		cat "$T/fit"
	check sorting_fit_nlogn sh -c "awk '\$1 == \"nlogn\" && \$5 \" \" \$6 \" \" \$7 == \"O(n log n)\" && \$4 > 1.05 && \$4 < 1.25 {f = 1} END {exit !f}' '$T/fit'" ||
		cat "$T/fit"
	check sorting_fit_linear sh -c "awk '\$1 == \"lin\" && \$5 == \"O(n)\" {f = 1} END {exit !f}' '$T/fit'" ||
		cat "$T/fit"
	# and on the real benchmark's output: the quadratic cases come out
	# quadratic, insertion sort's one-pass case does not.  A duration, not a
	# count: three runs of that case (a microsecond at n = 1000) were timer
	# noise under ASan.  Its class is not asserted: over 10^3..10^4, n log n
	# grows only 12 % faster than n, and the arrays leaving L1 at 10^4 move a
	# linear fit by as much when other work shares the caches; the
	# synthetic cases above check the O(n) / O(n log n) decision.
	SORT_MAXN=10000 SORT_QUADMAX=10000 "$T/sortbench" -bench 'Sort/alg=(insertion|quick)/shape=(random|sorted)' \
		-benchtime 50ms -cpu 1 >"$T/real.txt" 2>&1
	python3 "$CPROF_ROOT/examples/sorting/fit.py" "$T/real.txt" >"$T/realfit" 2>&1
	check sorting_fit_real sh -c "grep -Eq '^insertion +random .* O\(n\^2\)\$' '$T/realfit' &&
		grep -Eq '^quick +sorted .* O\(n\^2\)\$' '$T/realfit' &&
		grep -Eq '^insertion +sorted .* O\(n( log n)?\)\$' '$T/realfit'"
	sed 's/^/# fit: /' "$T/realfit"
	echo garbage >"$T/bad.txt"
	python3 "$CPROF_ROOT/examples/sorting/fit.py" "$T/bad.txt" >"$T/bad.out" 2>"$T/bad.err"
	rc=$?
	check sorting_fit_bad_input sh -c "[ $rc = 1 ] && grep -q '^fit.py: no Sort/' '$T/bad.err'"
fi

# the quadratic case under the profiler: top, flame graph, list
if [ -n "$SANITIZE" ]; then
	na sorting_profile "the examples are built without libcprof under sanitizers"
else
	CPROF="$CPROF" BENCHTIME=20x sh "$CPROF_ROOT/examples/sorting/profile.sh" "$T" >"$T/prof.out" 2>&1
	check sorting_profile_runs test $? = 0 || tail -n 20 "$T/prof.out"
	check sorting_profile_top grep -Eq ' insertion_sort$' "$T/prof.out"
	check sorting_profile_flame sh -c "grep -q '<svg' '$T/insertion.svg' && grep -q 'insertion_sort' '$T/insertion.svg'"
	check sorting_profile_list grep -q 'ROUTINE =* insertion_sort in .*sorts.c' "$T/prof.out"
	go tool pprof -top "$T/insertion.prof" >"$T/pp" 2>&1
	rc=$?
	check sorting_profile_pprof sh -c "[ $rc = 0 ] && grep -q insertion_sort '$T/pp'"
fi
