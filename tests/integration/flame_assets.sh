#!/bin/sh
# src/report/flame_assets.c is generated from web/ by web/embed.sh and
# committed: it must be up to date.
. "$CPROF_ROOT/tests/lib.sh"
sh "$CPROF_ROOT/web/embed.sh" "$T/assets.c" || { nok flame_assets_embed; exit 1; }
if cmp -s "$T/assets.c" "$CPROF_ROOT/src/report/flame_assets.c"; then
	ok flame_assets_fresh
else
	nok flame_assets_fresh "stale: run sh web/embed.sh"
fi
# make regenerates it when what embed.sh reads changes (-W: as if modified;
# -n: nothing is run or written).
if ! command -v make >/dev/null 2>&1; then
	skip flame_assets_make_rule "make not installed"
else
	for f in web/flame_svg.js web/flame.html web/embed.sh; do
		out=$(make -C "$CPROF_ROOT" -s -n -W "$f" src/report/flame_assets.c 2>&1)
		case "$out" in
		*"web/embed.sh src/report/flame_assets.c"*) ok "flame_assets_make_rule_$(basename "$f")" ;;
		*) nok "flame_assets_make_rule_$(basename "$f")" "make would not run embed.sh: ${out:-nothing to do}" ;;
		esac
	done
fi
