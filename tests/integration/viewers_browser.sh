#!/bin/sh
# cprof's files in a viewer nobody here wrote: speedscope (tests/browser,
# from npm, its release build run offline in headless Chromium) opens a CPU
# profile and a mutex profile written by libcprof (pprof protobuf) and an
# execution trace (Chrome trace-event JSON) of a program with planted lock
# contention (tests/progs/contend.c): the right importer, every thread with
# intervals, the program's functions in the tables, no console error; and
# the program's own /debug/pprof/ index (CPROF_HTTP) in the same browser:
# every profile linked, the heap link followed to its debug=1 text
# (tests/browser/viewers.test.js).  Screenshots in $CPROF_BUILD/artifacts/viewers/.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
BR=$CPROF_ROOT/tests/browser
if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1; then
	skip viewers_browser "needs /usr/bin/chromium (Debian chromium) and node (Debian nodejs, npm)"
	exit 0
fi
if [ ! -d "$BR/node_modules/speedscope" ] || [ ! -d "$BR/node_modules/playwright-core" ]; then
	(cd "$BR" && npm ci --no-audit --no-fund >"$T/npm.log" 2>&1) || {
		nok viewers_browser_npm "$(tail -n 2 "$T/npm.log" | tr '\n' '|')"; exit 1; }
fi
A=$BUILD/artifacts/viewers
rm -rf "$A" && mkdir -p "$A"
cc_prog "$T/contend" contend.c -L"$BUILD" -lcprof -Wl,-rpath,"$BUILD"
n=contend
hrun $n CPROF_CPU="$A/cpu.pb.gz" CPROF_MUTEX="$A/mutex.pb.gz" CPROF_TRACE="$A/trace.json" \
	"$T/contend" mutex
want_rc $n 0
for f in cpu.pb.gz mutex.pb.gz trace.json; do
	check ${n}_wrote_$f test -s "$A/$f"
done
# And the program's own /debug/pprof/ index (CPROF_HTTP) in the browser.
cc_prog "$T/http_prog" http_prog.c -L"$BUILD" -lcprof -Wl,-rpath,"$BUILD"
LD_PRELOAD="$PRELOAD" CPROF_HTTP=127.0.0.1:0 "$T/http_prog" run 60 >/dev/null 2>"$T/hp.err" &
hp=$!
trap 'kill $hp 2>/dev/null; rm -rf "$T"' EXIT
url=
i=0
while [ $i -lt 300 ] && [ -z "$url" ] && kill -0 $hp 2>/dev/null; do
	url=$(sed -n 's|^cprof: serving \(http://.*/debug/pprof/\)$|\1|p' "$T/hp.err")
	[ -n "$url" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$url" ] || nok viewers_index_url "http_prog printed no URL: $(head -c 300 "$T/hp.err" | tr '\n' '|')"
# The functions: the CPU profile's lock holders (the busy loop is inlined
# into critical_mutex, and speedscope shows a location's outermost
# function only; go tool pprof shows "busy (inline)"); the mutex profile
# charges the holder (critical_mutex); the trace's blocked intervals carry
# the waiter's stack (acquire_mutex) and the main thread's joins.
cat >"$A/cases.json" <<'JSON'
[
 {"name": "cpu", "file": "cpu.pb.gz", "kind": "pprof", "functions": ["critical_mutex", "worker", "start_thread"]},
 {"name": "mutex", "file": "mutex.pb.gz", "kind": "pprof", "functions": ["critical_mutex", "worker"]},
 {"name": "trace", "file": "trace.json", "kind": "trace", "functions": ["mutex {", "acquire_mutex", "join {"]},
 {"name": "index", "kind": "page", "url": "URL", "functions": ["allocs", "block", "cmdline", "goroutine", "heap", "mutex", "profile", "threadcreate", "threads", "trace"]}
]
JSON
sed -i "s|\"url\": \"URL\"|\"url\": \"$url\"|" "$A/cases.json"
(cd "$BR" && timeout 240 node viewers.test.js "$A")
