#!/bin/sh
# compare.sh — cprof beside the other profilers of C programs, on the same
# workloads in one run: overhead (wall time against no profiler, the arms of
# a round interleaved and their order rotated), accuracy against a ground
# truth known by construction (bench/compare_workload.c), and what each tool
# could be set up to show.  docs/COMPARISON.md holds the tables.
#
#   sh bench/compare.sh                           # ROUNDS=5: ~4 min on an idle 2-core machine
#   ROUNDS=9 UNITS=8 ALLOC_N=200000 sh bench/compare.sh
#   SMOKE=1 ROUNDS=1 UNITS=1 ALLOC_N=5000 sh bench/compare.sh   # checks the script only
#
# Workloads:
#   cpu UNITS     hot_a() 70 % and hot_b() 30 % of the iterations of one
#                 loop (UNITS × 10⁸ in all; 4 ≈ 0.5 s on an idle core)
#   alloc N       N rounds of 7 mallocs of 1000 B in alloc_a() and 3 in
#                 alloc_b(), every 100th round's kept: total bytes 70/30,
#                 a known peak
# Arms (an arm whose tool is missing or refuses to run is reported as
# unavailable, with the reason; the others still run):
#   cpu:   none, cprof (CPROF_CPU), gperftools (libprofiler CPUPROFILE),
#          perf-fp (perf record -g), perf-dwarf (perf record --call-graph
#          dwarf), callgrind
#   alloc: none, cprof (CPROF_HEAP), gperftools (libtcmalloc HEAPPROFILE),
#          heaptrack, jemalloc (libjemalloc2, MALLOC_CONF=prof:true...),
#          massif, dhat
# Each tool runs as its documentation's quick start says, at its default
# rate.  Profiles are read with go tool pprof (cprof, gperftools), cprof
# (jemalloc's heap_v2, which pprof does not read), perf report,
# callgrind_annotate, heaptrack_print, and the massif and DHAT files.
#
# Writes $B/bench/comparison-{overhead,accuracy-cpu,accuracy-alloc,setup}.md
# (first line: the command, as bench/README.md describes) and the raw runs
# ($B/bench/comparison-runs.tsv); with UPDATE=1 (the default) also copies the
# tables to bench/results/comparison/ and splices them into
# docs/COMPARISON.md (bench/perfdoc.sh, PERFDOC_DOC/PERFDOC_RES).  SMOKE=1
# marks every table as a smoke run whose figures mean nothing.
#
# Needs gcc, make, go, python3, perf (linux-perf), valgrind, heaptrack,
# google-perftools, libjemalloc2 (scripts/deps.sh).  Run it on a quiet
# machine: timing figures taken under load are void.
set -eu
cd "$(dirname "$0")/.."
. bench/mdout.sh
MDCMD=$(md_cmd compare.sh ROUNDS UNITS ALLOC_N SMOKE)
MD=${RESULT:-comparison}
B=${B:-build-perf}
ROUNDS=${ROUNDS:-5}
UNITS=${UNITS:-4}
ALLOC_N=${ALLOC_N:-100000}
SMOKE=${SMOKE:-}
UPDATE=${UPDATE:-1}
CC=${CC:-gcc}
LIBDIR=/usr/lib/x86_64-linux-gnu
GPERF=${GPERF:-$LIBDIR/libprofiler.so.0}
TCMALLOC=${TCMALLOC:-$LIBDIR/libtcmalloc.so.4}
JEMALLOC=${JEMALLOC:-$LIBDIR/libjemalloc.so.2}

for t in go make python3 "$CC"; do
	command -v "$t" >/dev/null || { echo "compare: '$t' not found (scripts/deps.sh)" >&2; exit 1; }
done
case $ROUNDS$UNITS$ALLOC_N in *[!0-9]*) echo "compare: ROUNDS, UNITS, ALLOC_N: integers" >&2; exit 2 ;; esac

# ---- build ----
make -s B="$B" runtime "$B/cprof" >/dev/null
mkdir -p "$B/bench"
W=$B/bench/compare_workload
# frame pointers: perf -g and gperftools walk them
$CC -std=c17 -Wall -Wextra -Werror -O2 -g -fno-omit-frame-pointer -o "$W" bench/compare_workload.c
LIB=$(pwd)/$B/libcprof.so
CPROF=$(pwd)/$B/cprof
OUT=$(mktemp -d "${TMPDIR:-/tmp}/compare.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

# ---- which tools work here ----
# avail ARM: empty when ARM can run, else why not
: >"$OUT/unavail"
unavail() { echo "$1	$2" >>"$OUT/unavail"; }
perf_ok=
if ! command -v perf >/dev/null; then
	unavail perf "perf not installed (Debian linux-perf)"
elif ! perf record -q -o "$OUT/probe.data" true >"$OUT/probe.err" 2>&1; then
	unavail perf "perf record fails here: $(grep -m1 -v '^$' "$OUT/probe.err" | cut -c1-120) (perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
else
	perf_ok=1
	perf_event=$(perf report -i "$OUT/probe.data" --stdio --header-only 2>/dev/null |
		sed -n 's/^# event : name = \([^,]*\),.*/\1/p' | head -n 1)
fi
command -v valgrind >/dev/null || unavail valgrind "valgrind not installed (Debian valgrind)"
command -v heaptrack >/dev/null || unavail heaptrack "heaptrack not installed (Debian heaptrack)"
[ -f "$GPERF" ] || unavail gperftools "$GPERF not found (Debian google-perftools)"
[ -f "$TCMALLOC" ] || unavail gperftools-heap "$TCMALLOC not found (Debian google-perftools)"
# jemalloc's profiler exists only in a build configured --enable-prof:
# without it prof:true is an invalid option and no profile appears.
je_prof=
if [ ! -f "$JEMALLOC" ]; then
	unavail jemalloc "$JEMALLOC not found (Debian libjemalloc2)"
else
	LD_PRELOAD=$JEMALLOC MALLOC_CONF=prof:true,prof_final:true,prof_prefix:$OUT/probe.je \
		"$W" alloc 10 >/dev/null 2>"$OUT/je.err" || true
	if ls "$OUT"/probe.je.*.heap >/dev/null 2>&1; then
		je_prof=1
	else
		unavail jemalloc "this libjemalloc2 has no profiler (built without --enable-prof): $(head -c 120 "$OUT/je.err")"
	fi
fi
tool_of() {
	case $1 in
	perf-*) echo perf ;; callgrind | massif | dhat) echo valgrind ;;
	gperf-cpu) echo gperftools ;; gperf-heap) echo gperftools-heap ;;
	*) echo "$1" ;;
	esac
}
why_unavail() { awk -F'\t' -v t="$(tool_of "$1")" '$1 == t { print $2; exit }' "$OUT/unavail"; }

CPU_ARMS="none cprof gperf-cpu perf-fp perf-dwarf callgrind"
ALLOC_ARMS="none cprof gperf-heap heaptrack jemalloc massif dhat"

echo "compare: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), kernel $(uname -r)"
echo "compare: load average at start: $(cut -d' ' -f1-3 /proc/loadavg)${SMOKE:+ (SMOKE: figures meaningless)}"
echo "compare: $ROUNDS rounds; cpu $UNITS units: $CPU_ARMS; alloc $ALLOC_N rounds: $ALLOC_ARMS"

now_ns() { date +%s%N; }

# run WORKLOAD ARM ROUND: one run, timed; appends to $OUT/runs:
#   workload arm round wall_ns profile_bytes truth-lines(k=v,...) profile
run() {
	wl=$1 arm=$2 r=$3
	p=$OUT/$wl-$arm-$r
	if [ "$wl" = cpu ]; then args="cpu $UNITS"; else args="alloc $ALLOC_N"; fi
	t0=$(now_ns)
	set +e
	case $wl/$arm in
	*/none) "$W" $args ;;
	cpu/cprof) LD_PRELOAD=$LIB CPROF_CPU=$p "$W" $args ;;
	alloc/cprof) LD_PRELOAD=$LIB CPROF_HEAP=$p "$W" $args ;;
	cpu/gperf-cpu) LD_PRELOAD=$GPERF CPUPROFILE=$p "$W" $args ;;
	alloc/gperf-heap) LD_PRELOAD=$TCMALLOC HEAPPROFILE=$p "$W" $args ;;
	cpu/perf-fp) perf record -q -g -o "$p" "$W" $args ;;
	cpu/perf-dwarf) perf record -q --call-graph dwarf -o "$p" "$W" $args ;;
	cpu/callgrind) valgrind -q --tool=callgrind --callgrind-out-file="$p" "$W" $args ;;
	alloc/heaptrack) heaptrack -o "$p" "$W" $args | grep '^truth ' ;;
	alloc/jemalloc) LD_PRELOAD=$JEMALLOC \
		MALLOC_CONF=prof:true,prof_accum:true,prof_final:true,prof_prefix:$p "$W" $args ;;
	alloc/massif) valgrind -q --tool=massif --massif-out-file="$p" "$W" $args ;;
	alloc/dhat) valgrind -q --tool=dhat --dhat-out-file="$p" "$W" $args ;;
	esac >"$OUT/stdout" 2>>"$OUT/stderr"
	rc=$?
	set -e
	t1=$(now_ns)
	# the profile's file: tcmalloc and jemalloc name theirs
	case $arm in
	gperf-heap) f=$(ls "$p".*.heap 2>/dev/null | tail -n 1) ;;
	jemalloc) f=$(ls "$p".*.f.heap 2>/dev/null | tail -n 1) ;;
	heaptrack) f=$(ls "$p".* 2>/dev/null | head -n 1) ;;
	none) f=- ;;
	*) f=$p ;;
	esac
	[ -n "$f" ] || f=-
	size=0
	[ "$f" = - ] || size=$(wc -c <"$f")
	truth=$(awk '$1 == "truth" { printf "%s%s=%s", s, $2, $3; s = "," }' "$OUT/stdout")
	[ "$rc" = 0 ] && [ -n "$truth" ] || { echo "compare: $wl/$arm round $r failed (exit $rc): $(tail -n 3 "$OUT/stderr" | tr '\n' '|')" >&2; truth=failed; }
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$arm" "$r" "$((t1 - t0))" "$size" "$truth" "$f" >>"$OUT/runs"
}

: >"$OUT/runs"
: >"$OUT/stderr"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for arm in $(rotated "$r" $CPU_ARMS); do
		if [ -z "$(why_unavail "$arm")" ]; then run cpu "$arm" "$r"; fi
	done
	for arm in $(rotated "$r" $ALLOC_ARMS); do
		if [ -z "$(why_unavail "$arm")" ]; then run alloc "$arm" "$r"; fi
	done
	echo "compare: round $r of $ROUNDS done"
	r=$((r + 1))
done

# ---- what each profile says ----
# pp_cum READER SAMPLE_INDEX UNIT FILE FUNC [BIN]: FUNC's cum value (a number in UNIT)
pp_cum() {
	if [ "$1" = pprof ]; then rd="go tool pprof"; else rd=$CPROF; fi
	$rd -top -nodecount=1000 ${3:+-unit=$3} -sample_index="$2" ${6:-} "$4" 2>/dev/null |
		awk -v f="$5" '$NF == f { v = $4; sub(/[A-Za-z]+$/, "", v); print v + 0; exit }'
}
# analyse: one line per profiled run, "wl arm round key=value,..." (keys:
# a, b = the two functions' values; total; peak; count_a, count_b)
analyse() {
	wl=$1 arm=$2 f=$3
	case $wl/$arm in
	cpu/cprof) echo "a=$(pp_cum pprof cpu ms "$f" hot_a),b=$(pp_cum pprof cpu ms "$f" hot_b)" ;;
	cpu/gperf-cpu) echo "a=$(pp_cum pprof cpu ms "$f" hot_a "$W"),b=$(pp_cum pprof cpu ms "$f" hot_b "$W")" ;;
	cpu/perf-*)
		perf report -i "$f" --stdio --no-children --sort sym -g none 2>/dev/null |
			awk '$2 == "[.]" && ($3 == "hot_a" || $3 == "hot_b") { v[$3] = $1 + 0 }
				END { printf "a=%s,b=%s\n", v["hot_a"], v["hot_b"] }' ;;
	cpu/callgrind)
		callgrind_annotate "$f" 2>/dev/null |
			awk '/:hot_[ab] \[/ { n = $1; gsub(/,/, "", n); k = $0; sub(/.*:hot_/, "", k); k = substr(k, 1, 1)
				if (!(k in v)) v[k] = n }
				END { printf "a=%s,b=%s\n", v["a"], v["b"] }' ;;
	alloc/cprof)
		echo "a=$(pp_cum pprof alloc_space B "$f" alloc_a),b=$(pp_cum pprof alloc_space B "$f" alloc_b),count_a=$(pp_cum pprof alloc_objects '' "$f" alloc_a),count_b=$(pp_cum pprof alloc_objects '' "$f" alloc_b)" ;;
	alloc/gperf-heap)
		echo "a=$(pp_cum pprof alloc_space B "$f" alloc_a "$W"),b=$(pp_cum pprof alloc_space B "$f" alloc_b "$W"),count_a=$(pp_cum pprof alloc_objects '' "$f" alloc_a "$W"),count_b=$(pp_cum pprof alloc_objects '' "$f" alloc_b "$W")" ;;
	alloc/jemalloc)
		echo "a=$(pp_cum cprof alloc_space B "$f" alloc_a),b=$(pp_cum cprof alloc_space B "$f" alloc_b),count_a=$(pp_cum cprof alloc_objects '' "$f" alloc_a),count_b=$(pp_cum cprof alloc_objects '' "$f" alloc_b)" ;;
	alloc/heaptrack)
		# heaptrack_print has calls and peak per stack, not bytes allocated
		heaptrack_print -f "$f" -F "$OUT/ht.folded" --flamegraph-cost-type allocations >"$OUT/ht.txt" 2>/dev/null
		awk '{ n = $NF } /(^|;)alloc_a / && !/keep/ { a += n } /(^|;)alloc_b / && !/keep/ { b += n }
			END { printf "count_a=%d,count_b=%d,", a, b }' "$OUT/ht.folded"
		awk '/^peak heap memory consumption:/ { v = $5; m = 1
				if (v ~ /K$/) m = 1e3; else if (v ~ /M$/) m = 1e6; else if (v ~ /G$/) m = 1e9
				sub(/[KMGB]$/, "", v); printf "peak=%d\n", v * m }' "$OUT/ht.txt" ;;
	alloc/massif)
		awk -F= '/^mem_heap_B=/ { if ($2 + 0 > p) p = $2 + 0 } END { printf "peak=%d\n", p }' "$f" ;;
	alloc/dhat)
		python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ft = d["ftbl"]
def under(pp, fn):
    return any((" " + fn + " (") in ft[i] for i in pp["fs"])
a = sum(pp["tb"] for pp in d["pps"] if under(pp, "alloc_a") and not under(pp, "keep"))
b = sum(pp["tb"] for pp in d["pps"] if under(pp, "alloc_b") and not under(pp, "keep"))
ca = sum(pp["tbk"] for pp in d["pps"] if under(pp, "alloc_a") and not under(pp, "keep"))
cb = sum(pp["tbk"] for pp in d["pps"] if under(pp, "alloc_b") and not under(pp, "keep"))
peak = sum(pp["gb"] for pp in d["pps"])
print("a=%d,b=%d,count_a=%d,count_b=%d,peak=%d" % (a, b, ca, cb, peak))' "$f" ;;
	*) echo - ;;
	esac
}
echo "compare: reading the profiles"
: >"$OUT/acc"
while IFS='	' read -r wl arm r ns size truth f; do
	if [ "$f" = - ] || [ "$truth" = failed ]; then continue; fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$wl" "$arm" "$r" "$truth" "$(analyse "$wl" "$arm" "$f")" >>"$OUT/acc"
done <"$OUT/runs"
cp "$OUT/runs" "$B/bench/$MD-runs.tsv"
cp "$OUT/acc" "$B/bench/$MD-accuracy.tsv"

SMOKE_NOTE=
[ -n "$SMOKE" ] && SMOKE_NOTE="**Smoke run** ($MDCMD, on a loaded machine): these figures only show that the script works; they are not measurements."

# ---- overhead ----
awk -F'\t' -v md="$(md_start "$B/bench" "$MD-overhead" "$MDCMD")" -v smoke="$SMOKE_NOTE" \
	-v cpu_arms="$CPU_ARMS" -v alloc_arms="$ALLOC_ARMS" -v unav="$OUT/unavail" '
	function median(s,   n, a, i, j, t) {
		n = split(s, a, " ")
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	BEGIN { while ((getline l < unav) > 0) { split(l, u, "\t"); why[u[1]] = u[2] } }
	$6 != "failed" { wall[$1, $2] = wall[$1, $2] " " $4; t[$1, $2, $3] = $4; size[$1, $2] = size[$1, $2] " " $5; rounds[$1] = $3 > rounds[$1] ? $3 : rounds[$1] }
	function tool(a) { return a ~ /^perf-/ ? "perf" : a ~ /^(callgrind|massif|dhat)$/ ? "valgrind" : a == "gperf-cpu" ? "gperftools" : a == "gperf-heap" ? "gperftools-heap" : a }
	function rows(wl, arms,   n, a, i, arm, k, rs, r, ka, kn) {
		n = split(arms, a, " ")
		for (i = 1; i <= n; i++) {
			arm = a[i]
			if (wall[wl, arm] == "") {
				printf "| %s | %s | unavailable: %s | | |\n", wl, arm, (tool(arm) in why) ? why[tool(arm)] : "every run failed" >> md
				continue
			}
			rs = ""
			for (r = 1; r <= rounds[wl]; r++) {
				ka = wl SUBSEP arm SUBSEP r; kn = wl SUBSEP "none" SUBSEP r
				if ((ka in t) && (kn in t)) rs = rs " " t[ka] / t[kn]
			}
			printf "| %s | %s | %.0f | %s | %s |\n", wl, arm, median(wall[wl, arm]) / 1e6,
				arm == "none" ? "1" : rs == "" ? "-" : sprintf("%.2f×", median(rs)),
				arm == "none" ? "-" : sprintf("%.0f", median(size[wl, arm]) / 1024) >> md
		}
	}
	END {
		if (smoke != "") printf "%s\n\n", smoke >> md
		print "| workload | arm | wall ms (median) | × none (median of the rounds'"'"' ratios) | profile KiB |" >> md
		print "|---|---|---:|---:|---:|" >> md
		rows("cpu", cpu_arms); rows("alloc", alloc_arms)
	}' "$OUT/runs"

# ---- accuracy ----
awk -F'\t' -v md="$(md_start "$B/bench" "$MD-accuracy-cpu" "$MDCMD")" -v smoke="$SMOKE_NOTE" \
	-v arms="$CPU_ARMS" '
	function kv(s, k,   n, a, i) { n = split(s, a, ","); for (i = 1; i <= n; i++) if (index(a[i], k "=") == 1) return substr(a[i], length(k) + 2); return "" }
	$1 == "cpu" {
		a = kv($5, "a") + 0; b = kv($5, "b") + 0
		tr[$2] += kv($4, "cpu_share_hot_a"); nt[$2]++
		if (a + b > 0) { s[$2] += a / (a + b); ss[$2] += (a / (a + b)) ^ 2; n[$2]++ }
	}
	END {
		if (smoke != "") printf "%s\n\n", smoke >> md
		print "| arm | measures | hot_a share (truth 70.0 %) | ± (sd over rounds) | hot_a share by the program'"'"'s own thread CPU clock |" >> md
		print "|---|---|---:|---:|---:|" >> md
		k = split(arms, x, " ")
		for (i = 1; i <= k; i++) {
			arm = x[i]
			if (arm == "none" || !(arm in nt)) continue
			m = n[arm] ? s[arm] / n[arm] : 0
			sd = n[arm] > 1 ? sqrt((ss[arm] - n[arm] * m * m) / (n[arm] - 1 > 0 ? n[arm] - 1 : 1)) : 0
			printf "| %s | %s | %s | %s | %.1f %% |\n", arm,
				arm == "callgrind" ? "instructions" : "CPU samples",
				n[arm] ? sprintf("%.1f %%", 100 * m) : "not found",
				(n[arm] > 1) ? sprintf("%.1f", 100 * sd) : "-", 100 * tr[arm] / nt[arm] >> md
		}
	}' "$OUT/acc"

awk -F'\t' -v md="$(md_start "$B/bench" "$MD-accuracy-alloc" "$MDCMD")" -v smoke="$SMOKE_NOTE" \
	-v arms="$ALLOC_ARMS" '
	function kv(s, k,   n, a, i) { n = split(s, a, ","); for (i = 1; i <= n; i++) if (index(a[i], k "=") == 1) return substr(a[i], length(k) + 2); return "" }
	function pct(x) { return sprintf("%.1f %%", 100 * x) }
	$1 == "alloc" {
		arm = $2; nr[arm]++
		ta = kv($4, "alloc_bytes_a"); tb = kv($4, "alloc_bytes_b"); tp = kv($4, "peak_bytes"); tc = kv($4, "alloc_count")
		a = kv($5, "a"); b = kv($5, "b"); ca = kv($5, "count_a"); cb = kv($5, "count_b"); p = kv($5, "peak")
		if (a != "" && a + b > 0) { share[arm] += a / (a + b); tot[arm] += (a + b) / (ta + tb); nb[arm]++ }
		if (ca != "" && ca + cb > 0) { cshare[arm] += ca / (ca + cb); ctot[arm] += (ca + cb) / tc; nc[arm]++ }
		if (p != "" && p > 0) { peak[arm] += p / tp; np[arm]++ }
	}
	END {
		if (smoke != "") printf "%s\n\n", smoke >> md
		print "| arm | alloc_a share of bytes (truth 70.0 %) | bytes seen / allocated | alloc_a share of calls (truth 70.0 %) | calls seen / made | peak heap / truth |" >> md
		print "|---|---:|---:|---:|---:|---:|" >> md
		k = split(arms, x, " ")
		for (i = 1; i <= k; i++) {
			arm = x[i]
			if (arm == "none" || !(arm in nr)) continue
			printf "| %s | %s | %s | %s | %s | %s |\n", arm,
				nb[arm] ? pct(share[arm] / nb[arm]) : "-", nb[arm] ? sprintf("%.3f", tot[arm] / nb[arm]) : "-",
				nc[arm] ? pct(cshare[arm] / nc[arm]) : "-", nc[arm] ? sprintf("%.3f", ctot[arm] / nc[arm]) : "-",
				np[arm] ? sprintf("%.3f", peak[arm] / np[arm]) : "-" >> md
		}
	}' "$OUT/acc"

# ---- setup: versions and what this machine allows ----
ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo '?'; }
md=$(md_start "$B/bench" "$MD-setup" "$MDCMD")
{
	echo "| tool | version here | how it was run | available here |"
	echo "|---|---|---|---|"
	echo "| cprof | this tree | \`LD_PRELOAD=libcprof.so CPROF_CPU=f\` / \`CPROF_HEAP=f\` | yes |"
	echo "| gperftools | $(ver google-perftools) | \`LD_PRELOAD=libprofiler.so CPUPROFILE=f\`; \`LD_PRELOAD=libtcmalloc.so HEAPPROFILE=f\` | $( [ -z "$(why_unavail gperf-cpu)" ] && echo yes || why_unavail gperf-cpu) |"
	echo "| perf | $(ver linux-perf) | \`perf record -g\` and \`perf record --call-graph dwarf\`, default event and rate | $( [ -n "$perf_ok" ] && echo "yes (event ${perf_event:-?}, perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid))" || why_unavail perf-fp) |"
	echo "| valgrind | $(ver valgrind) | \`valgrind --tool=callgrind\`, \`--tool=massif\`, \`--tool=dhat\` | $( [ -z "$(why_unavail callgrind)" ] && echo yes || why_unavail callgrind) |"
	echo "| heaptrack | $(ver heaptrack) | \`heaptrack -o f prog\`, read with \`heaptrack_print\` | $( [ -z "$(why_unavail heaptrack)" ] && echo yes || why_unavail heaptrack) |"
	echo "| jemalloc | $(ver libjemalloc2) | \`LD_PRELOAD=libjemalloc.so.2 MALLOC_CONF=prof:true,prof_accum:true,prof_final:true\` | $( [ -n "$je_prof" ] && echo "yes: Debian's build has the profiler (--enable-prof)" || why_unavail jemalloc) |"
} >>"$md"

for t in overhead accuracy-cpu accuracy-alloc setup; do
	echo
	tail -n +2 "$B/bench/$MD-$t.md"
done

if [ "$UPDATE" = 1 ]; then
	mkdir -p bench/results/comparison
	for t in overhead accuracy-cpu accuracy-alloc setup; do
		cp "$B/bench/$MD-$t.md" bench/results/comparison/
	done
	PERFDOC_DOC=docs/COMPARISON.md PERFDOC_RES=bench/results/comparison sh bench/perfdoc.sh update
fi
