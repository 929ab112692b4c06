#!/bin/sh
# flame_bench.sh — `cprof flame` against `go tool pprof -svg` (the call graph
# SVG, pprof's only SVG) in the same run, on the synthetic profile
# (bench/gen_profile.c: 200 000 stacks, ~10 MB gzipped).  Prints, per tool,
# the median wall time, CPU time (user+sys), peak RSS and output size.
# Goals: SVG in <= 1 s and <= 5 MB with default pruning.
#
#   sh bench/flame_bench.sh [-n RUNS] [-s STACKS]     (B=build-dir, default build)
#
# The table, as markdown, goes to $B/bench/flame.md ("flame" is $RESULT
# when set), for docs/PERFORMANCE.md, "Flame graphs" (bench/README.md,
# "Refreshing the figures").
set -eu
NAME=flame_bench
. "$(dirname "$0")/mdout.sh"
MDCMD=$(md_cmd flame_bench.sh -- "$@")
. "$(dirname "$0")/synth.sh"
MD=$(md_start "$ROOT/$B/bench" "${RESULT:-flame}" "$MDCMD")
printf '%s\n' '| tool | wall | CPU (user+sys) | peak RSS | output |' '|---|---|---|---|---|' >>"$MD"
echo "profile: $STACKS stacks, $(wc -c <"$P") bytes gzipped"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

# run OUT CMD...: median of RUNS runs -> "wall cpu rss_kb bytes"
run() {
	out=$1; shift
	: >"$TMP/samples"
	i=0
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -f "%e %U %S %M" -o "$TMP/t" "$@" >"$out" 2>"$TMP/err" || {
			echo "flame_bench: failed: $*" >&2; cat "$TMP/err" >&2; exit 1; }
		awk -v b="$(wc -c <"$out")" '{ printf "%s %.2f %s %s\n", $1, $2 + $3, $4, b }' \
			"$TMP/t" >>"$TMP/samples"
		i=$((i + 1))
	done
	sort -n -k2 "$TMP/samples" | awk '{ w[NR] = $1; c[NR] = $2; r[NR] = $3; b[NR] = $4 }
		END { m = int((NR + 1) / 2); print w[m], c[m], r[m], b[m] }'
}
row() { # row NAME MDNAME WALL CPU RSS BYTES
	awk -v n="$1" -v w="$3" -v c="$4" -v r="$5" -v b="$6" 'BEGIN {
		printf "%-34s %8.2fs %8.2fs %7.0fMB %9.2fMB\n", n, w, c, r / 1024, b / 1048576 }'
	awk -v n="$2" -v w="$3" -v c="$4" -v r="$5" -v b="$6" 'BEGIN {
		printf "| %s | %.2f s | %.2f s | %.0f MB | %s |\n", n, w, c, r / 1024,
			n ~ /^`cprof top`/ ? "—" : sprintf("%.2f MB", b / 1048576) }' >>"$MD"
}
printf "%-34s %9s %9s %9s %11s\n" tool wall cpu rss output
# -symbolize=none: the synthetic binary does not exist (nothing to look up).
# shellcheck disable=SC2046
row "cprof flame (svg)" '`cprof flame` (SVG, default `--minwidth 0.1`)' $(run "$TMP/f.svg" "$CPROF" flame -symbolize=none "$P")
row "cprof flame --minwidth=0.5 (svg)" '`cprof flame --minwidth=0.5` (SVG)' $(run "$TMP/f2.svg" "$CPROF" flame -symbolize=none --minwidth=0.5 "$P")
if "$CPROF" flame --html "$ROOT/tests/fixtures/flame/basic.folded" >/dev/null 2>&1; then
	row "cprof flame --html" '`cprof flame --html`' $(run "$TMP/f.html" "$CPROF" flame -symbolize=none --html "$P")
fi
row "cprof top (same reader)" '`cprof top` (same reader)' $(run "$TMP/top.txt" "$CPROF" top -symbolize=none "$P")
if command -v xmllint >/dev/null 2>&1; then
	xmllint --noout "$TMP/f.svg" && echo "cprof flame svg: well-formed ($(grep -c '^<g><title>' "$TMP/f.svg") frames)"
fi
if [ -f "$TMP/f.html" ] && [ -x /usr/bin/chromium ] && [ -d "$ROOT/tests/browser/node_modules/playwright-core" ]; then
	for i in 1 2 3; do node "$ROOT/bench/flame_html_load.js" "$TMP/f.html"; done |
		sort -n -k2 | sed -n 2p >"$TMP/chromium"
	awk '{ printf "cprof flame --html in Chromium: loaded and interactive in %d ms (median of 3), %d frames, %d drawn\n", $2, $4, $6 }' "$TMP/chromium"
	awk '{ printf "| the `--html` page in Chromium: loaded and interactive | %.2f s | | | |\n", $2 / 1000 }' "$TMP/chromium" >>"$MD"
fi
if command -v go >/dev/null 2>&1 && command -v dot >/dev/null 2>&1; then
	row "go tool pprof -svg (call graph)" '`go tool pprof -svg` (call graph)' $(run "$TMP/p.svg" go tool pprof -svg "$P")
else
	echo "go tool pprof -svg: skipped (needs go and graphviz)"
fi
