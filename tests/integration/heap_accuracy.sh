# Heap-profile accuracy (issue 3, case 1).  heap_accuracy keeps ~100 MB live
# in log-uniform sizes from 16 B to 1 MiB while churning ~400 MB of other
# allocations, and prints the true live and allocated bytes and objects.
#  - Sampled (5 seeds, rate 64 KiB): inuse_space and alloc_space of its two
#    allocation sites within 5 % of the truth.  The program also prints the
#    standard deviation the estimator should have for its sizes (sum of
#    s^2 (1-p)/p): at 64 KiB it is ~0.7 %, so 5 % is a 7-sigma bound.  At
#    the default 512 KiB it is ~5 % for this size mix (few objects, hundreds
#    of KiB each), so the default-rate run is held to 4 sigma instead: it
#    checks the unbiasing (a wrong scale is off by far more), not luck.
#  - Rate 1: every count and byte exact, for all four sample types.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/acc" heap_accuracy.c -lm

# sampled NAME SEED RATE TOLERANCE_PCT (empty: 4 sigma, at least 5 %)
sampled() {
	_n=$1 _seed=$2 _rate=$3 _tol=$4
	hrun "$_n" CPROF_HEAP="$T/$_n.pb.gz" CPROF_HEAP_RATE="$_rate" "$T/acc" "$_seed" 100 400 "$_rate"
	want_rc "$_n" 0
	if [ -n "$NOSAMPLE" ]; then
		na "${_n}_accuracy" "$NOSAMPLE_WHY"
		return
	fi
	live=$(truth "$_n" live_bytes) all=$(truth "$_n" alloc_bytes)
	for kind in inuse alloc; do
		tol=$_tol
		[ -n "$tol" ] || tol=$(awk -v s="$(truth "$_n" sigma_$kind)" 'BEGIN { t = 400 * s; print (t < 5 ? 5 : t) }')
		if [ $kind = inuse ]; then want=$live; else want=$all; fi
		got=$(add "$(flat "$T/$_n.pb.gz" ${kind}_space keep_alloc)" \
			"$(flat "$T/$_n.pb.gz" ${kind}_space churn_alloc)")
		near "${_n}_${kind}_space" "$got" "$want" "$tol"
	done 2>"$T/$_n.pperr"
	[ -s "$T/$_n.pperr" ] && sed 's/^/# /' "$T/$_n.pperr"
}

for seed in 1 2 3 4 5; do
	sampled seed$seed $seed 65536 5
done
sampled default_rate 6 524288 ""

# Rate 1: exact.
n=exact
hrun $n CPROF_HEAP="$T/$n.pb.gz" CPROF_HEAP_RATE=1 "$T/acc" 7 30 60 1
want_rc $n 0
if [ -n "$NOSAMPLE" ]; then
	na "${n}_counts" "$NOSAMPLE_WHY"
else
	p=$T/$n.pb.gz
	eq ${n}_inuse_space "$(flat "$p" inuse_space keep_alloc)" "$(truth $n live_bytes)"
	eq ${n}_inuse_objects "$(flat "$p" inuse_objects keep_alloc)" "$(truth $n live_objects)"
	eq ${n}_churn_inuse_objects "$(flat "$p" inuse_objects churn_alloc)" 0
	a=$(flat "$p" alloc_space keep_alloc) b=$(flat "$p" alloc_space churn_alloc)
	eq ${n}_alloc_space "$(add "$a" "$b")" "$(truth $n alloc_bytes)"
	a=$(flat "$p" alloc_objects keep_alloc) b=$(flat "$p" alloc_objects churn_alloc)
	eq ${n}_alloc_objects "$(add "$a" "$b")" "$(truth $n alloc_objects)"
fi

# One call site allocating sizes of every kind (1..65536 bytes, 4 GB): the
# buckets are per size class, so the profile holds a bounded number of
# samples (one per sampled size made ~6 600 here, and grew with the run),
# and the totals stay unbiased: within 5 standard deviations of the
# estimator, which the program computes (a false failure below 1e-6;
# alloc_objects' is ~3 %: a rare small object counts for thousands).
cc_prog "$T/sizes" heap_sizes.c -lm
n=sizes
hrun $n CPROF_HEAP="$T/$n.pb.gz" "$T/sizes" 4 524288
want_rc $n 0
if [ -n "$NOSAMPLE" ]; then
	na "${n}_bounded" "$NOSAMPLE_WHY"
else
	c=$(go tool pprof -raw "$T/$n.pb.gz" 2>/dev/null | sed -n '/^Samples:/,/^Locations/p' | grep -c '^ *[0-9]')
	check "${n}_samples_bounded ($c; at most 400)" test "$c" -gt 0 -a "$c" -le 400
	for k in bytes objects; do
		if [ $k = bytes ]; then idx=alloc_space; else idx=alloc_objects; fi
		want=$(truth $n alloc_$k) sig=$(truth $n sigma_$k)
		tol=$(awk -v w="$want" -v s="$sig" 'BEGIN { if (w > 0) printf "%.2f", 500 * s / w; else print 0 }')
		near "${n}_$idx" "$(total "$T/$n.pb.gz" $idx)" "$want" "$tol"
	done
fi
