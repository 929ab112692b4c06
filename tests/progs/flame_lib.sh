# Helpers shared by the flame-graph tests (tests/integration/flame_*.sh);
# sourced after tests/lib.sh.

# flame NAME ARGS...: cprof flame ARGS > $T/NAME.svg; ok if exit 0 and well-formed.
flame() {
	name=$1; shift
	if ! "$CPROF" flame "$@" >"$T/$name.svg" 2>"$T/$name.err"; then
		nok "$name" "exit $?: $(head -n 2 "$T/$name.err" | tr '\n' '|')"
		return 1
	fi
	if ! xmllint --noout "$T/$name.svg" 2>"$T/$name.xml"; then
		nok "$name" "not well-formed: $(head -n 2 "$T/$name.xml" | tr '\n' '|')"
		return 1
	fi
	ok "$name"
}
