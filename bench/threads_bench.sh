#!/bin/sh
# threads_bench.sh — what a threads snapshot (cprof_profile_write
# "threads") costs, against gdb's `thread apply all bt` on the same
# process, the usual way to see every thread's stack.
# Not a test: it prints figures and checks nothing.
#
# For N parked threads (half in pthread_cond_wait, half in nanosleep;
# NS, default "10 100 1000"): the median and max wall time of a snapshot,
# proto (debug 0) and the per-thread dump (debug 2), over K snapshots
# (default 20), and the wall time of one `gdb -batch -p PID -ex 'thread
# apply all bt'` (attach, unwind every thread, detach), ROUNDS times
# (default 3), median.  A snapshot stops no thread: each answers from
# its own signal handler; gdb stops them all for as long as it runs.
#
#   sh bench/threads_bench.sh                # from the top of the tree
#   NS="10 100" K=50 sh bench/threads_bench.sh
#
# Run it on a quiet machine.  Needs gcc and gdb (scripts/deps.sh).  Builds
# in build-perf/ (override: B=).  The table, as markdown:
# $B/bench/threads-snapshot.md (bench/README.md).
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
. bench/mdout.sh
MDCMD=$(md_cmd threads_bench.sh NS K ROUNDS)
B=${B:-build-perf}
NS=${NS:-10 100 1000}
K=${K:-20}
ROUNDS=${ROUNDS:-3}
CC=${CC:-gcc}
command -v gdb >/dev/null || { echo "threads_bench: gdb not found" >&2; exit 1; }
make -s B="$B" runtime >/dev/null
TMP=$(mktemp -d "${TMPDIR:-/tmp}/threads_bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
$CC -std=gnu17 -O2 -g -pthread -Iinclude -o "$TMP/snap" bench/threads_snap.c \
	-L"$B" -lcprof -Wl,-rpath,"$ROOT/$B"

md=$(md_start "$B/bench" "${RESULT:-threads}-snapshot" "$MDCMD")
{
	echo "| threads | cprof proto, median (max) | cprof dump, median (max) | gdb thread apply all bt, median |"
	echo "|---:|---:|---:|---:|"
} >>"$md"
printf '%8s  %22s  %22s  %14s\n' threads "cprof debug=0 µs" "cprof debug=2 µs" "gdb µs"
for n in $NS; do
	set -- $("$TMP/snap" "$n" snap "$K" 0)
	p_med=$1 p_max=$2
	set -- $("$TMP/snap" "$n" snap "$K" 2)
	d_med=$1 d_max=$2
	: >"$TMP/gdb"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		"$TMP/snap" "$n" hold 600 >"$TMP/hold.out" &
		pid=$!
		while ! grep -q ready "$TMP/hold.out" 2>/dev/null; do
			kill -0 "$pid" 2>/dev/null || { echo "threads_bench: the workload died" >&2; exit 1; }
			sleep 0.05
		done
		a=$(date +%s%N)
		gdb -q -batch -p "$pid" -ex 'thread apply all bt' >/dev/null 2>&1 || true
		b=$(date +%s%N)
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		echo $(((b - a) / 1000)) >>"$TMP/gdb"
		r=$((r + 1))
	done
	g=$(sort -n "$TMP/gdb" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	printf '%8s  %22s  %22s  %14s\n' "$n" "$p_med ($p_max)" "$d_med ($d_max)" "$g"
	echo "| $n | $p_med µs ($p_max) | $d_med µs ($d_max) | $g µs |" >>"$md"
done
echo "markdown: $md"
