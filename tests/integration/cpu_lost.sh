# Degraded paths, forced by test hooks: a full sample ring is counted, never
# a crash or a block — the lost samples show in the profile as
# cprof.lostProfileEvent (Go's lostProfileEvent), on stderr, and the total
# still matches getrusage (they keep their weight); and without per-thread
# timers the setitimer fallback profiles anyway and says so.
. "$CPROF_ROOT/tests/lib.sh"
cc_prog "$T/split" cpu_split.c
cpu_ns=$(cd "$T" && LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/lost.pb.gz" CPROF_HZ=1000 CPROF_CPU_RING=8 \
	CPROF_TEST_STALL_WRITER_MS=300 "$T/split" 1000 2>"$T/err")
check "readable" pprof_top "$T/lost.pb.gz"
check "lost_event_in_profile" sh -c "go tool pprof -top '$T/lost.pb.gz' 2>/dev/null | grep -q 'cprof.lostProfileEvent\$'"
check "lost_said_on_stderr" grep -q '^cprof: CPU profile: [0-9]* samples lost (sample buffer full)' "$T/err"
if [ -z "$TSAN" ]; then
	total=$(pprof_total_ms "$T/lost.pb.gz")
	truth=$(awk -v n="$cpu_ns" 'BEGIN { print n / 1e6 }')
	check "total_still_within_5pct (profile ${total}ms, getrusage ${truth}ms)" within "$total" "$truth" 5
fi

# Where per-thread timers cannot be made, the process-wide setitimer fallback
# samples the program anyway and says so on stderr (a test hook plays the
# kernel without them).
(cd "$T" && LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/fallback.pb.gz" CPROF_TEST_NO_THREAD_TIMERS=1 \
	"$T/split" 600 >/dev/null 2>"$T/ferr")
check "fallback_said_on_stderr" grep -q '^cprof: per-thread CPU timers unavailable.*falling back to setitimer' "$T/ferr"
check "fallback_profile_readable" pprof_top "$T/fallback.pb.gz"
check "fallback_profile_has_burn" sh -c "go tool pprof -top '$T/fallback.pb.gz' 2>/dev/null | grep -q ' burn\$'"
