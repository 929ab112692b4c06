#!/bin/sh
# `cprof FILE` with no report flag: go tool pprof's interactive shell.  The
# same commands are typed into both shells, on a pipe and through a pty
# (tests/progs/pty_drive.c), and what they print is compared byte for byte
# (the prompt's name aside); then what only cprof's shell has: tab
# completion, history, `web`.
. "$CPROF_ROOT/tests/lib.sh"

if ! command -v go >/dev/null 2>&1; then
	nok shell_go "go not installed"
	exit 1
fi
if ! (cd "$T" && go run "$CPROF_ROOT/tests/go/profiles.go" "$T") >"$T/gen.log" 2>&1; then
	nok shell_profiles "$(tail -n 3 "$T/gen.log")"
	exit 1
fi
cc_prog "$T/pty_drive" pty_drive.c || { nok shell_pty_drive "cannot build"; exit 1; }
FIX=$CPROF_ROOT/tests/fixtures/profiles
mkdir -p "$T/home"
export HOME="$T/home"
unset BROWSER

# piped NAME PROFILE SCRIPT: both shells read SCRIPT (printf format) from a
# pipe in $T (list finds its sources there): same exit status (0), same
# stdout, non-empty and holding a report, same stderr.
piped() {
	_n=$1 _p=$2 _s=$3
	# shellcheck disable=SC2059
	printf "$_s" >"$T/script"
	(cd "$T" && go tool pprof "$_p" <"$T/script" >"$T/want" 2>"$T/want.err"); wrc=$?
	(cd "$T" && "$CPROF" "$_p" <"$T/script" 2>"$T/got.err" | sed 's/(cprof) /(pprof) /g' >"$T/got"); grc=$?
	if [ "$wrc" != 0 ] || [ "$grc" != 0 ]; then
		nok "$_n" "exit pprof $wrc, cprof $grc: $(head -n 2 "$T/got.err" | tr '\n' '|')"
	elif ! grep -q 'Showing nodes\|ROUTINE\|-----' "$T/want"; then
		nok "$_n" "pprof printed no report: nothing was compared"
	elif ! cmp -s "$T/want" "$T/got"; then
		nok "$_n" "stdout differs: $(diff "$T/want" "$T/got" | head -n 6 | tr '\n' '|')"
	elif ! cmp -s "$T/want.err" "$T/got.err"; then
		nok "$_n" "stderr differs: $(diff "$T/want.err" "$T/got.err" | head -n 6 | tr '\n' '|')"
	else
		ok "$_n"
	fi
}

piped shell_reports "$T/cpu.pb.gz" 'top\ntop5\ntop -cum\ntop3 -cum main\ntop3 -runtime\npeek main.fib\nlist main.fib\ntraces\ntree 5\ntext 4 fib\n'
piped shell_options "$T/cpu.pb.gz" 'focus=main\nnodecount=4\ntop\nhide=runtime\ntree\n:\nsort=cum\ntop3\ngranularity=lines\ntop3\nlines=false\nfiles\ntop3\nfunctions=1\nnodefraction=0.50\ndivide_by=0.00001\nunit=s\ntop3\no\n'
piped shell_heap "$T/heap.pb.gz" 'top3\ninuse_objects\ntop3\nalloc_space\ntop -cum 4\nmean_alloc_space\ntop3\ntotal_alloc_space\nsample_index=0\ntop3\nsample_index=inuse_space\ntags\no\n'
piped shell_errors "$T/cpu.pb.gz" 'bogus\nsample_index=nope\nsample_index=9\nnodecount=x\nfocus\ngranularity=xx\nlist\ntop10abc\nnodecount 3\ncum\nflat=maybe\npeek no_such_fn\nlist no_such_fn\nhelp no_such\nlines 3\nsort 3\ngranularity\nhelp sort\nhelp cum\ntop2\n'
piped shell_fixture_cpu "$FIX/go-cpu.pb.gz" 'top3\npeek Sum256\ntree 4\ntraces\ndot 3\nraw\n'
piped shell_fixture_heap "$FIX/go-heap.pb.gz" 'top4 -cum\nalloc_objects\ntop4\ntags\n'
# call_tree: graphs get a node per call path (the block profile's ties are
# few enough for pprof's output to be the same every time).
piped shell_call_tree "$T/block.pb.gz" 'call_tree=true\ndot\ndot 5\ntop3\ncall_tree=false\ndot 5\no\n'

# Regexp errors: the words differ (RE2 and POSIX), the line and the going on do not.
printf 'focus=(\ntop2\n:\ntop2\n' | "$CPROF" "$FIX/go-cpu.pb.gz" >"$T/re.out" 2>"$T/re.err"; rc=$?
check shell_bad_regexp_status [ "$rc" = 0 ]
check shell_bad_regexp_line grep -q '^parsing focus regexp: ' "$T/re.err"
check shell_bad_regexp_goes_on grep -q '^Showing top 2 nodes out of 29$' "$T/re.out"

# > FILE and output=: the same files, "Generating report in FILE" on stderr.
printf 'top3 > %s\noutput=%s\ntree 3\noutput=\ntop2\n' "$T/w1" "$T/w2" | go tool pprof "$T/cpu.pb.gz" >"$T/want" 2>"$T/want.err"
printf 'top3 > %s\noutput=%s\ntree 3\noutput=\ntop2\n' "$T/g1" "$T/g2" | "$CPROF" "$T/cpu.pb.gz" >"$T/got" 2>"$T/got.err"
check shell_redirect_top cmp -s "$T/w1" "$T/g1"
check shell_redirect_output cmp -s "$T/w2" "$T/g2"
check shell_redirect_not_empty test -s "$T/g1" -a -s "$T/g2"
check shell_redirect_says grep -qxF "Generating report in $T/g2" "$T/got.err"

# Through a terminal: pprof's and cprof's transcripts are the same bytes
# (carriage returns and the ^D echo aside), errors in red included.
S='top3\ntop -cum\npeek main.fib\nfocus=main\ntop3\nbogus\npeek nomatch\nlist fib\n'
# shellcheck disable=SC2059
printf "$S" | (cd "$T" && "$T/pty_drive" '(pprof) ' go tool pprof "$T/cpu.pb.gz") >"$T/pty.want"; wrc=$?
# shellcheck disable=SC2059
printf "$S" | (cd "$T" && "$T/pty_drive" '(cprof) ' "$CPROF" "$T/cpu.pb.gz") >"$T/pty.got"; grc=$?
tr -d '\r' <"$T/pty.want" >"$T/pty.want.n"
tr -d '\r' <"$T/pty.got" | sed 's/(cprof) /(pprof) /g; s/(pprof) ^D$/(pprof) /' >"$T/pty.got.n"
if [ "$wrc" != 0 ] || [ "$grc" != 0 ]; then
	nok shell_pty_parity "exit pprof $wrc, cprof $grc"
elif ! grep -q 'ROUTINE' "$T/pty.want.n"; then
	nok shell_pty_parity "pprof printed no list: nothing was compared"
elif ! cmp -s "$T/pty.want.n" "$T/pty.got.n"; then
	nok shell_pty_parity "$(diff "$T/pty.want.n" "$T/pty.got.n" | head -n 6 | tr '\n' '|')"
else
	ok shell_pty_parity
fi

# Tab completion (libedit, dlopen-ed: Debian's libedit2, scripts/deps.sh).
if ! ldconfig -p | grep -q 'libedit\.so\.2 '; then
	skip shell_tab "libedit2 is not installed (Debian: libedit2)"
else
# A function name from a unique substring, an
# option name to NAME=, a command name; then history in ~/.cprof_history.
printf 'peek Sum2\t\nfoc\tSum256\ntop2\ntra\t\nopt\t\n' |
	"$T/pty_drive" '(cprof) ' "$CPROF" "$FIX/go-cpu.pb.gz" >"$T/tab.out"; rc=$?
tr -d '\r' <"$T/tab.out" >"$T/tab.n"
check shell_tab_status [ "$rc" = 0 ]
check shell_tab_function grep -q '^ *20ms  3.70%  3.70%      510ms 94.44%                | crypto/sha256.Sum256$' "$T/tab.n"
check shell_tab_option grep -qx '   focus=Sum256' "$T/tab.n"
check shell_tab_command grep -q '^-----------+-------------------------------------------------------$' "$T/tab.n"
check shell_tab_options_listed grep -q '^  focus  *= Sum256  *$' "$T/tab.n"
check shell_history grep -qx 'top2' "$HOME/.cprof_history"
fi

# A terminal without libedit (a stand-in libedit.so.2 that lacks its
# functions): plain lines from the terminal, the same reports.
mkdir -p "$T/noedit"
echo 'int cprof_test_not_libedit;' >"$T/noedit/x.c"
$CC -shared -o "$T/noedit/libedit.so.2" "$T/noedit/x.c"
printf 'top3\n' | LD_LIBRARY_PATH="$T/noedit" "$T/pty_drive" '(cprof) ' "$CPROF" "$FIX/go-cpu.pb.gz" >"$T/noedit.out"; rc=$?
tr -d '\r' <"$T/noedit.out" >"$T/noedit.n"
check shell_no_libedit_status [ "$rc" = 0 ]
check shell_no_libedit_report grep -q '^Showing top 3 nodes out of 29$' "$T/noedit.n"
check shell_no_libedit_prompt grep -q '^(cprof) top3$' "$T/noedit.n"
# No terminal, no libedit: lines from stdin; EOF ends the shell with 0.
echo top | "$CPROF" "$FIX/go-cpu.pb.gz" >"$T/echo.out" 2>"$T/echo.err"; rc=$?
check shell_stdin_status [ "$rc" = 0 ]
check shell_stdin_report grep -q '^Showing top 10 nodes out of 29$' "$T/echo.out"
"$CPROF" "$FIX/go-cpu.pb.gz" </dev/null >"$T/null.out" 2>"$T/null.err"; rc=$?
check shell_eof_status [ "$rc" = 0 ]
check shell_greeting grep -qx 'Entering interactive mode (type "help" for commands, "o" for options)' "$T/null.err"
# Flags before the file are the options' starting values.
echo o | "$CPROF" -focus=Sum -nodecount=7 "$FIX/go-cpu.pb.gz" >/dev/null 2>"$T/flags.err"
check shell_flags_focus grep -q '^  focus  *= Sum  *$' "$T/flags.err"
check shell_flags_nodecount grep -q '^  nodecount  *= 7  *$' "$T/flags.err"
# normalize is applied as the profiles are read (pprof's rule): the
# command line's -normalize shows in the options, setting it later says so.
printf 'o\nnormalize=false\n' |
	"$CPROF" -normalize -diff_base="$FIX/go-cpu.pb.gz" "$FIX/go-cpu.pb.gz" >/dev/null 2>"$T/norm.err"
check shell_normalize_from_flag grep -q '^  normalize  *= true  *' "$T/norm.err"
check shell_normalize_note grep -qF 'note: normalize applies when the profiles are loaded (cprof -normalize -diff_base=BASE ...); it is on for this one' "$T/norm.err"
echo o | "$CPROF" -call_tree "$FIX/go-cpu.pb.gz" >/dev/null 2>"$T/ct.err"
check shell_flags_call_tree grep -q '^  call_tree  *= true  *$' "$T/ct.err"
# A report flag still means the report, not the shell.
"$CPROF" -top -nodecount=2 "$FIX/go-cpu.pb.gz" </dev/null >"$T/top.out" 2>/dev/null
check shell_not_for_report_flags grep -q '^Showing top 2 nodes' "$T/top.out"
# help: the list, a command's usage, an option's line; an unknown topic.
printf 'help\nhelp top\nhelp focus\nhelp nosuch\n' | "$CPROF" "$FIX/go-cpu.pb.gz" >/dev/null 2>"$T/help.err"
check shell_help_list grep -q '^    weblist  *Display annotated source' "$T/help.err"
check shell_help_cmd grep -qxF '    top [n] [focus_regex]* [-ignore_regex]* [-cum] >f' "$T/help.err"
check shell_help_option grep -q '^Restricts to samples going through a node matching regexp$' "$T/help.err"
check shell_help_unknown grep -qx 'Unknown command: nosuch' "$T/help.err"
# Files only (proto, svg...) go to profileNNN.EXT, never to the terminal.
(cd "$T" && printf 'proto\n' | "$CPROF" "$FIX/go-cpu.pb.gz" >/dev/null 2>"$T/proto.err")
check shell_proto_file go tool pprof -top -output="$T/proto.top" "$T/profile001.pb.gz"
check shell_proto_says grep -qx 'Generating report in profile001.pb.gz' "$T/proto.err"

# web: cprof's web UI on the profile with the shell's options, $BROWSER
# opened on the view; the server ends with the shell.
printf '#!/bin/sh\necho "$1" >>%s\n' "$T/opened" >"$T/browser"
chmod +x "$T/browser"
mkfifo "$T/in"
mkdir -p "$T/tmpd"
cp "$FIX/go-heap.pb.gz" "$T/tmpd/other.pb.gz"
TMPDIR=$T/tmpd BROWSER=$T/browser "$CPROF" "$FIX/go-cpu.pb.gz" <"$T/in" >"$T/web.out" 2>"$T/web.err" &
sp=$!
exec 3>"$T/in"
printf 'focus=Sum256\nweb\n' >&3
web_url() { # web_url OUT: the URL the shell printed in OUT, within 10 s
	url=
	for _ in $(seq 100); do
		url=$(sed -n 's/.*Serving web UI on \(http:[^ ]*\).*/\1/p' "$1" | head -n 1)
		[ -n "$url" ] && break
		sleep 0.1
	done
}
web_url "$T/web.out"
check shell_web_url test -n "$url"
case $url in */graph) ok shell_web_graph_view ;; *) nok shell_web_graph_view "$url" ;; esac
code=$(curl -s -o "$T/page" -w '%{http_code}' "${url%graph}top")
check shell_web_serves [ "$code" = 200 ]
check shell_web_focus grep -q 'Sum256' "$T/page"
# Its profile is alone in a directory of its own: $TMPDIR's profiles are
# not offered as bases.
if grep -q 'other.pb.gz' "$T/page"; then nok shell_web_no_tmpdir_bases; else ok shell_web_no_tmpdir_bases; fi
for _ in $(seq 50); do [ -s "$T/opened" ] && break; sleep 0.1; done
check shell_web_browser grep -qxF "$url" "$T/opened"
echo quit >&3
exec 3>&-
wait $sp; rc=$?
check shell_web_quit_status [ "$rc" = 0 ]
code=$(curl -s -o /dev/null -w '%{http_code}' "${url%graph}top")
check shell_web_server_ended [ "$code" = 000 ]
check shell_web_tmp_removed [ "$(ls "$T/tmpd" | tr '\n' ' ')" = "other.pb.gz " ]
# A shell killed outright (SIGKILL: no chance to stop it) still takes its
# server with it, and the server removes its profile.
rm -f "$T/in2"; mkfifo "$T/in2"
TMPDIR=$T/tmpd "$CPROF" -no_browser "$FIX/go-cpu.pb.gz" <"$T/in2" >"$T/kill.out" 2>"$T/kill.err" &
sp=$!
exec 3>"$T/in2"
printf 'web\n' >&3
web_url "$T/kill.out"
code=$(curl -s -o /dev/null -w '%{http_code}' "${url%graph}top")
check shell_killed_web_up [ "$code" = 200 ]
kill -KILL $sp
wait $sp 2>/dev/null
exec 3>&-
for _ in $(seq 50); do
	code=$(curl -s -o /dev/null -w '%{http_code}' "${url%graph}top")
	[ "$code" = 000 ] && [ "$(ls "$T/tmpd" | tr '\n' ' ')" = "other.pb.gz " ] && break
	sleep 0.1
done
check shell_killed_web_ended [ "$code" = 000 ]
check shell_killed_web_tmp_removed [ "$(ls "$T/tmpd" | tr '\n' ' ')" = "other.pb.gz " ]
# -no_browser: the URL printed, no browser.
rm -f "$T/opened"
printf 'weblist Sum256\n' | BROWSER=$T/browser "$CPROF" -no_browser "$FIX/go-cpu.pb.gz" >"$T/nb.out" 2>/dev/null
check shell_no_browser_url grep -q 'Serving web UI on http://127.0.0.1:[0-9]*/source?p=Sum256' "$T/nb.out"
check shell_no_browser_none test ! -e "$T/opened"
