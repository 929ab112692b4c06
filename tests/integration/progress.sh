# Progress and summary lines (src/cli/progress.c): on a terminal (a pty from
# util-linux's script), a report of a large generated profile
# (bench/gen_profile.c) shows a \r-updated progress line on stderr, clears
# it, and ends with a one-line summary; the report itself is byte for byte
# the one printed to a pipe, where stderr stays empty.  cprof flame and record
# likewise, with its summary line in both cases.  CPROF_TEST_PROGRESS_MS=0
# shows the line at once instead of after a second, so that nothing here
# depends on the machine's speed.
. "$CPROF_ROOT/tests/lib.sh"
if ! command -v script >/dev/null 2>&1; then
	skip progress "script not installed (util-linux)"
	exit 0
fi
eq() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "got '$2', want '$3'"; fi; }
$CC -std=c17 -O2 -I"$CPROF_ROOT/src" -I"$CPROF_ROOT/include" -o "$T/gen_profile" \
	"$CPROF_ROOT/bench/gen_profile.c" "$CPROF_ROOT/src/base/buf.c" \
	"$CPROF_ROOT/src/profile/pbwire.c" "$CPROF_ROOT/src/profile/profile.c" -lz || {
	nok gen_profile_build
	exit 1
}
"$T/gen_profile" -s 50000 "$T/big.pb.gz"
check big_profile_written test -s "$T/big.pb.gz"
# tty CMD: run the shell command CMD with stderr (and stdin, stdout unless
# redirected) on a pty; its terminal output lands in $T/ts.
tty() {
	rm -f "$T/ts"
	CPROF_TEST_PROGRESS_MS=${MS-0} TERM=xterm timeout -k 5 120 script -qfec "$1" "$T/ts" \
		</dev/null >/dev/null 2>&1
}
# The terminal's bytes without script's header and footer lines (and the
# empty line script writes before its footer).
body() { sed -e '/^Script started on /d' -e '/^Script done on /d' "$T/ts" | sed '${/^$/d}'; }

# Not a terminal: no progress, no summary, even with the delay at 0.
"$CPROF" top -nodecount=10 "$T/big.pb.gz" >"$T/plain.out" 2>"$T/plain.err"
eq pipe_status $? 0
check pipe_report_not_empty test -s "$T/plain.out"
check pipe_stderr_empty test ! -s "$T/plain.err"
CPROF_TEST_PROGRESS_MS=0 "$CPROF" top -nodecount=10 "$T/big.pb.gz" >"$T/plain0.out" 2>"$T/plain0.err"
check pipe_unchanged_by_delay cmp -s "$T/plain.out" "$T/plain0.out"
check pipe_stderr_empty_with_delay_0 test ! -s "$T/plain0.err"

# stderr a terminal, stdout a file.
tty "'$CPROF' top -nodecount=10 '$T/big.pb.gz' >'$T/tty.out'"
eq tty_status $? 0
check tty_report_identical cmp -s "$T/plain.out" "$T/tty.out"
body >"$T/ts.body"
cr=$(printf '\r') esc=$(printf '\033')
# (which stages show depends on how long each takes: any of them)
stages='(reading profiles|symbolizing|building the report)'
check tty_progress_line grep -Eq "${cr}cprof: $stages\\.\\.\\. [0-9.]+s${esc}\\[K" "$T/ts.body"
check tty_progress_cleared grep -q "${cr}${esc}\\[Kcprof: top: " "$T/ts.body"
check tty_summary grep -Eq "cprof: top: 50000 samples from 1 profile in [0-9.]+ s${cr}?\$" "$T/ts.body"

# Both on the terminal: the progress line is cleared before the report is
# printed, so the report reads as it does in a pipe.
tty "'$CPROF' top -nodecount=10 '$T/big.pb.gz'"
eq tty_stdout_status $? 0
body | perl -pe 's/\r\e\[K//g; s/\rcprof: [^\r]*?\e\[K//g; s/\r\n/\n/g; s/^cprof: top: \d+ samples .*\n//' \
	>"$T/tty2.out"
check tty_stdout_report_intact cmp -s "$T/plain.out" "$T/tty2.out"
body >"$T/ts.body"
check tty_stdout_progress_before_report perl -0777 -ne \
	'exit(index($_, "\e[K") >= 0 && rindex($_, "\e[K") < index($_, "File:") ? 0 : 1)' "$T/ts.body"

# Streamed reports (written as they are made) too.
"$CPROF" -folded "$T/big.pb.gz" >"$T/folded.plain" 2>"$T/folded.err"
tty "'$CPROF' -folded '$T/big.pb.gz' >'$T/folded.tty'"
check tty_folded_identical cmp -s "$T/folded.plain" "$T/folded.tty"
check tty_folded_progress grep -Eq "cprof: ($stages|writing the report)\\.\\.\\." "$T/ts"
check pipe_folded_stderr_empty test ! -s "$T/folded.err"

# cprof flame likewise.
"$CPROF" flame "$T/big.pb.gz" -o "$T/plain.svg" 2>"$T/flame.err"
tty "'$CPROF' flame '$T/big.pb.gz' -o '$T/tty.svg'"
eq tty_flame_status $? 0
check tty_flame_identical cmp -s "$T/plain.svg" "$T/tty.svg"
check tty_flame_progress grep -Eq "cprof: (reading profiles|drawing the flame graph)\\.\\.\\." "$T/ts"
check tty_flame_summary grep -Eq "cprof: flame: [0-9]+ samples in [0-9.]+ s" "$T/ts"
check pipe_flame_stderr_empty test ! -s "$T/flame.err"

# Quick work shows nothing on a terminal with the real delay (a second): the
# small fixture takes milliseconds.
MS= tty "'$CPROF' top '$CPROF_ROOT/tests/fixtures/profiles/go-cpu.pb.gz' >'$T/small.out'"
check tty_quick_no_progress sh -c "! grep -q 'cprof:' '$T/ts'"

# cprof record: the summary line in a pipe and on a terminal, the progress
# line only on the terminal.
(cd "$T" && LD_PRELOAD="$SAN_PRELOAD" "$CPROF" record -o rec.pb.gz -- sh -c 'exit 0' \
	>/dev/null 2>"$T/rec.err")
eq record_status $? 0
one_line record_pipe "$T/rec.err" '^cprof: wrote rec\.pb\.gz: [0-9]+ samples, [0-9.]+ s of CPU in [0-9.]+ s, 1 process$'
tty "cd '$T' && LD_PRELOAD='$SAN_PRELOAD' '$CPROF' record -f -o rec.pb.gz -- sh -c 'exit 0'"
eq record_tty_status $? 0
check record_tty_progress grep -q "${cr}cprof: writing the profile\\.\\.\\." "$T/ts"
check record_tty_summary grep -Eq "${cr}${esc}\\[Kcprof: wrote rec\\.pb\\.gz: [0-9]+ samples, [0-9.]+ s of CPU in [0-9.]+ s, 1 process" "$T/ts"
