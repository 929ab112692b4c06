# include/cprof/bench.h as users compile it: it needs GNU C, which gcc and
# clang provide in strict ISO modes, C and C++ alike (-pedantic -Werror);
# another compiler gets one clear #error.  Run, the log macros do what they
# name (the kinds they pass are the ones the harness acts on).
. "$CPROF_ROOT/tests/lib.sh"
BA=$BUILD/libcprof_bench.a
SRC=$CPROF_ROOT/tests/progs/bench_header.c
# Under a sanitizer the archive needs its compiler's runtime: the other
# compiler family cannot link it.
family() { case $("$1" --version 2>/dev/null) in *clang*) echo clang ;; *) echo gcc ;; esac; }
mine=$(family "$CC")
# build NAME COMPILER ARGS...: compile the program strictly and link it.
build() {
	_n=$1 _c=$2; shift 2
	if ! command -v "$_c" >/dev/null; then skip "header_$_n" "no $_c"; return 1; fi
	if [ -n "$SANITIZE" ] && [ "$(family "$_c")" != "$mine" ]; then
		na "header_$_n" "a $mine sanitizer build"; return 1
	fi
	if "$_c" -Wall -Wextra -Werror -pedantic -I"$CPROF_ROOT/include" -O1 -pthread $TEST_CFLAGS \
		"$@" "$SRC" -x none -o "$T/$_n" "$BA" -lm 2>"$T/$_n.err"; then
		ok "header_$_n"
	else
		nok "header_$_n" "$(head -c 400 "$T/$_n.err" | tr '\n' '|')"; return 1
	fi
}
# run NAME: the program's benchmarks once each; check what each macro did.
run() {
	_n=$1
	"$T/$_n" -bench . -benchtime 1x >"$T/$_n.out" 2>&1
	_rc=$?
	# 1: a benchmark failed; 10: code after cprof_bench_fatalf/skipf ran.
	check "${_n}_exit_fail" test "$_rc" = 1
	check "${_n}_logf" grep -q 'log 1' "$T/$_n.out"
	check "${_n}_errorf_fails" sh -c "grep -q -- '--- FAIL: BenchmarkErrors' '$T/$_n.out' && grep -q 'error 2' '$T/$_n.out'"
	check "${_n}_fatalf_fails" sh -c "grep -q -- '--- FAIL: BenchmarkFatals' '$T/$_n.out' && grep -q 'fatal 3' '$T/$_n.out'"
	# As in Go, a skip shows with -v only; without it, no result line.
	"$T/$_n" -bench Skips -benchtime 1x -v >"$T/$_n.skip" 2>&1
	check "${_n}_skipf_stops" test $? = 0
	check "${_n}_skipf_skips" sh -c "grep -q -- '--- SKIP: BenchmarkSkips' '$T/$_n.skip' && grep -q 'skip 4' '$T/$_n.skip' && ! grep -q '^BenchmarkSkips.*ns/op' '$T/$_n.out'"
	check "${_n}_loop_and_metric" grep -Eq '^BenchmarkLoop[- ].* things/op' "$T/$_n.out"
	check "${_n}_parallel" grep -Eq '^BenchmarkParallel[- ].* ns/op' "$T/$_n.out"
}
for std in c99 c11 c17; do
	build "gcc_$std" gcc -std=$std && run "gcc_$std"
	build "clang_$std" clang -std=$std && run "clang_$std"
done
build gxx_cxx11 g++ -std=c++11 -x c++ && run gxx_cxx11
build clangxx_cxx17 clang++ -std=c++17 -x c++ && run clangxx_cxx17
# Without GNU C (__GNUC__ undefined): the header's own message, first.
printf '#include <cprof/bench.h>\n' >"$T/nognu.c"
if gcc -U__GNUC__ -fsyntax-only -I"$CPROF_ROOT/include" "$T/nognu.c" 2>"$T/nognu.err"; then
	nok header_needs_gnu_c "compiled without __GNUC__"
else
	check header_needs_gnu_c grep -q 'cprof/bench.h needs GNU C' "$T/nognu.err"
fi
