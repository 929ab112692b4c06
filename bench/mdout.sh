# mdout.sh — sourced by the benchmarks: their summary tables as markdown,
# and the round-robin order of their arms (rotated),
# one file per table, $B/bench/NAME.md, for bench/results/ and
# docs/PERFORMANCE.md (bench/README.md, "Refreshing the figures").  Only
# output: nothing here changes what a benchmark measures.

# md_cmd SCRIPT VAR... [-- ARG...]: the command that reproduces this run,
# "V=x ... sh bench/SCRIPT ARG...", from those of the VARs the caller's
# environment sets (call it before the script applies its defaults) and
# the script's arguments.  RESULT, which names the files, is always a VAR.
md_cmd() {
	_md_s=$1
	shift
	_md_c=
	for _md_v in RESULT "$@"; do
		[ "$_md_v" = -- ] && break
		eval "_md_set=\${$_md_v+x}"
		[ -n "$_md_set" ] || continue
		eval "_md_x=\$$_md_v"
		case $_md_x in '' | *[!A-Za-z0-9_./:,=+-]*) _md_x="\"$_md_x\"" ;; esac
		_md_c="$_md_c$_md_v=$_md_x "
	done
	_md_a=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
	[ $# -gt 0 ] && shift
	for _md_x; do _md_a="$_md_a $_md_x"; done
	echo "${_md_c}sh bench/$_md_s$_md_a"
}

# md_start DIR NAME CMD: starts DIR/NAME.md with the comment that names its
# table and command (the first line perfdoc.sh matches); prints the path.
md_start() {
	mkdir -p "$1"
	printf '<!-- bench %s: %s -->\n' "$2" "$3" >"$1/$2.md"
	echo "$1/$2.md"
}

# rotated R ARM...: the arms in round R's order (rotated by R-1), so that
# no arm always runs first or last: `for arm in $(rotated $r $ARMS)`.
rotated() {
	_r=$1; shift
	_k=$(( (_r - 1) % $# ))
	while [ "$_k" -gt 0 ]; do _a=$1; shift; set -- "$@" "$_a"; _k=$((_k - 1)); done
	echo "$@"
}

# each_round ROUNDS RAW FN ARM...: ROUNDS rounds of the ARMs, in each
# round's rotated order; every line `FN ARM` prints goes to RAW (written
# afresh) as "ROUND<TAB>ARM<TAB>line".  Progress on stderr.
each_round() {
	_er_n=$1 _er_raw=$2 _er_fn=$3
	shift 3
	: >"$_er_raw"
	_er_r=1
	while [ "$_er_r" -le "$_er_n" ]; do
		for _er_a in $(rotated "$_er_r" "$@"); do
			"$_er_fn" "$_er_a" | awk -v p="$_er_r\t$_er_a\t" '{ print p $0 }' >>"$_er_raw"
		done
		printf 'round %d/%d\r' "$_er_r" "$_er_n" >&2
		_er_r=$((_er_r + 1))
	done
	echo >&2
}

# AWK_MEDIAN: awk's median(v, n) of v[1..n] (sorted in place), for a
# script to start with: awk "$AWK_MEDIAN"' ... '.
AWK_MEDIAN='
function median(v, n,    i, j, t) {
	for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}'

# md_benchstat MD OTHER SHORT < BENCHSTAT: benchstat's rows "NAME  V ± P%
# [V ± P%  VS...]" as a markdown table in MD, cprof's column then OTHER's,
# then "SHORT vs cprof" (the footnote marks, ¹ ², dropped first so that the
# fields line up).
md_benchstat() {
	awk -v md="$1" -v other="$2" -v short="$3" '
BEGIN {
	print "| benchmark | cprof sec/op (± 95 % CI) | " other " sec/op (± 95 % CI) | " short " vs cprof |" >> md
	print "|---|---|---|---|" >> md
}
{ gsub(/ (¹|²|³|⁴|⁵|⁶|⁷|⁸|⁹)+/, ""); $0 = $0 }
$3 == "±" {
	vs = ""
	for (i = 8; i <= NF; i++) vs = vs (vs == "" ? "" : " ") $i
	printf "| %s | %s ± %s | %s | %s |\n", $1, $2, $4, $6 == "±" ? $5 " ± " $7 : "—", vs == "" ? "—" : vs >> md
}'
}
