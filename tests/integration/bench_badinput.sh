#!/bin/sh
# Bad command lines to the benchmark harness (cprof/bench.h's main), judged by
# Go's testing package, which it follows: a flag that does not parse is
# 'invalid value "V" for flag -NAME: ...' followed by the usage, exit 2; a bad
# -cpu list is 'testing: invalid value "V" for -test.cpu', exit 2; a profile
# that cannot be written is reported and fails the run.  Nothing runs when a
# flag is bad.
. "$CPROF_ROOT/tests/lib.sh"
BA=$BUILD/libcprof_bench.a
cc_prog "$T/basic" bench_basic.c -I"$CPROF_ROOT/include" "$BA" -lm || { nok build_basic; exit 1; }
mkdir -p "$T/dir"

# bad NAME FIRST-LINE-REGEX ARGS...: exit 2, the first stderr line matches,
# no benchmark ran (nothing on stdout).
bad() {
	_n=$1 _re=$2; shift 2
	"$T/basic" "$@" >"$T/$_n.out" 2>"$T/$_n.err"
	_rc=$?
	if [ $_rc = 2 ] && head -n 1 "$T/$_n.err" | grep -Eq -- "$_re" && ! grep -q '^Benchmark' "$T/$_n.out"; then
		ok "$_n"
	else
		nok "$_n" "exit $_rc: $(head -c 200 "$T/$_n.err" | tr '\n' '|') out: $(head -c 100 "$T/$_n.out" | tr '\n' '|')"
	fi
}
bad count_x 'invalid value "x" for flag -count' -bench Fib$ -count x
bad count_negative 'invalid value "-1" for flag -count' -bench Fib$ -count -1
bad cpu_0 '^testing: invalid value "0" for -test.cpu$' -bench Fib$ -cpu 0
bad cpu_negative '^testing: invalid value "-1" for -test.cpu$' -bench Fib$ -cpu -1
bad benchtime_negative 'invalid value "-1s" for flag -benchtime' -bench Fib$ -benchtime -1s
bad benchtime_overflow_s 'invalid value "99999999999999999999s" for flag -benchtime' -bench Fib$ -benchtime 99999999999999999999s
bad benchtime_overflow_x 'invalid value "99999999999999999999x" for flag -benchtime' -bench Fib$ -benchtime 99999999999999999999x
bad benchtime_unit 'invalid value "3parsecs" for flag -benchtime' -bench Fib$ -benchtime 3parsecs
bad timeout_bogus 'invalid value "bogus" for flag -timeout' -bench Fib$ -timeout bogus
bad memprofilerate_x 'invalid value "x" for flag -memprofilerate' -bench Fib$ -memprofilerate x
# A -bench regexp that does not compile: Go's testing says so and exits 1.
"$T/basic" -bench '(' >"$T/re.out" 2>"$T/re.err"
rc=$?
check bench_bad_regexp sh -c "[ $rc = 1 ] && grep -q '^testing: invalid regexp for element 0 of -test.bench' '$T/re.err' && ! grep -q '^Benchmark' '$T/re.out'"
# -count 0 runs nothing and passes, as go test does.
"$T/basic" -bench Fib$ -count 0 >"$T/c0.out" 2>"$T/c0.err"
rc=$?
check count_0_runs_nothing sh -c "[ $rc = 0 ] && ! grep -q '^Benchmark' '$T/c0.out' && grep -qx PASS '$T/c0.out'"
# An overflowing N: stopped by -timeout, with Go's panic line, exit 2.
"$T/basic" -bench Fib$ -benchtime 9223372036854775807x -timeout 500ms >/dev/null 2>"$T/big.err"
rc=$?
check benchtime_max_n_times_out sh -c "[ $rc = 2 ] && grep -q '^panic: test timed out after 500ms' '$T/big.err'"
# CPROF_BENCH_PKG with a control character (it would split the pkg: line).
CPROF_BENCH_PKG="$(printf 'a\tb')" "$T/basic" -bench Fib$ -benchtime 1x >"$T/pkg.out" 2>"$T/pkg.err"
rc=$?
check bench_pkg_control_char sh -c "[ $rc = 2 ] && grep -q '^cprof-bench: CPROF_BENCH_PKG: a control character' '$T/pkg.err' && ! grep -q '^Benchmark' '$T/pkg.out'"

# Unwritable profiles (libcprof preloaded: the profilers are there).
if [ -n "$SANITIZE" ]; then
	na bench_profiles_unwritable "a sanitizer's runtime must come first in the process; libcprof's heap profiler does not run behind its allocator"
	exit 0
fi
# pre NAME WANT-RC REGEX ARGS...: with libcprof preloaded.
pre() {
	_n=$1 _want=$2 _re=$3; shift 3
	LD_PRELOAD=$PRELOAD "$T/basic" "$@" >"$T/$_n.out" 2>"$T/$_n.err"
	_rc=$?
	if [ $_rc = "$_want" ] && grep -q "^cprof-bench: .*$_re" "$T/$_n.err"; then ok "$_n"; else
		nok "$_n" "exit $_rc (want $_want): $(head -c 200 "$T/$_n.err" | tr '\n' '|')"; fi
}
# Checked before anything runs: exit 2.
pre cpuprofile_no_dir 2 "-cpuprofile $T/nodir/c.pb.gz: No such file or directory" -bench Fib$ -benchtime 1x -cpuprofile "$T/nodir/c.pb.gz"
check cpuprofile_no_dir_ran_nothing sh -c "! grep -q '^Benchmark' '$T/cpuprofile_no_dir.out'"
pre cpuprofile_directory 2 "-cpuprofile $T/dir: Is a directory" -bench Fib$ -benchtime 1x -cpuprofile "$T/dir"
# Failing when written, after the run: the run fails (exit 1, FAIL).
if [ -w /dev/full ]; then
	pre cpuprofile_dev_full 1 "-cpuprofile: No space left on device" -bench Fib$ -benchtime 1x -cpuprofile /dev/full
	check cpuprofile_dev_full_fails_run grep -q '^FAIL' "$T/cpuprofile_dev_full.out"
	pre memprofile_dev_full 1 "-memprofile /dev/full: No space left on device" -bench Fib$ -benchtime 1x -memprofile /dev/full
else
	skip cpuprofile_dev_full "no writable /dev/full"; skip memprofile_dev_full "no writable /dev/full"
fi
pre memprofile_no_dir 1 "-memprofile $T/nodir/m.pb.gz: No such file or directory" -bench Fib$ -benchtime 1x -memprofile "$T/nodir/m.pb.gz"
check memprofile_no_dir_fails_run grep -q '^FAIL' "$T/memprofile_no_dir.out"
