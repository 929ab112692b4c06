# Debian's programs that use OpenSSL (and node, with its own), under CPU and
# heap profiling.  libdw's standard callbacks dlopen libdebuginfod when a
# profile is symbolised, whose libcurl/libssh2/OpenSSL initialise inside the
# host after its own OpenSSL cleanup ran: a SIGSEGV at exit and a 0-byte
# profile.  Each program must exit as it does without cprof (status, stdout,
# stderr), write profiles that go tool pprof reads, symbolised, and never
# load libdebuginfod or libcurl (LD_DEBUG=libs), even with DEBUGINFOD_URLS
# set.
. "$CPROF_ROOT/tests/lib.sh"
RUN_TIMEOUT=${RUN_TIMEOUT:-120}

for p in /usr/bin/python3 openssl ssh-keygen curl node; do
	command -v "$p" >/dev/null || { nok "have_$p" "not installed: run scripts/deps.sh"; exit 0; }
done

# Under a sanitizer the sanitizer's malloc comes first and cprof does not
# sample the heap (tests/progs/heap_lib.sh): CPU profiles only, smaller
# workloads (the preloaded runtime slows every program), and neither node
# nor curl, which hang or crawl with a sanitizer runtime preloaded alone.
MODES="cpu heap both" N=1500 ITER=300000 PROGS="python openssl ssh curl node"
if [ -n "$SANITIZE" ]; then
	MODES=cpu N=200 ITER=30000 PROGS="python openssl ssh"
	echo "# under $SANITIZE: CPU profiles only; not node, nor curl (curl --version hangs with libasan preloaded alone)"
fi

# The workloads: each does some crypto, so that CPU profiles have samples.
head -c 2000000 /dev/urandom >"$T/plain"
ssh-keygen -q -t ed25519 -N '' -C cprof-test -f "$T/key" </dev/null || nok ssh_keygen_setup
PY="import ssl, hashlib
ssl.create_default_context()
h = hashlib.sha256()
for i in range($N): h.update(b'x' * 65536)
print(h.hexdigest())"
JS="const c = require('crypto'); const h = c.createHash('sha256');
for (let i = 0; i < $N; i++) h.update(Buffer.alloc(65536, 120));
console.log(h.digest('hex'))"

# prog NAME: run workload NAME with the environment given before it.
prog() {
	case $1 in
	python) /usr/bin/python3 -c "$PY" ;;
	openssl) openssl enc -aes-256-cbc -pbkdf2 -iter "$ITER" -pass pass:cprof \
		-S 0102030405060708 -in "$T/plain" ;; # one process: no pipe
	ssh) ssh-keygen -l -f "$T/key.pub" ;;
	curl) curl --version ;;
	node) node -e "$JS" ;;
	esac
}
# busy: workloads with enough CPU that a 1000 Hz profile must have samples.
busy() { case $1 in python | openssl | node) return 0 ;; esac; return 1; }

# named PROFILE [ARGS...]: pprof -top reads it and names a function.
named() {
	pprof_top "$@" -nodecount=200 >"$T/named.top" || return 1
	awk 'NR > 1 && $NF ~ /^[A-Za-z_][A-Za-z0-9_:.]*$/ && $NF != "cprof.lostProfileEvent" { f = 1 }
	     END { exit !f }' "$T/named.top"
}

for w in $PROGS; do
	(prog $w) >"$T/$w.want" 2>"$T/$w.wanterr"
	want_rc=$?
	for mode in $MODES; do
		n=${w}_$mode
		rm -f "$T/cpu.pb.gz" "$T/heap.pb.gz"
		(
			export LD_PRELOAD="$PRELOAD"
			case $mode in
			cpu) export CPROF_CPU="$T/cpu.pb.gz" CPROF_HZ=1000 ;;
			heap) export CPROF_HEAP="$T/heap.pb.gz" ;;
			both) export CPROF_CPU="$T/cpu.pb.gz" CPROF_HZ=1000 CPROF_HEAP="$T/heap.pb.gz" ;;
			esac
			prog $w
		) >"$T/$n.out" 2>"$T/$n.err"
		rc=$?
		check "${n}_exit_status_$want_rc" test "$rc" = "$want_rc"
		check "${n}_same_stdout" cmp -s "$T/$w.want" "$T/$n.out"
		if cmp -s "$T/$w.wanterr" "$T/$n.err"; then
			ok "${n}_same_stderr"
		else
			nok "${n}_same_stderr" "$(head -c 400 "$T/$n.err" | tr '\n' '|')"
		fi
		if [ "$mode" != heap ]; then
			if [ -s "$T/cpu.pb.gz" ] && pprof_top "$T/cpu.pb.gz" >"$T/$n.top"; then
				ok "${n}_cpu_profile_readable"
				if busy $w && [ -z "$TSAN" ]; then
					check "${n}_cpu_profile_symbolised" named "$T/cpu.pb.gz"
				fi
			else
				nok "${n}_cpu_profile_readable" "$(ls -l "$T/cpu.pb.gz" 2>&1)"
			fi
		fi
		if [ "$mode" != cpu ]; then
			if [ -s "$T/heap.pb.gz" ] && pprof_top "$T/heap.pb.gz" >/dev/null; then
				ok "${n}_heap_profile_readable"
				check "${n}_heap_profile_symbolised" named "$T/heap.pb.gz" -sample_index=alloc_space
			else
				nok "${n}_heap_profile_readable" "$(ls -l "$T/heap.pb.gz" 2>&1)"
			fi
		fi
	done

	# Which libraries the process loads, with debuginfod configured: never
	# libdebuginfod, and libcurl only in curl itself.
	mkdir -p "$T/home" "$T/ld"
	rm -f "$T/ld"/*
	(export LD_PRELOAD="$PRELOAD" CPROF_CPU="$T/cpu.pb.gz" CPROF_HEAP="$T/heap.pb.gz" \
		LD_DEBUG=libs LD_DEBUG_OUTPUT="$T/ld/libs" HOME="$T/home" \
		DEBUGINFOD_URLS=http://127.0.0.1:9 DEBUGINFOD_TIMEOUT=2; prog $w) >"$T/$w.dbg.out" 2>&1
	rc=$?
	check "${w}_debuginfod_set_exit_status_$want_rc" test "$rc" = "$want_rc"
	if ! ls "$T/ld"/libs.* >/dev/null 2>&1; then
		nok "${w}_ld_debug_output" "no LD_DEBUG output"
	elif grep -h 'calling init:' "$T/ld"/libs.* | grep -q libdebuginfod; then
		nok "${w}_no_libdebuginfod" "$(grep -h 'calling init:.*debuginfod' "$T/ld"/libs.* | head -1)"
	else
		ok "${w}_no_libdebuginfod"
	fi
	if [ "$w" != curl ]; then
		check "${w}_no_libcurl" sh -c "! grep -h 'calling init:' '$T/ld'/libs.* | grep -q libcurl"
	fi
	check "${w}_no_debuginfod_cache" test ! -e "$T/home/.cache/debuginfod_client"
	check "${w}_debuginfod_set_profile_readable" pprof_top "$T/cpu.pb.gz"
done
