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
# Then the demo server (examples/pprof-demo): one process under wrk's load
# on /metrics (as above) throughout, ROUNDS rounds of two windows of SECS
# seconds, its generators' work per second in each window, ratios to
# `load` in the same round:
#   load        nothing asked of the endpoint but wrk's scrapes
#   load-cpu    a CPU profile (100 Hz) of the window taken through the
#               endpoint (by curl)
#
#   ROUNDS=9 SECS=5 sh bench/http_bench.sh
#
# PARTS ("program demo" by default) picks the tables to measure.
#
# Builds in build-perf/ (override: B=).  Tables: $B/bench/http-cost.md,
# $B/bench/http-demo.md ("http" is $RESULT when set; bench/README.md).
set -eu

cd "$(dirname "$0")/.."
. bench/mdout.sh
MDCMD=$(md_cmd http_bench.sh ROUNDS SECS PARTS)
MD=${RESULT:-http}
B=${B:-build-perf}
ROUNDS=${ROUNDS:-7}
SECS=${SECS:-5}
PARTS=${PARTS:-program demo}
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

part_program() {
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
}

# ---- the demo server ----
# One demo process for the whole measure, under wrk's load throughout
# (separate runs of the demo differ by ±15 % with 103 threads and wrk on
# two CPUs; windows of one process side by side differ far less).  Each
# window's rates come from the demo's "Work so far" lines (SIGUSR1) at
# its two ends.

demo_work() { # prints "SECONDS PRIMES MEMORY LOCK" from a fresh "Work so far" line
	n=$(grep -c '^Work so far' "$DOUT" || true)
	kill -USR1 "$DP"
	for _ in $(seq 200); do
		[ "$(grep -c '^Work so far' "$DOUT" || true)" -gt "$n" ] && break
		sleep 0.01
	done
	sed -n 's/^Work so far: \([0-9.]*\) s, \([0-9]*\) prime counts, \([0-9]*\) memory rounds, \([0-9]*\) lock turns$/\1 \2 \3 \4/p' "$DOUT" | tail -n 1
}

demo_window() { # ARM: prints "PRIMES/s<TAB>MEMORY/s<TAB>LOCK/s" over one window
	a=$(demo_work)
	case $1 in
	load) sleep "$SECS" ;;
	# curl, not go tool pprof: the demo and wrk keep both CPUs busy, and the
	# Go client's own start-up CPU would be counted as the endpoint's
	load-cpu) curl -s -o /dev/null "http://$DADDR/debug/pprof/profile?seconds=$SECS" ;;
	esac
	b=$(demo_work)
	echo "$a $b" | awk '$5 > $1 { d = $5 - $1; printf "%.3f\t%.3f\t%.1f\n", ($6 - $2) / d, ($7 - $3) / d, ($8 - $4) / d }'
}

part_demo() {
DOUT=$W/demo.out
"$W/pprof-demo" 127.0.0.1:0 >"$DOUT" 2>"$W/demo.err" &
DP=$!
DADDR=
for _ in $(seq 100); do
	DADDR=$(sed -n 's/^Starting pprof demo server on //p' "$DOUT")
	[ -n "$DADDR" ] && break
	sleep 0.05
done
[ -n "$DADDR" ] || { echo "http_bench: the demo did not start" >&2; cat "$W/demo.err" >&2; exit 1; }
sleep 3 # the generators get going (the memory generator fills its 64 slots first)
wrk -t1 -c2 -d"$((ROUNDS * 2 * (SECS + 1) + 10))"s "http://$DADDR/metrics" >/dev/null 2>&1 &
DK=$!
DARMS="load load-cpu"
DRAW=$W/http-demo-runs.tsv
each_round "$ROUNDS" "$DRAW" demo_window $DARMS
kill "$DK" 2>/dev/null || true
wait "$DK" 2>/dev/null || true
kill -INT "$DP"
wait "$DP" || true
awk -F '\t' -v arms="$DARMS" -v md="$(md_start "$W" "$MD-demo" "$MDCMD")" "$AWK_MEDIAN"'
{ for (g = 1; g <= 3; g++) c[$2, $1, g] = $(2 + g); rounds[$1] = 1 }
END {
	na = split(arms, A, " ")
	print "| arm | prime counts per s (median) | memory rounds per s | lock turns per s | throughput vs load, paired (primes / memory / lock) |" >> md
	print "|---|---|---|---|---|" >> md
	for (a = 1; a <= na; a++) {
		row = ""; rats = ""
		for (g = 1; g <= 3; g++) {
			n = 0; m = 0
			for (r in rounds) {
				if (c[A[a], r, g] != "") v[++n] = c[A[a], r, g]
				if (c["load", r, g] > 0 && c[A[a], r, g] != "") q[++m] = c[A[a], r, g] / c["load", r, g]
			}
			row = row sprintf(" %.1f |", n ? median(v, n) : 0)
			rats = rats (g > 1 ? " / " : "") (m ? sprintf("%.3f", median(q, m)) : "?")
		}
		printf "demo %-9s %s  x %s\n", A[a], row, rats
		printf "| %s |%s %s |\n", A[a], row, A[a] == "load" ? "—" : rats >> md
	}
}' "$DRAW"
}

for part in $PARTS; do
	case $part in
	program | demo) "part_$part" ;;
	*) echo "http_bench: unknown part '$part' (PARTS: program demo)" >&2; exit 2 ;;
	esac
done
