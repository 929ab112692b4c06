# Robustness (issue 2 §3): death by SIGTERM, SIGINT and SIGHUP mid-run under
# profiling at 1000 Hz, two threads busy.  The profile is complete (readable,
# with samples) and the process dies of that same signal (a shell sees
# 128+sig) — under LD_PRELOAD, and (SIGTERM) under `cprof record`, whose own
# exit status mirrors the program's.  A program that catches the signals itself
# and then exits normally keeps its exit status, and the profile is written
# at that exit.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
cc_prog "$T/die" robust_die.c

# A non-interactive shell starts background jobs with SIGINT ignored, and an
# ignored signal stays ignored across exec: give the program the default
# dispositions back, as a terminal would.
DFL="env"
env --default-signal=INT true 2>/dev/null && DFL="env --default-signal=INT,TERM,HUP"
# `cprof record` preloads libcprof itself; under TSan its runtime must come
# along, after libcprof (lib.sh's PRELOAD without libcprof).  Under ASan the
# runtime must come first, which `cprof record` (libcprof first) cannot
# give: the record cases are not run there.
REC_PRELOAD=$(echo "$PRELOAD" | sed "s|$LIB||; s|^ *||; s| *\$||")
REC=1
case "$SANITIZE" in *address*) REC= ;; esac

# start_bg NAME CMD...: run CMD in the background (killed after 60 s at the
# latest); wait until the program prints "ready PID".  Sets bg (the job) and
# pid (the program).
start_bg() {
	_n=$1; shift
	timeout -s KILL 60 "$@" >"$T/$_n.out" 2>"$T/$_n.err" &
	bg=$!
	pid=
	_i=0
	while [ $_i -lt 600 ]; do
		pid=$(sed -n 's/^ready \([0-9][0-9]*\)$/\1/p' "$T/$_n.out" 2>/dev/null)
		[ -n "$pid" ] && break
		kill -0 "$bg" 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
}

# finish_bg NAME SIG: send SIG to the program, collect the job's status in rc.
finish_bg() {
	if [ -z "$pid" ]; then
		nok "$1_started" "no 'ready' line; stderr: $(head -c 400 "$T/$1.err" | tr '\n' '|')"
		kill -KILL "$bg" 2>/dev/null
		wait "$bg"
		return 1
	fi
	kill -"$2" "$pid"
	wait "$bg"
	rc=$?
}

for sig in TERM INT HUP; do
	case $sig in TERM) num=15 ;; INT) num=2 ;; HUP) num=1 ;; esac
	want=$((128 + num))
	n=die_$sig
	rm -f "$T/$n.pb.gz"
	start_bg "$n" $DFL LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/$n.pb.gz" CPROF_HZ=1000 "$T/die" wait
	if finish_bg "$n" "$sig"; then
		expect_rc "$n" "$want"
		robust_profile "$n" "$T/$n.pb.gz" doomed_work
	fi

	[ "$sig" = TERM ] && [ -n "$REC" ] || continue
	n=record_die_$sig
	rm -f "$T/$n.pb.gz"
	start_bg "$n" $DFL LD_PRELOAD="$REC_PRELOAD" "$CPROF" record -o "$T/$n.pb.gz" -F 1000 -- "$T/die" wait
	if finish_bg "$n" "$sig"; then
		expect_rc "$n" "$want"
		robust_profile "$n" "$T/$n.pb.gz" doomed_work
	fi
done

# The program kills itself; cprof record in the foreground.
if [ -n "$REC" ]; then
	n=record_self_TERM
	rm -f "$T/$n.pb.gz"
	LD_PRELOAD="$REC_PRELOAD" timeout -s KILL 60 "$CPROF" record -o "$T/$n.pb.gz" -F 1000 -- \
		"$T/die" self 15 >"$T/$n.out" 2>"$T/$n.err"
	rc=$?
	expect_rc "$n" 143
	robust_profile "$n" "$T/$n.pb.gz" doomed_work
fi

# The program catches SIGTERM itself and returns 3 from main.
n=die_handled
rm -f "$T/$n.pb.gz"
start_bg "$n" $DFL LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/$n.pb.gz" CPROF_HZ=1000 "$T/die" handle
if finish_bg "$n" TERM; then
	expect_rc "$n" 3
	expect_out "$n" '^caught 15$'
	robust_profile "$n" "$T/$n.pb.gz" doomed_work
fi
