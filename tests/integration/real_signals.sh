# Signals and thread lifecycle stay the program's (issue 10, rows 2-6 and
# 11), on our test programs and on Debian's own (python3, xz, yes).  Every
# case runs the program without and with libcprof (CPU, and heap where it
# matters) and asserts the same exit status and output, then the profile as
# go tool pprof reads it; CPU cases also compare its total with the rusage
# of the run (tests/progs/rusage_run.c), within 10 %.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
cc_prog "$T/sig" real_sig.c
cc_prog "$T/rusage_run" rusage_run.c
RUN_TIMEOUT=60
# Background jobs of a non-interactive shell ignore SIGINT: give the program
# the default dispositions back, as a terminal would.
DFL="env"
env --default-signal=INT true 2>/dev/null && DFL="env --default-signal=INT,TERM,HUP"
ulimit -c 0

# run NAME ENV... -- CMD...: run CMD under rusage_run with ENV (LD_PRELOAD
# and CPROF_* for the profiled runs), stdout to NAME.out, stderr to
# NAME.err, CPU ms to NAME.cpu; sets rc.
run() {
	_n=$1; shift
	_env=""
	while [ "$1" != "--" ]; do _env="$_env $1"; shift; done
	shift
	timeout -k 5 $RUN_TIMEOUT $DFL "$T/rusage_run" "$T/$_n.cpu" env $_env "$@" \
		>"$T/$_n.out" 2>"$T/$_n.err"
	rc=$?
	[ "$rc" = 124 ] && echo "# $_n: timed out after ${RUN_TIMEOUT}s" >&2
}

# same NAME BASE: NAME's exit status and stdout are BASE's (recorded as
# BASE_rc by the caller).
same() {
	_want=$(cat "$T/$2.rc")
	if [ "$rc" = "$_want" ]; then ok "$1_exit_status_$rc"
	else nok "$1_exit_status" "got $rc, without cprof $_want; stderr: $(head -c 400 "$T/$1.err" | tr '\n' '|')"; fi
	if cmp -s "$T/$1.out" "$T/$2.out"; then ok "$1_same_output"
	else nok "$1_same_output" "$(diff "$T/$2.out" "$T/$1.out" | head -5 | tr '\n' '|')"; fi
}
base() { # base NAME CMD...: the run without cprof
	_n=$1; shift
	run "$_n" -- "$@"
	echo "$rc" >"$T/$_n.rc"
}
# cpu_matches NAME PROFILE: the profile's total is within 10 % of NAME's rusage.
cpu_matches() {
	[ -n "$SANITIZE" ] && return 0 # sanitizers' own CPU is outside any timer window
	_tot=$(pprof_total_ms "$2")
	_cpu=$(cat "$T/$1.cpu")
	check "$1_total_within_10pct_of_rusage (profile ${_tot:-none}ms, rusage ${_cpu}ms)" \
		within "${_tot:-0}" "$_cpu" 10
}
readable_prof() { # readable_prof NAME PROFILE: go tool pprof reads it, no warning
	if pprof_top "$2" >/dev/null 2>"$T/$1.pprof"; then ok "$1"
	else nok "$1" "$(head -c 300 "$T/$1.pprof" | tr '\n' '|')"; fi
}
# Under the sanitizers their malloc comes first and heap profiles have no
# samples to show (tests/progs/heap_lib.sh): exit status and output are
# still compared.
heap_readable() {
	[ -n "$SANITIZE" ] || readable_prof "$@"
}
quiet() { # quiet NAME: no cprof line on stderr
	check "$1_stderr_quiet" sh -c "! grep -q cprof: '$T/$1.err'"
}
# (Word-split into env's arguments: the sanitizer runtime and libcprof are
# joined with a colon, which LD_PRELOAD accepts too.)
PRE=$(echo $PRELOAD | tr ' ' ':')
CPU="LD_PRELOAD=$PRE CPROF_HZ=1000"
HEAP="LD_PRELOAD=$PRE CPROF_HEAP_RATE=1"
# Under ThreadSanitizer two kinds of case do not apply: Debian's programs
# (python3, xz, yes) are not instrumented and cannot take TSan's runtime (it
# re-executes them in a loop), and a TSan program never ends by main's
# pthread_exit, with or without cprof (TSan's background thread stays).
# Signals reach handlers late there (lib.sh), so parking is asserted only
# without it.

# ---- row 2: main calls pthread_exit ----
for n in 0 2; do
	[ -n "$TSAN" ] && break
	base pexit$n "$T/sig" pexit $n
	run pexit${n}_cpu $CPU CPROF_CPU="$T/pexit$n.pb.gz" -- "$T/sig" pexit $n
	same pexit${n}_cpu pexit$n
	quiet pexit${n}_cpu
	if [ $n = 0 ]; then
		readable_prof pexit0_cpu_profile_readable "$T/pexit0.pb.gz"
	else
		robust_profile pexit${n}_cpu "$T/pexit$n.pb.gz" pexit_work
		cpu_matches pexit${n}_cpu "$T/pexit$n.pb.gz"
	fi
	run pexit${n}_heap $HEAP CPROF_HEAP="$T/pexit${n}h.pb.gz" -- "$T/sig" pexit $n
	same pexit${n}_heap pexit$n
	# Written after main's pthread_exit: the main thread is a zombie and
	# /proc/self/maps (/proc/PID is the main thread's) is empty, so the heap
	# profile, which snapshots the mappings when written (maps.c), has none
	# and pprof warns "Main binary filename not available": readable only.
	check pexit${n}_heap_profile_readable sh -c "go tool pprof -raw '$T/pexit${n}h.pb.gz' >/dev/null 2>&1"
done

# ---- row 3: Python's KeyboardInterrupt; dispositions as the program sees them ----
cat >"$T/ki.py" <<'PY'
import os, sys, time
print("ready", os.getpid(), flush=True)
t = time.time()
try:
    while time.time() - t < 0.3:
        pass
    time.sleep(30)
except KeyboardInterrupt:
    print("KI")
    if sys.argv[1] == "reraise":
        raise
PY
# ki NAME MODE ENV...: python3 ki.py MODE in the background, SIGINT once ready.
ki() {
	_n=$1 _m=$2; shift 2
	rm -f "$T/$_n.out"
	timeout -k 5 $RUN_TIMEOUT $DFL "$@" /usr/bin/python3 "$T/ki.py" $_m >"$T/$_n.out" 2>"$T/$_n.err" &
	_bg=$!
	_i=0
	while [ $_i -lt 300 ] && ! grep -q ready "$T/$_n.out" 2>/dev/null; do sleep 0.1; _i=$((_i + 1)); done
	kill -INT "$(sed -n 's/^ready //p' "$T/$_n.out")" 2>/dev/null
	wait $_bg
	rc=$?
	sed -i 's/^ready .*/ready/' "$T/$_n.out"
}
for m in catch reraise; do
	[ -n "$TSAN" ] && break
	ki ki_$m $m
	echo "$rc" >"$T/ki_$m.rc"
	ki ki_${m}_cpu $m $CPU CPROF_CPU="$T/ki_$m.pb.gz"
	same ki_${m}_cpu ki_$m
	readable_prof ki_${m}_cpu_profile_readable "$T/ki_$m.pb.gz"
	ki ki_${m}_heap $m $HEAP CPROF_HEAP="$T/ki_${m}h.pb.gz"
	same ki_${m}_heap ki_$m
	heap_readable ki_${m}_heap_profile_readable "$T/ki_${m}h.pb.gz"
done
py='import signal as s; print([s.getsignal(x) for x in (s.SIGINT, s.SIGTERM, s.SIGHUP, s.SIGPIPE, s.SIGUSR1)])'
if [ -z "$TSAN" ]; then
	base pysig /usr/bin/python3 -c "$py"
	run pysig_cpu $CPU CPROF_CPU="$T/pysig.pb.gz" -- /usr/bin/python3 -c "$py"
	same pysig_cpu pysig
fi
base dispo "$T/sig" dispo
run dispo_cpu $CPU CPROF_CPU="$T/dispo.pb.gz" -- "$T/sig" dispo
same dispo_cpu dispo

# ---- row 4: SIGTERM with busy threads: stop where they stand, die of it ----
run term_cpu $CPU CPROF_CPU="$T/term.pb.gz" -- "$T/sig" term 3
expect_rc term_cpu 143
# "after": a thread saw the flag main set just before raise(); at most once
# each, within the instant between the two (it then burns 100 ms).
if [ -z "$TSAN" ]; then
	after=$(grep -c '^after$' "$T/term_cpu.out")
	check "term_cpu_threads_stopped ($after lines after the signal)" test "$after" -le 3
	check term_cpu_no_eintr sh -c "! grep -q eintr '$T/term_cpu.out'"
	robust_profile term_cpu "$T/term.pb.gz" term_work
fi
run term_heap $HEAP CPROF_HEAP="$T/termh.pb.gz" -- "$T/sig" term 3
expect_rc term_heap 143
if [ -z "$TSAN" ]; then
	check term_heap_no_eintr sh -c "! grep -q eintr '$T/term_heap.out'"
	heap_readable term_heap_profile_readable "$T/termh.pb.gz"
fi

# ---- rows 5, 6: sigwait/signalfd with every signal blocked ----
for m in sigwait signalfd; do
	base $m "$T/sig" $m
	run ${m}_cpu $CPU CPROF_CPU="$T/$m.pb.gz" -- "$T/sig" $m
	same ${m}_cpu $m
	check ${m}_got_usr1 grep -q '^got signal 10$' "$T/${m}_cpu.out"
	robust_profile ${m}_cpu "$T/$m.pb.gz" blocked_work main_work
	cpu_matches ${m}_cpu "$T/$m.pb.gz"
done

# xz -T2: liblzma's workers block every signal (mythread_create).
[ -n "$TSAN" ] || {
head -c 3000000 "$CPROF_BUILD/libcprof.so" >"$T/xz.in"
cat "$T/xz.in" "$T/xz.in" "$T/xz.in" "$T/xz.in" >"$T/xz.in2"
base xz xz -T2 -3 --block-size=1MiB -c "$T/xz.in2"
run xz_cpu $CPU CPROF_CPU="$T/xz.pb.gz" -- xz -T2 -3 --block-size=1MiB -c "$T/xz.in2"
same xz_cpu xz
if robust_profile xz_cpu "$T/xz.pb.gz"; then
	cpu_matches xz_cpu "$T/xz.pb.gz"
	# Most of it in liblzma (symbols, or the library's name without them).
	if [ -z "$TSAN" ]; then
		share=$(awk 'NR > 5 { v = $1; sub(/ms$/, "", v); t += v; if ($NF ~ /lzma/) l += v }
			END { if (t > 0) printf "%d", 100 * l / t; else print 0 }' "$T/xz_cpu.top")
		check "xz_cpu_mostly_liblzma (${share}%)" test "$share" -ge 70
	fi
fi
}

# ---- row 11: deaths by SIGPIPE, SIGUSR1, SIGQUIT, SIGALRM; crashes ----
{ timeout -k 5 $RUN_TIMEOUT "$T/sig" pipe; echo $? >"$T/pipe.rc"; } | head -n 1 >"$T/pipe.out"
{ timeout -k 5 $RUN_TIMEOUT env $CPU CPROF_CPU="$T/pipe.pb.gz" "$T/sig" pipe 2>"$T/pipe_cpu.err"; echo $? >"$T/pipe_cpu.rc"; } |
	head -n 1 >"$T/pipe_cpu.out"
rc=$(cat "$T/pipe_cpu.rc")
same pipe_cpu pipe
robust_profile pipe_cpu "$T/pipe.pb.gz" pipe_work
[ -n "$TSAN" ] || {
{ timeout -k 5 $RUN_TIMEOUT yes; echo $? >"$T/yes.rc"; } | head -n 1 >"$T/yes.out"
{ timeout -k 5 $RUN_TIMEOUT env $CPU CPROF_CPU="$T/yes.pb.gz" yes 2>"$T/yes_cpu.err"; echo $? >"$T/yes_cpu.rc"; } |
	head -n 1 >"$T/yes_cpu.out"
rc=$(cat "$T/yes_cpu.rc")
same yes_cpu yes
readable_prof yes_cpu_profile_readable "$T/yes.pb.gz"
}
for s in 10 3 14; do
	base raise$s "$T/sig" raise $s
	run raise${s}_cpu $CPU CPROF_CPU="$T/raise$s.pb.gz" -- "$T/sig" raise $s
	same raise${s}_cpu raise$s
	robust_profile raise${s}_cpu "$T/raise$s.pb.gz" raise_work
	run raise${s}_heap $HEAP CPROF_HEAP="$T/raise${s}h.pb.gz" -- "$T/sig" raise $s
	same raise${s}_heap raise$s
	heap_readable raise${s}_heap_profile_readable "$T/raise${s}h.pb.gz"
done
# Crashes: no profile from a crashed process, one line saying so; the
# process dies of its signal as without cprof.
base abort "$T/sig" raise 6
base segv "$T/sig" segv
for c in abort segv; do
	case $c in abort) a="raise 6" ;; segv) a=segv ;; esac
	run ${c}_cpu $CPU CPROF_CPU="$T/$c.pb.gz" -- "$T/sig" $a
	same ${c}_cpu $c
	lines=$(grep -c 'cprof:' "$T/${c}_cpu.err")
	# Under a sanitizer its SIGSEGV handler came first: it is the
	# program's, and cprof keeps out.
	if [ $c = segv ] && [ -n "$SANITIZE" ]; then
		check "${c}_cpu_sanitizer_handles_it ($lines)" test "$lines" = 0
	else
		check "${c}_cpu_one_line ($lines)" sh -c "[ $lines = 1 ] && grep -q crashed '$T/${c}_cpu.err'"
	fi
done
