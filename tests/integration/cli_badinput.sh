#!/bin/sh
# Bad input to the cprof command: output that cannot be written, inputs that
# are not profile files, numbers at the edges, environment variables with bad
# values.  Each must end with exit 1 (the input or the system failed) or 2
# (usage), one "cprof: " line on stderr, and nothing half-written.
. "$CPROF_ROOT/tests/lib.sh"
P=$CPROF_ROOT/tests/fixtures/profiles/go-cpu.pb.gz
FF=$CPROF_ROOT/tests/fixtures/flame
mkdir -p "$T/dir" "$T/w"
if [ -w /dev/full ]; then FULL=1; else FULL=; fi

# absent NAME FILE: nothing was left at FILE.
absent() { if [ -e "$2" ]; then nok "$1" "$2 left behind"; else ok "$1"; fi; }

# --- output failures ---------------------------------------------------------
for w in "merge -o" "top -output" "flame -o"; do
	n=$(echo "$w" | tr -c 'a-z\n' '_')
	refuses "${n}_no_dir" 1 'No such file or directory' "$CPROF" $w "$T/nodir/x" "$P"
	refuses "${n}_directory" 1 'Is a directory' "$CPROF" $w "$T/dir" "$P"
	if [ -n "$FULL" ]; then
		refuses "${n}_dev_full" 1 'No space left on device' "$CPROF" $w /dev/full "$P"
	else
		skip "${n}_dev_full" "no writable /dev/full"
	fi
done
# Written whole or not at all: a write that fails half way (RLIMIT_FSIZE,
# SIGXFSZ ignored: write() returns EFBIG) leaves no partial file, and an old
# file at that path stays as it was.
if command -v prlimit >/dev/null 2>&1; then
	for w in "merge -o" "top -output" "flame -o"; do
		n=$(echo "$w" | tr -c 'a-z\n' '_')
		rm -f "$T/part.out"
		sh -c "trap '' XFSZ; exec prlimit --fsize=300 \"\$@\"" sh "$CPROF" $w "$T/part.out" "$P" \
			>/dev/null 2>"$T/$n.fsize.err"
		rc=$?
		if [ $rc = 1 ] && [ ! -e "$T/part.out" ] && [ "$(wc -l <"$T/$n.fsize.err")" = 1 ] &&
			grep -q '^cprof: .*File too large' "$T/$n.fsize.err" && [ -z "$(ls "$T" | grep 'part.out.tmp')" ]; then
			ok "${n}_partial_write_leaves_nothing"
		else
			nok "${n}_partial_write_leaves_nothing" "exit $rc: $(ls "$T" | grep part | tr '\n' ' ') $(head -c 200 "$T/$n.fsize.err")"
		fi
		echo old >"$T/old.out"
		sh -c "trap '' XFSZ; exec prlimit --fsize=300 \"\$@\"" sh "$CPROF" $w "$T/old.out" "$P" >/dev/null 2>&1
		check "${n}_partial_write_keeps_old_file" sh -c "[ \"\$(cat '$T/old.out')\" = old ]"
	done
else
	skip partial_write "no prlimit (Debian util-linux)"
fi
# stdout on a full disk: the report's write fails, exit 1, one line.
for c in "top" "flame" "report -raw" "traces"; do
	n=stdout_full_$(echo "$c" | tr -c 'a-z\n' '_')
	if [ -n "$FULL" ]; then
		"$CPROF" $c "$P" >/dev/full 2>"$T/$n.err"
		rc=$?
		if [ $rc = 1 ] && [ "$(wc -l <"$T/$n.err")" = 1 ] && grep -q '^cprof: .*\(No space left\|write error\)' "$T/$n.err"; then
			ok "$n"; else nok "$n" "exit $rc: $(head -c 200 "$T/$n.err" | tr '\n' '|')"; fi
	else
		skip "$n" "no writable /dev/full"
	fi
done
# cprof record: the output is checked before the program runs, and a probe
# leaves nothing behind.
refuses record_o_no_dir 1 "record: cannot write '$T/nodir/r.pb.gz': No such file" \
	"$CPROF" record -o "$T/nodir/r.pb.gz" -- /bin/echo ran
refuses record_o_directory 1 "record: cannot write '$T/dir': Is a directory" \
	"$CPROF" record -o "$T/dir" -- /bin/echo ran
for f in "" -f; do
	refuses "record_o_dev_full${f:+_f}" 1 "record: cannot write '/dev/full': not a regular file" \
		"$CPROF" record $f -o /dev/full -- /bin/echo ran
done
(cd "$T/w" && "$CPROF" record -o r.pb.gz -- ./no-such-program) >/dev/null 2>"$T/rec.err"
rc=$?
[ $rc = 127 ] && grep -q "^cprof: record: cannot run './no-such-program'" "$T/rec.err" &&
	ok record_cannot_run || nok record_cannot_run "exit $rc: $(cat "$T/rec.err")"
absent record_cannot_run_leaves_no_profile "$T/w/r.pb.gz"
CPROF_LIB=/etc/passwd refuses record_cprof_lib_not_elf 1 "CPROF_LIB '/etc/passwd' is not a readable ELF" \
	"$CPROF" record -o "$T/w/r2.pb.gz" -- /bin/echo ran
CPROF_LIB=$T/dir refuses record_cprof_lib_directory 1 "CPROF_LIB '.*' is not a readable ELF" \
	"$CPROF" record -o "$T/w/r2.pb.gz" -- /bin/echo ran
CPROF_LIB=/nonexistent/libcprof.so refuses record_cprof_lib_missing 1 "CPROF_LIB '/nonexistent/libcprof.so'" \
	"$CPROF" record -o "$T/w/r2.pb.gz" -- /bin/echo ran
absent record_bad_lib_leaves_no_profile "$T/w/r2.pb.gz"

# --- inputs that are not profile files ----------------------------------------
refuses input_directory 1 "$T/dir: Is a directory" "$CPROF" top "$T/dir"
refuses input_dev_zero 1 '/dev/zero: a device, not a profile file' timeout 20 "$CPROF" top /dev/zero
# A gzip bomb: 11 MB that inflate to 2.1 GiB of zeros (33 gzip members of
# 64 MiB each, as a stream may hold) stop at the 2 GiB cap, CPROF_DECODE_MAX,
# with its message, in bounded memory.
# Zeros decode as 2-byte unknown fields, as Go's decoder skips them: 1 G
# of them take ~14 s, and several minutes through ThreadSanitizer's
# instrumentation of the decoder (ASan's is cheaper).
if [ -n "$TSAN" ]; then
	na input_gzip_bomb "2 GiB of fields through ThreadSanitizer's instrumentation outlast the test's timeout"
else
	head -c 67108864 /dev/zero | gzip -1 >"$T/z64.gz"
	k=0; while [ $k -lt 33 ]; do cat "$T/z64.gz"; k=$((k + 1)); done >"$T/bomb.pb.gz"
	refuses input_gzip_bomb 1 'bomb.pb.gz: profile larger than the 2048 MiB limit' \
		timeout 250 "$CPROF" top "$T/bomb.pb.gz"
	rm -f "$T/z64.gz" "$T/bomb.pb.gz"
fi
refuses input_missing 1 'nope.pb.gz: No such file or directory' "$CPROF" top "$T/nope.pb.gz"
mkfifo "$T/fifo"
(exec 3>"$T/fifo"; sleep 1) &
refuses input_empty_fifo 1 'fifo: parsing profile: empty input file' timeout 20 "$CPROF" top "$T/fifo"
wait
# A FIFO carrying a profile is read like a file (process substitution).
(cat "$P" >"$T/fifo") &
timeout 20 "$CPROF" top "$T/fifo" >"$T/fifo.top" 2>"$T/fifo.err"
rc=$?
wait
"$CPROF" top "$P" >"$T/file.top" 2>/dev/null
[ $rc = 0 ] && [ -s "$T/fifo.top" ] && cmp -s "$T/fifo.top" "$T/file.top" && ok input_fifo_profile ||
	nok input_fifo_profile "exit $rc: $(head -c 200 "$T/fifo.err")"
head -c 1000 "$P" >"$T/trunc.pb.gz"
refuses input_truncated_gzip 1 'trunc.pb.gz: ' "$CPROF" top "$T/trunc.pb.gz"

# --- numbers at the edges -------------------------------------------------------
refuses divide_by_zero 1 'zero divisor specified' "$CPROF" top -divide_by=0 "$P"
refuses nodecount_overflow 2 'invalid value "99999999999999999999" for -nodecount' \
	"$CPROF" top -nodecount=99999999999999999999 "$P"
refuses nodecount_not_a_number 2 'invalid value "x" for -nodecount' "$CPROF" top -nodecount=x "$P"
for w in 0 -5 99 100001 abc ""; do
	refuses "flame_width_${w:-empty}" 2 "invalid value \"$w\" for --width" "$CPROF" flame --width "$w" "$P"
done
for m in abc 5%% -1 "" 1e999; do
	n=flame_minwidth_$(printf '%s' "${m:-empty}" | tr -c 'a-z0-9' '_')
	refuses "$n" 2 "invalid value \"$m\" for --minwidth" "$CPROF" flame --minwidth="$m" "$P"
done
# Sample values near INT64_MAX (folded input): 2^62 + 2^61 is drawn exactly;
# a total beyond 2^63-1 is refused, not wrapped into a wrong or empty graph.
printf 'a;b 4611686018427387904\na;c 2305843009213693952\n' >"$T/big.folded"
"$CPROF" flame "$T/big.folded" >"$T/big.svg" 2>"$T/big.err"
check big_values_total grep -q '<title>all (6917529027641081856 samples, 100.00%)</title>' "$T/big.svg"
printf 'a;b 4611686018427387904\na;c 4611686018427387904\n' >"$T/over.folded"
refuses sum_overflow_refused 1 'over.folded: the counts add up to more than 2\^63-1' "$CPROF" flame "$T/over.folded"

# profile.proto sample values near INT64_MAX whose sum passes 2^63-1: Go's
# int64 arithmetic wraps and cprof's reports match pprof's byte for byte
# (computed in unsigned arithmetic: no undefined behaviour, UBSan checks).
if [ -x /usr/bin/python3 ]; then
	/usr/bin/python3 "$CPROF_ROOT/tests/progs/many_funcs.py" 3 "$T/int64.pb.gz" 4611686018427387904
	for r in top traces; do
		go tool pprof -$r "$T/int64.pb.gz" >"$T/want" 2>"$T/want.err"; wrc=$?
		"$CPROF" $r "$T/int64.pb.gz" >"$T/got" 2>"$T/got.err"; grc=$?
		judge "int64_sum_wraps_as_pprof_$r" $wrc $grc
	done
else
	skip int64_sum "no /usr/bin/python3"
fi

# Legacy heap profiles at the edges, judged by go tool pprof: a heap_v2
# sampling rate of 0 (no scaling), counts that overflow int64 (refused).
printf 'heap profile: 1: 2048 [1: 2048] @ heap_v2/0\n1: 2048 [1: 2048] @ 0x4b3efb 0x437452\n' >"$T/v2zero.txt"
go tool pprof -raw -symbolize=none "$T/v2zero.txt" >"$T/want" 2>"$T/want.err"; wrc=$?
"$CPROF" report -raw -symbolize=none "$T/v2zero.txt" >"$T/got" 2>"$T/got.err"; grc=$?
judge heap_v2_rate_0 $wrc $grc
printf 'heap profile: 1: 2048 [1: 2048] @ heap_v2/524288\n99999999999999999999: 2048 [1: 99999999999999999999] @ 0x4b3efb 0x437452\n' >"$T/over.txt"
refuses legacy_count_overflow 1 "over.txt: parsing heap profile: line 2" "$CPROF" top "$T/over.txt"

# A profile of 10^6 functions (one sample each, values 1..10^6): read whole,
# the total is n(n+1)/2 and the top three are the largest (computed here,
# not by cprof; go tool pprof takes minutes on it, so it is not the oracle).
if [ -x /usr/bin/python3 ]; then
	/usr/bin/python3 "$CPROF_ROOT/tests/progs/many_funcs.py" 1000000 "$T/many.pb.gz"
	timeout 240 "$CPROF" top -nodefraction=0 -nodecount=3 "$T/many.pb.gz" >"$T/many.top" 2>"$T/many.err"
	rc=$?
	check million_functions_total sh -c "[ $rc = 0 ] && grep -q '^Showing nodes accounting for 2999997, 0.0006% of 500000500000 total$' '$T/many.top' && grep -q '^Showing top 3 nodes out of 1000000$' '$T/many.top'"
	check million_functions_top sh -c "awk 'NR > 4 { print \$1, \$NF }' '$T/many.top' | tr '\n' ' ' | grep -qx '1000000 f1000000 999999 f999999 999998 f999998 '"
else
	skip million_functions "no /usr/bin/python3"
fi
