# make install PREFIX=DIR lays out bin/, lib/, include/, lib/pkgconfig/, the man
# page and the bash and zsh completions (share/), and a
# program builds against the installed prefix with pkg-config alone, then
# profiles itself through the API.
. "$CPROF_ROOT/tests/lib.sh"
[ -n "$SANITIZE" ] && { na install "a sanitizer build is not installed"; exit 0; }
P=$T/prefix
make -s -C "$CPROF_ROOT" B="${BUILD#$CPROF_ROOT/}" install PREFIX="$P" >"$T/install.log" 2>&1 || { nok install "$(tail -5 "$T/install.log")"; exit 1; }
for f in bin/cprof lib/libcprof.so lib/libcprof.a include/cprof.h lib/pkgconfig/cprof.pc \
	lib/libcprof_bench.a include/cprof/bench.h lib/pkgconfig/cprof-bench.pc \
	share/man/man1/cprof.1 share/bash-completion/completions/cprof share/zsh/site-functions/_cprof; do
	check "installed_$f" test -e "$P/$f"
done
# The installed harness carries no part of `cprof benchstat` (exports.sh
# checks the built archive in detail).
bs=$(nm --defined-only -g "$P/lib/libcprof_bench.a" 2>/dev/null | awk 'NF == 3 { print $3 }' |
	grep -E '^cprof__(benchstat|bf|bp|bu|stats|table)_' | head -3 | tr '\n' ' ')
check "installed_bench_archive_has_no_benchstat (found: ${bs:-none})" test -z "$bs"
check "installed_soname_link" sh -c "ls '$P'/lib/libcprof.so.* >/dev/null"
cat >"$T/app.c" <<'C'
#include <cprof.h>
#include <stdio.h>
static volatile double x;
int main(int argc, char **argv)
{
	if (argc < 2) return 2;
	int rc = cprof_cpu_start(argv[1], 250);
	if (rc) { fprintf(stderr, "start: %s\n", cprof_strerror(rc)); return 1; }
	if (cprof_cpu_start(argv[1], 250) != -16 /* EBUSY */) return 3;
	for (long i = 0; i < 100000000; i++) x = x * 1.0000001 + 1;
	rc = cprof_cpu_stop();
	if (rc) { fprintf(stderr, "stop: %s\n", cprof_strerror(rc)); return 1; }
	return cprof_cpu_stop() == -3 /* ESRCH */ ? 0 : 4;
}
C
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
if $CC -o "$T/app" "$T/app.c" $(pkg-config --cflags --libs cprof) 2>"$T/cc.err"; then
	ok "pkg_config_build"
else
	nok "pkg_config_build" "$(cat "$T/cc.err")"; exit 1
fi
check "api_program_runs" "$T/app" "$T/api.pb.gz"
check "api_profile_readable" pprof_top "$T/api.pb.gz"
check "api_profile_has_main" sh -c "go tool pprof -top '$T/api.pb.gz' 2>/dev/null | grep -q ' main\$'"
# Static linking against libcprof.a with pkg-config --static.
if $CC -o "$T/app_static" "$T/app.c" -I"$P/include" "$P/lib/libcprof.a" $(pkg-config --static --libs-only-l cprof | sed 's/-lcprof//') 2>"$T/cc2.err"; then
	ok "static_archive_build"
	check "static_program_profiles" "$T/app_static" "$T/static.pb.gz"
	check "static_profile_readable" pprof_top "$T/static.pb.gz"
else
	nok "static_archive_build" "$(cat "$T/cc2.err")"
fi
# The installed cprof finds the installed library for `record`.
check "installed_record" "$P/bin/cprof" record -o "$T/rec.pb.gz" -- sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'
check "installed_record_profile" test -s "$T/rec.pb.gz"
