# Issue 10, row 8: `cprof record` follows the whole process tree into one
# profile, as `perf record` does.  Debian's programs, their exit status and
# output unchanged:
#   shell: bash running 300 short commands, then burning CPU: one profile,
#          302+ processes reported, `pid` and `comm` labels that go tool
#          pprof's -tags/-tagfocus/-tagignore see, nothing left in the
#          working directory or in TMPDIR.
#   tree:  two shells burning CPU side by side: the profile's total within
#          ±10 % of the tree's CPU time (getrusage, tests/progs/rusage_run.c).
#   make:  `make -j2` on a small generated C project: cc1 and the others
#          separated by comm.
#   -f, --per-process, --heap.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
$CC -std=gnu17 -O2 -o "$T/rusage_run" "$CPROF_ROOT/tests/progs/rusage_run.c"
BURN='i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; echo burnt'
# Under TSan every exec'd program starts TSan's runtime as well (~0.3 s
# each): fewer commands there, so the run stays within its timeout.
N=300
[ -n "$TSAN" ] && N=30
LOOP='for i in $(seq '$N'); do /bin/true; done; '"$BURN"
mkdir -p "$T/tmp"

# rec NAME DIR ARGS...: cprof record ARGS in DIR; stdout/stderr to
# $T/NAME.out/.err; sets rc.
rec() {
	_n=$1 _d=$2; shift 2
	mkdir -p "$_d"
	(cd "$_d" && TMPDIR="$T/tmp" LD_PRELOAD="$SAN_PRELOAD" timeout -k 5 "$RUN_TIMEOUT" \
		"$CPROF" record "$@" >"$T/$_n.out" 2>"$T/$_n.err" </dev/null)
	rc=$?
}
# same NAME REF_OUT REF_RC: exit status and stdout as without cprof.
same() {
	check "$1_exit_status_unchanged ($rc vs $3)" test "$rc" = "$3"
	check "$1_stdout_unchanged" cmp -s "$2" "$T/$1.out"
}
# shown_ms PROFILE [ARGS...]: what go tool pprof -top shows after ARGS'
# filters, in ms (0 when they leave nothing).
shown_ms() {
	_p=$1; shift
	go tool pprof -top -unit=ms -nodefraction=0 "$@" "$_p" 2>/dev/null |
		sed -n 's/^Showing nodes accounting for \([0-9.]*\)\(ms\)*,.*/\1/p'
}
# processes NAME: the P of record's summary line.
processes() {
	sed -n 's/^cprof: wrote .*: [0-9]* samples, [0-9.]* s of CPU in [0-9.]* s, \([0-9]*\) process\(es\)*$/\1/p' "$T/$1.err"
}

# 1. A shell running 300 commands.
bash -c "$LOOP" >"$T/shell_ref.out" 2>&1
ref_rc=$?
rec shell "$T/shell" -F 250 -- bash -c "$LOOP"
same shell "$T/shell_ref.out" $ref_rc
check shell_one_file_in_cwd test "$(ls "$T/shell")" = cpu.pb.gz
check shell_private_dir_removed test -z "$(ls "$T/tmp")"
p=$(processes shell)
check "shell_processes_reported (${p:-none})" test "${p:-0}" -ge $((N + 2))
check shell_one_summary_line test "$(grep -c 'cprof:' "$T/shell.err")" = 1
if pprof_top "$T/shell/cpu.pb.gz" >/dev/null; then
	ok shell_profile_readable
	check shell_main_binary_is_bash grep -q '^File: bash$' "$T/pprof.out"
else
	nok shell_profile_readable
fi
go tool pprof -tags "$T/shell/cpu.pb.gz" >"$T/shell.tags" 2>/dev/null
check shell_pid_label grep -q '^ pid: Total' "$T/shell.tags"
check shell_comm_label_bash grep -Eq '^ +[0-9.]+m?s .*: bash$' "$T/shell.tags"
total=$(shown_ms "$T/shell/cpu.pb.gz")
bash_ms=$(shown_ms "$T/shell/cpu.pb.gz" -tagfocus=comm=bash)
other_ms=$(shown_ms "$T/shell/cpu.pb.gz" -tagignore=comm=bash)
check "shell_tagfocus_bash (${bash_ms}ms of ${total}ms)" awk -v b="${bash_ms:-0}" 'BEGIN { exit !(b > 0) }'
check "shell_tagfocus_tagignore_add_up (${bash_ms} + ${other_ms:-0} of ${total})" \
	within "$(awk -v a="${bash_ms:-0}" -v b="${other_ms:-0}" 'BEGIN { print a + b }')" "${total:-0}" 1

# 2. A tree whose CPU is in its processes' work: the total is the tree's.
TREE="sh -c '$BURN' & sh -c '$BURN'; wait"
rec tree "$T/tree" -F 250 -- "$T/rusage_run" "$T/tree.ms" bash -c "$TREE"
check "tree_exit_status_0 ($rc)" test "$rc" = 0
check tree_output test "$(grep -c burnt "$T/tree.out")" = 2
ms=$(pprof_total_ms "$T/tree/cpu.pb.gz" -nodefraction=0)
ru=$(cat "$T/tree.ms" 2>/dev/null)
if within "${ms:-0}" "${ru:-0}" 10; then
	ok "tree_total_within_10%_of_rusage (${ms}ms vs ${ru}ms)"
else
	nok "tree_total_within_10%_of_rusage" "profile ${ms:-none}ms, rusage ${ru:-none}ms"
fi

# 3. make -j2 on a small project.
mk() {
	rm -rf "$1"
	mkdir -p "$1"
	for i in 1 2 3 4 5 6; do
		printf 'int f%d(int x) { int s = 0; for (int i = 0; i < x; i++) s += i * %d; return s; }\n' $i $i >"$1/f$i.c"
	done
	printf 'int f1(int);\nint main(void) { return f1(3) & 0; }\n' >"$1/main.c"
	printf 'OBJ = f1.o f2.o f3.o f4.o f5.o f6.o main.o\nprog: $(OBJ)\n\tcc -o $@ $(OBJ)\n%%.o: %%.c\n\tcc -O2 -c $<\n' >"$1/Makefile"
}
mk "$T/make_ref"
# Not the make running this test suite's: no jobserver, no directory lines.
unset MAKEFLAGS MFLAGS MAKELEVEL
(cd "$T/make_ref" && make -j2 >"$T/make_ref.out" 2>"$T/make_ref.err")
ref_rc=$?
mk "$T/make"
rec make "$T/make" -F 250 -o "$T/make.pb.gz" -- make -j2
# -j2 may interleave its lines: compare them sorted.
check "make_exit_status_unchanged ($rc vs $ref_rc)" test "$rc" = "$ref_rc"
sort "$T/make_ref.out" >"$T/make_ref.sorted"
sort "$T/make.out" >"$T/make.sorted"
if cmp -s "$T/make_ref.sorted" "$T/make.sorted"; then
	ok make_output_unchanged
else
	nok make_output_unchanged "$(diff "$T/make_ref.sorted" "$T/make.sorted" | head -c 600 | tr '\n' '|'); stderr: $(head -c 600 "$T/make.err" | tr '\n' '|')"
fi
check make_built test -x "$T/make/prog"
check make_no_stray_files test -z "$(ls "$T/make" | grep -v -e '\.[co]$' -e '^Makefile$' -e '^prog$')"
p=$(processes make)
check "make_processes_reported (${p:-none})" test "${p:-0}" -ge 8
check make_profile_readable pprof_top "$T/make.pb.gz" >/dev/null
go tool pprof -tags "$T/make.pb.gz" >"$T/make.tags" 2>/dev/null
check make_comm_labels grep -q '^ comm: Total' "$T/make.tags"

# 4. -f: an existing output is refused, untouched, the program not run.
cp "$T/shell/cpu.pb.gz" "$T/keep.pb.gz"
rec nof "$T/shell" -- sh -c 'echo ran'
check "no_f_exit_status_nonzero ($rc)" test "$rc" != 0
check no_f_one_line grep -Eq "^cprof: record: 'cpu.pb.gz' exists; use -f to overwrite it$" "$T/nof.err"
check no_f_program_not_run sh -c "! grep -q ran '$T/nof.out'"
check no_f_output_untouched cmp -s "$T/keep.pb.gz" "$T/shell/cpu.pb.gz"
rec withf "$T/shell" -f -- sh -c "$BURN"
check "f_exit_status_0 ($rc)" test "$rc" = 0
check f_output_replaced sh -c "! cmp -s '$T/keep.pb.gz' '$T/shell/cpu.pb.gz'"
check f_output_readable pprof_top "$T/shell/cpu.pb.gz" >/dev/null

# 5. --per-process: one file per process, cpu.PID.pb.gz.
rec per "$T/per" --per-process -- bash -c 'for i in 1 2 3; do /bin/true; done; '"$BURN"
check "per_exit_status_0 ($rc)" test "$rc" = 0
n=$(ls "$T/per" | grep -c '^cpu\.[0-9][0-9]*\.pb\.gz$')
check "per_files ($n)" test "$n" = 4 -a "$(ls "$T/per" | wc -l)" = 4
check per_summary grep -Eq '^cprof: wrote 4 files cpu\.PID\.pb\.gz: [0-9]+ samples, [0-9.]+ s of CPU in [0-9.]+ s, 4 processes$' "$T/per.err"
bad=0
for f in "$T"/per/cpu.*.pb.gz; do
	pprof_top "$f" >/dev/null 2>&1 || bad=$((bad + 1))
done
check "per_files_readable ($bad bad)" test "$bad" = 0

# 6. --heap follows the tree too.
rec heap "$T/heap" --heap heap.pb.gz -- bash -c 'ls / >/dev/null; sort </dev/null'
check "heap_exit_status_0 ($rc)" test "$rc" = 0
if [ -n "$TSAN" ]; then
	na heap_profile "$NOSAMPLE_WHY: heap profiling is off"
else
	check heap_two_files sh -c "test \"\$(ls '$T/heap' | tr '\n' ' ')\" = 'cpu.pb.gz heap.pb.gz '"
	check heap_summary grep -Eq '^cprof: wrote heap\.pb\.gz: 3 processes$' "$T/heap.err"
	check heap_profile_readable pprof_top "$T/heap/heap.pb.gz" -sample_index=alloc_space >/dev/null
fi
check heap_private_dir_removed test -z "$(ls "$T/tmp")"
