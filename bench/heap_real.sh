#!/bin/sh
# heap_real.sh — the heap profiler on real programs.  Not a test:
# it prints figures and checks nothing.
#
# Workloads (fixed inputs and seeds):
#   perl-hash     perl builds a hash of $PERL_N entries (default 1 M)
#   python-dict   python3 builds a dict of $PY_N entries (default 2 M)
#   sqlite3       sqlite3 :memory: inserts 300 000 rows, indexes, groups
#   git-log       git log --stat on a generated repository (400 commits)
#   mawk-line     mawk '{ n += length($0) }' on one 16 MB line
#   bash-subst    bash -c 'x=$(cat FILE)', FILE 16 MB
#   realloc-grow  tests/progs/heap_realloc: 64 buffers grown by realloc in
#                 4 KiB steps to 0.5..2 MiB, in place and moving
#   cxx-churn     bench/heap_cxx_churn.cc: std::map<std::string,
#                 std::string> inserts, erasures, appends
# Arms, each workload's rounds interleaved (the arm order rotates every
# round) so that a shared machine's noise hits every arm alike:
#   glibc          nothing preloaded (baseline of cprof-heap and heaptrack)
#   cprof-heap     LD_PRELOAD=libcprof.so CPROF_HEAP=file (default rate 512 KiB)
#   heaptrack      heaptrack -o file (Debian heaptrack; records every call)
#   jemalloc       LD_PRELOAD=libjemalloc.so.2 (baseline of jemalloc-prof)
#   jemalloc-prof  MALLOC_CONF=prof:true,lg_prof_sample:19,prof_final:true
# Prints per workload the medians of wall time, CPU (user+sys of the whole
# command) and peak RSS, and the median over rounds of each arm's ratio to
# its baseline in the same round (paired).  Then the accuracy of cprof's
# profiles: total alloc_space and inuse_space at exit over the truth, mean
# of the rounds — the truth the program prints (realloc-grow, cxx-churn),
# else one cprof run at CPROF_HEAP_RATE=1 (every allocation recorded).
#
#   bench/heap_real.sh                          # from the top of the tree
#   ROUNDS=3 WORKLOADS="mawk-line realloc-grow" bench/heap_real.sh
#
# Needs perl, python3, sqlite3, git, mawk, bash, g++, heaptrack,
# libjemalloc2, go, /usr/bin/time (scripts/deps.sh installs them).  Builds
# in build-perf/ (override: B=).  Per-run figures: $B/bench/heap-real.tsv;
# the tables, as markdown, in $B/bench/heap-real-cost.md and
# heap-real-accuracy.md ("heap-real" is $RESULT when set; bench/README.md,
# "Refreshing the figures").
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
. bench/mdout.sh
MDCMD=$(md_cmd heap_real.sh ROUNDS PERL_N PY_N WORKLOADS ARMS)
MD=${RESULT:-heap-real}
B=${B:-build-perf}
ROUNDS=${ROUNDS:-7}
PERL_N=${PERL_N:-1000000}
PY_N=${PY_N:-2000000}
WORKLOADS=${WORKLOADS:-perl-hash python-dict sqlite3 git-log mawk-line bash-subst realloc-grow cxx-churn}
ARMS=${ARMS:-glibc cprof-heap heaptrack jemalloc jemalloc-prof}
JEMALLOC=${JEMALLOC:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}
PY=/usr/bin/python3

for t in perl $PY sqlite3 git mawk bash g++ gcc heaptrack go /usr/bin/time; do
	command -v "$t" >/dev/null || { echo "heap_real: '$t' not found: run scripts/deps.sh" >&2; exit 1; }
done
[ -f "$JEMALLOC" ] || { echo "heap_real: $JEMALLOC not found: run scripts/deps.sh" >&2; exit 1; }

# ---- build and inputs ----
make -s B="$B" runtime >/dev/null
LIB=$ROOT/$B/libcprof.so
W=$ROOT/$B/bench/real
mkdir -p "$W"
gcc -O2 -g -I"$ROOT/include" -o "$W/heap_realloc" tests/progs/heap_realloc.c -ldl -lm
g++ -O2 -g -o "$W/heap_cxx_churn" bench/heap_cxx_churn.cc
[ -f "$W/line16" ] || $PY -c 'import sys; sys.stdout.write("x" * (16 << 20) + "\n")' >"$W/line16"
cat >"$W/sqlite.sql" <<'EOF'
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, v INTEGER);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000)
INSERT INTO t(k, v) SELECT printf('key-%08d', (x * 7919) % 300000), x % 977 FROM c;
CREATE INDEX tk ON t(k);
SELECT v % 10, count(*), sum(length(k)) FROM t GROUP BY v % 10 ORDER BY 1;
SELECT count(*) FROM t a JOIN t b ON a.k = b.k WHERE a.v < 5;
EOF
if [ ! -d "$W/repo/.git" ]; then
	rm -rf "$W/repo"
	git init -q "$W/repo"
	(
		cd "$W/repo"
		git config user.email bench@example.invalid
		git config user.name bench
		i=0
		while [ $i -lt 400 ]; do
			for f in 0 1 2 3 4 5 6 7 8 9; do
				[ $(((i + f) % 3)) = 0 ] && seq $i $((i + 40 + f)) >>"file$f.txt"
			done
			git add -A && git commit -q -m "commit $i"
			i=$((i + 1))
		done
	)
fi

# cmd WORKLOAD: the command line (one process tree, output on stdout)
cmd() {
	case $1 in
	perl-hash) echo "perl -e 'my %h; \$h{\$_} = \$_ for 1 .. $PERL_N; print scalar(keys %h), qq(\\n)'" ;;
	python-dict) echo "$PY -c 'd = {}
for i in range($PY_N): d[str(i)] = i
print(len(d))'" ;;
	sqlite3) echo "sqlite3 :memory: <'$W/sqlite.sql'" ;;
	git-log) echo "git -C '$W/repo' log --stat" ;;
	mawk-line) echo "mawk '{ n += length(\$0) } END { print n }' '$W/line16'" ;;
	bash-subst) echo "bash -c 'x=\$(cat \"\$1\"); echo \${#x}' sh '$W/line16'" ;;
	realloc-grow) echo "'$W/heap_realloc' 64 2048 4096 524288" ;;
	cxx-churn) echo "'$W/heap_cxx_churn' 1000000" ;;
	*) echo "heap_real: unknown workload '$1'" >&2; exit 1 ;;
	esac
}

# run WORKLOAD ARM ROUND: one timed run; appends a line to the TSV
OUT=$W/run
mkdir -p "$OUT"
TSV=$ROOT/$B/bench/heap-real.tsv
# prof_total INDEX: the profile's total of sample index INDEX in bytes (0
# when nothing was sampled: "of 0 total"), or - if go tool pprof cannot read
# it.
prof_total() {
	_o=$(go tool pprof -top -unit=B -sample_index="$1" "$prof.pb.gz" 2>/dev/null) || { echo -; return; }
	_v=$(printf '%s\n' "$_o" | sed -n 's/^Showing nodes accounting for .* of \([0-9]*\)B total.*/\1/p')
	echo "${_v:-0}"
}

run() {
	wl=$1 arm=$2 r=$3 prof=$OUT/$1.$2.$3
	c=$(cmd "$wl")
	case $arm in
	glibc) pre= ;;
	cprof-heap) pre="env LD_PRELOAD=$LIB CPROF_HEAP=$prof.pb.gz" ;;
	cprof-exact) pre="env LD_PRELOAD=$LIB CPROF_HEAP=$prof.pb.gz CPROF_HEAP_RATE=1" ;;
	heaptrack) pre="heaptrack -o $prof.ht" ;;
	jemalloc) pre="env LD_PRELOAD=$JEMALLOC" ;;
	jemalloc-prof) pre="env LD_PRELOAD=$JEMALLOC MALLOC_CONF=prof:true,lg_prof_sample:19,prof_final:true,prof_prefix:$prof.je" ;;
	esac
	# The command's stdout is its result; heaptrack's own chatter goes to stderr.
	eval "/usr/bin/time -f '%e %U %S %M' -o '$OUT/time' $pre $c" >"$OUT/stdout" 2>"$OUT/stderr" ||
		{ echo "heap_real: $wl under $arm failed:" >&2; tail -5 "$OUT/stderr" >&2; exit 1; }
	# The checksum of the result: without the figures that differ by
	# design (moves, the truth's estimator bounds, the program's checks of
	# cprof's counters) and heaptrack's messages on stdout.
	sum=$(grep -v -e '^alloc_bytes' -e '^live_bytes' -e '^sigma' -e '^slack' -e '^moves' -e '^in_place' \
		-e '^ok ' -e '^heaptrack output' -e '^/usr/lib/heaptrack' -e '^starting application' \
		-e '^Heaptrack finished' -e '^$' -e '^  heaptrack --analyze' "$OUT/stdout" | cksum | cut -d' ' -f1)
	ta=$(awk '$1 == "alloc_bytes" { print $2 }' "$OUT/stdout") ti=$(awk '$1 == "live_bytes" { print $2 }' "$OUT/stdout")
	pa=- pi=-
	if [ "$arm" = cprof-heap ] || [ "$arm" = cprof-exact ]; then
		pa=$(prof_total alloc_space) pi=$(prof_total inuse_space)
	fi
	set -- $(cat "$OUT/time")
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$wl" "$arm" "$r" "$1" "$(echo "$2 $3" | awk '{ print $1 + $2 }')" \
		"$4" "$sum" "${ta:--}" "${ti:--}" "${pa:--}" "${pi:--}" >>"$TSV"
	rm -f "$prof".* "$prof".je.* 2>/dev/null || true
}

printf 'workload\tarm\tround\twall_s\tcpu_s\tmaxrss_kb\tchecksum\ttruth_alloc\ttruth_inuse\tprof_alloc\tprof_inuse\n' >"$TSV"
for wl in $WORKLOADS; do
	echo "heap_real: $wl ($ROUNDS rounds)" >&2
	case $wl in realloc-grow | cxx-churn) ;; *) run "$wl" cprof-exact 0 ;; esac
	r=1
	while [ $r -le "$ROUNDS" ]; do
		# rotate the arm order
		set -- $ARMS
		k=$(((r - 1) % $#))
		while [ $k -gt 0 ]; do
			a=$1; shift; set -- "$@" "$a"; k=$((k - 1))
		done
		for arm; do run "$wl" "$arm" $r; done
		r=$((r + 1))
	done
done

awk -F '\t' -v arms="$ARMS" -v md_cost="$(md_start "$B/bench" "$MD-cost" "$MDCMD")" \
	-v md_acc="$(md_start "$B/bench" "$MD-accuracy" "$MDCMD")" "$AWK_MEDIAN"'
function base(a) { return a ~ /^jemalloc/ ? "jemalloc" : "glibc" }
NR == 1 { next }
{
	n++; WL[n] = $1; A[n] = $2; R[n] = $3; WALL[n] = $4; CPU[n] = $5; RSS[n] = $6; SUM[n] = $7
	TA[n] = $8; TI[n] = $9; PA[n] = $10; PI[n] = $11
	if (!($1 in seen)) { seen[$1] = 1; order[++nw] = $1 }
	if ($2 == "cprof-exact") { EXA[$1] = $10; EXI[$1] = $11 }
}
function med(w, a, V,   i, k, x) {
	k = 0
	for (i = 1; i <= n; i++) if (WL[i] == w && A[i] == a) x[++k] = V[i]
	return k ? median(x, k) : 0
}
function paired(w, a, V,   i, j, k, x) {
	k = 0
	for (i = 1; i <= n; i++) {
		if (WL[i] != w || A[i] != a) continue
		for (j = 1; j <= n; j++)
			if (WL[j] == w && A[j] == base(a) && R[j] == R[i] && V[j] > 0) x[++k] = V[i] / V[j]
	}
	return k ? sprintf("%.3fx", median(x, k)) : "-"
}
END {
	na = split(arms, arm, " ")
	print ""
	print "Cost (medians; paired = median over rounds of arm / its baseline in the same round:"
	print "glibc for cprof-heap and heaptrack, jemalloc for jemalloc-prof):"
	printf "%-13s %-14s %8s %8s %8s %8s %9s %8s %s\n", "workload", "arm", "wall_s", "paired", "cpu_s", "paired", "maxRSS_MB", "paired", "output"
	for (w = 1; w <= nw; w++) {
		wl = order[w]
		for (i = 1; i <= na; i++) {
			a = arm[i]; same = "same"
			for (j = 1; j <= n; j++) for (k = 1; k <= n; k++)
				if (WL[j] == wl && WL[k] == wl && A[k] == "glibc" && A[j] == a && SUM[j] != SUM[k]) same = "DIFFERS"
			printf "%-13s %-14s %8.3f %8s %8.3f %8s %9.1f %8s %s\n", wl, a, med(wl, a, WALL), a == base(a) ? "" : paired(wl, a, WALL), med(wl, a, CPU), a == base(a) ? "" : paired(wl, a, CPU), med(wl, a, RSS) / 1024, a == base(a) ? "" : paired(wl, a, RSS), same
			if (same != "same") DIFF[wl] = 1
		}
	}
	# markdown: glibc CPU, then each profiling arm paired against its baseline
	hdr = "| workload | glibc CPU (s) |"; sep = "|---|---|"
	for (i = 1; i <= na; i++) {
		a = arm[i]
		if (a == base(a)) continue
		hdr = hdr " " a " CPU, paired" (base(a) == "glibc" ? "" : " (over " base(a) ")") " |"; sep = sep "---|"
	}
	print hdr >> md_cost
	print sep >> md_cost
	for (w = 1; w <= nw; w++) {
		wl = order[w]
		row = sprintf("| %s%s | %.2f |", wl, wl in DIFF ? " (output differs)" : "", med(wl, "glibc", CPU))
		for (i = 1; i <= na; i++) {
			a = arm[i]
			if (a == base(a)) continue
			p = paired(wl, a, CPU); sub(/x$/, "×", p); if (p == "-") p = "—"
			row = row " " p " |"
		}
		print row >> md_cost
	}
	print "| workload | alloc_space / truth (± std. error) | inuse_space / truth (± std. error) | truth |" >> md_acc
	print "|---|---|---|---|" >> md_acc
	print ""
	print "Accuracy of cprof-heap (profile total at exit / truth, mean of rounds; truth: printed"
	print "by the program, else a cprof run at CPROF_HEAP_RATE=1).  In brackets the standard"
	print "error of that mean for objects small against the rate, sqrt(rate / truth / rounds):"
	print "a bound on the sampling noise (large objects are sampled almost surely)."
	for (w = 1; w <= nw; w++) {
		wl = order[w]; sa = si = 0; k = 0
		for (i = 1; i <= n; i++) {
			if (WL[i] != wl || A[i] != "cprof-heap") continue
			ta = TA[i] != "-" ? TA[i] : EXA[wl]; ti = TI[i] != "-" ? TI[i] : EXI[wl]
			if (ta > 0 && PA[i] != "-") { sa += PA[i] / ta; ka++ }
			if (ti > 0 && PI[i] != "-") { si += PI[i] / ti; ki++ }
			k++
		}
		printf "%-13s alloc_space %s   inuse_space %s   (%d rounds; truth %s)\n", wl, ka ? sprintf("%.4f (±%.3f)", sa / ka, sqrt(524288 / ta / ka)) : "-", ki ? sprintf("%.4f (±%.3f)", si / ki, sqrt(524288 / ti / ki)) : "-", k, (wl in EXA) ? "rate 1" : "program"
		printf "| %s | %s | %s | %s |\n", wl, ka ? sprintf("%.3f (±%.3f)", sa / ka, sqrt(524288 / ta / ka)) : "—", ki ? sprintf("%.3f (±%.3f)", si / ki, sqrt(524288 / ti / ki)) : "—", (wl in EXA) ? "rate 1" : "program" >> md_acc
		ka = ki = 0
	}
}' "$TSV"
