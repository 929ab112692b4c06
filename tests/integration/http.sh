# /debug/pprof inside the host (docs/HTTP.md): Go's net/http/pprof contract
# — status codes, content types, headers, Go's error bodies — checked with
# curl, and the profiles fetched by the real go tool pprof; loopback by
# default, a token for anything else; the program's output and status stay
# its own.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/hp" http_prog.c -L"$BUILD" -lcprof -Wl,-rpath,"$BUILD"

# serve NAME ENV... -- ARGS: start hp in the background with ENV; sets pid
# and url (from the "serving" line).
serve() {
	_n=$1; shift
	env LD_PRELOAD="$PRELOAD" "$@" >"$T/$_n.out" 2>"$T/$_n.err" &
	pid=$!
	url=
	for _i in $(seq 100); do
		url=$(sed -n 's|^cprof: serving \(http://.*/debug/pprof/\)$|\1|p' "$T/$_n.err")
		[ -n "$url" ] && break
		sleep 0.1
	done
}
# get NAME URL [CURL ARGS]: the response's status in $T/NAME.status,
# headers in $T/NAME.h, body in $T/NAME.body.
get() {
	_n=$1 _u=$2; shift 2
	curl -s -m 60 -D "$T/$_n.h" -o "$T/$_n.body" -w '%{http_code}' "$@" "$_u" >"$T/$_n.status"
}
header() { grep -i "^$2:" "$T/$1.h" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'; }

n=serve
serve $n CPROF_HTTP=127.0.0.1:0 CPROF_HEAP="$T/s.heap.pb.gz" CPROF_HEAP_RATE=1 "$T/hp" run 14
check ${n}_says_where test -n "$url"
case $url in http://127.0.0.1:*/debug/pprof/) ok ${n}_loopback ;; *) nok ${n}_loopback "url '$url'" ;; esac

get index "$url"
eq index_status "$(cat "$T/index.status")" 200
eq index_type "$(header index Content-Type)" "text/html; charset=utf-8"
eq index_nosniff "$(header index X-Content-Type-Options)" nosniff
for p in allocs block goroutine heap mutex threadcreate threads; do
	check index_links_$p grep -q "href='$p?debug=1'" "$T/index.body"
done
check index_counts_threads grep -Eq "<td>[1-9][0-9]*</td><td><a href='goroutine" "$T/index.body"
check index_links_profile grep -q "href='profile?debug=1'" "$T/index.body"
if [ -n "$NOSAMPLE" ]; then
	na index_counts "$NOSAMPLE_WHY"
else
	check index_counts grep -Eq "<td>[1-9][0-9]*</td><td><a href='heap" "$T/index.body"
fi

get unknown "${url}nosuch"
eq unknown_status "$(cat "$T/unknown.status")" 404
eq unknown_go_pprof_header "$(header unknown X-Go-Pprof)" 1
eq unknown_body "$(cat "$T/unknown.body")" "Unknown profile"
get outside "${url%/debug/pprof/}/etc/passwd"
eq outside_status "$(cat "$T/outside.status")" 404
get method "$url" -X PUT
eq method_not_allowed "$(cat "$T/method.status")" 405

get cmdline "${url}cmdline"
eq cmdline_status "$(cat "$T/cmdline.status")" 200
eq cmdline_nul_joined "$(tr '\0' ' ' <"$T/cmdline.body")" "$T/hp run 14"

# The CPU profile, fetched by go tool pprof as users do; a second request
# meanwhile gets Go's 500.
go tool pprof -raw "${url}profile?seconds=2" >"$T/cpu.raw" 2>"$T/cpu.err" &
gp=$!
sleep 0.5
get busy "${url}profile?seconds=1"
eq busy_status "$(cat "$T/busy.status")" 500
eq busy_message "$(cat "$T/busy.body")" "Could not enable CPU profiling: cpu profiling already in use"
wait $gp
eq cpu_pprof_exit 0 $?
check cpu_has_hot grep -q ' hot ' "$T/cpu.raw"
check cpu_sample_types grep -qx 'samples/count cpu/nanoseconds' "$T/cpu.raw"

for p in heap allocs threadcreate mutex block; do
	get $p "${url}$p"
	eq ${p}_status "$(cat "$T/$p.status")" 200
	eq ${p}_type "$(header $p Content-Type)" application/octet-stream
	eq ${p}_disposition "$(header $p Content-Disposition)" "attachment; filename=\"$p\""
	check ${p}_readable pprof_top "$T/$p.body"
done
# The threads profile under both names, and Go's text forms.
for p in goroutine threads; do
	get $p "${url}$p"
	eq ${p}_status "$(cat "$T/$p.status")" 200
	check ${p}_readable pprof_top "$T/$p.body"
done
get gtext "${url}goroutine?debug=1"
eq goroutine_debug1_type "$(header gtext Content-Type)" "text/plain; charset=utf-8"
check goroutine_debug1_header grep -q '^goroutine profile: total [0-9]' "$T/gtext.body"
get gdump "${url}goroutine?debug=2"
check goroutine_debug2_dump grep -q '^thread [0-9]' "$T/gdump.body"
get htext "${url}heap?debug=1"
check heap_debug1_header grep -q '^heap profile: ' "$T/htext.body"
# The execution trace of 1.5 s (docs/TRACE.md), readable by Python's json
# and by cprof trace; a second one meanwhile gets Go's 500.
get trace "${url}trace?seconds=1.5" &
tp=$!
sleep 0.5
get trace_busy "${url}trace?seconds=1"
wait $tp
eq trace_status "$(cat "$T/trace.status")" 200
eq trace_disposition "$(header trace Content-Disposition)" 'attachment; filename="trace"'
check trace_json /usr/bin/python3 -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not any(e.get('ph') == 'i' for e in d['traceEvents']))" "$T/trace.body"
check trace_summary sh -c "'$BUILD/cprof' trace '$T/trace.body' | grep -q '^Threads: '"
eq trace_busy_status "$(cat "$T/trace_busy.status")" 500
eq trace_busy_message "$(cat "$T/trace_busy.body")" "Could not enable tracing: tracing is already enabled"
check trace_index grep -q "href='trace?debug=1'" "$T/index.body"
get heap_gc "${url}heap?gc=1"
eq heap_gc_accepted "$(cat "$T/heap_gc.status")" 200
# Delta profiles (Go 1.19): what was allocated during the second, not since
# the start.
get delta "${url}allocs?seconds=1"
eq delta_status "$(cat "$T/delta.status")" 200
eq delta_disposition "$(header delta Content-Disposition)" 'attachment; filename="allocs-delta"'
check delta_readable pprof_top "$T/delta.body" -sample_index=alloc_objects
go tool pprof -raw "$T/delta.body" >"$T/delta.raw" 2>/dev/null
check delta_duration grep -Eq '^Duration: 1\.[0-9]' "$T/delta.raw"
get full "${url}allocs"
dall=$(total "$T/delta.body" alloc_objects)
fall=$(total "$T/full.body" alloc_objects)
if [ -n "$NOSAMPLE" ]; then
	na delta_counts_the_interval "$NOSAMPLE_WHY"
else
	check delta_counts_the_interval awk "BEGIN { exit !($dall > 0 && $dall < $fall) }"
fi
get delta_bad "${url}heap?seconds=x"
eq delta_bad_seconds "$(cat "$T/delta_bad.body")" 'invalid value for "seconds" - must be a positive integer'
get delta_debug "${url}heap?seconds=1&debug=1"
eq delta_with_debug "$(cat "$T/delta_debug.body")" "seconds and debug params are incompatible"

# pprof's remote symbolizer: GET, then POST hot's address in this process.
get symget "${url}symbol"
eq symbol_get "$(cat "$T/symget.body")" "num_symbols: 1"
base=$(awk '$6 ~ /\/hp$/ { split($1, a, "-"); print a[1]; exit }' /proc/$pid/maps)
off=$(nm "$T/hp" | awk '$3 == "hot" { print $1 }')
addr=$(printf '0x%x' $((0x$base + 0x$off)))
get sympost "${url}symbol" --data-binary "$addr+0x1"
check symbol_names_hot grep -qx "$addr hot" "$T/sympost.body"
head -c 70000 /dev/zero | tr '\0' '1' >"$T/big"
get symbig "${url}symbol" --data-binary @"$T/big"
eq symbol_body_limit "$(cat "$T/symbig.status")" 413

wait $pid
eq serve_exit_status $? 0
eq serve_output "$(cat "$T/serve.out")" done

# CPROF_CPU already profiling: the endpoint says so, as Go does.
n=cpuenv
serve $n CPROF_HTTP=127.0.0.1:0 CPROF_CPU="$T/env.pb.gz" "$T/hp" run 3
get $n "${url}profile?seconds=1"
eq ${n}_status "$(cat "$T/$n.status")" 500
eq ${n}_message "$(cat "$T/$n.body")" "Could not enable CPU profiling: cpu profiling already in use"
wait $pid
eq ${n}_exit_status $? 0

# Not loopback: refused unless allowed, and then only with the token.
n=remote_refused
hrun $n CPROF_HTTP=0.0.0.0:0 "$T/hp" run 1
want_rc $n 0
one_line $n "$T/$n.err" "refusing to serve on 0.0.0.0:0: not a loopback address; set CPROF_HTTP_ALLOW_REMOTE=1"
eq ${n}_output "$(cat "$T/$n.out")" done
n=remote
serve $n CPROF_HTTP=0.0.0.0:0 CPROF_HTTP_ALLOW_REMOTE=1 CPROF_HTTP_TOKEN=s3cret "$T/hp" run 4
url=$(echo "$url" | sed 's|0\.0\.0\.0|127.0.0.1|')
get ${n}_none "$url"
eq ${n}_no_token "$(cat "$T/${n}_none.status")" 401
get ${n}_bad "$url" -H "Authorization: Bearer s3cre"
eq ${n}_wrong_token "$(cat "$T/${n}_bad.status")" 401
get ${n}_good "$url" -H "Authorization: Bearer s3cret"
eq ${n}_token "$(cat "$T/${n}_good.status")" 200
wait $pid

n=badaddr
hrun $n CPROF_HTTP=nonsense "$T/hp" run 1
want_rc $n 0
one_line $n "$T/$n.err" "cannot serve /debug/pprof on 'nonsense': invalid argument"

# The API, and a fork: the child does not serve; an exec'd child does not
# try the same port again.
n=api
hrun $n "$T/hp" api
want_rc $n 0
check ${n}_ok grep -qx 'api ok' "$T/$n.out"
n=fork
hrun $n CPROF_HTTP=127.0.0.1:0 "$T/hp" fork 1
want_rc $n 0
check ${n}_child_does_not_serve grep -qx 'child addr none' "$T/$n.out"
n=exec
hrun $n CPROF_HTTP=127.0.0.1:0 sh -c "'$T/hp' run 1"
want_rc $n 0
eq ${n}_one_server "$(grep -c '^cprof: serving' "$T/$n.err")" 1

# Under load (wrk, loopback, bounded: more connections than the server
# takes): the program's own loop goes on, the server still answers after,
# the program ends on time with its status.
if command -v wrk >/dev/null; then
	n=load
	serve $n CPROF_HTTP=127.0.0.1:0 "$T/hp" run 6
	timeout 30 wrk -t2 -c32 -d3s --timeout 2s "${url}" >"$T/wrk.out" 2>&1
	check ${n}_wrk_got_answers awk '/requests in/ { got = $1 > 0 } END { exit !got }' "$T/wrk.out"
	get ${n}_after "$url"
	eq ${n}_still_serving "$(cat "$T/${n}_after.status")" 200
	wait $pid
	eq ${n}_exit_status $? 0
	eq ${n}_output "$(cat "$T/$n.out")" done
	check ${n}_program_worked awk '/^iterations/ { got = $2 > 0 } END { exit !got }' "$T/$n.err"
else
	skip load "wrk (Debian wrk) not installed"
fi

# /metrics: Prometheus' text format (promtool's check), the process and
# profiler series, and a real Prometheus scraping them.
n=metrics
serve $n CPROF_HTTP=127.0.0.1:0 CPROF_HEAP="$T/m.heap.pb.gz" CPROF_MUTEX="$T/m.mutex.pb.gz" "$T/hp" run 30
sleep 1 # its loop allocates once per pass
get $n "${url%/debug/pprof/}/metrics"
eq ${n}_status "$(cat "$T/$n.status")" 200
eq ${n}_type "$(header $n Content-Type)" "text/plain; version=0.0.4; charset=utf-8"
if command -v promtool >/dev/null; then
	check ${n}_promtool sh -c "promtool check metrics <'$T/$n.body' >'$T/promtool.out' 2>&1"
else
	skip ${n}_promtool "promtool (Debian prometheus) not installed"
fi
val() { awk -v k="$1" '$1 == k { print $2 }' "$T/$n.body"; }
# The heap estimates exist only while heap sampling works (not under a
# sanitizer's allocator).
est=cprof_heap_inuse_bytes_estimate
[ -n "$NOSAMPLE" ] && est=
for s in process_cpu_seconds_total process_resident_memory_bytes process_virtual_memory_bytes \
	process_start_time_seconds process_threads process_open_fds process_max_fds \
	cprof_heap_allocs_total cprof_heap_frees_total cprof_heap_allocated_bytes_total \
	cprof_heap_inuse_objects $est cprof_cpu_profiling \
	cprof_self_cpu_seconds_total cprof_mutex_contentions_total cprof_block_delay_seconds_total; do
	check ${n}_has_$s test -n "$(val $s)"
done
if [ -n "$NOSTATS" ]; then
	na ${n}_allocs_counted "$NOSAMPLE_WHY"
else
	check ${n}_allocs_counted awk "BEGIN { exit !($(val cprof_heap_allocs_total) > 100) }"
fi
check ${n}_threads_sane awk "BEGIN { exit !($(val process_threads) >= 2) }"
check ${n}_rss_sane awk "BEGIN { exit !($(val process_resident_memory_bytes) > 1000000) }"
if command -v prometheus >/dev/null; then
	pport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	hostport=${url#http://}
	hostport=${hostport%%/*}
	cat >"$T/prom.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: cprof
    static_configs:
      - targets: ['$hostport']
YML
	prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/promdata" \
		--web.listen-address=127.0.0.1:$pport >"$T/prom.log" 2>&1 &
	ppid=$!
	got=
	for _i in $(seq 150); do
		got=$(curl -s "http://127.0.0.1:$pport/api/v1/query?query=cprof_heap_allocs_total")
		case $got in *'"value"'*) break ;; esac
		got=
		sleep 0.2
	done
	check prometheus_scraped_a_series sh -c "echo '$got' | grep -q '\"job\":\"cprof\"'"
	# Every query of examples/grafana/cprof.json answers with data.
	sleep 3 # rate() needs two scrapes
	/usr/bin/python3 - "$CPROF_ROOT/examples/grafana/cprof.json" "$pport" "$NOSAMPLE" >"$T/grafana.out" 2>&1 <<'PY'
import json, sys, urllib.parse, urllib.request
dash = json.load(open(sys.argv[1]))
nosample = sys.argv[3] != ""
bad = 0
for p in dash["panels"]:
    for t in p["targets"]:
        q = t["expr"].replace("$job", "cprof")
        url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (sys.argv[2], urllib.parse.quote(q))
        r = json.load(urllib.request.urlopen(url, timeout=10))
        ok = r["status"] == "success" and (len(r["data"]["result"]) > 0 or
                                           (nosample and "estimate" in q))
        print("ok" if ok else "EMPTY", q)
        bad += not ok
sys.exit(1 if bad else 0)
PY
	check grafana_queries_answer sh -c "test \$(grep -c '^ok' '$T/grafana.out') -ge 12 && ! grep -q EMPTY '$T/grafana.out'"
	kill $ppid 2>/dev/null
	wait $ppid 2>/dev/null || true
	check prometheus_example_config promtool check config "$CPROF_ROOT/examples/prometheus.yml"
else
	skip prometheus_scraped_a_series "prometheus (Debian prometheus) not installed"
fi
kill $pid 2>/dev/null
wait $pid 2>/dev/null || true # killed: 143
