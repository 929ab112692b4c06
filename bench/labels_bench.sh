#!/bin/sh
# What a profile label costs, against the anchor: Go's runtime/pprof
# (SetGoroutineLabels with WithLabels, and pprof.Do) doing the same in the
# same run.  cprof's arm links libcprof (the labels API) and the harness.
#
#   sh bench/labels_bench.sh [BUILD_DIR]      (default: build-perf, made if missing)
#   COUNT=10 BENCHTIME=1s sh bench/labels_bench.sh
#
# Prints both through `cprof benchstat` (median ± 95 % CI) with the ratio
# of the medians; the table, as markdown, in BUILD_DIR/bench/labels.md
# ("labels" is $RESULT when set; bench/README.md, "Refreshing the figures").
# Labels cost nothing while none is set: the CPU and heap benchmarks
# (cpu_bench.sh, heap_bench.sh) measure libcprof with the labels code in.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/mdout.sh"
MDCMD=$(md_cmd labels_bench.sh COUNT BENCHTIME)
B=${1:-build-perf}
BUILD=$ROOT/$B
COUNT=${COUNT:-10}
BENCHTIME=${BENCHTIME:-1s}
[ -f "$BUILD/libcprof.so" ] && [ -f "$BUILD/libcprof_bench.a" ] && [ -x "$BUILD/cprof" ] ||
	make -C "$ROOT" -j2 B="$B" all >/dev/null
OUT=$ROOT/bench/out/labels
mkdir -p "$OUT"
${CC:-cc} -std=c17 -O2 -I"$ROOT/include" -o "$OUT/labels" "$ROOT/bench/labels_bench.c" \
	"$BUILD/libcprof_bench.a" -L"$BUILD" -lcprof -Wl,-rpath,"$BUILD" -pthread -lm
CPROF_BENCH_PKG=labels "$OUT/labels" -bench . -count "$COUNT" -benchtime "$BENCHTIME" -cpu 1 >"$OUT/cprof.txt"
mkdir -p "$OUT/go"
printf 'module labels\n\ngo 1.19\n' >"$OUT/go/go.mod"
cp "$ROOT/bench/labels_bench.go.txt" "$OUT/go/labels_test.go"
(cd "$OUT/go" && GOFLAGS=-mod=mod GOCACHE="${GOCACHE:-/tmp/cprof-gocache}" \
	go test -run '^$' -bench . -count "$COUNT" -benchtime "$BENCHTIME" -cpu 1) >"$OUT/go.txt"
"$BUILD/cprof" benchstat -row .name -filter .unit:ns/op cprof="$OUT/cprof.txt" go="$OUT/go.txt" \
	>"$OUT/benchstat.txt"
cat "$OUT/benchstat.txt"
md_benchstat "$(md_start "$BUILD/bench" "${RESULT:-labels}" "$MDCMD")" 'Go runtime/pprof' Go <"$OUT/benchstat.txt"
