# Cheap per process and per loaded object (issue 10 rows 8-9): a program that
# dlopens and dlcloses a library 3 000 times is profiled with none of cprof's
# own work under its dlopen calls (nothing of cprof runs there), and its
# samples in the library, unloaded long before the profile is written, keep
# whole stacks up to main; `make -j2` of a small C project (cc, cc1, as, ld:
# Debian's compiler, each an exec) behaves exactly as without cprof.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
. "$CPROF_ROOT/tests/progs/gen_cproject.sh"

cc_prog "$T/churn" dlopen_churn.c -ldl
cc_prog "$T/libchurn.so" dlopen_churn_lib.c -shared -fPIC

env LD_PRELOAD="$SAN_PRELOAD" "$T/churn" "$T/libchurn.so" 3000 20000 >"$T/churn.want" 2>"$T/churn.want.err"
prof_run churn "$T/churn.pb.gz" "$T/churn" "$T/libchurn.so" 3000 20000
expect_rc churn 0
check churn_output_unchanged cmp -s "$T/churn.want" "$T/churn.out"
robust_profile churn "$T/churn.pb.gz" churn_work
if [ -z "$TSAN" ]; then
	# Every trace with dlopen in it: no frame of cprof's (cprof_*, cprof__*,
	# the unwinder's).  Some traces must go through dlopen, or this proves
	# nothing.
	if go tool pprof -traces "$T/churn.pb.gz" >"$T/churn.traces" 2>"$T/churn.tr.err"; then
		awk '/^-+\+-+$/ { if (blk ~ /dlopen/) print blk; blk = ""; next } { blk = blk "\n" $0 }
		     END { if (blk ~ /dlopen/) print blk }' "$T/churn.traces" >"$T/under_dlopen"
		check churn_traces_through_dlopen grep -q dlopen "$T/under_dlopen"
		if grep -Eq 'cprof_|unwind_|maps_' "$T/under_dlopen"; then
			nok churn_no_cprof_frames_under_dlopen "$(grep -E 'cprof_|unwind_|maps_' "$T/under_dlopen" | sort | uniq -c | tr '\n' '|')"
		else
			ok churn_no_cprof_frames_under_dlopen
		fi
	else
		nok churn_traces_readable "$(head -c 300 "$T/churn.tr.err")"
	fi
	# Stacks through the library (unloaded by now) are whole: leaf, its
	# caller in the library, the program's frames up to main.
	if pprof_top "$T/churn.pb.gz" -focus='^churn_step$' -nodefraction=0 >"$T/churn.focus"; then
		for f in churn_step churn_work call_lib main; do
			check "churn_lib_stack_has_$f" grep -Eq "[[:space:]]$f\$" "$T/churn.focus"
		done
	else
		nok churn_lib_stacks "pprof -focus failed"
	fi
fi

# make -j2 under CPROF_CPU: same exit status, same output, same program.
gen_cproject "$T/proj" 8
(cd "$T/proj" && make -j2 run >"$T/make.want" 2>"$T/make.want.err")
want_rc=$?
(cd "$T/proj" && make clean >/dev/null 2>&1)
(cd "$T/proj" && timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/make.pb.gz" \
	CPROF_HZ=1000 make -j2 run >"$T/make.out" 2>"$T/make.err")
rc=$?
check make_reference_ok [ "$want_rc" = 0 ]
expect_rc make 0
# -j2 may interleave the compile lines: compare them sorted; the program's
# own output must be there too.
# make's own clock-skew warnings (a virtual machine's clock may step) are
# not the program's behaviour: left out on both sides.
skew='Clock skew|modification time .* in the future'
grep -Ev "$skew" "$T/make.want" | sort >"$T/make.want.s"
grep -Ev "$skew" "$T/make.out" | sort >"$T/make.out.s"
if cmp -s "$T/make.want.s" "$T/make.out.s"; then
	ok make_output_identical
else
	nok make_output_identical "$(diff "$T/make.want.s" "$T/make.out.s" | head -c 600 | tr '\n' '|')"
fi
check make_program_ran grep -q '^sum ' "$T/make.out"
grep -Ev "$skew" "$T/make.want.err" >"$T/make.want.err.s"
grep -v '^==' "$T/make.err" | grep -Ev "$skew" >"$T/make.err.s"
if cmp -s "$T/make.want.err.s" "$T/make.err.s"; then
	ok make_stderr_unchanged
else
	nok make_stderr_unchanged "$(diff "$T/make.want.err.s" "$T/make.err.s" | head -c 600 | tr '\n' '|')"
fi
check make_profile_written test -s "$T/make.pb.gz"
# The compiler's own processes wrote their profiles too (CPROF_CPU.PID).
n=$(ls "$T"/make.pb.gz.* 2>/dev/null | wc -l)
if [ "$n" -ge 9 ]; then ok "make_children_profiled ($n)"; else nok make_children_profiled "$n files"; fi

# glibc resolves a dlopen's RUNPATH and $ORIGIN from its caller: a program
# finding its plugin through its own RUNPATH still finds it under libcprof
# (an interposed dlopen made libcprof the caller, and the load failed).
mkdir -p "$T/origin/lib"
printf 'int plugin_answer(void) { return 42; }\n' >"$T/origin/plugin.c"
$CC -shared -fPIC $TEST_CFLAGS -o "$T/origin/lib/libplugin.so" "$T/origin/plugin.c"
cat >"$T/origin/main.c" <<'EOC'
#include <dlfcn.h>
#include <stdio.h>
int main(void)
{
	void *h = dlopen("libplugin.so", RTLD_NOW);
	if (!h) {
		printf("dlopen failed: %s\n", dlerror());
		return 1;
	}
	int (*f)(void) = (int (*)(void))dlsym(h, "plugin_answer");
	printf("answer %d\n", f ? f() : -1);
	return 0;
}
EOC
$CC $TEST_CFLAGS -o "$T/origin/main" "$T/origin/main.c" -ldl -Wl,-rpath,'$ORIGIN/lib'
# The sanitizers' own dlopen interceptors make their runtime the caller (the
# plugin is not found with them, libcprof or not): the case compares with the
# same run without libcprof, and expects the plugin found without sanitizers.
env LD_PRELOAD="$SAN_PRELOAD" "$T/origin/main" >"$T/origin.want" 2>&1
prof_run origin "$T/origin.pb.gz" "$T/origin/main"
check origin_same_as_without_cprof cmp -s "$T/origin.want" "$T/origin.out"
if [ -z "$SANITIZE" ]; then
	expect_rc origin 0
	expect_out origin '^answer 42$'
fi
