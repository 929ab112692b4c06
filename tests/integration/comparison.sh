#!/bin/sh
# bench/compare.sh and docs/COMPARISON.md: the page matches its results
# files, the workload prints its ground truth, and a smoke run of the script
# (tiny sizes, nothing copied into the tree) writes every table with a row
# per arm, each measured or marked unavailable with a reason.  Asserts no
# timing.
. "$CPROF_ROOT/tests/lib.sh"
cd "$CPROF_ROOT" || exit 1
PERFDOC_DOC=docs/COMPARISON.md PERFDOC_RES=bench/results/comparison sh bench/perfdoc.sh check >"$T/pd" 2>&1
check comparison_doc_matches_results test $? = 0 || cat "$T/pd"

$CC -std=c17 -Wall -Wextra -Werror -O2 -g -fno-omit-frame-pointer -o "$T/cw" bench/compare_workload.c 2>"$T/cc.err"
check comparison_workload_builds test $? = 0 || cat "$T/cc.err"
"$T/cw" alloc 250 >"$T/alloc" 2>&1
check comparison_alloc_truth sh -c "grep -qx 'truth alloc_bytes_a 1750000' '$T/alloc' &&
	grep -qx 'truth alloc_bytes_b 750000' '$T/alloc' && grep -qx 'truth alloc_count 2500' '$T/alloc' &&
	grep -qx 'truth peak_bytes 39192' '$T/alloc'" || cat "$T/alloc"
"$T/cw" cpu 1 >"$T/cpu" 2>&1
check comparison_cpu_truth sh -c "awk '\$2 == \"cpu_share_hot_a\" && \$3 > 0.5 && \$3 < 0.9 {f = 1} END {exit !f}' '$T/cpu'" || cat "$T/cpu"
"$T/cw" cpu x >"$T/bad" 2>&1
rc=$?
check comparison_workload_bad_arg sh -c "[ $rc = 2 ] && grep -q 'not a count' '$T/bad'"

if [ -n "$SANITIZE" ]; then
	na comparison_smoke "compare.sh preloads libcprof into uninstrumented programs"
	exit 0
fi
b=${CPROF_BUILD#"$CPROF_ROOT"/}
SMOKE=1 ROUNDS=1 UNITS=1 ALLOC_N=2000 UPDATE=0 RESULT=cmptest B="$b" sh bench/compare.sh >"$T/smoke" 2>&1
check comparison_smoke_runs test $? = 0 || tail -n 20 "$T/smoke"
for t in overhead accuracy-cpu accuracy-alloc setup; do
	f=$CPROF_BUILD/bench/cmptest-$t.md
	check "comparison_smoke_$t" sh -c "head -n 1 '$f' | grep -q '^<!-- bench cmptest-$t: .*sh bench/compare.sh -->\$' &&
		grep -q '^|---' '$f'" || cat "$f"
done
f=$CPROF_BUILD/bench/cmptest-overhead.md
for arm in "cpu | none" "cpu | cprof" "cpu | gperf-cpu" "cpu | perf-fp" "cpu | perf-dwarf" "cpu | callgrind" \
	"alloc | none" "alloc | cprof" "alloc | gperf-heap" "alloc | heaptrack" "alloc | jemalloc" "alloc | massif" "alloc | dhat"; do
	# measured (a ratio) or unavailable with a reason
	if grep -Eq "^\| $arm \| ([0-9]+ \| ([0-9.]+×|1) \||unavailable: [^|]*[a-z])" "$f"; then
		ok "comparison_row_$(echo "$arm" | tr -d ' |')"
	else
		nok "comparison_row_$(echo "$arm" | tr -d ' |')" "$(grep -F "| $arm |" "$f")"
	fi
done
check comparison_smoke_marked grep -q '^\*\*Smoke run\*\*' "$f"
# cprof's own rows are always measured, with the function split found
check comparison_cprof_cpu_found sh -c "grep -Eq '^\| cprof \| CPU samples \| [0-9.]+ %' '$CPROF_BUILD/bench/cmptest-accuracy-cpu.md'" ||
	cat "$CPROF_BUILD/bench/cmptest-accuracy-cpu.md"
check comparison_cprof_alloc_found sh -c "grep -Eq '^\| cprof \| [0-9.]+ % \| [0-9.]+ \|' '$CPROF_BUILD/bench/cmptest-accuracy-alloc.md'" ||
	cat "$CPROF_BUILD/bench/cmptest-accuracy-alloc.md"
rm -f "$CPROF_BUILD"/bench/cmptest-*
