# Every interposed allocation function (issue 3, case 2): heap_funcs checks
# what the C library promises (alignment, usable size, zeroing, realloc data,
# overflow -> NULL/ENOMEM, EINVAL, errno kept by free...) and prints one
# "ok"/"not ok" line per check; it runs bare (to check the checks), then
# under libcprof at rate 1 (every object sampled), at 4 KiB (some sampled:
# realloc moves objects in and out of the sampled set) and at the default
# rate.  At rate 1 the heap profile must give each function's allocation
# site its exact objects and bytes, allocated and in use.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/funcs" heap_funcs.c

# relay PREFIX NAME: the program's own checks, renamed PREFIX_CHECK.
relay() {
	sed -n "s/^ok /ok $1_/p; s/^not ok /not ok $1_/p" "$T/$2.out"
	grep -q '^ok ' "$T/$2.out" || nok "$1_ran" "no checks printed; stderr: $(head -c 400 "$T/$2.err" | tr '\n' '|')"
}

timeout -k 5 "$RUN_TIMEOUT" "$T/funcs" >"$T/bare.out" 2>"$T/bare.err"
rc=$?
want_rc bare 0
relay bare bare

for rate in 1 4096 524288; do
	n=rate$rate
	hrun $n CPROF_HEAP="$T/$n.pb.gz" CPROF_HEAP_RATE=$rate "$T/funcs"
	want_rc $n 0
	relay $n $n
	# (ASan warns of the huge requests on stderr.)
	[ -n "$NOSAMPLE" ] || quiet $n
	if [ -n "$NOSAMPLE" ]; then
		na "${n}_profile" "$NOSAMPLE_WHY"
		continue
	fi
	check ${n}_profile_readable readable "$T/$n.pb.gz"
done

[ -n "$NOSAMPLE" ] && exit 0
p=$T/rate1.pb.gz
for idx in alloc_objects alloc_space inuse_objects inuse_space; do
	pprof_top "$p" -unit=B -nodefraction=0 -nodecount=100000 -sample_index=$idx >"$T/$idx.top" 2>"$T/$idx.err" ||
		nok "rate1_${idx}_readable" "$(head -c 300 "$T/$idx.err")"
done
for site in $(awk '$1 == "objects" { print $2 }' "$T/rate1.out"); do
	for kv in alloc_objects:objects alloc_space:bytes inuse_objects:live_objects inuse_space:live_bytes; do
		idx=${kv%%:*} key=${kv#*:}
		want=$(awk -v k=$key -v s=$site '$1 == k && $2 == s { print $3 }' "$T/rate1.out")
		got=$(awk -v f=$site 'NR > 1 && $NF == f { v = $1; sub(/B$/, "", v); print v; exit }' "$T/$idx.top")
		eq "rate1_${site}_$idx" "$got" "$want"
	done
done
# The interposers' own frames are never an allocation's leaf.
cprof_fns='^(malloc|calloc|realloc|reallocarray|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|sample_alloc|aligned_impl|realloc_impl|realloc_sampled|realloc_due|event_bucket|sample_due)$'
leaf=$(awk -v re="$cprof_fns" 'NR > 1 && $1 != "0" && $NF ~ re { print $NF }' "$T/alloc_objects.top")
eq rate1_no_cprof_frames "$leaf" ""
