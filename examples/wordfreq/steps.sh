#!/bin/sh
# steps.sh — measures every version of wordfreq (versions.c) and writes what
# README.md shows, so that no figure there is typed by hand:
#
#   results/vN-top.txt      `cprof top` of version N (-benchtime PROFTIME of
#                           the benchmark under -cpuprofile)
#   results/bench.txt       COUNT rounds of every version, interleaved
#                           (-benchmem -benchtime 1x), Go's format
#   results/vN-step.txt     `cprof benchstat` of version N-1 against N
#   results/total.txt       `cprof benchstat` of v0 against the newest
#
# then replaces each README.md region "<!-- out FILE -->" ... "<!-- end out -->"
# by FILE in a code block.  Checks first that every version prints the same
# report as v0.
#
#   sh examples/wordfreq/steps.sh
#   COUNT=10 MB=2 sh examples/wordfreq/steps.sh
#
# MB: size of the generated text (default 1: v0 takes about a second on it;
# its time grows faster than the text).  B: cprof's build
# directory (default build).  Timings are only meaningful on a quiet machine.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
B=${B:-build}
COUNT=${COUNT:-6}
MB=${MB:-1}
PROFTIME=${PROFTIME:-2s}
CPROF=$root/$B/cprof
out=$root/$B/examples/wordfreq
res=$here/results
mkdir -p "$out" "$res"
make -s -C "$here" B="$B" OUT="$out"
"$out/gen" "$MB" 10000 >"$out/corpus.txt"
versions=$(sed -n 's/^	{"\(v[0-9]*\)".*/\1/p' "$here/versions.c")
[ -n "$versions" ] || { echo "steps.sh: no versions in versions.c" >&2; exit 1; }

# the same report from every version
"$out/wordfreq" -v v0 "$out/corpus.txt" >"$out/want.txt"
for v in $versions; do
	"$out/wordfreq" -v "$v" "$out/corpus.txt" >"$out/got.txt"
	cmp -s "$out/want.txt" "$out/got.txt" || { echo "steps.sh: $v's report differs from v0's" >&2; exit 1; }
done

# a profile of each version: the harness repeats it for PROFTIME
for v in $versions; do
	(cd "$out" && ./wordfreq_bench -bench "Wordfreq/version=$v\$" -benchtime "$PROFTIME" -cpu 1 \
		-cpuprofile "$v.prof" >/dev/null)
	# Build ID and Time change with every run and say nothing about the step
	"$CPROF" top -nodecount 12 "$out/$v.prof" | grep -v -e '^Build ID:' -e '^Time:' >"$res/$v-top.txt"
done

# COUNT interleaved rounds: each round runs every version once
: >"$out/bench.txt"
r=0
while [ "$r" -lt "$COUNT" ]; do
	(cd "$out" && ./wordfreq_bench -bench . -benchmem -benchtime 1x -cpu 1) >>"$out/bench.txt"
	r=$((r + 1))
done
cp "$out/bench.txt" "$res/bench.txt"
prev=
for v in $versions; do
	if [ -n "$prev" ]; then
		"$CPROF" benchstat -filter "/version:($prev OR $v)" -col /version "$res/bench.txt" |
			grep -v -e '^goos:' -e '^goarch:' -e '^cpu:' >"$res/$v-step.txt"
	fi
	prev=$v
done
if [ "$prev" != v0 ]; then
	"$CPROF" benchstat -filter "/version:(v0 OR $prev)" -col /version "$res/bench.txt" |
		grep -v -e '^goos:' -e '^goarch:' -e '^cpu:' >"$res/total.txt"
fi

# splice the results into README.md (written whole, then renamed)
awk -v res="$res" '
	/^<!-- out [A-Za-z0-9_.-]+ -->$/ {
		print; f = $3; skip = 1
		print "```text"
		while ((getline l < (res "/" f)) > 0) print l
		close(res "/" f)
		print "```"
		next
	}
	/^<!-- end out -->$/ { skip = 0 }
	!skip { print }
' "$here/README.md" >"$here/README.md.tmp"
mv "$here/README.md.tmp" "$here/README.md"
echo "steps.sh: results in $res, README.md updated"
