# The runtime API's contract (errors, EBUSY/ESRCH, fd ownership, default
# rate), checked by a program linked against libcprof; its profiles are
# judged by go tool pprof.
. "$CPROF_ROOT/tests/lib.sh"
cc_prog "$T/api" api.c -I"$CPROF_ROOT/include" -L"$BUILD" -lcprof -Wl,-rpath,"$BUILD"
# Under TSan libcprof must precede libtsan in lookup order (tests/lib.sh).
if [ -n "$TSAN" ]; then
	(cd "$T" && LD_PRELOAD="$PRELOAD" "$T/api" "$T")
else
	(cd "$T" && "$T/api" "$T")
fi
# The program's own checks print ok/not ok; a crash or a non-zero exit after
# them must fail too.
rc=$?
[ "$rc" = 0 ] && ok api_exit_status_0 || nok api_exit_status_0 "exit $rc"
check "default_hz_profile_readable" pprof_top "$T/api.pb.gz"
check "default_hz_period_is_10ms" sh -c "go tool pprof -raw '$T/api.pb.gz' 2>/dev/null | grep -q '^Period: 10000000\$'"
check "fd_profile_readable" pprof_top "$T/api_fd.pb.gz"
check "fd_profile_period_is_4ms" sh -c "go tool pprof -raw '$T/api_fd.pb.gz' 2>/dev/null | grep -q '^Period: 4000000\$'"
# Go's CPU conventions: sample types, period type, duration, mappings with build ids.
go tool pprof -raw "$T/api.pb.gz" >"$T/raw" 2>/dev/null
check "sample_types_samples_count_cpu_nanoseconds" grep -q '^samples/count cpu/nanoseconds' "$T/raw"
check "period_type_cpu_nanoseconds" grep -q '^PeriodType: cpu nanoseconds' "$T/raw"
check "main_binary_first_mapping_with_build_id" sh -c "sed -n '/^Mappings/,\$p' '$T/raw' | sed -n 2p | grep -q '/api .*[0-9a-f]\{40\}'"
check "thread_label" grep -q 'thread:\[' "$T/raw"
