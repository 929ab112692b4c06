# Robustness (issue 2 §3): fork() under profiling at 1000 Hz, while another
# thread is being sampled.
#   exec: 50 x /bin/true, started in turn by fork()+execv(), vfork()+execv()
#         and posix_spawn().  The children inherit LD_PRELOAD and
#         CPROF_CPU: each writes PATH.<pid> (CPROF_CPU_USE_PID), never the
#         parent's PATH.
#   work: 30 x fork() without exec; the children burn CPU, then leave with
#         _exit() or exit().  They must not sample into nor write the
#         parent's profile: each goes on profiling into PATH.<pid>.
#   exec self: sh -c "exec prog": the exec'd image writes PATH itself.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
cc_prog "$T/fork" robust_fork.c

mkdir -p "$T/exec" "$T/work"
prof_run fork_exec "$T/exec/prof.pb.gz" "$T/fork" exec 50 /bin/true
expect_rc fork_exec 0
expect_out fork_exec '^children 50 ok$'
robust_profile fork_exec "$T/exec/prof.pb.gz" parent_work bg_work
if [ -z "$TSAN" ]; then
	check fork_exec_parent_profile_is_parents grep -q '^File: fork$' "$T/fork_exec.top"
fi
n=$(ls "$T/exec" | grep -c '^prof\.pb\.gz\.[0-9][0-9]*$')
check "fork_exec_children_write_path.pid ($n of 50)" test "$n" = 50
# The children's profiles are complete gzip files that pprof reads.
bad=0
for f in "$T"/exec/prof.pb.gz.*; do
	gzip -t "$f" 2>/dev/null || bad=$((bad + 1))
done
check "fork_exec_children_profiles_gzip ($bad bad)" test "$bad" = 0
for f in $(ls "$T"/exec/prof.pb.gz.* | head -n 2); do
	if pprof_top "$f" >/dev/null; then
		check fork_exec_child_profile_readable grep -q '^File: true$' "$T/pprof.out"
	else
		nok fork_exec_child_profile_readable
	fi
done

prof_run fork_work "$T/work/prof.pb.gz" "$T/fork" work 30
expect_rc fork_work 0
expect_out fork_work '^children 30 ok$'
robust_profile fork_work "$T/work/prof.pb.gz" parent_work bg_work
check fork_work_parent_file test -s "$T/work/prof.pb.gz"
if [ -z "$TSAN" ]; then
	check fork_work_no_child_samples_in_parent sh -c "! grep -q child_work '$T/fork_work.top'"
	# Children that ran long enough for a sample write PATH.<pid>, complete
	# and with their own work in it (under TSan forked children stay
	# unprofiled: TSan forbids threads after a multi-threaded fork).
	n=$(ls "$T/work" | grep -c '^prof\.pb\.gz\.[0-9][0-9]*$')
	check "fork_work_children_write_path.pid ($n of 30; a child with no sample writes none)" test "$n" -ge 10 -a "$n" -le 30
	bad=0
	for f in "$T"/work/prof.pb.gz.*; do
		go tool pprof -top "$f" 2>/dev/null | grep -q child_work || bad=$((bad + 1))
	done
	check "fork_work_children_profiles_have_child_work ($bad bad)" test "$bad" = 0
else
	check fork_work_children_unprofiled_under_tsan test "$(ls "$T/work")" = prof.pb.gz
fi
check fork_work_stderr_quiet sh -c "! grep -q . '$T/fork_work.err'"

# A fork while a thread is inside the dynamic loader's list: glibc does not
# reset the loader's lock in the child, whose profiler needs it.  First
# cprof's own thread (its first look at the loaded objects, which this
# program makes long by linking many libraries, and forks at once): 60
# programs, 3 children each; every child exits (one that hangs is killed
# after 5 s and counted).
if [ -n "$TSAN" ]; then
	na fork_dl_children_exit "forked children stay unprofiled under TSan"
elif [ -n "$SANITIZE" ]; then
	na fork_dl_children_exit "ASan's allocator takes no lock around fork(): a child that allocates can wait for good on one a parent thread held"
else
	cc_prog "$T/fork_dl" robust_fork_dl.c -ldl -Wl,--no-as-needed -lz -lm -lcrypto -lssl -lcurl -lstdc++
	cc_prog "$T/libdlib.so" robust_dlib.c -shared -fPIC
	mkdir -p "$T/dl"
	hung=0 runs=0
	for i in $(seq 1 60); do
		prof_run fork_dl "$T/dl/prof.pb.gz" "$T/fork_dl" "$T/libdlib.so" 3
		runs=$((runs + 1))
		if [ "$rc" != 0 ] || ! grep -q '^children 3 ok, 0 hung$' "$T/fork_dl.out"; then
			hung=$((hung + 1))
			cat "$T/fork_dl.out" "$T/fork_dl.err" | head -3 >&2
		fi
		rm -f "$T"/dl/*
	done
	check "fork_dl_children_exit ($hung of $runs runs had a child hang or fail)" test "$hung" = 0
	# A thread of the program itself inside dl_iterate_phdr (20 ms in, 20 ms
	# out) while main forks 30 children that never touch the loader: the
	# fork waits for the walk to end, so no child's profiler inherits the
	# lock held (half of them hung before).
	prof_run fork_walk "$T/dl/prof.pb.gz" "$T/fork_dl" "$T/libdlib.so" 30 iterate
	expect_rc fork_walk 0
	expect_out fork_walk '^children 30 ok, 0 hung$'
fi

# exec without fork: the shell's image is replaced by the program's, in the
# same process, which must write PATH itself (not an empty PATH beside a
# PATH.<pid>).  Launcher scripts ending in `exec "$@"` do this.
mkdir -p "$T/self"
prof_run fork_exec_self "$T/self/prof.pb.gz" sh -c "exec '$T/fork' work 5"
expect_rc fork_exec_self 0
expect_out fork_exec_self '^children 5 ok$'
robust_profile fork_exec_self "$T/self/prof.pb.gz" parent_work
check fork_exec_self_one_file sh -c "ls '$T/self' | grep -v '^prof\.pb\.gz\.[0-9][0-9]*\$' | grep -qx prof.pb.gz"
if [ -z "$TSAN" ]; then
	check fork_exec_self_profile_is_programs grep -q '^File: fork$' "$T/fork_exec_self.top"
fi
