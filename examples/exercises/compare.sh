#!/bin/sh
# compare.sh [NAME...] — run each exercise's benchmarks (-benchmem, -count
# $COUNT, -benchtime $BENCHTIME) and compare the versions with
# `cprof benchstat -col /version -row .name`, then print the medians of
# naive and of each other version, with their ratio, for time, bytes and
# allocations.
#
#   sh examples/exercises/compare.sh                 # every exercise
#   COUNT=10 BENCHTIME=200ms sh examples/exercises/compare.sh primes
#
# Results go to $B/exercises/NAME.bench.txt, the medians' lines to
# $B/exercises/NAME.measured.txt.  Timings are only as quiet as
# the machine: run with nothing else running.
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build}
COUNT=${COUNT:-10}
BENCHTIME=${BENCHTIME:-200ms}
OUT=$ROOT/$B/exercises
ALL="primes logproc strbuild prealloc pool hoist layout memo workers escape"
[ $# -gt 0 ] || set -- $ALL
for name; do
	case " $ALL " in *" $name "*) ;; *) echo "compare.sh: no exercise '$name' (one of: $ALL)" >&2; exit 2 ;; esac
done
make -s -C "$ROOT/examples/exercises" B="$B" EXERCISES="$*" >&2
for name; do
	txt=$OUT/$name.bench.txt
	CPROF_BENCH_PKG=cprof/examples/exercises/$name \
		"$OUT/$name" -bench . -benchmem -count "$COUNT" -benchtime "$BENCHTIME" >"$txt"
	"$ROOT/$B/cprof" benchstat -col /version -row .name "$txt"
	# Ratios of the medians, per benchmark and unit: naive / version.
	awk '
	function median(list,   n, a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	/^Benchmark/ {
		full = $1; sub(/-[0-9]+$/, "", full); sub(/^Benchmark/, "", full)
		bench = full; sub(/\/version=.*/, "", bench)
		v = full; sub(/.*\/version=/, "", v)
		if (!((bench, v) in seen)) { seen[bench, v] = 1; order[++nv] = bench SUBSEP v }
		for (i = 3; i < NF; i += 2) { vals[bench, v, $(i + 1)] = vals[bench, v, $(i + 1)] " " $i; units[$(i + 1)] = 1 }
	}
	END {
		for (k = 1; k <= nv; k++) {
			split(order[k], bv, SUBSEP)
			if (bv[2] == "naive") continue
			line = ""
			for (ui = 1; ui <= 3; ui++) {
				u = ui == 1 ? "ns/op" : ui == 2 ? "B/op" : "allocs/op"
				if (!((bv[1], "naive", u) in vals) || !((bv[1], bv[2], u) in vals)) continue
				a = median(vals[bv[1], "naive", u]); b = median(vals[bv[1], bv[2], u])
				r = sprintf("%s %.4g → %.4g", u, a, b)
				if (a > 0 && b > 0) r = r sprintf(" (%.3g×, %+.1f%%)", a / b, 100 * (b - a) / a)
				else if (a > 0) r = r " (-100%)"
				line = line (line == "" ? "" : "; ") r
			}
			printf "measured %s, naive → %s (medians): %s\n", bv[1], bv[2], line
		}
		# Benchmarks named for their size (Build1000, Build4000): how the
		# time of each version grows from the smallest size to the largest.
		for (k = 1; k <= nv; k++) {
			split(order[k], bv, SUBSEP)
			if (!match(bv[1], /[0-9]+$/)) continue
			size = substr(bv[1], RSTART) + 0; stem = substr(bv[1], 1, RSTART - 1)
			if (!(stem SUBSEP bv[2] in lo) || size < lo[stem, bv[2]]) lo[stem, bv[2]] = size
			if (!(stem SUBSEP bv[2] in hi) || size > hi[stem, bv[2]]) hi[stem, bv[2]] = size
			vorder[stem SUBSEP bv[2]] = 1
		}
		for (sv in vorder) {
			split(sv, p, SUBSEP)
			if (lo[sv] == hi[sv]) continue
			a = median(vals[p[1] lo[sv], p[2], "ns/op"]); b = median(vals[p[1] hi[sv], p[2], "ns/op"])
			printf "growth %s, %s: %d → %d pieces (%.3g×) takes %.3g× the time\n", p[1], p[2], lo[sv], hi[sv], hi[sv] / lo[sv], b / a
		}
	}' "$txt" | tee "$OUT/$name.measured.txt"
done
