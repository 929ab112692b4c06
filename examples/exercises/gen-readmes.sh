#!/bin/sh
# gen-readmes.sh [NAME...] — regenerate the profiles and benchmark tables in
# the exercises' READMEs (all of them by default) from real runs.
#
# In a README, a block
#
#     <!-- run: COMMAND -->
#     ...
#     <!-- end -->
#
# is replaced by COMMAND's output (stdout and stderr), run with sh from the
# repository root, in a fenced block that starts with "$ COMMAND"; and
#
#     <!-- machine -->
#     ...
#     <!-- end -->
#
# by a line naming the machine, its load when the run started and the
# command that reproduces the figures.  A README is rewritten only when
# every command in it succeeded.  compare.sh's COUNT and BENCHTIME apply.
#
# Timings need a quiet machine: nothing else running (builds, tests).
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
ALL="primes logproc strbuild prealloc pool hoist layout memo workers escape"
[ $# -gt 0 ] || set -- $ALL
cd "$ROOT"
make -s -j2 B="$B" all >&2
make -s -C examples/exercises B="$B" EXERCISES="$*" >&2
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
ncpu=$(getconf _NPROCESSORS_ONLN)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# With every exercise run, the index's summary of the measured lines too.
readmes=
for name; do readmes="$readmes examples/exercises/$name/README.md"; done
[ "$*" = "$ALL" ] && readmes="$readmes examples/exercises/README.md"
for readme in $readmes; do
	name=${readme%/README.md}; name=${name##*/}; [ "$name" = exercises ] && name=
	[ -f "$readme" ] || { echo "gen-readmes.sh: no $readme" >&2; exit 2; }
	echo "== $readme" >&2
	load=$(cut -d' ' -f1-3 /proc/loadavg)
	# Each command runs once, in order; awk splices the outputs.
	n=0
	grep -o '^<!-- run: .* -->$' "$readme" | sed 's/^<!-- run: //; s/ -->$//' >"$tmp/cmds"
	while IFS= read -r cmd; do
		n=$((n + 1))
		echo "\$ $cmd" >&2
		if ! sh -c "$cmd" >"$tmp/out.$n" 2>&1 </dev/null; then
			cat "$tmp/out.$n" >&2
			echo "gen-readmes.sh: $readme: failed: $cmd" >&2
			exit 1
		fi
	done <"$tmp/cmds"
	awk -v dir="$tmp" -v machine="Figures measured on $cpu ($ncpu CPUs), load average $load at the start, by \`sh examples/exercises/gen-readmes.sh${name:+ $name}\` (COUNT=${COUNT:-10}, BENCHTIME=${BENCHTIME:-200ms}). Timings hold only for a quiet machine: the load average says how quiet it was." '
	skip && /^<!-- end -->$/ { skip = 0 }
	skip { next }
	/^<!-- run: .* -->$/ {
		print; n++
		cmd = $0; sub(/^<!-- run: /, "", cmd); sub(/ -->$/, "", cmd)
		print "```text"; print "$ " cmd
		f = dir "/out." n
		while ((getline l < f) > 0) print l
		close(f)
		print "```"
		skip = 1; next
	}
	/^<!-- machine -->$/ { print; print machine; skip = 1; next }
	{ print }' "$readme" >"$tmp/readme"
	mv "$tmp/readme" "$readme"
done
