# docs/PERFORMANCE.md's figures are the benchmarks' results: bench/perfdoc.sh
# check passes on the tree, and fails, naming the problem, on a copy whose
# document drifted from bench/results (a changed figure), holds a dated
# narrative, or names a script that is not in bench/.  Runs no benchmark.
. "$CPROF_ROOT/tests/lib.sh"

# The tree itself.
if sh "$CPROF_ROOT/bench/perfdoc.sh" check >"$T/out" 2>&1; then
	ok tree_matches_results
else
	nok tree_matches_results "$(head -n 5 "$T/out" | tr '\n' '|')"
fi
n=$(ls "$CPROF_ROOT"/bench/results/*.md 2>/dev/null | wc -l)
regions=$(grep -c '^<!-- bench [a-z0-9_-]*: ' "$CPROF_ROOT/docs/PERFORMANCE.md")
check "every_result_has_a_region ($n files, $regions regions)" test "$n" -gt 0 -a "$n" = "$regions"

# copy: a fresh copy of what perfdoc.sh reads, in $T/c
copy() {
	rm -rf "$T/c"
	mkdir -p "$T/c/docs"
	cp -r "$CPROF_ROOT/bench" "$T/c/"
	cp "$CPROF_ROOT/docs/PERFORMANCE.md" "$T/c/docs/"
}
# expect NAME REGEX: check fails on the copy and one of its lines matches REGEX
expect() {
	sh "$T/c/bench/perfdoc.sh" check >"$T/out" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		nok "$1" "check passed"
	elif ! grep -Eq "$2" "$T/out"; then
		nok "$1" "exit $rc, no line matches '$2': $(head -n 3 "$T/out" | tr '\n' '|')"
	else
		ok "$1"
	fi
}

# A figure changed in the document only: the region differs from its file.
copy
# (the row's figures are whatever the last run wrote: its cells after the
# name are replaced)
sed -i '/^<!-- bench heap-targets-cost:/,/^<!-- end bench -->/s/^| cprof-heap | .*/| cprof-heap | 9.999 |/' \
	"$T/c/docs/PERFORMANCE.md"
if cmp -s "$T/c/docs/PERFORMANCE.md" "$CPROF_ROOT/docs/PERFORMANCE.md"; then
	nok changed_figure_fails "the figure to change was not found"
else
	expect changed_figure_fails '^docs/PERFORMANCE.md:[0-9]+: region heap-targets-cost differs from bench/results/heap-targets-cost.md'
	# ...and update puts the result back.
	sh "$T/c/bench/perfdoc.sh" update >"$T/out" 2>&1
	check update_restores_the_figure cmp -s "$T/c/docs/PERFORMANCE.md" "$CPROF_ROOT/docs/PERFORMANCE.md"
fi

# A changed results file, as a new run leaves it: check fails until update.
copy
sed -i 's/^| true | .*/| true | 9.999 |/' "$T/c/bench/results/footprint.md"
expect new_result_fails_until_update 'region footprint differs from bench/results/footprint.md'
sh "$T/c/bench/perfdoc.sh" update >"$T/out" 2>&1
check update_splices_the_new_result grep -q '^| true | 9\.999 |$' "$T/c/docs/PERFORMANCE.md"

# Dated narratives.
copy
printf '\nA run on 2026-11-26 gave these figures.\n' >>"$T/c/docs/PERFORMANCE.md"
expect date_fails '^docs/PERFORMANCE.md:[0-9]+: dated narrative or work history: A run on 2026-11-26'
copy
printf '\nMeasured at 08:03 UTC, tree bf435e7, for Issue 2.\n' >>"$T/c/docs/PERFORMANCE.md"
expect utc_tree_issue_fails 'dated narrative or work history: Measured at 08:03 UTC'
copy
printf '\nThe batch of 07:46 read +3.2 %%.\n' >>"$T/c/docs/PERFORMANCE.md"
expect time_of_day_fails 'dated narrative or work history: The batch of 07:46'
copy
printf '\nAn earlier run of the same session read +2.5 %%.\n' >>"$T/c/bench/README.md"
expect readme_narrative_fails '^bench/README.md:[0-9]+: dated narrative or work history: An earlier run'

# A results file without a region, a region without a file, a missing script.
copy
cp "$T/c/bench/results/flame.md" "$T/c/bench/results/orphan.md"
sed -i '1s/bench flame:/bench orphan:/' "$T/c/bench/results/orphan.md"
expect orphan_result_fails '^bench/results/orphan.md: no region'
copy
rm "$T/c/bench/results/flame.md"
expect missing_result_fails 'region flame has no results file bench/results/flame.md'
copy
sed -i 's|^<!-- bench footprint: ROUNDS=3 sh bench/footprint.sh -->$|<!-- bench footprint: ROUNDS=3 sh bench/nosuch.sh -->|' \
	"$T/c/docs/PERFORMANCE.md" "$T/c/bench/results/footprint.md"
expect missing_script_fails 'region footprint: bench/nosuch.sh does not exist'
copy
sed -i '0,/^<!-- end bench -->$/{/^<!-- end bench -->$/d}' "$T/c/docs/PERFORMANCE.md"
expect unclosed_region_fails 'is not closed'

# Bad usage: a message and exit 2.
sh "$CPROF_ROOT/bench/perfdoc.sh" frobnicate >"$T/out" 2>&1
rc=$?
if [ "$rc" = 2 ] && grep -q '^usage: bench/perfdoc.sh check|update' "$T/out"; then ok bad_usage; else nok bad_usage "exit $rc: $(head -c 200 "$T/out")"; fi
