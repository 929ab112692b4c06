# docs/TUTORIAL.md runs as written: every fenced ```sh block, in order, in
# one shell from the repository root (build/ read as this run's build
# directory).  Each block must succeed, and its output must match each
# `<!-- expect: ERE -->` line written just above it (shapes, not numbers:
# a report's header, the function the chapter is about).
#
# A `<!-- test: COMMAND -->` line runs COMMAND there, between two blocks,
# in the test only: it stands in for what the reader does by hand.  The
# commands are the functions below (the script's prelude).
. "$CPROF_ROOT/tests/lib.sh"
if [ -n "$SANITIZE" ]; then
	# The tutorial builds the exercises and runs the demo plainly, and
	# reads heap profiles a sanitizer's allocator leaves empty.
	na tutorial "the tutorial's commands use the plain build"
	exit 0
fi
for tool in curl dot; do
	command -v "$tool" >/dev/null || { skip tutorial "no $tool: the tutorial runs it"; exit 0; }
done
B=$(basename "$BUILD")
export B
cd "$CPROF_ROOT" || exit 1
# The README's setup: `make demo` built the demo server.
if [ ! -x "$BUILD/demo/pprof-demo" ]; then
	sh examples/pprof-demo/run.sh "$B" >"$T/setup.out" 2>&1 || { nok tutorial_setup "$(tail -3 "$T/setup.out" | tr '\n' '|')"; exit 0; }
fi
# The prelude: the test's stand-ins for the reader's edits.
#
# "Your turn" (section 3) asks the reader to rewrite primes_naive in
# examples/exercises/primes/primes.c as a sieve, then rebuild with
# `make -C examples/exercises`, test, benchmark and profile.  The test does
# not touch the tree: tutorial_fix_primes builds build/exercises/primes
# (and primes-test) from a copy of the exercise in which the naive
# benchmark calls the file's own primes_sieve, the ready-made answer; the
# make in the block then finds them up to date.  So the comparison and the
# profile that follow are real runs of a sieve under the naive benchmark's
# name, as the reader's would be.  tutorial_unfix_primes is the reader's
# `git checkout` and `make`: the naive binary again, from the tree.
printf "T='%s'\n" "$T" >"$T/script.sh"
cat >>"$T/script.sh" <<'PRELUDE'
tutorial_fix_primes() {
	rm -rf "$T/fixed" && mkdir -p "$T/fixed/primes"
	cp examples/exercises/Makefile examples/exercises/exercise.h "$T/fixed/"
	sed '/^static void naive(/,/^}/s/primes_naive(limit)/primes_sieve(limit)/' \
		examples/exercises/primes/primes.c >"$T/fixed/primes/primes.c"
	# The edit applied, or the comparison would be naive against naive.
	cmp -s examples/exercises/primes/primes.c "$T/fixed/primes/primes.c" &&
		{ echo "tutorial_fix_primes: primes.c's naive benchmark not found" >&2; return 1; }
	make -s -C "$T/fixed" ROOT="$CPROF_ROOT" B="$B" EXERCISES=primes
}
tutorial_unfix_primes() {
	rm -f "$B/exercises/primes" "$B/exercises/primes-test"
	make -s -C examples/exercises B="$B" EXERCISES=primes
}
PRELUDE
# The blocks as one script, each between markers; the expectations as
# "BLOCK<TAB>ERE" lines.
awk -v script="$T/script.sh" -v expects="$T/expects" -v b="$B" '
	/^<!-- expect: .* -->$/ { e = $0; sub(/^<!-- expect: /, "", e); sub(/ -->$/, "", e); pending[++np] = e; next }
	/^<!-- test: .* -->$/ { c = $0; sub(/^<!-- test: /, "", c); sub(/ -->$/, "", c); print c >> script; next }
	/^```sh$/ { n++; inblock = 1; print "echo \"@@BEGIN " n "\"" >> script
		for (i = 1; i <= np; i++) print n "\t" pending[i] > expects
		np = 0; next }
	inblock && /^```$/ { inblock = 0; print "printf \"\\n@@END " n "\\n\"" >> script; next }
	inblock { line = $0; gsub(/(^|[^A-Za-z0-9_.\/-])build\//, "&@@B@@", line); gsub(/build\/@@B@@/, b "/", line); print line >> script; next }
	/^```/ || !/^<!-- expect/ { np = 0 }
	' docs/TUTORIAL.md
nblocks=$(grep -c '^echo "@@BEGIN' "$T/script.sh")
check blocks_found test "$nblocks" -ge 20
# Its own session, so that a server a failed block left running is ended.
start=$(date +%s)
setsid sh -e "$T/script.sh" >"$T/out" 2>&1 </dev/null &
sid=$!
wait $sid
rc=$?
kill -TERM -- -"$sid" 2>/dev/null
echo "# tutorial ran in $(($(date +%s) - start)) s"
check script_exit_status test "$rc" = 0
n=1
while [ "$n" -le "$nblocks" ]; do
	sed -n "/^@@BEGIN $n\$/,/^@@END $n\$/p" "$T/out" >"$T/block.$n"
	if grep -qx "@@END $n" "$T/block.$n"; then
		ok "block_${n}_runs"
	else
		nok "block_${n}_runs" "$(sed -n "/^@@BEGIN $n\$/,\$p" "$T/out" | tail -5 | tr '\n' '|')"
	fi
	k=0
	grep "^$n	" "$T/expects" 2>/dev/null | cut -f2- | while IFS= read -r re; do
		k=$((k + 1))
		if grep -Eq -- "$re" "$T/block.$n"; then
			ok "block_${n}_expect_$k"
		else
			nok "block_${n}_expect_$k" "no line matches /$re/: $(head -c 300 "$T/block.$n" | tr '\n' '|')"
		fi
	done
	n=$((n + 1))
done
