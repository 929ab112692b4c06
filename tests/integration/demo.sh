# `make demo` (the README's main job): the demo server starts, prints Go's
# demo banner, serves a CPU and a heap profile to `cprof top` through its
# endpoints, and stops on Ctrl+C's signal with status 0.
. "$CPROF_ROOT/tests/lib.sh"
case "$SANITIZE" in *thread*)
	# A program linked with ThreadSanitizer loads its runtime before
	# libcprof, whose TSan build then sees its thread trampoline run before
	# TSan has set the thread up.  The other runs test the demo.
	na demo "linked with TSan, the demo loads TSan's runtime before libcprof's TSan build"
	exit 0 ;;
esac
out=$T/demo.out
# (built with the sanitizer of the run, the demo and cprof load its runtime
# themselves: nothing to preload, and sh would not survive it)
DEMO_CFLAGS="$TEST_CFLAGS" timeout 120 sh "$CPROF_ROOT/examples/pprof-demo/run.sh" "$(basename "$BUILD")" \
	>"$out" 2>"$T/demo.err"
rc=$?
eq() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "got '$2', want '$3'"; fi; }
eq demo_exit_status "$rc" 0
for line in "Running workload generators..." "[CPU] Computing prime numbers..." \
	"[Memory] Generating large data structures..." "[Concurrent] Running 100 threads..." \
	"Press Ctrl+C to stop." "Stopping (SIGINT)..." "Stopped."; do
	check "banner_$(echo "$line" | tr -c 'A-Za-z0-9\n' _)" grep -qxF "$line" "$out"
done
check work_done_counted grep -Eq '^Work done: [1-9][0-9]* prime counts, [1-9][0-9]* memory rounds, [1-9][0-9]* lock turns$' "$out"
check cpu_top_has_primes sh -c "sed -n '/profile?seconds=5/,/heap\$/p' '$out' | grep -q 'is_prime'"
if [ -n "$SANITIZE" ]; then
	na heap_top_has_lists "under a sanitizer its allocator serves the demo: cprof samples nothing"
else
	check heap_top_has_lists sh -c "sed -n '/debug\/pprof\/heap\$/,\$p' '$out' | grep -q 'build_list'"
fi
check endpoints_listed grep -q '^  http://127.0.0.1:[0-9]*/debug/pprof/$' "$out"

# SIGUSR1: the work so far, and the demo keeps running
"$BUILD/demo/pprof-demo" 127.0.0.1:0 >"$T/usr1.out" 2>"$T/usr1.err" &
pid=$!
for _ in $(seq 100); do grep -q '^Starting' "$T/usr1.out" && break; sleep 0.1; done
sleep 0.5
kill -USR1 $pid
sleep 0.5
kill -USR1 $pid
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
eq usr1_exit_status "$rc" 0
check usr1_work_so_far sh -c "grep '^Work so far: ' '$T/usr1.out' | awk '
	\$4 + 0 > 0 && \$6 ~ /^[0-9]+\$/ && \$12 ~ /^[0-9]+\$/ { n++; if (\$4 + 0 <= t) bad = 1; t = \$4 + 0 }
	END { exit !(n == 2 && !bad) }'" || cat "$T/usr1.out"
check usr1_then_stopped grep -qxF "Stopped." "$T/usr1.out"
