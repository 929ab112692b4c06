# CPU profile accuracy against the kernel's own accounting (getrusage):
# two threads with a 3:1 split at 100 Hz and 1000 Hz, and 50 short-lived
# threads.  The judge is go tool pprof.
. "$CPROF_ROOT/tests/lib.sh"
cc_prog "$T/split" cpu_split.c
cc_prog "$T/short" cpu_short.c

for hz in 100 1000; do
	cpu_ns=$(cd "$T" && LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/split$hz.pb.gz" CPROF_HZ=$hz "$T/split" 2000)
	if ! pprof_top "$T/split$hz.pb.gz" >/dev/null; then
		nok "split_${hz}hz_readable"; continue
	fi
	ok "split_${hz}hz_readable"
	[ -n "$TSAN" ] && { check "split_${hz}hz_has_samples" test -n "$(pprof_total_ms "$T/split$hz.pb.gz")"; continue; }
	total=$(pprof_total_ms "$T/split$hz.pb.gz")
	truth=$(awk -v n="$cpu_ns" 'BEGIN { print n / 1e6 }')
	check "split_${hz}hz_total_within_5pct (profile ${total}ms, getrusage ${truth}ms)" within "$total" "$truth" 5
	heavy=$(pprof_total_ms "$T/split$hz.pb.gz" -tagfocus=thread=heavy)
	light=$(pprof_total_ms "$T/split$hz.pb.gz" -tagfocus=thread=light)
	share=$(awk -v h="$heavy" -v l="$light" 'BEGIN { if (h + l > 0) printf "%.1f", 100 * h / (h + l); else print 0 }')
	check "split_${hz}hz_75_25_within_3_points (heavy ${share}%)" \
		awk -v s="$share" 'BEGIN { exit !(s >= 72 && s <= 78) }'
done

for hz in 100 1000; do
	# 20 ms = exactly 2 periods at 100 Hz: with the randomised first expiry
	# each thread then crosses exactly 2 period boundaries, so the total tests
	# bias, not luck (at 15 ms a thread crosses 1 or 2 with equal odds: a
	# sampling noise of ±4.6 % of the total that any unbiased sampler has).
	# Without the exit-tail accounting ~half a tick per thread is lost (-10 %).
	cpu_ns=$(cd "$T" && LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/short$hz.pb.gz" CPROF_HZ=$hz "$T/short" 20)
	[ -n "$TSAN" ] && { check "short_threads_${hz}hz_readable" pprof_top "$T/short$hz.pb.gz"; continue; }
	total=$(pprof_total_ms "$T/short$hz.pb.gz")
	truth=$(awk -v n="$cpu_ns" 'BEGIN { print n / 1e6 }')
	# Sanitizer runtimes spend CPU in each new thread before its start
	# routine and after it returns, where no profiler's timer is armed yet or
	# any more (~1.7 ms per thread under ASan): the bound is looser there.
	tol=10; [ -n "$SANITIZE" ] && tol=20
	check "short_threads_${hz}hz_total_within_${tol}pct (profile ${total:-none}ms, getrusage ${truth}ms)" \
		within "${total:-0}" "$truth" $tol
done
