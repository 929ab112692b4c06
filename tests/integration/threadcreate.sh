# The threadcreate profile: the stacks that created threads, counted
# exactly (CPROF_THREADCREATE at exit, cprof_profile_write at any time),
# per process in a fork, in a third-party program (python3's threading),
# judged by go tool pprof.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/tc" threadcreate.c -ldl

# count PROFILE FUNC: the cum count of FUNC (0 if absent).
count() {
	pprof_top "$1" -nodefraction=0 -nodecount=100000 >"$T/top.out" || { echo error; return; }
	awk -v f="$2" 'NR > 1 && $NF == f { print $4; found = 1; exit } END { if (!found) print 0 }' \
		"$T/top.out"
}

n=exit
hrun $n CPROF_THREADCREATE="$T/tc.pb.gz" "$T/tc" run "$T/api.pb.gz"
want_rc $n 0
sed -n 's/^ok /ok /p; s/^not ok /not ok /p' "$T/$n.out"
p=$T/tc.pb.gz
check ${n}_written test -s "$p"
check ${n}_readable pprof_top "$p"
check ${n}_sample_type sh -c "go tool pprof -raw '$p' 2>/dev/null | grep -qx 'threadcreate/count'"
check ${n}_period_type sh -c "go tool pprof -raw '$p' 2>/dev/null | grep -qx 'PeriodType: threadcreate count'"
eq ${n}_spawn_seven "$(count "$p" spawn_seven)" 7
eq ${n}_spawn_three "$(count "$p" spawn_three)" 3
eq ${n}_total "$(count "$p" main)" 10
eq ${n}_leaf_is_pthread_create "$(count "$p" pthread_create)" 10
# The API's profile, written before exit, holds the same counts.
eq api_spawn_seven "$(count "$T/api.pb.gz" spawn_seven)" 7
eq api_spawn_three "$(count "$T/api.pb.gz" spawn_three)" 3

# Without the variable nothing is written, and the program's output and
# status are its own.
n=off
(cd "$T" && hrun $n "$T/tc" run)
want_rc $n 0
check ${n}_nothing_written sh -c "! ls '$T' | grep -q '\.pb\.gz\.'"

# A forked child writes path.PID with its own threads only.
n=fork
mkdir -p "$T/fork"
hrun $n CPROF_THREADCREATE="$T/fork/tc.pb.gz" "$T/tc" fork
want_rc $n 0
child=$(ls "$T/fork" | grep -x 'tc\.pb\.gz\.[0-9]*' | head -1)
check ${n}_parent_written test -s "$T/fork/tc.pb.gz"
check ${n}_child_written test -n "$child"
eq ${n}_parent_count "$(count "$T/fork/tc.pb.gz" main)" 2
eq ${n}_parent_has_no_child_threads "$(count "$T/fork/tc.pb.gz" child_spawn)" 0
eq ${n}_child_count "$(count "$T/fork/$child" child_spawn)" 5
eq ${n}_child_total "$(count "$T/fork/$child" pthread_create)" 5

# A bad path: one line, the program runs as it would.
n=badpath
hrun $n CPROF_THREADCREATE=/nonexistent/dir/tc.pb.gz "$T/tc" run
want_rc $n 0
eq ${n}_one_line "$(grep -c '^cprof: cannot write.*/nonexistent/dir/tc.pb.gz' "$T/$n.err")" 1

# Python's threads, created through PyThread_start_new_thread.
n=python
hrun $n CPROF_THREADCREATE="$T/py.pb.gz" /usr/bin/python3 -c '
import threading
ts = [threading.Thread(target=lambda: None) for i in range(6)]
[t.start() for t in ts]; [t.join() for t in ts]; print("done")'
want_rc $n 0
check ${n}_output grep -qx done "$T/$n.out"
eq ${n}_count "$(count "$T/py.pb.gz" PyThread_start_new_thread)" 6
