# Robustness (issue 2 §3): unusual and corrupt stacks under profiling at
# 1000 Hz.  The unwinder runs in the SIGPROF handler on whatever the
# interrupted code left in rsp/rbp: it must never fault, and the program must
# finish with a readable profile naming the function that ran.
#   altstack   a handler running on a sigaltstack
#   rbp        rbp holds garbage, and the CFA rule is off by an extra push
#   alloca     a 6 MiB alloca on a thread with a 16 MiB stack
#   ucontext   makecontext/swapcontext coroutines on heap stacks
#   fakestack  rsp in a buffer of random words that ends at a PROT_NONE page
#   jit        a leaf in anonymous executable memory (no file, no CFI): the
#              stack still reaches its caller
#   deep       recursion 1000 deep
#   many       ~65000 distinct stacks
# The program is built without sanitizers: it switches stacks behind their
# back on purpose (libcprof itself still runs sanitized).
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
$CC -std=gnu17 -O2 -g -pthread -o "$T/stack" "$CPROF_ROOT/tests/progs/robust_stack.c"

for mode in altstack:on_altstack_work rbp:clobbered_rbp_work alloca:huge_alloca_work \
	ucontext:coroutine_work fakestack:fake_stack_work jit:jit_caller deep:deep_work \
	many:branch_b; do
	m=${mode%%:*} fn=${mode#*:}
	prof_run "stack_$m" "$T/$m.pb.gz" "$T/stack" "$m" 300
	expect_rc "stack_$m" 0
	expect_out "stack_$m" "^$m done\$"
	robust_profile "stack_$m" "$T/$m.pb.gz" "$fn"
done
# Through the kernel's signal frame, back to the thread that took the signal.
if [ -z "$TSAN" ] && [ -s "$T/altstack.pb.gz" ]; then
	if pprof_top "$T/altstack.pb.gz" -focus='^on_altstack_work$' >"$T/focus.top"; then
		check stack_altstack_unwinds_through_signal_frame grep -Eq '[[:space:]]altstack_thread$' "$T/focus.top"
	else
		nok stack_altstack_unwinds_through_signal_frame "pprof -focus failed"
	fi
fi
