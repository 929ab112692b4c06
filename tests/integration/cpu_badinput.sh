# Bad input (issue 2 §3): invalid CPROF_HZ, unwritable CPROF_CPU paths, bad
# `cprof record` command lines.  Each gives one clear line on stderr
# containing "cprof:"; under LD_PRELOAD the host program still runs, its
# output and exit status unchanged, unprofiled (no profile file), and the
# child it starts does not repeat the message.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
cc_prog "$T/host" robust_host.c
mkdir -p "$T/adir" "$T/w"
REC_PRELOAD=$(echo "$PRELOAD" | sed "s|$LIB||; s|^ *||; s| *\$||")


# host_case NAME CPROF_CPU CPROF_HZ REGEX: the host under LD_PRELOAD with
# these settings.
host_case() {
	_n=$1 _cpu=$2 _hz=$3 _re=$4
	(cd "$T/w" && timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" CPROF_CPU="$_cpu" \
		CPROF_HZ="$_hz" "$T/host" /bin/true >"$T/$_n.out" 2>"$T/$_n.err")
	rc=$?
	expect_rc "$_n" 7
	expect_out "$_n" '^hello$'
	one_line "$_n" "$T/$_n.err" "$_re"
}

for hz in abc 0 -5 99999999 12x; do
	host_case "hz_$hz" "$T/w/hz.pb.gz" "$hz" "CPROF_HZ '$hz'"
	check "hz_${hz}_unprofiled" test -z "$(ls "$T/w")"
done

host_case cpu_no_dir /nonexistent/dir/x.pb.gz 1000 "/nonexistent/dir/x.pb.gz.*No such file"
host_case cpu_is_dir "$T/adir" 1000 "adir.*(Is a directory|directory)"
check cpu_is_dir_unprofiled test -z "$(ls "$T/adir")"
long=$T/w/$(printf '%05000d' 0)
host_case cpu_name_too_long "$long" 1000 "(too long|File name)"
check "cpu_unwritable_unprofiled" test -z "$(ls "$T/w")"
# Opens fine, fails when written at exit: reported once, status unchanged.
if [ -w /dev/full ]; then
	host_case cpu_dev_full /dev/full 1000 "No space left"
else
	skip cpu_dev_full "no writable /dev/full"
fi

# cprof record.
# rec_case NAME WANT_RC REGEX ARGS...: cprof record ARGS; the host must not
# have run (no "hello").
rec_case() {
	_n=$1 _want=$2 _re=$3; shift 3
	(cd "$T/w" && LD_PRELOAD="$REC_PRELOAD" timeout -k 5 "$RUN_TIMEOUT" "$CPROF" record "$@" \
		>"$T/$_n.out" 2>"$T/$_n.err" </dev/null)
	rc=$?
	expect_rc "$_n" "$_want"
	one_line "$_n" "$T/$_n.err" "$_re"
	check "${_n}_program_not_run" sh -c "! grep -q hello '$T/$_n.out'"
}
rec_case record_unknown_flag 2 "unknown option '--bogus'" --bogus -- "$T/host"
rec_case record_unknown_short_flag 2 "unknown option '-x'" -x -- "$T/host"
rec_case record_bad_hz 2 "invalid -F 'abc'" -F abc -- "$T/host"
rec_case record_zero_hz 2 "invalid -F '0'" -F 0 -- "$T/host"
rec_case record_o_without_value 2 "'-o' needs a value" -o
rec_case record_no_program 2 "no program" -o "$T/w/x.pb.gz"
rec_case record_no_program_after_dashes 2 "no program" -o "$T/w/x.pb.gz" --
rec_case record_unwritable_output 1 "cannot write '/nonexistent/dir/x.pb.gz'" \
	-o /nonexistent/dir/x.pb.gz -- "$T/host"
rec_case record_output_is_dir 1 "cannot write .*adir" -o "$T/adir" -- "$T/host"
rec_case record_missing_program 127 "cannot run '$T/does-not-exist'" \
	-o "$T/w/missing.pb.gz" -- "$T/does-not-exist"
check record_missing_program_leaves_no_file test ! -e "$T/w/missing.pb.gz"
check record_cases_unprofiled test -z "$(ls "$T/w")"

(cd "$T/w" && "$CPROF" bogus >"$T/cmd.out" 2>"$T/cmd.err")
rc=$?
expect_rc cmd 2
one_line unknown_command "$T/cmd.err" "unknown command 'bogus'"
