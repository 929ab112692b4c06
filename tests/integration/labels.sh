# Profile labels (cprof_labels_push/pop, CPROF_LABELS; docs/PROFILES.md,
# "Labels"): the API's contract; CPU time in two label scopes in the
# proportion the program measured, per go tool pprof -tagfocus and -tags;
# nesting and override; a thread created under a label set inherits it;
# heap samples (rate 1: exact) and threadcreate carry the labels; a full
# label set table says so; push/pop under SIGPROF at 1000 Hz on several
# threads (the ASan and TSan runs of this script are the point there);
# third-party programs with libcprof and no labels behave as without it.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/heap_lib.sh"
cc_prog "$T/labels" labels.c -I"$CPROF_ROOT/tests/progs" -L"$BUILD" -lcprof -Wl,-rpath,"$BUILD"

# tags PROFILE KEY [ARGS...]: go tool pprof -tags lines of KEY, "value total".
tags() {
	_p=$1 _k=$2; shift 2
	go tool pprof -tags -unit=ms "$@" "$_p" 2>/dev/null |
		awk -v k="$_k" '/^ [^ ]/ { cur = $1; sub(/:$/, "", cur); next }
			cur == k && NF >= 3 { v = $1; sub(/ms$/, "", v); print $NF, v }'
}
# focus_ms PROFILE TAGFOCUS: the CPU total, in ms, of samples matching it.
focus_ms() {
	go tool pprof -top -unit=ms -nodefraction=0 -tagfocus="$2" "$1" 2>/dev/null |
		sed -n 's/^Showing nodes accounting for \([0-9.]*\)ms.*/\1/p'
}
# ratio A B: A / B, or "none".
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.3f\n", a / b; else print "none" }'; }
readable() { pprof_top "$1" >/dev/null; }

# ---- the API's contract ----
n=api
hrun $n "$T/labels" api
want_rc $n 0
sed -n 's/^ok /ok api_/p; s/^not ok /not ok api_/p' "$T/$n.out"
check api_strerror_names_enoent grep -qx 'No such file or directory' "$T/$n.out"
check api_nothing_on_stderr test ! -s "$T/$n.err"

# ---- CPU: two scopes, nesting, a thread's inherited set ----
n=cpu
hrun $n CPROF_CPU="$T/cpu.pb.gz" CPROF_HZ=1000 CPROF_THREADCREATE="$T/tc.pb.gz" "$T/labels" cpu
want_rc $n 0
p=$T/cpu.pb.gz
check ${n}_profile_readable readable "$p"
light=$(truth $n light_ms) heavy=$(truth $n heavy_ms)
if [ -n "$TSAN" ]; then
	# Signals are delivered at TSan's next intercepted call, labels and all
	# (tests/lib.sh): the attribution is not meaningful there.
	na ${n}_light_heavy_ratio "ThreadSanitizer delays asynchronous signals"
else
	gl=$(focus_ms "$p" phase=light) gh=$(focus_ms "$p" phase=heavy)
	# The program's own clock is the truth: the ratio of what the
	# profile says to what it measured, within 25 %.
	near ${n}_light_heavy_ratio "$(ratio "$gh" "$gl")" "$(ratio "$heavy" "$light")" 25
	near ${n}_light_total "$gl" "$light" 30
	# Nested: phase=nested overrides phase=heavy, extra=x is added; the
	# nested scope's samples are in neither light nor heavy.
	near ${n}_nested_total "$(focus_ms "$p" extra=x)" 200 30
	eq ${n}_nested_overrides_phase "$(tags "$p" phase -tagfocus=extra=x | awk '{ print $1 }')" nested
	# The thread created under owner=parent burns 200 ms with it.
	near ${n}_inherited_total "$(focus_ms "$p" owner=parent)" 200 30
fi
tags "$p" phase >"$T/phase.tags"
check ${n}_tags_lists_light grep -q '^light ' "$T/phase.tags"
check ${n}_tags_lists_heavy grep -q '^heavy ' "$T/phase.tags"
check ${n}_tags_lists_nested grep -q '^nested ' "$T/phase.tags"
check ${n}_tags_lists_weight sh -c "go tool pprof -tags '$p' 2>/dev/null | grep -q '^ weight:'"
# -tagignore drops what -tagfocus keeps.
if [ -z "$TSAN" ]; then
	# The profile's whole total (not "Showing nodes accounting for",
	# which leaves out the nodes under -nodefraction).
	all=$(go tool pprof -top -unit=ms "$p" 2>/dev/null |
		sed -n 's/.*Total samples = \([0-9.]*\)ms.*/\1/p')
	kept=$(focus_ms "$p" phase=light)
	rest=$(go tool pprof -top -unit=ms -nodefraction=0 -tagignore=phase=light "$p" 2>/dev/null |
		sed -n 's/^Showing nodes accounting for \([0-9.]*\)ms.*/\1/p')
	eq ${n}_tagignore_complements "$(awk -v a="$kept" -v b="$rest" 'BEGIN { print a + b }')" "$(awk -v a="$all" 'BEGIN { print a + 0 }')"
fi
# cprof's own reports filter the same way.
go tool pprof -top -tagfocus=phase=heavy "$p" >"$T/want" 2>"$T/want.err"
w=$?
"$CPROF" top -tagfocus=phase=heavy "$p" >"$T/got" 2>"$T/got.err"
judge ${n}_cprof_top_tagfocus $w $?
go tool pprof -tags "$p" >"$T/want" 2>"$T/want.err"
w=$?
"$CPROF" report -tags "$p" >"$T/got" 2>"$T/got.err"
judge ${n}_cprof_tags $w $?
go tool pprof -traces -tagfocus=owner=parent "$p" >"$T/want" 2>"$T/want.err"
w=$?
"$CPROF" traces -tagfocus=owner=parent "$p" >"$T/got" 2>"$T/got.err"
judge ${n}_cprof_traces_tagfocus $w $?
# The thread creation is labelled with its creator's set.
eq threadcreate_labelled "$(tags "$T/tc.pb.gz" owner | awk '{ print $1 }')" parent
check threadcreate_readable readable "$T/tc.pb.gz"

# ---- heap: rate 1, every allocation recorded ----
n=heap
hrun $n CPROF_HEAP="$T/heap.pb.gz" CPROF_HEAP_RATE=1 "$T/labels" heap
want_rc $n 0
if [ -n "$NOSAMPLE" ]; then
	na ${n}_labels "$NOSAMPLE_WHY"
else
	p=$T/heap.pb.gz
	check ${n}_profile_readable readable "$p"
	eq ${n}_alloc_a_objects "$(flat "$p" inuse_objects keep_blocks -tagfocus=alloc=a)" 10
	eq ${n}_alloc_b_objects "$(flat "$p" inuse_objects keep_blocks -tagfocus=alloc=b)" 30
	eq ${n}_unlabelled_objects "$(flat "$p" inuse_objects keep_blocks -tagignore=alloc=.)" 5
	eq ${n}_alloc_a_bytes "$(flat "$p" alloc_space keep_blocks -tagfocus=alloc=a)" 10000
	check ${n}_bytes_label_kept sh -c "go tool pprof -tags '$p' 2>/dev/null | grep -q '^ bytes:'"
fi

# ---- a full label set table ----
n=overflow
hrun $n CPROF_CPU="$T/over.pb.gz" CPROF_HZ=1000 CPROF_PROCESS_LABELS=1 "$T/labels" overflow
want_rc $n 0
check ${n}_pushes_still_succeed grep -qx 'push failures 0' "$T/$n.out"
one_line $n "$T/$n.err" 'label set table full'
if [ -z "$TSAN" ]; then
	near ${n}_samples_labelled_overflow "$(focus_ms "$T/over.pb.gz" cprof.labels=overflow)" 200 30
fi
# CPROF_PROCESS_LABELS' pid and comm stay beside the program's labels.
go tool pprof -tags "$T/over.pb.gz" 2>/dev/null | sed -n 's/^ \([^ ]*\):.*/\1/p' | sort | tr '\n' ' ' >"$T/over.keys"
eq ${n}_process_labels_kept "$(cat "$T/over.keys")" "comm cprof.labels pid thread "
check ${n}_comment_counts_pushes sh -c "go tool pprof -comments '$T/over.pb.gz' 2>/dev/null | grep -q '^cprof: 101 label pushes found the label set table full'"

# ---- fork: the child keeps the forking thread's labels and pushes its own ----
n=fork
mkdir -p "$T/fork"
hrun $n CPROF_CPU="$T/fork/cpu.pb.gz" CPROF_HZ=1000 "$T/labels" fork
want_rc $n 0
check ${n}_child_pushed_and_popped grep -qx 'child status 0' "$T/$n.out"
if [ -n "$TSAN" ]; then
	na ${n}_child_profile "ThreadSanitizer: forked children stay unprofiled"
else
	child=$(ls "$T/fork" | grep -x 'cpu\.pb\.gz\.[0-9]*' | head -1)
	if [ -n "$child" ]; then
		near ${n}_child_labelled "$(focus_ms "$T/fork/$child" child=yes)" 200 30
		near ${n}_child_inherits "$(focus_ms "$T/fork/$child" side=parent)" 200 30
	else
		nok ${n}_child_profile_written "$(ls "$T/fork" | tr '\n' ' ')"
	fi
	near ${n}_parent_labelled "$(focus_ms "$T/fork/cpu.pb.gz" side=parent)" 100 30
	eq ${n}_parent_not_child "$(focus_ms "$T/fork/cpu.pb.gz" child=yes)" ""
fi

# ---- push/pop on four threads under SIGPROF at 1000 Hz (and heap sampling) ----
n=stress
if [ -n "$NOSAMPLE" ]; then
	hrun $n CPROF_CPU="$T/stress.pb.gz" CPROF_HZ=1000 "$T/labels" stress 4
	na ${n}_heap_readable "$NOSAMPLE_WHY"
else
	hrun $n CPROF_CPU="$T/stress.pb.gz" CPROF_HZ=1000 CPROF_HEAP="$T/stress_heap.pb.gz" \
		CPROF_HEAP_RATE=4096 "$T/labels" stress 4
	check ${n}_heap_readable readable "$T/stress_heap.pb.gz"
fi
want_rc $n 0
check ${n}_done grep -qx 'stress done' "$T/$n.out"
check ${n}_profile_readable readable "$T/stress.pb.gz"
if [ -z "$TSAN" ]; then
	tags "$T/stress.pb.gz" worker >"$T/worker.tags"
	check ${n}_worker_even grep -q '^even ' "$T/worker.tags"
	check ${n}_worker_odd grep -q '^odd ' "$T/worker.tags"
	eq ${n}_rounds_seven "$(tags "$T/stress.pb.gz" round | wc -l)" 7
fi
check ${n}_no_stderr sh -c "! grep -v '^==' '$T/$n.err' | grep -q ."

# ---- third-party programs, libcprof loaded, no labels: unchanged ----
# Each runs without libcprof, then with it (CPU at 1000 Hz and the heap
# profile); exit status, stdout and stderr must be the same, and the
# profiles carry no label of the program's.  Debian's binaries are not
# built with a sanitizer: that runtime preloaded into them proves nothing
# of cprof's (python3 and xz do not even run under libtsan alone).
if [ -n "$SANITIZE" ]; then
	na third_party_programs "Debian's programs are not built with $SANITIZE"
	exit 0
fi
mkdir -p "$T/tp"
head -c 3000000 /dev/urandom | od -An -tx1 >"$T/tp/data"
cat >"$T/tp/Makefile" <<'EOF'
all: a b c
a b c:
	@echo made $@
EOF
git -C "$T/tp" init -q 2>/dev/null && git -C "$T/tp" add Makefile &&
	git -C "$T/tp" -c user.name=t -c user.email=t@t commit -qm init
third() { # third NAME CMD...
	_n=$1; shift
	(cd "$T/tp" && "$@" >"$T/$_n.want" 2>"$T/$_n.want.err")
	_w=$?
	(cd "$T/tp" && timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/$_n.cpu.pb.gz" \
		CPROF_HZ=1000 CPROF_HEAP="$T/$_n.heap.pb.gz" "$@" >"$T/$_n.out" 2>"$T/$_n.err")
	_g=$?
	eq ${_n}_exit_status "$_g" "$_w"
	check ${_n}_stdout_identical cmp -s "$T/$_n.want" "$T/$_n.out"
	check ${_n}_stderr_identical cmp -s "$T/$_n.want.err" "$T/$_n.err"
	# A short run may have no CPU sample at all; the heap profile has
	# its bytes label.
	if [ -s "$T/$_n.cpu.pb.gz" ] && [ -s "$T/$_n.heap.pb.gz" ]; then
		for _f in "$T/$_n.cpu.pb.gz" "$T/$_n.heap.pb.gz"; do
			go tool pprof -tags "$_f" 2>/dev/null | sed -n 's/^ \([^ ]*\):.*/\1/p'
		done | grep -Evx 'thread|bytes' | sort -u | tr '\n' ' ' >"$T/$_n.keys"
		eq ${_n}_no_labels_but_cprofs "$(cat "$T/$_n.keys")" ""
	else
		nok ${_n}_profiles_written
	fi
}
third python /usr/bin/python3 -c 'import hashlib, threading
def f(): hashlib.sha256(b"x" * 5000000).hexdigest()
ts = [threading.Thread(target=f) for i in range(3)]
[t.start() for t in ts]; [t.join() for t in ts]
print(sum(i * i for i in range(300000)))'
third perl perl -e 'my %h; $h{$_ % 1000} .= "x" for 1..300000; print scalar(keys %h), "\n"'
if command -v xz >/dev/null; then
	third xz sh -c 'xz -T2 -c data | xz -d | cksum'
else
	skip xz "xz is not installed"
fi
third make make -s all
third git git log --format=%s
