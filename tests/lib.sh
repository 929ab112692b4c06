# Shared helpers for integration tests (sourced).  Cases print "ok NAME" or
# "not ok NAME"; the driver counts them.
set -u
: "${CPROF_ROOT:?run through tests/run}"
BUILD=$CPROF_BUILD
LIB=$BUILD/libcprof.so
CPROF=$BUILD/cprof
CC=${CC:-cc}
SANITIZE=${SANITIZE:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/cprof-it.XXXXXX")
trap 'rm -rf "$T"' EXIT
export GOFLAGS=-mod=mod GOCACHE="${GOCACHE:-/tmp/cprof-gocache}"

# Sanitizer runtimes must come first in a preload list.
PRELOAD=$LIB
TEST_CFLAGS=""
# Under ThreadSanitizer asynchronous signals are delivered late (at the next
# intercepted call), with the context of the original interruption: stacks and
# thread attribution are not meaningful there, so tests assert them only
# without TSan (every other check still runs).
TSAN=
case "$SANITIZE" in
*address*) PRELOAD="$($CC -print-file-name=libasan.so) $LIB"; TEST_CFLAGS="-fsanitize=$SANITIZE"
	export ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}" ;;
*thread*) # libcprof first: its pthread_create/sigaction must wrap TSan's
	# interceptors, not the reverse (TSan initialises from the program's
	# preinit_array, before any library constructor).
	PRELOAD="$LIB $($CC -print-file-name=libtsan.so)"; TEST_CFLAGS="-fsanitize=thread"; TSAN=1 ;;
esac
# The sanitizer runtime alone, for commands that add libcprof themselves
# (`cprof record` puts it where the sanitizer needs it).
SAN_PRELOAD=$(echo "$PRELOAD" | tr ' ' '\n' | grep -v -x "$LIB" | tr '\n' ' ')

ok() { echo "ok $1"; }
nok() { echo "not ok $1${2:+: $2}"; }
# Cases that do not run are never passes (tests/run counts them as skipped,
# and as failed under CI=true; see docs/TESTING.md):
# skip NAME WHY: a prerequisite (tool, package, device, IPv6...) is missing.
skip() { echo "ok $1 # skip $2"; }
# na NAME WHY: the check cannot hold in this build configuration (only under
# a sanitizer: $SANITIZE set); under CI=true, n/a without a sanitizer fails.
na() { echo "ok $1 # n/a $2"; }
# one_line NAME FILE REGEX: FILE (a host's stderr) has exactly one line
# with "cprof:", and it matches REGEX.
one_line() {
	_c=$(grep -c 'cprof:' "$2")
	if [ "$_c" = 1 ] && grep 'cprof:' "$2" | grep -Eq "$3"; then
		ok "$1_one_line_on_stderr"
	else
		nok "$1_one_line_on_stderr" "$_c lines: $(head -c 400 "$2" | tr '\n' '|')"
	fi
}
check() { # check NAME CMD... : ok if CMD succeeds
	name=$1; shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
# judge NAME WRC GRC [empty-ok]: decide a comparison of cprof with the oracle
# (go tool pprof) from the exit statuses WRC (pprof) and GRC (cprof) and the
# files $T/want, $T/want.err (pprof's stdout, stderr), $T/got, $T/got.err.
# When pprof succeeds cprof must succeed and print the same, non-empty unless
# "empty-ok" is given (two empty outputs prove nothing).  When pprof refuses,
# cprof must refuse too: exit 1 or 2 (a signal or crash fails), the same
# stdout, and a first stderr line "cprof: MSG" where MSG is a line of pprof's
# stderr.
judge() {
	_n=$1 _w=$2 _g=$3 _e=${4:-}
	if [ "$_w" = 0 ]; then
		if [ "$_g" != 0 ]; then
			nok "$_n" "cprof failed (exit $_g): $(head -n 1 "$T/got.err")"
		elif [ -z "$_e" ] && [ ! -s "$T/want" ]; then
			nok "$_n" "pprof printed nothing: nothing was compared"
		elif ! cmp -s "$T/want" "$T/got"; then
			nok "$_n" "output differs: $(diff "$T/want" "$T/got" | head -n 6 | tr '\n' '|')"
		else
			ok "$_n"
		fi
		return
	fi
	_l=$(head -n 1 "$T/got.err")
	if [ "$_g" != 1 ] && [ "$_g" != 2 ]; then
		nok "$_n" "cprof exit $_g, want 1 or 2 (pprof refused: $(head -n 1 "$T/want.err"))"
	elif ! cmp -s "$T/want" "$T/got"; then
		nok "$_n" "stdout differs from pprof's on error"
	elif [ "${_l#cprof: }" = "$_l" ] || [ -z "${_l#cprof: }" ]; then
		nok "$_n" "first stderr line is not 'cprof: MSG': '$_l'"
	elif ! grep -qxF -- "${_l#cprof: }" "$T/want.err"; then
		nok "$_n" "'$_l' is not pprof's message: $(head -n 2 "$T/want.err" | tr '\n' '|')"
	else
		ok "$_n"
	fi
}

# refuses NAME RC REGEX CMD...: CMD must fail with exit status RC (1: the
# input or the system failed, 2: usage), print one stderr line starting
# "cprof: " and matching the extended REGEX, and nothing on stdout.
# Output in $T/NAME.out, $T/NAME.err.
refuses() {
	_n=$1 _rc=$2 _re=$3; shift 3
	"$@" >"$T/$_n.out" 2>"$T/$_n.err"
	_got=$?
	if [ "$_got" != "$_rc" ]; then
		nok "$_n" "exit $_got, want $_rc: $(head -c 300 "$T/$_n.err" | tr '\n' '|')"
	elif [ "$(wc -l <"$T/$_n.err")" != 1 ] || ! grep -q '^cprof: ' "$T/$_n.err" ||
		! grep -Eq -- "$_re" "$T/$_n.err"; then
		nok "$_n" "want one line 'cprof: ...$_re...', got: $(head -c 300 "$T/$_n.err" | tr '\n' '|')"
	elif [ -s "$T/$_n.out" ]; then
		nok "$_n" "wrote to stdout: $(head -c 100 "$T/$_n.out" | tr '\n' '|')"
	else
		ok "$_n"
	fi
}

# contains NAME TEXT FILE: FILE contains the fixed string TEXT, which must not
# be empty (an empty pattern matches anything: the oracle printed nothing).
contains() {
	if [ -z "$2" ]; then nok "$1" "nothing to look for: the expected text is empty"
	elif grep -qF -- "$2" "$3"; then ok "$1"
	else nok "$1" "'$(printf '%s' "$2" | head -c 120)' not in $(basename "$3")"; fi
}

# cc_prog OUT SRC [FLAGS...]: build a test program from tests/progs.
cc_prog() {
	out=$1 src=$2; shift 2
	$CC -std=gnu17 -O2 -g -pthread $TEST_CFLAGS -I"$CPROF_ROOT/include" -o "$out" "$CPROF_ROOT/tests/progs/$src" "$@"
}
# pprof_top PROFILE [ARGS...]: go tool pprof -top; fails on any warning.
pprof_top() {
	prof=$1; shift
	go tool pprof -top "$@" "$prof" >"$T/pprof.out" 2>"$T/pprof.err" || { cat "$T/pprof.err" >&2; return 1; }
	if grep -v -e '^File:' -e '^Type:' -e '^Time:' -e '^Duration:' -e '^Showing' -e '^Build ID' "$T/pprof.err" | grep -q .; then
		echo "pprof warned:" >&2; cat "$T/pprof.err" >&2; return 1
	fi
	cat "$T/pprof.out"
}

# pprof_total_ms PROFILE [ARGS...]: the profile's total in ms, per go tool pprof.
pprof_total_ms() {
	prof=$1; shift
	go tool pprof -top -unit=ms "$@" "$prof" 2>/dev/null |
		sed -n 's/.*Total samples = \([0-9.]*\)ms.*/\1/p; s/^Showing nodes accounting for \([0-9.]*\)ms.*/\1/p' | tail -n 1
}
# within A B PCT: |A - B| <= PCT% of B (floats).
within() { awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= b * p / 100) }'; }
