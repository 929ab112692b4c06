#!/bin/sh
# footprint.sh — what a profiler adds to a process's peak RSS.  Not
# a test: it prints figures and checks nothing but exit statuses.
#
# Peak RSS (wait4's ru_maxrss, through bench/maxrss.c: nothing between the
# shell and the program is measured with it) of four programs:
#   sqlite3     sqlite3 :memory: with a 300 000-row recursive query
#   true        /bin/true
#   python      /usr/bin/python3 -c pass
#   bash        bash -c 'echo hi'
# under each arm:
#   alone       nothing preloaded
#   preload     LD_PRELOAD=libcprof.so, no CPROF_* variable
#   cpu         + CPROF_CPU=file
#   heap        + CPROF_HEAP=file
#   both        + CPROF_CPU=file CPROF_HEAP=file
#   gperf-cpu   LD_PRELOAD=libprofiler.so CPUPROFILE=file (gperftools)
#   jemalloc    LD_PRELOAD=libjemalloc.so.2 (baseline of jemalloc-prof)
#   je-prof     + MALLOC_CONF=prof:true,lg_prof_sample:19,prof_final:true
#               (its heap profiler, writing a profile at exit as cprof does)
# ROUNDS rounds (medians; RSS does not depend on the machine's load, but
# ASLR and page-cache state move it by a few pages).  Prints the medians in
# MB and the increase over each arm's baseline (alone; jemalloc for
# je-prof).  Every profile cprof writes is read by go tool pprof.
#
#   bench/footprint.sh                # from the top of the tree
#   ROUNDS=9 HZ=1000 bench/footprint.sh
#
# Needs: gcc, make, go, sqlite3, python3, google-perftools, libjemalloc2
# (scripts/deps.sh installs them).  Builds in build-perf/ (override: B=).
# Raw figures are kept in $B/bench/footprint-runs.tsv; the table, as
# markdown, in $B/bench/footprint.md ("footprint" is $RESULT when set;
# bench/README.md, "Refreshing the figures").
set -eu

cd "$(dirname "$0")/.."
. bench/mdout.sh
MDCMD=$(md_cmd footprint.sh ROUNDS HZ)
B=${B:-build-perf}
ROUNDS=${ROUNDS:-5}
HZ=${HZ:-}
CC=${CC:-gcc}
LIBDIR=/usr/lib/x86_64-linux-gnu
GPERF=${GPERF:-$LIBDIR/libprofiler.so.0}
JEMALLOC=${JEMALLOC:-$LIBDIR/libjemalloc.so.2}

for t in go make sqlite3 bash /usr/bin/python3 "$CC"; do
	command -v "$t" >/dev/null || { echo "footprint: '$t' not found: run scripts/deps.sh" >&2; exit 1; }
done
for f in "$GPERF" "$JEMALLOC"; do
	[ -f "$f" ] || { echo "footprint: $f not found: run scripts/deps.sh" >&2; exit 1; }
done

make -s B="$B" runtime >/dev/null
LIB=$(pwd)/$B/libcprof.so
mkdir -p "$B/bench"
$CC -O2 -o "$B/bench/maxrss" bench/maxrss.c
M=$(pwd)/$B/bench/maxrss
W=$(mktemp -d "${TMPDIR:-/tmp}/cprof-footprint.XXXXXX")
trap 'rm -rf "$W"' EXIT
TSV=$B/bench/footprint-runs.tsv
: >"$TSV"

Q='WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<300000) SELECT sum(x) FROM c;'
PROGS="sqlite3 true python bash"
ARMS="alone preload cpu heap both gperf-cpu jemalloc je-prof"

# run PROG ARM: one measurement, "KB" on stdout.
run() {
	set -- "$1" "$2" ${HZ:+CPROF_HZ=$HZ}
	prog=$1 arm=$2
	shift 2
	case $arm in
	alone) ;;
	preload) set -- "$@" LD_PRELOAD="$LIB" ;;
	cpu) set -- "$@" LD_PRELOAD="$LIB" CPROF_CPU="$W/cpu.pb.gz" ;;
	heap) set -- "$@" LD_PRELOAD="$LIB" CPROF_HEAP="$W/heap.pb.gz" ;;
	both) set -- "$@" LD_PRELOAD="$LIB" CPROF_CPU="$W/cpu.pb.gz" CPROF_HEAP="$W/heap.pb.gz" ;;
	gperf-cpu) set -- "$@" LD_PRELOAD="$GPERF" CPUPROFILE="$W/gperf.prof" ;;
	jemalloc) set -- "$@" LD_PRELOAD="$JEMALLOC" ;;
	je-prof) set -- "$@" LD_PRELOAD="$JEMALLOC" \
		MALLOC_CONF="prof:true,lg_prof_sample:19,prof_final:true,prof_prefix:$W/jeprof" ;;
	esac
	case $prog in
	sqlite3) set -- "$@" -- sqlite3 :memory: "$Q" ;;
	true) set -- "$@" -- /bin/true ;;
	python) set -- "$@" -- /usr/bin/python3 -c pass ;;
	bash) set -- "$@" -- bash -c 'echo hi' ;;
	esac
	rm -f "$W"/*.pb.gz
	out=$(cd "$W" && "$M" "$@")
	kb=${out% *} status=${out#* }
	if [ "$status" != 0 ]; then
		echo "footprint: $prog under $arm exited with status $status" >&2
		exit 1
	fi
	for f in "$W"/cpu.pb.gz "$W"/heap.pb.gz; do
		[ -e "$f" ] || continue
		go tool pprof -raw "$f" >/dev/null 2>"$W/pprof.err" ||
			{ echo "footprint: $prog under $arm: pprof cannot read $(basename "$f"):" >&2; cat "$W/pprof.err" >&2; exit 1; }
	done
	echo "$kb"
}

r=1
while [ "$r" -le "$ROUNDS" ]; do
	for p in $PROGS; do
		for a in $ARMS; do
			printf '%s\t%s\t%s\t%s\n' "$r" "$p" "$a" "$(run "$p" "$a")" >>"$TSV"
		done
	done
	r=$((r + 1))
done

echo "Peak RSS in MB, median of $ROUNDS runs (+ increase over the baseline: alone; jemalloc for je-prof)"
awk -v progs="$PROGS" -v arms="$ARMS" -v md="$(md_start "$B/bench" "${RESULT:-footprint}" "$MDCMD")" -F '\t' "$AWK_MEDIAN"'
{ k = $2 SUBSEP $3; n[k]++; v[k, n[k]] = $4 }
END {
	np = split(progs, P, " "); na = split(arms, A, " ")
	printf "%-8s", "program"
	for (j = 1; j <= na; j++) printf " %14s", A[j]
	printf "\n"
	H["alone"] = "alone (MB)"; H["preload"] = "preload"; H["cpu"] = "`CPROF_CPU`"
	H["heap"] = "`CPROF_HEAP`"; H["both"] = "both"; H["gperf-cpu"] = "gperftools CPU"
	H["jemalloc"] = "jemalloc"; H["je-prof"] = "jemalloc prof (over jemalloc)"
	printf "| program |" >> md
	for (j = 1; j <= na; j++) printf " %s |", (A[j] in H) ? H[A[j]] : A[j] >> md
	printf "\n|---|" >> md
	for (j = 1; j <= na; j++) printf "---|" >> md
	printf "\n" >> md
	for (i = 1; i <= np; i++) {
		for (j = 1; j <= na; j++) {
			k = P[i] SUBSEP A[j]
			for (r = 1; r <= n[k]; r++) x[r] = v[k, r]
			med[A[j]] = median(x, n[k]) / 1024
		}
		printf "%-8s", P[i]
		printf "| %s |", P[i] >> md
		for (j = 1; j <= na; j++) {
			a = A[j]
			base = a == "je-prof" ? med["jemalloc"] : med["alone"]
			if (a == "alone") printf " %14.2f", med[a]
			else printf " %6.2f (%+5.2f)", med[a], med[a] - base
			if (a == "alone") printf " %.2f |", med[a] >> md
			else printf " %+.2f |", med[a] - base >> md
		}
		printf "\n"
		printf "\n" >> md
	}
}' "$TSV"
