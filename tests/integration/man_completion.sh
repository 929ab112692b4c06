# The man page (cprof.1) and the bash and zsh completions are generated from
# the command table (src/cli/usage.c): groff and man find nothing to warn
# about in the page, every command and every option the help lists is in the
# page and in both completions, the page names every CPROF_ variable
# libcprof reads, the completions complete (bash: sourced and called as bash
# calls it; zsh: typed into an interactive zsh through a pty), and each
# command's -h is `cprof help CMD`.
. "$CPROF_ROOT/tests/lib.sh"
eq() { if [ "$2" = "$3" ]; then ok "$1"; else nok "$1" "got '$2', want '$3'"; fi; }
MAN=$BUILD/cprof.1 BASHC=$BUILD/completion/cprof ZSHC=$BUILD/completion/_cprof
for f in "$MAN" "$BASHC" "$ZSHC"; do
	check "built_$(basename "$f")" test -s "$f"
done
"$CPROF" __gen man | cmp -s - "$MAN"
check man_page_current test $? = 0
"$CPROF" __gen nosuch >/dev/null 2>"$T/gen.err"
eq gen_bad_status $? 2
one_line gen_bad "$T/gen.err" "__gen: want man, bash or zsh"

# The page: no warnings from groff (all of them: -ww) nor from man.
if command -v groff >/dev/null 2>&1; then
	groff -man -ww -z "$MAN" >"$T/groff.out" 2>&1
	rc=$?
	check "man_groff_no_warnings ($(head -c 300 "$T/groff.out" | tr '\n' '|'))" \
		sh -c "[ $rc = 0 ] && ! [ -s '$T/groff.out' ]"
else
	skip man_groff_no_warnings "groff not installed (groff-base)"
fi
if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man --warnings -l "$MAN" >"$T/man.txt" 2>"$T/man.err"
	rc=$?
	check "man_no_warnings ($(head -c 300 "$T/man.err" | tr '\n' '|'))" \
		sh -c "[ $rc = 0 ] && ! [ -s '$T/man.err' ]"
	check man_renders_synopsis grep -q 'cprof -http=host:port \[-no_browser\]' "$T/man.txt"
	check man_renders_environment grep -q '^ENVIRONMENT' "$T/man.txt"
else
	skip man_no_warnings "man not installed (man-db)"
fi

# The commands and options, as `cprof help` lists them.
"$CPROF" help >"$T/help.txt"
cmds=$(sed -n '/^commands:/,/^$/{s/^  \([a-z]*\) .*/\1/p}' "$T/help.txt")
check commands_listed test "$(echo "$cmds" | wc -w)" -ge 14
missing=
for c in $cmds; do
	grep -q "^\.SS \"$c\"" "$MAN" || missing="$missing man:$c"
	grep -q "^	$c)\$" "$BASHC" || missing="$missing bash:$c"
	grep -q "^		'$c:" "$ZSHC" || missing="$missing zsh:$c"
	"$CPROF" help "$c" >"$T/h.$c" 2>&1 || missing="$missing help:$c"
	# every option the help shows: in the page and in both completions
	for o in $(sed -n 's/^  \(--*[a-z_A-Z-]*\).*/\1/p' "$T/h.$c"); do
		mo=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
		grep -q "^\\\\fB$mo\\\\fR" "$MAN" || missing="$missing man:$c:$o"
		grep -Eq "(\"| )$o( |\")" "$BASHC" || missing="$missing bash:$c:$o"
		grep -Fq "'$o[" "$ZSHC" || grep -Fq "'$o=[" "$ZSHC" || missing="$missing zsh:$c:$o"
	done
done
check "every_command_and_option_in_man_and_completions (missing:${missing:- none})" test -z "$missing"
# cprof CMD -h prints the same rows (benchstat's own usage: the same options).
diffs=
for c in $cmds; do
	[ "$c" = benchstat ] && continue
	"$CPROF" "$c" -h >"$T/dash_h" 2>&1
	cmp -s "$T/dash_h" "$T/h.$c" || diffs="$diffs $c"
done
check "dash_h_is_help_cmd (differ:${diffs:- none})" test -z "$diffs"
"$CPROF" benchstat -h >"$T/bs_h" 2>&1
bsmiss=
for o in $(sed -n 's/^  \(-[a-z]*\).*/\1/p' "$T/h.benchstat"); do
	grep -q "^  $o " "$T/bs_h" || bsmiss="$bsmiss $o"
done
check "benchstat_h_lists_the_options (missing:${bsmiss:- none})" test -z "$bsmiss"
check help_record_lists_heap grep -q '^  --heap FILE ' "$T/h.record"
check help_top_lists_report_options grep -q '^  -nodecount N ' "$T/h.top"

# Every CPROF_ variable libcprof reads (tests' own CPROF_TEST_*, and
# CPROF_CPU_ROOT, which libcprof sets for itself, aside) is in the page.
envmiss=
for v in $(grep -oh '"CPROF_[A-Z0-9_]*"' "$CPROF_ROOT"/src/runtime/*.c | tr -d '"' | sort -u); do
	case $v in CPROF_TEST_* | CPROF_CPU_ROOT) continue ;; esac
	grep -q "^\\\\fB$v" "$MAN" || envmiss="$envmiss $v"
done
check "man_environment_complete (missing:${envmiss:- none})" test -z "$envmiss"

# bash: source the completion, call _cprof as bash does, read COMPREPLY.
if command -v bash >/dev/null 2>&1; then
	mkdir -p "$T/cwd/sub" "$T/bin" && : >"$T/cwd/cpu.pb.gz" && : >"$T/cwd/cpu.txt"
	printf '#!/bin/sh\n' >"$T/bin/cprofzzprog" && chmod +x "$T/bin/cprofzzprog"
	bcomp() { # bcomp WORD...: what completing the last word offers
		(cd "$T/cwd" && PATH="$T/bin:$PATH" bash -c '. "$1"; shift
			COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"
			_cprof; ((${#COMPREPLY[@]} == 0)) || printf "%s\n" "${COMPREPLY[@]}" | sort -u | tr "\n" " "' \
			bcomp "$BASHC" "$@")
	}
	bash_case() { # bash_case NAME WANT WORD...
		_n=$1 _w=$2; shift 2
		_g=$(bcomp "$@")
		if [ "$_g" = "$_w" ]; then ok "bash_$_n"; else nok "bash_$_n" "got '$_g', want '$_w'"; fi
	}
	bash_case commands "text top trace traces tree " cprof t
	bash_case command_or_file "cpu.pb.gz cpu.txt " cprof cp
	bash_case top_flags "-nodecount -nodefraction " cprof top -nod
	bash_case top_format_flags "-top -topproto -total_delay " cprof top -to
	bash_case top_files "cpu.pb.gz cpu.txt " cprof top -cum cpu
	bash_case top_dir "sub " cprof top s
	bash_case output_value_is_file "cpu.pb.gz cpu.txt " cprof top -output cpu
	bash_case go_equals_value_is_file "cpu.pb.gz cpu.txt " cprof top -output = cpu
	bash_case numeric_value_none "" cprof top -nodecount ""
	bash_case record_flags "--heap " cprof record --he
	bash_case record_program "cprofzzprog " cprof record -o x.pb.gz cprofzz
	bash_case record_program_after_dashes "cprofzzprog " cprof record -- cprofzz
	bash_case record_program_args "cpu.pb.gz cpu.txt " cprof record -o x.pb.gz ls cpu
	bash_case help_commands "flame " cprof help fl
	bash_case toplevel_pprof_flags "-top -topproto -total_delay " cprof -to
	bash_case toplevel_http "-http " cprof -ht
	bash_case flame_own_and_report "--html " cprof flame --ht
	bash_case web_http "-http " cprof web -ht
	bash_case trace_flags "-n -top " cprof trace -
else
	skip bash_completion "bash not installed"
fi

# zsh: type into an interactive zsh (tests/progs/zsh_complete.zsh) and read what
# the completion offered.
if command -v zsh >/dev/null 2>&1; then
	mkdir -p "$T/zf" && cp "$ZSHC" "$T/zf/_cprof"
	zsh_case() { # zsh_case NAME WANT LINE
		_g=$(cd "$T/cwd" && timeout -k 5 60 zsh -f "$CPROF_ROOT/tests/progs/zsh_complete.zsh" "$T/zf" "$3" |
			tr '\n' ' ')
		if [ "$_g" = "$2" ]; then ok "zsh_$1"; else nok "zsh_$1" "got '$_g', want '$2'"; fi
	}
	zsh_case commands "text top trace traces tree " "cprof t"
	zsh_case top_flags "-nodecount -nodefraction " "cprof top -nod"
	zsh_case top_files "cpu.pb.gz cpu.txt " "cprof top -cum cpu"
	zsh_case output_value_is_file "cpu.pb.gz cpu.txt " "cprof top -output cpu"
	zsh_case record_flags "--heap " "cprof record --he"
	zsh_case help_commands "flame " "cprof help fl"
	zsh_case toplevel_pprof_flags "-top -topproto -total_delay " "cprof -to"
	zsh_case benchstat_flags "-alpha " "cprof benchstat -al"
else
	skip zsh_completion "zsh not installed"
fi
