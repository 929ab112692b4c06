#!/bin/sh
# heap_bench.sh — the heap-profiler benchmark.  Not a
# test: it prints figures and checks nothing.
#
# Runs bench/heap_churn (random 16..4096-byte objects, LIVE live, OPS
# free+malloc replacements, fixed seed) under each arm, ROUNDS times,
# round-robin (the arm order rotates every round) so that the noise of a
# shared machine hits every arm alike; prints medians and ratios:
#   glibc            plain glibc malloc, nothing preloaded (baseline of the
#                    cprof arms and of heaptrack)
#   glibc-mt         the same with an idle second thread (HEAP_CHURN_IDLE_THREAD=1):
#                    what glibc malloc loses once a process has two threads
#   cprof-count      libcprof.so preloaded, no CPROF_* variable: exact counters
#   cprof-heap       CPROF_HEAP=file (default rate, CPROF_HEAP_RATE=$RATE)
#   cprof-leaks      CPROF_LEAKS=1 (every allocation tracked)
#   cprof-leaks-smp  CPROF_LEAKS=sampled
#   heaptrack        heaptrack -o file (Debian heaptrack)
#   jemalloc         LD_PRELOAD=libjemalloc.so.2 (baseline of jemalloc-prof)
#   jemalloc-prof    MALLOC_CONF=prof:true,lg_prof_sample:19,prof_final:true
#   tcmalloc/s, tcmalloc-hp/s   libtcmalloc.so.4 without and with HEAPPROFILE,
#                    on OPS/100 ops only (HEAPPROFILE records every allocation)
# With T2=1, also glibc/2t, cprof-count/2t, cprof-heap/2t: two threads, each
# with its own LIVE objects, OPS split between them.
#
# Then reads every cprof-heap profile with `go tool pprof` and compares its
# alloc_space/alloc_objects under churn_alloc() with the exact figures the
# workload prints.
#
#   bench/heap_bench.sh                     # from the top of the tree
#   ROUNDS=9 OPS=20000000 LIVE=10000 T2=1 bench/heap_bench.sh
#
# Needs: gcc, make, go (golang-go), heaptrack, libjemalloc2, google-perftools, time
# (scripts/deps.sh installs them).  Builds in build-perf/ (override: B=).
# Raw per-run figures are kept in $B/bench/heap-runs.tsv; the tables, as
# markdown, in $B/bench/heap-churn-cost.md and heap-churn-accuracy.md
# ("heap-churn" is $RESULT when set; bench/README.md, "Refreshing the figures").
set -eu

cd "$(dirname "$0")/.."
. bench/mdout.sh
MDCMD=$(md_cmd heap_bench.sh ARMS ROUNDS OPS LIVE RATE T2)
MD=${RESULT:-heap-churn}
B=${B:-build-perf}
ROUNDS=${ROUNDS:-5}
OPS=${OPS:-20000000}
LIVE=${LIVE:-10000}
RATE=${RATE:-524288}
T2=${T2:-0}
CC=${CC:-gcc}
LIBDIR=/usr/lib/x86_64-linux-gnu
JEMALLOC=${JEMALLOC:-$LIBDIR/libjemalloc.so.2}
TCMALLOC=${TCMALLOC:-$LIBDIR/libtcmalloc.so.4}

for t in go make heaptrack "$CC" /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "heap_bench: '$t' not found (see bench/README.md)" >&2; exit 1; }
done
for f in "$JEMALLOC" "$TCMALLOC"; do
	[ -f "$f" ] || { echo "heap_bench: $f not found: run scripts/deps.sh" >&2; exit 1; }
done

# summarize TSV ARMS CMD: medians per arm, ratios against each arm's
# baseline; CMD is the command that made TSV, for the markdown tables
summarize() {
awk -v arms="$2" -v md_cost="$(md_start "$B/bench" "$MD-cost" "$3")" \
	-v md_acc="$(md_start "$B/bench" "$MD-accuracy" "$3")" "$AWK_MEDIAN"'
function med(arm, col,   i, k, a) {
	k = 0
	for (i = 1; i <= nr; i++) if (A[i] == arm && V[i, col] != "-") a[++k] = V[i, col]
	return k ? median(a, k) : 0
}
function base(a) {
	if (a ~ /\/2t$/) return "glibc/2t"
	if (a ~ /^jemalloc/) return "jemalloc"
	if (a ~ /^tcmalloc/) return "tcmalloc/s"
	return "glibc"
}
function ratio(x, x0) { return x0 > 0 ? sprintf("%.3fx", x / x0) : "-" }
# median over rounds of arm/baseline within the same round
function paired(arm, col,   i, j, k, a) {
	k = pairs(arm, col, a)
	return k ? sprintf("%.3fx", median(a, k)) : "-"
}
# the per-round ratios arm / baseline into a[1..k]; returns k
function pairs(arm, col, a,   i, j, k) {
	k = 0
	for (i = 1; i <= nr; i++) {
		if (A[i] != arm) continue
		for (j = 1; j <= nr; j++)
			if (A[j] == base(arm) && R[j] == R[i] && V[j, col] > 0) a[++k] = V[i, col] / V[j, col]
	}
	return k
}
# 95 % confidence interval of the median per-round ratio, distribution-free:
# the order statistics n/2 -+ 0.98 sqrt(n) of the sorted ratios (the sign
# test interval; needs 6 rounds or more)
function ci(arm, col,   a, k, lo) {
	k = pairs(arm, col, a)
	median(a, k) # sorts a
	lo = int(k / 2 - 0.98 * sqrt(k))
	return lo >= 1 ? sprintf("%.3f-%.3f", a[lo], a[k - lo + 1]) : "-"
}
# markdown cells: "—" for a figure that does not apply
function mdx(s) { if (s == "-" || s == "") return "—"; sub(/x$/, "×", s); sub(/-/, "–", s); return s }
NR == 1 { next }
{
	nr++; A[nr] = $1; R[nr] = $2
	V[nr, "twall"] = $3; V[nr, "tcpu"] = $4 + $5
	V[nr, "wall"] = $6 / 1e9; V[nr, "cpu"] = $7 / 1e9
	V[nr, "obj"] = $11 == "-" ? "-" : $11 / $8; V[nr, "byt"] = $12 == "-" ? "-" : $12 / $9
	if (!($1 in SUM)) SUM[$1] = $10; else if (SUM[$1] != $10) BAD[$1] = 1
}
END {
	n = split(arms, arm, " ")
	print ""
	print "Cost (medians; ratio = arm / its baseline: glibc for cprof and heaptrack, jemalloc for"
	print "jemalloc-prof, tcmalloc/s for tcmalloc-hp/s, glibc/2t for the two-thread arms):"
	printf "%-16s %8s %7s %7s %8s %7s %7s %8s %7s %8s %7s  %s\n", "arm", "loopCPU", "ratio", "paired", "treeCPU", "ratio", "paired", "loopWall", "ratio", "treeWall", "ratio", "paired loopCPU 95% CI"
	for (i = 1; i <= n; i++) {
		a = arm[i]; b = base(a)
		c = med(a, "cpu"); w = med(a, "wall"); tc = med(a, "tcpu"); tw = med(a, "twall")
		printf "%-16s %8.3f %7s %7s %8.2f %7s %7s %8.3f %7s %8.2f %7s  %s%s\n", a, c, ratio(c, med(b, "cpu")), paired(a, "cpu"), tc, ratio(tc, med(b, "tcpu")), paired(a, "tcpu"), w, ratio(w, med(b, "wall")), tw, ratio(tw, med(b, "twall")), a == b ? "" : ci(a, "cpu"), a in BAD ? "  CHECKSUM DIFFERS" : ""
	}
	print "| arm | baseline | loop CPU (s) | ratio of medians | paired | paired 95 % CI | process-tree CPU, paired |" >> md_cost
	print "|---|---|---|---|---|---|---|" >> md_cost
	for (i = 1; i <= n; i++) {
		a = arm[i]; b = base(a); c = med(a, "cpu")
		printf "| %s%s | %s | %.3f | %s | %s | %s | %s |\n", a, a in BAD ? " (checksum differs)" : "", a == b ? "—" : b, c, a == b ? "—" : mdx(ratio(c, med(b, "cpu"))), a == b ? "—" : mdx(paired(a, "cpu")), a == b ? "—" : mdx(ci(a, "cpu")), a == b ? "—" : mdx(paired(a, "tcpu")) >> md_cost
	}
	print "| arm | alloc_objects / truth (median) | alloc_space / truth (median) | alloc_space / truth, range |" >> md_acc
	print "|---|---|---|---|" >> md_acc
	print ""
	print "Accuracy of the cprof heap profile at exit (medians; profile total under churn_alloc() / truth):"
	for (i = 1; i <= n; i++) {
		a = arm[i]
		if (a !~ /^cprof-heap/) continue
		printf "%-16s alloc_objects %.4f   alloc_space %.4f   (per run:", a, med(a, "obj"), med(a, "byt")
		lo = hi = ""
		for (j = 1; j <= nr; j++) if (A[j] == a && V[j, "byt"] != "-") {
			printf " %.4f", V[j, "byt"]
			if (lo == "" || V[j, "byt"] < lo) lo = V[j, "byt"]
			if (hi == "" || V[j, "byt"] > hi) hi = V[j, "byt"]
		}
		print ")"
		printf "| %s | %.4f | %.4f | %s |\n", a, med(a, "obj"), med(a, "byt"), lo == "" ? "—" : sprintf("%.4f–%.4f", lo, hi) >> md_acc
	}
}
' "$1"
cat <<'EOF'

  loopCPU  = CPU time of the workload process over its churn loop (CLOCK_PROCESS_CPUTIME_ID);
             the least noisy figure on a shared machine, but blind to heaptrack's separate
             heaptrack_interpret process
  paired   = median over rounds of (arm / baseline in the same round): drift of the
             machine's load cancels out
  loopWall = the churn loop, wall clock, measured inside the workload
  treeCPU  = user+sys of the whole command and its children (/usr/bin/time): start-up,
             profile writing at exit, heaptrack_interpret included
  treeWall = the whole command, wall clock
EOF
}

# SUMMARY=file: only print the tables of a heap-runs.tsv kept from an earlier run.
if [ -n "${SUMMARY:-}" ]; then
	summarize "$SUMMARY" "$(awk 'NR > 1 && !s[$1]++ { printf "%s ", $1 }' "$SUMMARY")" \
		"$(cat "$SUMMARY.cmd" 2>/dev/null || echo "SUMMARY=$SUMMARY sh bench/heap_bench.sh")"
	exit 0
fi

# ---- build ----
make -s B="$B" runtime >/dev/null
mkdir -p "$B/bench"
W=$(pwd)/$B/bench/heap_churn
$CC -std=c17 -Wall -Wextra -Werror -O2 -g -pthread -o "$W" bench/heap_churn.c
LIB=$(pwd)/$B/libcprof.so
OUT=$(mktemp -d "${TMPDIR:-/tmp}/heap_bench.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$OUT"' EXIT
SHORT=$((OPS / 100))

ARMS=${ARMS:-glibc glibc-mt cprof-count cprof-heap cprof-leaks cprof-leaks-smp heaptrack jemalloc jemalloc-prof tcmalloc/s tcmalloc-hp/s}
[ "$T2" = 1 ] && ARMS="$ARMS glibc/2t cprof-count/2t cprof-heap/2t"
NARMS=$(echo $ARMS | wc -w)

echo "heap_bench: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r), $(ldd --version | head -1 | sed 's/.* //') glibc, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "heap_bench: workload: $OPS ops (free+malloc, 16..4096 B), $LIVE live, seed 1; tcmalloc arms: $SHORT ops"
echo "heap_bench: $ROUNDS rounds x $NARMS arms, round-robin; load average at start: $(cut -d" " -f1-3 /proc/loadavg)"

# The profiler is set up by env(1) under time(1) so that it applies to the
# workload only (time would otherwise write the profile again at its exit).
# run ARM ROUND: one run; appends "arm round tree_wall tree_cpu <workload line>"
run() {
	arm=$1 r=$2 ops=$OPS th=1
	case $arm in */s) ops=$SHORT ;; */2t) th=2 ;; esac
	prof=$OUT/$(echo "$arm" | tr / _)-$r
	set -- "$W" "$ops" "$LIVE" "$th"
	T="/usr/bin/time -f %e_%U_%S -o $OUT/time"
	case $arm in
	glibc-mt) line=$($T env HEAP_CHURN_IDLE_THREAD=1 "$@") ;;
	glibc*) line=$($T "$@") ;;
	cprof-count*) line=$($T env LD_PRELOAD="$LIB" "$@") ;;
	cprof-heap*) line=$($T env LD_PRELOAD="$LIB" CPROF_HEAP="$prof.pb.gz" CPROF_HEAP_RATE="$RATE" "$@") ;;
	cprof-leaks) line=$($T env LD_PRELOAD="$LIB" CPROF_LEAKS=1 CPROF_LEAKS_OUT="$prof.pb.gz" "$@") ;;
	cprof-leaks-smp) line=$($T env LD_PRELOAD="$LIB" CPROF_LEAKS=sampled CPROF_LEAKS_OUT="$prof.pb.gz" \
		CPROF_HEAP_RATE="$RATE" "$@") ;;
	heaptrack) line=$($T heaptrack -o "$prof" "$@" | grep '^ops=') ;;
	jemalloc) line=$($T env LD_PRELOAD="$JEMALLOC" "$@") ;;
	jemalloc-prof) line=$($T env LD_PRELOAD="$JEMALLOC" \
		MALLOC_CONF="prof:true,lg_prof_sample:19,prof_final:true,prof_prefix:$prof" "$@") ;;
	tcmalloc/s) line=$($T env LD_PRELOAD="$TCMALLOC" "$@") ;;
	tcmalloc-hp/s) line=$($T env LD_PRELOAD="$TCMALLOC" HEAPPROFILE="$prof" "$@") ;;
	esac
	t=$(tr _ ' ' <"$OUT/time")
	echo "$arm $r $t $line" >>"$OUT/runs"
	# keep only what is read later: the cprof heap profiles
	case $arm in cprof-heap*) ;; *) rm -f "$prof"* ;; esac
}

: >"$OUT/runs"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	order=$(rotated "$r" $ARMS)
	for a in $order; do run "$a" "$r" 2>>"$OUT/stderr"; done
	printf 'heap_bench: round %d/%d done (load %s)\n' "$r" "$ROUNDS" "$(cut -d" " -f1 /proc/loadavg)" >&2
	r=$((r + 1))
done

# ---- accuracy of the cprof heap profiles (after all runs) ----
# pprof_total PROFILE INDEX: the total of sample type INDEX under churn_alloc()
pprof_total() {
	go tool pprof -top -focus='^churn_alloc$' -sample_index="$2" -unit=B "$1" </dev/null 2>/dev/null |
		awk '/^Showing nodes accounting for/ { t = $5; sub(/B?,?$/, "", t); print t; exit }'
}

printf 'arm round tree_wall_s tree_user_s tree_sys_s wall_ns cpu_ns allocs bytes sum prof_objects prof_bytes\n' >"$B/bench/heap-runs.tsv"
while read -r arm r tw tu ts line; do
	kv() { for x in $line; do case $x in "$1"=*) echo "${x#*=}" ;; esac; done; }
	po=- pb=-
	case $arm in cprof-heap*)
		f=$OUT/$(echo "$arm" | tr / _)-$r.pb.gz
		po=$(pprof_total "$f" alloc_objects); pb=$(pprof_total "$f" alloc_space) ;;
	esac
	echo "$arm $r $tw $tu $ts $(kv wall_ns) $(kv cpu_ns) $(kv allocs) $(kv bytes) $(kv sum) ${po:--} ${pb:--}"
done <"$OUT/runs" >>"$B/bench/heap-runs.tsv"

echo "$MDCMD" >"$B/bench/heap-runs.tsv.cmd"
summarize "$B/bench/heap-runs.tsv" "$ARMS" "$MDCMD"
if grep -v -e '^heaptrack' -e '^cprof: leaks:' -e '^Starting tracking' -e '^Dumping heap profile' \
	-e '^<jemalloc>: Leak' "$OUT/stderr" | grep -q .; then
	echo; echo "stderr of the runs (distinct lines, counted):"
	sort "$OUT/stderr" | uniq -c | sort -rn | head -12
fi
