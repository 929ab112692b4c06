# Helpers shared by the robustness tests (tests/integration/cpu_robust_*.sh,
# cpu_badinput.sh); sourced after tests/lib.sh.

# Every program under test runs under a timeout, so a deadlock in the
# profiler fails one case instead of the whole script.
RUN_TIMEOUT=${RUN_TIMEOUT:-120}

# prof_run NAME PROFILE CMD...: run CMD profiled at 1000 Hz, stdout to
# $T/NAME.out, stderr to $T/NAME.err; sets rc.
prof_run() {
	_n=$1 _p=$2; shift 2
	rm -f "$_p"
	# env sets the preload for CMD only: timeout itself must not be profiled.
	timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" CPROF_CPU="$_p" CPROF_HZ=1000 "$@" \
		>"$T/$_n.out" 2>"$T/$_n.err"
	rc=$?
	[ "$rc" = 124 ] && echo "# $_n: timed out after ${RUN_TIMEOUT}s" >&2
	return 0
}

# expect_rc NAME WANT: the last prof_run's exit status is WANT (shows stderr
# on failure).
expect_rc() {
	if [ "$rc" = "$2" ]; then
		ok "$1_exit_status_$2"
	else
		nok "$1_exit_status_$2" "got $rc; stderr: $(head -c 600 "$T/$1.err" | tr '\n' '|')"
	fi
}

# expect_out NAME REGEX: the last run's stdout matches REGEX (grep -E).
expect_out() {
	if grep -Eq "$2" "$T/$1.out"; then
		ok "$1_output"
	else
		nok "$1_output" "want /$2/, got '$(head -c 200 "$T/$1.out" | tr '\n' '|')'"
	fi
}

# robust_profile NAME PROFILE [FUNC...]: PROFILE was written, go tool pprof
# reads it without any warning, it has samples, and (stacks are meaningless
# under TSan, see lib.sh) every FUNC appears in it.  Leaves -top in
# $T/NAME.top.
robust_profile() {
	_n=$1 _p=$2; shift 2
	if [ ! -s "$_p" ]; then
		nok "${_n}_profile_written" "$(head -c 600 "$T/$_n.err" 2>/dev/null | tr '\n' '|')"
		return 1
	fi
	if ! pprof_top "$_p" -unit=ms -nodefraction=0 -nodecount=100000 >"$T/$_n.top" 2>"$T/$_n.pprof"; then
		nok "${_n}_profile_readable" "$(head -c 600 "$T/$_n.pprof" | tr '\n' '|')"
		return 1
	fi
	ok "${_n}_profile_readable"
	_ms=$(sed -n 's/.*Total samples = \([0-9.]*\)ms.*/\1/p' "$T/$_n.top")
	if awk -v t="${_ms:-0}" 'BEGIN { exit !(t > 0) }'; then
		ok "${_n}_has_samples (${_ms}ms)"
	else
		nok "${_n}_has_samples" "total ${_ms:-none}"
	fi
	[ -n "$TSAN" ] && return 0
	for _f; do
		if grep -Eq "[[:space:]]$_f( \(inline\))?\$" "$T/$_n.top"; then
			ok "${_n}_shows_$_f"
		else
			nok "${_n}_shows_$_f" "not in: $(awk 'NR > 5 { print $NF }' "$T/$_n.top" | head -20 | tr '\n' ' ')"
		fi
	done
}
