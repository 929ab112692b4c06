# The execution trace: CPROF_TRACE and cprof_trace_start/stop write Chrome
# trace-event JSON that Python's json module (an independent judge) parses:
# every thread named, created, started and ended; CPU samples with the busy
# function in their stacks; blocked intervals with their reason, object and
# stack, as long as the program measured; drops said when a thread's buffer
# fills; `cprof trace` summarises it and refuses bad input in one line;
# third-party programs behave exactly as without it.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/trace" trace.c -ldl
J="/usr/bin/python3 $CPROF_ROOT/tests/progs/trace_judge.py"

# ratio NAME GOT WANT LO HI: LO <= GOT/WANT <= HI.
ratio() {
	if [ -n "$2" ] && [ -n "$3" ] && awk -v g="$2" -v w="$3" -v lo="$4" -v hi="$5" \
		'BEGIN { exit !(w > 0 && g / w >= lo && g / w <= hi) }'; then
		ok "$1 ($2 vs $3)"
	else
		nok "$1" "got '$2', want '$3' x [$4, $5]"
	fi
}

n=run
hrun $n CPROF_TRACE="$T/t.json" "$T/trace" run
want_rc $n 0
check ${n}_written test -s "$T/t.json"
eq ${n}_parses "$($J "$T/t.json" parses)" yes
eq ${n}_thread_names "$($J "$T/t.json" names)" "busy consumer short sleeper trace waiter"
for t in busy sleeper short consumer waiter; do
	eq ${n}_${t}_create_start_exit "$($J "$T/t.json" lifecycle $t)" "create start exit"
done
if [ -z "$TSAN" ]; then
	s=$($J "$T/t.json" samples_in busy busy_spin)
	check "${n}_busy_spin_sampled ($s)" [ "${s:-0}" -ge 10 ]
else
	na ${n}_busy_spin_sampled "ThreadSanitizer delivers signals late, with other stacks"
fi
# Blocked intervals come from the lock and condvar interposers
# (src/runtime/contention.c); a wait's interval against the program's own
# clock around the same call.
if nm -D "$LIB" 2>/dev/null | grep -q ' T pthread_cond_wait'; then
	cw=$(truth $n condvar_wait_ns) mw=$(truth $n mutex_wait_ns)
	ratio ${n}_condvar_interval "$($J "$T/t.json" blocked consumer condvar consume)" \
		"$((cw / 1000))" 0.8 1.2
	ratio ${n}_mutex_interval "$($J "$T/t.json" blocked waiter mutex wait_for_hot)" \
		"$((mw / 1000))" 0.8 1.2
else
	skip ${n}_blocked_intervals "libcprof has no lock interposers yet (src/runtime/contention.c)"
fi
eq ${n}_no_drops "$($J "$T/t.json" dropped)" "0 0"

# The summary.
"$CPROF" trace "$T/t.json" >"$T/sum.out" 2>"$T/sum.err"
eq summary_exit_status $? 0
check summary_header grep -Eq '^Threads: 6, CPU samples: [0-9]+, blocked intervals: [0-9]+$' "$T/sum.out"
check summary_no_drops grep -qx 'Dropped events: 0' "$T/sum.out"
check summary_busy_running grep -Eq '^ +[0-9]+  busy +[1-9][0-9.]*ms ' "$T/sum.out"
check summary_every_thread sh -c "grep -Ec '^ +[0-9]+  (trace|busy|sleeper|short|consumer|waiter) ' '$T/sum.out' | grep -qx 6"
if nm -D "$LIB" 2>/dev/null | grep -q ' T pthread_cond_wait'; then
	# Each wait's stack starts at the program's call.
	check summary_condvar_wait sh -c "sed -n '/^Longest waits/,\$p' '$T/sum.out' | grep -A1 ' condvar tid ' | grep -q '^ *consume '"
	check summary_mutex_wait sh -c "sed -n '/^Longest waits/,\$p' '$T/sum.out' | grep -A1 ' mutex tid ' | grep -q '^ *wait_for_hot '"
	"$CPROF" trace -n 1 "$T/t.json" >"$T/sum1.out"
	check summary_top_1 grep -q '^Longest waits (1 of ' "$T/sum1.out"
fi
check summary_stderr_empty test ! -s "$T/sum.err"

# A full buffer: a 4 KiB buffer and the CPU profiler's 1000 Hz samples
# (the trace shares them): the buffer wraps, the earliest events dropped,
# counted and said, the latest kept (the busy thread's exit).
n=overflow
hrun $n CPROF_TRACE="$T/o.json" CPROF_TRACE_BUFFER_KB=4 CPROF_CPU=/dev/null CPROF_HZ=1000 \
	"$T/trace" run
want_rc $n 0
eq ${n}_parses "$($J "$T/o.json" parses)" yes
d=$($J "$T/o.json" dropped)
check "${n}_dropped_counted ($d)" sh -c "set -- $d; [ \"\$1\" -gt 0 ] && [ \"\$2\" -ge \"\$1\" ]"
one_line $n "$T/$n.err" '^cprof: trace: [0-9]+ events dropped'
case " $($J "$T/o.json" lifecycle busy) " in
*" exit "*) ok ${n}_keeps_the_latest ;;
*) nok ${n}_keeps_the_latest "the busy thread's exit event is missing" ;;
esac
"$CPROF" trace "$T/o.json" >"$T/osum.out"
check ${n}_summary_says_dropped grep -Eq '^Dropped events: [1-9][0-9]* ' "$T/osum.out"

# A sample that lands while its thread records a blocked interval waits
# in a one-event slot and is written after it: 100 000 waits that time out
# at once, sampled at 1000 Hz into a buffer that never wraps, lose at most
# one event (two samples in one recording); without the slot, every such
# sample would be lost.
n=waits
if [ -n "$SANITIZE" ]; then
	na ${n}_samples_kept "under a sanitizer a recording is long enough for two samples in one"
else
	hrun $n CPROF_TRACE="$T/w.json" CPROF_TRACE_BUFFER_KB=65536 CPROF_CPU=/dev/null CPROF_HZ=1000 \
		"$T/trace" waits 100000
	want_rc $n 0
	d=$(grep -o '"dropped_events":[0-9]*' "$T/w.json" | cut -d: -f2)
	check "${n}_samples_kept (${d:-no count} dropped)" sh -c "[ -n '$d' ] && [ '$d' -le 1 ]"
	rm -f "$T/w.json"
fi

# The API's contract.
n=api
hrun $n "$T/trace" api "$T/api.json"
want_rc $n 0
sed -n 's/^ok /ok /p; s/^not ok /not ok /p' "$T/$n.out"
eq ${n}_parses "$($J "$T/api.json" parses)" yes
if [ -z "$TSAN" ]; then
	s=$($J "$T/api.json" samples_in busy busy_spin)
	check "${n}_busy_spin_sampled ($s)" [ "${s:-0}" -ge 3 ]
fi

# A forked child goes on into path.PID, with its own threads.  (Not under
# ThreadSanitizer: the trace's service thread makes the parent
# multi-threaded at the fork, and TSan kills a child that then starts a
# thread, as the program's child does.)
n=fork
if [ -n "$TSAN" ]; then
	na ${n}_child "ThreadSanitizer kills a child that starts a thread after a multi-threaded fork"
else
	mkdir -p "$T/fork"
	hrun $n CPROF_TRACE="$T/fork/t.json" "$T/trace" fork
	want_rc $n 0
	child=$(sed -n 's/^child //p' "$T/$n.out")
	eq ${n}_parent_parses "$($J "$T/fork/t.json" parses)" yes
	eq ${n}_child_parses "$($J "$T/fork/t.json.$child" parses)" yes
	eq ${n}_child_short_thread "$($J "$T/fork/t.json.$child" lifecycle short)" "create start exit"
	eq ${n}_parent_has_no_short "$($J "$T/fork/t.json" lifecycle short)" ""
fi

# Death by a signal (SIGTERM's default action): the trace is written, the
# status is the signal's.
n=sigterm
(LD_PRELOAD="$PRELOAD" CPROF_TRACE="$T/sig.json" exec "$T/trace" wait >"$T/$n.out" 2>"$T/$n.err") &
pid=$!
i=0
while [ $i -lt 100 ] && ! grep -q ready "$T/$n.out" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
kill -TERM $pid
wait $pid 2>/dev/null
eq ${n}_exit_status_143 $? 143
eq ${n}_parses "$($J "$T/sig.json" parses)" yes
eq ${n}_busy_thread_named "$($J "$T/sig.json" names)" "busy trace"

# A bad path: one line, the program runs as it would.
n=badpath
hrun $n CPROF_TRACE=/nonexistent/dir/t.json "$T/trace" run
want_rc $n 0
one_line $n "$T/$n.err" "^cprof: cannot trace to '/nonexistent/dir/t.json'"
check ${n}_output grep -q '^condvar_wait_ns' "$T/$n.out"

# Bad input to `cprof trace`: one line, exit 1.
printf '{"traceEvents":[{"name":"x","ph":"i"' >"$T/trunc.json"
/usr/bin/python3 -c "print('[' * 5000 + ']' * 5000)" >"$T/deep.json"
printf 'not json at all\n' >"$T/text.json"
printf '{"other": []}\n' >"$T/notrace.json"
for c in "missing:$T/none.json:No such file" "text:$T/text.json:not valid JSON" \
	"truncated:$T/trunc.json:unexpected end of input" "deep:$T/deep.json:nested deeper than 64" \
	"notrace:$T/notrace.json:not a trace"; do
	name=${c%%:*} rest=${c#*:}
	f=${rest%%:*} msg=${rest#*:}
	"$CPROF" trace "$f" >"$T/bad.out" 2>"$T/bad.err"
	eq badinput_${name}_exit_1 $? 1
	one_line badinput_$name "$T/bad.err" "^cprof: trace: .*$msg"
	check badinput_${name}_no_stdout test ! -s "$T/bad.out"
done
"$CPROF" trace -n x "$T/t.json" >/dev/null 2>"$T/bad.err"
eq badinput_flag_exit_2 $? 2
"$CPROF" trace -h >"$T/help.out"
check help_mentions_perfetto grep -q perfetto "$T/help.out"

# Third-party programs: the same exit status and output with the trace on
# as without libcprof (and without a sanitizer's runtime, which some of
# them do not survive preloaded alone), and the trace written (the
# program's own file, or path.PID for children).
third() { # third NAME CMD...: compare, then judge every trace file written
	_n=$1; shift
	mkdir -p "$T/3p/$_n"
	(cd "$T/3p" && timeout -k 5 "$RUN_TIMEOUT" "$@" >"$T/3p/$_n.want" 2>"$T/3p/$_n.want.err")
	_w=$?
	(cd "$T/3p" && timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" \
		CPROF_TRACE="$T/3p/$_n/t.json" "$@" >"$T/3p/$_n.out" 2>"$T/3p/$_n.err")
	_g=$?
	eq real_${_n}_exit_status "$_g" "$_w"
	check real_${_n}_stdout_unchanged cmp -s "$T/3p/$_n.want" "$T/3p/$_n.out"
	if grep -q 'cprof:' "$T/3p/$_n.err"; then
		nok real_${_n}_quiet "$(grep 'cprof:' "$T/3p/$_n.err" | head -n 2 | tr '\n' '|')"
	else
		ok real_${_n}_quiet
	fi
	check real_${_n}_trace_written test -s "$T/3p/$_n/t.json"
	_bad=0
	for _f in "$T/3p/$_n"/t.json*; do
		[ "$($J "$_f" parses 2>/dev/null)" = yes ] || _bad=$((_bad + 1))
	done
	eq real_${_n}_every_trace_parses "$_bad" 0
}
third python /usr/bin/python3 -c '
import threading, time
def work(i):
    s = 0
    for k in range(200000): s += k * i
    time.sleep(0.05)
ts = [threading.Thread(target=work, args=(i,), name="w%d" % i) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]; print("done")'
# (Python's join returns before the thread's last pthread destructor runs:
# the exit event of the last one may come after the trace is written.)
eq real_python_threads_created_and_started "$($J "$T/3p/python/t.json" started)" 4
third perl /usr/bin/perl -e 'my $s = 0; $s += $_ for 1..300000; print "$s\n"; exit 3'
seq 1 200000 >"$T/3p/data"
third xz sh -c "xz -T2 -c data | xz -dc | md5sum"
printf 'all:\n\t@echo one\n\t@echo two\n' >"$T/3p/Makefile"
third make make -s all
third git git --version
third bash /bin/bash -c 'for i in 1 2 3; do echo $i; done | (read a; echo got $a); sleep 0.1 & wait; exit 7'
