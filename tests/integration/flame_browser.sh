#!/bin/sh
# cprof flame's SVG and HTML, and cprof web, in headless Chromium (tests/browser/flame.test.js,
# playwright-core): hover, zoom, reset, search, pivot, sample types,
# keyboard, theme.  Screenshots are kept in $CPROF_BUILD/artifacts/flame/.
# Needs Debian chromium and node; playwright-core comes from
# tests/browser/package-lock.json (npm ci on first use).
. "$CPROF_ROOT/tests/lib.sh"
BR=$CPROF_ROOT/tests/browser
FF=$CPROF_ROOT/tests/fixtures/flame
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1; then
	skip flame_browser "needs /usr/bin/chromium (Debian chromium) and node (Debian nodejs, npm)"
	exit 0
fi
if [ ! -d "$BR/node_modules/playwright-core" ]; then
	(cd "$BR" && npm ci --no-audit --no-fund >"$T/npm.log" 2>&1) || {
		nok flame_browser_npm "$(tail -n 2 "$T/npm.log" | tr '\n' '|')"; exit 1; }
fi
A=$BUILD/artifacts/flame
mkdir -p "$A"
"$CPROF" flame "$FF/basic.folded" >"$A/basic.svg" &&
	"$CPROF" flame --html "$FF/basic.folded" >"$A/basic.html" &&
	"$CPROF" flame --html "$CPROF_ROOT/tests/fixtures/profiles/go-heap.pb.gz" >"$A/heap.html" 2>/dev/null &&
	printf 'main;foo;bar 10 20\nmain;foo;baz 5 5\nmain;gone;deep 8 0\nmain;new 0 4\n' >"$T/diff.folded" &&
	"$CPROF" flame --html "$T/diff.folded" >"$A/diff.html" &&
	printf 'a;b 1000000000000\na;c 3\na 123456789012345\nd;e;f 7\n' >"$T/big.folded" &&
	"$CPROF" flame --html "$T/big.folded" >"$A/big.html" &&
	awk 'BEGIN { print "main;big 8000"; for (i = 0; i < 2000; i++) print "main;x" i ";tiny 1" }' >"$T/tiny.folded" &&
	"$CPROF" flame --html "$T/tiny.folded" >"$A/tiny.html" &&
	awk 'BEGIN { s = "f0"; for (i = 1; i < 3000; i++) s = s ";f" i; print s, 7; print "f0;g 1" }' >"$T/deep.folded" &&
	"$CPROF" flame --html "$T/deep.folded" >"$A/deep.html" &&
	printf 'a;b 0\n' >"$T/zero.folded" &&
	"$CPROF" flame --html "$T/zero.folded" >"$A/zero.html" 2>/dev/null &&
	"$CPROF" flame --html "$FF/escape.folded" >"$A/escape.html" 2>/dev/null || {
	nok flame_browser_inputs; exit 1; }
# cprof web's flame page of 120 102 frames: pruned to its 100 000 cap.
awk 'BEGIN { for (i = 0; i < 120000; i++) printf "main;mid%d;leaf%d %d\n", i % 100, i, i % 7 + 1 }' >"$T/wide.folded"
"$CPROF" web "$T/wide.folded" >"$T/wide.out" 2>"$T/wide.err" &
wpid=$!
i=0
while [ $i -lt 600 ] && ! grep -q '^Serving web UI on ' "$T/wide.out"; do sleep 0.1; i=$((i + 1)); done
curl -s -o "$A/pruned.html" "$(sed -n 's/^Serving web UI on //p' "$T/wide.out")"
kill $wpid; wait $wpid 2>/dev/null
grep -q '"pruned":[1-9]' "$A/pruned.html" || { nok flame_browser_pruned_input "$(cat "$T/wide.err")"; exit 1; }
# The web UI too.
"$CPROF" web "$CPROF_ROOT/tests/fixtures/profiles/go-cpu.pb.gz" >"$T/web.out" 2>"$T/web.err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$T"' EXIT
i=0
# Waits for the URL line, up to 60 s (under a loaded sanitizer run the server
# can be slow to start); a server that never prints it fails (flame.test.js
# checks the URL arguments too).
while [ $i -lt 600 ] && kill -0 $pid 2>/dev/null && ! grep -q '^Serving web UI on ' "$T/web.out"; do sleep 0.1; i=$((i + 1)); done
U=$(sed -n 's/^Serving web UI on //p' "$T/web.out")
[ -n "$U" ] || nok flame_browser_web_url "cprof web printed no URL: $(head -c 300 "$T/web.err" | tr '\n' '|')"
"$CPROF" web "$CPROF_ROOT/tests/fixtures/profiles/go-heap.pb.gz" >"$T/webh.out" 2>"$T/webh.err" &
hpid=$!
trap 'kill $pid $hpid 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ $i -lt 600 ] && kill -0 $hpid 2>/dev/null && ! grep -q '^Serving web UI on ' "$T/webh.out"; do sleep 0.1; i=$((i + 1)); done
HU=$(sed -n 's/^Serving web UI on //p' "$T/webh.out")
[ -n "$HU" ] || nok flame_browser_web_heap_url "cprof web printed no URL: $(head -c 300 "$T/webh.err" | tr '\n' '|')"
(cd "$BR" && timeout 240 node flame.test.js "$A" "$U" "$HU")
