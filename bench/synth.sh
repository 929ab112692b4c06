# synth.sh — the set-up the benchmarks on the synthetic profile share
# (report_bench.sh, flame_bench.sh).  Sourced with NAME set and the script's
# arguments: parses [-n RUNS] [-s STACKS], checks the build and /usr/bin/time,
# makes $TMP (removed at exit), builds bench/gen_profile.c and writes the
# profile ($STACKS stacks of depth 8-40 over 20 000 functions) to $P.
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
CPROF=$ROOT/$B/cprof
RUNS=3
STACKS=200000
while [ $# -gt 0 ]; do
	case $1 in
	-n) RUNS=$2; shift 2 ;;
	-s) STACKS=$2; shift 2 ;;
	*) echo "usage: $NAME.sh [-n RUNS] [-s STACKS]" >&2; exit 2 ;;
	esac
done
[ -x "$CPROF" ] || { echo "$NAME: build first (make B=$B)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "$NAME: needs /usr/bin/time (Debian: time)" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cprof-$NAME.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

${CC:-cc} -std=c17 -O2 -I"$ROOT/src" -I"$ROOT/include" -o "$TMP/gen_profile" \
	"$ROOT/bench/gen_profile.c" "$ROOT/src/base/buf.c" "$ROOT/src/profile/pbwire.c" \
	"$ROOT/src/profile/profile.c" -lz
"$TMP/gen_profile" -s "$STACKS" "$TMP/big.pb.gz"
P=$TMP/big.pb.gz
