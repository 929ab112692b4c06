#!/bin/sh
# trace_bench.sh — the execution trace's cost.  Not a test: it prints
# figures and checks nothing.
#
# Runs bench/cpu_workload (two threads, fixed work) and a thread-churn
# program (THREADS threads created and joined one after another) with no
# profiler, CPROF_CPU alone, CPROF_TRACE alone (its own 100 Hz timers), both
# (the trace takes the CPU profiler's samples), and, when perf can record
# there, `perf record -e sched:sched_switch` (the anchor: who ran when,
# from the kernel), ROUNDS times round-robin with the arm order rotating;
# prints the median wall and CPU time of each arm against no profiler, and
# the trace files' median size.
#
#   sh bench/trace_bench.sh
#   ROUNDS=15 UNITS=450 THREADS=20000 sh bench/trace_bench.sh
#
# Builds in build-perf/ (override: B=).  The table, as markdown, goes to
# $B/bench/trace-cost.md ("trace" is $RESULT when set).
set -eu

cd "$(dirname "$0")/.."
. bench/mdout.sh
MDCMD=$(md_cmd trace_bench.sh ROUNDS UNITS THREADS)
B=${B:-build-perf}
ROUNDS=${ROUNDS:-9}
UNITS=${UNITS:-300}
THREADS=${THREADS:-20000}
CC=${CC:-gcc}

make -s B="$B" runtime >/dev/null
mkdir -p "$B/bench"
W=$B/bench/cpu_workload
$CC -std=c17 -Wall -Wextra -Werror -O2 -g -fomit-frame-pointer -pthread -o "$W" bench/cpu_workload.c
C=$B/bench/thread_churn
cat >"$B/bench/thread_churn.c" <<'EOC'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static void *nothing(void *a) { return a; }
int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	for (int i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, nothing, NULL) != 0 || pthread_join(t, NULL) != 0)
			return 1;
	}
	puts("0 0 0 0");
	return 0;
}
EOC
$CC -std=c17 -O2 -pthread -o "$C" "$B/bench/thread_churn.c"
LIB=$(pwd)/$B/libcprof.so
OUT=$(mktemp -d "${TMPDIR:-/tmp}/trace_bench.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

ARMS="plain cpu trace cpu+trace"
if command -v perf >/dev/null 2>&1 &&
	perf record -q -e sched:sched_switch -o "$OUT/probe.data" true >/dev/null 2>&1; then
	ARMS="$ARMS perf-sched"
else
	echo "trace_bench: perf cannot record sched:sched_switch here (not installed, or perf_event_paranoid): no anchor arm" >&2
fi
NARMS=$(echo $ARMS | wc -w)
echo "trace_bench: $(nproc) CPUs, kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), tree $(git describe --always --dirty 2>/dev/null || echo '?')"
echo "trace_bench: $ROUNDS rounds x $NARMS arms ($ARMS); cpu_workload $UNITS M, thread churn $THREADS; load average at start: $(cut -d" " -f1-3 /proc/loadavg)"

now_ns() { date +%s%N; }
cpu_ns() { awk '{ print ($14 + $15 + $16 + $17) * 1e9 / '"$(getconf CLK_TCK)"' }' "/proc/$1/stat"; }

# run WORKLOAD ARM ROUND: one run; appends "workload arm round wall_ns bytes" to $OUT/runs
run() {
	w=$1 arm=$2 r=$3 f=$OUT/$1-$2-$3
	case $w in work) cmd="$W $UNITS 20" ;; churn) cmd="$C $THREADS" ;; esac
	t0=$(now_ns)
	case $arm in
	plain) $cmd >/dev/null ;;
	cpu) LD_PRELOAD=$LIB CPROF_CPU=$f.pb.gz $cmd >/dev/null ;;
	trace) LD_PRELOAD=$LIB CPROF_TRACE=$f.json $cmd >/dev/null 2>>"$OUT/stderr" ;;
	cpu+trace) LD_PRELOAD=$LIB CPROF_CPU=$f.pb.gz CPROF_TRACE=$f.json $cmd >/dev/null 2>>"$OUT/stderr" ;;
	perf-sched) perf record -q -e sched:sched_switch -o "$f.data" -- $cmd >/dev/null 2>&1 ;;
	esac
	t1=$(now_ns)
	bytes=$(cat "$f.json" "$f.data" 2>/dev/null | wc -c)
	echo "$w $arm $r $((t1 - t0)) $bytes" >>"$OUT/runs"
	rm -f "$f.json" "$f.data" "$f.pb.gz"
}

: >"$OUT/runs"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	order=$(rotated "$r" $ARMS)
	for w in work churn; do
		for a in $order; do run "$w" "$a" "$r"; done
	done
	printf 'trace_bench: round %d/%d done\n' "$r" "$ROUNDS" >&2
	r=$((r + 1))
done

MD=$(md_start "$B/bench" "${RESULT:-trace}-cost" "$MDCMD")
awk -v arms="$ARMS" -v md="$MD" "$AWK_MEDIAN"'
{ k = $1 SUBSEP $2; n[k]++; wall[k, n[k]] = $4; size[k, n[k]] = $5 }
END {
	na = split(arms, A, " ")
	printf "| workload | arm | median wall | vs no profiler | median output |\n|---|---|---|---|---|\n" >md
	split("work churn", Wk, " ")
	for (wi = 1; wi <= 2; wi++) {
		w = Wk[wi]
		for (i = 1; i <= na; i++) {
			k = w SUBSEP A[i]
			for (j = 1; j <= n[k]; j++) { x[j] = wall[k, j]; s[j] = size[k, j] }
			m[i] = median(x, n[k]); sz = median(s, n[k])
			ratio = sprintf("%.3fx", m[i] / m[1])
			printf "%-6s %-11s wall %8.1f ms  %s  output %d bytes\n", w, A[i], m[i] / 1e6, ratio, sz
			printf "| %s | %s | %.1f ms | %s | %d bytes |\n", (w == "work" ? "cpu_workload" : "thread churn"), A[i], m[i] / 1e6, ratio, sz >>md
		}
	}
}' "$OUT/runs"
if [ -s "$OUT/stderr" ]; then
	echo "trace_bench: libcprof said:" >&2
	sort "$OUT/stderr" | uniq -c | head -n 5 >&2
fi
