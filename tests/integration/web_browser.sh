#!/bin/sh
# cprof web in headless Chromium (tests/browser/web.test.js, playwright-core):
# every view at 900 and 1600 px in both themes (WCAG AA contrast computed
# from the CSS colours, names readable and uncut, one search box, pprof's
# menus), clicks and keys across the views, errors in the page, no console
# errors.  Screenshots are kept in $CPROF_BUILD/artifacts/web/.
. "$CPROF_ROOT/tests/lib.sh"
BR=$CPROF_ROOT/tests/browser
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1; then
	skip web_browser "needs /usr/bin/chromium (Debian chromium) and node (Debian nodejs, npm)"
	exit 0
fi
if ! command -v dot >/dev/null 2>&1; then
	skip web_browser "needs dot (Debian graphviz) for the graph view"
	exit 0
fi
if [ ! -d "$BR/node_modules/playwright-core" ]; then
	(cd "$BR" && npm ci --no-audit --no-fund >"$T/npm.log" 2>&1) || {
		nok web_browser_npm "$(tail -n 2 "$T/npm.log" | tr '\n' '|')"; exit 1; }
fi
A=$BUILD/artifacts/web
mkdir -p "$A"
"$CPROF" web "$CPROF_ROOT/tests/fixtures/profiles/go-cpu.pb.gz" >"$T/web.out" 2>"$T/web.err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ $i -lt 600 ] && kill -0 $pid 2>/dev/null && ! grep -q '^Serving web UI on ' "$T/web.out"; do sleep 0.1; i=$((i + 1)); done
U=$(sed -n 's/^Serving web UI on //p' "$T/web.out")
[ -n "$U" ] || nok web_browser_url "cprof web printed no URL: $(head -c 300 "$T/web.err" | tr '\n' '|')"
(cd "$BR" && timeout 400 node web.test.js "$A" "$U")
