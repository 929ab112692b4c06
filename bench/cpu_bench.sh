#!/bin/sh
# cpu_bench.sh — the CPU profiler benchmark.  Not a test: it
# prints figures and checks nothing.
#
# Runs bench/cpu_workload (two threads, fixed work, 3:1 split) with no
# profiler, under cprof and under gperftools' libprofiler, at each rate in
# $HZS, ROUNDS times, round-robin (the arm order rotates every round) so
# that the noise of a shared machine hits every arm alike; prints medians.
# Then runs bench/unwind_bench (per-sample unwind cost, depth 10/30/60).
#
#   bench/cpu_bench.sh                       # from the top of the tree
#   ROUNDS=15 UNITS=450 DEPTH=20 HZS="100 1000" bench/cpu_bench.sh
#
# Needs: gcc, make, go (golang-go: `go tool pprof` reads every profile),
# google-perftools (libprofiler.so).  Builds in build-perf/ (override: B=).
# Raw per-run figures are kept in $B/bench/cpu-runs.tsv; the tables, as
# markdown, in $B/bench/cpu-cost.md, cpu-accuracy.md and cpu-unwind.md
# ("cpu" is $RESULT when set; bench/README.md, "Refreshing the figures").
set -eu

cd "$(dirname "$0")/.."
. bench/mdout.sh
MDCMD=$(md_cmd cpu_bench.sh ROUNDS UNITS DEPTH HZS)
B=${B:-build-perf}
ROUNDS=${ROUNDS:-9}
UNITS=${UNITS:-450}
DEPTH=${DEPTH:-20}
HZS=${HZS:-100 1000}
CC=${CC:-gcc}
GPERF=${GPERF:-/usr/lib/x86_64-linux-gnu/libprofiler.so}

for t in go make "$CC"; do
	command -v "$t" >/dev/null || { echo "cpu_bench: '$t' not found (see bench/README.md)" >&2; exit 1; }
done
[ -f "$GPERF" ] || { echo "cpu_bench: $GPERF not found: apt-get install google-perftools" >&2; exit 1; }

# ---- build ----
make -s B="$B" runtime >/dev/null
mkdir -p "$B/bench"
W=$B/bench/cpu_workload
$CC -std=c17 -Wall -Wextra -Werror -O2 -g -fomit-frame-pointer -pthread \
	-o "$W" bench/cpu_workload.c
$CC -std=c17 -Wall -Wextra -Werror -O2 -g -fomit-frame-pointer -pthread -Isrc -Iinclude \
	-o "$B/bench/unwind_bench" bench/unwind_bench.c "$B/libcprof.a" -lz -lm -ldl -lrt
LIB=$(pwd)/$B/libcprof.so
OUT=$(mktemp -d "${TMPDIR:-/tmp}/cpu_bench.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

ARMS=plain
for hz in $HZS; do ARMS="$ARMS cprof@$hz gperf@$hz"; done
NARMS=$(echo $ARMS | wc -w)

echo "cpu_bench: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpu_bench: tree $(git describe --always --dirty 2>/dev/null || echo '?'), libcprof from the working tree"
echo "cpu_bench: workload: heavy=3x light=1x $UNITS M iterations, burn loop at depth $DEPTH (-O2 -fomit-frame-pointer)"
echo "cpu_bench: $ROUNDS rounds x $NARMS arms ($ARMS), round-robin; load average at start: $(cut -d" " -f1-3 /proc/loadavg)"

now_ns() { date +%s%N; }

# run ARM ROUND: one run; appends a line to $OUT/runs
run() {
	arm=$1 r=$2 tool=${1%@*} hz=${1#*@}
	prof=$OUT/$tool-$hz-$r
	t0=$(now_ns)
	case $tool in
	plain) line=$("$W" "$UNITS" "$DEPTH" 2>>"$OUT/stderr") ;;
	cprof) line=$(LD_PRELOAD=$LIB CPROF_CPU=$prof CPROF_HZ=$hz "$W" "$UNITS" "$DEPTH" 2>>"$OUT/stderr") ;;
	gperf) line=$(LD_PRELOAD=$GPERF CPUPROFILE=$prof CPUPROFILE_FREQUENCY=$hz "$W" "$UNITS" "$DEPTH" 2>>"$OUT/stderr") ;;
	esac
	t1=$(now_ns)
	echo "$arm $r $((t1 - t0)) $line $prof" >>"$OUT/runs"
}

: >"$OUT/runs"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	order=$(rotated "$r" $ARMS)
	for a in $order; do run "$a" "$r"; done
	printf 'cpu_bench: round %d/%d done\n' "$r" "$ROUNDS" >&2
	r=$((r + 1))
done

# ---- read the profiles (after all runs, so go tool pprof does not compete) ----
# raw_totals PROFILE [BINARY]: "samples cpu_ns heavy_ns light_ns" — totals of
# the profile and the CPU under the functions heavy() and light() (stack-based).
raw_totals() {
	go tool pprof -raw "$@" 2>/dev/null | awk '
	/^Samples:/ { sec = "s"; next }
	/^Locations/ { sec = "l"; next }
	/^Mappings/ { sec = "m"; next }
	sec == "s" && /^ *[0-9]+ +[0-9]+:/ {
		n++; v[n] = $2; tc += $1; tn += $2
		s = $0; sub(/^[^:]*:/, "", s); stk[n] = s; next
	}
	sec == "l" && /^ *[0-9]+: / { id = $1; sub(/:/, "", id) }
	sec == "l" && / heavy( |$)/ { fn[id] = "h" }
	sec == "l" && / light( |$)/ { fn[id] = "l" }
	END {
		for (i = 1; i <= n; i++) {
			k = split(stk[i], ids, " ")
			for (j = 1; j <= k; j++) if (ids[j] in fn) { t[fn[ids[j]]] += v[i]; break }
		}
		printf "%.0f %.0f %.0f %.0f\n", tc, tn, t["h"], t["l"]
	}'
}

# heavy share from the thread label (cprof): "NN.NN" percent
label_heavy() {
	go tool pprof -tags "$1" 2>/dev/null | awk '/: heavy$/ { p = $0; sub(/.*\(/, "", p); sub(/%.*/, "", p); print p; exit }'
}

printf 'arm round proc_wall_ns cpu_ns wall_ns heavy_ns light_ns samples prof_cpu_ns prof_heavy_ns prof_light_ns label_heavy_pct\n' >"$B/bench/cpu-runs.tsv"
while read -r arm r pwall cpu wall hns lns prof; do
	tool=${arm%@*}
	case $tool in
	plain) tot="0 0 0 0" lab=- ;;
	cprof) tot=$(raw_totals "$prof") lab=$(label_heavy "$prof") ;;
	gperf) tot=$(raw_totals "$W" "$prof") lab=- ;;
	esac
	echo "$arm $r $pwall $cpu $wall $hns $lns $tot ${lab:--}" >>"$B/bench/cpu-runs.tsv"
done <"$OUT/runs"

# ---- summary: medians per arm ----
MD=${RESULT:-cpu}
awk -v arms="$ARMS" -v md_cost="$(md_start "$B/bench" "$MD-cost" "$MDCMD")" \
	-v md_acc="$(md_start "$B/bench" "$MD-accuracy" "$MDCMD")" "$AWK_MEDIAN"'
function med(arm, col,   i, k, a) {
	k = 0
	for (i = 1; i <= nr; i++) if (arm == "" || A[i] == arm) a[++k] = V[i, col]
	return median(a, k)
}
function pct(x, x0) { return sprintf("%+.2f%%", 100 * (x / x0 - 1)) }
function min(arm, col,   i, m) {
	m = ""
	for (i = 1; i <= nr; i++) if (A[i] == arm && (m == "" || V[i, col] < m)) m = V[i, col]
	return m
}
function max(arm, col,   i, m) {
	m = ""
	for (i = 1; i <= nr; i++) if (A[i] == arm && (m == "" || V[i, col] > m)) m = V[i, col]
	return m
}
# markdown: the arm as the tables of docs/PERFORMANCE.md name it; a percentage
function mdarm(a,   t, hz) {
	if (a == "plain") return "no profiler"
	t = a; sub(/@.*/, "", t); hz = a; sub(/.*@/, "", hz)
	return (t == "gperf" ? "gperftools" : t) " " hz " Hz"
}
function mdpct(x, x0) { return sprintf("%+.2f %%", 100 * (x / x0 - 1)) }
NR == 1 { next }
{
	nr++; A[nr] = $1
	V[nr, "pwall"] = $3; V[nr, "cpu"] = $4; V[nr, "wall"] = $5; V[nr, "hcpu"] = $6
	V[nr, "fixed"] = $3 - $5
	V[nr, "truth"] = 100 * $6 / ($6 + $7)
	V[nr, "samples"] = $8; V[nr, "pcpu"] = $9; V[nr, "ratio"] = $4 ? $9 / $4 : 0
	V[nr, "fheavy"] = ($10 + $11) ? 100 * $10 / ($10 + $11) : 0
	V[nr, "lheavy"] = $12 == "-" ? 0 : $12
}
END {
	n = split(arms, arm, " ")
	w0 = med("plain", "wall"); c0 = med("plain", "cpu"); h0 = med("plain", "hcpu")
	cm0 = min("plain", "cpu"); hm0 = min("plain", "hcpu")
	print ""
	print "Cost (median of the rounds, and min; +% vs plain):"
	printf "%-11s %8s %8s %8s %8s %8s %9s %8s %8s %8s\n", "arm", "wall(s)", "wall+%", "cpu(s)", "cpu+%", "cpuMin+%", "heavyCPU", "heavy+%", "hMin+%", "exit(ms)"
	for (i = 1; i <= n; i++) {
		a = arm[i]; w = med(a, "wall"); c = med(a, "cpu"); h = med(a, "hcpu")
		b = a == "plain"
		printf "%-11s %8.3f %8s %8.3f %8s %8s %9.3f %8s %8s %8.0f\n", a, w / 1e9, b ? "-" : pct(w, w0), c / 1e9, b ? "-" : pct(c, c0), b ? "-" : pct(min(a, "cpu"), cm0), h / 1e9, b ? "-" : pct(h, h0), b ? "-" : pct(min(a, "hcpu"), hm0), med(a, "fixed") / 1e6
	}
	print "| arm | wall (s) | process CPU (s) | CPU +% (median / min) | heavy-thread CPU (s) | heavy CPU +% (median / min) | exit cost (ms) |" >> md_cost
	print "|---|---|---|---|---|---|---|" >> md_cost
	for (i = 1; i <= n; i++) {
		a = arm[i]; b = a == "plain"
		printf "| %s | %.2f | %.3f | %s | %.3f | %s | %.0f |\n", mdarm(a), med(a, "wall") / 1e9, med(a, "cpu") / 1e9, b ? "—" : mdpct(med(a, "cpu"), c0) " / " mdpct(min(a, "cpu"), cm0), med(a, "hcpu") / 1e9, b ? "—" : mdpct(med(a, "hcpu"), h0) " / " mdpct(min(a, "hcpu"), hm0), med(a, "fixed") / 1e6 >> md_cost
	}
	print ""
	printf "Accuracy (medians; truth: heavy = %.1f%% of the workers\047 CPU by CLOCK_THREAD_CPUTIME_ID):\n", med("", "truth")
	printf "%-11s %8s %8s %12s %12s %11s\n", "arm", "samples", "prof(s)", "prof/rusage", "heavy%label", "heavy%func"
	for (i = 1; i <= n; i++) {
		a = arm[i]
		if (a == "plain") continue
		printf "%-11s %8.0f %8.3f %12.3f %12s %11.1f\n", a, med(a, "samples"), med(a, "pcpu") / 1e9, med(a, "ratio"), a ~ /^cprof/ ? sprintf("%.1f", med(a, "lheavy")) : "n/a", med(a, "fheavy")
	}
	printf "Truth: heavy = %.1f %% of the two workers\047 CPU (`CLOCK_THREAD_CPUTIME_ID`, median of all runs).\n\n", med("", "truth") >> md_acc
	print "| arm | samples/count total | profile CPU (s) | profile / getrusage, median (range) | heavy share, `thread` label | heavy share, by function |" >> md_acc
	print "|---|---|---|---|---|---|" >> md_acc
	for (i = 1; i <= n; i++) {
		a = arm[i]
		if (a == "plain") continue
		printf "| %s | %.0f | %.3f | %.3f (%.3f–%.3f) | %s | %.1f %% |\n", mdarm(a), med(a, "samples"), med(a, "pcpu") / 1e9, med(a, "ratio"), min(a, "ratio"), max(a, "ratio"), a ~ /^cprof/ ? sprintf("%.1f %%", med(a, "lheavy")) : "n/a", med(a, "fheavy") >> md_acc
	}
}
' "$B/bench/cpu-runs.tsv"
cat <<'EOF'

  wall     = work phase (threads created .. joined), measured inside the workload
  cpu      = getrusage CPU of the process (user+sys, handlers and writer thread included)
  heavyCPU = CPU of the heavy thread (its handler time included): the critical path, i.e.
             the wall time on an idle machine; the least noisy cost figure on a shared one
  Min      = the fastest round of each arm: interference only ever adds time, so on a
             busy machine the minimum is the steadier estimate of a fixed-work cost
  exit     = whole process (exec to exit) minus work phase: profiler start, symbolisation
             and writing (median)
  samples  = the profile's samples/count total (cprof: periods, a signal weighs
             1+si_overrun; gperftools: signals);  prof = its cpu/nanoseconds total
  heavy%label = share of the thread label "heavy" (go tool pprof -tags);  heavy%func =
             share under heavy() vs light() in the stacks (go tool pprof -raw; gperftools
             has no thread label)
EOF
if grep -v '^PROFILE: interrupts' "$OUT/stderr" | grep -q .; then
	echo; echo "stderr of the runs (distinct lines, counted):"
	grep -v '^PROFILE: interrupts' "$OUT/stderr" | sort | uniq -c | head -10
fi

# ---- per-sample unwind cost ----
echo
"$B/bench/unwind_bench" >"$OUT/unwind"
cat "$OUT/unwind"
# its rows: depth, same, then (ns, frames) per method in unwind_bench.c's
# order: cprof_here cprof_signal signal_only cprof_handler glibc_backtrace
# libgcc_unwind cprof_cold
awk -v md="$(md_start "$B/bench" "$MD-unwind" "$MDCMD")" '
function us(ns) { return sprintf("%.2f µs", ns / 1000) }
BEGIN {
	print "| stack depth | cprof unwind (`cprof__unwind_here`) | the same, pc→row cache emptied | signal delivery, empty handler | signal + `cprof__unwind_uc` | libcprof\047s whole handler | glibc `backtrace()` | libgcc `_Unwind_Backtrace` |" >> md
	print "|---|---|---|---|---|---|---|---|" >> md
}
$1 ~ /^[0-9]+$/ && NF >= 16 {
	printf "| %s%s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2 == "yes" ? "" : " (stacks differ)", us($3), us($15), us($7), us($5), us($9), us($11), us($13) >> md
}' "$OUT/unwind"
