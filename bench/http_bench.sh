#!/bin/sh
# http_bench.sh — what serving /debug/pprof costs the program.  Not a test:
# it prints figures and checks nothing.
#
# The program (tests/progs/http_prog.c `run`) loops over a CPU-bound
# function and an allocation for SECS seconds and reports its iterations.
# Arms, round-robin ROUNDS times, ratios of iterations to `none` in the same
# round (paired median):
#   none        no libcprof
#   idle        CPROF_HTTP on, nobody asks anything
#   cpu         CPROF_HTTP on, a CPU profile of the whole run taken through
#               the endpoint (go tool pprof .../profile?seconds=SECS), 100 Hz
#   wrk         CPROF_HTTP on, wrk hitting /metrics on loopback (1 thread,
#               2 connections, bounded by the run) — on a 2-core machine
#               wrk's own CPU competes with the program: the figure says
#               what a scraper costs there, not the server alone
#   cpu-wrk     both at once: the CPU profile taken through the endpoint
#               while wrk loads it
#
# Then the demo server (examples/pprof-demo), SECS seconds per run, under
# wrk's load on /metrics as above, its generators' work counted at its
# stop ("Work done: ..."), ratios to `load` in the same round:
#   load        the demo under wrk, no profile taken
#   load-cpu    the same, a CPU profile (100 Hz) taken through the endpoint
#               meanwhile
#
#   ROUNDS=9 SECS=5 sh bench/http_bench.sh
#
# Builds in build-perf/ (override: B=).  Tables: $B/bench/http-cost.md,
# $B/bench/http-demo.md ("http" is $RESULT when set; bench/README.md).
set -eu

cd "$(dirname "$0")/.."
. bench/mdout.sh
MDCMD=$(md_cmd http_bench.sh ROUNDS SECS)
MD=${RESULT:-http}
B=${B:-build-perf}
ROUNDS=${ROUNDS:-7}
SECS=${SECS:-5}
CC=${CC:-gcc}
make -s B="$B" runtime >/dev/null
W=$B/bench
mkdir -p "$W"
$CC -O2 -g -pthread -Iinclude -o "$W/http_prog" tests/progs/http_prog.c -L"$B" -lcprof \
	-Wl,-rpath,"$(pwd)/$B"
$CC -O2 -g -pthread -Iinclude -o "$W/pprof-demo" examples/pprof-demo/demo.c -L"$B" -lcprof \
	-Wl,-rpath,"$(pwd)/$B"
LIB=$(pwd)/$B/libcprof.so
ARMS="none idle cpu wrk cpu-wrk"
command -v wrk >/dev/null || { echo "http_bench: wrk not found (scripts/deps.sh)" >&2; exit 1; }

run_arm() { # ARM: prints the program's iterations
	err=$W/http.err
	case $1 in
	none) "$W/http_prog" run "$SECS" >/dev/null 2>"$err" ;;
	*)
		CPROF_HTTP=127.0.0.1:0 "$W/http_prog" run "$SECS" >/dev/null 2>"$err" &
		p=$!
		url=
		for _ in $(seq 100); do
			url=$(sed -n 's|^cprof: serving \(http://.*/debug/pprof/\)$|\1|p' "$err")
			[ -n "$url" ] && break
			sleep 0.05
		done
		case $1 in
		cpu) go tool pprof -raw "${url}profile?seconds=$SECS" >/dev/null 2>&1 || true ;;
		wrk) wrk -t1 -c2 -d"$((SECS - 1))"s "${url%/debug/pprof/}/metrics" >/dev/null 2>&1 || true ;;
		cpu-wrk)
			go tool pprof -raw "${url}profile?seconds=$((SECS - 1))" >/dev/null 2>&1 &
			g=$!
			wrk -t1 -c2 -d"$((SECS - 1))"s "${url%/debug/pprof/}/metrics" >/dev/null 2>&1 || true
			wait $g || true
			;;
		esac
		wait $p
		;;
	esac
	awk '/^iterations/ { print $2 }' "$err"
}

RAW=$W/http-runs.tsv
each_round "$ROUNDS" "$RAW" run_arm $ARMS
awk -F '\t' -v arms="$ARMS" -v md="$(md_start "$W" "$MD-cost" "$MDCMD")" "$AWK_MEDIAN"'
{ it[$2, $1] = $3; rounds[$1] = 1 }
END {
	na = split(arms, A, " ")
	print "| arm | iterations (median) | throughput vs none, paired |" >> md
	print "|---|---|---|" >> md
	for (a = 1; a <= na; a++) {
		n = 0; m = 0
		for (r in rounds) {
			if ((A[a], r) in it && it[A[a], r] != "") v[++n] = it[A[a], r]
			if (it["none", r] > 0 && it[A[a], r] != "") q[++m] = it[A[a], r] / it["none", r]
		}
		if (!n) continue
		med = median(v, n); rat = median(q, m)
		printf "%-6s %12.0f  x%.3f\n", A[a], med, rat
		printf "| %s | %.0f | %s |\n", A[a], med, A[a] == "none" ? "—" : sprintf("%.3f", rat) >> md
	}
}' "$RAW"

# ---- the demo server ----

run_demo() { # ARM: prints "primes<TAB>memory<TAB>lock" (the demo's work counts)
	out=$W/demo.out
	"$W/pprof-demo" 127.0.0.1:0 >"$out" 2>"$W/demo.err" &
	p=$!
	addr=
	for _ in $(seq 100); do
		addr=$(sed -n 's/^Starting pprof demo server on //p' "$out")
		[ -n "$addr" ] && break
		sleep 0.05
	done
	g=
	if [ "$1" = load-cpu ]; then
		go tool pprof -raw "http://$addr/debug/pprof/profile?seconds=$((SECS - 1))" >/dev/null 2>&1 &
		g=$!
	fi
	wrk -t1 -c2 -d"$((SECS - 1))"s "http://$addr/metrics" >/dev/null 2>&1 &
	k=$!
	sleep "$SECS" # the same window in both arms, whatever the fetch takes
	kill -INT $p
	wait $p || true
	wait $k || true
	[ -z "$g" ] || wait $g || true
	sed -n 's/^Work done: \([0-9]*\) prime counts, \([0-9]*\) memory rounds, \([0-9]*\) lock turns$/\1\t\2\t\3/p' "$out"
}

DARMS="load load-cpu"
DRAW=$W/http-demo-runs.tsv
each_round "$ROUNDS" "$DRAW" run_demo $DARMS
awk -F '\t' -v arms="$DARMS" -v md="$(md_start "$W" "$MD-demo" "$MDCMD")" "$AWK_MEDIAN"'
{ for (g = 1; g <= 3; g++) c[$2, $1, g] = $(2 + g); rounds[$1] = 1 }
END {
	na = split(arms, A, " ")
	split("prime counts|memory rounds|lock turns", G, "|")
	print "| arm | prime counts (median) | memory rounds | lock turns | throughput vs load, paired (primes / memory / lock) |" >> md
	print "|---|---|---|---|---|" >> md
	for (a = 1; a <= na; a++) {
		row = ""; rats = ""
		for (g = 1; g <= 3; g++) {
			n = 0; m = 0
			for (r in rounds) {
				if (c[A[a], r, g] != "") v[++n] = c[A[a], r, g]
				if (c["load", r, g] > 0 && c[A[a], r, g] != "") q[++m] = c[A[a], r, g] / c["load", r, g]
			}
			row = row sprintf(" %.0f |", n ? median(v, n) : 0)
			rats = rats (g > 1 ? " / " : "") (m ? sprintf("%.3f", median(q, m)) : "?")
		}
		printf "demo %-9s %s  x %s\n", A[a], row, rats
		printf "| %s |%s %s |\n", A[a], row, A[a] == "load" ? "—" : rats >> md
	}
}' "$DRAW"
