#!/bin/sh
# `cprof web`: the local UI over HTTP — binds 127.0.0.1 on a free port and
# prints the URL; views / (flame graph), /top, /peek, /graph, /source with
# the filters in the query (f, i, h, s, si, p); the top view equals
# `cprof top`; bad input is a 400, unknown paths 404.  Access: by default
# only loopback clients with a loopback Host header are served (403
# otherwise: a non-loopback source address, DNS rebinding); an explicit
# -http 0.0.0.0:PORT or -http IP:PORT serves other hosts.
. "$CPROF_ROOT/tests/lib.sh"
FIX=$CPROF_ROOT/tests/fixtures/profiles
if ! command -v curl >/dev/null 2>&1; then
	nok flame_web_curl "curl not installed"; exit 1
fi
"$CPROF" web "$FIX/go-cpu.pb.gz" >"$T/web.out" 2>"$T/web.err" &
pid=$!
spid=
trap 'kill $pid $spid 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ $i -lt 600 ] && ! grep -q '^Serving web UI on ' "$T/web.out"; do sleep 0.1; i=$((i + 1)); done
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
# (the oracle: go tool pprof's top, header line)
want=$(go tool pprof -top -focus=sha256 -sample_index=samples "$FIX/go-cpu.pb.gz" 2>/dev/null | grep '^Showing')
contains web_top_same "$want" "$T/top.html"
# (the REFINE menu's field, and a chip that removes the focus)
check web_top_state grep -q '<input name="f" value="sha256">' "$T/top.html"
check web_top_chip grep -qF '<span class="chip">focus <code>sha256</code><a href="/top?si=samples&amp;" title="remove focus"' "$T/top.html"
check web_top_links grep -q 'href="/?f=sha256&amp;si=samples&amp;"' "$T/top.html"
# A name in the top table opens its menu of views (web.js); without script
# it links to its peek view, the regexp quoted, the other refinements kept.
check web_top_name_link grep -qF '<a class="fn" href="/peek?f=sha256&amp;si=samples&amp;p=%5Ecrypto%2Fsha256%5C.%5C%28%5C%2Adigest%5C%29%5C.Write%24">crypto/sha256.(*digest).Write</a>' "$T/top.html"
curl -s "${U}peek?f=sha256&si=samples&p=%5Ecrypto%2Fsha256%5C.%5C%28%5C%2Adigest%5C%29%5C.Write%24" >"$T/peek_link.html"
n=$(grep -c '| crypto/sha256\.(\*digest)\.Write$' "$T/peek_link.html")
[ "$n" = 1 ] && ! grep -q '| crypto/sha256\.block$' "$T/peek_link.html" && ok web_top_link_peek ||
	nok web_top_link_peek "$n"
code=$(curl -s -o "$T/peek.html" -w '%{http_code}' "${U}peek?h=runtime")
[ "$code" = 200 ] && grep -q 'Active filters' "$T/peek.html" && ok web_peek || nok web_peek "$code"
curl -s "${U}peek?p=Sum256" >"$T/peek2.html"
go tool pprof -peek Sum256 "$FIX/go-cpu.pb.gz" 2>/dev/null | grep 'crypto/sha256.Sum256$' | head -n 1 >"$T/peekline"
contains web_peek_regexp "$(sed 's/&/\&amp;/g' "$T/peekline")" "$T/peek2.html"
if command -v dot >/dev/null 2>&1; then
	curl -s "${U}graph?f=main" >"$T/graph.html"
	check web_graph_svg grep -q '<g id="node' "$T/graph.html"
else
	skip web_graph_svg "no dot (Debian graphviz)"
fi
curl -s "${U}source?p=hashLoop" >"$T/source.html"
check web_source grep -q 'ROUTINE .*main.hashLoop' "$T/source.html"
check web_source_prompt sh -c "curl -s '${U}source' | grep -q 'Enter a regexp'"
code=$(curl -s -o "$T/badre.html" -w '%{http_code}' "${U}top?f=(")
[ "$code" = 400 ] && ok web_bad_regexp || nok web_bad_regexp "$code"
# Errors are shown in the page, in the CLI's words (the same line as
# `cprof top -sample_index=bogus` prints), with the bar to fix them.
"$CPROF" top -sample_index=bogus "$FIX/go-cpu.pb.gz" 2>"$T/si.err" >/dev/null
want=$(sed 's/"/\&quot;/g' "$T/si.err")
code=$(curl -s -o "$T/si.html" -w '%{http_code}' "${U}top?si=bogus")
[ "$code" = 400 ] && [ -n "$want" ] && grep -qF "<div class=\"error\" role=\"alert\">$want</div>" "$T/si.html" &&
	grep -q 'id="cprofnav"' "$T/si.html" && ok web_error_in_page || nok web_error_in_page "$code $(grep -o '<div class="error".*' "$T/si.html" | head -c 200)"
check web_bad_regexp_words grep -qF 'cprof: parsing focus regexp: (: Unmatched ( or \(' "$T/badre.html"
code=$(curl -s -o /dev/null -w '%{http_code}' "${U}source?p=no_such_function_anywhere")
[ "$code" = 400 ] && ok web_source_nomatch_400 || nok web_source_nomatch_400 "$code"
# The disassembly view, the favicon, and Download: the filtered profile,
# which go tool pprof reads as cprof top shows it.
check web_disasm_prompt sh -c "curl -s '${U}disasm' | grep -q 'disassembly of the matching functions'"
code=$(curl -s -o "$T/icon" -w '%{http_code} %{content_type}' "${U}favicon.ico")
[ "$code" = "200 image/svg+xml" ] && grep -q '<svg' "$T/icon" && ok web_favicon || nok web_favicon "$code"
code=$(curl -s -o "$T/dl.pb.gz" -w '%{http_code}' "${U}download?f=sha256&si=samples")
go tool pprof -top "$T/dl.pb.gz" 2>/dev/null | sed 1d >"$T/dl.top"
go tool pprof -proto -focus=sha256 "$FIX/go-cpu.pb.gz" 2>/dev/null >"$T/dl.go.pb.gz"
go tool pprof -top "$T/dl.go.pb.gz" 2>/dev/null | sed 1d >"$T/dl.want"
[ "$code" = 200 ] && [ -s "$T/dl.want" ] && cmp -s "$T/dl.top" "$T/dl.want" && ok web_download_filtered ||
	nok web_download_filtered "$code $(diff "$T/dl.top" "$T/dl.want" | head -n 4 | tr '\n' '|')"
code=$(curl -s -o /dev/null -w '%{http_code}' "${U}nope")
[ "$code" = 404 ] && ok web_404 || nok web_404 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$U")
[ "$code" = 405 ] && ok web_post || nok web_post "$code"
# Filters reach the flame graph too.
curl -s "${U}?i=sha256" >"$T/f2.html"
if grep -q '"crypto/sha256' "$T/f2.html"; then nok web_flame_ignore; else ok web_flame_ignore; fi
# --- Who is served. ---
# DNS rebinding: a page on evil.example re-pointed at 127.0.0.1 sends its
# own name in Host.
code=$(curl -s -o "$T/rebind.txt" -w '%{http_code}' -H 'Host: evil.example' "${U}top")
[ "$code" = 403 ] && grep -q 'Host header is not localhost' "$T/rebind.txt" && ok web_host_rebinding_403 ||
	nok web_host_rebinding_403 "$code $(cat "$T/rebind.txt")"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example:80' "${U}")
[ "$code" = 403 ] && ok web_host_rebinding_port_403 || nok web_host_rebinding_port_403 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: 127.0.0.1.evil.example' "${U}top")
[ "$code" = 403 ] && ok web_host_suffix_403 || nok web_host_suffix_403 "$code"
PORT=${U##*:}
PORT=${PORT%/}
for h in "localhost:$PORT" "LocalHost" "127.0.0.1:$PORT" "127.1.2.3"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $h" "${U}top")
	[ "$code" = 200 ] && ok "web_host_local_$h" || nok "web_host_local_$h" "$code"
done
# A non-loopback address of this machine, if it has one.
IP=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }')
[ -n "$IP" ] || IP=$(hostname -I 2>/dev/null | awk '{ print $1 }')
case "$IP" in
*.*.*.*)
	# The default binding is the loopback only: the port is closed on $IP...
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$IP:$PORT/top")
	[ "$code" = 000 ] && ok web_default_not_on_lan || nok web_default_not_on_lan "$code"
	# ...and a client on this machine whose source address is $IP (Linux
	# routes it over lo to 127.0.0.1) is refused with a 403 that says why.
	code=$(curl -s -o "$T/nonlocal.txt" -w '%{http_code}' --interface "$IP" "${U}top")
	[ "$code" = 403 ] && grep -q 'only clients on this machine' "$T/nonlocal.txt" &&
		ok web_nonlocal_client_403 || nok web_nonlocal_client_403 "$code $(cat "$T/nonlocal.txt")"
	;;
*) skip web_default_not_on_lan "no non-loopback IPv4 address"
	skip web_nonlocal_client_403 "no non-loopback IPv4 address" ;;
esac
kill $pid
wait $pid 2>/dev/null
[ $? = 0 ] && ok web_stops_on_sigterm || nok web_stops_on_sigterm
serve() { # serve OUT ARGS...: start cprof web, wait for its URL
	out=$1; shift
	"$CPROF" web "$@" >"$out" 2>"$out.err" &
	spid=$!
	i=0
	while [ $i -lt 600 ] && ! grep -q '^Serving web UI on ' "$out"; do sleep 0.1; i=$((i + 1)); done
	SU=$(sed -n 's/^Serving web UI on //p' "$out")
	SPORT=${SU##*:}
	SPORT=${SPORT%/}
}
# $BROWSER is started with the URL.
# It does not inherit the server's blocked SIGINT/SIGTERM (SigBlk bits 0x2
# and 0x4000), and SIGINT stops the server as SIGTERM does.
printf '#!/bin/sh\nsed -n "s/^SigBlk:[[:space:]]*//p" /proc/self/status >"%s/sigblk"\necho "$1" >"%s/opened"\n' "$T" "$T" >"$T/browser.sh"
chmod +x "$T/browser.sh"
BROWSER=$T/browser.sh "$CPROF" web "$FIX/go-cpu.pb.gz" >"$T/b.out" 2>"$T/b.err" &
spid=$!
i=0
while [ $i -lt 100 ] && ! [ -s "$T/opened" ]; do sleep 0.1; i=$((i + 1)); done
BU=$(sed -n 's/^Serving web UI on //p' "$T/b.out")
[ -n "$BU" ] && [ "$(cat "$T/opened" 2>/dev/null)" = "$BU" ] && ok web_browser_env ||
	nok web_browser_env "printed '$BU', \$BROWSER got '$(cat "$T/opened" 2>/dev/null)'"
blk=$(cat "$T/sigblk" 2>/dev/null)
[ -n "$blk" ] && [ $((0x$blk & 0x4002)) = 0 ] && ok web_browser_sigmask || nok web_browser_sigmask "SigBlk '$blk'"
kill -INT $spid
wait $spid 2>/dev/null
[ $? = 0 ] && ok web_stops_on_sigint || nok web_stops_on_sigint
# -diff_base: every view is differential; b=none (a menu in the bar) shows
# NEW alone, in the URL like the other controls.
serve "$T/diff.out" -diff_base "$FIX/go-heap-dup-base.pb.gz" "$FIX/go-heap-dup.pb.gz"
curl -s "$SU" >"$T/diff.html"
check web_diff_flame grep -q '"title":"Differential Flame Graph"' "$T/diff.html"
check web_diff_menu grep -q '<select id="b" name="b" onchange="this.form.submit()" title="[^"]*"><option value="" selected>diff vs -diff_base' "$T/diff.html"
# The base picker: the profiles beside the source (not the sources), by name;
# b=NAME makes every view differential against it; any other name is a 400.
dspid=$spid dsu=$SU
serve "$T/pick.out" "$FIX/go-heap-dup.pb.gz"
curl -s "$SU" >"$T/pick.html"
check web_base_menu grep -q '<option value="go-heap-dup-base.pb.gz">diff vs go-heap-dup-base.pb.gz</option>' "$T/pick.html"
if grep -q '<option value="go-heap-dup.pb.gz">' "$T/pick.html"; then nok web_base_menu_not_source; else ok web_base_menu_not_source; fi
curl -s "${SU}?b=go-heap-dup-base.pb.gz" >"$T/bpick.html"
check web_base_pick grep -q '"title":"Differential Flame Graph"' "$T/bpick.html"
curl -s "${SU}top?b=go-heap-dup-base.pb.gz" >"$T/bpick_top.html"
"$CPROF" top -diff_base "$FIX/go-heap-dup-base.pb.gz" "$FIX/go-heap-dup.pb.gz" 2>/dev/null | grep '^Showing' >"$T/bpick.want"
contains web_base_pick_top "$(cat "$T/bpick.want")" "$T/bpick_top.html"
code=$(curl -s -o "$T/bbad.html" -w '%{http_code}' "${SU}top?b=..%2F..%2Fetc%2Fpasswd")
[ "$code" = 400 ] && grep -q 'not a profile in' "$T/bbad.html" && ok web_base_outside_400 || nok web_base_outside_400 "$code"
kill $spid
wait $spid 2>/dev/null
spid=$dspid SU=$dsu
want=$(go tool pprof -top -diff_base "$FIX/go-heap-dup-base.pb.gz" "$FIX/go-heap-dup.pb.gz" 2>/dev/null | grep '^Showing nodes')
curl -s "${SU}top" >"$T/diff_top.html"
contains web_diff_top "$want" "$T/diff_top.html"
want=$(go tool pprof -top "$FIX/go-heap-dup.pb.gz" 2>/dev/null | grep '^Showing nodes')
curl -s "${SU}top?b=none" >"$T/nobase_top.html"
contains web_diff_nobase_top "$want" "$T/nobase_top.html"
check web_diff_nobase_links grep -q 'href="/?b=none&amp;"' "$T/nobase_top.html"
curl -s "${SU}?b=none" >"$T/nobase.html"
check web_diff_nobase_flame grep -q '"title":"Flame Graph"' "$T/nobase.html"
kill $spid; wait $spid 2>/dev/null
# Folded stacks are sources too (as for cprof flame), also as -diff_base.
FF=$CPROF_ROOT/tests/fixtures/flame
serve "$T/folded.out" "$FF/basic.folded"
curl -s "${SU}top" >"$T/folded_top.html"
check web_folded_top grep -q 'Showing nodes accounting for 20, 100% of 20 total' "$T/folded_top.html"
curl -s "$SU" >"$T/folded.html"
check web_folded_flame grep -q '"names":\["all",' "$T/folded.html"
kill $spid; wait $spid 2>/dev/null
serve "$T/folded_diff.out" -diff_base "$FF/old.folded" "$FF/new.folded"
curl -s "$SU" >"$T/folded_diff.html"
check web_folded_diff grep -q '"title":"Differential Flame Graph"' "$T/folded_diff.html"
kill $spid; wait $spid 2>/dev/null
# IPv6 loopback: -http [::1]:0 is local (Host checked too).
if grep -q ' lo$' /proc/net/if_inet6 2>/dev/null; then
	serve "$T/v6.out" -http '[::1]:0' "$FIX/go-cpu.pb.gz"
	case "$SU" in
	"http://[::1]:"[0-9]*/) ok web_ipv6_url ;;
	*) nok web_ipv6_url "'$SU' $(cat "$T/v6.out.err")" ;;
	esac
	code=$(curl -g -s -o /dev/null -w '%{http_code}' "${SU}top")
	[ "$code" = 200 ] && ok web_ipv6_serves || nok web_ipv6_serves "$code"
	code=$(curl -g -s -o /dev/null -w '%{http_code}' -H 'Host: evil.example' "${SU}top")
	[ "$code" = 403 ] && ok web_ipv6_host_403 || nok web_ipv6_host_403 "$code"
	kill $spid; wait $spid 2>/dev/null
else
	for n in web_ipv6_url web_ipv6_serves web_ipv6_host_403; do skip $n "no IPv6 loopback"; done
fi
# An explicit binding to other addresses serves other hosts (any Host).
case "$IP" in
*.*.*.*)
	serve "$T/any.out" -http 0.0.0.0:0 "$FIX/go-cpu.pb.gz"
	code=$(curl -s -o /dev/null -w '%{http_code}' --interface "$IP" "http://$IP:$SPORT/top")
	[ "$code" = 200 ] && ok web_bind_all_serves_lan || nok web_bind_all_serves_lan "$code $SU"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: profiles.example' "http://127.0.0.1:$SPORT/top")
	[ "$code" = 200 ] && ok web_bind_all_any_host || nok web_bind_all_any_host "$code"
	kill $spid; wait $spid 2>/dev/null
	serve "$T/ip.out" -http "$IP:0" "$FIX/go-cpu.pb.gz"
	[ "$SU" = "http://$IP:$SPORT/" ] && ok web_bind_ip_url || nok web_bind_ip_url "$SU"
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://$IP:$SPORT/top")
	[ "$code" = 200 ] && ok web_bind_ip_serves || nok web_bind_ip_serves "$code"
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$SPORT/top")
	[ "$code" = 000 ] && ok web_bind_ip_only || nok web_bind_ip_only "$code"
	kill $spid; wait $spid 2>/dev/null
	;;
esac
if "$CPROF" web -http 127.0.0.1:99999 "$FIX/go-cpu.pb.gz" >/dev/null 2>"$T/port.err"; then
	nok web_bad_port
else
	grep -q 'bad port' "$T/port.err" && ok web_bad_port || nok web_bad_port "$(cat "$T/port.err")"
fi
# --- Pages kept, rendered ahead, and the flame graph's frame cap. ---
# A page is rendered once per view and parameters and served again as it
# was; the default pages are rendered ahead of the first request.  "/?si="
# is rendered on demand and is the same page as the one kept for "/".
serve "$T/kept.out" "$FIX/go-cpu.pb.gz"
curl -s -o "$T/k1.html" "${SU}top" && curl -s -o "$T/k2.html" "${SU}top"
[ -s "$T/k1.html" ] && cmp -s "$T/k1.html" "$T/k2.html" && ok web_kept_same ||
	nok web_kept_same "$(wc -c <"$T/k1.html") $(wc -c <"$T/k2.html")"
curl -s -o "$T/k3.html" "${SU}top?f=sha256"
check web_kept_by_params sh -c "! cmp -s '$T/k1.html' '$T/k3.html' && grep -q 'value=\"sha256\"' '$T/k3.html'"
curl -s -o "$T/warm.html" "$SU" && curl -s -o "$T/cold.html" "${SU}?si="
[ -s "$T/warm.html" ] && cmp -s "$T/warm.html" "$T/cold.html" && ok web_prewarm_same ||
	nok web_prewarm_same "$(wc -c <"$T/warm.html") $(wc -c <"$T/cold.html")"
c1=$(curl -s -o /dev/null -w '%{http_code}' "${SU}top?f=(")
c2=$(curl -s -o "$T/bad2.html" -w '%{http_code}' "${SU}top?f=(")
[ "$c1$c2" = 400400 ] && grep -q 'Unmatched' "$T/bad2.html" && ok web_error_not_kept ||
	nok web_error_not_kept "$c1 $c2"
kill $spid; wait $spid 2>/dev/null
# 120 000 distinct stacks (120 102 frames with main, its 100 callees and
# the root): the web page keeps at most 100 000 frames and
# says what it dropped; cprof flame --html keeps them all.
awk 'BEGIN { for (i = 0; i < 120000; i++) printf "main;mid%d;leaf%d %d\n", i % 100, i, i % 7 + 1 }' >"$T/wide.folded"
serve "$T/wide.out" "$T/wide.folded"
curl -s -o "$T/wide.html" "$SU"
nn=$(sed -n 's/^"nn":\([0-9]*\),$/\1/p' "$T/wide.html")
[ -n "$nn" ] && [ "$nn" -gt 100 ] && [ "$nn" -le 100000 ] && grep -q '"pruned":[1-9]' "$T/wide.html" &&
	ok web_flame_frame_cap || nok web_flame_frame_cap "nn=$nn $(grep -o '"pruned":[^,]*' "$T/wide.html")"
# (the names of dropped frames are not sent: here every leaf was dropped)
check web_flame_kept_names sh -c "grep -q '\"mid99\"' '$T/wide.html' && ! grep -q '\"leaf' '$T/wide.html'"
kill $spid; wait $spid 2>/dev/null
"$CPROF" flame --html -o "$T/wide_cli.html" "$T/wide.folded" 2>"$T/wide_cli.err"
nn=$(sed -n 's/^"nn":\([0-9]*\),$/\1/p' "$T/wide_cli.html")
[ "$nn" = 120102 ] && grep -q '"pruned":0,' "$T/wide_cli.html" && ok flame_html_keeps_all ||
	nok flame_html_keeps_all "nn=$nn $(cat "$T/wide_cli.err")"
