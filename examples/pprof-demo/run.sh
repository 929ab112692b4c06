#!/bin/sh
# `make demo`: build the demo server (DEMO_CFLAGS: extra compiler flags, e.g.
# a sanitizer's), start it on a free port, take a
# 5-second CPU profile and a heap profile through its /debug/pprof
# endpoints with `cprof top`, and stop it with Ctrl+C's signal.
set -e
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/$B/demo
mkdir -p "$OUT"
${CC:-cc} -std=c17 -Wall -Wextra -Werror -O2 -g -pthread ${DEMO_CFLAGS:-} -I"$ROOT/include" -o "$OUT/pprof-demo" "$ROOT/examples/pprof-demo/demo.c" \
	-L"$ROOT/$B" -lcprof -Wl,-rpath,"$ROOT/$B"
"$OUT/pprof-demo" 127.0.0.1:0 >"$OUT/demo.out" 2>"$OUT/demo.err" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT
addr=
for _ in $(seq 100); do
	addr=$(sed -n 's/^Starting pprof demo server on //p' "$OUT/demo.out")
	[ -n "$addr" ] && break
	sleep 0.1
done
if [ -z "$addr" ]; then
	cat "$OUT/demo.err" >&2
	exit 1
fi
cat "$OUT/demo.out"
sleep 1 # the generators get going
echo
echo "== cprof top -nodecount 10 http://$addr/debug/pprof/profile?seconds=5"
"$ROOT/$B/cprof" top -nodecount 10 "http://$addr/debug/pprof/profile?seconds=5"
echo
echo "== cprof top -nodecount 10 http://$addr/debug/pprof/heap"
"$ROOT/$B/cprof" top -nodecount 10 "http://$addr/debug/pprof/heap"
echo
echo "== Ctrl+C"
kill -INT $pid
trap - EXIT
wait $pid
sed -n '/^Stopping/,$p' "$OUT/demo.out"
