# Issue 10, rows 12-14 and files written whole: Debian's programs under
# profiling, their exit status and output unchanged.
#   shared: two processes given the same CPROF_CPU path at once: the file is
#           one complete profile (temporary + rename), nothing else left.
#   fifo:   CPROF_CPU / CPROF_HEAP naming a FIFO with no reader: one
#           "cprof:" line, the program runs unprofiled (it used to block
#           before main, forever).
#   old:    an existing profile at the path is not truncated at start, and
#           survives a process killed by SIGKILL.
#   leaks:  CPROF_LEAKS_EXITCODE is for the process started with it, not for
#           every program `bash -c` runs; an exec'd child writes its heap
#           profile to path.PID, never over its parent's.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
BURN='i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo done'


# 1. Two processes, one path.
mkdir -p "$T/shared"
for k in 1 2; do
	timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/shared/cpu.pb.gz" \
		CPROF_HZ=1000 sh -c "$BURN" >"$T/shared$k.out" 2>"$T/shared$k.err" &
done
wait
for k in 1 2; do
	check "shared_${k}_output" grep -qx done "$T/shared$k.out"
	check "shared_${k}_stderr_quiet" sh -c "! grep -q . '$T/shared$k.err'"
done
check shared_gzip_intact gzip -t "$T/shared/cpu.pb.gz"
check shared_profile_readable pprof_top "$T/shared/cpu.pb.gz" >/dev/null
check shared_no_temporaries_left test "$(ls "$T/shared")" = cpu.pb.gz

# 2. A FIFO with no reader.
mkfifo "$T/fifo"
for v in CPU HEAP; do
	n=fifo_$v
	timeout -k 5 30 env LD_PRELOAD="$PRELOAD" CPROF_$v="$T/fifo" sh -c "$BURN" \
		>"$T/$n.out" 2>"$T/$n.err"
	rc=$?
	expect_rc $n 0
	expect_out $n '^done$'
	one_line $n "$T/$n.err" "not a regular file"
done
check fifo_still_a_fifo test -p "$T/fifo"

# 3. An existing profile: kept while the program runs, kept if it is killed.
mkdir -p "$T/old"
printf 'old profile\n' >"$T/old/cpu.pb.gz"
env LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/old/cpu.pb.gz" timeout -k 5 "$RUN_TIMEOUT" sleep 30 \
	>/dev/null 2>"$T/old.err" &
bg=$!
sleep 1
check old_not_truncated_at_start sh -c "printf 'old profile\n' | cmp -s - '$T/old/cpu.pb.gz'"
kill -KILL $bg 2>/dev/null
wait $bg 2>/dev/null
check old_survives_sigkill sh -c "printf 'old profile\n' | cmp -s - '$T/old/cpu.pb.gz'"
check old_nothing_else_left test "$(ls "$T/old")" = cpu.pb.gz
# A run that ends replaces it with a complete profile.
timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/old/cpu.pb.gz" sh -c "$BURN" \
	>"$T/old2.out" 2>"$T/old2.err"
check old_replaced_when_complete pprof_top "$T/old/cpu.pb.gz" >/dev/null

# 4. CPROF_LEAKS_EXITCODE under bash -c.
mkdir -p "$T/leaks"
bash -c 'ls / >/dev/null; echo ls=$?; sort </dev/null; echo sort=$?' >"$T/leaks_ref.out" 2>&1
(cd "$T/leaks" && timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" CPROF_LEAKS=1 \
	CPROF_LEAKS_EXITCODE=9 CPROF_LEAKS_OUT="$T/leaks/l.pb.gz" \
	bash -c 'ls / >/dev/null; echo ls=$?; sort </dev/null; echo sort=$?' >"$T/leaks.out" 2>"$T/leaks.err")
rc=$?
check leaks_children_exit_status_unchanged cmp -s "$T/leaks_ref.out" "$T/leaks.out"
# bash itself (its leaks found) is the process the variable was meant for.
if [ -n "$NOSAMPLE" ]; then
	na leaks_root_exit_status "$NOSAMPLE_WHY"
else
	check "leaks_root_exit_status_9 ($rc)" test "$rc" = 9
	check leaks_root_profile pprof_top "$T/leaks/l.pb.gz" >/dev/null
	check leaks_root_profile_is_bash grep -q '^File: bash$' "$T/pprof.out"
	n=$(ls "$T/leaks" | grep -c '^l\.pb\.gz\.[0-9][0-9]*$')
	check "leaks_children_write_path.pid ($n)" test "$n" = 2
fi
