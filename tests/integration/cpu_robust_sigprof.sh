# Robustness (issue 2 §3): a program with its own SIGPROF handler and its own
# setitimer(ITIMER_PROF) at 100 Hz, under profiling at 1000 Hz.  cprof must
# say so in one line on stderr, keep its own samples, and still deliver the
# program's own signals to the program's handler (which counts them).
#   sigaction, signal: handler installed while cprof (LD_PRELOAD) profiles
#   api:    handler installed first, then cprof_cpu_start() from the program
#   ignore: SIGPROF set to SIG_IGN: cprof keeps sampling, says nothing
#   sigset: handler installed with sigset(), behind cprof's interposers:
#           cprof notices, says so, takes SIGPROF back and forwards
# Under ThreadSanitizer the count is not asserted: TSan keeps one pending
# signal per signal number and thread, and the kernel raises cprof's timer
# signal and the program's ITIMER_PROF on the same tick, so TSan drops
# nearly all of the program's (it gets them without cprof, and without TSan).
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
cc_prog "$T/sigprof" robust_sigprof.c -ldl

for how in sigaction signal sigset; do
	prof_run "sigprof_$how" "$T/$how.pb.gz" "$T/sigprof" "$how" 500
	expect_rc "sigprof_$how" 0
	n=$(sed -n 's/^own signals \([0-9]*\)$/\1/p' "$T/sigprof_$how.out")
	[ -n "$TSAN" ] ||
		check "sigprof_${how}_program_gets_its_signals (${n:-none})" test "${n:-0}" -gt 0
	lines=$(grep -c 'cprof:' "$T/sigprof_$how.err")
	check "sigprof_${how}_reported_in_one_line ($lines lines)" \
		sh -c "[ '$lines' = 1 ] && grep -q 'cprof:.*SIGPROF' '$T/sigprof_$how.err'"
	robust_profile "sigprof_$how" "$T/$how.pb.gz" own_work
done

rm -f "$T/api.pb.gz"
timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" "$T/sigprof" api 500 "$T/api.pb.gz" \
	>"$T/sigprof_api.out" 2>"$T/sigprof_api.err"
rc=$?
expect_rc sigprof_api 0
n=$(sed -n 's/^own signals \([0-9]*\)$/\1/p' "$T/sigprof_api.out")
[ -n "$TSAN" ] ||
	check "sigprof_api_program_gets_its_signals (${n:-none})" test "${n:-0}" -gt 0
lines=$(grep -c 'cprof:' "$T/sigprof_api.err")
check "sigprof_api_reported_in_one_line ($lines lines)" \
	sh -c "[ '$lines' = 1 ] && grep -q 'cprof:.*SIGPROF handler' '$T/sigprof_api.err'"
robust_profile sigprof_api "$T/api.pb.gz" own_work

prof_run sigprof_ignore "$T/ignore.pb.gz" "$T/sigprof" ignore 300
expect_rc sigprof_ignore 0
expect_out sigprof_ignore '^own signals 0$'
check sigprof_ignore_stderr_quiet sh -c "! grep -q . '$T/sigprof_ignore.err'"
robust_profile sigprof_ignore "$T/ignore.pb.gz" own_work
