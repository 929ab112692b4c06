# Buffers grown by realloc (issue 11).  Behaviour, not cost (the costs are
# bench/heap_real.sh's):
#  - tests/progs/heap_realloc grows buffers in place and moving, with
#    realloc and reallocarray: under cprof the data survive, the exact
#    counters count each realloc as one free and one allocation of its new
#    size, and realloc returns the same pointer about as often as without
#    cprof: at most one extra move per buffer (the copy that gives a block
#    cprof's header when a growth is sampled);
#  - accuracy: alloc_space (bytes newly allocated: the growth in place, the
#    new size on a move) and inuse_space of the two sites match the truth
#    the program prints, within z standard deviations of the Poisson
#    estimator (z for a false failure below 1e-6 over the four comparisons,
#    from SciPy) plus its bound on counting chunk sizes (one page per
#    buffer and move); at rate 1, inuse is exact;
#  - third-party programs that grow one big buffer (mawk reading one long
#    line, bash's command substitution): same output, and glibc keeps
#    growing the buffer with mremap instead of cprof moving it (munmap
#    calls, counted by strace, stay near the program's own), and a buffer
#    grown 4096 times in place costs cprof no memory per size;
#  - glibc's mmap threshold stays the program's (no mmapped block freed
#    by cprof).
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/hr" heap_realloc.c -I"$CPROF_ROOT/include" -ldl -lm
PY=/usr/bin/python3

NBUF=32 MAXKB=2048 STEP=4096
# program's own "ok"/"not ok" lines, prefixed
relay() { sed -n "s/^\(not \)\{0,1\}ok /&$1_/p" "$T/$1.out"; }

# Without cprof: the program's own checks, and the moves glibc makes.
"$T/hr" $NBUF $MAXKB $STEP 524288 >"$T/plain.out" 2>"$T/plain.err"
rc=$?
want_rc plain 0
plain_moves=$(truth plain moves) plain_inplace=$(truth plain in_place)
if [ -n "$SANITIZE" ]; then # built with a sanitizer: its realloc always moves
	na both_ways_without_cprof "a sanitizer's realloc never grows in place"
else
	check both_ways_without_cprof test "${plain_moves:-0}" -gt 0 -a "${plain_inplace:-0}" -gt 0
fi

# Default rate.
hrun default CPROF_HEAP="$T/default.pb.gz" "$T/hr" $NBUF $MAXKB $STEP 524288
want_rc default 0
relay default
m=$(truth default moves)
if [ -n "$m" ] && [ "$m" -le $((plain_moves + 2 * NBUF)) ]; then
	ok "default_in_place_kept ($m moves, $plain_moves without cprof)"
else
	nok default_in_place_kept "$m moves, $plain_moves without cprof (at most one more per buffer: $((2 * NBUF)))"
fi

# z for P(|N(0,1)| > z) = 1e-6 / 4
z=$($PY -c 'from scipy.stats import norm; print(norm.isf(1e-6 / 8))') || z=
[ -n "$z" ] || nok scipy "$PY cannot import scipy.stats (scripts/deps.sh installs python3-scipy)"

# sites PROFILE INDEX: the two sites' total (their stacks hold grow below them).
focused() {
	pprof_top "$1" -unit=B -sample_index="$2" -focus="$3" |
		sed -n 's/^Showing nodes accounting for \([0-9]*\)B,.*/\1/p'
}
sites() { add "$(focused "$1" "$2" '^grow_single$')" "$(focused "$1" "$2" '^grow_inter$')"; }

# accurate NAME: alloc_space and inuse_space of both sites against the truth.
accurate() {
	_n=$1
	for kind in alloc inuse; do
		if [ $kind = alloc ]; then key=alloc_bytes; else key=live_bytes; fi
		want=$(truth "$_n" $key) sig=$(truth "$_n" sigma_$kind) slack=$(truth "$_n" slack_bytes)
		got=$(sites "$T/$_n.pb.gz" ${kind}_space)
		tol=$(awk -v w="$want" -v s="$sig" -v z="${z:-5}" -v k="$slack" \
			'BEGIN { printf "%.4f", 100 * (z * s + k) / w }')
		near "${_n}_${kind}_space" "$got" "$want" "$tol"
	done
}

if [ -n "$NOSAMPLE" ]; then
	na rate64k_accuracy "$NOSAMPLE_WHY"
	na rate1_inuse_exact "$NOSAMPLE_WHY"
	na no_cprof_frames "$NOSAMPLE_WHY"
else
	accurate default
	hrun rate64k CPROF_HEAP="$T/rate64k.pb.gz" CPROF_HEAP_RATE=65536 "$T/hr" $NBUF $MAXKB $STEP 65536
	want_rc rate64k 0
	relay rate64k
	accurate rate64k

	# Rate 1: every block is tracked; what is in use is exact.
	hrun rate1 CPROF_HEAP="$T/rate1.pb.gz" CPROF_HEAP_RATE=1 "$T/hr" 8 1024 $STEP 1
	want_rc rate1 0
	relay rate1
	got=$(sites "$T/rate1.pb.gz" inuse_space)
	eq rate1_inuse_space "$got" "$(truth rate1 live_bytes)"
	got=$(sites "$T/rate1.pb.gz" inuse_objects)
	eq rate1_inuse_objects "$got" 8

	# None of cprof's functions in any stack.
	for p in default rate64k rate1; do
		go tool pprof -traces -sample_index=alloc_space "$T/$p.pb.gz" >"$T/$p.traces" 2>"$T/$p.tr.err" && [ -s "$T/$p.traces" ] ||
			nok "${p}_traces" "$(head -c 300 "$T/$p.tr.err")"
		bad=$(grep -E 'realloc_(impl|sampled|due)|event_bucket|sample_due|sample_alloc|cprof__|cprof_' "$T/$p.traces" | sort -u | head -3)
		eq "${p}_no_cprof_frames" "$bad" ""
	done
fi

# Third-party programs growing one big buffer.  strace counts the program's
# munmap calls: with glibc's in-place growth (mremap) they stay few; a
# realloc turned into malloc + copy + free unmaps the old block every time.
$PY -c 'import sys; sys.stdout.write("x" * (4 << 20) + "\n")' >"$T/line"
# tp NAME CMD...: run CMD bare and under cprof; same output, few munmaps.
tp() {
	_n=$1; shift
	strace -f -qq -c -e trace=munmap,mremap -o "$T/$_n.plain.st" "$@" >"$T/$_n.plain.out" 2>&1
	strace -f -qq -c -e trace=munmap,mremap -o "$T/$_n.st" -E LD_PRELOAD="$PRELOAD" \
		-E CPROF_HEAP="$T/$_n.pb.gz" "$@" >"$T/$_n.out" 2>"$T/$_n.err"
	rc=$?
	want_rc "$_n" 0
	if cmp -s "$T/$_n.plain.out" "$T/$_n.out" && [ -s "$T/$_n.out" ]; then
		ok "${_n}_same_output"
	else
		nok "${_n}_same_output" "$(head -c 200 "$T/$_n.out") vs $(head -c 200 "$T/$_n.plain.out")"
	fi
	calls() { awk -v s="$2" '$NF == s { print $4; f = 1 } END { if (!f) print 0 }' "$1"; }
	pu=$(calls "$T/$_n.plain.st" munmap) pr=$(calls "$T/$_n.plain.st" mremap) cu=$(calls "$T/$_n.st" munmap)
	if [ -n "$NOSAMPLE" ]; then
		na "${_n}_in_place_kept" "$NOSAMPLE_WHY"
	elif [ "$pr" -gt 100 ] && [ "$cu" -le $((pu + 50)) ]; then
		ok "${_n}_in_place_kept (munmap: $cu under cprof, $pu without; $pr mremap)"
	else
		nok "${_n}_in_place_kept" "munmap: $cu under cprof, $pu without (at most 50 more); mremap without cprof: $pr (want > 100)"
	fi
}
if command -v strace >/dev/null && command -v mawk >/dev/null; then
	tp mawk mawk '{ n += length($0) } END { print n }' "$T/line"
	tp bash bash -c 'x=$(cat "$1"); echo ${#x}' sh "$T/line"
else
	nok third_party "strace and mawk are needed (scripts/deps.sh installs them)"
fi

# A tracked buffer that grows in place changes bucket once per 1/32 of
# growth, not at every step: bash reading 16 MB grows one buffer 4096
# times, and a bucket per size added 10 MB to its peak RSS.
if [ -n "$NOSAMPLE" ]; then
	na bash_16mb_rss "$NOSAMPLE_WHY"
else
	$PY -c 'import sys; sys.stdout.write("x" * (16 << 20) + "\n")' >"$T/line16"
	peak() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1; }
	plain=$(peak bash -c 'x=$(cat "$1"); echo ${#x}' sh "$T/line16")
	prof=$(peak env LD_PRELOAD="$PRELOAD" CPROF_HEAP="$T/rss.pb.gz" bash -c 'x=$(cat "$1"); echo ${#x}' sh "$T/line16")
	check "bash_16mb_rss (${prof:-?} KB under cprof, ${plain:-?} KB without; at most 3 MB more)" \
		test "${plain:-0}" -gt 0 -a "${prof:-0}" -gt 0 -a "${prof:-0}" -le $((${plain:-0} + 3072))
fi

# glibc's mmap threshold stays the program's: growing unsampled mmapped
# buffers whose growth is sampled must not free them (free() of an mmapped
# chunk raises the threshold; glibc's realloc only mremaps them).  At a
# 4 MB rate, a few of the 8 buffers' growths are sampled in every run.
if [ -n "$SANITIZE" ]; then
	# The program reads glibc's chunk header: not there under a sanitizer.
	na mmap_threshold_untouched "a sanitizer's allocator is not glibc's"
else
	cc_prog "$T/hmt" heap_mmap_threshold.c
	"$T/hmt" >"$T/hmt.plain" 2>"$T/mmap_threshold_plain.err"
	rc=$?
	want_rc mmap_threshold_plain 0
	env LD_PRELOAD="$PRELOAD" CPROF_HEAP="$T/hmt.pb.gz" CPROF_HEAP_RATE=4194304 "$T/hmt" \
		>"$T/hmt.out" 2>"$T/mmap_threshold_cprof.err"
	rc=$?
	want_rc mmap_threshold_cprof 0
	check mmap_threshold_plain_maps_300k grep -qx 'mmapped 1' "$T/hmt.plain"
	check mmap_threshold_untouched grep -qx 'mmapped 1' "$T/hmt.out"
	check mmap_threshold_profile_written test -s "$T/hmt.pb.gz"
fi
