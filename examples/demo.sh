#!/bin/sh
# The README's main job: build the example workload, profile it with
# `cprof record`, and show the top of its CPU profile.
set -e
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/$B/demo
mkdir -p "$OUT"
${CC:-cc} -O2 -g -fomit-frame-pointer -pthread -o "$OUT/workload" "$ROOT/examples/workload.c"
echo "== cprof record -f -F 250 -o $B/demo/cpu.pb.gz -- workload"
"$ROOT/$B/cprof" record -f -F 250 -o "$OUT/cpu.pb.gz" -- "$OUT/workload"
if "$ROOT/$B/cprof" help 2>/dev/null | grep -q '^  top '; then
	echo "== cprof top -nodecount 15"
	"$ROOT/$B/cprof" top -nodecount 15 "$OUT/cpu.pb.gz"
fi
echo "== go tool pprof -top -nodecount 15"
go tool pprof -top -nodecount 15 "$OUT/cpu.pb.gz"
