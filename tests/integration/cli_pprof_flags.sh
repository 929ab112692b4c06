# pprof's command-line habits: `cprof -top FILE` and every report flag at
# the top level, `cprof -http=ADDR [-no_browser] FILE`, `cprof help CMD`,
# and a near miss answered with a suggestion.
. "$CPROF_ROOT/tests/lib.sh"
P=$CPROF_ROOT/tests/fixtures/profiles/go-cpu.pb.gz
C=$BUILD/cprof
cmdeq() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "got '$2', want '$3'"; fi; }

"$C" -top -nodecount=5 "$P" >"$T/flag.out" 2>"$T/flag.err"
cmdeq top_flag_status $? 0
"$C" top -nodecount=5 "$P" >"$T/cmd.out" 2>/dev/null
check top_flag_same_as_command cmp -s "$T/flag.out" "$T/cmd.out"
check top_flag_not_empty test -s "$T/flag.out"
"$C" -traces "$P" >"$T/traces.out" 2>/dev/null
cmdeq traces_flag_status $? 0
check traces_flag_output grep -q -- '-----------+-------------------------------------------------------' "$T/traces.out"

"$C" -http=127.0.0.1:0 -no_browser "$P" >"$T/web.out" 2>"$T/web.err" &
wp=$!
url=
for _ in $(seq 100); do
	url=$(sed -n 's/^Serving web UI on \(http:[^ ]*\).*/\1/p' "$T/web.out" "$T/web.err" | head -1)
	[ -n "$url" ] && break
	sleep 0.1
done
check http_flag_serves test -n "$url"
cmdeq http_flag_page "$(curl -s -o /dev/null -w '%{http_code}' "$url")" 200
kill $wp 2>/dev/null
wait $wp 2>/dev/null

"$C" help top >"$T/help.out" 2>&1
cmdeq help_cmd_status $? 0
check help_cmd_usage grep -q '^usage: cprof top' "$T/help.out"
"$C" help nosuch >"$T/helpbad.out" 2>&1
cmdeq help_unknown_status $? 2
one_line help_unknown "$T/helpbad.out" "help: unknown command 'nosuch'"
"$C" tpo "$P" >"$T/typo.out" 2>&1
cmdeq typo_status $? 2
one_line typo "$T/typo.out" "unknown command 'tpo'; did you mean 'top'\\?"
# A file and no report flag: pprof's interactive shell (tests/integration/shell.sh).
echo top2 | "$C" "$P" >"$T/bare.out" 2>"$T/bare.err"
cmdeq bare_file_status $? 0
check bare_file_shell grep -q '^(cprof) Showing nodes accounting for' "$T/bare.out"
