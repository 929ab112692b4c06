#!/bin/sh
# The reader against the oracle: every profile (Go runtime profiles made
# here and committed, gperftools CPU/heap, Go debug=1 text) read by cprof and
# written back with `cprof merge` must look the same to `go tool pprof` as the
# original; merging several must equal pprof's own merge; bad input must give
# one error line and a non-zero exit.
. "$CPROF_ROOT/tests/lib.sh"
FX=$CPROF_ROOT/tests/fixtures/profiles
command -v go >/dev/null || { skip reader_parity "no go (Debian golang-go)"; exit 0; }

# same NAME VIEW ORIG COPY: go tool pprof VIEW prints the same for both
# (ignoring the File: line, which names the binary of the source file).
same() {
	name=$1 view=$2 a=$3 b=$4
	# shellcheck disable=SC2086
	go tool pprof $view "$a" 2>/dev/null | grep -v '^File:' >"$T/a.out"
	# shellcheck disable=SC2086
	go tool pprof $view "$b" 2>/dev/null | grep -v '^File:' >"$T/b.out"
	if [ -s "$T/a.out" ] && cmp -s "$T/a.out" "$T/b.out"; then
		ok "$name"
	else
		nok "$name" "go tool pprof $view differs"
		diff "$T/a.out" "$T/b.out" | head -n 10
	fi
}

roundtrip() { # roundtrip NAME FILE [VIEWS...]
	name=$1 f=$2
	if ! $CPROF merge -o "$T/rt.pb.gz" "$f" 2>"$T/err"; then
		nok "$name" "cprof merge failed: $(cat "$T/err")"
		return
	fi
	same "${name}_raw" "-raw -symbolize=none" "$f" "$T/rt.pb.gz"
	same "${name}_top" "-top -symbolize=none" "$f" "$T/rt.pb.gz"
}

for f in "$FX"/go-*.pb.gz "$FX"/gperftools-* "$FX"/go-*-debug1.txt; do
	roundtrip "fixture_$(basename "$f" | tr .- __)" "$f"
done
for idx in alloc_space inuse_objects; do
	$CPROF merge -o "$T/h.pb.gz" "$FX/go-heap.pb.gz"
	same "heap_sample_index_$idx" "-top -sample_index=$idx" "$FX/go-heap.pb.gz" "$T/h.pb.gz"
done
same "heap_traces" "-traces" "$FX/go-heap.pb.gz" "$T/h.pb.gz"

# Live Go runtime profiles.
mkdir -p "$T/go"
if (cd "$CPROF_ROOT/tests/fixtures/go/profgen" && go build -o "$T/profgen" .) 2>"$T/err" &&
	"$T/profgen" write "$T/go" 2>>"$T/err"; then
	for n in cpu heap allocs goroutine threadcreate block mutex; do
		roundtrip "go_$n" "$T/go/$n.pb.gz"
	done
	# Merging several profiles = pprof merging them.
	$CPROF merge -o "$T/m.pb.gz" "$T/go/cpu.pb.gz" "$FX/go-cpu.pb.gz" "$T/go/cpu.pb.gz"
	go tool pprof -top "$T/go/cpu.pb.gz" "$FX/go-cpu.pb.gz" "$T/go/cpu.pb.gz" 2>/dev/null |
		grep -v '^File:' >"$T/a.out"
	go tool pprof -top "$T/m.pb.gz" 2>/dev/null | grep -v '^File:' >"$T/b.out"
	if [ -s "$T/a.out" ] && cmp -s "$T/a.out" "$T/b.out"; then ok merge_three_cpu; else
		nok merge_three_cpu; diff "$T/a.out" "$T/b.out" | head; fi
	$CPROF merge -o "$T/m.pb.gz" "$T/go/heap.pb.gz" "$FX/go-heap.pb.gz"
	go tool pprof -top -sample_index=alloc_space "$T/go/heap.pb.gz" "$FX/go-heap.pb.gz" 2>/dev/null |
		grep -v '^File:' >"$T/a.out"
	go tool pprof -top -sample_index=alloc_space "$T/m.pb.gz" 2>/dev/null | grep -v '^File:' >"$T/b.out"
	if [ -s "$T/a.out" ] && cmp -s "$T/a.out" "$T/b.out"; then ok merge_two_heap; else
		nok merge_two_heap; diff "$T/a.out" "$T/b.out" | head; fi
else
	nok go_profiles "profgen failed: $(head -n 3 "$T/err")"
fi

# Live gperftools CPU profile (pprof reads the legacy format itself).
PROFILER=/usr/lib/x86_64-linux-gnu/libprofiler.so
if [ -f "$PROFILER" ]; then
	cat >"$T/burn.c" <<'EOF'
#include <stdlib.h>
__attribute__((noinline)) static double leaf(long n) { double x = 0; for (long i = 0; i < n; i++) x += (double)i * 1.000001; return x; }
__attribute__((noinline)) static double mid(long n) { return leaf(n) + leaf(n / 2); }
int main(int argc, char **argv) { double s = 0; long n = argc > 1 ? atol(argv[1]) : 2000; for (long i = 0; i < n; i++) s += mid(200000); return s < 0; }
EOF
	$CC -O1 -g -fno-omit-frame-pointer -o "$T/burn" "$T/burn.c"
	CPUPROFILE="$T/burn.prof" CPUPROFILE_FREQUENCY=1000 LD_PRELOAD=$PROFILER "$T/burn" 3000 2>/dev/null
	if [ -s "$T/burn.prof" ]; then
		roundtrip gperftools_cpu_live "$T/burn.prof"
		same gperftools_cpu_live_symbolized "-top" "$T/burn.prof" "$T/rt.pb.gz"
	else
		nok gperftools_cpu_live "libprofiler wrote no profile"
	fi
else
	skip gperftools_cpu_live "no $PROFILER (Debian libgoogle-perftools-dev)"
fi

# jemalloc's dump: go tool pprof cannot read it; jeprof can.  Totals must match.
$CPROF merge -o "$T/je.pb.gz" "$FX/jemalloc.heap" 2>"$T/err"
check jemalloc_reads [ -s "$T/je.pb.gz" ]
obj=$(go tool pprof -top -sample_index=inuse_objects "$T/je.pb.gz" 2>/dev/null |
	sed -n 's/^Showing nodes accounting for \([0-9]*\), .*/\1/p')
alloc=$(go tool pprof -top -sample_index=alloc_objects "$T/je.pb.gz" 2>/dev/null |
	sed -n 's/^Showing nodes accounting for \([0-9]*\), .*/\1/p')
# jeprof --text --inuse_objects/--alloc_objects on this file: Total: 1481 / 2950 objects.
check jemalloc_inuse_objects_as_jeprof [ "$obj" = 1481 ]
check jemalloc_alloc_objects_as_jeprof [ "$alloc" = 2950 ]

# Errors: one line, non-zero exit.
printf 'not a profile\n' >"$T/bad"
if $CPROF merge -o "$T/x" "$T/bad" 2>"$T/err"; then nok bad_input_fails; else
	check bad_input_one_line [ "$(wc -l <"$T/err")" = 1 ]
	check bad_input_names_file grep -q "bad: parsing profile: unrecognized profile format" "$T/err"
fi
cat "$FX/go-cpu.pb.gz" "$FX/go-cpu.pb.gz" >"$T/cat.pb.gz"
if $CPROF merge -o "$T/x" "$T/cat.pb.gz" 2>"$T/err"; then nok concatenated_fails; else
	check concatenated_message grep -q "concatenated profiles detected" "$T/err"
fi
if $CPROF merge -o "$T/x" "$FX/go-cpu.pb.gz" "$FX/go-heap.pb.gz" 2>"$T/err"; then
	nok incompatible_fails
else
	check incompatible_message grep -q "incompatible" "$T/err"
fi
if $CPROF merge -o "$T/x" "$T/missing.pb.gz" 2>"$T/err"; then nok missing_fails; else
	check missing_message grep -q "missing.pb.gz: No such file" "$T/err"
fi
