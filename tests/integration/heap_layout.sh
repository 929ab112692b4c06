# Sampled blocks are the program's own chunks (docs/HEAP.md): under
# CPROF_HEAP, whatever the rate, glibc places a fixed sequence of mallocs,
# frees and reallocs exactly where it does without cprof, with the same
# usable sizes (tests/progs/heap_layout.c prints both).  A header in front
# of sampled blocks, or a copy made to track a block, would move them.
. "$CPROF_ROOT/tests/lib.sh"
cc_prog "$T/hl" heap_layout.c
"$T/hl" >"$T/plain.out" 2>"$T/plain.err"
check "plain_exit_status_0 ($?)" test $? = 0
check plain_prints_400_blocks test "$(wc -l <"$T/plain.out")" = 400
for rate in 1 4096 524288; do
	env LD_PRELOAD="$PRELOAD" CPROF_HEAP="$T/r$rate.pb.gz" CPROF_HEAP_RATE=$rate "$T/hl" \
		>"$T/r$rate.out" 2>"$T/r$rate.err"
	rc=$?
	check "rate_${rate}_exit_status_0 ($rc)" test "$rc" = 0
	if [ -n "$SANITIZE" ]; then
		na "rate_${rate}_same_layout" "a sanitizer's allocator is not glibc's"
		continue
	fi
	if cmp -s "$T/plain.out" "$T/r$rate.out"; then
		ok "rate_${rate}_same_layout"
	else
		nok "rate_${rate}_same_layout" "first difference: $(diff "$T/plain.out" "$T/r$rate.out" | sed -n 2p)"
	fi
	check "rate_${rate}_profile_readable" pprof_top "$T/r$rate.pb.gz"
done
