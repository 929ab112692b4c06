#!/bin/sh
# profile.sh [OUTDIR] — the quadratic case seen by the profiler: insertion
# sort of 10 000 random ints under -cpuprofile, then `cprof top`, a flame
# graph (OUTDIR/insertion.svg) and `cprof list` of the sort, whose inner
# loop holds the samples.  CPROF=path/to/cprof (default: the build tree's),
# BENCHTIME (default 2s).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
CPROF=${CPROF:-$here/../../build/cprof}
BENCHTIME=${BENCHTIME:-2s}
[ -x "$out/sortbench" ] || { echo "profile.sh: $out/sortbench: not built (make -C examples/sorting)" >&2; exit 1; }
"$out/sortbench" -bench 'Sort/alg=insertion/shape=random/n=10000$' -benchtime "$BENCHTIME" \
	-cpu 1 -cpuprofile "$out/insertion.prof"
echo
echo '$ cprof top -nodecount 5 insertion.prof'
"$CPROF" top -nodecount 5 "$out/insertion.prof"
"$CPROF" flame -o "$out/insertion.svg" "$out/insertion.prof"
echo
echo "flame graph: $out/insertion.svg"
echo
echo '$ cprof list insertion_sort insertion.prof'
"$CPROF" list insertion_sort "$out/insertion.prof"
