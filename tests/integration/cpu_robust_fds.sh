# Robustness: a program that closes every descriptor (the profiler's too)
# and opens a file of its own, which takes the profiler's old number, under
# profiling at 1000 Hz.  The profile must still be written, to its own path,
# and the program's file must hold exactly what the program wrote.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
cc_prog "$T/closefds" robust_closefds.c -ldl

prof_run fds_reuse "$T/reuse.pb.gz" "$T/closefds" reuse "$T/user.txt"
expect_rc fds_reuse 0
check fds_reuse_program_file_intact sh -c "printf 'user data\n' | cmp -s - '$T/user.txt'"
robust_profile fds_reuse "$T/reuse.pb.gz" fd_work

prof_run fds_closed "$T/closed.pb.gz" "$T/closefds" closed
expect_rc fds_closed 0
robust_profile fds_closed "$T/closed.pb.gz" fd_work

# The C API on the program's own descriptor, which it then closes: the
# profile is lost (cprof_cpu_stop fails), the program's new file is intact.
rm -f "$T/user2.txt" "$T/api.pb.gz"
timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" "$T/closefds" apifd "$T/user2.txt" "$T/api.pb.gz" \
	>"$T/fds_apifd.out" 2>"$T/fds_apifd.err"
rc=$?
expect_rc fds_apifd 0
expect_out fds_apifd '^stop failed$'
check fds_apifd_program_file_intact sh -c "printf 'user data\n' | cmp -s - '$T/user2.txt'"
