#!/bin/sh
# examples/bench builds against the build tree and its benchmarks run.
. "$CPROF_ROOT/tests/lib.sh"
# Under sanitizers the examples are built without libcprof (its thread
# start-up wrapper and ThreadSanitizer's do not mix).
if [ -n "$SANITIZE" ]; then runtime=RUNTIME=; else runtime=; fi
make -s -C "$CPROF_ROOT/examples/bench" BUILD="$BUILD" OUT="$T" CC="$CC" $runtime \
	CFLAGS="-O2 -g $TEST_CFLAGS" >"$T/make.log" 2>&1
check examples_build test $? = 0 || cat "$T/make.log"
"$T/primes" -bench 'Primes/' -benchtime 2x -cpu 1 >"$T/p" 2>&1
check primes_run sh -c "grep -q '^BenchmarkPrimes/method=naive ' '$T/p' && grep -q '^BenchmarkPrimes/method=sieve ' '$T/p' && grep -q '^PASS' '$T/p'"
"$T/strings" -bench . -benchtime 2x -cpu 1 >"$T/s" 2>&1
check strings_run sh -c "grep -c '^BenchmarkBuild/method=' '$T/s' | grep -qx 3 && grep -q '^PASS' '$T/s'"
$CPROF benchstat -col /method -row .name "$T/s" >"$T/bs" 2>&1
check strings_benchstat_columns sh -c "grep -q 'concat' '$T/bs' && grep -q 'buffer' '$T/bs' && grep -q '^Build ' '$T/bs'"

# the installed harness, through pkg-config
if [ -n "$SANITIZE" ]; then
	na pkg_config "a sanitizer build is not installed"
elif ! command -v pkg-config >/dev/null 2>&1; then
	skip pkg_config "no pkg-config (Debian pkg-config)"
else
	make -s -C "$CPROF_ROOT" B="${CPROF_BUILD#$CPROF_ROOT/}" install PREFIX="$T/inst" \
		>"$T/install.log" 2>&1
	check install test $? = 0 || tail -n 20 "$T/install.log"
	export PKG_CONFIG_PATH="$T/inst/lib/pkgconfig"
	$CC -O2 "$CPROF_ROOT/examples/bench/primes.c" $(pkg-config --cflags --libs cprof-bench) \
		-o "$T/primes_pc" 2>"$T/pc.err"
	check pkg_config_build test $? = 0 || cat "$T/pc.err"
	"$T/primes_pc" -bench 'Primes/method=sieve' -benchtime 2x -cpu 1 >"$T/pc.out" 2>&1
	check pkg_config_run grep -q '^BenchmarkPrimes/method=sieve ' "$T/pc.out"
fi
