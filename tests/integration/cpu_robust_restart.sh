# Robustness: cprof_cpu_start()/cprof_cpu_stop() over and over while threads
# run, come and go (every start arms the live threads' timers, every stop
# disarms them, drains, joins the writer and writes).  Every profile must be
# whole; together they show both the main thread's and the threads' work.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/robust_lib.sh"
cc_prog "$T/restart" robust_restart.c -ldl
mkdir -p "$T/rs"

timeout -k 5 "$RUN_TIMEOUT" env LD_PRELOAD="$PRELOAD" "$T/restart" "$T/rs" 6 \
	>"$T/restart.out" 2>"$T/restart.err"
rc=$?
expect_rc restart 0
expect_out restart '^restarts 6$'
check restart_stderr_quiet sh -c "! grep -q . '$T/restart.err'"
bad=0
for i in 0 1 2 3 4 5; do
	gzip -t "$T/rs/$i.pb.gz" 2>/dev/null || bad=$((bad + 1))
done
check "restart_profiles_complete ($bad bad)" test "$bad" = 0
for i in 0 5; do
	if pprof_top "$T/rs/$i.pb.gz" >/dev/null; then
		ok "restart_profile_${i}_readable"
	else
		nok "restart_profile_${i}_readable"
	fi
done
# go tool pprof merges the six.
if pprof_top "$T/rs/0.pb.gz" -unit=ms -nodefraction=0 -nodecount=100000 "$T"/rs/[1-5].pb.gz >"$T/all.top"; then
	ok restart_profiles_merge
	if [ -z "$TSAN" ]; then
		for f in restart_work spinner_work; do
			check "restart_shows_$f" grep -Eq "[[:space:]]$f\$" "$T/all.top"
		done
	fi
else
	nok restart_profiles_merge
fi
