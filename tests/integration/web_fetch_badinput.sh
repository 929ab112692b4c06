#!/bin/sh
# Bad input to `cprof web` (a port in use, malformed -http, absurd query
# values) and to fetching profiles over HTTP from a misbehaving server
# (tests/progs/bad_http.py, on 127.0.0.1 only): a redirect loop, a truncated
# gzip body, a body that is no profile, a body that stops.  Every case is
# bounded in time; each ends with one "cprof:" line and exit 1 or 2 (the web
# server answers 4xx and keeps serving).
. "$CPROF_ROOT/tests/lib.sh"
P=$CPROF_ROOT/tests/fixtures/profiles/go-cpu.pb.gz
PY=/usr/bin/python3
if ! command -v curl >/dev/null 2>&1; then skip web_fetch_badinput "no curl (Debian curl)"; exit 0; fi

# --- cprof web -----------------------------------------------------------------
"$CPROF" web "$P" >"$T/web.out" 2>"$T/web.err" &
pid=$!
trap 'kill $pid $spid 2>/dev/null; rm -rf "$T"' EXIT
spid=
i=0
while [ $i -lt 600 ] && kill -0 $pid 2>/dev/null && ! grep -q '^Serving web UI on ' "$T/web.out"; do sleep 0.1; i=$((i + 1)); done
U=$(sed -n 's/^Serving web UI on //p' "$T/web.out")
case "$U" in http://127.0.0.1:[0-9]*/) ok web_started ;; *) nok web_started "$(cat "$T/web.err")"; exit 1 ;; esac
PORT=${U##*:}; PORT=${PORT%/}
# The port is taken: exit 1, one line naming the address.
refuses web_port_in_use 1 "cannot listen on 127.0.0.1:$PORT: Address already in use" \
	timeout 20 "$CPROF" web -http "127.0.0.1:$PORT" "$P"
for h in 127.0.0.1:abc 127.0.0.1:-1 127.0.0.1:99999; do
	n=web_http_$(printf '%s' "$h" | tr -c 'a-z0-9' '_')
	refuses "$n" 2 "-http: bad port" timeout 20 "$CPROF" web -http "$h" "$P"
done
# Absurd query values: a 4xx or the view, never a crash; the server stays up.
code() { curl -s -o "$T/q.html" -w '%{http_code}' --max-time 30 "$U$1"; }
for q in "top?si=bogus:400" "peek?p=((((:400" "source?p=%ff%fe:400" "top?f=(:400"; do
	c=$(code "${q%:*}")
	[ "$c" = "${q##*:}" ] && ok "web_query_${q%%\?*}_$c" || nok "web_query_${q%%\?*}_${q##*:}" "got $c for ${q%:*}"
done
for q in "top?nodecount=-99999999999999999999" "graph?f=main&nodecount=999999999999" "top?f=%00" \
	"top?h=%" "top?unit=parsecs" "?b=bogus" "top?si=" "top?zzz=1"; do
	c=$(code "$q")
	case "$c" in 200 | 4??) ok "web_query_absurd_$(printf '%s' "$q" | tr -c 'a-z0-9' '_')" ;;
	*) nok "web_query_absurd_$(printf '%s' "$q" | tr -c 'a-z0-9' '_')" "got $c" ;; esac
done
# A 100 KB query string.
long=$(head -c 100000 /dev/zero | tr '\0' 'a')
printf 'url = "%stop?f=%s"\n' "$U" "$long" >"$T/long.cfg"
c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -K "$T/long.cfg")
case "$c" in 200 | 4??) ok "web_query_100kb ($c)" ;; *) nok web_query_100kb "got $c" ;; esac
c=$(code top)
[ "$c" = 200 ] && kill -0 $pid 2>/dev/null && ok web_still_serving || nok web_still_serving "$c"
kill $pid; wait $pid 2>/dev/null
[ $? = 0 ] && ok web_stops_cleanly || nok web_stops_cleanly

# --- fetching from a misbehaving server --------------------------------------------
if ! [ -x "$PY" ]; then skip fetch_badinput "no $PY"; exit 0; fi
mkfifo "$T/fifo"
$PY "$CPROF_ROOT/tests/progs/bad_http.py" "$P" <"$T/fifo" >"$T/port" 2>"$T/py.err" &
spid=$!
exec 3>"$T/fifo" # the server exits when this closes
i=0
while [ ! -s "$T/port" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
S=http://127.0.0.1:$(cat "$T/port")
[ -s "$T/port" ] && ok bad_server_started || { nok bad_server_started "$(cat "$T/py.err")"; exit 1; }
# fetch NAME REGEX PATH: cprof merge of $S/PATH fails with exit 1, one
# "cprof:" line matching REGEX, and writes no output file.
fetch() {
	_n=$1 _re=$2 _p=$3
	timeout 120 "$CPROF" merge ${FETCH_OPTS:-} -o "$T/$_n.pb.gz" "$S/$_p" >"$T/$_n.out" 2>"$T/$_n.err"
	_rc=$?
	grep -v '^Fetching profile over HTTP' "$T/$_n.err" >"$T/$_n.err2"
	if [ $_rc = 1 ] && [ "$(wc -l <"$T/$_n.err2")" = 1 ] && grep -Eq "^cprof: .*$_re" "$T/$_n.err2" &&
		[ ! -e "$T/$_n.pb.gz" ]; then
		ok "$_n"
	else
		nok "$_n" "exit $_rc: $(head -c 300 "$T/$_n.err2" | tr '\n' '|')$([ -e "$T/$_n.pb.gz" ] && echo ' (output written)')"
	fi
}
fetch fetch_redirect_loop '[Mm]aximum.*redirects' loop
fetch fetch_truncated_gzip 'trunc' trunc
fetch fetch_not_a_profile 'notgz: parsing profile' notgz
fetch fetch_zeros 'big\?n=1048576' 'big?n=1048576'
fetch fetch_body_stops 'slow: http fetch: ' slow
# A server that never answers: pprof's -timeout (here 1 s, + 5 s for the
# transfer, as pprof's client) ends the fetch; without it, 65 s.
fetch_t0=$(date +%s)
FETCH_OPTS="-timeout 1"
fetch fetch_never_answers 'mute: http fetch: Operation timed out after 6[0-9]{3} milliseconds' mute
FETCH_OPTS=
fetch_dt=$(($(date +%s) - fetch_t0))
[ "$fetch_dt" -lt 60 ] && ok fetch_timeout_honoured || nok fetch_timeout_honoured "${fetch_dt}s"
# A 10 GB body is refused at the 2 GiB cap (CPROF_DECODE_MAX), not held.
fetch fetch_10gb_body 'http fetch: response larger than 2048 MiB' 'big?n=10737418240'
exec 3>&-
