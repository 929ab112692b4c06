# The build: objects are rebuilt when the compiler's flags change (and only
# then), in a build directory given by an absolute path; `make install`
# honours DESTDIR; the version is the header's.
. "$CPROF_ROOT/tests/lib.sh"
[ -n "$SANITIZE" ] && { na build_flags "the suite's own build is what a sanitizer run checks"; exit 0; }
O=$T/b # absolute
obj=$O/src/runtime/api.o
mk() { make -C "$CPROF_ROOT" -s B="$O" "$@" "$obj" 2>&1; }
mk CC="$CC" >"$T/mk.out"
check first_build_compiles test -f "$obj"
# Object times are compared (make -s prints no command): a second apart.
t0=$(stat -c %Y "$obj" 2>/dev/null)
sleep 1
mk CC="$CC" >"$T/mk.out"
t1=$(stat -c %Y "$obj" 2>/dev/null)
check "same_flags_up_to_date ($t1 vs $t0)" test -n "$t0" -a "$t1" = "$t0"
sleep 1
mk CC="$CC" CFLAGS='-O1 -g' >"$T/mk.out"
t2=$(stat -c %Y "$obj" 2>/dev/null)
check "new_flags_rebuild ($t2 vs $t1)" test -n "$t2" -a "$t2" != "$t1"
sleep 1
mk CC="$CC" CFLAGS='-O1 -g' >"$T/mk.out"
t3=$(stat -c %Y "$obj" 2>/dev/null)
check "new_flags_then_up_to_date ($t3 vs $t2)" test "$t3" = "$t2"

# DESTDIR: the files land under it; cprof.pc still names PREFIX.
make -s -C "$CPROF_ROOT" B="${BUILD#$CPROF_ROOT/}" install DESTDIR="$T/stage" PREFIX=/opt/cprof \
	>"$T/inst.log" 2>&1
check destdir_install test -x "$T/stage/opt/cprof/bin/cprof" -a -f "$T/stage/opt/cprof/lib/libcprof.a"
check destdir_pc_names_prefix grep -q '^prefix=/opt/cprof$' "$T/stage/opt/cprof/lib/pkgconfig/cprof.pc"
check destdir_nothing_outside sh -c "! test -e /opt/cprof/bin/cprof"

# One version: the header's macros, the library's cprof_version(), the
# command's --version and the shared object's name agree.
v=$(sed -n 's/^#define CPROF_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$CPROF_ROOT/include/cprof.h" | paste -sd.)
check "version_from_header ($v)" sh -c "echo '$v' | grep -Eqx '[0-9]+\.[0-9]+\.[0-9]+'"
check version_cli sh -c "'$CPROF' --version | grep -qx 'cprof $v'"
check version_so_name test -f "$BUILD/libcprof.so.$v"
cat >"$T/v.c" <<'C'
#include <cprof.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	printf("%s %d\n", cprof_version(), CPROF_VERSION_NUMBER);
	return strcmp(cprof_version(), CPROF_VERSION) != 0;
}
C
if $CC -I"$CPROF_ROOT/include" -o "$T/v" "$T/v.c" "$BUILD/libcprof.so" 2>"$T/v.err"; then
	LD_LIBRARY_PATH="$BUILD" "$T/v" >"$T/v.out" 2>&1
	check "version_api ($(cat "$T/v.out"))" grep -qx "$v [0-9]*" "$T/v.out"
else
	nok version_api "$(head -c 300 "$T/v.err")"
fi
