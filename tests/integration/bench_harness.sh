#!/bin/sh
# The benchmark harness as users build it: a program linked with
# libcprof_bench (default main), flags as go test spells them, output in
# Go's format that `cprof benchstat` reads; -benchmem through the weak
# allocation hook; -cpuprofile with libcprof linked or preloaded.
. "$CPROF_ROOT/tests/lib.sh"
BA=$BUILD/libcprof_bench.a
link_bench() { # link_bench OUT SRC [EXTRA...]
	out=$1 src=$2; shift 2
	cc_prog "$out" "$src" -I"$CPROF_ROOT/include" "$BA" -lm "$@"
}
link_bench "$T/basic" bench_basic.c || { nok build_basic; exit 1; }
link_bench "$T/allocs" bench_allocs.c || { nok build_allocs; exit 1; }
link_bench "$T/ownmain" bench_ownmain.c || { nok build_ownmain; exit 1; }

# --- a run, and the grammar of every result line (Go's benchmark format)
"$T/basic" -bench . -benchtime 50x -count 2 -cpu 1,2 >"$T/out1" 2>"$T/err1"
check run_basic test $? = 0
check header_lines grep -q '^goos: linux$' "$T/out1"
check trailer sh -c "tail -n 2 '$T/out1' | head -n 1 | grep -qx PASS && tail -n 1 '$T/out1' | grep -q '^ok  	basic	[0-9.]*s$'"
n=$(grep -c '^Benchmark' "$T/out1")
check result_count test "$n" = 24
bad=$(grep '^Benchmark' "$T/out1" | grep -Evc '^Benchmark[A-Z][^ 	]* *	 *[0-9]+(	 *-?[0-9.]+ [^ 	]+)+$')
check result_grammar test "$bad" = 0
check procs_suffix sh -c "grep -q '^BenchmarkFib-2 ' '$T/out1' && grep -q '^BenchmarkFib ' '$T/out1'"
check subbench_names grep -q '^BenchmarkCopy/size=4096-2 ' "$T/out1"
check mb_per_s grep -q 'MB/s' "$T/out1"
check benchtime_nx sh -c "grep '^BenchmarkFib ' '$T/out1' | awk '{ if (\$2 != 50) exit 1 }'"

# --- -list, flag errors, -json
"$T/basic" -list 'Fib|Loop' >"$T/list"
check list sh -c "printf 'BenchmarkFib\nBenchmarkFibParallel\nBenchmarkLoop\n' | cmp -s - '$T/list'"
"$T/basic" -benchtime nope >/dev/null 2>"$T/err"
check bad_flag_exit_2 test $? = 2
check bad_flag_message grep -q 'invalid value "nope" for flag -benchtime' "$T/err"
"$T/basic" -bench Fib$ -benchtime 10x -json >"$T/json"
check json_stream /usr/bin/python3 -c "
import json, sys
ev = [json.loads(l) for l in open('$T/json')]
assert ev[-1]['Action'] == 'pass', ev[-1]
assert any('BenchmarkFib' in e.get('Output', '') for e in ev)
"

# --- benchstat reads the harness's output
"$T/basic" -bench 'Fib$|Copy' -benchtime 2000x -count 6 >"$T/old" 2>/dev/null
"$T/basic" -bench 'Fib$|Copy' -benchtime 2000x -count 6 >"$T/new" 2>/dev/null
$CPROF benchstat "$T/old" "$T/new" >"$T/bs" 2>"$T/bs.err"
check benchstat_reads_harness sh -c "grep -q 'sec/op' '$T/bs' && grep -q 'vs base' '$T/bs' && grep -q '^Copy/size=64' '$T/bs' && grep -q '^geomean' '$T/bs' && ! test -s '$T/bs.err'"

# --- -benchmem: without the runtime a note; with the hook, exact counts
"$T/basic" -bench Fib$ -benchtime 10x -benchmem >"$T/out" 2>"$T/err"
check benchmem_absent sh -c "! grep -q 'B/op' '$T/out' && grep -q 'allocation counters unavailable' '$T/err'"
"$T/allocs" -bench . -benchtime 1000x -benchmem -cpu 1 >"$T/out" 2>"$T/err"
check benchmem_exact grep -Eq '^BenchmarkThreeMallocs +	 +1000	.*	     192 B/op	       3 allocs/op$' "$T/out"
check benchmem_other_thread grep -Eq '^BenchmarkOtherThread +	 +1000	.*	      32 B/op	       1 allocs/op$' "$T/out"

# --- -benchmem with libcprof's exact counters, linked or preloaded (not
# under sanitizers: their malloc is not the one libcprof counts)
if [ -f "$LIB" ] && [ -z "$SANITIZE" ] && nm -D "$LIB" 2>/dev/null | grep -q ' T cprof_alloc_stats$'; then
	link_bench "$T/malloc_linked" bench_malloc.c -L"$BUILD" -Wl,-rpath,"$BUILD" -lcprof
	link_bench "$T/malloc_plain" bench_malloc.c
	for v in linked preloaded; do
		if [ $v = linked ]; then
			"$T/malloc_linked" -bench . -benchtime 1000x -benchmem -cpu 1 >"$T/out" 2>"$T/err"
		else
			LD_PRELOAD=$PRELOAD "$T/malloc_plain" -bench . -benchtime 1000x -benchmem -cpu 1 \
				>"$T/out" 2>"$T/err"
		fi
		check benchmem_runtime_exact_$v grep -Eq '^BenchmarkThreeMallocs +	 +1000	.*	     192 B/op	       3 allocs/op$' "$T/out"
		check benchmem_runtime_other_thread_$v grep -Eq '^BenchmarkOtherThread +	 +1000	.*	      32 B/op	       1 allocs/op$' "$T/out"
	done
	"$T/malloc_linked" -bench Parallel -benchtime 3x -benchmem -cpu 4 >"$T/out" 2>"$T/err"
	check benchmem_parallel_excludes_thread_creation grep -Eq '^BenchmarkParallel-4 +	 +3	.*	      16 B/op	       1 allocs/op$' "$T/out"
	# -memprofile samples the runs (rate 1 here: every allocation), read by go tool pprof.
	"$T/malloc_linked" -bench ThreeMallocs -benchtime 1000x -memprofile "$T/mem.pb.gz" \
		-memprofilerate 1 >"$T/out" 2>"$T/err"
	check memprofile_readable pprof_top "$T/mem.pb.gz"
	go tool pprof -top -sample_index=alloc_objects -unit=B "$T/mem.pb.gz" >"$T/memtop" 2>/dev/null
	check memprofile_default_alloc_space sh -c "go tool pprof -top '$T/mem.pb.gz' 2>/dev/null | grep -q '^Type: alloc_space'"
	check memprofile_names_benchmark grep -q 'BenchThreeMallocs\|ThreeMallocs' "$T/memtop"
fi

# --- own main() wins over the library's
"$T/ownmain" -bench . -benchtime 5x >"$T/out"
check own_main sh -c "grep -q '^own main done rc=0' '$T/out' && grep -q '^pkg: example.com/ownmain' '$T/out'"

# --- -timeout
"$T/basic" -bench 'Fib$' -benchtime 60s -timeout 300ms >/dev/null 2>"$T/err"
rc=$?
check timeout sh -c "test $rc = 2 && grep -q 'panic: test timed out after 300ms' '$T/err'"

# --- -cpuprofile: unavailable without libcprof; with it linked or preloaded, a profile
"$T/basic" -bench Spin -cpuprofile "$T/none.pb.gz" >/dev/null 2>"$T/err"
check cpuprofile_absent sh -c "test $? = 2 && grep -q 'libcprof is not linked or preloaded' '$T/err'"
if [ -f "$LIB" ] && [ -z "$SANITIZE" ]; then
	link_bench "$T/linked" bench_basic.c -L"$BUILD" -Wl,-rpath,"$BUILD" -lcprof
	"$T/linked" -bench Spin -benchtime 1s -cpuprofile "$T/cpu.pb.gz" >"$T/out" 2>"$T/err"
	check cpuprofile_linked sh -c "test -s '$T/cpu.pb.gz' && grep -q '^BenchmarkSpin' '$T/out'"
	if command -v go >/dev/null 2>&1; then
		check cpuprofile_pprof_sees_benchmark sh -c "go tool pprof -top '$T/linked' '$T/cpu.pb.gz' 2>/dev/null | grep -q spin_work"
	else
		skip cpuprofile_pprof_sees_benchmark "no go (Debian golang-go)"
	fi
	check cpuprofile_cprof_top sh -c "$CPROF top '$T/cpu.pb.gz' 2>/dev/null | grep -q spin_work"
	LD_PRELOAD=$PRELOAD "$T/basic" -bench Spin -benchtime 300ms -cpuprofile "$T/cpu2.pb.gz" >/dev/null 2>"$T/err"
	check cpuprofile_preloaded test -s "$T/cpu2.pb.gz"
else
	na cpuprofile "a sanitizer's runtime must come first in the process; the linked harness cannot"
fi

# --- -memprofile needs libcprof's heap profiler: without it (basic links
# libcprof_bench.a only) a clear error and exit 2, nothing written; with it
# preloaded, a heap profile.
rm -f "$T/mem.pb.gz"
"$T/basic" -bench Fib$ -benchtime 2x -memprofile "$T/mem.pb.gz" >/dev/null 2>"$T/err"
rc=$?
check memprofile_absent_exit_2 sh -c "test $rc = 2 && grep -q 'heap profiler is not linked or preloaded' '$T/err' && test ! -e '$T/mem.pb.gz'"
if [ -z "$SANITIZE" ]; then
	LD_PRELOAD=$PRELOAD "$T/basic" -bench Fib$ -benchtime 2x -memprofile "$T/mem.pb.gz" >/dev/null 2>"$T/err"
	rc=$?
	check memprofile_written sh -c "test $rc = 0 && test -s '$T/mem.pb.gz' && $CPROF top -sample_index=alloc_space '$T/mem.pb.gz' >/dev/null"
else
	na memprofile_written "libcprof cannot sample behind a sanitizer's allocator"
fi
