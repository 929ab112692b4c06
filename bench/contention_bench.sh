#!/bin/sh
# contention_bench.sh — what the mutex and block profiles cost.  Not a test:
# it prints figures and checks nothing.
#
# Runs bench/lock_workload under each arm, ROUNDS times, round-robin (the
# arm order rotates every round), and prints per workload the median
# ns per operation and the paired ratio to the `none` arm of the same round:
#   none          nothing preloaded
#   none-again    nothing preloaded, a second time in the round: how far
#                 two identical arms land apart (the floor under every
#                 other ratio)
#   naive         bench/naive_interposer.c preloaded: a forwarding
#                 pthread_mutex_lock/unlock interposer (the reference cost
#                 of interposing at all)
#   cprof-off     libcprof.so preloaded, no CPROF_* variable (a program
#                 loaded for CPU profiling pays this)
#   cprof-mutex   CPROF_MUTEX=file (fraction 1)
#   cprof-block   CPROF_BLOCK=file (rate 1)
#   perf-sched    perf record -e sched:sched_switch -g (the kernel's view of
#                 the same waits; skipped when perf cannot record)
# Workloads (bench/lock_workload.c): pair (one thread, uncontended
# lock/unlock pairs: ns per pair), realistic (4 threads, lock around ~200 ns
# of work), contended (4 threads, a hot lock).
#
#   ROUNDS=15 sh bench/contention_bench.sh
#
# Builds in build-perf/ (override: B=).  Tables: $B/bench/contention-cost.md
# ("contention" is $RESULT when set; bench/README.md).
set -eu

cd "$(dirname "$0")/.."
. bench/mdout.sh
MDCMD=$(md_cmd contention_bench.sh ROUNDS PAIRS OPS HOT)
MD=${RESULT:-contention}
B=${B:-build-perf}
ROUNDS=${ROUNDS:-9}
PAIRS=${PAIRS:-50000000}
OPS=${OPS:-200000}
HOT=${HOT:-2000000}
CC=${CC:-gcc}

make -s B="$B" runtime >/dev/null
W=$B/bench
mkdir -p "$W"
$CC -O2 -g -pthread -o "$W/lock_workload" bench/lock_workload.c
$CC -O2 -shared -fPIC -o "$W/naive_interposer.so" bench/naive_interposer.c -ldl
LIB=$(cd "$B" && pwd)/libcprof.so
ARMS="none none-again naive cprof-off cprof-mutex cprof-block perf-sched"
if ! perf record -q -e sched:sched_switch -o "$W/perf.probe" true >/dev/null 2>&1; then
	echo "contention_bench: perf cannot record sched:sched_switch here; perf-sched skipped" >&2
	ARMS="none none-again naive cprof-off cprof-mutex cprof-block"
fi
rm -f "$W/perf.probe"

run_arm() { # ARM WORKLOAD N: prints ns_per_op
	out=$W/arm.out
	case $1 in
	none | none-again) "$W/lock_workload" "$2" "$3" >"$out" ;;
	naive) LD_PRELOAD="$(pwd)/$W/naive_interposer.so" "$W/lock_workload" "$2" "$3" >"$out" ;;
	cprof-off) LD_PRELOAD="$LIB" "$W/lock_workload" "$2" "$3" >"$out" ;;
	cprof-mutex) LD_PRELOAD="$LIB" CPROF_MUTEX="$W/m.pb.gz" "$W/lock_workload" "$2" "$3" >"$out" ;;
	cprof-block) LD_PRELOAD="$LIB" CPROF_BLOCK="$W/b.pb.gz" "$W/lock_workload" "$2" "$3" >"$out" ;;
	perf-sched) perf record -q -g -e sched:sched_switch -o "$W/perf.data" \
		"$W/lock_workload" "$2" "$3" >"$out" 2>/dev/null ;;
	esac
	awk '$1 == "ns_per_op" { print $2 }' "$out"
}

run_workloads() { # ARM: prints "WORKLOAD<TAB>ns_per_op" for each workload
	for wl in pair:$PAIRS realistic:$OPS contended:$HOT; do
		printf '%s\t%s\n' "${wl%%:*}" "$(run_arm "$1" "${wl%%:*}" "${wl#*:}")"
	done
}

RAW=$W/contention-runs.tsv
each_round "$ROUNDS" "$RAW" run_workloads $ARMS

awk -F '\t' -v arms="$ARMS" -v md="$(md_start "$W" "$MD-cost" "$MDCMD")" "$AWK_MEDIAN"'
{ ns[$3, $2, $1] = $4; rounds[$1] = 1 }
END {
	na = split(arms, A, " ")
	split("pair realistic contended", WL, " ")
	print "| workload | arm | ns per op (median) | paired ratio to none | added ns per op (median of differences) |" >> md
	print "|---|---|---|---|---|" >> md
	for (w = 1; w <= 3; w++) for (a = 1; a <= na; a++) {
		n = 0; m = 0; d = 0
		for (r in rounds) {
			if ((WL[w], A[a], r) in ns && ns[WL[w], A[a], r] != "") { v[++n] = ns[WL[w], A[a], r] }
			if (ns[WL[w], "none", r] > 0 && ns[WL[w], A[a], r] != "") { q[++m] = ns[WL[w], A[a], r] / ns[WL[w], "none", r]; df[++d] = ns[WL[w], A[a], r] - ns[WL[w], "none", r] }
		}
		if (!n) continue
		med = median(v, n); rat = median(q, m); add = median(df, d)
		printf "%-10s %-12s %10.3f ns  x%.3f  %+.3f ns\n", WL[w], A[a], med, rat, add
		printf "| %s | %s | %.3f | %s | %s |\n", WL[w], A[a], med, A[a] == "none" ? "—" : sprintf("%.3f", rat), A[a] == "none" ? "—" : sprintf("%+.3f", add) >> md
	}
}' "$RAW"
