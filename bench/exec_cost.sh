#!/bin/sh
# exec_cost.sh — what libcprof costs per process and per loaded object.
# Not a test: it prints figures and checks nothing.
#
# Three workloads, each run with no profiler and with
# LD_PRELOAD=libcprof.so CPROF_CPU=… (CPROF_HZ, default 1000), paired: every
# round runs both arms back to back, the order alternating from round to
# round, so the noise of a shared machine hits both alike.
#   shell   bash running 300 `/bin/true` (301 processes, each a libcprof start)
#   make    `make -j2` of a small generated C project (cc, cc1, as, collect2,
#           ld: ~50 execs of Debian's compiler)
#   dlopen  3 000 dlopen/dlclose of a small library (tests/progs/dlopen_churn)
# Prints, per workload, the median wall time and CPU time (user+sys of the
# whole process tree) of each arm and their ratio (cprof / none).  Then the
# peak RSS (/usr/bin/time %M) of /bin/true, `/usr/bin/python3 -c pass` and
# `sqlite3 :memory:` alone, with LD_PRELOAD only and with CPROF_CPU.
#
#   sh bench/exec_cost.sh                  # from the top of the tree
#   ROUNDS=15 HZ=250 sh bench/exec_cost.sh
#
# Run it on a quiet machine (no builds or tests beside it).  Needs gcc, make,
# bash; sqlite3 for the RSS line (scripts/deps.sh).  Builds in build-perf/
# (override: B=).  The tables, as markdown: $B/bench/exec-cost.md and
# exec-rss.md ("exec" is $RESULT when set; bench/README.md, "Refreshing the
# figures").
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)
. bench/mdout.sh
MDCMD=$(md_cmd exec_cost.sh ROUNDS HZ)
B=${B:-build-perf}
ROUNDS=${ROUNDS:-9}
HZ=${HZ:-1000}
CC=${CC:-gcc}
for t in make bash "$CC"; do
	command -v "$t" >/dev/null || { echo "exec_cost: '$t' not found" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "exec_cost: /usr/bin/time not found: apt-get install time" >&2; exit 1; }

make -s B="$B" runtime >/dev/null
LIB=$ROOT/$B/libcprof.so
TMP=$(mktemp -d "${TMPDIR:-/tmp}/exec_cost.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
$CC -std=gnu17 -O2 -g -o "$TMP/churn" tests/progs/dlopen_churn.c -ldl
$CC -std=gnu17 -O2 -g -shared -fPIC -o "$TMP/libchurn.so" tests/progs/dlopen_churn_lib.c
. tests/progs/gen_cproject.sh
gen_cproject "$TMP/proj" 12

# run ARM WORKLOAD: one run; appends "wall cpu" to $TMP/WORKLOAD.ARM
run() {
	arm=$1 w=$2
	rm -rf "$TMP/out"
	mkdir "$TMP/out"
	case $w in
	shell) set -- bash -c 'for i in $(seq 300); do /bin/true; done' ;;
	make) (cd "$TMP/proj" && make -s clean >/dev/null); set -- make -s -C "$TMP/proj" -j2 prog ;;
	dlopen) set -- "$TMP/churn" "$TMP/libchurn.so" 3000 200 ;;
	esac
	if [ "$arm" = cprof ]; then
		set -- env LD_PRELOAD="$LIB" CPROF_CPU="$TMP/out/cpu.pb.gz" CPROF_HZ="$HZ" "$@"
	fi
	/usr/bin/time -f "%e %U %S" -o "$TMP/t" "$@" >/dev/null 2>"$TMP/err" || {
		echo "exec_cost: $w ($arm) failed:" >&2; cat "$TMP/err" >&2; exit 1; }
	awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$TMP/t" >>"$TMP/$w.$arm"
}
median() { # median COLUMN FILE
	sort -n -k"$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs; $ROUNDS rounds; CPROF_HZ=$HZ"
for w in shell make dlopen; do
	: >"$TMP/$w.none"
	: >"$TMP/$w.cprof"
	run none "$w" # warm the page cache
	: >"$TMP/$w.none"
	i=0
	while [ $i -lt "$ROUNDS" ]; do
		if [ $((i % 2)) = 0 ]; then run none "$w"; run cprof "$w"; else run cprof "$w"; run none "$w"; fi
		i=$((i + 1))
	done
done
printf "%-8s %10s %10s %7s %10s %10s %7s\n" workload wall-none wall-cprof ratio cpu-none cpu-cprof ratio
MD=$(md_start "$B/bench" "${RESULT:-exec}-cost" "$MDCMD")
printf '| workload | CPU, no profiler | CPU, `CPROF_CPU` | ratio | added |\n|---|---|---|---|---|\n' >>"$MD"
for w in shell make dlopen; do
	wn=$(median 1 "$TMP/$w.none") wc=$(median 1 "$TMP/$w.cprof")
	cn=$(median 2 "$TMP/$w.none") cc=$(median 2 "$TMP/$w.cprof")
	awk -v w="$w" -v wn="$wn" -v wc="$wc" -v cn="$cn" -v cc="$cc" 'BEGIN {
		printf "%-8s %9.3fs %9.3fs %6.2fx %9.3fs %9.3fs %6.2fx\n", w, wn, wc,
		       (wn > 0 ? wc / wn : 0), cn, cc, (cn > 0 ? cc / cn : 0) }'
	awk -v w="$w" -v cn="$cn" -v cc="$cc" 'BEGIN {
		if (w == "shell") { n = "shell: bash running 300 `/bin/true`"; a = sprintf("%.1f ms per exec", (cc - cn) * 1000 / 301) }
		else if (w == "make") { n = "make: `make -j2` of a small C project"; a = "—" }
		else { n = "dlopen: 3 000 `dlopen`/`dlclose`"; a = sprintf("%.1f µs per dlopen", (cc - cn) * 1e6 / 3000) }
		printf "| %s | %.2f s | %.2f s | %.2f× | %s |\n", n, cn, cc, (cn > 0 ? cc / cn : 0), a }' >>"$MD"
done
echo "per exec (shell, CPU): $(awk -v a="$(median 2 "$TMP/shell.none")" -v b="$(median 2 "$TMP/shell.cprof")" \
	'BEGIN { printf "%.2f ms", (b - a) * 1000 / 301 }') added"
echo "per dlopen+dlclose (CPU): $(awk -v a="$(median 2 "$TMP/dlopen.none")" -v b="$(median 2 "$TMP/dlopen.cprof")" \
	'BEGIN { printf "%.1f us", (b - a) * 1e6 / 3000 }') added"

# Peak RSS (KB): not load-sensitive; median of 3.
echo
printf "%-18s %10s %12s %12s\n" "peak RSS (KB)" alone LD_PRELOAD CPROF_CPU
MD=$(md_start "$B/bench" "${RESULT:-exec}-rss" "$MDCMD")
printf '| program | peak RSS alone (KB) | `LD_PRELOAD` | `CPROF_CPU` |\n|---|---|---|---|\n' >>"$MD"
rss() { # rss ARM CMD...
	arm=$1; shift
	: >"$TMP/rss"
	for k in 1 2 3; do
		rm -rf "$TMP/out"; mkdir "$TMP/out"
		case $arm in
		alone) /usr/bin/time -f %M -o "$TMP/t" "$@" </dev/null >/dev/null 2>&1 || true ;;
		preload) /usr/bin/time -f %M -o "$TMP/t" env LD_PRELOAD="$LIB" "$@" </dev/null >/dev/null 2>&1 || true ;;
		cpu) /usr/bin/time -f %M -o "$TMP/t" env LD_PRELOAD="$LIB" CPROF_CPU="$TMP/out/c.pb.gz" \
			CPROF_HZ="$HZ" "$@" </dev/null >/dev/null 2>&1 || true ;;
		esac
		tail -n 1 "$TMP/t" >>"$TMP/rss"
	done
	median 1 "$TMP/rss"
}
for prog in /bin/true "/usr/bin/python3 -c pass" "sqlite3 :memory:"; do
	set -- $prog
	command -v "$1" >/dev/null || { echo "$1: not installed (scripts/deps.sh)"; continue; }
	r0=$(rss alone "$@") r1=$(rss preload "$@") r2=$(rss cpu "$@")
	printf "%-18s %10s %12s %12s\n" "$prog" "$r0" "$r1" "$r2"
	printf '| `%s` | %s | %s | %s |\n' "$prog" "$r0" "$r1" "$r2" >>"$MD"
done
