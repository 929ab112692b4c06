#!/bin/sh
# Every report on every file of the decoder's corpus (malformed and odd
# profiles, tests/fixtures/profiles/corpus): cprof either reports or fails
# with exit 1 and a one-line "cprof: " message (a usage error would be 2; none
# is expected here), never crashes or hangs.  Under `make SANITIZE=...` this is
# the report engine's sanitizer run on hostile input.
. "$CPROF_ROOT/tests/lib.sh"

C=$CPROF_ROOT/tests/fixtures/profiles/corpus
[ -d "$C" ] || { nok report_corpus "no $C"; exit 1; }
# Three reports cover the engine: top (graph, trimming, filters, units),
# traces (samples, labels), dot (tags, edges, entropy).
for cmd in "top -lines -focus=a -hide=b -show_from=. -tagfocus=1kb: -mean" "traces" \
	"report -dot"; do
	bad=""
	for f in "$C"/*; do
		# shellcheck disable=SC2086
		timeout 20 "$CPROF" $cmd -symbolize=none "$f" >/dev/null 2>"$T/err"
		rc=$?
		if [ "$rc" -gt 1 ] || grep -q 'runtime error\|AddressSanitizer' "$T/err"; then
			bad="$bad $(basename "$f"):$rc"
		elif [ "$rc" = 1 ] && { [ "$(wc -l <"$T/err")" != 1 ] || ! grep -q '^cprof: .' "$T/err"; }; then
			bad="$bad $(basename "$f"):message:$(head -c 80 "$T/err" | tr '\n' '|')"
		fi
	done
	name=report_corpus_$(echo "$cmd" | tr -c 'a-z0-9\n' '_')
	if [ -z "$bad" ]; then ok "$name"; else nok "$name" "crashed on:$bad"; fi
done
