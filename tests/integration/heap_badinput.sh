# Bad heap-profiler settings (issue 3, case 6): an invalid CPROF_HEAP_RATE
# (abc, -1, 0x, 0, 12k), unwritable CPROF_HEAP / CPROF_LEAKS_OUT / CPROF_TEMP
# paths, and invalid CPROF_LEAKS / CPROF_HEAP_INTERVAL / CPROF_LEAKS_EXITCODE
# each give exactly one clear "cprof:" line on stderr naming the setting or
# the path; the program runs on with its own output and exit status (7).
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/host" heap_host.c -ldl
mkdir -p "$T/adir" "$T/w"

# one_line NAME REGEX: the last run's stderr has exactly one "cprof:" line,
# matching REGEX (the leak report's own lines aside: the host leaks).
one_line() {
	grep 'cprof:' "$T/$1.err" | grep -Ev '^cprof: (leak: |leaks: | +#)' | grep -v "$SAN_NOTE" >"$T/$1.lines"
	_c=$(grep -c . "$T/$1.lines")
	if [ "$_c" = 1 ] && grep -Eq "$2" "$T/$1.lines"; then
		ok "$1_one_line_on_stderr"
	else
		nok "$1_one_line_on_stderr" "$_c lines: $(head -c 400 "$T/$1.err" | tr '\n' '|')"
	fi
}

# host_case NAME REGEX ENV...: the host under libcprof with ENV.
host_case() {
	_n=$1 _re=$2; shift 2
	cd "$T/w" || return
	hrun "$_n" "$@" "$T/host" run
	cd "$T" || return
	want_rc "$_n" 7
	if grep -qx hello "$T/$_n.out"; then ok "${_n}_output"; else nok "${_n}_output" "$(head -c 200 "$T/$_n.out")"; fi
	one_line "$_n" "$_re"
}

for r in abc -1 0x 0 12k 1e3; do
	name=rate_$(echo "$r" | tr -c 'a-zA-Z0-9\n-' '_')
	host_case "$name" "invalid CPROF_HEAP_RATE '$r'" CPROF_HEAP="$T/w/h.pb.gz" CPROF_HEAP_RATE="$r"
	check "${name}_unprofiled" test ! -e "$T/w/h.pb.gz"
done

host_case heap_no_dir "cannot write '/nonexistent/dir/h.pb.gz'.*No such file" CPROF_HEAP=/nonexistent/dir/h.pb.gz
host_case heap_is_dir "cannot write '$T/adir'.*(Is a directory|directory)" CPROF_HEAP="$T/adir"
host_case leaks_out_no_dir "cannot write '/nonexistent/l.pb.gz'" CPROF_LEAKS=1 CPROF_LEAKS_OUT=/nonexistent/l.pb.gz
check leaks_out_no_summary sh -c "! grep -q 'cprof: leaks:' '$T/leaks_out_no_dir.err'"
host_case temp_no_dir "cannot write '/nonexistent/t.pb.gz'" CPROF_TEMP=/nonexistent/t.pb.gz
host_case leaks_bad_mode "invalid CPROF_LEAKS 'yes'" CPROF_LEAKS=yes CPROF_HEAP="$T/w/lm.pb.gz"
if [ -n "$NOSAMPLE" ] && [ -z "$ASAN" ]; then
	na interval_bad "$NOSAMPLE_WHY; the interval is read only when heap profiling runs"
else
	host_case interval_bad "invalid CPROF_HEAP_INTERVAL 'soon'" CPROF_HEAP="$T/w/iv.pb.gz" CPROF_HEAP_INTERVAL=soon
fi
if [ -n "$NOSAMPLE" ]; then
	na interval_bad_profile_still_written "$NOSAMPLE_WHY"
else
	check interval_bad_profile_still_written readable "$T/w/iv.pb.gz"
fi
host_case exitcode_bad "invalid CPROF_LEAKS_EXITCODE 'x'" CPROF_LEAKS=1 CPROF_LEAKS_OUT="$T/w/le.pb.gz" CPROF_LEAKS_EXITCODE=x
if [ -n "$NOSAMPLE" ]; then
	na exitcode_bad_leaks_still_reported "$NOSAMPLE_WHY"
else
	check exitcode_bad_leaks_still_reported grep -q '^cprof: leaks: 1000000 bytes in 100 objects' "$T/exitcode_bad.err"
fi
