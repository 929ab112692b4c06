# Leak report (issue 3, case 4).  heap_leaks plants two leaks (10 x 1000 B in
# plant_leak, 16 x 256 KiB in plant_big_leak) or frees everything while
# using what keeps libc- and loader-internal memory (stdio, fopen,
# localtime, dlopen/dlclose, a thread).  CPROF_LEAKS=1 must report exactly
# the planted objects and bytes on stderr, with their allocation stacks by
# function name, and in leaks.pb.gz; a clean program has no leaks; the exit
# status changes (CPROF_LEAKS_EXITCODE) only when there are leaks.
# CPROF_LEAKS=sampled finds the big leak.  The false-failure rate is bounded:
# at CPROF_HEAP_RATE=65536 each 256 KiB object is sampled with probability
# 1 - e^-4 = 0.982, and missing all 16 has odds e^-64 = 1.6e-28 per run (at
# the default 512 KiB rate, 0.61^16 = 3.6e-4: about 4 runs in 10 000 failed).
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/leaks" heap_leaks.c -ldl

# lrun NAME DIR ARGS...: run in $T/DIR (created) with libcprof preloaded
# (not in a subshell: hrun sets rc).
lrun() {
	_n=$1 _d=$T/$2; shift 2
	mkdir -p "$_d"
	cd "$_d" || return
	hrun "$_n" "$@"
	cd "$T" || return
}

# 1. Exact leaks.
n=leak_exact
lrun $n w1 CPROF_LEAKS=1 "$T/leaks" leak
want_rc $n 0
check ${n}_output grep -q '^leak plant_big_leak' "$T/$n.out"
if [ -n "$NOSAMPLE" ]; then
	na ${n}_report "$NOSAMPLE_WHY"
else
	eq ${n}_summary "$(grep -c '^cprof: leaks: 4204304 bytes in 26 objects still allocated at exit' "$T/$n.err")" 1
	check ${n}_names_plant_leak grep -Eq '^cprof: +#0 .* plant_leak .*heap_leaks.c:[0-9]+' "$T/$n.err"
	check ${n}_names_plant_big_leak grep -Eq '^cprof: +#0 .* plant_big_leak .*heap_leaks.c:[0-9]+' "$T/$n.err"
	check ${n}_stack_reaches_main grep -Eq '^cprof: +#1 .* main ' "$T/$n.err"
	p=$T/w1/leaks.pb.gz
	check ${n}_profile_default_path test -s "$p"
	check ${n}_profile_readable readable "$p"
	eq ${n}_profile_plant_leak "$(flat "$p" inuse_space plant_leak)" 10000
	eq ${n}_profile_plant_big_leak "$(flat "$p" inuse_space plant_big_leak)" 4194304
	eq ${n}_profile_objects "$(total "$p" inuse_objects)" 26
fi

# 2. No false leaks.
n=clean_exact
lrun $n w2 CPROF_LEAKS=1 CPROF_LEAKS_EXITCODE=3 "$T/leaks" clean
want_rc $n 0
check ${n}_output grep -q '^clean done' "$T/$n.out"
if [ -n "$NOSAMPLE" ]; then
	na ${n}_report "$NOSAMPLE_WHY"
else
	eq ${n}_no_leaks "$(grep -c '^cprof: leaks: 0 bytes in 0 objects' "$T/$n.err")" 1
	eq ${n}_no_leak_sites "$(grep -c '^cprof: leak:' "$T/$n.err")" 0
	check ${n}_profile_readable readable "$T/w2/leaks.pb.gz"
fi

# 3. CPROF_LEAKS_EXITCODE only when leaks exist; CPROF_LEAKS_OUT.
n=leak_exitcode
lrun $n w3 CPROF_LEAKS=1 CPROF_LEAKS_EXITCODE=3 CPROF_LEAKS_OUT="$T/w3/out.pb.gz" "$T/leaks" leak
if [ -n "$NOSAMPLE" ]; then
	want_rc $n 0
	na ${n}_report "$NOSAMPLE_WHY"
else
	want_rc $n 3
	check ${n}_output_kept grep -q '^leak plant_big_leak' "$T/$n.out"
	check ${n}_leaks_out test -s "$T/w3/out.pb.gz"
	check ${n}_no_default_file test ! -e "$T/w3/leaks.pb.gz"
fi

# 4. Sampled.
n=leak_sampled
lrun $n w4 CPROF_LEAKS=sampled CPROF_HEAP_RATE=65536 "$T/leaks" leak
want_rc $n 0
if [ -n "$NOSAMPLE" ]; then
	na ${n}_report "$NOSAMPLE_WHY"
else
	check ${n}_summary grep -Eq '^cprof: leaks: [1-9][0-9]* bytes in [1-9][0-9]* objects \(estimated from samples\)' "$T/$n.err"
	check ${n}_names_plant_big_leak grep -Eq '^cprof: +#0 .* plant_big_leak ' "$T/$n.err"
	b=$(flat "$T/w4/leaks.pb.gz" inuse_space plant_big_leak)
	if [ "$b" -gt 0 ] 2>/dev/null; then ok "${n}_profile ($b bytes estimated of 4194304)"; else nok ${n}_profile "got '$b'"; fi
fi
n=clean_sampled
lrun $n w5 CPROF_LEAKS=sampled CPROF_LEAKS_EXITCODE=3 "$T/leaks" clean
want_rc $n 0
if [ -z "$NOSAMPLE" ]; then
	eq ${n}_no_leaks "$(grep -c '^cprof: leaks: 0 bytes in 0 objects' "$T/$n.err")" 1
fi
