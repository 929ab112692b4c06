# Rules of the source tree (docs/ARCHITECTURE.md, "Dependency rules"):
#  - a function of cprof's (cprof_*, cprof__*) used across files is declared
#    in a header, never re-declared in a .c file: a declaration in the .c
#    silences -Wmissing-prototypes and lets the two drift apart.
. "$CPROF_ROOT/tests/lib.sh"
find "$CPROF_ROOT/src" -name '*.c' | sort | xargs awk '
FNR == 1 { inproto = 0 }
{
	# A file-scope line that starts a non-static cprof_ function ...
	if (!inproto && $0 ~ /^(extern )?[A-Za-z_][A-Za-z0-9_ ]*[ *]+cprof_[A-Za-z0-9_]*\(/ && $0 !~ /^static/) {
		inproto = 1; buf = ""; start = FNR
	}
	if (inproto) {
		buf = buf $0
		o = gsub(/\(/, "(", buf); c = gsub(/\)/, ")", buf)
		if (o == c && o > 0) { # ... ends with ";": a declaration
			if (buf ~ /\);[ \t]*(\/\*.*)?$/) {
				f = FILENAME; sub(/.*\/src\//, "src/", f)
				print f ":" start ": " substr(buf, 1, 90)
			}
			inproto = 0
		}
	}
}' >"$T/decls"
check "no_declarations_in_c_files ($(wc -l <"$T/decls"): $(head -3 "$T/decls" | tr '\n' ' '))" test ! -s "$T/decls"
# - src/benchstat/ (`cprof benchstat`) is used by src/cli/ alone, and the
#   installed harness (src/bench/) and benchstat do not include each other.
users=$(grep -rlE '#include "benchstat/' "$CPROF_ROOT/src" | sed "s|^$CPROF_ROOT/||" |
	grep -v -e '^src/benchstat/' -e '^src/cli/' | tr '\n' ' ')
check "benchstat_used_by_cli_only (${users:-none})" test -z "$users"
back=$(grep -rlE '#include "bench/' "$CPROF_ROOT/src/benchstat" | sed "s|^$CPROF_ROOT/||" | tr '\n' ' ')
check "benchstat_does_not_use_the_harness (${back:-none})" test -z "$back"
