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
