# Robustness (issue 2 §3): threads that block SIGPROF under profiling at
# 1000 Hz.  Two threads block it around half of their work and unblock it
# for the other half (the pending timer signal arrives at the unblock); two
# threads, and at the end the main thread, keep it blocked until they exit
# (their timer signals stay pending and die with the thread).
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
cc_prog "$T/sigmask" robust_sigmask.c

prof_run sigmask "$T/sigmask.pb.gz" "$T/sigmask" 20
expect_rc sigmask 0
expect_out sigmask '^done$'
robust_profile sigmask "$T/sigmask.pb.gz" unmasked_work toggler
check sigmask_stderr_quiet sh -c "! grep -q . '$T/sigmask.err'"
