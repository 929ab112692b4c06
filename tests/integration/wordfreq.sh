#!/bin/sh
# examples/wordfreq: every version prints v0's report on a generated text
# and on edge cases, and the benchmark runs every version.
. "$CPROF_ROOT/tests/lib.sh"
W=$CPROF_ROOT/examples/wordfreq
if [ -n "$SANITIZE" ]; then runtime=RUNTIME=; else runtime=; fi
make -s -C "$W" BUILD="$BUILD" OUT="$T" CC="$CC" $runtime CFLAGS="-O2 -g $TEST_CFLAGS" >"$T/make.log" 2>&1
check wordfreq_build test $? = 0 || cat "$T/make.log"
versions=$(sed -n 's/^	{"\(v[0-9]*\)".*/\1/p' "$W/versions.c")
check wordfreq_versions test -n "$versions"

"$T/gen" 0.2 3000 >"$T/corpus.txt"
check wordfreq_gen sh -c "[ \$(wc -c <'$T/corpus.txt') -ge 200000 ] && grep -q '^[A-Z][a-z]' '$T/corpus.txt'"
printf '' >"$T/empty.txt"
printf 'Hello' >"$T/nonl.txt"
printf 'don'"'"'t STOP, stop\n\303\251t\303\251 caf\303\251 x\tY\n  \n42 a1b2\n' >"$T/mixed.txt"
for f in corpus empty nonl mixed; do
	"$T/wordfreq" -v v0 -n 50 "$T/$f.txt" >"$T/$f.want" 2>&1
	check "wordfreq_v0_$f" test $? = 0
	for v in $versions; do
		"$T/wordfreq" -v "$v" -n 50 "$T/$f.txt" >"$T/$f.$v" 2>&1
		rc=$?
		if [ "$rc" = 0 ] && cmp -s "$T/$f.want" "$T/$f.$v"; then
			ok "wordfreq_${v}_$f"
		else
			nok "wordfreq_${v}_$f" "exit $rc: $(diff "$T/$f.want" "$T/$f.$v" | head -n 4 | tr '\n' '|')"
		fi
	done
done
# what the edge cases must give (v0's report is the reference above)
check wordfreq_mixed_words sh -c "head -n 1 '$T/mixed.want' | grep -qx 'words 10 distinct 8' &&
	grep -Eq '^ +2 stop\$' '$T/mixed.want' && grep -Eq '^ +2 t\$' '$T/mixed.want'" || cat "$T/mixed.want"
check wordfreq_empty sh -c "[ \"\$(cat '$T/empty.want')\" = 'words 0 distinct 0' ]"
# stdin, and errors
"$T/wordfreq" -n 3 <"$T/corpus.txt" >"$T/stdin.out" 2>&1
check wordfreq_stdin sh -c "head -n 4 '$T/corpus.want' | cmp -s - '$T/stdin.out'"
"$T/wordfreq" -v v99 "$T/corpus.txt" >"$T/bad.out" 2>&1
rc=$?
check wordfreq_bad_version sh -c "[ $rc = 2 ] && grep -qx 'wordfreq: no version v99 (v0..)' '$T/bad.out'"
"$T/wordfreq" "$T/nonexistent" >"$T/nf.out" 2>&1
rc=$?
check wordfreq_missing_file sh -c "[ $rc = 1 ] && grep -q 'No such file' '$T/nf.out'"

(cd "$T" && WORDFREQ_TEXT="$T/corpus.txt" ./wordfreq_bench -bench . -benchtime 1x -cpu 1 >"$T/b" 2>&1)
rc=$?
nb=$(grep -c '^BenchmarkWordfreq/version=v[0-9]* ' "$T/b")
check wordfreq_bench sh -c "[ $rc = 0 ] && [ $nb = $(echo $versions | wc -w) ] && grep -q '^PASS' '$T/b'" || cat "$T/b"
