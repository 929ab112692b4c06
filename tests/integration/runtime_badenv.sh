#!/bin/sh
# libcprof's environment variables with bad, empty and extreme values.  Inside
# a host the rule is: the program runs unchanged (output, exit status 7), a bad
# value gives exactly one "cprof:" line for the whole process tree (the child
# the host starts does not repeat it), an empty value means "unset", and what
# is written is a whole profile or nothing.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
cc_prog "$T/host" robust_host.c
mkdir -p "$T/w"

# env_case NAME LINES REGEX VAR=VALUE...: run the host (which runs /bin/true)
# in an empty $T/w under LD_PRELOAD with these settings; stderr must hold
# LINES "cprof:" lines (0 or 1), matching REGEX.
env_case() {
	_n=$1 _lines=$2 _re=$3; shift 3
	rm -rf "$T/w" && mkdir -p "$T/w"
	(cd "$T/w" && timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" "$@" "$T/host" /bin/true \
		>"$T/$_n.out" 2>"$T/$_n.err")
	rc=$?
	expect_rc "$_n" 7
	expect_out "$_n" '^hello$'
	_c=$(grep -c 'cprof:' "$T/$_n.err")
	if [ "$_c" = "$_lines" ] && { [ "$_lines" = 0 ] || grep 'cprof:' "$T/$_n.err" | grep -Eq -- "$_re"; }; then
		ok "${_n}_stderr_${_lines}_lines"
	else
		nok "${_n}_stderr_${_lines}_lines" "$_c lines: $(head -c 400 "$T/$_n.err" | tr '\n' '|')"
	fi
}
# profiles NAME N: $T/w holds N files, each a profile go tool pprof reads.
profiles() {
	_k=0 _bad=
	for _f in "$T"/w/*; do
		[ -e "$_f" ] || continue
		_k=$((_k + 1))
		pprof_top "$_f" >/dev/null 2>&1 || _bad="$_bad $(basename "$_f")"
	done
	if [ "$_k" = "$2" ] && [ -z "$_bad" ]; then ok "${1}_${2}_profiles"; else
		nok "${1}_${2}_profiles" "$_k files ($(ls "$T/w" | tr '\n' ' ')), unreadable:${_bad:- none}"; fi
}

# CPROF_HZ beyond long, and empty (= the default).
env_case hz_beyond_long 1 "invalid CPROF_HZ '99999999999999999999999'" CPROF_CPU=c.pb.gz CPROF_HZ=99999999999999999999999
profiles hz_beyond_long 0
env_case hz_empty 0 "" CPROF_CPU=c.pb.gz CPROF_HZ=
profiles hz_empty 2
env_case cpu_empty 0 "" CPROF_CPU=
profiles cpu_empty 0

# CPROF_CPU_RING: reported once (not again by the child), default ring used.
for v in abc 8abc 0 -1 12 131072 99999999999999999999; do
	env_case "ring_$v" 1 "invalid CPROF_CPU_RING '$v'.*using the default" CPROF_CPU=c.pb.gz CPROF_CPU_RING="$v"
	profiles "ring_$v" 2
done
env_case ring_empty 0 "" CPROF_CPU=c.pb.gz CPROF_CPU_RING=
profiles ring_empty 2

# CPROF_SYMBOLIZE: full or lean (the default); anything else is said once.
for v in full lean ""; do
	env_case "symbolize_${v:-empty}" 0 "" CPROF_CPU=c.pb.gz CPROF_SYMBOLIZE="$v"
	profiles "symbolize_${v:-empty}" 2
done
env_case symbolize_bogus 1 "invalid CPROF_SYMBOLIZE 'bogus': want full or lean; using lean" \
	CPROF_CPU=c.pb.gz CPROF_SYMBOLIZE=bogus
profiles symbolize_bogus 2
# PPROF_BINARY_PATH (read by the CLI's symbolisation only): odd values are
# harmless in a host, and the CLI still reads the profile.
env_case pprof_binary_path_odd 0 "" CPROF_CPU=c.pb.gz PPROF_BINARY_PATH=":/nonexistent::$(printf '%04000d' 0)"
profiles pprof_binary_path_odd 2
for v in ":/nonexistent::" "/dev/null" "$(printf '%05000d' 0)"; do
	n=pprof_binary_path_cli_$(printf '%s' "$v" | head -c 12 | tr -c 'a-z0-9' '_')
	PPROF_BINARY_PATH="$v" "$CPROF" top -nodecount=3 "$T/w/c.pb.gz" >"$T/$n.out" 2>"$T/$n.err"
	rc=$?
	if [ $rc = 0 ] && [ -s "$T/$n.out" ] && ! grep -q 'cprof:' "$T/$n.err"; then ok "$n"
	else nok "$n" "exit $rc: $(head -c 200 "$T/$n.err" | tr '\n' '|')"; fi
done

# CPROF_CPU_USE_PID / CPROF_CPU_ROOT: odd values never lose the profile.
env_case use_pid_odd 0 "" CPROF_CPU=c.pb.gz CPROF_CPU_USE_PID=maybe
profiles use_pid_odd 2
env_case root_not_a_pid 0 "" CPROF_CPU=c.pb.gz CPROF_CPU_USE_PID=1 CPROF_CPU_ROOT=abc
profiles root_not_a_pid 2
env_case root_empty 0 "" CPROF_CPU=c.pb.gz CPROF_CPU_ROOT=
profiles root_empty 2

# CPROF_HEAP on /dev/full, with an over-long name; CPROF_HEAP_RATE extremes.
if [ -n "$SANITIZE" ]; then
	na heap_env "libcprof's heap profiler does not run behind a sanitizer's allocator"
else
	long=$(printf '%05000d' 0)
	env_case heap_long_name 1 "cannot write CPROF_HEAP '0+\\.\\.\\.0+': File name too long; that profile is not written" CPROF_HEAP="$long"
	profiles heap_long_name 0
	env_case heap_rate_beyond_long 1 "invalid CPROF_HEAP_RATE '99999999999999999999999'" \
		CPROF_HEAP=h.pb.gz CPROF_HEAP_RATE=99999999999999999999999
	profiles heap_rate_beyond_long 0
	env_case heap_rate_empty 0 "" CPROF_HEAP=h.pb.gz CPROF_HEAP_RATE=
	profiles heap_rate_empty 2 # the host's and its exec'd child's (path.PID)
	if [ -w /dev/full ]; then
		# Each process of the tree writes its own heap profile, and each
		# failure is its own line: two processes, two lines, both say why.
		rm -rf "$T/w" && mkdir -p "$T/w"
		(cd "$T/w" && timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" CPROF_HEAP=/dev/full \
			"$T/host" >"$T/heap_full.out" 2>"$T/heap_full.err")
		rc=$?
		expect_rc heap_full 7
		expect_out heap_full '^hello$'
		c=$(grep -c "^cprof: writing the heap profile '/dev/full' failed: No space left on device" "$T/heap_full.err")
		[ "$c" = 1 ] && [ "$(wc -l <"$T/heap_full.err")" = 1 ] && ok heap_full_one_line ||
			nok heap_full_one_line "$(head -c 300 "$T/heap_full.err" | tr '\n' '|')"
	else
		skip heap_full "no writable /dev/full"
	fi
fi
