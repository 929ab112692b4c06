#!/bin/sh
# Differential flame graphs: `cprof flame -diff_base OLD NEW` and two-count
# folded input ("stack OLD NEW").  Widths from NEW, red = grew, blue = shrank,
# neutral grey = unchanged, vanished paths drawn (hatched) at their OLD width.
. "$CPROF_ROOT/tests/lib.sh"
. "$CPROF_ROOT/tests/progs/flame_lib.sh"
FIX=$CPROF_ROOT/tests/fixtures/profiles
FF=$CPROF_ROOT/tests/fixtures/flame

# frame FILE NAME: the <g> line of the frame named NAME.
frame() { grep "^<g><title>$2 (" "$1" | head -n 1; }
fill() { frame "$1" "$2" | sed -n 's/.*fill="#\(......\)".*/\1/p'; }
width() { frame "$1" "$2" | sed -n 's/.* width="\([0-9.]*\)".*/\1/p'; }
# red FILL / blue FILL / grey FILL
red() { r=$(printf %d 0x$(echo "$1" | cut -c1-2)) b=$(printf %d 0x$(echo "$1" | cut -c5-6)); [ "$r" = 255 ] && [ "$b" -lt 255 ]; }
blue() { r=$(printf %d 0x$(echo "$1" | cut -c1-2)) b=$(printf %d 0x$(echo "$1" | cut -c5-6)); [ "$b" = 255 ] && [ "$r" -lt 255 ]; }
grey() { [ "$1" = ebebeb ]; }

flame diff_folded -diff_base "$FF/old.folded" "$FF/new.folded"
S=$T/diff_folded.svg
check diff_title grep -q '>Differential Flame Graph</text>' "$S"
check diff_subtitle grep -q 'Total: 27 samples (base 21 samples, +28.6%)' "$S"
check diff_bar_title grep -q '<title>bar (20 samples, 74.07%; base 10 samples; +10 samples, +100.0%)' "$S"
check diff_bar_red red "$(fill "$S" bar)"
check diff_baz_blue blue "$(fill "$S" baz)"
check diff_fresh_red red "$(fill "$S" fresh)"
check diff_gone_blue blue "$(fill "$S" gone)"
check diff_gone_hatched sh -c "grep '^<g><title>gone (vanished; base 4 samples)' '$S' | grep -q 'class=\"gone\"'"
# Intensity by magnitude: bar (+10) is redder than fresh (+3).
g_bar=$(printf %d 0x$(fill "$S" bar | cut -c3-4)) g_fresh=$(printf %d 0x$(fill "$S" fresh | cut -c3-4))
[ "$g_bar" -lt "$g_fresh" ] && ok diff_intensity || nok diff_intensity "bar g=$g_bar fresh g=$g_fresh"
# Widths from NEW: bar is 20 of NEW's 27, in a root of 27 + 4 vanished.
awk -v w="$(width "$S" bar)" 'BEGIN { e = 1180 * 20 / 31; exit !(w > e - 0.02 && w < e + 0.02) }' &&
	ok diff_width_new || nok diff_width_new "bar width $(width "$S" bar)"
awk -v w="$(width "$S" gone)" 'BEGIN { e = 1180 * 4 / 31; exit !(w > e - 0.02 && w < e + 0.02) }' &&
	ok diff_width_vanished || nok diff_width_vanished "gone width $(width "$S" gone)"

# Two-count folded input: the same graph.
printf 'main;foo;bar 10 20\nmain;foo;baz 5 2\nmain;old;gone 4 0\nmain;new;fresh 0 3\nmain 2 2\n' >"$T/two.folded"
flame diff_twocol "$T/two.folded"
grep '^<g>' "$T/diff_twocol.svg" >"$T/a"
grep '^<g>' "$S" >"$T/b"
cmp -s "$T/a" "$T/b" && ok diff_twocol_same || nok diff_twocol_same "$(diff "$T/a" "$T/b" | head -n 4 | tr '\n' '|')"

# A profile against itself: nothing changed, every frame neutral.
flame diff_self_same -diff_base "$FIX/go-cpu.pb.gz" "$FIX/go-cpu.pb.gz"
n=$(grep -c '^<g>' "$T/diff_self_same.svg")
ng=$(grep '^<g>' "$T/diff_self_same.svg" | grep -c 'fill="#ebebeb"')
[ "$n" -gt 5 ] && [ "$n" = "$ng" ] && ok diff_self_neutral || nok diff_self_neutral "$ng of $n neutral"
check diff_self_subtitle grep -q '(base [^,]*, +0.0%)' "$T/diff_self_same.svg"
# Filters apply to both sides.
flame diff_focus -diff_base "$FIX/go-cpu.pb.gz" -focus=sha256 "$FIX/go-cpu.pb.gz"
# (the oracle: go tool pprof's total of the focused profile)
want=$(go tool pprof -top -focus=sha256 -nodefraction=0 "$FIX/go-cpu.pb.gz" 2>/dev/null |
	sed -n 's/^Showing nodes accounting for \([^,]*\),.*/\1/p')
check diff_focus_total sh -c "[ -n '$want' ] && grep -q 'Total: $want (base $want, +0.0%)' '$T/diff_focus.svg'"
if grep -q '<title>main\.allocSmall ' "$T/diff_focus.svg"; then nok diff_focus_frames; else ok diff_focus_frames; fi
# -normalize: NEW scaled to OLD's total.
printf 'a;b 10\na;c 10\n' >"$T/o.folded"
printf 'a;b 40\na;c 20\n' >"$T/n.folded"
flame diff_norm -diff_base "$T/o.folded" -normalize "$T/n.folded"
check diff_norm_total grep -q 'Total: 20 samples (base 20 samples, +0.0%)' "$T/diff_norm.svg"
check diff_norm_b_red red "$(fill "$T/diff_norm.svg" b)"
check diff_norm_c_blue blue "$(fill "$T/diff_norm.svg" c)"
# --diff_self colours by self change: a (no self) is neutral.
flame diff_selfcolour --diff_self -diff_base "$T/o.folded" "$T/n.folded"
check diff_selfcolour_a grey "$(fill "$T/diff_selfcolour.svg" a)"
# ...while by default (total change) a, whose total grew 20 -> 60, is red.
flame diff_plain -diff_base "$T/o.folded" "$T/n.folded"
check diff_total_a red "$(fill "$T/diff_plain.svg" a)"
