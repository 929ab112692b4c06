#!/bin/sh
# Profiles fetched over HTTP (libcurl) from a real Go program serving
# net/http/pprof on 127.0.0.1: -seconds, host:port without a scheme, HTTP
# errors with the server's message, connection errors.
. "$CPROF_ROOT/tests/lib.sh"
# libcurl and libmicrohttpd are loaded by the commands that use them
# (src/cli/lazylib.h), not by every cprof command: their TLS stacks cost ~7 MB.
if ldd "$CPROF" | grep -q 'libcurl\|libmicrohttpd\|libgnutls\|libssl'; then
	nok cprof_does_not_link_curl_or_mhd "$(ldd "$CPROF" | grep 'libcurl\|libmicrohttpd\|libgnutls\|libssl' | tr '\n' ' ')"
else
	ok cprof_does_not_link_curl_or_mhd
fi
command -v go >/dev/null || { skip reader_fetch "no go (Debian golang-go)"; exit 0; }

if ! (cd "$CPROF_ROOT/tests/fixtures/go/profgen" && go build -o "$T/profgen" .) 2>"$T/err"; then
	nok profgen_build "$(head -n 3 "$T/err")"
	exit 1
fi
mkfifo "$T/fifo"
"$T/profgen" serve "$T/addr" <"$T/fifo" &
srv=$!
exec 3>"$T/fifo" # profgen exits when this closes
cleanup() { exec 3>&-; kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
i=0
while [ ! -s "$T/addr" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
ADDR=$(cat "$T/addr")
case "$ADDR" in 127.0.0.1:*) ok server_started ;; *) nok server_started "no address"; exit 1 ;; esac

# type_of FILE: the Type: line go tool pprof prints.
type_of() { go tool pprof -top "$1" 2>/dev/null | sed -n 's/^Type: //p'; }

$CPROF merge -o "$T/heap.pb.gz" "http://$ADDR/debug/pprof/heap" 2>"$T/err"
check fetch_heap [ "$(type_of "$T/heap.pb.gz")" = inuse_space ]
check fetch_says_url grep -q "Fetching profile over HTTP from http://$ADDR/debug/pprof/heap" "$T/err"

$CPROF merge -o "$T/g.pb.gz" "$ADDR/debug/pprof/goroutine" 2>"$T/err"
check fetch_without_scheme [ "$(type_of "$T/g.pb.gz")" = goroutine ]

t0=$(date +%s.%N)
$CPROF merge -seconds 1 -o "$T/cpu.pb.gz" "http://$ADDR/debug/pprof/profile" 2>"$T/err"
t1=$(date +%s.%N)
check fetch_cpu_seconds [ "$(type_of "$T/cpu.pb.gz")" = cpu ]
check fetch_cpu_seconds_url grep -q "debug/pprof/profile?seconds=1\$" "$T/err"
# The profile's duration: Go's handler profiles for at least the 1 s asked
# (it sleeps between start and stop), and no longer than the fetch took
# (measured here).  Both bounds hold whatever the load: no time window.
dur=$(go tool pprof -top "$T/cpu.pb.gz" 2>/dev/null | sed -n 's/.*Duration: \([0-9.]*\)s,.*/\1/p')
check "fetch_cpu_duration (${dur}s)" awk -v d="$dur" -v w="$t0 $t1" \
	'BEGIN { split(w, t, " "); exit !(d != "" && d >= 0.995 && d <= t[2] - t[1] + 0.005) }'

# -seconds replaces the URL's own seconds (pprof's adjustURL).
$CPROF merge -seconds 1 -o "$T/d.pb.gz" "http://$ADDR/debug/pprof/allocs?seconds=9&gc=1" 2>"$T/err"
check fetch_seconds_replaced grep -q "allocs?gc=1&seconds=1\$" "$T/err"
# (Go's delta profiles lose default_sample_type: pprof shows inuse_space too.)
if go tool pprof -top -sample_index=alloc_space "$T/d.pb.gz" >/dev/null 2>&1; then ok fetch_delta_allocs; else
	nok fetch_delta_allocs; fi

# Two sources are merged.
$CPROF merge -o "$T/two.pb.gz" "http://$ADDR/debug/pprof/heap" "$T/heap.pb.gz" 2>"$T/err"
check fetch_and_file_merge [ "$(type_of "$T/two.pb.gz")" = inuse_space ]

# Errors: status + the server's message, one line, non-zero exit.
if $CPROF merge -o "$T/x" "http://$ADDR/debug/pprof/nosuch" 2>"$T/err"; then nok http_404_fails; else
	check http_404_message grep -q "server response: 404 Not Found - Unknown profile" "$T/err"
	check http_404_one_line [ "$(grep -c '^cprof:' "$T/err")" = 1 ]
fi
if $CPROF merge -o "$T/x" "http://$ADDR/debug/pprof/heap?seconds=-3" 2>"$T/err"; then
	nok http_400_fails
else
	check http_400_message grep -q "server response: 400 Bad Request - invalid value for \"seconds\"" "$T/err"
fi
if $CPROF merge -o "$T/x" "http://$ADDR/debug/pprof/cmdline" 2>"$T/err"; then
	nok not_a_profile_fails
else
	check not_a_profile_message grep -q "unrecognized profile format" "$T/err"
fi
if $CPROF merge -o "$T/x" "http://127.0.0.1:1/debug/pprof/heap" 2>"$T/err"; then
	nok refused_fails
else
	check refused_message grep -q "http fetch: " "$T/err"
fi

# The report commands take URLs too.
if $CPROF top "http://$ADDR/debug/pprof/heap" >"$T/top" 2>"$T/err"; then
	check top_url grep -q "^Type: inuse_space" "$T/top"
else
	nok top_url "$(tail -n 1 "$T/err")"
fi
