# Temporary-allocation report (issue 3, case 5).  heap_leaks temp: temp_site
# allocates, uses and frees 4 KiB 1000 times with no other allocation in
# between; long_site's objects live across other allocations.  At rate 1 the
# temporary profile (CPROF_TEMP) has exactly temp_site's 1000 objects and
# 4096000 bytes and nothing of long_site; sampled (rate 64 KiB) temp_site is
# still found and long_site still absent.  The false-failure rate is bounded:
# 1000 x 4 KiB at a 64 KiB rate is 62.5 expected samples, none with odds
# e^-62.5 = 7e-28 per run (at the default 512 KiB rate, e^-7.8 = 4e-4).  go tool pprof and cprof top read it.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/leaks" heap_leaks.c -ldl

for rate in 1 65536; do
	n=temp_$rate p=$T/temp_$rate.pb.gz
	hrun $n CPROF_TEMP="$p" CPROF_HEAP_RATE=$rate "$T/leaks" temp
	want_rc $n 0
	check ${n}_output grep -q '^temp temp_site' "$T/$n.out"
	if [ -n "$NOSAMPLE" ]; then
		na ${n}_report "$NOSAMPLE_WHY"
		continue
	fi
	check ${n}_readable readable "$p" temporary_objects temporary_space
	if [ $rate = 1 ]; then
		eq ${n}_temp_site_objects "$(flat "$p" temporary_objects temp_site)" 1000
		eq ${n}_temp_site_space "$(flat "$p" temporary_space temp_site)" 4096000
	else
		b=$(flat "$p" temporary_space temp_site)
		if [ "$b" -gt 0 ] 2>/dev/null; then ok "${n}_temp_site_found ($b bytes estimated)"; else nok ${n}_temp_site_found "got '$b'"; fi
	fi
	eq ${n}_long_site_absent "$(flat "$p" temporary_objects long_site)" 0
	go tool pprof -raw "$p" >"$T/$n.raw" 2>&1
	check ${n}_sample_types grep -q 'temporary_objects/count temporary_space/bytes' "$T/$n.raw"
	if "$CPROF" top "$p" >"$T/$n.top" 2>"$T/$n.toperr" && grep -q ' temp_site$' "$T/$n.top"; then
		ok ${n}_cprof_top
	else
		nok ${n}_cprof_top "$(head -c 300 "$T/$n.toperr" "$T/$n.top" | tr '\n' '|')"
	fi
done
