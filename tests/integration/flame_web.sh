#!/bin/sh
# `cprof web`: the local UI over HTTP — binds 127.0.0.1 on a free port and
# prints the URL; views / (flame graph), /top, /peek, /graph, /source with
# the filters in the query (f, i, h, s, si, p); the top view equals
# `cprof top`; bad input is a 400, unknown paths 404.
. "$CPROF_ROOT/tests/lib.sh"
FIX=$CPROF_ROOT/tests/fixtures/profiles
if ! command -v curl >/dev/null 2>&1; then
	nok flame_web_curl "curl not installed"; exit 1
fi
"$CPROF" web "$FIX/go-cpu.pb.gz" >"$T/web.out" 2>"$T/web.err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ $i -lt 100 ] && ! grep -q '^Serving web UI on ' "$T/web.out"; do sleep 0.1; i=$((i + 1)); done
U=$(sed -n 's/^Serving web UI on //p' "$T/web.out")
case "$U" in
http://127.0.0.1:[0-9]*/) ok web_url ;;
*) nok web_url "got '$U': $(cat "$T/web.err")"; exit 1 ;;
esac
code=$(curl -s -o "$T/flame.html" -w '%{http_code}' "$U")
[ "$code" = 200 ] && ok web_flame_200 || nok web_flame_200 "$code"
check web_flame_nav grep -q 'id="cprofnav"' "$T/flame.html"
check web_flame_data grep -q '<script type="application/json" id="data">' "$T/flame.html"
check web_flame_total grep -q "Total: 540ms\"" "$T/flame.html"
curl -s "${U}top?f=sha256&si=samples" >"$T/top.html"
want=$("$CPROF" top -focus=sha256 -sample_index=samples "$FIX/go-cpu.pb.gz" 2>/dev/null | grep '^Showing')
check web_top_same grep -qF "$want" "$T/top.html"
check web_top_state grep -q 'name="f" size="10" value="sha256"' "$T/top.html"
check web_top_links grep -q 'href="/?f=sha256&amp;si=samples&amp;"' "$T/top.html"
code=$(curl -s -o "$T/peek.html" -w '%{http_code}' "${U}peek?h=runtime")
[ "$code" = 200 ] && grep -q 'Active filters' "$T/peek.html" && ok web_peek || nok web_peek "$code"
curl -s "${U}peek?p=Sum256" >"$T/peek2.html"
"$CPROF" peek Sum256 "$FIX/go-cpu.pb.gz" 2>/dev/null | grep 'crypto/sha256.Sum256$' | head -n 1 >"$T/peekline"
check web_peek_regexp grep -qF "$(sed 's/&/\&amp;/g' "$T/peekline")" "$T/peek2.html"
if command -v dot >/dev/null 2>&1; then
	curl -s "${U}graph?f=main" >"$T/graph.html"
	check web_graph_svg grep -q '<g id="node' "$T/graph.html"
fi
curl -s "${U}source?p=hashLoop" >"$T/source.html"
check web_source grep -q 'ROUTINE .*main.hashLoop' "$T/source.html"
check web_source_prompt sh -c "curl -s '${U}source' | grep -q 'Enter a regexp'"
code=$(curl -s -o /dev/null -w '%{http_code}' "${U}top?f=(")
[ "$code" = 400 ] && ok web_bad_regexp || nok web_bad_regexp "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' "${U}nope")
[ "$code" = 404 ] && ok web_404 || nok web_404 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$U")
[ "$code" = 405 ] && ok web_post || nok web_post "$code"
# Filters reach the flame graph too.
curl -s "${U}?i=sha256" >"$T/f2.html"
if grep -q '"crypto/sha256' "$T/f2.html"; then nok web_flame_ignore; else ok web_flame_ignore; fi
kill $pid
wait $pid 2>/dev/null
[ $? = 0 ] && ok web_stops_on_sigterm || nok web_stops_on_sigterm
if "$CPROF" web -http 127.0.0.1:99999 "$FIX/go-cpu.pb.gz" >/dev/null 2>"$T/port.err"; then
	nok web_bad_port
else
	grep -q 'bad port' "$T/port.err" && ok web_bad_port || nok web_bad_port "$(cat "$T/port.err")"
fi
