# The C sources are laid out as .clang-format says (docs/ARCHITECTURE.md,
# rule 9): clang-format changes nothing in src/ and include/.  Generated
# files (src/report/flame_assets.c) are left out.
. "$CPROF_ROOT/tests/lib.sh"
if ! command -v clang-format >/dev/null 2>&1; then
	skip clang_format_clean "clang-format is not installed (Debian: clang-format)"
	exit 0
fi
cd "$CPROF_ROOT" || exit 1
find src include -name '*.[ch]' ! -name flame_assets.c | sort >"$T/files"
check "sources_found ($(wc -l <"$T/files"))" test "$(wc -l <"$T/files")" -gt 50
bad=
while read -r f; do
	clang-format --style=file "$f" | cmp -s - "$f" || bad="$bad $f"
done <"$T/files"
check "clang_format_clean (run clang-format -i on:${bad:- nothing})" test -z "$bad"
# The check can fail: a misplaced brace in a copy is reported.
cp src/runtime/api.c "$T/api.c"
cp .clang-format "$T/.clang-format"
sed -i '0,/^{$/s//{ /' "$T/api.c"
(cd "$T" && clang-format --style=file api.c | cmp -s - api.c)
check "clang_format_notices_a_change" test $? -ne 0
