# Robustness (issue 2 §3): dlopen/dlclose in a loop under profiling at
# 1000 Hz.  300 times: load a small library of the test's own, burn ~2 ms of
# CPU in it, unload it (really unmapped); another thread burns CPU meanwhile.
# The library's function is named in the profile although it was unloaded
# long before the profile was written, with its caller (main) above it.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
cc_prog "$T/dlopen" robust_dlopen.c -ldl
cc_prog "$T/libdlib.so" robust_dlib.c -shared -fPIC

prof_run dlopen "$T/dlopen.pb.gz" "$T/dlopen" "$T/libdlib.so" 300 2000
expect_rc dlopen 0
expect_out dlopen '^iterations 300$'
robust_profile dlopen "$T/dlopen.pb.gz" dlib_burn side_work
if [ -z "$TSAN" ]; then
	# Stacks through the unloaded library reach main.
	if pprof_top "$T/dlopen.pb.gz" -focus='^dlib_burn$' >"$T/focus.top"; then
		check dlopen_unloaded_lib_stacks_reach_main grep -Eq '[[:space:]]main$' "$T/focus.top"
	else
		nok dlopen_unloaded_lib_stacks_reach_main "pprof -focus failed"
	fi
fi
check dlopen_stderr_quiet sh -c "! grep -q . '$T/dlopen.err'"
