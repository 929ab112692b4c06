#!/bin/sh
# report_bench.sh — cprof's reader and reports against go tool pprof, in the
# same run, on the synthetic profile of issue 4 (bench/gen_profile.c:
# 200 000 stacks of depth 8-40 over 20 000 functions, ~10 MB gzipped).
# Prints wall time and peak RSS (/usr/bin/time) of each tool and the ratios.
#
#   sh bench/report_bench.sh [-n RUNS] [-s STACKS]     (B=build-dir, default build)
#
# Each row is the median of RUNS runs (default 3; go tool pprof takes tens of
# seconds per run on the full profile).  Results go in docs/READER.md.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
CPROF=$ROOT/$B/cprof
RUNS=3
STACKS=200000
while [ $# -gt 0 ]; do
	case $1 in
	-n) RUNS=$2; shift 2 ;;
	-s) STACKS=$2; shift 2 ;;
	*) echo "usage: report_bench.sh [-n RUNS] [-s STACKS]" >&2; exit 2 ;;
	esac
done
[ -x "$CPROF" ] || { echo "report_bench: build first (make B=$B)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "report_bench: needs /usr/bin/time (Debian: time)" >&2; exit 1; }
command -v go >/dev/null || { echo "report_bench: needs go (go tool pprof)" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cprof-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

${CC:-cc} -std=c17 -O2 -I"$ROOT/src" -I"$ROOT/include" -o "$TMP/gen_profile" \
	"$ROOT/bench/gen_profile.c" "$ROOT/src/profile/buf.c" "$ROOT/src/profile/profile.c" -lz
"$TMP/gen_profile" -s "$STACKS" "$TMP/big.pb.gz"
P=$TMP/big.pb.gz
size=$(wc -c <"$P")
echo "profile: $STACKS stacks, $size bytes gzipped ($(gzip -dc "$P" | wc -c) raw)"
go tool pprof -top "$P" >/dev/null 2>&1 || { echo "report_bench: go tool pprof cannot read it" >&2; exit 1; }

# run CMD...: median wall seconds and peak RSS (KB) of RUNS runs -> "$wall $rss"
run() {
	: >"$TMP/samples"
	i=0
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -f "%e %M" -o "$TMP/t" "$@" >"$TMP/out" 2>"$TMP/err" || {
			echo "report_bench: failed: $*" >&2; cat "$TMP/err" >&2; exit 1; }
		cat "$TMP/t" >>"$TMP/samples"
		i=$((i + 1))
	done
	sort -n "$TMP/samples" | awk '{ w[NR] = $1; r[NR] = $2 } END {
		m = int((NR + 1) / 2); print w[m], r[m] }'
}

row() { # row NAME "PPROF CMD" "CPROF CMD"
	name=$1
	# shellcheck disable=SC2086
	set -- $(run $2) $(run $3)
	awk -v n="$name" -v pw="$1" -v pr="$2" -v cw="$3" -v cr="$4" 'BEGIN {
		printf "%-22s %9.2fs %8.0fMB %9.2fs %8.0fMB %8.1fx %7.1fx\n", n, pw, pr / 1024,
			cw, cr / 1024, (cw > 0 ? pw / cw : 0), (cr > 0 ? pr / cr : 0) }'
}

printf "%-22s %10s %10s %10s %10s %9s %8s\n" "" "pprof" "pprof" "cprof" "cprof" "wall" "RSS"
printf "%-22s %10s %10s %10s %10s %9s %8s\n" "" "wall" "peak RSS" "wall" "peak RSS" "ratio" "ratio"
if "$CPROF" top -h >/dev/null 2>&1; then
	row "top" "go tool pprof -top $P" "$CPROF top $P"
fi
row "read+write (-proto)" "go tool pprof -proto -output $TMP/p1 $P" "$CPROF merge -o $TMP/c1 $P"
row "merge two copies" "go tool pprof -proto -output $TMP/p2 $P $P" "$CPROF merge -o $TMP/c2 $P $P"
# The merged outputs must read the same in pprof.
go tool pprof -top "$TMP/p2" 2>/dev/null | grep -v '^File' >"$TMP/a"
go tool pprof -top "$TMP/c2" 2>/dev/null | grep -v '^File' >"$TMP/b"
cmp -s "$TMP/a" "$TMP/b" && echo "merged outputs: identical -top" || echo "merged outputs: DIFFER"
