# The interposer under concurrency (issue 3, cases 2 and 3): exact
# cprof_alloc_stats deltas from 4 threads; objects freed on another thread
# than the one that allocated them; fork with a thread allocating at the
# moment of fork (children allocate, print and exit, write nothing, never
# hang); malloc in SIGALRM/SIGUSR1 handlers while the main loop mallocs
# (exact counters, no deadlock); dlsym/dlopen/dlerror from the program's
# preinit_array and constructor, before libcprof's constructor.  Each at
# rate 1 (every object sampled) and at the default rate.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
for p in threads fork signal early; do
	cc_prog "$T/$p" heap_$p.c -ldl
done

# relay PREFIX NAME: the program's own checks, renamed PREFIX_CHECK.
relay() {
	sed -n "s/^ok /ok $1_/p; s/^not ok /not ok $1_/p" "$T/$2.out"
	grep -q '^ok ' "$T/$2.out" || nok "$1_ran" "no checks printed; stderr: $(head -c 400 "$T/$2.err" | tr '\n' '|')"
}

# site_value NAME PROFILE INDEX SITE: the profile's flat value of SITE equals
# the program's "objects SITE N" (rate 1).
site_value() {
	want=$(awk -v s="$4" '$1 == "objects" && $2 == s { print $3 }' "$T/$1.out")
	eq "$1_profile_$4_$3" "$(flat "$2" "$3" "$4")" "$want"
}

for rate in 1 524288; do
	# Exact counters (case 3), with and without a heap profile.
	n=stats_$rate
	hrun $n CPROF_HEAP="$T/$n.pb.gz" CPROF_HEAP_RATE=$rate "$T/threads" stats
	want_rc $n 0
	if [ -n "$NOSTATS" ]; then na "${n}_exact" "$NOSAMPLE_WHY"; else relay $n $n; fi

	n=cross_$rate
	hrun $n CPROF_HEAP="$T/$n.pb.gz" CPROF_HEAP_RATE=$rate "$T/threads" cross
	want_rc $n 0
	relay $n $n
	if [ -z "$NOSAMPLE" ]; then
		check ${n}_profile_readable readable "$T/$n.pb.gz"
		if [ $rate = 1 ]; then
			site_value $n "$T/$n.pb.gz" alloc_objects producer_alloc
			eq ${n}_profile_all_freed "$(flat "$T/$n.pb.gz" inuse_objects producer_alloc)" 0
		fi
	fi

	n=fork_$rate
	if [ -n "$ASAN" ]; then
		# Seen: a child deadlocked inside ASan's own allocator (on a lock
		# the background thread held at fork); malloc never reaches
		# libcprof under ASan, so there is nothing of cprof's to test.
		na "$n" "$NOSAMPLE_WHY; the children can deadlock in ASan's allocator (locked at fork)"
	elif [ -n "$TSAN" ]; then
		# Seen once in CI: a child hung after fork under TSan, whose
		# allocator is the one behind libcprof there; cause not yet
		# established (TSan documents fork of a threaded program as
		# unsupported).  Runs in the gcc suite.
		na "$n" "$NOSAMPLE_WHY; a forked child of a threaded program can hang in TSan's runtime"
	else
		hrun $n CPROF_HEAP="$T/$n.pb.gz" CPROF_HEAP_RATE=$rate "$T/fork" "$T/$n.pb.gz"
		want_rc $n 0
		relay $n $n
		if [ -n "$NOSAMPLE" ]; then
			na "${n}_profile" "$NOSAMPLE_WHY"
		else
			check ${n}_profile_readable readable "$T/$n.pb.gz"
			eq ${n}_children_not_in_profile "$(flat "$T/$n.pb.gz" alloc_objects child_work)" 0
			if [ $rate = 1 ]; then
				want=$(awk '$1 == "objects" && $2 == "parent_alloc" { print $3 }' "$T/$n.out")
				eq ${n}_parent_profile_intact "$(flat "$T/$n.pb.gz" inuse_objects parent_alloc)" "$want"
			fi
		fi
		check ${n}_children_ran test "$(grep -c '^child ' "$T/$n.out")" = 40
	fi

	n=signal_$rate
	if [ -n "$NOSAMPLE" ]; then
		na "$n" "$NOSAMPLE_WHY; and the sanitizer's malloc is not async-signal-safe (seen: a handler's malloc that interrupts it hangs)"
	else
		hrun $n CPROF_HEAP="$T/$n.pb.gz" CPROF_HEAP_RATE=$rate "$T/signal"
		want_rc $n 0
		relay $n $n
		check ${n}_profile_readable readable "$T/$n.pb.gz"
		if [ $rate = 1 ]; then
			site_value $n "$T/$n.pb.gz" alloc_objects main_alloc
			# A handler's malloc that interrupts a sampled allocation of
			# its own thread (inside the unwinder or the bucket table) is
			# served unsampled and counted under cprof.lostProfileEvent:
			# with it, every handler allocation is accounted for, exactly.
			h=$(flat "$T/$n.pb.gz" alloc_objects handler_alloc)
			l=$(flat "$T/$n.pb.gz" alloc_objects cprof.lostProfileEvent)
			want=$(awk '$1 == "objects" && $2 == "handler_alloc" { print $3 }' "$T/$n.out")
			if [ "$h" -gt 0 ] 2>/dev/null && [ "$((h + l))" = "$want" ]; then
				ok "${n}_profile_handler_alloc ($h sampled + $l lost = $want)"
			else
				nok ${n}_profile_handler_alloc "got '$h' sampled + '$l' lost, want $want"
			fi
		fi
	fi

	n=early_$rate
	hrun $n CPROF_HEAP="$T/$n.pb.gz" CPROF_HEAP_RATE=$rate "$T/early"
	want_rc $n 0
	relay $n $n
	if [ -z "$NOSAMPLE" ]; then check ${n}_profile_readable readable "$T/$n.pb.gz"; fi
done

# Leak mode across fork: only the parent reports (its children exit with
# the parent's objects still allocated, and must say nothing).
n=fork_leaks
if [ -n "$NOSAMPLE" ]; then
	na $n "$NOSAMPLE_WHY"
else
	hrun $n CPROF_LEAKS=1 CPROF_LEAKS_OUT="$T/$n.pb.gz" "$T/fork" "$T/$n.pb.gz"
	want_rc $n 0
	eq ${n}_one_summary "$(grep -c '^cprof: leaks:' "$T/$n.err")" 1
	check ${n}_parent_objects grep -q '^cprof: leaks: [0-9]* bytes in [0-9]* objects' "$T/$n.err"
	check ${n}_names_parent_alloc grep -Eq '^cprof: +#0 .* parent_alloc ' "$T/$n.err"
fi

# Counting only (no profile: the interposers' cheapest path).
n=stats_counting
hrun $n "$T/threads" stats
want_rc $n 0
if [ -n "$NOSTATS" ]; then na "${n}_exact" "$NOSAMPLE_WHY"; else relay $n $n; fi
n=signal_counting
if [ -n "$NOSAMPLE" ]; then
	na $n "$NOSAMPLE_WHY; and the sanitizer's malloc is not async-signal-safe"
else
	hrun $n "$T/signal"
	want_rc $n 0
	relay $n $n
fi
n=early_counting
hrun $n "$T/early"
want_rc $n 0
relay $n $n
