#!/bin/sh
# The live dashboard (`cprof web http://HOST:PORT/`) in headless Chromium
# (tests/browser/live.test.js, playwright-core): charts update, units, the
# rolling flame graph, a snapshot tab, the dark theme, the target's death;
# any console error fails.  Screenshots go to $CPROF_BUILD/artifacts/live/.
# Needs Debian chromium and node, as flame_browser.sh.
. "$CPROF_ROOT/tests/lib.sh"
BR=$CPROF_ROOT/tests/browser
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1; then
	skip live_browser "needs /usr/bin/chromium (Debian chromium) and node (Debian nodejs, npm)"
	exit 0
fi
if [ ! -d "$BR/node_modules/playwright-core" ]; then
	(cd "$BR" && npm ci --no-audit --no-fund >"$T/npm.log" 2>&1) || {
		nok live_browser_npm "$(tail -n 2 "$T/npm.log" | tr '\n' '|')"; exit 1; }
fi
A=$BUILD/artifacts/live
mkdir -p "$A"
cc_prog "$T/lp" live_prog.c
pids=
trap 'kill $pids 2>/dev/null; rm -rf "$T"' EXIT
env LD_PRELOAD="$PRELOAD" CPROF_HTTP=127.0.0.1:0 CPROF_HEAP="$T/lp.heap.pb.gz" \
	"$T/lp" 240 >"$T/lp.out" 2>"$T/lp.err" &
lp=$!
pids=$lp
target=
for _i in $(seq 300); do
	target=$(sed -n 's|^cprof: serving \(http://.*/debug/pprof/\)$|\1|p' "$T/lp.err")
	[ -n "$target" ] && break
	sleep 0.1
done
[ -n "$target" ] || { nok live_browser_target "$(head -c 300 "$T/lp.err")"; exit 1; }
"$CPROF" web -seconds 2 -interval 0.5 "$target" >"$T/web.out" 2>"$T/web.err" &
cw=$!
pids="$lp $cw"
U=
for _i in $(seq 600); do
	U=$(sed -n 's/^Serving web UI on //p' "$T/web.out")
	[ -n "$U" ] && break
	kill -0 $cw 2>/dev/null || break
	sleep 0.1
done
[ -n "$U" ] || nok live_browser_url "cprof web printed no URL: $(head -c 300 "$T/web.err" | tr '\n' '|')"
(cd "$BR" && timeout 240 node live.test.js "$A" "$U" "$lp")
kill -INT $cw
wait $cw
rc=$?
if [ "$rc" = 0 ]; then ok live_browser_sigint_exit; else nok live_browser_sigint_exit "exit $rc"; fi
