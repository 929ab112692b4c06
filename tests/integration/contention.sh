# The mutex and block profiles: planted contention whose waits the program
# measures itself (tests/progs/contend.c), the profile's delay against them
# (±10 %), the holder's or the waiter's function on top, every wait kind,
# sampling, the API, the mutex kinds the interposers must not break, locks
# in signal handlers, a fork, bad settings, and third-party programs —
# judged by go tool pprof.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/contend" contend.c -L"$BUILD" -lcprof -Wl,-rpath,"$BUILD"

# delay PROFILE FUNC: FUNC's flat delay in ns (0 if absent, "error" if
# pprof failed or warned).
delay() {
	pprof_top "$1" -unit=ns -nodefraction=0 -nodecount=100000 -sample_index=delay >"$T/d.out" ||
		{ echo error; return; }
	awk -v f="$2" 'NR > 1 && $NF == f { v = $1; sub(/ns$/, "", v); print v; found = 1; exit }
		END { if (!found) print 0 }' "$T/d.out"
}
# dtotal PROFILE: the profile's total delay in ns.
dtotal() {
	pprof_top "$1" -unit=ns -sample_index=delay |
		sed -n 's/^Showing nodes accounting for .* of \([0-9]*\)ns total.*/\1/p'
}
# focused PROFILE ARGS...: the delay in ns of the samples ARGS keep.
focused() {
	_p=$1; shift
	pprof_top "$_p" -unit=ns -sample_index=delay -nodefraction=0 "$@" |
		sed -n 's/^Showing nodes accounting for \([0-9]*\)\(ns\)*, .*/\1/p'
}
# top PROFILE: the function with the largest flat delay.
top() {
	pprof_top "$1" -unit=ns -sample_index=delay >"$T/t.out" || { echo error; return; }
	awk '/flat%/ { getline; print $NF; exit }' "$T/t.out"
}

# The profile's delay against the waiters' own clocks: within 10 %.  Under
# ThreadSanitizer 25 %: its interceptors (under libcprof's, and in the
# program's clock reads) take time that is neither side's lock wait, and the
# two drifted apart by up to 21 % on a quiet machine.
TOL=10
[ -n "$TSAN" ] && TOL=25

# The holder's stack (default) and the waiter's, for each lock kind.
for mode in mutex:critical_mutex:acquire_mutex rwlock:critical_write:acquire_write spin:critical_spin:acquire_spin; do
	m=${mode%%:*} rest=${mode#*:}
	holder=${rest%%:*} waiter=${rest#*:}
	n=$m
	hrun $n CPROF_MUTEX="$T/$n.m.pb.gz" CPROF_BLOCK="$T/$n.b.pb.gz" "$T/contend" $m
	want_rc $n 0
	w=$(truth $n waited)
	check ${n}_mutex_readable pprof_top "$T/$n.m.pb.gz" -sample_index=contentions
	# Spinning waiters on a loaded machine also wait for cprof's own
	# bookkeeping (a preempted thread holding it): 20 % for the spinlock.
	pct=$TOL
	[ $m = spin ] && [ -z "$TSAN" ] && pct=20
	if [ $m = spin ] && [ -n "$TSAN" ]; then
		# ThreadSanitizer's pthread_spin_lock spins in its own runtime:
		# the waiters' clocks hold its time, not the lock's (-21 % here).
		na ${n}_mutex_delay_matches_waits "TSan's spinlock interceptor spins outside the lock"
		na ${n}_block_waiter_delay_matches_waits "TSan's spinlock interceptor spins outside the lock"
	else
		near ${n}_mutex_delay_matches_waits "$(dtotal "$T/$n.m.pb.gz")" "$w" $pct
		near ${n}_block_waiter_delay_matches_waits "$(delay "$T/$n.b.pb.gz" "$waiter")" "$w" $pct
	fi
	eq ${n}_mutex_top_is_the_holder "$(top "$T/$n.m.pb.gz")" "$holder"
	eq ${n}_errno_kept "$(truth $n errno_spoiled)" 0
	n=${m}_waiter
	hrun $n CPROF_MUTEX="$T/$n.pb.gz" CPROF_MUTEX_STACK=waiter "$T/contend" $m
	want_rc $n 0
	near ${n}_delay_matches_waits "$(dtotal "$T/$n.pb.gz")" "$(truth $n waited)" $TOL
	eq ${n}_top_is_the_waiter "$(top "$T/$n.pb.gz")" "$waiter"
done

p=$T/mutex.m.pb.gz
check types sh -c "go tool pprof -raw '$p' 2>/dev/null | grep -qx 'contentions/count delay/nanoseconds'"
check period_type sh -c "go tool pprof -raw '$p' 2>/dev/null | grep -qx 'PeriodType: contentions count'"
check leaf_is_the_program sh -c "! go tool pprof -top -nodefraction=0 '$p' 2>/dev/null | grep -q pthread_mutex_unlock"

# Labels (cprof_labels_push) reach the contention profiles: the workers
# inherit the set, so every charge and every wait carries it.
n=labels
hrun $n CPROF_MUTEX="$T/$n.m.pb.gz" CPROF_BLOCK="$T/$n.b.pb.gz" "$T/contend" labels
want_rc $n 0
near ${n}_mutex_tagged_delay "$(focused "$T/$n.m.pb.gz" -tagfocus=phase=contend)" "$(truth $n waited)" $TOL
eq ${n}_mutex_untagged_delay "$(focused "$T/$n.m.pb.gz" -tagignore=phase=contend)" 0
near ${n}_block_tagged_delay "$(delay "$T/$n.b.pb.gz" acquire_mutex)" "$(truth $n waited)" $TOL
check ${n}_block_tagged sh -c "go tool pprof -tags '$T/$n.b.pb.gz' 2>/dev/null | grep -q contend"

# The waits that always block, each at its waiter's function.
for mode in cond:consume_wait sem:sem_take join:join_wait barrier:barrier_meet; do
	m=${mode%%:*} f=${mode#*:}
	n=$m
	hrun $n CPROF_BLOCK="$T/$n.pb.gz" "$T/contend" $m
	want_rc $n 0
	near ${n}_block_delay_matches_waits "$(delay "$T/$n.pb.gz" "$f")" "$(truth $n waited)" $TOL
done

# Sampling: 1 in 10 contentions, each recorded one scaled by 10.
n=fraction
hrun $n CPROF_MUTEX="$T/$n.pb.gz" CPROF_MUTEX_FRACTION=10 CPROF_MUTEX_STACK=waiter "$T/contend" mutex
want_rc $n 0
go tool pprof -raw "$T/$n.pb.gz" 2>/dev/null | sed -n '/^Samples:/,/^Locations/p' | sed '1,2d;$d' >"$T/$n.raw"
check ${n}_counts_scaled awk 'BEGIN { bad = 0 } { if ($1 % 10) bad = 1 } END { exit bad }' "$T/$n.raw"
# A block rate below every wait (the planted ones last milliseconds) keeps
# them all, unscaled.
n=rate
hrun $n CPROF_BLOCK="$T/$n.pb.gz" CPROF_BLOCK_RATE=100000 "$T/contend" mutex
want_rc $n 0
near ${n}_long_waits_kept "$(delay "$T/$n.pb.gz" acquire_mutex)" "$(truth $n waited)" $TOL

# The API: off by default, on and off again, written by name.
n=api
hrun $n "$T/contend" api "$T/api.m.pb.gz" "$T/api.b.pb.gz" "$T/api.m.txt" "$T/api.b.txt"
want_rc $n 0
check ${n}_no_errors sh -c "! grep -q '^write' '$T/$n.out'"
near ${n}_mutex_delay_matches_waits "$(dtotal "$T/api.m.pb.gz")" "$(truth $n waited)" $TOL
near ${n}_block_delay_matches_waits "$(delay "$T/api.b.pb.gz" acquire_mutex)" "$(truth $n waited)" $TOL
# Go's text forms: pprof's legacy parser reads them, with the proto's totals.
check ${n}_mutex_text_header sh -c "head -3 '$T/api.m.txt' | tr '\n' '|' | grep -qx -- '--- mutex:|cycles/second=1000000000|sampling period=1|'"
check ${n}_block_text_header sh -c "head -1 '$T/api.b.txt' | grep -qx -- '--- contention:'"
eq ${n}_mutex_text_total "$(dtotal "$T/api.m.txt")" "$(dtotal "$T/api.m.pb.gz")"
eq ${n}_block_text_total "$(dtotal "$T/api.b.txt")" "$(dtotal "$T/api.b.pb.gz")"

# Mutex kinds whose lock calls fail or behave differently: the
# interposers keep every result.
# (errorcheck and recursive unlock a mutex they do not hold, on purpose:
# ThreadSanitizer would report that misuse, cprof or not.)
for m in recursive errorcheck robust pshared signal; do
	n=kind_$m
	hrun $n CPROF_MUTEX="$T/$n.pb.gz" CPROF_BLOCK="$T/$n.b.pb.gz" \
		TSAN_OPTIONS="report_mutex_bugs=0 ${TSAN_OPTIONS:-}" "$T/contend" $m
	want_rc $n 0
	check ${n}_no_stderr test ! -s "$T/$n.err"
done
# Locks contended before main (a constructor of the program, which may
# run before libcprof's) and after exit (an atexit handler, after
# cprof's destructor may have written the profile).
n=early
hrun $n CONTEND_EARLY=1 CPROF_MUTEX="$T/$n.pb.gz" CPROF_BLOCK="$T/$n.b.pb.gz" "$T/contend" early
want_rc $n 0
check ${n}_after_exit_ran grep -qx 'after exit ok' "$T/$n.out"
check ${n}_no_stderr test ! -s "$T/$n.err"
check ${n}_readable pprof_top "$T/$n.pb.gz" -sample_index=delay
# pshared forked: the child wrote path.PID.
check fork_child_written sh -c "ls '$T' | grep -q 'kind_pshared.pb.gz\.[0-9]'"

# Bad settings: one line each, the program runs on.
n=badfraction
hrun $n CPROF_MUTEX="$T/$n.pb.gz" CPROF_MUTEX_FRACTION=lots "$T/contend" join
want_rc $n 0
eq ${n}_one_line "$(grep -c "^cprof: invalid CPROF_MUTEX_FRACTION 'lots'" "$T/$n.err")" 1
n=badstack
hrun $n CPROF_MUTEX="$T/$n.pb.gz" CPROF_MUTEX_STACK=holder "$T/contend" join
want_rc $n 0
eq ${n}_one_line "$(grep -c "^cprof: invalid CPROF_MUTEX_STACK 'holder'" "$T/$n.err")" 1
n=badpath
hrun $n CPROF_BLOCK=/nonexistent/dir/b.pb.gz "$T/contend" join
want_rc $n 0
eq ${n}_one_line "$(grep -c '^cprof: cannot write.*/nonexistent/dir/b.pb.gz' "$T/$n.err")" 1

# Third-party programs: Python's queue between threads (its GIL is a
# condvar and a mutex), xz's worker threads.  Output and status are the
# program's own; the profiles are readable.
n=python
hrun $n CPROF_MUTEX="$T/$n.m.pb.gz" CPROF_BLOCK="$T/$n.b.pb.gz" /usr/bin/python3 -c '
import threading, queue
q = queue.Queue()
def w():
    for i in range(3000): q.put(i)
ts = [threading.Thread(target=w) for _ in range(4)]
[t.start() for t in ts]
s = sum(q.get() for _ in range(12000))
[t.join() for t in ts]
print(s)'
want_rc $n 0
eq ${n}_output "$(cat "$T/$n.out")" 17994000
check ${n}_block_readable pprof_top "$T/$n.b.pb.gz" -sample_index=delay
check ${n}_block_has_waits sh -c "go tool pprof -raw '$T/$n.b.pb.gz' 2>/dev/null | sed -n '/^Samples:/,/^Locations/p' | grep -q ':'"
if command -v xz >/dev/null; then
	head -c 4000000 /dev/urandom >"$T/rand"
	xz -T2 -c "$T/rand" >"$T/plain.xz"
	n=xz
	hrun $n CPROF_MUTEX="$T/$n.m.pb.gz" CPROF_BLOCK="$T/$n.b.pb.gz" CPROF_BLOCK_IO=1 xz -T2 -c "$T/rand"
	want_rc $n 0
	check ${n}_same_output cmp -s "$T/$n.out" "$T/plain.xz"
	check ${n}_block_readable pprof_top "$T/$n.b.pb.gz" -sample_index=delay
else
	skip xz "xz not installed"
fi

# cprof record --mutex --block: the same profiles, merged over the tree.
n=record
(cd "$T" && LD_PRELOAD="$SAN_PRELOAD" timeout 120 "$BUILD/cprof" record -o "$T/rec.c.pb.gz" --mutex "$T/rec.m.pb.gz" \
	--block "$T/rec.b.pb.gz" -- "$T/contend" mutex >"$T/$n.out" 2>"$T/$n.err")
rc=$?
want_rc $n 0
near ${n}_mutex_delay_matches_waits "$(dtotal "$T/rec.m.pb.gz")" "$(truth $n waited)" $TOL
eq ${n}_mutex_top_is_the_holder "$(top "$T/rec.m.pb.gz")" critical_mutex
near ${n}_block_waiter_delay "$(delay "$T/rec.b.pb.gz" acquire_mutex)" "$(truth $n waited)" $TOL
check ${n}_said_written grep -q "^cprof: wrote $T/rec.m.pb.gz\|^cprof: wrote .*rec.m.pb.gz" "$T/$n.err"
n=record_badpath
timeout 60 "$BUILD/cprof" record -o "$T/rb.c.pb.gz" --block /nonexistent/dir/b.pb.gz -- true >"$T/$n.out" 2>"$T/$n.err"
rc=$?
want_rc $n 1
one_line ${n}_says_which "$T/$n.err" '/nonexistent/dir/b.pb.gz'
n=record_novalue
timeout 60 "$BUILD/cprof" record --mutex >"$T/$n.out" 2>"$T/$n.err"
rc=$?
want_rc $n 2
check ${n}_message grep -q "^cprof: record: option '--mutex' needs a value" "$T/$n.err"
