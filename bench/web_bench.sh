#!/bin/sh
# web_bench.sh — each view of `cprof web` against `go tool pprof -http` in
# the same run, on the synthetic profile (bench/gen_profile.c: 200 000
# stacks): the median time from navigation until the view is interactive in
# headless Chromium (bench/web_load.js), per view, and the ratio.  Goal:
# every view of cprof web interactive in <= 300 ms.
#
#   sh bench/web_bench.sh [-n RUNS] [-s STACKS]     (B=build-dir, default build)
#
# Needs chromium, node and tests/browser's playwright-core (npm ci there),
# graphviz, and go tool pprof.  Run on a quiet machine.  The table, as
# markdown, goes to $B/bench/web.md ("web" is $RESULT when set).
set -eu
NAME=web_bench
. "$(dirname "$0")/mdout.sh"
MDCMD=$(md_cmd web_bench.sh -- "$@")
. "$(dirname "$0")/synth.sh"
[ -d "$ROOT/tests/browser/node_modules/playwright-core" ] ||
	{ echo "web_bench: run npm ci in tests/browser first" >&2; exit 1; }
command -v go >/dev/null 2>&1 || { echo "web_bench: needs go (Debian golang-go)" >&2; exit 1; }
MD=$(md_start "$ROOT/$B/bench" "${RESULT:-web}" "$MDCMD")
echo "profile: $STACKS stacks, $(wc -c <"$P") bytes gzipped"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
# The heaviest function of the profile, for peek and source.
FN=$("$CPROF" top -nodecount=1 "$P" 2>/dev/null | awk 'f { print $NF; exit } /flat%/ { f = 1 }')

# serve OUT CMD...: starts a server in the background, waits for its URL.
serve() {
	out=$1; shift
	"$@" >"$out" 2>&1 &
	SPID=$!
	i=0
	while [ $i -lt 1200 ]; do
		U=$(sed -n 's/^Serving web UI on \(http[^ ]*\).*/\1/p' "$out" | head -n 1)
		[ -n "$U" ] && break
		kill -0 $SPID 2>/dev/null || { echo "web_bench: server died: $(cat "$out")" >&2; exit 1; }
		sleep 0.1; i=$((i + 1))
	done
	[ -n "$U" ] || { echo "web_bench: no URL from $*" >&2; exit 1; }
	case $U in */) ;; *) U=$U/ ;; esac
}
# Each run starts both servers afresh, so that every figure is a first
# visit: cprof web keeps the pages it rendered (and renders the default
# views ahead, from its start on), which a second visit of the same server
# would measure instead.
PORT=$((20000 + $$ % 20000))
# go tool pprof is a child of the go command: the tool itself, to kill it.
PPROF=$(go env GOTOOLDIR)/pprof
CPID=; PPID_=
trap 'kill $CPID $PPID_ 2>/dev/null; rm -rf "$TMP"' EXIT
: >"$TMP/cprof"; : >"$TMP/pprof"
r=1
while [ $r -le "$RUNS" ]; do
	for arm in $(rotated $r cprof pprof); do
		if [ $arm = cprof ]; then
			serve "$TMP/c.out" "$CPROF" web "$P"
			CPID=$SPID
		else
			serve "$TMP/p.out" "$PPROF" -http=127.0.0.1:$PORT -no_browser "$P"
			PPID_=$SPID
		fi
		node "$ROOT/bench/web_load.js" $arm "$U" "$FN" >>"$TMP/$arm"
		kill $SPID 2>/dev/null || true
		wait $SPID 2>/dev/null || true
	done
	r=$((r + 1))
done
med() { awk -v v="$1" '$1 == v { print $2 }' "$2" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
printf '%s\n' '| view | cprof web | go tool pprof -http | ratio |' '|---|---|---|---|' >>"$MD"
printf '%-8s %12s %12s %8s\n' view cprof_ms pprof_ms ratio
for v in flame top graph peek source; do
	c=$(med $v "$TMP/cprof"); p=$(med $v "$TMP/pprof")
	ratio=$(awk -v c="$c" -v p="$p" 'BEGIN { printf "%.2f", (p > 0 ? c / p : 0) }')
	printf '%-8s %12s %12s %8s\n' $v "$c" "$p" "$ratio"
	printf '| %s | %s ms | %s ms | %s |\n' $v "$c" "$p" "$ratio" >>"$MD"
done
