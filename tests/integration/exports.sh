# libcprof runs inside other people's processes: it exports its API (cprof_*)
# and the libc/pthread functions it interposes, nothing else.
. "$CPROF_ROOT/tests/lib.sh"
# The libc/pthread functions libcprof interposes (keep in step with
# src/runtime/libcprof.map).
interposed="pthread_create pthread_exit pthread_sigmask sigprocmask sigwait sigwaitinfo sigtimedwait signalfd sigaction signal dlclose _exit _Exit malloc free calloc realloc reallocarray posix_memalign aligned_alloc memalign valloc pvalloc malloc_usable_size"
nm -D --defined-only "$LIB" | awk '{ print $NF }' | sed 's/@.*//' | sort -u >"$T/exports"
bad=""
for s in $(cat "$T/exports"); do
	case "$s" in
	cprof_*) ;;
	*) echo " $interposed " | grep -q " $s " || bad="$bad $s" ;;
	esac
done
if [ -z "$bad" ]; then ok "only_api_and_interposers_exported"; else nok "only_api_and_interposers_exported" "unexpected:$bad"; fi
for s in cprof_cpu_start cprof_cpu_start_fd cprof_cpu_stop cprof_strerror; do
	check "exports_$s" grep -qx "$s" "$T/exports"
done
# The static archive must not leak unprefixed globals either (static functions only).
nm --defined-only -g "$BUILD/libcprof.a" 2>/dev/null | awk 'NF == 3 && $2 ~ /[TDBR]/ { print $3 }' |
	grep -v -e '^cprof_' -e '^cprof__' -e '^__odr_asan' >"$T/aglobals"
for s in $interposed; do sed -i "/^$s\$/d" "$T/aglobals"; done
if [ -s "$T/aglobals" ]; then nok "archive_globals_prefixed" "$(tr '\n' ' ' <"$T/aglobals")"; else ok "archive_globals_prefixed"; fi
