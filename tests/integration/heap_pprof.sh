# The heap API and what go tool pprof makes of its profiles (issue 3, case
# 8): heap_host api sets rate 1 with cprof_heap_set_rate, writes heap and
# allocs profiles by path and by fd, and checks the error cases itself.
# go tool pprof reads each with every -sample_index and no warning; the
# heap profile defaults to inuse_space, the allocs profile to alloc_space;
# period type space/bytes, period = rate; the numeric label `bytes` selects
# by object size (-tagfocus); values exact at rate 1; rate 0 keeps what was
# sampled.  The default-rate profile written at exit says Period: 524288.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/host" heap_host.c -ldl
mkdir -p "$T/api"

n=api
hrun $n "$T/host" api "$T/api"
want_rc $n 0
sed -n "s/^ok /ok /p; s/^not ok /not ok /p" "$T/$n.out"
grep -q '^ok ' "$T/$n.out" || nok api_ran "$(head -c 300 "$T/$n.err" | tr '\n' '|')"
if [ -n "$NOSAMPLE" ]; then
	na ${n}_profiles "$NOSAMPLE_WHY"
	exit 0
fi

# type_of PROFILE: the Type line of go tool pprof -top with no -sample_index.
type_of() { pprof_top "$1" | sed -n 's/^Type: //p'; }

for f in heap heapfd allocs allocsfd after; do
	p=$T/api/$f.pb.gz
	check ${f}_readable_every_index readable "$p"
	case $f in
	allocs*) want=alloc_space ;;
	*) want=inuse_space ;;
	esac
	eq ${f}_default_type "$(type_of "$p" 2>/dev/null)" $want
done
p=$T/api/heap.pb.gz
go tool pprof -raw "$p" >"$T/raw" 2>&1
check heap_sample_types grep -q '^alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes$' "$T/raw"
check heap_period_type grep -q '^PeriodType: space bytes$' "$T/raw"
check heap_period_1 grep -q '^Period: 1$' "$T/raw"
eq heap_hold_inuse "$(flat "$p" inuse_space hold_site)" 1000000
eq heap_hold_objects "$(flat "$p" inuse_objects hold_site)" 100
eq heap_churn_alloc "$(flat "$p" alloc_space churn_site)" 5000000
eq heap_churn_alloc_objects "$(flat "$p" alloc_objects churn_site)" 1000
eq heap_churn_inuse "$(flat "$p" inuse_space churn_site)" 0
# tagflat PROFILE INDEX FUNC TAGFOCUS: flat value under -tagfocus (pprof's
# note that it read the value as a range is expected; "matched no samples"
# gives 0).
tagflat() {
	go tool pprof -top -unit=B -nodefraction=0 -sample_index="$2" -tagfocus="$4" "$1" >"$T/tf.out" 2>"$T/tf.err" ||
		{ echo error; return; }
	awk -v f="$3" 'NR > 1 && $NF == f { v = $1; sub(/B$/, "", v); print v; found = 1; exit }
		END { if (!found) print 0 }' "$T/tf.out"
}
eq heap_tagfocus_10000 "$(tagflat "$p" alloc_space churn_site bytes=10000B)" 0
eq heap_tagfocus_10000_hold "$(tagflat "$p" alloc_space hold_site bytes=10000B)" 1000000
eq heap_tagfocus_5000 "$(tagflat "$p" alloc_space churn_site bytes=4kb:5kb)" 5000000
eq heap_tagfocus_5000_no_hold "$(tagflat "$p" alloc_space hold_site bytes=4kb:5kb)" 0
# Same data, other default.
eq allocs_same_data "$(flat "$T/api/allocs.pb.gz" alloc_space churn_site)" 5000000
# Rate 0 afterwards: earlier samples stay, the free of one is seen.
eq after_rate0_hold_objects "$(flat "$T/api/after.pb.gz" inuse_objects hold_site)" 99
# cprof's own reader agrees on the allocs profile's default.
if "$CPROF" top "$T/api/allocs.pb.gz" >"$T/ctop" 2>&1 && grep -q 'alloc_space' "$T/ctop"; then
	ok cprof_top_allocs_type
else
	nok cprof_top_allocs_type "$(head -c 300 "$T/ctop" | tr '\n' '|')"
fi

# Default rate, written at exit through CPROF_HEAP.
n=default p=$T/default.pb.gz
hrun $n CPROF_HEAP="$p" "$T/host" run
want_rc $n 7
check ${n}_readable readable "$p"
go tool pprof -raw "$p" >"$T/raw2" 2>&1
check ${n}_period grep -q '^Period: 524288$' "$T/raw2"
eq ${n}_default_type "$(type_of "$p" 2>/dev/null)" inuse_space
