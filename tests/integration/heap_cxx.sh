# C++ operator new/delete in all forms (issue 3, case 2): scalar, array,
# nothrow, sized delete, aligned (alignas(256) types and align_val_t with
# nothrow) reach libcprof's malloc through libstdc++.  heap_cxx checks its
# own results (alignment, bad_alloc, nothrow nullptr) and the exact counters;
# at rate 1 each form's site has its exact objects allocated and in use in
# the profile, under libstdc++'s operator new frames.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
CXX=${CXX:-g++}
# TSan's runtime defines operator new/delete itself (its allocator, not
# malloc): libstdc++'s, which reach libcprof, are not called.
[ -n "$TSAN" ] && export HEAP_TEST_NO_STATS=1
$CXX -std=gnu++17 -O2 -g -pthread $TEST_CFLAGS -I"$CPROF_ROOT/include" -o "$T/cxx" "$CPROF_ROOT/tests/progs/heap_cxx.cc" -ldl

relay() {
	sed -n "s/^ok /ok $1_/p; s/^not ok /not ok $1_/p" "$T/$2.out"
	grep -q '^ok ' "$T/$2.out" || nok "$1_ran" "no checks printed; stderr: $(head -c 400 "$T/$2.err" | tr '\n' '|')"
}

timeout -k 5 "$RUN_TIMEOUT" "$T/cxx" >"$T/bare.out" 2>"$T/bare.err"
rc=$?
want_rc bare 0
relay bare bare

for rate in 1 524288; do
	n=rate$rate
	hrun $n CPROF_HEAP="$T/$n.pb.gz" CPROF_HEAP_RATE=$rate "$T/cxx"
	want_rc $n 0
	relay $n $n
	if [ -n "$NOSAMPLE" ]; then
		na "${n}_profile" "$NOSAMPLE_WHY"
		continue
	fi
	check ${n}_profile_readable readable "$T/$n.pb.gz"
	check ${n}_stats_checked grep -q '^ok cxx_stats_exact' "$T/$n.out"
done
[ -n "$NOSAMPLE" ] && exit 0

p=$T/rate1.pb.gz
for idx in alloc_objects inuse_objects; do
	pprof_top "$p" -nodefraction=0 -nodecount=100000 -sample_index=$idx >"$T/$idx.top" 2>"$T/$idx.err" ||
		nok "rate1_${idx}_readable" "$(head -c 300 "$T/$idx.err")"
done
for site in $(awk '$1 == "objects" { print $2 }' "$T/rate1.out"); do
	for kv in alloc_objects:objects inuse_objects:live_objects; do
		idx=${kv%%:*} key=${kv#*:}
		want=$(awk -v k=$key -v s=$site '$1 == k && $2 == s { print $3 }' "$T/rate1.out")
		got=$(awk -v f=$site 'NR > 1 && $NF == f { print $4; exit }' "$T/$idx.top")
		eq "rate1_${site}_$idx" "$got" "$want"
	done
done
check rate1_shows_operator_new grep -q ' operator new(unsigned long)$' "$T/alloc_objects.top"
check rate1_shows_aligned_operator_new grep -q ' operator new(unsigned long, std::align_val_t)$' "$T/alloc_objects.top"
