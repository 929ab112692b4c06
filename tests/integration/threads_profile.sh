# The threads profile (Go's goroutine) and Go's text forms of the named
# profiles: threads parked in known functions appear with the right counts
# and states (proto, debug=1, debug=2), the thread that cannot answer is
# listed with its reason, go tool pprof reads every proto and debug=1 text
# with no warning and the same totals, bad inputs give the documented
# errors, snapshots taken over and over from several threads while others
# come and go neither crash nor hang, and inside CPython (through ctypes)
# a snapshot leaves the program's sleeps and output as they were.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/tp" threads_prof.c -L"$BUILD" -lcprof -Wl,-rpath,"$BUILD"

# quiet_pprof NAME ARGS...: go tool pprof ARGS exits 0, prints something,
# and says nothing on stderr but its headers.  Output in $T/NAME.pp.
quiet_pprof() {
	_n=$1; shift
	go tool pprof "$@" >"$T/$_n.pp" 2>"$T/$_n.pperr"
	_rc=$?
	if [ "$_rc" != 0 ]; then nok "$_n" "pprof exit $_rc: $(head -c 300 "$T/$_n.pperr" | tr '\n' '|')"
	elif [ ! -s "$T/$_n.pp" ]; then nok "$_n" "pprof printed nothing"
	elif grep -v -e '^File:' -e '^Type:' -e '^Time:' -e '^Duration:' -e '^Showing' -e '^Build ID' \
		"$T/$_n.pperr" | grep -q .; then nok "$_n" "pprof warned: $(head -c 300 "$T/$_n.pperr" | tr '\n' '|')"
	else ok "$_n"; fi
}
# cum FILE FUNC: the cum count of FUNC in a -top output (0 if absent).
cum() { awk -v f="$2" 'NR > 1 && $NF == f { print $4; found = 1; exit } END { if (!found) print 0 }' "$1"; }
# total FILE: "Showing nodes accounting for X, ... of TOTAL total" → TOTAL.
total() { sed -n 's/.* of \([0-9.]*[A-Za-z]*\) total.*/\1/p' "$1" | head -n 1; }

D=$T/out
mkdir -p "$D"
n=park
timeout -k 5 120 env LD_PRELOAD="$PRELOAD" "$T/tp" park "$D" >"$T/$n.out" 2>"$T/$n.err"
rc=$?
eq ${n}_exit_status "$rc" 0
check ${n}_output grep -qx "parked done" "$T/$n.out"
check ${n}_stderr_empty sh -c "! grep -v -e '^==' -e 'ThreadSanitizer\|WARNING' '$T/$n.err' | grep -q cprof"

# The proto, under both names.
for nm in threads goroutine; do
	p=$D/$nm.pb.gz
	quiet_pprof ${nm}_proto_raw -raw "$p"
	check ${nm}_sample_type grep -qx "$nm/count" "$T/${nm}_proto_raw.pp"
	check ${nm}_period_type grep -qx "PeriodType: $nm count" "$T/${nm}_proto_raw.pp"
	check ${nm}_period grep -qx "Period: 1" "$T/${nm}_proto_raw.pp"
	quiet_pprof ${nm}_proto_top -top -nodefraction=0 -nodecount=100000 "$p"
done
top=$T/threads_proto_top.pp
tot=$(total "$top")
# Seven threads of the program and main; under TSan also its own thread.
if [ -n "$TSAN" ]; then
	check proto_total_at_least_8 test "${tot:-0}" -ge 8
else
	eq proto_total "$tot" 8
fi
# TSan's own thread blocks every signal: one more not answering, unless
# it sleeps in a system call (its stack is then copied).
# between NAME GOT LO HI
between() { if [ "${2:-x}" -ge "$3" ] 2>/dev/null && [ "$2" -le "$4" ]; then ok "$1"; else nok "$1" "got '$2', want $3..$4"; fi; }
between proto_blocked_listed "$(cum "$top" cprof.threadNotResponding)" 1 $((1 + ${TSAN:-0}))
check proto_reason_label grep -q 'reason:\[SIGPROF blocked\]' "$T/threads_proto_raw.pp"
if [ -n "$TSAN" ]; then
	# TSan delivers a signal at the thread's next intercepted call: the
	# spinning thread makes none, and answers no one.
	na proto_park_cond "stacks under TSan are taken late (tests/lib.sh)"
else
	eq proto_park_cond "$(cum "$top" park_cond)" 3
	eq proto_park_sleep "$(cum "$top" park_sleep)" 2
	eq proto_nap "$(cum "$top" nap)" 2
	eq proto_park_spin "$(cum "$top" park_spin)" 1
	# The calling thread: from its call into libcprof, no frame of cprof's.
	eq proto_caller "$(cum "$top" write_to)" 1
	eq proto_no_cprof_frames "$(cum "$top" cprof__threads_snapshot)" 0
fi

# debug=1: Go's count-profile text, read back by pprof with the same total.
for nm in threads goroutine; do
	f=$D/$nm.txt
	check ${nm}_text_header grep -qx "$nm profile: total ${tot:-x}" "$f"
	quiet_pprof ${nm}_text_top -top -nodefraction=0 -nodecount=100000 "$f"
	eq ${nm}_text_total "$(total "$T/${nm}_text_top.pp")" "$tot"
done
check text_frames grep -q '^#	0x[0-9a-f]*	park_cond+0x[0-9a-f]*	.*threads_prof.c:[0-9]*$' "$D/threads.txt"
check text_not_responding grep -q '^#	0x0	cprof.threadNotResponding	reason=SIGPROF blocked$' "$D/threads.txt"
if [ -z "$TSAN" ]; then
	eq text_park_cond "$(cum "$T/threads_text_top.pp" park_cond)" 3
	check text_sorted_by_count awk '/ @ / { if (prev != "" && $1 > prev) exit 1; prev = $1 }' "$D/threads.txt"
	eq text_first_record "$(grep -m1 ' @ ' "$D/threads.txt" | cut -d' ' -f1)" 3
fi

# debug=2: one block per thread, with its state.
f=$D/threads2.txt
eq dump_blocks "$(grep -c '^thread [0-9]* ".*" \[.*\]:$' "$f")" "$tot"
between dump_blocked_reason "$(grep -c '^	reason: SIGPROF blocked$' "$f")" 1 $((1 + ${TSAN:-0}))
if [ -z "$TSAN" ]; then
	# the thread's state, then its frames: the header of the block that
	# holds FUNC.
	state_of() { awk -v f="$1" '/^thread / { h = $0 } $0 ~ "^" f "\\(" { print h }' "$f"; }
	eq dump_park_cond_futex "$(state_of park_cond | grep -c '\[futex\]:$')" 3
	eq dump_park_sleep_nanosleep "$(state_of park_sleep | grep -c '\[nanosleep\]:$')" 2
	eq dump_park_spin_running "$(state_of park_spin | grep -c '\[running\]:$')" 1
	eq dump_caller_running "$(state_of write_to | grep -c '\[running\]:$')" 1
	check dump_frame_form grep -q '^	.*threads_prof.c:[0-9]* +0x[0-9a-f]*$' "$f"
fi
# Its state as /proc gave it: it spins in user space (a thread with
# SIGPROF blocked that sleeps in a system call has its stack copied).
check dump_blocked_state sh -c "grep -B2 '^	reason: SIGPROF blocked' '$f' | grep -q '\[running\]:'"
# debug=3 is Go's debug >= 2: the same dump.
check dump_debug3 grep -q '^thread [0-9]* ".*" \[.*\]:$' "$D/threads3.txt"

# threadcreate: debug=1 read back with the proto's total; debug=2 is the
# debug=1 text (Go's: only goroutine has a dump).
quiet_pprof tc_text_top -top "$D/threadcreate.txt"
quiet_pprof tc_proto_top -top "$D/threadcreate.pb.gz"
eq tc_text_total "$(total "$T/tc_text_top.pp")" "$(total "$T/tc_proto_top.pp")"
check tc_text_header grep -qx 'threadcreate profile: total 7' "$D/threadcreate.txt"
check tc_debug2_is_debug1 cmp -s "$D/threadcreate.txt" "$D/threadcreate2.txt"

# heap and allocs at debug=1: Go's heap text with the raw sample counts;
# pprof unscales them as cprof scales the proto (rounding: within 1 %).
check heap_text_header grep -q '^heap profile: [0-9]*: [0-9]* \[[0-9]*: [0-9]*\] @ heap/[0-9]*$' "$D/heap.txt"
check heap_text_stats grep -q '^# Allocs = [0-9]*$' "$D/heap.txt"
check allocs_text_same_form grep -q '^heap profile: ' "$D/allocs.txt"
if [ -n "$NOSAMPLE" ]; then
	# Nothing sampled: an empty heap text, still read by pprof.
	quiet_pprof heap_text_raw -raw "$D/heap.txt"
	na heap_text_totals "$NOSAMPLE_WHY"
else
	for si in inuse_space inuse_objects alloc_space alloc_objects; do
		quiet_pprof heap_text_$si -top -sample_index=$si -unit=B "$D/heap.txt"
		quiet_pprof heap_proto_$si -top -sample_index=$si -unit=B "$D/heap.pb.gz"
		a=$(total "$T/heap_text_$si.pp" | tr -d 'B') b=$(total "$T/heap_proto_$si.pp" | tr -d 'B')
		check "heap_text_total_${si}_within_1pct ($a vs $b)" within "${a:-0}" "${b:-0}" 1
	done
fi

# A thread that cannot take the signal in time (in vfork while its child
# sleeps for a second): listed with its state and reason; its late answer,
# once back, writes nothing into freed slots, and the next snapshot is whole.
n=late
timeout -k 5 60 env LD_PRELOAD="$PRELOAD" "$T/tp" late "$D" >"$T/$n.out" 2>"$T/$n.err"
eq ${n}_exit_status "$?" 0
check ${n}_done grep -qx "late done" "$T/$n.out"
if [ -n "$TSAN" ]; then
	na ${n}_listed "TSan runs vfork as fork"
else
	check ${n}_listed grep -q '^	reason: no answer within 100 ms$' "$D/late.txt"
	check ${n}_state grep -q '^thread [0-9]* ".*" \[disk sleep, vfork\]:$' "$D/late.txt"
	eq ${n}_blocks "$(grep -c '^thread ' "$D/late.txt")" 2
fi
eq ${n}_after_blocks "$(grep -c '^thread ' "$D/after.txt")" $((1 + ${TSAN:-0}))
check ${n}_after_answers sh -c "! grep -q 'reason: no answer' '$D/after.txt'"

# A snapshot cuts no wait short: threads blocked in system calls are not
# signalled (their stacks are copied), so while 50 snapshots are taken
# from another thread, 300 ms waits in nanosleep, epoll_wait, poll,
# pthread_cond_timedwait and select all last their time and return their
# timeout, sem_wait and a pipe's read never fail with EINTR — and every
# one of those threads is in the profile, in its waiting function, in the
# proto, debug=1 and debug=2 (main waits in pthread_join; the seventh,
# in read, has SIGPROF blocked).
n=nointr
timeout -k 5 120 env LD_PRELOAD="$PRELOAD" "$T/tp" nointr "$D" 50 >"$T/$n.out" 2>"$T/$n.err"
rc=$?
eq ${n}_exit_status "$rc" 0
check ${n}_done grep -q '^nointr done [1-9]' "$T/$n.out"
if grep -q '^cut ' "$T/$n.out"; then
	nok ${n}_no_wait_cut "$(grep -c '^cut ' "$T/$n.out") waits cut: $(grep '^cut ' "$T/$n.out" | head -4 | tr '\n' '|')"
else
	ok ${n}_no_wait_cut
fi
quiet_pprof ${n}_proto_top -top -nodefraction=0 -nodecount=100000 "$D/nointr.pb.gz"
quiet_pprof ${n}_text_top -top -nodefraction=0 -nodecount=100000 "$D/nointr.txt"
f=$D/nointr2.txt
for fn in wait_nanosleep wait_sem wait_epoll wait_poll wait_cond wait_select wait_read; do
	if [ -n "$SANITIZE" ] && [ $fn = wait_read ]; then
		# ASan's and TSan's read interceptors have an rbp-based CFA: a
		# copied stack (no rbp) ends in them (docs/PROFILES.md).
		na ${n}_${fn} "the sanitizer's read interceptor ends a copied stack"
		continue
	fi
	if [ -n "$TSAN" ]; then
		# TSan's interceptors: the stacks come out, through its frames.
		check ${n}_${fn}_dump grep -q "^$fn(" "$f"
		continue
	fi
	eq ${n}_${fn}_proto "$(cum "$T/${n}_proto_top.pp" $fn)" 1
	eq ${n}_${fn}_text "$(cum "$T/${n}_text_top.pp" $fn)" 1
	eq ${n}_${fn}_dump "$(grep -c "^$fn(" "$f")" 1
done
eq ${n}_main_in_join "$(cum "$T/${n}_proto_top.pp" main)" 1
# (TSan's own thread, every signal blocked, when it runs in user space.)
between ${n}_nothing_missing "$(grep -c 'cprof.threadNotResponding' "$D/nointr.txt")" 0 ${TSAN:-0}
if [ -z "$TSAN" ]; then
	state_of() { awk -v f="$1" '/^thread / { h = $0 } $0 ~ "^" f "\\(" { print h }' "$f"; }
	for p in nanosleep:nanosleep epoll:epoll_wait poll:poll select:select read:read \
		sem:futex cond:futex; do
		[ -n "$SANITIZE" ] && [ $p = read:read ] && continue # as above
		eq ${n}_state_${p%%:*} "$(state_of wait_${p%%:*} | grep -c "\[${p#*:}\]:\$")" 1
	done
fi

# With the block profile on, cprof's interposers record the waits: a
# thread whose stack is copied shows that record as its state all the
# same (read from its TLS), and still no wait is cut.
n=nointr_block
timeout -k 5 120 env LD_PRELOAD="$PRELOAD" CPROF_BLOCK="$T/nb.pb.gz" "$T/tp" nointr "$D" 10 \
	>"$T/$n.out" 2>"$T/$n.err"
eq ${n}_exit_status "$?" 0
check ${n}_no_wait_cut sh -c "! grep -q '^cut ' '$T/$n.out'"
if [ -z "$TSAN" ]; then
	f=$D/nointr2.txt
	eq ${n}_sem_state "$(grep -c '^thread [0-9]* ".*" \[semaphore wait, [0-9.]* [a-z]*\]:$' "$f")" 1
	eq ${n}_cond_state "$(grep -c '^thread [0-9]* ".*" \[condvar wait, [0-9.]* [a-z]*\]:$' "$f")" 1
	eq ${n}_join_state "$(grep -c '^thread [0-9]* ".*" \[join wait, [0-9.]* [a-z]*\]:$' "$f")" 1
fi

# Bad inputs: the documented errors (include/cprof.h).
n=bad
timeout -k 5 120 env LD_PRELOAD="$PRELOAD" "$T/tp" bad >"$T/$n.out" 2>"$T/$n.err"
eq ${n}_exit_status "$?" 0
grep -E '^(not )?ok ' "$T/$n.out"
eq ${n}_cases "$(grep -c '^ok ' "$T/$n.out")" "$(grep -c 'ok ' "$T/$n.out")"

# Snapshots from 4 threads, 100 each, while threads are created and exit.
n=stress
timeout -k 5 240 env LD_PRELOAD="$PRELOAD" "$T/tp" stress 100 >"$T/$n.out" 2>"$T/$n.err"
rc=$?
eq ${n}_exit_status "$rc" 0
check ${n}_done grep -qx "stress done" "$T/$n.out"

# Inside CPython: its threads sleep (time.sleep, retried on EINTR, PEP 475)
# and wait (threading.Event); a snapshot through ctypes lists them all and
# the program's sleeps and output are as without it.
PY=/usr/bin/python3
cat >"$T/snap.py" <<'EOF'
import ctypes, os, sys, threading, time
lib = ctypes.CDLL(None)
ev = threading.Event()
res = []
def sleeper():
    t0 = time.monotonic(); time.sleep(0.5); res.append(time.monotonic() - t0 >= 0.5)
def waiter():
    ev.wait(); res.append(True)
ts = [threading.Thread(target=sleeper) for i in range(2)] + \
     [threading.Thread(target=waiter) for i in range(3)]
for t in ts: t.start()
time.sleep(0.1)
snap = getattr(lib, "cprof_profile_write", None) if len(sys.argv) > 1 else None
if snap:
    for d, name in ((0, "py.pb.gz"), (1, "py.txt"), (2, "py2.txt")):
        fd = os.open(os.path.join(sys.argv[1], name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        rc = snap(b"threads", fd, d)
        os.close(fd)
        if rc: print("snapshot failed", rc, file=sys.stderr)
ev.set()
for t in ts: t.join()
print("results", sorted(res), len(res))
EOF
n=python
if [ -x "$PY" ]; then
	timeout -k 5 60 "$PY" "$T/snap.py" >"$T/${n}_base.out" 2>&1
	brc=$?
	timeout -k 5 60 env LD_PRELOAD="$PRELOAD" "$PY" "$T/snap.py" "$D" >"$T/$n.out" 2>"$T/$n.err"
	rc=$?
	eq ${n}_exit_status "$rc" "$brc"
	check ${n}_same_output cmp -s "$T/$n.out" "$T/${n}_base.out"
	check ${n}_sleeps_whole grep -qx "results \[True, True, True, True, True\] 5" "$T/$n.out"
	check ${n}_no_stderr sh -c "! grep -q . '$T/$n.err' || [ -n '$SANITIZE' ]"
	quiet_pprof ${n}_proto_top -top "$D/py.pb.gz"
	# The main thread and the five (and TSan's); no thread of cprof's.
	eq ${n}_blocks "$(grep -c '^thread [0-9]* ' "$D/py2.txt")" $((6 + ${TSAN:-0}))
	if [ -z "$TSAN" ] && [ -z "$SANITIZE" ]; then
		eq ${n}_waiters_in_futex "$(grep -c '\[futex\]:$' "$D/py2.txt")" 3
		check ${n}_caller_in_ctypes grep -q 'ffi_call' "$D/py.txt"
	fi
	quiet_pprof ${n}_text_top -top "$D/py.txt"
else
	skip $n "no /usr/bin/python3"
fi

# CPython again: 3 threads in time.sleep(0.5) and 3 in libc's nanosleep
# (through ctypes: its EINTR is not retried) while the main thread takes
# 20 snapshots: every sleep lasts its full length and nanosleep returns 0;
# the sixth snapshot holds the sleepers, with their stacks.
cat >"$T/snap2.py" <<'EOF'
import ctypes, os, sys, threading, time
lib = ctypes.CDLL(None, use_errno=True)
class timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]
res = []
def sleeper():
    t0 = time.monotonic(); time.sleep(0.5); res.append(("sleep", time.monotonic() - t0))
def napper():
    ts = timespec(0, 500000000)
    t0 = time.monotonic(); rc = lib.nanosleep(ctypes.byref(ts), None)
    res.append(("nanosleep rc %d errno %d" % (rc, ctypes.get_errno()), time.monotonic() - t0))
ts = [threading.Thread(target=sleeper) for i in range(3)] + \
     [threading.Thread(target=napper) for i in range(3)]
for t in ts: t.start()
time.sleep(0.05)
for i in range(20):
    path = os.path.join(sys.argv[1], "py3.txt") if i == 5 else os.devnull
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    rc = lib.cprof_profile_write(b"threads", fd, 2)
    os.close(fd)
    if rc: print("snapshot failed", rc)
    time.sleep(0.015)
for t in ts: t.join()
for what, dt in sorted(res): print(what, "whole" if dt >= 0.5 else "cut after %.3f s" % dt)
EOF
n=python_sleeps
if [ -x "$PY" ]; then
	timeout -k 5 60 env LD_PRELOAD="$PRELOAD" "$PY" "$T/snap2.py" "$D" >"$T/$n.out" 2>"$T/$n.err"
	eq ${n}_exit_status "$?" 0
	eq ${n}_sleeps_whole "$(grep -c '^sleep whole$' "$T/$n.out")" 3
	eq ${n}_nanosleeps_whole "$(grep -c '^nanosleep rc 0 errno 0 whole$' "$T/$n.out")" 3
	check ${n}_no_failure sh -c "! grep -q 'failed\\|cut' '$T/$n.out'"
	if [ -z "$TSAN" ]; then
		eq ${n}_in_nanosleep "$(grep -c '\[nanosleep\]:$' "$D/py3.txt")" 6
		# The time.sleep threads' stacks run from clock_nanosleep to
		# start_thread; ctypes' end in libffi's call trampoline, whose CFA
		# is rbp-based (docs/PROFILES.md).
		eq ${n}_stacks_whole "$(grep -c '^start_thread(' "$D/py3.txt")" 3
	fi
else
	skip $n "no /usr/bin/python3"
fi

# Third-party programs with libcprof preloaded, CPU and threadcreate
# profiles on (cprof's SIGPROF handler answers the timer's signals and
# would answer a snapshot's): exit status and output as without it.
head -c 300000 /dev/urandom | od -x >"$T/data"
printf 'all:\n\t@echo made $(words a b c)\n' >"$T/Makefile"
third() { # third NAME CMD...
	_n=$1; shift
	timeout -k 5 60 "$@" >"$T/${_n}_base.out" 2>/dev/null
	_brc=$?
	timeout -k 5 60 env LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/$_n.cpu.pb.gz" \
		CPROF_THREADCREATE="$T/$_n.tc.pb.gz" "$@" >"$T/$_n.out" 2>"$T/$_n.err"
	_rc=$?
	eq ${_n}_exit_status "$_rc" "$_brc"
	if cmp -s "$T/$_n.out" "$T/${_n}_base.out" && [ -s "$T/$_n.out" ]; then ok ${_n}_same_output
	else nok ${_n}_same_output "$(diff "$T/${_n}_base.out" "$T/$_n.out" | head -4 | tr '\n' '|')"; fi
}
for p in perl xz bash make git node; do
	command -v $p >/dev/null 2>&1 || { skip third_$p "no $p"; continue; }
	if [ $p = node ] && [ -n "$SANITIZE" ]; then
		# As in real_openssl.sh: an uninstrumented V8 under a preloaded
		# sanitizer runtime reports its own (TSan: "failed to restore the
		# stack") races now and then.
		na third_node "node under $SANITIZE"
		continue
	fi
	case $p in
	perl) third perl perl -e 'use strict; my $s = 0; $s += $_ for 1..300000; print "$s\n"; kill "PROF", $$ if 0' ;;
	xz) third xz sh -c "xz -T2 -3 -c '$T/data' | xz -d -T2 | md5sum" ;;
	bash) third bash bash -c 'x=0; for i in $(seq 1 20000); do x=$((x + i)); done; echo $x; (sleep 0.1; echo sub) & wait' ;;
	make) third make make -s -C "$T" -f "$T/Makefile" ;;
	git) third git git -C "$CPROF_ROOT" log --oneline -n 20 ;;
	node) third node node -e 'let s = 0; for (let i = 0; i < 3e6; i++) s += i; setTimeout(() => console.log(s), 50)' ;;
	esac
done
