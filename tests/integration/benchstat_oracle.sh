#!/bin/sh
# A second oracle for cprof benchstat's golden tables (tests/fixtures/benchstat):
# every median, "± CI", p-value, delta and geomean they print is recomputed
# with NumPy/SciPy from the raw benchmark files (tests/progs/benchstat_oracle.py),
# independently of cprof; and cprof benchstat still prints each golden.
. "$CPROF_ROOT/tests/lib.sh"
D=$CPROF_ROOT/tests/fixtures/benchstat
PY=/usr/bin/python3
if ! $PY -c 'import numpy, scipy' 2>/dev/null; then
	skip benchstat_scipy_oracle "no SciPy for $PY (Debian python3-scipy)"
	exit 0
fi
# golden NAME GOLDEN COL ROW -- BENCHSTAT-ARGS...: COL/ROW are the keys the
# table is projected on (benchstat's -col/-row; defaults .file, .fullname).
golden() {
	_n=$1 _g=$2 _c=$3 _r=$4; shift 5
	files=$(for a in "$@"; do case "$a" in *.txt) echo "$a" ;; esac; done)
	# shellcheck disable=SC2086
	$PY "$CPROF_ROOT/tests/progs/benchstat_oracle.py" "$D" "$_n" "$_g" "$_c" "$_r" $files >"$T/o" 2>&1
	rc=$?
	cat "$T/o"
	[ $rc != 0 ] && ! grep -q '^not ok' "$T/o" && nok "${_n}_oracle" "the oracle failed: $(tail -n 1 "$T/o")"
	(cd "$D" && "$CPROF" benchstat "$@") >"$T/out" 2>/dev/null
	if cmp -s "$T/out" "$D/$_g"; then ok "${_n}_golden_current"; else
		nok "${_n}_golden_current" "$(diff "$D/$_g" "$T/out" | head -n 4 | tr '\n' '|')"; fi
}
golden oldnew oldnew.golden .file .fullname -- old.txt new.txt
golden small small.golden note .fullname -- -col note small.txt
golden setdiff setdiff.golden note .fullname -- -col note setdiff.txt
golden exact exact.golden note .fullname -- -col note exact.txt
golden colsub colsub.golden /n .name -- -col /n -row .name new.txt
golden filter filter.golden .file .name -- -filter .unit:ns/op -row .name old.txt new.txt
