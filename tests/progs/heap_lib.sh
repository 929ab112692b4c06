# Helpers shared by the heap-profiler tests (tests/integration/heap_*.sh);
# sourced after tests/lib.sh.

# Every program under test runs under a timeout, so a deadlock in the
# interposer fails one case instead of the whole script.
RUN_TIMEOUT=${RUN_TIMEOUT:-120}

# Under a sanitizer libcprof cannot sample, and tests then assert only what
# still holds (the program runs unchanged, settings are diagnosed, profiles
# are readable), saying so with `ok NAME # n/a WHY` lines (na, tests/lib.sh):
#  - AddressSanitizer: libasan comes first in the preload list and its
#    malloc interceptor serves the program's allocations; libcprof's malloc
#    is never called, so nothing is counted either (NOSTATS).
#  - ThreadSanitizer: libcprof's malloc comes first and counts every call,
#    but the allocator behind it is TSan's interceptor, not glibc's, whose
#    chunk layout sampling relies on: cprof counts, does not sample, and
#    says so in one line on stderr (that line is expected in these runs).
NOSAMPLE= NOSTATS= ASAN=
case "$SANITIZE" in
*address*)
	ASAN=1 NOSAMPLE=1 NOSTATS=1
	NOSAMPLE_WHY="ASan's malloc interceptor precedes libcprof's: allocations never reach cprof"
	# The programs' own checks of the exact counters are off (nothing to
	# count), and huge requests must fail as libc's do instead of aborting.
	export HEAP_TEST_NO_STATS=1
	# ...and what ASan's allocator does its own way is not checked either
	# (operator new aborts instead of throwing, memalign(48) fails).
	export HEAP_TEST_SANITIZER=1
	export ASAN_OPTIONS="allocator_may_return_null=1:${ASAN_OPTIONS:-}" ;;
*thread*)
	NOSAMPLE=1
	NOSAMPLE_WHY="under TSan the allocator behind libcprof is TSan's interceptor, not glibc's: cprof counts but does not sample"
	# cprof_heap_set_rate says -ENOTSUP; TSan's allocator has its own ways
	# with huge requests (as ASan's, above).
	export HEAP_TEST_NO_SAMPLING=1 HEAP_TEST_SANITIZER=1
	export TSAN_OPTIONS="allocator_may_return_null=1:${TSAN_OPTIONS:-}" ;;
esac
SAN_NOTE="the program's allocator is not glibc's"


# hrun NAME CMD...: run CMD with libcprof preloaded (CMD is usually
# `env VAR=... prog`), stdout to $T/NAME.out, stderr to $T/NAME.err; sets rc.
hrun() {
	_n=$1; shift
	timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" "$@" >"$T/$_n.out" 2>"$T/$_n.err"
	rc=$?
	[ "$rc" = 124 ] && echo "# $_n: timed out after ${RUN_TIMEOUT}s" >&2
	return 0
}

# want_rc NAME WANT: the last hrun's exit status.
want_rc() {
	if [ "$rc" = "$2" ]; then
		ok "$1_exit_status_$2"
	else
		nok "$1_exit_status_$2" "got $rc; stderr: $(head -c 600 "$T/$1.err" | tr '\n' '|')"
	fi
}

# truth NAME KEY: the value the program printed as "KEY VALUE".
truth() { awk -v k="$2" '$1 == k { print $2; exit }' "$T/$1.out"; }

# flat PROFILE INDEX FUNC [ARGS...]: FUNC's flat value for sample index
# INDEX, as an integer (bytes or objects), per go tool pprof -top (which must
# not warn); 0 if FUNC is absent, "error" if pprof failed.
flat() {
	_p=$1 _i=$2 _f=$3; shift 3
	pprof_top "$_p" -unit=B -nodefraction=0 -nodecount=100000 -sample_index="$_i" "$@" >"$T/flat.out" ||
		{ echo error; return; }
	awk -v f="$_f" 'NR > 1 && $NF == f { v = $1; sub(/B$/, "", v); print v; found = 1; exit }
		END { if (!found) print 0 }' "$T/flat.out"
}

# add A B...: the sum of integers, "error" if any is not one.
add() { echo "$@" | awk '{ s = 0; for (i = 1; i <= NF; i++) { if ($i !~ /^[0-9]+$/) { print "error"; exit } s += $i } print s }'; }

# total PROFILE INDEX [ARGS...]: the profile's total for INDEX.
total() {
	_p=$1 _i=$2; shift 2
	pprof_top "$_p" -unit=B -sample_index="$_i" "$@" |
		sed -n 's/^Showing nodes accounting for .* of \([0-9]*\)B total.*/\1/p'
}

# eq NAME GOT WANT: exact equality of two integers.
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "got '${2}', want '$3'"; fi
}

# near NAME GOT WANT PCT
near() {
	if [ -n "$2" ] && within "$2" "$3" "$4"; then
		ok "$1 ($2 vs $3)"
	else
		nok "$1" "got '${2}', want $3 +-$4%"
	fi
}

# readable PROFILE [INDEX...]: go tool pprof -top reads PROFILE with every
# INDEX (default: the four heap sample types), without any warning.
readable() {
	_p=$1; shift
	[ $# = 0 ] && set -- alloc_objects alloc_space inuse_objects inuse_space
	for _i; do
		pprof_top "$_p" -sample_index="$_i" >/dev/null 2>"$T/readable.err" || return 1
	done
}

# quiet NAME: the last run printed nothing on stderr (but the sanitizer
# note that sampling is off, in the runs where that is expected).
quiet() {
	if grep -v "$SAN_NOTE" "$T/$1.err" | grep -q .; then
		nok "$1_no_diagnostic" "$(head -c 300 "$T/$1.err" | tr '\n' '|')"
	else
		ok "$1_no_diagnostic"
	fi
}
