#!/bin/sh
# perfdoc.sh — keeps the figures of docs/PERFORMANCE.md equal to the results
# the benchmarks printed, so that the document cannot drift from them.
#
#   bench/perfdoc.sh check     exit 1, one line per problem, when:
#                              - a marked region differs from its results file
#                              - a results file has no region, or a region no file
#                              - a region's command names no script of bench/
#                              - a region is not closed, or two share a name
#                              - docs/PERFORMANCE.md or bench/README.md holds a
#                                dated narrative (a date, a time of day,
#                                "UTC", a commit next to "tree"/"commit",
#                                "Issue N", "session", "earlier run"...):
#                                the docs give current figures; history
#                                belongs in commit messages
#   bench/perfdoc.sh update    replaces every marked region by its results
#                              file (the file is written whole, then renamed
#                              into place), then checks
#
# A region is
#   <!-- bench NAME: COMMAND -->
#   ...markdown, exactly the body of bench/results/NAME.md...
#   <!-- end bench -->
# and bench/results/NAME.md is what COMMAND writes as $B/bench/NAME.md: its
# first line is that same opening comment, the rest the markdown the region
# holds.  COMMAND names the script (bench/X.sh) with the variables and
# arguments of the run.  bench/README.md, "Refreshing the figures", says how
# a new run replaces the committed results.
#
# PERFDOC_DOC and PERFDOC_RES name another document and results directory
# kept the same way (bench/compare.sh: docs/COMPARISON.md and
# bench/results/comparison).
set -eu
cd "$(dirname "$0")/.."
DOC=${PERFDOC_DOC:-docs/PERFORMANCE.md}
RES=${PERFDOC_RES:-bench/results}
LINT="$DOC bench/README.md"

usage() { echo "usage: bench/perfdoc.sh check|update" >&2; exit 2; }
[ $# = 1 ] || usage
mode=$1
case $mode in check | update) ;; *) usage ;; esac
[ -f "$DOC" ] || { echo "perfdoc: $DOC: not found" >&2; exit 1; }
[ -d "$RES" ] || { echo "perfdoc: $RES: not found" >&2; exit 1; }

# splice MODE: in "check" mode prints one line per problem of the regions;
# in "update" mode prints the document with every region replaced by its
# results file (problems go to stderr and make awk exit 1).
splice() {
	awk -v mode="$1" -v res="$RES" -v doc="$DOC" '
	function problem(msg) {
		bad = 1
		if (mode == "check") print msg; else print "perfdoc: " msg > "/dev/stderr"
	}
	function emit(s) { if (mode == "update") print s }
	function readfile(f, lines,   n, l) {
		n = 0
		while ((getline l < f) > 0) lines[++n] = l
		close(f)
		return n
	}
	/^<!-- bench / {
		if (open) problem(doc ":" start ": region " name " is not closed before line " NR)
		if (!match($0, /^<!-- bench [a-z0-9][a-z0-9_-]*: .* -->$/)) {
			problem(doc ":" NR ": malformed marker (want <!-- bench NAME: COMMAND -->): " $0)
			emit($0); next
		}
		open = 1; start = NR; nbody = 0
		name = $0; sub(/^<!-- bench /, "", name); sub(/:.*/, "", name)
		cmd = $0; sub(/^<!-- bench [^:]*: /, "", cmd); sub(/ -->$/, "", cmd)
		marker = $0
		if (name in seen) problem(doc ":" NR ": region " name " appears twice (also line " seen[name] ")")
		seen[name] = NR
		script = ""
		nw = split(cmd, w, " ")
		for (i = 1; i <= nw; i++) if (w[i] ~ /^bench\/[A-Za-z0-9_.-]+\.sh$/) { script = w[i]; break }
		if (script == "") problem(doc ":" NR ": region " name ": its command names no bench/*.sh script: " cmd)
		else if ((getline l < script) < 0) problem(doc ":" NR ": region " name ": " script " does not exist")
		else close(script)
		next
	}
	/^<!-- end bench -->$/ {
		if (!open) { problem(doc ":" NR ": <!-- end bench --> without a region"); emit($0); next }
		open = 0
		f = res "/" name ".md"
		n = readfile(f, want)
		if (n == 0) {
			problem(doc ":" start ": region " name " has no results file " f)
			emit(marker); for (i = 1; i <= nbody; i++) emit(body[i])
		} else {
			same = n == nbody + 1 && want[1] == marker
			for (i = 2; same && i <= n; i++) if (want[i] != body[i - 1]) same = 0
			if (!same && mode == "check") {
				for (i = 1; i <= n || i <= nbody + 1; i++) {
					g = i == 1 ? marker : body[i - 1]
					if (i > n || i > nbody + 1 || want[i] != g) break
				}
				problem(doc ":" (start + i - 1) ": region " name " differs from " f " (run bench/perfdoc.sh update)")
			}
			for (i = 1; i <= n; i++) emit(want[i])
		}
		emit($0)
		next
	}
	open { body[++nbody] = $0; next }
	{ emit($0) }
	END {
		if (open) problem(doc ":" start ": region " name " is not closed")
		cmd = "ls " res
		while ((cmd | getline f) > 0) {
			if (f !~ /\.md$/) continue
			n = f; sub(/\.md$/, "", n)
			if (!(n in seen)) problem(res "/" f ": no region <!-- bench " n ": ... --> in " doc)
			else if ((getline l < (res "/" f)) > 0 && l !~ ("^<!-- bench " n ": ")) problem(res "/" f ": first line is not <!-- bench " n ": COMMAND -->")
		}
		close(cmd)
		exit bad
	}' "$DOC"
}

# lint FILE...: dated narratives, one line per hit
lint() {
	for f; do
		[ -f "$f" ] || continue
		grep -n -i -P '\b(19|20)\d\d-[01]\d-[0-3]\d\b|\b[0-2]\d:[0-5]\d\b|\bUTC\b|\b(tree|commit|library|libcprof) (at )?(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b|\bissue \d+|\bsession\b|\b(earlier|later|previous|last|first) (run|batch|session)s?\b|\bsince then\b|\bfor the record\b|\b(other|another) engineer|\bthis session\b' "$f" |
			while IFS= read -r l; do
				echo "$f:${l%%:*}: dated narrative or work history: $(echo "${l#*:}" | sed 's/^\(.\{80\}\).*/\1.../')"
			done
	done
}

case $mode in
check)
	out=$( (splice check || true; lint $LINT) | sed '/^$/d')
	if [ -n "$out" ]; then
		printf '%s\n' "$out"
		exit 1
	fi
	echo "perfdoc: $DOC matches $RES ($(ls "$RES"/*.md 2>/dev/null | wc -l) results)"
	;;
update)
	tmp=$DOC.tmp.$$
	trap 'rm -f "$tmp"' EXIT
	if splice update >"$tmp"; then :; else
		echo "perfdoc: $DOC not updated" >&2
		exit 1
	fi
	if cmp -s "$tmp" "$DOC"; then rm -f "$tmp"; else mv "$tmp" "$DOC"; fi
	exec env PERFDOC_DOC="$DOC" PERFDOC_RES="$RES" sh bench/perfdoc.sh check
	;;
esac
