#!/bin/sh
# report_bench.sh — cprof's reader and reports against go tool pprof, in the
# same run, on the synthetic profile (bench/gen_profile.c:
# 200 000 stacks of depth 8-40 over 20 000 functions, ~10 MB gzipped).
# Prints wall time, CPU time (user+sys) and peak RSS (/usr/bin/time) of each
# tool and the ratios, with the machine and its load before and after; and
# cprof's `top -folded` alone (pprof has no such report).
#
#   sh bench/report_bench.sh [-n RUNS] [-s STACKS]     (B=build-dir, default build)
#
# Each row is the median of RUNS runs (default 3; go tool pprof takes tens of
# seconds per run on the full profile).  The table, as markdown, goes to
# $B/bench/report-cli.md ("report-cli" is $RESULT when set), for
# docs/PERFORMANCE.md (bench/README.md, "Refreshing the figures").
set -eu
NAME=report_bench
command -v go >/dev/null || { echo "report_bench: needs go (go tool pprof)" >&2; exit 1; }
. "$(dirname "$0")/mdout.sh"
MDCMD=$(md_cmd report_bench.sh -- "$@")
. "$(dirname "$0")/synth.sh"
MD=$(md_start "$ROOT/$B/bench" "${RESULT:-report-cli}" "$MDCMD")
printf '%s\n' '| | pprof wall | pprof CPU | pprof peak RSS | cprof wall | cprof CPU | cprof peak RSS | wall ratio | CPU ratio | RSS ratio |' \
	'|---|---|---|---|---|---|---|---|---|---|' >>"$MD"
size=$(wc -c <"$P")
echo "profile: $STACKS stacks, $size bytes gzipped ($(gzip -dc "$P" | wc -c) raw)"
go tool pprof -top "$P" >/dev/null 2>&1 || { echo "report_bench: go tool pprof cannot read it" >&2; exit 1; }

# run CMD...: medians of RUNS runs -> "$wall $cpu $rss" (seconds, seconds of
# user+sys CPU, peak RSS in KB).  CPU time hardly depends on the neighbours'
# load; wall time does.
run() {
	: >"$TMP/samples"
	i=0
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -f "%e %U %S %M" -o "$TMP/t" "$@" >"$TMP/out" 2>"$TMP/err" || {
			echo "report_bench: failed: $*" >&2; cat "$TMP/err" >&2; exit 1; }
		cat "$TMP/t" >>"$TMP/samples"
		i=$((i + 1))
	done
	awk '{ w[NR] = $1; c[NR] = $2 + $3; r[NR] = $4 }
	function med(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return a[int((n + 1) / 2)] }
	END { print med(w, NR), med(c, NR), med(r, NR) }' "$TMP/samples"
}

row() { # row NAME "PPROF CMD" "CPROF CMD" MDNAME
	name=$1 mdname=$4
	# shellcheck disable=SC2086
	set -- $(run $2) $(run $3)
	awk -v n="$name" -v pw="$1" -v pc="$2" -v pr="$3" -v cw="$4" -v cc="$5" -v cr="$6" 'BEGIN {
		printf "%-20s %7.2fs %7.2fs %6.0fMB %7.2fs %7.2fs %5.0fMB %6.1fx %6.1fx %5.1fx\n", n,
			pw, pc, pr / 1024, cw, cc, cr / 1024, (cw > 0 ? pw / cw : 0),
			(cc > 0 ? pc / cc : 0), (cr > 0 ? pr / cr : 0) }'
	awk -v n="$mdname" -v pw="$1" -v pc="$2" -v pr="$3" -v cw="$4" -v cc="$5" -v cr="$6" 'BEGIN {
		printf "| %s | %.2f s | %.2f s | %.0f MB | %.2f s | %.2f s | %.0f MB | %.1f× | %.1f× | %.1f× |\n", n,
			pw, pc, pr / 1024, cw, cc, cr / 1024, (cw > 0 ? pw / cw : 0),
			(cc > 0 ? pc / cc : 0), (cr > 0 ? pr / cr : 0) }' >>"$MD"
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(go version | cut -d' ' -f3)"
echo "before: $(uptime)"
printf "%-20s %8s %8s %8s %8s %8s %7s %7s %7s %6s\n" "" "pprof" "pprof" "pprof" "cprof" "cprof" "cprof" \
	"wall" "CPU" "RSS"
printf "%-20s %8s %8s %8s %8s %8s %7s %7s %7s %6s\n" "" "wall" "CPU" "peak RSS" "wall" "CPU" "RSS" \
	"ratio" "ratio" "ratio"
if "$CPROF" top -h >/dev/null 2>&1; then
	row "top" "go tool pprof -top $P" "$CPROF top $P" '`top`'
fi
if "$CPROF" top -h >/dev/null 2>&1; then
	# No pprof row: go tool pprof has no -folded.
	set -- $(run "$CPROF" top -folded "$P")
	awk -v w="$1" -v c="$2" -v r="$3" 'BEGIN { printf "%-20s %8s %8s %8s %7.2fs %7.2fs %5.0fMB\n",
		"-folded (cprof only)", "-", "-", "-", w, c, r / 1024 }'
	awk -v w="$1" -v c="$2" -v r="$3" 'BEGIN { printf "| `top -folded` (cprof only) | | | | %.2f s | %.2f s | %.0f MB | | | |\n",
		w, c, r / 1024 }' >>"$MD"
fi
row "read+write (-proto)" "go tool pprof -proto -output $TMP/p1 $P" "$CPROF merge -o $TMP/c1 $P" \
	'read + write (`-proto`, `merge -o`)'
row "merge two copies" "go tool pprof -proto -output $TMP/p2 $P $P" "$CPROF merge -o $TMP/c2 $P $P" \
	'merge two copies'
echo "after: $(uptime)"
echo "output sizes: pprof $(wc -c <"$TMP/p1") bytes, cprof $(wc -c <"$TMP/c1") bytes (one profile)"
# The merged outputs must read the same in pprof.
go tool pprof -top "$TMP/p2" 2>/dev/null | grep -v '^File' >"$TMP/a"
go tool pprof -top "$TMP/c2" 2>/dev/null | grep -v '^File' >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" && echo "merged outputs: identical -top" || echo "merged outputs: DIFFER"
