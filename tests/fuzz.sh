#!/bin/sh
# Runs each libFuzzer target ($B/fuzz/*, built by `make CC=clang fuzz`) for
# $FUZZ_RUNS executions from a fixed seed, starting from its committed corpus
# (read only: new inputs go to a scratch directory).  Prints "ok NAME" /
# "not ok NAME" per target and ends with "N passed, N failed" like tests/run.
# The corpora are also replayed by the unit tests in every `make test`.
set -u
B=${B:-build}
RUNS=${FUZZ_RUNS:-20000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/cprof-fuzz.XXXXXX")
trap 'rm -rf "$T"' EXIT
passed=0 failed=0
# fuzz_elfread's seeds are compiled here (no binaries in the tree): a small
# library with its .symtab and the same stripped to .dynsym.
mkdir -p "$T/elf"
${CC:-cc} -shared -fPIC -O1 -o "$T/elf/symtab.so" "$ROOT/tests/progs/sym_lib.c" &&
	strip -o "$T/elf/dynsym.so" "$T/elf/symtab.so" ||
	{ echo "not ok fuzz_elfread_seeds"; failed=$((failed + 1)); }
for f in decode:tests/fixtures/profiles/corpus deflate: benchstat:tests/fixtures/benchstat elfread: \
	http:tests/fixtures/http trace:tests/fixtures/trace; do
	name=fuzz_${f%%:*} corpus=${f#*:}
	[ "$name" = fuzz_elfread ] && corpus=$T/elf
	mkdir -p "$T/$name"
	# -seed: the same mutations every run; -rss_limit_mb: fuzz_decode is built
	# with a 64 MiB decompression cap, so a bomb stays far below it.
	if (cd "$T" && timeout -k 10 900 "$ROOT/$B/fuzz/$name" -seed=1 -runs="$RUNS" -rss_limit_mb=2048 \
		-max_len=65536 "$T/$name" ${corpus:+"$(cd "$ROOT" && cd "$corpus" && pwd)"}) >"$T/$name.log" 2>&1; then
		echo "ok $name ($RUNS runs)"; passed=$((passed + 1))
	else
		echo "not ok $name"; failed=$((failed + 1))
		grep -v '^#\|^INFO\|NEW \|REDUCE \|pulse \|RELOAD ' "$T/$name.log" | tail -n 40 | sed 's/^/    /'
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
