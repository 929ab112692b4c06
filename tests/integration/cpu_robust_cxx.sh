# Robustness (issue 2 §3): a C++ program throwing and catching exceptions in
# a tight loop on four threads under profiling at 1000 Hz.  SIGPROF often
# lands while a thread is inside libgcc's unwinder (holding its locks,
# walking .eh_frame): cprof's own unwinder must neither deadlock nor crash
# there, and its stacks must pass through __cxa_throw back to the loop.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
CXX=${CXX:-g++}
if ! command -v "$CXX" >/dev/null 2>&1; then
	nok cxx_compiler "no $CXX"
	exit 0
fi
$CXX -std=gnu++17 -O2 -g -pthread $TEST_CFLAGS -o "$T/throw" "$CPROF_ROOT/tests/progs/robust_throw.cc"

prof_run cxx "$T/cxx.pb.gz" "$T/throw" 3 60000
expect_rc cxx 0
expect_out cxx '^caught 195000$'
robust_profile cxx "$T/cxx.pb.gz" throw_loop thrower __cxa_throw _Unwind_RaiseException
check cxx_stderr_quiet sh -c "! grep -q . '$T/cxx.err'"
