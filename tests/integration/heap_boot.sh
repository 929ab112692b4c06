#!/bin/sh
# The boot arena (src/runtime/heap.c): objects cprof serves while it resolves
# glibc's allocator, which an older glibc's dlsym allocated.  glibc 2.36's
# does not, so a test build of the library (make test: testlib/libcprof_boot.so,
# -DCPROF_TEST_BOOT) allocates four during resolution and hands them to
# tests/progs/heap_boot.c, which checks they are usable and that free,
# realloc and malloc_usable_size take them for cprof's (glibc would abort on
# them) and count nothing for them.  Run with counting only, with sampling
# at rate 1, and with jemalloc behind libcprof (then free checks the range
# first instead of the cookie).
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
BOOT=$BUILD/testlib/libcprof_boot.so
if [ ! -f "$BOOT" ]; then
	nok boot_library "$BOOT not built (make test builds it)"; exit 1
fi
if [ -n "$ASAN" ]; then
	na boot "ASan's malloc interceptor precedes libcprof's: it never resolves, makes no boot objects"
	exit 0
fi
cc_prog "$T/boot" heap_boot.c -I"$CPROF_ROOT/include" -ldl
PRE=$(echo "$PRELOAD" | sed "s|$LIB|$BOOT|")

# brun NAME PRELOAD ENV...: run the program, relay its checks as NAME_CHECK.
brun() {
	n=$1 pre=$2; shift 2
	timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$pre" "$@" "$T/boot" >"$T/$n.out" 2>"$T/$n.err"
	rc=$?
	sed -n "s/^ok /ok ${n}_/p; s/^not ok /not ok ${n}_/p" "$T/$n.out"
	[ "$rc" = 0 ] && ok "${n}_exit_status_0" ||
		nok "${n}_exit_status_0" "got $rc; stderr: $(head -c 400 "$T/$n.err" | tr '\n' '|')"
}
brun count "$PRE"
brun rate1 "$PRE" CPROF_HEAP="$T/h.pb.gz" CPROF_HEAP_RATE=1
JE=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
if [ -n "$SANITIZE" ]; then
	na jemalloc "the sanitizer's allocator is already behind libcprof"
elif [ -f "$JE" ]; then
	brun jemalloc "$PRE $JE"
else
	nok jemalloc "no $JE (Debian libjemalloc2; scripts/deps.sh installs it)"
fi
