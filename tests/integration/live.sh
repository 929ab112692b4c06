# `cprof web http://HOST:PORT/` — the live dashboard of a running program
# (docs/HTTP.md, "Live dashboard"), checked with curl against a real
# program served by CPROF_HTTP: the page, its JSON series (growing, CPU
# seconds rising while the program burns CPU, threads as /proc counts
# them), the rolling flame graph naming the hot function, snapshots opened
# in cprof web's views, the target dying (cprof says so and keeps serving),
# and a clean exit on SIGINT.  The page in a browser: live_browser.sh.
. "$CPROF_ROOT/tests/lib.sh"
eq() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "got '$2', want '$3'"; fi; }
# json FILE EXPR: a Python expression over the parsed JSON `j`, printed.
json() { python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# The page is generated from web/live.html and committed: it must be current.
sh "$CPROF_ROOT/web/embed_live.sh" "$T/assets.c" &&
	cmp -s "$T/assets.c" "$CPROF_ROOT/src/cli/live_assets.c" && ok live_assets_fresh ||
	nok live_assets_fresh "stale: run sh web/embed_live.sh"

# Bad uses: one clear line, exit 2.
"$CPROF" web -seconds 0 http://127.0.0.1:1/ >"$T/bad.out" 2>"$T/bad.err"
eq bad_seconds_exit $? 2
check bad_seconds_message grep -q '^cprof: web: bad value "0" for -seconds' "$T/bad.err"
"$CPROF" web -nosuch http://127.0.0.1:1/ >"$T/bad.out" 2>"$T/bad.err"
eq bad_flag_exit $? 2
check bad_flag_message grep -q '^cprof: web: unknown flag -nosuch' "$T/bad.err"

cc_prog "$T/lp" live_prog.c
mkdir -p "$T/tmp"
pids=
trap 'kill $pids 2>/dev/null; rm -rf "$T"' EXIT

env LD_PRELOAD="$PRELOAD" CPROF_HTTP=127.0.0.1:0 CPROF_HEAP="$T/lp.heap.pb.gz" \
	"$T/lp" 240 >"$T/lp.out" 2>"$T/lp.err" &
lp=$!
pids="$lp"
target=
for _i in $(seq 300); do
	target=$(sed -n 's|^cprof: serving \(http://.*\)/debug/pprof/$|\1|p' "$T/lp.err")
	[ -n "$target" ] && break
	sleep 0.1
done
[ -n "$target" ] || { nok live_target_serves "$(head -c 300 "$T/lp.err")"; exit 1; }

# The program's root URL; -seconds 2: short windows, -interval 0.5.
TMPDIR=$T/tmp "$CPROF" web -no_browser -seconds 2 -interval 0.5 "$target/" \
	>"$T/web.out" 2>"$T/web.err" &
cw=$!
pids="$pids $cw"
U=
for _i in $(seq 600); do
	U=$(sed -n 's/^Serving web UI on //p' "$T/web.out")
	[ -n "$U" ] && break
	kill -0 $cw 2>/dev/null || break
	sleep 0.1
done
[ -n "$U" ] || { nok live_serves "$(head -c 300 "$T/web.err")"; exit 1; }
check live_names_target grep -qxF "Live dashboard of $target" "$T/web.out"

# The page: HTML, self-contained (no URL of any other site: no CDN).
code=$(curl -s -m 30 -D "$T/page.h" -o "$T/page.html" -w '%{http_code}' "$U")
eq page_status "$code" 200
check page_type grep -qi '^content-type: text/html; charset=utf-8' "$T/page.h"
check page_has_charts grep -q '<canvas id="cpu-chart">' "$T/page.html"
check page_has_snapshot_buttons grep -q 'href="/snapshot?kind=heap"' "$T/page.html"
check page_no_network sh -c "! grep -Eo '(src|href)=\"(https?:)?//[^\"]*' '$T/page.html' | grep -q ."

# The series: wait for 4 points, then for 4 more.
points() { curl -s -m 30 "${U}api/live" >"$T/$1.json" && json "$T/$1.json" 'len(j["points"])'; }
wait_points() { # NAME MIN: up to 60 s
	_k=0
	while [ $_k -lt 600 ]; do
		_n=$(points "$1" 2>/dev/null || echo 0)
		[ "${_n:-0}" -ge "$2" ] && return 0
		sleep 0.1; _k=$((_k + 1))
	done
	return 1
}
check series_fills wait_points s1 4
check series_grows wait_points s2 8
eq series_state "$(json "$T/s2.json" 'j["state"]')" connected
eq series_target "$(json "$T/s2.json" 'j["target"]')" "$target"
# CPU seconds rise while live_hot burns; rates are CPU seconds per second
# between 0 and the machine's CPUs (with slack for the timer's rounding).
eq series_cpu_rises "$(json "$T/s2.json" 'j["points"][-1][2] > j["points"][0][2]')" True
ncpu=$(nproc)
eq series_rates_sane "$(json "$T/s2.json" "all(p[3] is None or 0 <= p[3] <= $ncpu * 1.5 + 0.5 for p in j['points'])")" True
eq series_rss_sane "$(json "$T/s2.json" 'all(p[4] is not None and p[4] > (1 << 20) for p in j["points"])')" True
# since=SEQ returns only the newer points.
last=$(json "$T/s2.json" 'j["points"][-1][0]')
curl -s -m 30 "${U}api/live?since=$last" >"$T/s3.json"
eq series_since "$(json "$T/s3.json" "all(p[0] > $last for p in j['points'])")" True
if [ -n "$SANITIZE" ]; then
	na series_heap "under a sanitizer its allocator serves the program: cprof samples nothing"
else
	# live_retain keeps 32 MiB: the sampled estimate is near it.
	eq series_heap "$(json "$T/s2.json" '16 << 20 < j["points"][-1][5] < 64 << 20')" True
fi
# Threads as /proc counts them (main, 6 sleepers, cprof's server thread and
# any profile writer of the moment): one of three tries matches exactly.
same=
for _i in 1 2 3; do
	curl -s -m 30 "${U}api/live?since=$(json "$T/s2.json" 'j["seq"]')" >"$T/th.json"
	want=$(awk '/^Threads:/ { print $2 }' /proc/$lp/status)
	got=$(json "$T/th.json" 'int(j["points"][-1][6]) if j["points"] else -1')
	[ "$got" = "$want" ] && { same=1; break; }
	sleep 0.6
done
if [ -n "$same" ]; then ok series_threads_as_proc; else nok series_threads_as_proc "got $got, /proc says $want"; fi
check series_threads_at_least_7 test "${got:-0}" -ge 7

# The rolling flame graph: a window within 60 s, naming live_hot.
k=0
while [ $k -lt 600 ]; do
	curl -s -m 30 "${U}api/status" >"$T/st.json"
	[ "$(json "$T/st.json" 'j["flame"]["gen"]')" -ge 1 ] && break
	sleep 0.1; k=$((k + 1))
done
check flame_window_ready test "$(json "$T/st.json" 'j["flame"]["gen"]')" -ge 1
curl -s -m 30 "${U}flame" >"$T/flame.html"
check flame_is_flame_page grep -q 'window.cprofFlame' "$T/flame.html"
if [ -n "$TSAN" ]; then
	na flame_names_hot "stacks under ThreadSanitizer are not meaningful"
else
	check flame_names_hot grep -q '"live_hot"' "$T/flame.html"
fi
# It rolls: a later window replaces it.
gen=$(json "$T/st.json" 'j["flame"]["gen"]')
k=0
while [ $k -lt 600 ]; do
	curl -s -m 30 "${U}api/status" >"$T/st2.json"
	[ "$(json "$T/st2.json" 'j["flame"]["gen"]')" -gt "$gen" ] && break
	sleep 0.1; k=$((k + 1))
done
check flame_rolls test "$(json "$T/st2.json" 'j["flame"]["gen"]')" -gt "$gen"

# Snapshots: a 303 to a cprof web of the profile, whose views show it.
snap() { # KIND: sets loc
	loc=$(curl -s -m 120 -o "$T/snap.body" -w '%{http_code} %{redirect_url}' "${U}snapshot?kind=$1")
}
snap heap
case $loc in "303 http://127.0.0.1:"*/) ok snapshot_heap_redirects ;; *) nok snapshot_heap_redirects "$loc" ;; esac
hv=${loc#303 }
curl -s -m 60 "${hv}top" >"$T/heap.top"
check snapshot_heap_top_view grep -q 'Type: inuse_space' "$T/heap.top"
if [ -n "$SANITIZE" ]; then
	na snapshot_heap_names_retain "under a sanitizer cprof samples no heap"
else
	check snapshot_heap_names_retain grep -q 'live_retain' "$T/heap.top"
fi
snap cpu
case $loc in "303 http://127.0.0.1:"*/) ok snapshot_cpu_redirects ;; *) nok snapshot_cpu_redirects "$loc" ;; esac
cv=${loc#303 }
curl -s -m 60 "$cv" >"$T/cpu.flame"
check snapshot_cpu_flame_view grep -q 'window.cprofFlame' "$T/cpu.flame"
if [ -n "$TSAN" ]; then
	na snapshot_cpu_names_hot "stacks under ThreadSanitizer are not meaningful"
else
	curl -s -m 60 "${cv}top" >"$T/cpu.top"
	check snapshot_cpu_names_hot grep -q 'live_hot' "$T/cpu.top"
fi
snap goroutine
case $loc in "303 http://127.0.0.1:"*/) ok snapshot_goroutine_redirects ;; *) nok snapshot_goroutine_redirects "$loc" ;; esac
curl -s -m 30 "${U}api/status" >"$T/st3.json"
eq snapshots_listed "$(json "$T/st3.json" '[s["kind"] for s in j["snapshots"]]')" "['heap', 'cpu', 'goroutine']"
snap nosuch
eq snapshot_bad_kind "${loc%% *}" 400
# Only this machine's pages: a foreign Host (DNS rebinding) is refused.
eq foreign_host_refused "$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H 'Host: evil.example' "$U")" 403

# The target dies: the state says so within 10 s, cprof keeps serving.
kill $lp
wait $lp
k=0
while [ $k -lt 100 ]; do
	curl -s -m 30 "${U}api/status" >"$T/down.json"
	[ "$(json "$T/down.json" 'j["state"]')" = disconnected ] && break
	sleep 0.1; k=$((k + 1))
done
eq down_state "$(json "$T/down.json" 'j["state"]')" disconnected
check down_says_why sh -c "python3 -c 'import json,sys; sys.exit(0 if \"connect\" in json.load(open(sys.argv[1]))[\"error\"].lower() else 1)' '$T/down.json'"
sleep 1
check down_cprof_alive kill -0 $cw
eq down_page_served "$(curl -s -m 30 -o /dev/null -w '%{http_code}' "$U")" 200
eq down_flame_served "$(curl -s -m 30 -o /dev/null -w '%{http_code}' "${U}flame")" 200

# SIGINT: exit 0, the snapshot viewers stopped, the temporary files gone.
kids=$(ps -o pid= --ppid $cw | tr -d ' ' | tr '\n' ' ')
check snapshot_viewers_are_children test -n "$kids"
kill -INT $cw
wait $cw
eq sigint_exit $? 0
alive=
for p in $kids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
eq sigint_stops_viewers "${alive:-none}" none
eq sigint_removes_files "$(ls -A "$T/tmp")" ""
check sigint_no_error sh -c "! grep -v -e 'retrying' -e '^Fetching' '$T/web.err' | grep -q ."

# A Go server (net/http/pprof, no /metrics): up, the charts empty and the
# page saying why, the flame graph and a snapshot as with libcprof.
if ! command -v go >/dev/null 2>&1; then
	skip live_go_server "needs go (Debian golang-go)"
elif ! (cd "$T" && go build -o "$T/gs" "$CPROF_ROOT/tests/progs/go_pprof_server.go") >"$T/gobuild.err" 2>&1; then
	nok live_go_server_build "$(head -c 300 "$T/gobuild.err" | tr '\n' '|')"
else
	"$T/gs" 2>"$T/gs.err" &
	gs=$!
	pids="$pids $gs"
	gt=
	for _i in $(seq 300); do
		gt=$(sed -n 's|^serving \(http://.*\)/debug/pprof/$|\1|p' "$T/gs.err")
		[ -n "$gt" ] && break
		sleep 0.1
	done
	TMPDIR=$T/tmp "$CPROF" web -seconds 1 -interval 0.5 "$gt/debug/pprof/" >"$T/gw.out" 2>"$T/gw.err" &
	gw=$!
	pids="$pids $gw"
	GU=
	for _i in $(seq 600); do
		GU=$(sed -n 's/^Serving web UI on //p' "$T/gw.out")
		[ -n "$GU" ] && break
		sleep 0.1
	done
	k=0
	while [ $k -lt 600 ]; do
		curl -s -m 30 "${GU}api/live" >"$T/go.json"
		[ "$(json "$T/go.json" 'j["flame"]["gen"]')" -ge 1 ] && break
		sleep 0.1; k=$((k + 1))
	done
	eq go_state "$(json "$T/go.json" 'j["state"], j["metrics"], len(j["points"])')" "('connected', False, 0)"
	check go_says_why sh -c "python3 -c 'import json,sys; sys.exit(0 if \"404\" in json.load(open(sys.argv[1]))[\"error\"] else 1)' '$T/go.json'"
	curl -s -m 30 "${GU}flame" >"$T/goflame.html"
	check go_flame_names_hot grep -q '"main.hotGo"' "$T/goflame.html"
	loc=$(curl -s -m 120 -o /dev/null -w '%{http_code} %{redirect_url}' "${GU}snapshot?kind=goroutine")
	curl -s -m 60 "${loc#303 }top" >"$T/gogr.top"
	check go_goroutine_snapshot grep -q 'Type: goroutine' "$T/gogr.top"
	kill -INT $gw
	wait $gw
	eq go_sigint_exit $? 0
	kill $gs
	wait $gs 2>/dev/null
fi

# A target that is not there from the start: cprof waits for it.
TMPDIR=$T/tmp "$CPROF" web -interval 0.5 http://127.0.0.1:1/debug/pprof/ >"$T/nt.out" 2>"$T/nt.err" &
nt=$!
pids="$pids $nt"
NU=
for _i in $(seq 600); do
	NU=$(sed -n 's/^Serving web UI on //p' "$T/nt.out")
	[ -n "$NU" ] && break
	sleep 0.1
done
sleep 1
curl -s -m 30 "${NU}api/status" >"$T/nt.json"
eq absent_state "$(json "$T/nt.json" 'j["state"]')" connecting
eq absent_target "$(json "$T/nt.json" 'j["target"]')" http://127.0.0.1:1
kill -TERM $nt
wait $nt
eq absent_sigterm_exit $? 0
