#!/bin/sh
# Harness overhead and run-to-run spread, against the anchor: Go's testing.B
# running the same two benchmarks (an empty loop, fib(20)) in the same run.
#
#   sh bench/harness_overhead.sh [BUILD_DIR]      (default: build)
#   COUNT=10 BENCHTIME=1s sh bench/harness_overhead.sh
#
# Prints both tools' results through `cprof benchstat` (median ± 95 % CI:
# the CI is the run-to-run spread) and the cprof/Go ratio of the medians;
# the table, as markdown, in BUILD_DIR/bench/harness-overhead.md
# ("harness-overhead" is $RESULT when set; bench/README.md, "Refreshing the
# figures").
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/mdout.sh"
MDCMD=$(md_cmd harness_overhead.sh COUNT BENCHTIME)
B=${1:-build}
BUILD=$ROOT/$B
COUNT=${COUNT:-10}
BENCHTIME=${BENCHTIME:-1s}
OUT=$ROOT/bench/out/harness
mkdir -p "$OUT"
${CC:-cc} -std=c17 -O2 -I"$ROOT/include" -o "$OUT/overhead" "$ROOT/bench/harness_overhead.c" \
	"$BUILD/libcprof_bench.a" -pthread -lm
CPROF_BENCH_PKG=overhead "$OUT/overhead" -bench . -count "$COUNT" -benchtime "$BENCHTIME" -cpu 1 >"$OUT/cprof.txt"
if command -v go >/dev/null 2>&1; then
	mkdir -p "$OUT/go"
	printf 'module overhead\n\ngo 1.19\n' >"$OUT/go/go.mod"
	cp "$ROOT/bench/harness_overhead.go.txt" "$OUT/go/overhead_test.go"
	(cd "$OUT/go" && GOFLAGS=-mod=mod GOCACHE="${GOCACHE:-/tmp/cprof-gocache}" \
		go test -run '^$' -bench . -count "$COUNT" -benchtime "$BENCHTIME" -cpu 1) \
		>"$OUT/go.txt"
	"$BUILD/cprof" benchstat -row .name -filter .unit:ns/op cprof="$OUT/cprof.txt" go="$OUT/go.txt" \
		>"$OUT/benchstat.txt"
else
	"$BUILD/cprof" benchstat -row .name "$OUT/cprof.txt" >"$OUT/benchstat.txt"
fi
cat "$OUT/benchstat.txt"
md_benchstat "$(md_start "$BUILD/bench" "${RESULT:-harness-overhead}" "$MDCMD")" 'Go `testing.B`' Go <"$OUT/benchstat.txt"
