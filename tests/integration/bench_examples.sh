#!/bin/sh
# examples/bench builds against the build tree and its benchmarks run.
. "$CPROF_ROOT/tests/lib.sh"
make -s -C "$CPROF_ROOT/examples/bench" BUILD="$BUILD" OUT="$T" CC="$CC" \
	CFLAGS="-O2 -g $TEST_CFLAGS" >"$T/make.log" 2>&1
check examples_build test $? = 0 || cat "$T/make.log"
"$T/primes" -bench 'Primes/' -benchtime 2x -cpu 1 >"$T/p" 2>&1
check primes_run sh -c "grep -q '^BenchmarkPrimes/method=naive ' '$T/p' && grep -q '^BenchmarkPrimes/method=sieve ' '$T/p' && grep -q '^PASS' '$T/p'"
"$T/strings" -bench . -benchtime 2x -cpu 1 >"$T/s" 2>&1
check strings_run sh -c "grep -c '^BenchmarkBuild/method=' '$T/s' | grep -qx 3 && grep -q '^PASS' '$T/s'"
$CPROF benchstat -col /method -row .name "$T/s" >"$T/bs" 2>&1
check strings_benchstat_columns sh -c "grep -q 'concat' '$T/bs' && grep -q 'buffer' '$T/bs' && grep -q '^Build ' '$T/bs'"
