# Heap profiles written at death and in snapshots (issue 3, case 7): a
# program killed by SIGTERM, SIGINT or SIGHUP (left at their default action)
# still writes CPROF_HEAP, and dies of the signal; CPROF_HEAP_INTERVAL=1
# writes path.0001 while the program runs (the program waits for it: no
# timing assumption); `cprof record --heap FILE -- prog` writes FILE.  At
# rate 1, hold_site's 100 x 10000 B are in use in each of them.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/host" heap_host.c -ldl
# Background jobs of a non-interactive shell ignore SIGINT: restore the
# default action where env can.
DFL="env"
env --default-signal=INT true 2>/dev/null && DFL="env --default-signal=INT,TERM,HUP"

# hold_ok NAME PROFILE: readable with every sample index, hold_site's objects
# in use.
hold_ok() {
	if [ -n "$NOSAMPLE" ]; then
		skip "$1_profile" "$NOSAMPLE_WHY"
		return
	fi
	check "$1_readable" readable "$2"
	eq "$1_hold_site_inuse" "$(flat "$2" inuse_space hold_site)" 1000000
}

# Only the host is profiled: `timeout` (which re-raises the signal its child
# died of) would write its own profile at the same path when it dies.
# die NAME SIG MODE [ENV...]: run `host MODE` until it prints "ready", kill
# it with SIG, wait; rc holds its exit status as timeout reports it (128 +
# signal for a death by signal).
die() {
	n=$1 sig=$2 mode=$3
	shift 3
	$DFL timeout -s KILL 60 env LD_PRELOAD="$PRELOAD" "$@" "$T/host" $mode \
		>"$T/$n.out" 2>"$T/$n.err" &
	bg=$!
	i=0
	while [ $i -lt 300 ] && ! grep -q ready "$T/$n.out" 2>/dev/null && kill -0 $bg 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	# timeout runs the host as its only child: signal the host itself.
	pid= j=0
	while [ -z "$pid" ] && [ $j -lt 50 ] && kill -0 $bg 2>/dev/null; do
		pid=$(pgrep -P $bg | head -n 1)
		[ -n "$pid" ] || sleep 0.1
		j=$((j + 1))
	done
	if [ -n "$pid" ]; then
		kill -s $sig "$pid" 2>/dev/null
		echo "test: sent SIG$sig to $pid" >>"$T/$n.err"
	else
		echo "test: no host process under timeout $bg" >>"$T/$n.err"
	fi
	wait $bg
	rc=$?
}

for sig in TERM INT HUP; do
	n=die_$sig p=$T/$n.pb.gz
	[ $sig = INT ] && [ "$DFL" = env ] && { skip "$n" "env cannot restore SIGINT's default action"; continue; }
	die $n $sig wait CPROF_HEAP="$p" CPROF_HEAP_RATE=1
	case $sig in TERM) want=143 ;; INT) want=130 ;; HUP) want=129 ;; esac
	want_rc $n $want
	hold_ok $n "$p"
done

# A single-threaded program profiled for the heap has no cprof thread (one
# would move glibc's malloc off its single-thread path: service.c); the
# handler writes the profile itself.  Once the program starts a thread of its
# own, cprof's service thread is started too, and writes it.
if [ -n "$NOSAMPLE" ]; then
	skip threads_single "$NOSAMPLE_WHY"
else
	check threads_single grep -q '^ready threads=1$' "$T/die_TERM.out"
	n=die_threaded p=$T/$n.pb.gz
	die $n TERM twait CPROF_HEAP="$p" CPROF_HEAP_RATE=1
	check ${n}_service_thread grep -q '^ready threads=3$' "$T/$n.out"
	want_rc $n 143
	hold_ok $n "$p"
fi

# Another malloc before libcprof's (jemalloc preloaded first; likewise a
# sanitizer's): the program allocates without passing through cprof, so the
# handler cannot tell when it is inside the allocator.  The service thread is
# started at once and writes; the program dies of the signal.
JE=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if [ -n "$NOSAMPLE" ] || [ ! -f "$JE" ]; then
	skip other_malloc_first "${NOSAMPLE_WHY:-no $JE (Debian libjemalloc2)}"
else
	n=other_malloc_wait
	PRELOAD_SAVED=$PRELOAD PRELOAD="$JE $PRELOAD"
	die $n TERM wait CPROF_HEAP="$T/$n.pb.gz" CPROF_HEAP_RATE=1
	check ${n}_service_thread grep -q '^ready threads=2$' "$T/$n.out"
	want_rc $n 143
	n=other_malloc_churn
	die $n TERM churn CPROF_HEAP="$T/$n.pb.gz" CPROF_HEAP_RATE=1
	want_rc $n 143
	PRELOAD=$PRELOAD_SAVED
fi

# Signals landing inside malloc, realloc or cprof's sampling: the handler
# waits (1 ms retries) until the program is out, then writes.  Ten kills at
# different moments; each must die of SIGTERM with a complete profile.
for rate in 1 4096; do
	k=0
	while [ $k -lt 5 ]; do
		n=churn_${rate}_$k p=$T/$n.pb.gz
		die $n TERM churn CPROF_HEAP="$p" CPROF_HEAP_RATE=$rate
		want_rc $n 143
		if [ -n "$NOSAMPLE" ]; then
			skip ${n}_profile "$NOSAMPLE_WHY"
		else
			check ${n}_readable readable "$p"
			v=$(flat "$p" alloc_objects churn_loop)
			case $v in
			'' | 0 | *[!0-9]*) nok ${n}_churn_site "churn_loop's alloc_objects: '$v'" ;;
			*) ok ${n}_churn_site ;;
			esac
		fi
		k=$((k + 1))
	done
done

# A signal that lands while glibc's allocator is blocked holding its lock
# (malloc_stats writing to a full pipe): the handler sees glibc's allocator on
# the interrupted stack (cprof's interposers tail-call it: no cprof frame is
# there) and waits; the program lives on until the pipe is read, then dies
# of SIGTERM with its profile.  Written at once instead, the profile would
# be taken while the allocator is mid-call.
n=in_glibc p=$T/$n.pb.gz
if [ -n "$NOSAMPLE" ]; then
	skip $n "$NOSAMPLE_WHY"
else
	rm -f "$T/$n.fifo"
	mkfifo "$T/$n.fifo"
	$DFL timeout -s KILL 60 env LD_PRELOAD="$PRELOAD" CPROF_HEAP="$p" CPROF_HEAP_RATE=1 \
		"$T/host" stats >"$T/$n.out" 2>"$T/$n.fifo" &
	bg=$!
	exec 3<"$T/$n.fifo" # unblocks the host's open of its stderr
	pid= i=0
	while [ -z "$pid" ] && [ $i -lt 100 ]; do
		pid=$(pgrep -P $bg | head -n 1)
		[ -n "$pid" ] || sleep 0.1
		i=$((i + 1))
	done
	# Wait until it is blocked in write(2, ...) inside malloc_stats.
	i=0
	while [ -n "$pid" ] && [ $i -lt 300 ]; do
		grep -q '^ready' "$T/$n.out" 2>/dev/null &&
			read -r nr fd _ <"/proc/$pid/syscall" 2>/dev/null && [ "$nr $fd" = "1 0x2" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	check ${n}_blocked test -n "$pid" -a $i -lt 300
	kill -s TERM "$pid" 2>/dev/null
	sleep 0.5
	check ${n}_waits kill -0 "$pid"
	check ${n}_no_profile_yet [ ! -s "$p" ]
	cat <&3 >/dev/null # drain: malloc_stats returns, the handler writes
	exec 3<&-
	wait $bg
	rc=$?
	want_rc $n 143
	hold_ok $n "$p"
fi

n=interval p=$T/iv.pb.gz
hrun $n CPROF_HEAP="$p" CPROF_HEAP_RATE=1 CPROF_HEAP_INTERVAL=1 "$T/host" snap "$p"
want_rc $n 0
if [ -n "$NOSAMPLE" ]; then
	skip ${n}_snapshots "$NOSAMPLE_WHY"
else
	check ${n}_snapshot_seen grep -q '^snapshot seen' "$T/$n.out"
	hold_ok ${n}_0001 "$p.0001"
	hold_ok ${n}_final "$p"
fi
quiet $n

# cprof record --heap.  It preloads libcprof itself (first): under ASan the
# sanitizer runtime must come first, which it cannot give.
n=record p=$T/rec.pb.gz
if [ -n "$NOSAMPLE" ]; then
	skip $n "cprof record puts libcprof first in LD_PRELOAD; ASan needs its runtime first"
else
	REC_PRELOAD=$(echo "$PRELOAD" | sed "s|$LIB||; s|^ *||; s| *\$||")
	(cd "$T" && LD_PRELOAD="$REC_PRELOAD" CPROF_HEAP_RATE=1 timeout -k 5 "$RUN_TIMEOUT" "$CPROF" record \
		-o "$T/rec_cpu.pb.gz" --heap rec.pb.gz -- "$T/host" run >"$T/$n.out" 2>"$T/$n.err")
	rc=$?
	want_rc $n 7
	check ${n}_output grep -qx hello "$T/$n.out"
	hold_ok $n "$p"
fi
