# libcprof links only what the runtime uses (docs/ARCHITECTURE.md, dependency
# rules 1-3): libc, libz and the loader; all of src/profile/ and nothing of
# src/profio/ (readers, merge, the threaded gzip writer), src/report/ or
# src/cli/.  libdw is dlopen-ed (src/profile/dwlib.h), never linked; libm is
# not needed (src/runtime/rt.h).
. "$CPROF_ROOT/tests/lib.sh"
for tool in readelf nm ldd; do
	command -v $tool >/dev/null 2>&1 || { skip "runtime_links_$tool" "$tool not installed"; exit 0; }
done
SO=$(readlink -f "$LIB")
[ -f "$SO" ] || { nok runtime_links_built "no $LIB"; exit 1; }
# A sanitizer build also needs its runtime (gcc links it; clang leaves its
# symbols for the program to provide).
san_lib='^$' san_sym='^$'
if [ -n "$SANITIZE" ]; then
	san_lib='^lib(asan|ubsan|tsan|lsan)\.so'
	san_sym='^__(asan|ubsan|tsan|lsan|sanitizer|msan)_|^__sancov'
fi

# (a) NEEDED: libc, libz, the loader (and a sanitizer's runtime).
readelf -d "$SO" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' >"$T/needed"
grep -Ev -e '^libc\.so\.[0-9]+$' -e '^libz\.so\.[0-9]+$' -e '^ld-linux[-a-z0-9_.]*\.so\.[0-9]+$' \
	-e "$san_lib" "$T/needed" >"$T/needed.bad"
check "needed_read ($(tr '\n' ' ' <"$T/needed"))" grep -qx 'libc\.so\.6' "$T/needed"
if [ -s "$T/needed.bad" ]; then
	nok needed_only_libc_libz "also needs $(tr '\n' ' ' <"$T/needed.bad")"
else
	ok needed_only_libc_libz
fi

# (b) Every undefined dynamic symbol is defined by one of those libraries
# (so none of libm's, libdw's, libelf's, libcurl's, libmicrohttpd's).
: >"$T/provided"
ldd "$SO" | awk -v san="$SANITIZE" '
	$1 ~ /^(libc|libz|ld-linux)[-a-z0-9_.]*\.so/ || $1 ~ /^\/.*\/ld-linux/ ||
	(san != "" && $1 ~ /^lib(asan|ubsan|tsan|lsan)\.so/) {
		for (i = 1; i <= NF; i++) if ($i ~ /^\//) { print $i; break }
	}' >"$T/libs"
check "provider_libs_found ($(wc -l <"$T/libs"))" test "$(wc -l <"$T/libs")" -ge 3
while read -r l; do
	nm -D --defined-only "$l" | awk 'NF == 3 { print $3 }' >>"$T/provided"
done <"$T/libs"
sed 's/@.*//' "$T/provided" | sort -u >"$T/provided.s"
nm -D --undefined-only "$SO" | awk '{ print $NF }' | sed 's/@.*//' | sort -u >"$T/undef"
# Weak references the toolchain's start files make, defined by nobody here.
grep -Ev -e '^(_ITM_deregisterTMCloneTable|_ITM_registerTMCloneTable|__gmon_start__)$' \
	-e "$san_sym" "$T/undef" | comm -23 - "$T/provided.s" >"$T/undef.bad"
check "undefined_read ($(wc -l <"$T/undef"))" grep -qx 'deflate' "$T/undef"
if [ -s "$T/undef.bad" ]; then
	nok undefined_only_from_libc_libz "$(head -n 20 "$T/undef.bad" | tr '\n' ' ')"
else
	ok undefined_only_from_libc_libz
fi
# The same, named: libm's and libdw's functions in particular (a libm
# function libc also defines, such as ldexp, is not libm's).
grep -E '^(sin|cos|tan|log|log2|log10|exp|exp2|pow|sqrt|floor|ceil|round|lround|llround|fmod|trunc)f?$' \
	"$T/undef" >"$T/undef.m"
grep -E '^(dwfl_|dwarf_|dwelf_|elf_|elf32_|elf64_|gelf_|curl_|MHD_)' "$T/undef" >>"$T/undef.m"
check "no_libm_libdw_symbols ($(tr '\n' ' ' <"$T/undef.m"))" test ! -s "$T/undef.m"

# (c) No function of src/profio/, src/report/ or src/cli/ (nor of the
# benchmark harness, src/bench*/) is in the shared object or the archive:
# static and hidden ones included.  A static name may also exist in an
# object the library is made of (two files' `hex`), so a name counts as
# leaked when the library has more functions of that name than those
# objects (every other directory of src/: runtime, profile...) define.
funcs() { nm --defined-only "$@" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TtWi]$/ { print $3 }'; }
# The objects of today's sources (a build directory may hold stale ones).
tools='^src/(profio|report|cli|bench[a-z]*)/'
(cd "$CPROF_ROOT" && find src -name '*.c') | sort | sed 's/\.c$/.o/' >"$T/objs"
built() { while read -r o; do [ -f "$BUILD/$o" ] && echo "$BUILD/$o"; done; }
grep -E "$tools" "$T/objs" | built >"$T/cliobjs"
grep -Ev "$tools" "$T/objs" | built >"$T/libobjs"
check "cli_objects_built ($(wc -l <"$T/cliobjs"))" test "$(grep -c /profio/ "$T/cliobjs")" -ge 5
# shellcheck disable=SC2046
funcs $(cat "$T/cliobjs") | sort -u >"$T/clifns"
check "cli_functions_listed ($(wc -l <"$T/clifns"))" grep -qx 'cprof__profile_decode' "$T/clifns"
check "library_objects_found ($(wc -l <"$T/libobjs"))" grep -q '/runtime/heap\.o$' "$T/libobjs"
# shellcheck disable=SC2046
funcs $(cat "$T/libobjs") | sort | uniq -c | awk '{ print $2, $1 }' >"$T/own"
leaked() { # leaked LIBFILE: names of CLI-side functions in LIBFILE
	funcs "$1" | sort | uniq -c | awk '{ print $2, $1 }' >"$T/libfns"
	awk 'FILENAME == ARGV[1] { cli[$1] = 1; next }
	     FILENAME == ARGV[2] { own[$1] = $2; next }
	     ($1 in cli) && $2 > own[$1] + 0 { print $1 }' "$T/clifns" "$T/own" "$T/libfns"
}
leaked "$SO" >"$T/leak.so"
check "so_functions_read" test "$(funcs "$SO" | wc -l)" -gt 100
if [ -s "$T/leak.so" ]; then
	nok so_has_no_profio_report_cli_code "$(head -n 12 "$T/leak.so" | tr '\n' ' ')"
else
	ok so_has_no_profio_report_cli_code
fi
leaked "$BUILD/libcprof.a" >"$T/leak.a"
if [ -s "$T/leak.a" ]; then
	nok archive_has_no_profio_report_cli_code "$(head -n 12 "$T/leak.a" | tr '\n' ' ')"
else
	ok archive_has_no_profio_report_cli_code
fi
